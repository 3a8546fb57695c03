//! Tests of the probes and the registry against real backends on 127.0.0.1, port 0.

mod backend;
mod certs;
mod http;
mod https;
mod logging;
mod registry;
mod sick;
mod state;

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use crate::config::{CheckConfig, CheckType, Duration, InitialState};

use super::probe::{Outcome, Prober};
use super::spec::ProbeSpec;
use super::tls::{TlsKey, client_config};

/// A check as the defaults of the configuration would give, probing port 8080.
pub(crate) fn check_config(kind: CheckType) -> CheckConfig {
    CheckConfig {
        kind,
        port: 8080,
        path: "/healthz".into(),
        host: None,
        expect: vec![200],
        interval: Duration::from_secs(2),
        timeout: Duration::from_secs(1),
        rise: 2,
        fall: 3,
        address: None,
        insecure: false,
        ca_file: None,
        initial: InitialState::Up,
    }
}

/// A check of `kind` against a backend at `address`, with a short timeout.
pub(crate) fn check_for(kind: CheckType, address: std::net::SocketAddr) -> CheckConfig {
    CheckConfig {
        port: address.port(),
        interval: Duration::from_millis(500),
        timeout: Duration::from_millis(400),
        ..check_config(kind)
    }
}

/// Builds the prober for `config` against `address` and runs one probe.
pub(crate) async fn probe_once(config: &CheckConfig, address: std::net::IpAddr) -> Outcome {
    let spec = ProbeSpec::checked(address, "test", "test", config).expect("valid check");
    let check = spec.check.expect("checked spec");
    let tls = client_config(&check.name, &TlsKey::of(&check.config)).expect("TLS settings");
    let prober = Prober::build(&check, &tls).expect("prober");
    prober.probe().await
}

/// Asserts a failed probe that ended within its timeout (plus scheduling slack).
pub(crate) fn assert_failed_within(outcome: &Outcome, config: &CheckConfig) -> String {
    let reason = match &outcome.result {
        Ok(seen) => panic!("expected a failure, got success ({seen})"),
        Err(reason) => reason.clone(),
    };
    let bound = config.timeout.get() + StdDuration::from_millis(300);
    assert!(
        outcome.latency <= bound,
        "{reason}: took {:?}, more than {bound:?}",
        outcome.latency
    );
    reason
}

/// Polls `condition` every 10 ms for up to `limit`; returns whether it became true.
pub(crate) async fn eventually(limit: StdDuration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
}

/// A fresh folder under the system's temporary folder, removed on drop (`tempfile`).
pub(crate) struct TempDir(tempfile::TempDir);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix("switchyard-health-")
            .tempdir()
            .expect("create temporary folder");
        TempDir(dir)
    }

    pub(crate) fn root(&self) -> &Path {
        self.0.path()
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}
