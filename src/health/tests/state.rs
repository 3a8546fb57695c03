//! The rise/fall rule with exact counts, forced states and drains, without probes or clocks.

use std::time::Duration;

use crate::health::state::{Identity, TargetHealth, Transition};
use crate::health::status::{
    DatacenterHealth, DatacenterStatus, FleetView, Force, LastResult, Observation, State, Vote,
};

fn target(initial_up: bool) -> TargetHealth {
    let identity = Identity {
        address: "192.0.2.1".parse().unwrap(),
        datacenter: "ams".into(),
        check: Some("web".into()),
        probe: None,
    };
    TargetHealth::new(identity, initial_up, Force::Auto)
}

fn feed(t: &TargetHealth, ok: bool) -> Option<Transition> {
    let error = (!ok).then(|| "timeout".to_string());
    t.record(ok, error, Duration::from_millis(1), 2, 3)
}

#[test]
fn initial_state_is_served_before_any_result() {
    assert!(target(true).is_up());
    assert!(!target(false).is_up());
    assert!(!target(true).is_changing());
    assert_eq!(target(false).status().last_result, LastResult::None);
}

#[test]
fn fall_needs_exactly_fall_consecutive_failures() {
    let t = target(true);
    assert_eq!(feed(&t, false), None);
    assert!(t.is_up() && t.is_changing());
    assert_eq!(feed(&t, false), None);
    assert!(t.is_up() && t.is_changing());
    let change = feed(&t, false).expect("third failure takes it down");
    assert_eq!(change.probe_state, State::Down);
    assert!(!t.is_up() && !t.is_changing());
    let status = t.status();
    assert_eq!(status.probes_failed, 3);
    assert_eq!(status.state_changes, 1);
    assert_eq!(status.last_error.as_deref(), Some("timeout"));
}

#[test]
fn a_success_breaks_a_failure_streak() {
    let t = target(true);
    feed(&t, false);
    feed(&t, false);
    feed(&t, true);
    assert!(t.is_up() && !t.is_changing());
    feed(&t, false);
    feed(&t, false);
    assert!(t.is_up(), "only two failures since the success");
    assert!(feed(&t, false).is_some());
    assert!(!t.is_up());
}

#[test]
fn rise_needs_exactly_rise_consecutive_successes() {
    let t = target(false);
    assert_eq!(feed(&t, true), None);
    assert!(!t.is_up() && t.is_changing());
    feed(&t, false);
    assert!(
        !t.is_up() && !t.is_changing(),
        "failure resets the rise streak"
    );
    assert_eq!(feed(&t, true), None);
    let change = feed(&t, true).expect("second consecutive success");
    assert_eq!(change.probe_state, State::Up);
    assert!(t.is_up() && !t.is_changing());
    let status = t.status();
    assert_eq!(status.last_result, LastResult::Ok);
    assert_eq!(status.last_error, None);
    assert_eq!(status.probes_ok, 3);
}

#[test]
fn rise_and_fall_of_one_switch_at_once() {
    let t = target(true);
    assert!(t.record(false, None, Duration::ZERO, 1, 1).is_some());
    assert!(!t.is_up());
    assert!(t.record(true, None, Duration::ZERO, 1, 1).is_some());
    assert!(t.is_up());
}

#[test]
fn forced_state_overrides_probes_and_auto_restores_them() {
    let t = target(true);
    assert!(t.set_forced(Force::Down));
    assert!(!t.is_up());
    // Probes keep running underneath; the override hides their streaks.
    feed(&t, false);
    assert!(!t.is_changing());
    assert!(!t.set_forced(Force::Down), "already forced down");
    assert!(t.set_forced(Force::Up));
    assert!(t.is_up());
    feed(&t, false);
    let change = feed(&t, false).expect("probe state still follows results");
    assert_eq!(change.forced, Some(State::Up));
    assert!(t.is_up(), "forced up despite the probes");
    let status = t.status();
    assert_eq!(status.probe_state, State::Down);
    assert_eq!(status.forced, Some(State::Up));
    assert!(t.set_forced(Force::Auto));
    assert!(!t.is_up(), "auto returns to the probe state");
    assert_eq!(t.status().forced, None);
}

