//! Fuzz target `zone_file`: see `switchyard::fuzzing::zone_file` for the input and its invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchyard::fuzzing::zone_file(data));
