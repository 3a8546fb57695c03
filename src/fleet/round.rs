//! One round of the fleet's work, run every gossip interval and whenever an observation or an
//! override changes here or arrives from a peer:
//!
//! 1. read the members, their reports and overrides from the gossip state;
//! 2. update the mode (fleet, joining, degraded);
//! 3. for each checked target: choose its observers, start or stop this node's probes, count
//!    the observers' votes and publish the verdict into the target's atomics;
//! 4. take newer drains and forced states from peers (written to the state file first);
//! 5. publish this node's observations, overrides and mode.
//!
//! Everything here runs off the query path: the only thing a query sees is the atomics.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chitchat::{Chitchat, ChitchatId};
use tokio::sync::Notify;

use super::agreement;
use super::assignment;
use super::keys;
use super::membership::{Member, Mode, ModeTracker, View};
use super::stats::Counters;
use super::status::FleetStatus;
use crate::events::EventKind;
use crate::health::{FleetView, HealthRegistry, State, TargetHealth, Vote, unix_ms};

/// What the rounds work with.
pub(super) struct Context {
    pub me: ChitchatId,
    pub chitchat: Arc<tokio::sync::Mutex<Chitchat>>,
    pub registry: Arc<HealthRegistry>,
    pub observers: usize,
    pub agreement: f64,
    pub counters: Arc<Counters>,
    pub status: Arc<Mutex<FleetStatus>>,
}

/// The rounds and what they remember from one to the next.
pub(super) struct Rounds {
    context: Context,
    tracker: ModeTracker,
    /// The latest verdict of each target (by fleet name), to log changes once.
    verdicts: HashMap<String, State>,
    /// Last round's live members.
    live: Vec<String>,
}

impl Rounds {
    pub fn new(context: Context, interval: Duration) -> Rounds {
        Rounds {
            context,
            tracker: ModeTracker::new(interval, Instant::now()),
            verdicts: HashMap::new(),
            live: Vec::new(),
        }
    }

