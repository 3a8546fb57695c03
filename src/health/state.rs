//! Per-target health as the query path reads it: one atomic load per question.
//!
//! A [`TargetHealth`] packs this node's probe state, the rise/fall streak flag, the forced
//! override and the fleet's verdict into one `AtomicU16`, together with the two values derived
//! from them (effective state and "changing"), so [`TargetHealth::is_up`] and
//! [`TargetHealth::is_changing`] are a single relaxed load and a mask. Everything else (since,
//! last result, counters, the fleet's votes) lives behind a mutex that only the target's
//! prober, the registry, the fleet and status readers touch.
//!
//! The effective state is the forced override, else the fleet's verdict when the fleet decides
//! (`[fleet]` configured and in contact with peers), else this node's own rise/fall state.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

use super::status::{FleetView, Force, LastResult, Observation, State, TargetStatus};

/// Raw: the last state decided by this node's probes (rise/fall).
const PROBE_UP: u16 = 1 << 0;
/// Raw: results opposite to the probe state have started a streak.
const STREAK: u16 = 1 << 1;
/// Raw: an operator forced the target up.
const FORCED_UP: u16 = 1 << 2;
/// Raw: an operator forced the target down.
const FORCED_DOWN: u16 = 1 << 3;
/// Raw: the fleet's verdict decides instead of this node's probes.
const FLEET: u16 = 1 << 4;
/// Raw: the fleet's verdict is up.
const VERDICT_UP: u16 = 1 << 5;
/// Raw: an observer counted in the verdict is in a rise or fall streak.
const VERDICT_CHANGING: u16 = 1 << 6;
/// Derived: the effective state.
const UP: u16 = 1 << 7;
/// Derived: a streak is in progress where the state is decided, and no override hides it.
const CHANGING: u16 = 1 << 8;

const FORCED: u16 = FORCED_UP | FORCED_DOWN;
const VERDICT: u16 = FLEET | VERDICT_UP | VERDICT_CHANGING;
const RAW: u16 = PROBE_UP | STREAK | FORCED | VERDICT;

/// Recomputes the derived bits from the raw ones.
fn derive(bits: u16) -> u16 {
    let raw = bits & RAW;
    let fleet = raw & FLEET != 0;
    let up = match raw & FORCED {
        FORCED_UP => true,
        FORCED_DOWN => false,
        _ if fleet => raw & VERDICT_UP != 0,
        _ => raw & PROBE_UP != 0,
    };
    let streak = if fleet {
        raw & VERDICT_CHANGING != 0
    } else {
        raw & STREAK != 0
    };
    let changing = raw & FORCED == 0 && streak;
    raw | if up { UP } else { 0 } | if changing { CHANGING } else { 0 }
}

fn force_bits(force: Force) -> u16 {
    match force {
        Force::Up => FORCED_UP,
        Force::Down => FORCED_DOWN,
        Force::Auto => 0,
    }
}

/// A change of the probe state decided by [`TargetHealth::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Transition {
    pub probe_state: State,
    pub forced: Option<State>,
}

/// Who a target is; fixed for the life of a [`TargetHealth`].
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub address: IpAddr,
    pub datacenter: String,
    pub check: Option<String>,
    pub probe: Option<SocketAddr>,
}

#[derive(Debug)]
struct Detail {
    /// Consecutive results opposite to the probe state.
    streak: u32,
    since: SystemTime,
    last_result: LastResult,
    last_error: Option<String>,
    last_latency: Option<Duration>,
    last_probe: Option<SystemTime>,
    probes_ok: u64,
    probes_failed: u64,
    state_changes: u64,
    /// A result was recorded since probing last (re)started: this node's observation is current.
    fresh: bool,
    fleet: Option<FleetView>,
}

/// The health of one target (served address in a datacenter, with its check).
#[derive(Debug)]
pub struct TargetHealth {
    flags: AtomicU16,
    /// Whether this node probes the target now (the fleet may leave it to other nodes).
    probing: AtomicBool,
    /// Woken when this node's observation changes (the fleet publishes it).
    observed: Option<Arc<Notify>>,
    identity: Identity,
    detail: Mutex<Detail>,
}

