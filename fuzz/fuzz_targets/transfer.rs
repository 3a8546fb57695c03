//! Fuzz target `transfer`: see `switchyard::fuzzing::transfer` for the input and its invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchyard::fuzzing::transfer(data));
