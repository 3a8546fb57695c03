//! The registry: owns every target's state and prober, and the operator's drains and forced
//! states (changed in `operator.rs`). Everything here runs off the query path; the query path
//! only holds the `Arc`s that [`HealthRegistry::reconcile`] hands out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use super::error::HealthError;
use super::overrides::Overrides;
use super::persist;
use super::probe::{Prober, jitter};
use super::spec::{CheckSpec, ProbeSpec, validate_check};
use super::state::{Identity, TargetHealth};
use super::status::{DatacenterHealth, DatacenterStatus, Force, TargetStatus};
use super::tls::{TlsKey, client_config};
use crate::config::InitialState;
use crate::events::EventLog;

/// What [`HealthRegistry::reconcile`] hands to the snapshot builder.
#[derive(Debug)]
pub struct Reconciled {
    /// One per given [`ProbeSpec`], in the same order (specs naming the same target share one).
    pub targets: Vec<Arc<TargetHealth>>,
    /// One per given datacenter name, in the same order.
    pub datacenters: Vec<Arc<DatacenterHealth>>,
    /// Targets whose state and prober were kept from before.
    pub kept: usize,
    /// Targets created by this call (in their initial state, probers started).
    pub started: usize,
    /// Targets that are gone (their probers stopped).
    pub stopped: usize,
}

/// A target is its served address in a datacenter, probed by a named check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TargetKey {
    address: IpAddr,
    datacenter: String,
    check: Option<String>,
}

impl TargetKey {
    fn of(spec: &ProbeSpec) -> TargetKey {
        TargetKey {
            address: spec.address,
            datacenter: spec.datacenter.clone(),
            check: spec.check.as_ref().map(|c| c.name.clone()),
        }
    }
}

#[derive(Debug)]
struct Entry {
    health: Arc<TargetHealth>,
    check: Option<CheckSpec>,
    task: Option<AbortHandle>,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Inner {
    targets: HashMap<TargetKey, Entry>,
    pub(super) datacenters: HashMap<String, Arc<DatacenterHealth>>,
    pub(super) overrides: Overrides,
    /// The name stamped on this node's operator changes (the fleet node name).
    pub(super) node: String,
}

impl Inner {
    /// Every target serving `address`.
    pub(super) fn serving(&self, address: IpAddr) -> Vec<Arc<TargetHealth>> {
        self.targets
            .values()
            .filter(|entry| entry.health.address() == address)
            .map(|entry| entry.health.clone())
            .collect()
    }
}

/// Owns the probers and the health state objects; see the module documentation.
#[derive(Debug)]
pub struct HealthRegistry {
    runtime: Handle,
    /// State changes and operator actions, for `/events` (reloads are added by the daemon).
    pub(super) events: Arc<EventLog>,
    pub(super) state_file: Option<PathBuf>,
    inner: Mutex<Inner>,
    /// Woken when this node's observations or overrides change.
    pub(super) changed: Arc<Notify>,
}

/// What to do with one spec, decided before anything changes.
enum Plan {
    Keep(TargetKey),
    Start(TargetKey, Box<(Entry, Option<Prober>)>),
}

impl HealthRegistry {
    /// Creates an empty registry inside the current tokio runtime (probers run there) and loads
    /// the operator's overrides from `state_file` (a missing file means none; a corrupt one is
    /// an error).
    pub fn new(state_file: Option<PathBuf>) -> Result<HealthRegistry, HealthError> {
        let runtime = Handle::try_current().map_err(|_| HealthError::NoRuntime)?;
        let overrides = match &state_file {
            Some(path) => persist::load(path)?,
            None => Overrides::default(),
        };
        Ok(HealthRegistry {
            runtime,
            events: Arc::default(),
            state_file,
            inner: Mutex::new(Inner {
                overrides,
                ..Inner::default()
            }),
            changed: Arc::new(Notify::new()),
        })
    }