impl TargetHealth {
    pub(crate) fn new(identity: Identity, initial_up: bool, forced: Force) -> TargetHealth {
        let raw = if initial_up { PROBE_UP } else { 0 } | force_bits(forced);
        TargetHealth {
            flags: AtomicU16::new(derive(raw)),
            probing: AtomicBool::new(true),
            observed: None,
            identity,
            detail: Mutex::new(Detail {
                streak: 0,
                since: SystemTime::now(),
                last_result: LastResult::None,
                last_error: None,
                last_latency: None,
                last_probe: None,
                probes_ok: 0,
                probes_failed: 0,
                state_changes: 0,
                fresh: false,
                fleet: None,
            }),
        }
    }

    /// Wakes `notify` whenever this node's observation of the target changes.
    pub(crate) fn observed_by(mut self, notify: Arc<Notify>) -> TargetHealth {
        self.observed = Some(notify);
        self
    }

    /// A target that no prober drives: up or down as given, for offline tools (`explain`) and tests.
    pub fn standalone(address: IpAddr, datacenter: &str, up: bool) -> TargetHealth {
        let identity = Identity {
            address,
            datacenter: datacenter.to_string(),
            check: None,
            probe: None,
        };
        TargetHealth::new(identity, up, Force::Auto)
    }

    /// Effective state: the forced override, else the fleet's verdict or the probe state. One
    /// relaxed atomic load.
    #[inline]
    pub fn is_up(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & UP != 0
    }

    /// A rise or fall streak is in progress and no override hides it. One relaxed atomic load.
    #[inline]
    pub fn is_changing(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & CHANGING != 0
    }

    /// The served address.
    pub fn address(&self) -> IpAddr {
        self.identity.address
    }

    pub fn datacenter(&self) -> &str {
        &self.identity.datacenter
    }

    /// The check's name, `None` for a target without one.
    pub fn check(&self) -> Option<&str> {
        self.identity.check.as_deref()
    }

    /// The detailed state, for `/status`, `explain` and metrics (takes a short lock).
    pub fn status(&self) -> TargetStatus {
        let bits = self.flags.load(Ordering::Acquire);
        let detail = self.lock();
        TargetStatus {
            address: self.identity.address,
            datacenter: self.identity.datacenter.clone(),
            check: self.identity.check.clone(),
            probe: self.identity.probe,
            state: State::from_up(bits & UP != 0),
            probe_state: State::from_up(bits & PROBE_UP != 0),
            forced: forced_state(bits),
            changing: bits & CHANGING != 0,
            since_unix_ms: unix_ms(detail.since),
            last_result: detail.last_result,
            last_error: detail.last_error.clone(),
            last_latency_ms: detail.last_latency.map(|d| d.as_secs_f64() * 1000.0),
            last_probe_unix_ms: detail.last_probe.map(unix_ms),
            probes_ok: detail.probes_ok,
            probes_failed: detail.probes_failed,
            state_changes: detail.state_changes,
            probing: self.is_probing(),
            fleet: detail.fleet.clone(),
        }
    }

    /// How the fleet decided this target's state, if it did (for the decision trace).
    pub fn fleet_view(&self) -> Option<FleetView> {
        self.lock().fleet.clone()
    }

    /// Whether this node probes the target now.
    pub fn is_probing(&self) -> bool {
        self.probing.load(Ordering::Relaxed)
    }

    /// Starts or stops this node's probes of the target (the prober skips its ticks while
    /// stopped); returns whether that changed. A restart begins from the state that serves now
    /// (the fleet's verdict when it decides), so rise/fall applies from there, and reports no
    /// observation until its first result.
    pub(crate) fn set_probing(&self, probing: bool) -> bool {
        let mut detail = self.lock();
        if self.probing.swap(probing, Ordering::AcqRel) == probing {
            return false;
        }
        detail.fresh = false;
        if probing {
            detail.streak = 0;
            self.update(|raw| {
                let serving = if raw & FLEET != 0 {
                    raw & VERDICT_UP != 0
                } else {
                    raw & PROBE_UP != 0
                };
                (raw & !(PROBE_UP | STREAK)) | if serving { PROBE_UP } else { 0 }
            });
        }
        true
    }

    /// This node's current observation: its rise/fall state, once a probe finished since
    /// probing (re)started. `None` for targets without a check or not probed here.
    pub fn observation(&self) -> Option<Observation> {
        if self.identity.check.is_none() || !self.is_probing() {
            return None;
        }
        let detail = self.lock();
        let bits = self.flags.load(Ordering::Acquire);
        detail.fresh.then(|| Observation {
            state: State::from_up(bits & PROBE_UP != 0),
            changing: bits & STREAK != 0,
        })
    }

