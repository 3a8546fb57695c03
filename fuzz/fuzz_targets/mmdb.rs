//! Fuzz target `mmdb`: see `switchyard::fuzzing::mmdb` for the input and its invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchyard::fuzzing::mmdb(data));
