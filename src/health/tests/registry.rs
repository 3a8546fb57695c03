//! The registry: live rise/fall, reconcile across reloads, drains, forced states, the state file.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use super::backend::{Backend, Behavior};
use super::http::closed_port;
use super::{TempDir, check_for, eventually};
use crate::config::{self, CheckConfig, CheckType, InitialState};
use crate::health::{
    Change, Force, HealthError, HealthRegistry, ProbeSpec, Setting, State, Subject,
};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A fast check (20 ms interval) against `backend`.
fn fast(kind: CheckType, address: std::net::SocketAddr) -> CheckConfig {
    let mut config = check_for(kind, address);
    config.interval = config::Duration::from_millis(20);
    config.timeout = config::Duration::from_millis(20);
    config
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn probes_take_a_target_down_and_up_again() {
    let backend = Backend::start(Behavior::Normal).await;
    let mut config = fast(CheckType::Http, backend.addr);
    config.rise = 2;
    config.fall = 3;
    let registry = HealthRegistry::new(None).unwrap();
    let spec = ProbeSpec::checked(ip("127.0.0.1"), "ams", "web", &config).unwrap();
    let target = Arc::clone(
        &registry
            .reconcile(&[spec], &names(&["ams"]))
            .unwrap()
            .targets[0],
    );
    assert!(target.is_up(), "initial state up");
    assert!(eventually(Duration::from_secs(1), || target.status().probes_ok >= 2).await);

    backend.set_status(503);
    assert!(eventually(Duration::from_secs(2), || !target.is_up()).await);
    let status = target.status();
    assert_eq!(status.state, State::Down);
    assert_eq!(status.state_changes, 1);
    assert!(status.probes_failed >= 3, "{status:?}");
    assert_eq!(status.last_error.as_deref(), Some("status 503"));

    backend.set_status(200);
    assert!(eventually(Duration::from_secs(2), || target.is_up()).await);
    assert_eq!(target.status().state_changes, 2);
    assert_eq!(registry.targets(), vec![target.status()]);
}

#[tokio::test]
async fn initial_down_waits_for_rise_successes() {
    let backend = Backend::start(Behavior::Normal).await;
    let mut config = fast(CheckType::Tcp, backend.addr);
    config.initial = InitialState::Down;
    config.rise = 3;
    let registry = HealthRegistry::new(None).unwrap();
    let spec = ProbeSpec::checked(ip("127.0.0.1"), "ams", "tcp", &config).unwrap();
    let target = Arc::clone(&registry.reconcile(&[spec], &[]).unwrap().targets[0]);
    assert!(!target.is_up());
    assert!(eventually(Duration::from_secs(2), || target.is_up()).await);
    let status = target.status();
    assert!(status.probes_ok >= 3, "{status:?}");
    assert_eq!(status.probes_failed, 0);
}

#[tokio::test]
async fn reconcile_keeps_unchanged_targets_and_stops_removed_ones() {
    let alive = Backend::start(Behavior::Normal).await;
    let closed = closed_port().await;
    let kept_check = fast(CheckType::Http, alive.addr);
    let mut down_check = fast(CheckType::Tcp, closed);
    down_check.fall = 1;
    let registry = HealthRegistry::new(None).unwrap();

    let kept = ProbeSpec::checked(ip("127.0.0.1"), "ams", "web", &kept_check).unwrap();
    let down = ProbeSpec::checked(ip("127.0.0.2"), "iad", "tcp", &down_check).unwrap();
    let plain = ProbeSpec::unchecked(ip("192.0.2.1"), "sin");
    let first = registry
        .reconcile(
            &[kept.clone(), down.clone(), plain.clone()],
            &names(&["ams", "iad"]),
        )
        .unwrap();
    assert_eq!(first.started, 3);
    assert!(eventually(Duration::from_secs(1), || !first.targets[1].is_up()).await);
    assert!(first.targets[2].is_up(), "unchecked targets are up");

    // Reload: `down` is unchanged too, so it keeps its (down) state; a new target starts in
    // its initial state; the unchecked one is gone.
    let mut fresh_check = down_check.clone();
    fresh_check.initial = InitialState::Up;
    fresh_check.fall = 1000;
    let fresh = ProbeSpec::checked(ip("127.0.0.3"), "iad", "tcp2", &fresh_check).unwrap();
    let second = registry
        .reconcile(
            &[down.clone(), kept.clone(), fresh],
            &names(&["iad", "ams"]),
        )
        .unwrap();
    assert_eq!((second.kept, second.started, second.stopped), (2, 1, 1));
    assert!(Arc::ptr_eq(&first.targets[1], &second.targets[0]));
    assert!(Arc::ptr_eq(&first.targets[0], &second.targets[1]));
    assert!(!second.targets[0].is_up(), "kept its state");
    assert!(
        second.targets[2].is_up(),
        "new target starts in its initial state"
    );
    assert_eq!(second.datacenters[0].name(), "iad");
    assert!(Arc::ptr_eq(&first.datacenters[0], &second.datacenters[1]));
    assert_eq!(registry.targets().len(), 3);

    // Changed settings make a new target; a removed one's prober stops.
    let mut changed_check = kept_check.clone();
    changed_check.path = "/other".into();
    let changed = ProbeSpec::checked(ip("127.0.0.1"), "ams", "web", &changed_check).unwrap();
    let third = registry.reconcile(&[changed], &names(&["ams"])).unwrap();
    assert!(!Arc::ptr_eq(&first.targets[0], &third.targets[0]));
    assert_eq!((third.kept, third.started, third.stopped), (0, 1, 3));
    let ok_before = first.targets[0].status().probes_ok;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        first.targets[0].status().probes_ok,
        ok_before,
        "old prober stopped"
    );
    let paths: Vec<_> = alive.requests();
    assert!(
        paths.last().unwrap().starts_with("GET /other "),
        "{paths:?}"
    );
}

