//! Operator actions on the registry: drains, undrains and forced states, made here or received
//! from the fleet. Each is a stamped [`Change`]; a change is written to the state file before it
//! is applied, so what serves is what a restart will serve, and a change older than the one
//! already known of its subject is ignored, so every node converges on the latest.

use std::net::IpAddr;
use std::time::SystemTime;

use super::error::HealthError;
use super::overrides::{Change, Overrides, Setting, Subject};
use super::persist;
use super::registry::{HealthRegistry, Inner};
use super::state::unix_ms;
use crate::events::EventKind;

/// Where a change came from, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The admin API of this node.
    Local,
    /// Another node, through the fleet.
    Fleet,
}

impl HealthRegistry {
    /// Names this node in the stamps of its operator changes (the fleet node name).
    pub fn set_node(&self, node: &str) {
        self.lock().node = node.to_string();
    }

    /// Drains a configured datacenter: it counts as unhealthy from now on, across reloads and
    /// restarts. Returns whether it was not drained before.
    pub fn drain(&self, datacenter: &str) -> Result<bool, HealthError> {
        self.set_drained(datacenter, true)
    }

    /// Ends a drain. A drain kept in the state file for a datacenter no longer configured can
    /// be removed this way too. Returns whether it was drained before.
    pub fn undrain(&self, datacenter: &str) -> Result<bool, HealthError> {
        self.set_drained(datacenter, false)
    }

    fn set_drained(&self, name: &str, drained: bool) -> Result<bool, HealthError> {
        let mut inner = self.lock();
        let configured = inner.datacenters.contains_key(name);
        let was_drained = inner.overrides.drained.contains(name);
        // An undrain may remove a drain kept for a datacenter no longer configured.
        let removes_stale = was_drained && !drained;
        if !(configured || removes_stale) {
            return Err(HealthError::UnknownDatacenter(name.to_string()));
        }
        let setting = if drained {
            Setting::Drained
        } else {
            Setting::Undrained
        };
        let subject = Subject::Datacenter(name.to_string());
        let change = stamp(&inner, setting);
        self.commit(&mut inner, &subject, change, Origin::Local)?;
        Ok(was_drained != drained)
    }

    /// Forces every target serving `address` up or down, or back to its probes (`Auto`); takes
    /// effect in answers at once and persists across reloads and restarts. `Auto` also removes
    /// a forced state kept for an address no longer configured. Returns whether anything
    /// changed (the override, or a target's effective state).
    pub fn force(&self, address: IpAddr, force: super::Force) -> Result<bool, HealthError> {
        let mut inner = self.lock();
        let served = !inner.serving(address).is_empty();
        let before = inner.overrides.forced.get(&address).copied();
        // `auto` may remove a forced state kept for an address no longer configured.
        let removes_stale = force == super::Force::Auto && before.is_some();
        if !(served || removes_stale) {
            return Err(HealthError::UnknownTarget(address));
        }
        let subject = Subject::Target(address);
        let change = stamp(&inner, Setting::of_force(force));
        let states_changed = self.commit(&mut inner, &subject, change, Origin::Local)?;
        Ok(states_changed || before != force.state())
    }

    /// Takes a change of `subject` made on another node, when it is newer than what this node
    /// knows of it: written to the state file, then applied. Nothing that is not configured
    /// here is created: a drain of an unknown datacenter or a force of an address no target
    /// serves is only kept (it applies if the configuration later names it). Returns whether
    /// the change was taken.
    pub fn apply_fleet_change(
        &self,
        subject: &Subject,
        change: Change,
    ) -> Result<bool, HealthError> {
        let mut inner = self.lock();
        if !change.setting.fits(subject)
            || inner
                .overrides
                .changes
                .get(subject)
                .is_some_and(|known| !change.supersedes(known))
        {
            return Ok(false);
        }
        self.commit(&mut inner, subject, change, Origin::Fleet)?;
        Ok(true)
    }

