//! Sick backends: each ends as a failed probe within the timeout, and nothing piles up.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use super::backend::{Backend, Behavior};
use super::{assert_failed_within, check_for, eventually, probe_once};
use crate::config::{self, CheckType};
use crate::health::{HealthRegistry, LastResult, ProbeSpec};

fn localhost() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

async fn failure_of(behavior: Behavior) -> (String, Backend) {
    let backend = Backend::start(behavior).await;
    let config = check_for(CheckType::Http, backend.addr);
    let outcome = probe_once(&config, localhost()).await;
    (assert_failed_within(&outcome, &config), backend)
}

#[tokio::test]
async fn accepts_and_never_answers() {
    let (reason, backend) = failure_of(Behavior::Silent).await;
    assert_eq!(reason, "timeout");
    // The abandoned probe closed its connection.
    assert!(eventually(Duration::from_secs(1), || backend.open_connections() == 0).await);
}

#[tokio::test]
async fn hangs_in_the_middle_of_the_headers() {
    let (reason, backend) = failure_of(Behavior::HangMidHeaders).await;
    assert_eq!(reason, "timeout");
    assert!(eventually(Duration::from_secs(1), || backend.open_connections() == 0).await);
}

#[tokio::test]
async fn trickles_bytes_slower_than_the_timeout_allows() {
    // A byte every 100 ms keeps the connection busy; the deadline covers the whole probe.
    let (reason, _backend) = failure_of(Behavior::Trickle(Duration::from_millis(100))).await;
    assert_eq!(reason, "timeout");
}

#[tokio::test]
async fn trickles_one_byte_a_second() {
    let (reason, _backend) = failure_of(Behavior::Trickle(Duration::from_secs(1))).await;
    assert_eq!(reason, "timeout");
}

#[tokio::test]
async fn endless_body_after_a_listed_status_is_read_to_the_bound_only() {
    let backend = Backend::start(Behavior::EndlessBody).await;
    let config = check_for(CheckType::Http, backend.addr);
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Ok("status 200".to_string()));
    assert!(outcome.latency < config.timeout.get(), "{outcome:?}");
    // The probe hung up after its bounded read: the backend's writes fail soon after.
    assert!(eventually(Duration::from_secs(1), || backend.body_stopped()).await);
    assert!(
        backend.body_bytes() < 64 * 1024 * 1024,
        "{}",
        backend.body_bytes()
    );
}

#[tokio::test]
async fn endless_body_after_an_unlisted_status_fails_at_once() {
    let backend = Backend::start(Behavior::EndlessBody).await;
    let mut config = check_for(CheckType::Http, backend.addr);
    config.expect = vec![204];
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(assert_failed_within(&outcome, &config), "status 200");
    assert!(eventually(Duration::from_secs(1), || backend.body_stopped()).await);
}

#[tokio::test]
async fn redirect_loops_are_a_status_and_never_followed() {
    let (reason, backend) = failure_of(Behavior::RedirectLoop).await;
    assert_eq!(reason, "status 302");
    assert_eq!(backend.request_count(), 1, "the redirect was not followed");

    let mut config = check_for(CheckType::Http, backend.addr);
    config.expect = vec![200, 302];
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Ok("status 302".to_string()));
    assert_eq!(backend.request_count(), 2);
}

#[tokio::test]
async fn resets_connections() {
    let (reason, _backend) = failure_of(Behavior::Reset).await;
    assert_eq!(reason, "connection reset");
}

#[tokio::test]
async fn answers_garbage() {
    let (reason, _backend) = failure_of(Behavior::Garbage).await;
    assert!(reason.contains("invalid HTTP"), "{reason}");
}

/// A hung backend delays nothing: each probe ends at its timeout, the next starts on time,
/// and at most one connection is open at a time.
#[tokio::test]
async fn a_hung_backend_never_piles_up_probes() {
    let backend = Backend::start(Behavior::Silent).await;
    let mut config = check_for(CheckType::Http, backend.addr);
    config.interval = config::Duration::from_millis(50);
    config.timeout = config::Duration::from_millis(30);
    config.fall = 2;
    let registry = HealthRegistry::new(None).unwrap();
    let spec = ProbeSpec::checked(localhost(), "ams", "web", &config).unwrap();
    let reconciled = registry.reconcile(&[spec], &[]).unwrap();
    let target = Arc::clone(&reconciled.targets[0]);

    assert!(
        eventually(Duration::from_secs(2), || target.status().probes_failed
            >= 6)
        .await
    );
    assert!(!target.is_up());
    let status = target.status();
    assert_eq!(status.last_result, LastResult::Failed);
    assert_eq!(status.last_error.as_deref(), Some("timeout"));
    assert!(status.last_latency_ms.unwrap() < 500.0, "{status:?}");
    assert!(
        backend.peak_open_connections() <= 2,
        "{} connections open at once",
        backend.peak_open_connections()
    );
}