#[tokio::test]
async fn duplicate_specs_share_one_target() {
    let registry = HealthRegistry::new(None).unwrap();
    let spec = ProbeSpec::unchecked(ip("192.0.2.1"), "ams");
    let out = registry.reconcile(&[spec.clone(), spec], &[]).unwrap();
    assert!(Arc::ptr_eq(&out.targets[0], &out.targets[1]));
    assert_eq!(out.started, 1);
}

#[tokio::test]
async fn a_failed_reconcile_changes_nothing() {
    let dir = TempDir::new();
    let registry = HealthRegistry::new(None).unwrap();
    let plain = ProbeSpec::unchecked(ip("192.0.2.1"), "ams");
    let first = registry
        .reconcile(std::slice::from_ref(&plain), &names(&["ams"]))
        .unwrap();
    let mut bad = check_for(CheckType::Https, "127.0.0.1:443".parse().unwrap());
    bad.ca_file = Some(dir.path("missing.pem").to_string_lossy().into_owned());
    let bad = ProbeSpec::checked(ip("192.0.2.2"), "ams", "tls", &bad).unwrap();
    let error = registry.reconcile(&[bad], &[]).unwrap_err();
    assert!(matches!(error, HealthError::CaFileRead { .. }), "{error}");
    let again = registry.reconcile(&[plain], &names(&["ams"])).unwrap();
    assert!(Arc::ptr_eq(&first.targets[0], &again.targets[0]));
    assert_eq!(again.kept, 1);
}

