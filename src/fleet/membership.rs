//! Who is in the fleet, as one round reads it from the gossip state, and this node's mode.
//!
//! A member is a node name; a restarted node appears under a new generation and its latest one
//! counts. A member is live when the failure detector hears its heartbeats and it does not
//! announce that it is leaving. Only live members' reports and overrides are read.
//!
//! The mode decides whose probes serve: `fleet` (the observers' votes) while at least one peer
//! is live; `joining` after start until a peer is reached, and `degraded` once a node has been
//! alone for a while, both with this node's own probes of every target. Leaving `degraded`
//! waits until peers have stayed live for [`SETTLE_ROUNDS`] gossip intervals, so a flapping
//! link does not flip answers back and forth.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chitchat::{Chitchat, ChitchatId, NodeState};
use serde::Serialize;

use super::agreement;
use super::keys;
use crate::health::{Change, Observation, Subject};

/// Gossip intervals peers must stay live before a degraded node rejoins.
pub const SETTLE_ROUNDS: u32 = 3;
/// Gossip intervals a starting node waits for a peer before it calls itself degraded.
pub const JOIN_ROUNDS: u32 = 10;

/// One member as `/status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub node: String,
    pub gossip: SocketAddr,
    /// The member's start time (Unix milliseconds): a restart makes a new generation.
    pub generation: u64,
    pub live: bool,
    /// The mode the member reports (`leaving` while it shuts down).
    pub mode: Option<String>,
    pub version: Option<String>,
}

/// What a round reads of the gossip state.
#[derive(Debug, Default)]
pub struct View {
    /// Every member known (this node included), latest generation per name, sorted by name.
    pub members: Vec<Member>,
    /// Live members' reports: member → target → observation.
    pub reports: HashMap<String, HashMap<String, Observation>>,
    /// The newest change of each subject among the live members' published overrides.
    pub overrides: BTreeMap<Subject, Change>,
    /// This node's own published keys (to update only what changed).
    pub own_keys: HashMap<String, String>,
}

impl View {
    /// Reads the state; `me` is this node's id.
    pub fn read(chitchat: &Chitchat, me: &ChitchatId) -> View {
        let alive: HashSet<&ChitchatId> = chitchat.live_nodes().collect();
        let mut latest: BTreeMap<&str, (&ChitchatId, &NodeState)> = BTreeMap::new();
        for (id, state) in chitchat.node_states() {
            if id.node_id == me.node_id && id != me {
                continue; // an earlier run of this node
            }
            let newer = latest
                .get(&*id.node_id)
                .is_none_or(|(known, _)| known.generation_id < id.generation_id);
            if newer {
                latest.insert(&*id.node_id, (id, state));
            }
        }
        let mut view = View::default();
        for (name, (id, state)) in latest {
            let mode = state.get(keys::MODE).map(str::to_string);
            let live = id == me || (alive.contains(id) && mode.as_deref() != Some("leaving"));
            if id == me {
                view.own_keys = state
                    .key_values()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
            }
            if live {
                view.read_member(name, state);
            }
            view.members.push(Member {
                node: name.to_string(),
                gossip: id.gossip_advertise_addr,
                generation: id.generation_id,
                live,
                mode,
                version: state.get(keys::VERSION).map(str::to_string),
            });
        }
        view
    }

    fn read_member(&mut self, name: &str, state: &NodeState) {
        let mut reports = HashMap::new();
        for (key, value) in state.key_values() {
            if let Some(target) = key.strip_prefix(keys::REPORT) {
                if let Some(observation) = agreement::decode(value) {
                    reports.insert(target.to_string(), observation);
                }
            } else if let Some(subject) = key.strip_prefix(keys::OVERRIDE)
                && let Ok(subject) = Subject::try_from(subject.to_string())
                && let Some(change) = keys::decode_change(value)
                && change.setting.fits(&subject)
            {
                let newer = self
                    .overrides
                    .get(&subject)
                    .is_none_or(|known| change.supersedes(known));
                if newer {
                    self.overrides.insert(subject, change);
                }
            }
        }
        self.reports.insert(name.to_string(), reports);
    }

    /// Names of the live members, this node included, sorted.
    pub fn live(&self) -> Vec<String> {
        self.members
            .iter()
            .filter(|m| m.live)
            .map(|m| m.node.clone())
            .collect()
    }
}

/// Whose probes serve on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Joining,
    Fleet,
    Degraded,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Joining, Mode::Fleet, Mode::Degraded];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Joining => "joining",
            Mode::Fleet => "fleet",
            Mode::Degraded => "degraded",
        }
    }
}

/// The mode, with the waits that keep it from flapping.
#[derive(Debug)]
pub struct ModeTracker {
    mode: Mode,
    started: Instant,
    /// Since when at least one peer has been live without a break.
    peers_since: Option<Instant>,
    join: Duration,
    settle: Duration,
}

impl ModeTracker {
    pub fn new(gossip_interval: Duration, now: Instant) -> ModeTracker {
        ModeTracker {
            mode: Mode::Joining,
            started: now,
            peers_since: None,
            join: gossip_interval * JOIN_ROUNDS,
            settle: gossip_interval * SETTLE_ROUNDS,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Takes this round's count of live peers; returns the new mode when it changed.
    pub fn update(&mut self, live_peers: usize, now: Instant) -> Option<Mode> {
        let next = if live_peers > 0 {
            let since = *self.peers_since.get_or_insert(now);
            match self.mode {
                Mode::Degraded if now.duration_since(since) < self.settle => Mode::Degraded,
                _ => Mode::Fleet,
            }
        } else {
            self.peers_since = None;
            match self.mode {
                Mode::Joining if now.duration_since(self.started) < self.join => Mode::Joining,
                _ => Mode::Degraded,
            }
        };
        (next != self.mode).then(|| {
            self.mode = next;
            next
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joining_then_fleet_then_degraded_and_back_after_settling() {
        let interval = Duration::from_millis(100);
        let start = Instant::now();
        let at = |rounds: u32| start + interval * rounds;
        let mut tracker = ModeTracker::new(interval, start);
        assert_eq!(tracker.update(0, at(1)), None);
        assert_eq!(tracker.mode(), Mode::Joining);
        assert_eq!(tracker.update(1, at(2)), Some(Mode::Fleet), "first contact");
        assert_eq!(tracker.update(2, at(3)), None);
        assert_eq!(tracker.update(0, at(4)), Some(Mode::Degraded), "alone");
        // Peers come back, vanish once (a flapping link), come back for good.
        assert_eq!(tracker.update(1, at(5)), None);
        assert_eq!(tracker.update(0, at(6)), None);
        assert_eq!(tracker.update(1, at(7)), None);
        assert_eq!(tracker.update(1, at(9)), None);
        assert_eq!(
            tracker.update(1, at(10)),
            Some(Mode::Fleet),
            "after 3 intervals"
        );
    }

    #[test]
    fn a_node_that_never_reaches_a_peer_becomes_degraded() {
        let interval = Duration::from_millis(100);
        let start = Instant::now();
        let mut tracker = ModeTracker::new(interval, start);
        assert_eq!(tracker.update(0, start + interval * 9), None);
        assert_eq!(
            tracker.update(0, start + interval * JOIN_ROUNDS),
            Some(Mode::Degraded)
        );
    }
}
