//! Fuzz target `gossip`: see `switchyard::fuzzing::gossip` for the input and its invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchyard::fuzzing::gossip(data));