#[tokio::test]
async fn force_overrides_probes_at_once_and_auto_returns_to_them() {
    let closed = closed_port().await;
    let mut config = fast(CheckType::Tcp, closed);
    config.fall = 1;
    let registry = HealthRegistry::new(None).unwrap();
    let probed = ProbeSpec::checked(ip("192.0.2.1"), "ams", "tcp", &config).unwrap();
    let plain = ProbeSpec::unchecked(ip("192.0.2.2"), "ams");
    let out = registry.reconcile(&[probed, plain], &[]).unwrap();
    let (probed, plain) = (&out.targets[0], &out.targets[1]);
    assert!(eventually(Duration::from_secs(1), || !probed.is_up()).await);

    assert!(registry.force(ip("192.0.2.1"), Force::Up).unwrap());
    assert!(probed.is_up());
    assert_eq!(probed.status().forced, Some(State::Up));
    assert_eq!(probed.status().probe_state, State::Down);
    assert!(
        !registry.force(ip("192.0.2.1"), Force::Up).unwrap(),
        "no change"
    );

    assert!(registry.force(ip("192.0.2.2"), Force::Down).unwrap());
    assert!(!plain.is_up(), "targets without a check can be forced");

    assert!(registry.force(ip("192.0.2.1"), Force::Auto).unwrap());
    assert!(!probed.is_up(), "back to the probe state");
    assert!(registry.force(ip("192.0.2.2"), Force::Auto).unwrap());
    assert!(plain.is_up());

    let error = registry.force(ip("198.51.100.1"), Force::Down).unwrap_err();
    assert!(matches!(error, HealthError::UnknownTarget(_)), "{error}");
}

#[tokio::test]
async fn drain_and_undrain() {
    let registry = HealthRegistry::new(None).unwrap();
    let out = registry.reconcile(&[], &names(&["ams", "iad"])).unwrap();
    assert!(registry.drain("ams").unwrap());
    assert!(out.datacenters[0].is_drained());
    assert!(!out.datacenters[1].is_drained());
    assert!(!registry.drain("ams").unwrap(), "already drained");
    assert!(registry.datacenters()[0].drained);
    assert!(registry.undrain("ams").unwrap());
    assert!(!out.datacenters[0].is_drained());
    let error = registry.drain("nowhere").unwrap_err();
    assert!(
        matches!(error, HealthError::UnknownDatacenter(_)),
        "{error}"
    );
}

#[tokio::test]
async fn overrides_survive_reload_and_restart() {
    let dir = TempDir::new();
    let path = dir.path("state.json");
    let specs = [
        ProbeSpec::unchecked(ip("192.0.2.1"), "ams"),
        ProbeSpec::unchecked(ip("2001:db8::1"), "iad"),
    ];
    let datacenters = names(&["ams", "iad"]);
    {
        let registry = HealthRegistry::new(Some(path.clone())).unwrap();
        registry.reconcile(&specs, &datacenters).unwrap();
        registry.drain("iad").unwrap();
        registry.force(ip("2001:db8::1"), Force::Down).unwrap();

        // A reload that drops and brings back the datacenter and the target keeps both.
        registry.reconcile(&[], &[]).unwrap();
        let out = registry.reconcile(&specs, &datacenters).unwrap();
        assert!(out.datacenters[1].is_drained());
        assert!(!out.targets[1].is_up());
        assert!(out.targets[0].is_up());
    }
    // Restart.
    let registry = HealthRegistry::new(Some(path.clone())).unwrap();
    let overrides = registry.overrides();
    assert!(overrides.drained.contains("iad"));
    assert_eq!(overrides.forced.get(&ip("2001:db8::1")), Some(&State::Down));
    let out = registry.reconcile(&specs, &datacenters).unwrap();
    assert!(!out.datacenters[0].is_drained());
    assert!(out.datacenters[1].is_drained());
    assert!(!out.targets[1].is_up());

    // Overrides for things no longer configured can still be removed.
    registry.reconcile(&[], &[]).unwrap();
    assert!(registry.undrain("iad").unwrap());
    assert!(registry.force(ip("2001:db8::1"), Force::Auto).unwrap());
    let overrides = registry.overrides();
    assert!(overrides.drained.is_empty() && overrides.forced.is_empty());
    // The removals are kept as the latest changes (a fleet must not bring the old ones back).
    let settings: Vec<Setting> = overrides.changes.values().map(|c| c.setting).collect();
    assert_eq!(settings, [Setting::Undrained, Setting::Auto]);
    assert!(registry.undrain("iad").is_err());
}

