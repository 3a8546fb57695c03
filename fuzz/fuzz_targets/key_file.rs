//! Fuzz target `key_file`: see `switchyard::fuzzing::key_file` for the input and its invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchyard::fuzzing::key_file(data));
