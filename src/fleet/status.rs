//! What `/status` shows of the fleet, kept up to date by the rounds.

use std::net::SocketAddr;

use serde::Serialize;

use super::membership::{Member, Mode};

/// The fleet as this node sees it. Each target's observers and votes are in the target's own
/// status (`TargetStatus::fleet`).
#[derive(Debug, Clone, Serialize)]
pub struct FleetStatus {
    pub node: String,
    /// The address peers gossip with this node at.
    pub gossip: SocketAddr,
    pub mode: Mode,
    /// No contact with any peer: this node's own probes decide every target.
    pub degraded: bool,
    /// When the mode last changed (or the fleet started), Unix milliseconds.
    pub mode_since_unix_ms: u64,
    pub observers: usize,
    pub agreement: f64,
    pub gossip_interval_ms: u64,
    /// Every member known, this node included, latest generation per name.
    pub members: Vec<Member>,
    /// Targets with a check.
    pub targets: usize,
    /// Targets this node probes now.
    pub observing: usize,
}
