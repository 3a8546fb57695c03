//! Fuzz target `packet`: see `switchyard::fuzzing::packet` for the input and its invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchyard::fuzzing::packet(data));