#[test]
fn force_parses_admin_words() {
    assert_eq!("up".parse::<Force>(), Ok(Force::Up));
    assert_eq!("DOWN".parse::<Force>(), Ok(Force::Down));
    assert_eq!("auto".parse::<Force>(), Ok(Force::Auto));
    assert!("maybe".parse::<Force>().is_err());
}

#[test]
fn datacenter_drain_flag() {
    let dc = DatacenterHealth::new("ams", false);
    assert!(!dc.is_drained());
    assert!(dc.set_drained(true));
    assert!(!dc.set_drained(true));
    assert!(dc.is_drained());
    assert_eq!(
        dc.status(),
        DatacenterStatus {
            name: "ams".into(),
            drained: true
        }
    );
}

fn verdict(state: Option<State>, changing: bool) -> FleetView {
    let votes = match state {
        Some(state) => vec![Vote {
            node: "ns2".into(),
            state,
            changing,
        }],
        None => vec![],
    };
    FleetView::Fleet {
        verdict: state,
        observers: vec!["ns2".into()],
        votes,
        agreement: 0.5,
    }
}

#[test]
fn the_fleet_verdict_serves_instead_of_own_probes() {
    let t = target(true);
    assert!(t.set_fleet(verdict(Some(State::Down), false)));
    assert!(!t.is_up(), "the verdict serves");
    assert_eq!(
        t.status().probe_state,
        State::Up,
        "own probes are kept apart"
    );
    // Own results no longer move what serves, nor its TTL.
    feed(&t, false);
    assert!(!t.is_changing());
    assert!(t.set_fleet(verdict(Some(State::Up), true)));
    assert!(
        t.is_up() && t.is_changing(),
        "an observer's streak lowers the TTL"
    );
    // No report at all: whatever serves stays.
    assert!(!t.set_fleet(verdict(None, false)));
    assert!(t.is_up());
    assert!(matches!(
        t.fleet_view(),
        Some(FleetView::Fleet { verdict: None, .. })
    ));
    // A forced state still wins.
    assert!(t.set_forced(Force::Down));
    assert!(!t.set_fleet(verdict(Some(State::Up), false)));
    assert!(!t.is_up());
    assert!(t.set_forced(Force::Auto));
    assert!(t.is_up());
    // Degraded: own probes decide again (up, with the failure streak begun above).
    assert!(!t.set_fleet(FleetView::Own { degraded: true }));
    assert!(t.is_up() && t.is_changing());
    assert_eq!(t.status().fleet, Some(FleetView::Own { degraded: true }));
}

#[test]
fn observations_start_from_what_serves_and_wait_for_a_result() {
    let notify = std::sync::Arc::new(tokio::sync::Notify::new());
    let t = target(true).observed_by(notify.clone());
    assert!(t.is_probing());
    assert_eq!(t.observation(), None, "no result yet");
    feed(&t, true);
    assert_eq!(
        t.observation(),
        Some(Observation {
            state: State::Up,
            changing: false
        })
    );
    // The fleet says down and leaves the target to other nodes.
    t.set_fleet(verdict(Some(State::Down), false));
    assert!(t.set_probing(false));
    assert!(!t.set_probing(false));
    assert_eq!(t.observation(), None);
    assert!(!t.status().probing);
    // Probing again starts from the verdict: up needs `rise` successes, as on one node.
    assert!(t.set_probing(true));
    assert_eq!(t.status().probe_state, State::Down);
    assert_eq!(
        t.observation(),
        None,
        "nothing observed since probing restarted"
    );
    feed(&t, true);
    assert_eq!(
        t.observation(),
        Some(Observation {
            state: State::Down,
            changing: true
        })
    );
    assert!(feed(&t, true).is_some(), "rise = 2");
    assert_eq!(t.observation().map(|o| o.state), Some(State::Up));
    // Each change of the observation woke the fleet (a permit is stored).
    let woken = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(Duration::from_millis(100), notify.notified())
                .await
                .is_ok()
        });
    assert!(woken);
}