    /// Runs a round every `interval`, and at once when `wake` is notified.
    pub async fn run(mut self, interval: Duration, local: Arc<Notify>, remote: Arc<Notify>) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = local.notified() => {}
                _ = remote.notified() => {}
            }
            self.round().await;
        }
    }

    async fn round(&mut self) {
        let context = &self.context;
        Counters::add(&context.counters.rounds, 1);
        let view = {
            let chitchat = context.chitchat.lock().await;
            View::read(&chitchat, &context.me)
        };
        let me = context.me.node_id.to_string();
        let live = view.live();
        self.log_membership(&live, &view.members);
        let mode = self.track_mode(live.len().saturating_sub(1));
        let deciders = if mode == Mode::Fleet {
            live.clone()
        } else {
            vec![me.clone()]
        };

        let targets = self.context.registry.checked_targets();
        let mut desired: BTreeMap<String, String> = BTreeMap::new();
        let mut observing = 0;
        for target in &targets {
            let name = keys::target(target);
            let observers = assignment::observers(&name, &deciders, self.context.observers);
            let probing = observers.contains(&me.as_str());
            target.set_probing(probing);
            observing += usize::from(probing);
            let fleet = match mode {
                Mode::Fleet => self.verdict(target, &name, &observers, &me, &view),
                other => FleetView::Own {
                    degraded: other == Mode::Degraded,
                },
            };
            target.set_fleet(fleet);
            if let Some(observation) = target.observation() {
                let value = agreement::encode(observation);
                desired.insert(format!("{}{name}", keys::REPORT), value.to_string());
            }
        }
        self.take_overrides(&view).await;
        for (subject, change) in self.context.registry.overrides().changes {
            let key = format!("{}{subject}", keys::OVERRIDE);
            desired.insert(key, keys::encode_change(&change));
        }
        desired.insert(keys::MODE.to_string(), mode.as_str().to_string());
        self.publish(&view.own_keys, &desired).await;
        self.live = live;
        let mut status = self
            .context
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        status.members = view.members;
        status.targets = targets.len();
        status.observing = observing;
    }

    /// Counts the observers' votes on `target` and logs a change of the verdict.
    fn verdict(
        &mut self,
        target: &TargetHealth,
        name: &str,
        observers: &[&str],
        me: &str,
        view: &View,
    ) -> FleetView {
        let votes: Vec<Vote> = observers
            .iter()
            .filter_map(|&node| {
                let observation = if node == me {
                    target.observation()
                } else {
                    view.reports.get(node)?.get(name).copied()
                }?;
                Some(Vote {
                    node: node.to_string(),
                    state: observation.state,
                    changing: observation.changing,
                })
            })
            .collect();
        let verdict = agreement::decide(&votes, self.context.agreement);
        if let Some(state) = verdict {
            let previous = self.verdicts.insert(name.to_string(), state);
            if previous.is_some_and(|p| p != state) || (previous.is_none() && state == State::Down)
            {
                Counters::add(&self.context.counters.verdict_changes, 1);
                let down = votes.iter().filter(|v| v.state == State::Down).count();
                tracing::info!(
                    target = %target.address(),
                    datacenter = target.datacenter(),
                    check = target.check().unwrap_or(""),
                    verdict = state.as_str(),
                    down,
                    votes = votes.len(),
                    observers = observers.join(","),
                    "fleet verdict changed"
                );
                let (address, datacenter) = (target.address(), target.datacenter());
                self.event(
                    &address.to_string(),
                    Some(datacenter),
                    state.as_str(),
                    format!(
                        "fleet verdict: target {address} ({datacenter}) {}, {down} of {} observers see it down",
                        state.as_str(),
                        votes.len()
                    ),
                );
            }
        }
        FleetView::Fleet {
            verdict,
            observers: observers.iter().map(|o| o.to_string()).collect(),
            votes,
            agreement: self.context.agreement,
        }
    }

    /// Updates the mode from the count of live peers; logs and records a change.
    fn track_mode(&mut self, live_peers: usize) -> Mode {
        let Some(mode) = self.tracker.update(live_peers, Instant::now()) else {
            return self.tracker.mode();
        };
        match mode {
            Mode::Degraded => tracing::warn!(
                mode = mode.as_str(),
                "fleet degraded: no contact with any peer; this node's own probes decide every target"
            ),
            _ => tracing::info!(
                mode = mode.as_str(),
                live_peers,
                "fleet mode changed: the observers' votes decide"
            ),
        }
        let me = self.context.me.node_id.to_string();
        let message = match mode {
            Mode::Degraded => "no contact with any peer: this node's own probes decide",
            Mode::Fleet => "in the fleet: the observers' votes decide",
            Mode::Joining => "joining: this node's own probes decide until a peer is reached",
        };
        self.event(
            &me,
            None,
            mode.as_str(),
            format!("fleet mode {}: {message}", mode.as_str()),
        );
        let mut status = self
            .context
            .status
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        status.mode = mode;
        status.degraded = mode == Mode::Degraded;
        status.mode_since_unix_ms = unix_ms(SystemTime::now());
        mode
    }

    /// One line per member that joined or left since the last round.
    fn log_membership(&self, live: &[String], members: &[Member]) {
        for node in live.iter().filter(|n| !self.live.contains(n)) {
            if *node == *self.context.me.node_id {
                continue;
            }
            Counters::add(&self.context.counters.membership_changes, 1);
            let member = members.iter().find(|m| &m.node == node);
            tracing::info!(
                member = node.as_str(),
                gossip = member.map(|m| m.gossip.to_string()).unwrap_or_default(),
                version = member.and_then(|m| m.version.clone()).unwrap_or_default(),
                "fleet member joined"
            );
            self.event(node, None, "joined", format!("fleet member {node} joined"));
        }
        for node in self.live.iter().filter(|n| !live.contains(n)) {
            Counters::add(&self.context.counters.membership_changes, 1);
            let member = members.iter().find(|m| &m.node == node);
            let reason = match member.and_then(|m| m.mode.as_deref()) {
                Some("leaving") => "leaving",
                _ => "unreachable",
            };
            tracing::info!(member = node.as_str(), reason, "fleet member left");
            self.event(
                node,
                None,
                "left",
                format!("fleet member {node} left ({reason})"),
            );
        }
    }

    /// Records a fleet event for `/events`.
    fn event(&self, subject: &str, datacenter: Option<&str>, state: &str, message: String) {
        let events = self.context.registry.events();
        events.record(EventKind::Fleet, subject, datacenter, state, message);
    }

    /// Takes the peers' drains and forced states that are newer than this node's.
    async fn take_overrides(&self, view: &View) {
        let known = self.context.registry.overrides().changes;
        let newer: Vec<_> = view
            .overrides
            .iter()
            .filter(|(subject, change)| known.get(*subject).is_none_or(|k| change.supersedes(k)))
            .map(|(subject, change)| (subject.clone(), change.clone()))
            .collect();
        if newer.is_empty() {
            return;
        }
        let registry = self.context.registry.clone();
        let counters = self.context.counters.clone();
        // The state file is written before a change applies: off the async threads.
        let applied = tokio::task::spawn_blocking(move || {
            for (subject, change) in newer {
                match registry.apply_fleet_change(&subject, change) {
                    Ok(true) => Counters::add(&counters.overrides_received, 1),
                    Ok(false) => {}
                    Err(error) => tracing::error!(
                        subject = %subject,
                        error = %error,
                        "fleet override not applied"
                    ),
                }
            }
        })
        .await;
        if let Err(error) = applied {
            tracing::error!(error = %error, "fleet override task failed");
        }
    }

    /// Makes this node's published keys exactly `desired`: sets what changed, deletes reports
    /// and overrides no longer wanted.
    async fn publish(&self, own: &HashMap<String, String>, desired: &BTreeMap<String, String>) {
        let mut chitchat = self.context.chitchat.lock().await;
        let state = chitchat.self_node_state();
        for (key, value) in desired {
            if own.get(key) != Some(value) {
                state.set(key, value);
            }
        }
        for key in own.keys() {
            let ours = key.starts_with(keys::REPORT) || key.starts_with(keys::OVERRIDE);
            if ours && !desired.contains_key(key) {
                state.delete(key);
            }
        }
    }
}