    /// Records how the fleet decided the state. With a verdict, the verdict serves (unless
    /// forced); `Fleet` without one keeps whatever serves now; `Own` hands the decision back to
    /// this node's probes. Returns whether the effective state changed.
    pub(crate) fn set_fleet(&self, view: FleetView) -> bool {
        let mut detail = self.lock();
        let verdict = match &view {
            FleetView::Fleet {
                verdict: Some(state),
                votes,
                ..
            } => Some((*state == State::Up, votes.iter().any(|v| v.changing))),
            FleetView::Fleet { verdict: None, .. } => None,
            FleetView::Own { .. } => Some((false, false)),
        };
        let own = matches!(view, FleetView::Own { .. });
        detail.fleet = Some(view);
        let Some((up, changing)) = verdict else {
            return false;
        };
        let (old, new) = self.update(|raw| {
            let raw = raw & !VERDICT;
            if own {
                raw
            } else {
                raw | FLEET
                    | if up { VERDICT_UP } else { 0 }
                    | if changing { VERDICT_CHANGING } else { 0 }
            }
        });
        let changed = (old ^ new) & UP != 0;
        if changed {
            detail.since = SystemTime::now();
            detail.state_changes += 1;
        }
        changed
    }

    /// Sets or clears the operator's override; returns whether the effective state changed.
    pub(crate) fn set_forced(&self, force: Force) -> bool {
        let mut detail = self.lock();
        let (old, new) = self.update(|raw| (raw & !FORCED) | force_bits(force));
        let changed = (old ^ new) & UP != 0;
        if changed {
            detail.since = SystemTime::now();
            detail.state_changes += 1;
        }
        changed
    }

    /// Feeds one probe result through the rise/fall rule. Returns the new probe state when this
    /// result completes a streak (`rise` successes while down, `fall` failures while up).
    pub(crate) fn record(
        &self,
        ok: bool,
        error: Option<String>,
        latency: Duration,
        rise: u32,
        fall: u32,
    ) -> Option<Transition> {
        let mut detail = self.lock();
        let now = SystemTime::now();
        detail.last_probe = Some(now);
        detail.last_latency = Some(latency);
        if ok {
            detail.probes_ok += 1;
            detail.last_result = LastResult::Ok;
            detail.last_error = None;
        } else {
            detail.probes_failed += 1;
            detail.last_result = LastResult::Failed;
            detail.last_error = error;
        }

        // Only the prober writes PROBE_UP and STREAK, under this lock, so reading them here and
        // writing them back below cannot race with another result; the others touch other bits.
        let before = self.flags.load(Ordering::Acquire);
        let probe_up = before & PROBE_UP != 0;
        let (new_probe_up, streak) = if ok == probe_up {
            (probe_up, 0)
        } else {
            let streak = detail.streak.saturating_add(1);
            let needed = if probe_up { fall } else { rise }.max(1);
            if streak >= needed {
                (ok, 0)
            } else {
                (probe_up, streak)
            }
        };
        detail.streak = streak;

        let (old, new) = self.update(|raw| {
            let mut raw = raw & (FORCED | VERDICT);
            if new_probe_up {
                raw |= PROBE_UP;
            }
            if streak > 0 {
                raw |= STREAK;
            }
            raw
        });
        if (old ^ new) & UP != 0 {
            detail.since = now;
            detail.state_changes += 1;
        }
        let observation_changed = !detail.fresh || (old ^ new) & (PROBE_UP | STREAK) != 0;
        detail.fresh = true;
        drop(detail);
        if observation_changed && let Some(notify) = &self.observed {
            notify.notify_one();
        }
        (new_probe_up != probe_up).then(|| Transition {
            probe_state: State::from_up(new_probe_up),
            forced: forced_state(new),
        })
    }

    /// Applies `change` to the raw bits atomically; returns the old and new packed values.
    fn update(&self, change: impl Fn(u16) -> u16) -> (u16, u16) {
        let mut old = self.flags.load(Ordering::Acquire);
        loop {
            let new = derive(change(old & RAW));
            match self
                .flags
                .compare_exchange_weak(old, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return (old, new),
                Err(current) => old = current,
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Detail> {
        // A panic elsewhere while holding the lock leaves plain data behind; keep serving it.
        self.detail.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn forced_state(bits: u16) -> Option<State> {
    match bits & FORCED {
        FORCED_UP => Some(State::Up),
        FORCED_DOWN => Some(State::Down),
        _ => None,
    }
}

pub(crate) fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
