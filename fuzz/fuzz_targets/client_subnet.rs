//! Fuzz target `client_subnet`: see `switchyard::fuzzing::client_subnet` for the input and its invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchyard::fuzzing::client_subnet(data));