#[tokio::test]
async fn an_action_that_cannot_be_saved_is_not_applied() {
    let dir = TempDir::new();
    let path = dir.path("missing-folder").join("state.json");
    let registry = HealthRegistry::new(Some(path)).unwrap();
    let out = registry.reconcile(&[], &names(&["ams"])).unwrap();
    let error = registry.drain("ams").unwrap_err();
    assert!(
        matches!(error, HealthError::StateFileWrite { .. }),
        "{error}"
    );
    assert!(!out.datacenters[0].is_drained());
    assert_eq!(registry.overrides(), Default::default());
}

#[tokio::test]
async fn a_corrupt_state_file_is_an_error_at_start() {
    let dir = TempDir::new();
    let path = dir.path("state.json");
    std::fs::write(&path, "{\"version\": 1, \"drained\": [\"ams\"").unwrap();
    let error = HealthRegistry::new(Some(path)).unwrap_err();
    assert!(
        matches!(error, HealthError::StateFileCorrupt { .. }),
        "{error}"
    );
}

#[test]
fn the_registry_needs_a_runtime() {
    let error = HealthRegistry::new(None).unwrap_err();
    assert!(matches!(error, HealthError::NoRuntime), "{error}");
}

#[tokio::test]
async fn fleet_changes_apply_when_newer_and_only_to_what_is_configured() {
    let dir = TempDir::new();
    let path = dir.path("state.json");
    let registry = HealthRegistry::new(Some(path.clone())).unwrap();
    registry.set_node("ns1");
    let specs = [ProbeSpec::unchecked(ip("192.0.2.1"), "ams")];
    let out = registry.reconcile(&specs, &names(&["ams"])).unwrap();
    let change = |setting, at_unix_ms, node: &str| Change {
        setting,
        at_unix_ms,
        node: node.into(),
    };
    let ams = Subject::Datacenter("ams".into());
    assert!(
        registry
            .apply_fleet_change(&ams, change(Setting::Drained, 100, "ns2"))
            .unwrap()
    );
    assert!(out.datacenters[0].is_drained());
    // Older, or the same again: ignored.
    let older = change(Setting::Undrained, 99, "ns3");
    assert!(!registry.apply_fleet_change(&ams, older).unwrap());
    let again = change(Setting::Drained, 100, "ns2");
    assert!(!registry.apply_fleet_change(&ams, again).unwrap());
    assert!(out.datacenters[0].is_drained());
    // A setting that does not fit its subject is refused.
    let misfit = change(Setting::Down, 200, "ns2");
    assert!(!registry.apply_fleet_change(&ams, misfit).unwrap());
    // Things not configured here are kept, and nothing is created for them.
    let elsewhere = Subject::Datacenter("nowhere".into());
    let drain = change(Setting::Drained, 5, "ns2");
    assert!(registry.apply_fleet_change(&elsewhere, drain).unwrap());
    assert_eq!(registry.datacenters().len(), 1);
    assert!(registry.overrides().drained.contains("nowhere"));
    // A peer whose clock runs ahead forces the target down; the operator's later action here
    // is stamped after it, so it wins everywhere.
    let target = Subject::Target(ip("192.0.2.1"));
    let ahead = 4_000_000_000_000;
    let forced = change(Setting::Down, ahead, "ns2");
    assert!(registry.apply_fleet_change(&target, forced).unwrap());
    assert!(!out.targets[0].is_up());
    assert!(registry.force(ip("192.0.2.1"), Force::Auto).unwrap());
    assert!(out.targets[0].is_up());
    let latest = registry.overrides().changes[&target].clone();
    assert_eq!(
        (latest.setting, latest.node.as_str()),
        (Setting::Auto, "ns1")
    );
    assert!(latest.at_unix_ms > ahead);
    // All of it is in the state file.
    let reread = HealthRegistry::new(Some(path)).unwrap();
    assert_eq!(reread.overrides(), registry.overrides());
}
