//! Fuzz target `config`: see `switchyard::fuzzing::config` for the input and its invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchyard::fuzzing::config(data));
