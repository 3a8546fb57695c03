//! Per-target and per-datacenter health as the query path reads it: one atomic load per question.
//!
//! A [`TargetHealth`] packs the probe state, the rise/fall streak flag and the forced override into
//! one `AtomicU8`, together with the two values derived from them (effective state and "changing"),
//! so [`TargetHealth::is_up`] and [`TargetHealth::is_changing`] are a single relaxed load and a
//! mask. Everything else (since, last result, counters) lives behind a mutex that only the target's
//! prober, the registry and status readers touch.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Raw: the last state decided by the probes (rise/fall).
const PROBE_UP: u8 = 1 << 0;
/// Raw: results opposite to the probe state have started a streak.
const STREAK: u8 = 1 << 1;
/// Raw: an operator forced the target up.
const FORCED_UP: u8 = 1 << 2;
/// Raw: an operator forced the target down.
const FORCED_DOWN: u8 = 1 << 3;
/// Derived: the effective state (forced override, else probe state).
const UP: u8 = 1 << 4;
/// Derived: a streak is in progress and no override hides it.
const CHANGING: u8 = 1 << 5;

const FORCED: u8 = FORCED_UP | FORCED_DOWN;
const RAW: u8 = PROBE_UP | STREAK | FORCED;

/// Recomputes the derived bits from the raw ones.
fn derive(bits: u8) -> u8 {
    let raw = bits & RAW;
    let up = match raw & FORCED {
        FORCED_UP => true,
        FORCED_DOWN => false,
        _ => raw & PROBE_UP != 0,
    };
    let changing = raw & FORCED == 0 && raw & STREAK != 0;
    raw | if up { UP } else { 0 } | if changing { CHANGING } else { 0 }
}

/// Up or down, as shown to operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Up,
    Down,
}

impl State {
    fn from_up(up: bool) -> State {
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

    fn bits(self) -> u8 {
        match self {
            Force::Up => FORCED_UP,
            Force::Down => FORCED_DOWN,
            Force::Auto => 0,
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
}

/// The health of one target (served address in a datacenter, with its check).
#[derive(Debug)]
pub struct TargetHealth {
    flags: AtomicU8,
    identity: Identity,
    detail: Mutex<Detail>,
}

impl TargetHealth {
    pub(crate) fn new(identity: Identity, initial_up: bool, forced: Force) -> TargetHealth {
        let raw = if initial_up { PROBE_UP } else { 0 } | forced.bits();
        TargetHealth {
            flags: AtomicU8::new(derive(raw)),
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
            }),
        }
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

    /// Effective state: the forced override, else the probe state. One relaxed atomic load.
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
        }
    }

    /// Sets or clears the operator's override; returns whether the effective state changed.
    pub(crate) fn set_forced(&self, force: Force) -> bool {
        let mut detail = self.lock();
        let (old, new) = self.update(|raw| (raw & !FORCED) | force.bits());
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
        // writing them back below cannot race with another result; force only touches FORCED.
        let probe_up = self.flags.load(Ordering::Acquire) & PROBE_UP != 0;
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
            let mut raw = raw & FORCED;
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
        (new_probe_up != probe_up).then(|| Transition {
            probe_state: State::from_up(new_probe_up),
            forced: forced_state(new),
        })
    }

    /// Applies `change` to the raw bits atomically; returns the old and new packed values.
    fn update(&self, change: impl Fn(u8) -> u8) -> (u8, u8) {
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

fn forced_state(bits: u8) -> Option<State> {
    match bits & FORCED {
        FORCED_UP => Some(State::Up),
        FORCED_DOWN => Some(State::Down),
        _ => None,
    }
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
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
