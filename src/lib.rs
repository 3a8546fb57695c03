//! Switchyard: an authoritative DNS server that steers traffic across data centres.
//!
//! The query path is [`answer::respond`]; everything slow (zone parsing, GeoIP loading, health
//! probes) happens elsewhere and is published to it through lock-free swaps.

pub mod config;
pub mod geo;
pub mod wire;
pub mod zone;
