//! One prober per checked target: a tokio task that probes every `interval`, bounds each probe
//! by `timeout`, and feeds the results to the target's rise/fall state.
//!
//! Probes of one target never overlap: the next starts after the previous one ended (at most
//! `timeout` later) and on the interval's grid otherwise, so a hung backend costs one pending
//! probe, never a pile of them. The first probe waits a random part of the interval so that
//! many targets started together spread their probes. With `[fleet]`, a target whose
//! observers are other nodes is not probed here: the task keeps its grid and skips the ticks.

use std::error::Error;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};

use super::error::HealthError;
use super::probe_http::HttpProbe;
use super::probe_tcp::TcpProbe;
use super::spec::CheckSpec;
use super::state::TargetHealth;
use super::status::State;
use crate::config::CheckType;
use crate::events::{EventKind, EventLog};

#[derive(Debug)]
enum Kind {
    Http(HttpProbe),
    Tcp(TcpProbe),
}

/// The probe of one target, with its timing and thresholds.
#[derive(Debug)]
pub(crate) struct Prober {
    kind: Kind,
    interval: Duration,
    timeout: Duration,
    rise: u32,
    fall: u32,
}

/// A change of the probe state, as [`Prober::publish`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    pub probe_state: State,
    pub forced: Option<State>,
    /// What the probe that completed the streak saw, and the streak's length.
    pub reason: String,
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// `Ok(what was seen)` or `Err(why it failed)`.
    pub result: Result<String, String>,
    pub latency: Duration,
}

impl Prober {
    /// Builds the probe; `tls` is the check's shared TLS settings (used by http and https).
    pub(crate) fn build(spec: &CheckSpec, tls: &rustls::ClientConfig) -> Result<Self, HealthError> {
        let config = &spec.config;
        let kind = match config.kind {
            CheckType::Http | CheckType::Https => Kind::Http(HttpProbe::build(spec, tls.clone())?),
            CheckType::Tcp => Kind::Tcp(TcpProbe::new(spec.socket_address())),
        };
        Ok(Prober {
            kind,
            interval: config.interval.get(),
            timeout: config.timeout.get(),
            rise: config.rise,
            fall: config.fall,
        })
    }

    /// Runs one probe, bounded as a whole by the timeout.
    pub(crate) async fn probe(&self) -> Outcome {
        let started = Instant::now();
        let attempt = async {
            match &self.kind {
                Kind::Http(http) => http.probe().await,
                Kind::Tcp(tcp) => tcp.probe().await,
            }
        };
        let result = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err("timeout".to_string()),
        };
        Outcome {
            result,
            latency: started.elapsed(),
        }
    }

    /// Probes forever (until the task is aborted), publishing into `health`; a change of the
    /// probe state also goes to `events`. Skips the ticks while the fleet leaves the target to
    /// other nodes ([`TargetHealth::is_probing`]).
    pub(crate) async fn run(
        self,
        health: Arc<TargetHealth>,
        events: Arc<EventLog>,
        first_delay: Duration,
    ) {
        tokio::time::sleep(first_delay).await;
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if !health.is_probing() {
                continue;
            }
            let outcome = self.probe().await;
            if let Some(change) = self.publish(&health, outcome) {
                let forced = match change.forced {
                    Some(state) => format!(" (forced {} by an operator)", state.as_str()),
                    None => String::new(),
                };
                let state = change.probe_state.as_str();
                let (address, datacenter) = (health.address(), health.datacenter());
                events.record(
                    EventKind::Health,
                    &address.to_string(),
                    Some(datacenter),
                    state,
                    format!(
                        "target {address} ({datacenter}) {state}{forced}: {}",
                        change.reason
                    ),
                );
            }
        }
    }

    /// Feeds one outcome to the state; logs a change of the probe state once, at info, and
    /// returns it.
    pub(crate) fn publish(&self, health: &TargetHealth, outcome: Outcome) -> Option<Change> {
        let (ok, reason) = match outcome.result {
            Ok(seen) => (true, seen),
            Err(why) => (false, why),
        };
        tracing::debug!(
            target = %health.address(),
            datacenter = health.datacenter(),
            check = health.check().unwrap_or(""),
            ok,
            reason = reason.as_str(),
            latency_ms = outcome.latency.as_secs_f64() * 1000.0,
            "health probe"
        );
        let error = (!ok).then(|| reason.clone());
        if let Some(change) = health.record(ok, error, outcome.latency, self.rise, self.fall) {
            let streak = if ok { self.rise } else { self.fall };
            tracing::info!(
                target = %health.address(),
                datacenter = health.datacenter(),
                check = health.check().unwrap_or(""),
                state = change.probe_state.as_str(),
                forced = change.forced.map(|s| s.as_str()),
                reason = reason.as_str(),
                streak,
                "health state changed"
            );
            return Some(Change {
                probe_state: change.probe_state,
                forced: change.forced,
                reason: format!("{reason} ({streak} in a row)"),
            });
        }
        None
    }

    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }
}

/// A random start offset in `[0, interval)`.
pub(crate) fn jitter(interval: Duration) -> Duration {
    let nanos = u64::try_from(interval.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(fastrand::u64(0..nanos))
}

/// Turns a probe error into a short reason an operator reads in logs and `/status`:
/// `timeout`, `connection refused`, `connection reset`, `TLS error: ...`, or the innermost
/// message of the error chain (for example hyper's `invalid HTTP version parsed`).
pub(crate) fn describe_error(error: &(dyn Error + 'static)) -> String {
    let mut innermost = error.to_string();
    let mut current: Option<&(dyn Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
        {
            return "timeout".into();
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return format!("TLS error: {tls}");
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            // An io::Error's source() skips the error it wraps; look at that one first.
            if let Some(inner) = io.get_ref()
                && let Some(tls) = inner.downcast_ref::<rustls::Error>()
            {
                return format!("TLS error: {tls}");
            }
            if let Some(reason) = io_reason(io.kind()) {
                return reason.into();
            }
            if let Some(inner) = io.get_ref() {
                innermost = inner.to_string();
                current = Some(inner as &(dyn Error + 'static));
                continue;
            }
        }
        innermost = e.to_string();
        current = e.source();
    }
    innermost
}

fn io_reason(kind: io::ErrorKind) -> Option<&'static str> {
    use io::ErrorKind::*;
    Some(match kind {
        ConnectionRefused => "connection refused",
        ConnectionReset => "connection reset",
        ConnectionAborted => "connection aborted",
        TimedOut => "timeout",
        UnexpectedEof => "connection closed",
        BrokenPipe => "connection closed",
        NetworkUnreachable => "network unreachable",
        HostUnreachable => "host unreachable",
        AddrNotAvailable => "address not available",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_spreads_first_probes_over_one_interval() {
        let interval = Duration::from_millis(100);
        let offsets: Vec<Duration> = (0..200).map(|_| jitter(interval)).collect();
        assert!(offsets.iter().all(|d| *d < interval));
        assert!(offsets.iter().any(|d| *d < Duration::from_millis(25)));
        assert!(offsets.iter().any(|d| *d >= Duration::from_millis(75)));
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn errors_become_short_reasons() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(describe_error(&refused), "connection refused");
        let tls = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        );
        assert_eq!(
            describe_error(&tls),
            "TLS error: invalid peer certificate: Expired"
        );
        let other = io::Error::other("something odd");
        assert_eq!(describe_error(&other), "something odd");
    }
}
