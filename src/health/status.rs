//! What operators see of health: up/down, forced states, a target's full status, the fleet's
//! view of a target (votes), and datacenter drains.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

/// Up or down, as shown to operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Up,
    Down,
}

impl State {
    pub(crate) fn from_up(up: bool) -> State {
        if up { State::Up } else { State::Down }
    }

    /// `"up"` or `"down"`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Up => "up",
            State::Down => "down",
        }
    }
}

/// An operator's override of a target's state; `Auto` removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Force {
    Up,
    Down,
    Auto,
}

impl Force {
    /// The state this override imposes, if any.
    pub fn state(self) -> Option<State> {
        match self {
            Force::Up => Some(State::Up),
            Force::Down => Some(State::Down),
            Force::Auto => None,
        }
    }
}

impl From<State> for Force {
    fn from(state: State) -> Force {
        match state {
            State::Up => Force::Up,
            State::Down => Force::Down,
        }
    }
}

impl std::str::FromStr for Force {
    type Err = String;

    /// Parses `up`, `down` or `auto` (the admin API's words).
    fn from_str(text: &str) -> Result<Force, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "up" => Ok(Force::Up),
            "down" => Ok(Force::Down),
            "auto" => Ok(Force::Auto),
            _ => Err(format!("expected up, down or auto, not {text:?}")),
        }
    }
}

/// The outcome of the latest probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LastResult {
    /// No probe has finished yet (or the target has no check).
    None,
    Ok,
    Failed,
}

/// Everything about one target, for `/status`, `explain` and metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetStatus {
    /// The served address.
    pub address: IpAddr,
    pub datacenter: String,
    /// The check's name; `None` when the target is not probed (always up unless forced).
    pub check: Option<String>,
    /// Where probes connect (the check's `address`, else the served one, with the check's port).
    pub probe: Option<SocketAddr>,
    /// Effective state: the forced override, else the probe state.
    pub state: State,
    /// State decided by the probes alone.
    pub probe_state: State,
    /// The operator's override, if any.
    pub forced: Option<State>,
    /// A rise or fall streak is in progress (answers use a lower TTL).
    pub changing: bool,
    /// When the effective state last changed (or the target was created), Unix milliseconds.
    pub since_unix_ms: u64,
    pub last_result: LastResult,
    /// Why the latest probe failed; `None` when it succeeded or none ran.
    pub last_error: Option<String>,
    /// How long the latest probe took, milliseconds.
    pub last_latency_ms: Option<f64>,
    /// When the latest probe finished, Unix milliseconds.
    pub last_probe_unix_ms: Option<u64>,
    pub probes_ok: u64,
    pub probes_failed: u64,
    /// Changes of the effective state since the target was created.
    pub state_changes: u64,
    /// This node probes the target now (always, without `[fleet]`; with it, when this node is
    /// one of the target's observers or has no contact with the fleet).
    pub probing: bool,
    /// How the fleet decided the state; `None` without `[fleet]` or before its first round.
    pub fleet: Option<FleetView>,
}

/// One observer's rise/fall state of a target, as it reports it to the fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Observation {
    pub state: State,
    /// A rise or fall streak is in progress at that observer.
    pub changing: bool,
}

/// One observer's report counted in a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vote {
    pub node: String,
    pub state: State,
    pub changing: bool,
}

/// How a target's state was decided on this node, when `[fleet]` is configured.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "decided_by", rename_all = "lowercase")]
pub enum FleetView {
    /// The votes of the target's observers: down when more than `agreement` of them say down.
    Fleet {
        /// `None` while none of the observers has reported: the previous state stays.
        verdict: Option<State>,
        /// The nodes chosen to probe the target (rendezvous hashing over the live members).
        observers: Vec<String>,
        /// The reports of those observers (one per observer that reported).
        votes: Vec<Vote>,
        agreement: f64,
    },
    /// This node's own probes decide: it has no contact with any peer (`degraded`) or has not
    /// reached one yet since it started.
    Own { degraded: bool },
}

/// Whether an operator drained a datacenter (it then counts as unhealthy).
#[derive(Debug)]
pub struct DatacenterHealth {
    name: String,
    drained: AtomicBool,
}

/// A datacenter as shown to operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatacenterStatus {
    pub name: String,
    pub drained: bool,
}

impl DatacenterHealth {
    /// A datacenter with the given drain state (the registry creates them; also for offline tools).
    pub fn new(name: &str, drained: bool) -> DatacenterHealth {
        DatacenterHealth {
            name: name.to_string(),
            drained: AtomicBool::new(drained),
        }
    }

    /// One relaxed atomic load.
    #[inline]
    pub fn is_drained(&self) -> bool {
        self.drained.load(Ordering::Relaxed)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn status(&self) -> DatacenterStatus {
        DatacenterStatus {
            name: self.name.clone(),
            drained: self.is_drained(),
        }
    }

    /// Returns whether the value changed.
    pub(crate) fn set_drained(&self, drained: bool) -> bool {
        self.drained.swap(drained, Ordering::AcqRel) != drained
    }
}