    /// Makes the probed targets and datacenters exactly those given; called at start and on
    /// every reload. A target that still exists with the same check settings keeps its state
    /// and prober; a new one starts in its check's `initial` state (up without a check) with
    /// the operator's override applied; a removed one stops being probed. On error nothing
    /// changed.
    pub fn reconcile(
        &self,
        targets: &[ProbeSpec],
        datacenters: &[String],
    ) -> Result<Reconciled, HealthError> {
        let mut inner = self.lock();

        // Phase 1: decide and build everything that can fail.
        let mut tls = HashMap::new();
        let mut plans: Vec<Plan> = Vec::with_capacity(targets.len());
        let mut planned: HashMap<TargetKey, usize> = HashMap::new();
        for spec in targets {
            let key = TargetKey::of(spec);
            if planned.contains_key(&key) {
                continue;
            }
            planned.insert(key.clone(), plans.len());
            let unchanged = inner
                .targets
                .get(&key)
                .is_some_and(|entry| entry.check == spec.check);
            if unchanged {
                plans.push(Plan::Keep(key));
                continue;
            }
            let forced = inner
                .overrides
                .forced
                .get(&spec.address)
                .map_or(Force::Auto, |state| Force::from(*state));
            let built = build_target(spec, forced, &mut tls, &self.changed)?;
            plans.push(Plan::Start(key, Box::new(built)));
        }

        // Phase 2: nothing below fails.
        let mut next: HashMap<TargetKey, Entry> = HashMap::with_capacity(plans.len());
        let (mut kept, mut started) = (0, 0);
        for plan in plans {
            match plan {
                Plan::Keep(key) => {
                    if let Some(entry) = inner.targets.remove(&key) {
                        next.insert(key, entry);
                        kept += 1;
                    }
                }
                Plan::Start(key, built) => {
                    let (mut entry, prober) = *built;
                    if let Some(prober) = prober {
                        let delay = jitter(prober.interval());
                        let run = prober.run(entry.health.clone(), self.events.clone(), delay);
                        let task = self.runtime.spawn(run);
                        entry.task = Some(task.abort_handle());
                    }
                    next.insert(key, entry);
                    started += 1;
                }
            }
        }
        let stopped = inner.targets.len();
        // Dropping the old map aborts the probers of removed targets.
        inner.targets = next;

        let health = targets
            .iter()
            .filter_map(|spec| inner.targets.get(&TargetKey::of(spec)))
            .map(|entry| entry.health.clone())
            .collect();

        let mut next_datacenters = HashMap::with_capacity(datacenters.len());
        for name in datacenters {
            let datacenter = inner.datacenters.get(name).cloned().unwrap_or_else(|| {
                let drained = inner.overrides.drained.contains(name);
                Arc::new(DatacenterHealth::new(name, drained))
            });
            next_datacenters.insert(name.clone(), datacenter);
        }
        inner.datacenters = next_datacenters;
        let datacenter_health = datacenters
            .iter()
            .filter_map(|name| inner.datacenters.get(name).cloned())
            .collect();

        tracing::info!(kept, started, stopped, "health targets reconciled");
        Ok(Reconciled {
            targets: health,
            datacenters: datacenter_health,
            kept,
            started,
            stopped,
        })
    }

    /// Every target, sorted by datacenter, address and check.
    pub fn targets(&self) -> Vec<TargetStatus> {
        let healths: Vec<Arc<TargetHealth>> = self
            .lock()
            .targets
            .values()
            .map(|entry| entry.health.clone())
            .collect();
        let mut status: Vec<TargetStatus> = healths.iter().map(|h| h.status()).collect();
        status.sort_by(|a, b| {
            (&a.datacenter, a.address, &a.check).cmp(&(&b.datacenter, b.address, &b.check))
        });
        status
    }

    /// Every configured datacenter, sorted by name.
    pub fn datacenters(&self) -> Vec<DatacenterStatus> {
        let mut status: Vec<DatacenterStatus> = self
            .lock()
            .datacenters
            .values()
            .map(|d| d.status())
            .collect();
        status.sort_by(|a, b| a.name.cmp(&b.name));
        status
    }

    /// The operator's drains and forced states, including those naming things no longer
    /// configured (they apply again if those come back).
    pub fn overrides(&self) -> Overrides {
        self.lock().overrides.clone()
    }

    /// The event log that probers and operator actions write to.
    pub fn events(&self) -> &Arc<EventLog> {
        &self.events
    }

    pub fn state_file(&self) -> Option<&Path> {
        self.state_file.as_deref()
    }

    /// Every target with a check (what the fleet assigns observers to), sorted like
    /// [`HealthRegistry::targets`].
    pub fn checked_targets(&self) -> Vec<Arc<TargetHealth>> {
        let mut checked: Vec<Arc<TargetHealth>> = self
            .lock()
            .targets
            .values()
            .filter(|entry| entry.check.is_some())
            .map(|entry| entry.health.clone())
            .collect();
        checked.sort_by(|a, b| {
            (a.datacenter(), a.address(), a.check()).cmp(&(b.datacenter(), b.address(), b.check()))
        });
        checked
    }

    /// Woken whenever a probe changes this node's observation of a target, or an operator
    /// changes an override here: the fleet publishes both.
    pub fn changed(&self) -> Arc<Notify> {
        self.changed.clone()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Builds a new target's state and (for a checked target) its prober, not yet started.
fn build_target(
    spec: &ProbeSpec,
    forced: Force,
    tls: &mut HashMap<TlsKey, rustls::ClientConfig>,
    changed: &Arc<Notify>,
) -> Result<(Entry, Option<Prober>), HealthError> {
    let (initial_up, probe, prober) = match &spec.check {
        None => (true, None, None),
        Some(check) => {
            validate_check(&check.name, &check.config)?;
            let key = TlsKey::of(&check.config);
            let config = match tls.get(&key) {
                Some(config) => config,
                None => {
                    let config = client_config(&check.name, &key)?;
                    tls.entry(key).or_insert(config)
                }
            };
            let prober = Prober::build(check, config)?;
            let initial_up = check.config.initial == InitialState::Up;
            (initial_up, Some(check.socket_address()), Some(prober))
        }
    };
    let identity = Identity {
        address: spec.address,
        datacenter: spec.datacenter.clone(),
        check: spec.check.as_ref().map(|c| c.name.clone()),
        probe,
    };
    let entry = Entry {
        health: Arc::new(
            TargetHealth::new(identity, initial_up, forced).observed_by(changed.clone()),
        ),
        check: spec.check.clone(),
        task: None,
    };
    Ok((entry, prober))
}
