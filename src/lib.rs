//! Switchyard: an authoritative DNS server that steers traffic across data centres.
//!
//! The query path is [`answer::respond`]; everything slow (zone parsing, GeoIP loading, health
//! probes) happens elsewhere and is published to it through lock-free swaps.

pub mod admin;
pub mod answer;
pub mod authoritative;
pub mod check;
pub mod config;
pub mod cookies;
pub mod ctl;
pub mod daemon;
pub mod dnssec;
pub mod events;
pub mod explain;
pub mod explain_command;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
pub mod geo;
pub mod health;
pub mod logging;
pub mod metrics;
pub mod policy;
pub mod querylog;
pub mod rrl;
pub mod server;
pub mod snapshot;
pub mod transfer;
pub mod wire;
pub mod zone;
