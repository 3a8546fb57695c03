//! Fuzz target bodies and their invariants, shared by the cargo-fuzz crate in `fuzz/` (nightly,
//! libFuzzer) and by `cargo test`, which replays every committed seed in `fuzz/corpus/<target>/`
//! on stable Rust. Each body takes arbitrary bytes and panics only when an invariant breaks.
//!
//! Not part of the server's interface.
//!
//! Findings worked around here rather than fixed: hickory-proto refuses things we send on
//! purpose: a Client Subnet option of FAMILY 0 (echoed as received, RFC 7871), records with
//! empty rdata (RFC 3597 `\# 0`; such responses are checked by [`wire`] only), and rdata whose
//! contents it judges (NAPTR flags outside A-Z0-9, accepted by NSD too; such responses must
//! parse with every rdata read as opaque bytes).

pub mod fixture;
pub mod gossip;
pub mod hostile;
pub mod inputs;
pub mod key_file;
pub mod packet;
pub mod transfer;
pub mod wire;

#[cfg(test)]
mod tests;

pub use gossip::gossip;
pub use hostile::{hostile_packet, valid_query};
pub use inputs::{client_subnet, config, mmdb, zone_file};
pub use key_file::key_file;
pub use packet::{check_query, packet};
pub use transfer::transfer;

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target: its name (the directory of its seeds and the name of its fuzz binary) and body.
pub const TARGETS: &[(&str, Body)] = &[
    ("packet", packet),
    ("zone_file", zone_file),
    ("config", config),
    ("client_subnet", client_subnet),
    ("mmdb", mmdb),
    ("gossip", gossip),
    ("key_file", key_file),
    ("transfer", transfer),
];