    /// Writes the overrides with `change` merged into the state file, keeps them, then applies
    /// the change to the live state. Returns whether an effective state changed.
    fn commit(
        &self,
        inner: &mut Inner,
        subject: &Subject,
        change: Change,
        origin: Origin,
    ) -> Result<bool, HealthError> {
        let before = inner.overrides.effective(subject);
        let mut overrides = inner.overrides.clone();
        if !overrides.merge(subject, change.clone()) {
            return Ok(false);
        }
        self.save(inner, overrides)?;
        let changed = match subject {
            Subject::Datacenter(name) => inner
                .datacenters
                .get(name)
                .is_some_and(|d| d.set_drained(change.setting == Setting::Drained)),
            Subject::Target(address) => {
                let force = change.setting.force();
                let mut changed = false;
                for target in inner.serving(*address) {
                    changed |= target.set_forced(force);
                }
                changed
            }
        };
        log_change(subject, &change, origin, changed);
        if changed || before != inner.overrides.effective(subject) {
            self.record_change(inner, subject, &change, origin);
        }
        if origin == Origin::Local {
            self.changed.notify_one();
        }
        Ok(changed)
    }

    /// The event `/events` shows for a change of an override; one received from the fleet
    /// names the node it was made on.
    fn record_change(&self, inner: &Inner, subject: &Subject, change: &Change, origin: Origin) {
        let state = change.setting.as_str();
        let from = match origin {
            Origin::Local => String::new(),
            Origin::Fleet => format!(" (made on {}, through the fleet)", change.node),
        };
        match subject {
            Subject::Datacenter(name) => {
                let verb = if change.setting == Setting::Drained {
                    "drained: it counts as unhealthy"
                } else {
                    "undrained: back in service"
                };
                let message = format!("datacenter {name} {verb}{from}");
                self.events
                    .record(EventKind::Drain, name, Some(name), state, message);
            }
            Subject::Target(address) => {
                let served = inner.serving(*address);
                let datacenter = served.first().map(|t| t.datacenter());
                let place = datacenter.map(|d| format!(" ({d})")).unwrap_or_default();
                let message = match change.setting.force().state() {
                    Some(state) => format!("target {address}{place} forced {}", state.as_str()),
                    None => format!("target {address}{place} back to its probes"),
                };
                self.events.record(
                    EventKind::Force,
                    &address.to_string(),
                    datacenter,
                    state,
                    format!("{message}{from}"),
                );
            }
        }
    }

    /// Writes the new overrides to the state file first, then keeps them: an action that could
    /// not be saved is not applied, so what serves is what a restart will serve.
    fn save(&self, inner: &mut Inner, overrides: Overrides) -> Result<(), HealthError> {
        if overrides == inner.overrides {
            return Ok(());
        }
        if let Some(path) = &self.state_file {
            persist::save(path, &overrides)?;
        }
        inner.overrides = overrides;
        Ok(())
    }
}

/// A local change's stamp: now, or just after the newest change known (a clock behind the
/// fleet's still makes an operator's latest action win).
fn stamp(inner: &Inner, setting: Setting) -> Change {
    let now = unix_ms(SystemTime::now());
    Change {
        setting,
        at_unix_ms: now.max(inner.overrides.latest_stamp().saturating_add(1)),
        node: inner.node.clone(),
    }
}

/// One line per change of an override.
fn log_change(subject: &Subject, change: &Change, origin: Origin, changed: bool) {
    let origin = match origin {
        Origin::Local => "operator",
        Origin::Fleet => "fleet",
    };
    match subject {
        Subject::Datacenter(name) => tracing::info!(
            datacenter = name.as_str(),
            drained = change.setting == Setting::Drained,
            origin,
            node = change.node.as_str(),
            at_unix_ms = change.at_unix_ms,
            changed,
            "{}",
            if change.setting == Setting::Drained {
                "datacenter drained"
            } else {
                "datacenter undrained"
            }
        ),
        Subject::Target(address) => tracing::info!(
            target = %address,
            force = change.setting.as_str(),
            origin,
            node = change.node.as_str(),
            at_unix_ms = change.at_unix_ms,
            changed,
            "target forced"
        ),
    }
}
