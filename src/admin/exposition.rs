//! `GET /metrics`: the query-path counters, plus what is read at scrape time: configuration
//! generation, zones, datacenters and every target's health.

use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};

use super::{Body, text};
use crate::daemon::Daemon;
use crate::health::{LastResult, State, TargetStatus};
use crate::metrics::text::{CONTENT_TYPE, TextWriter, Type, Value};

/// `GET /metrics`.
pub fn metrics(daemon: &Daemon) -> Response<Body> {
    let mut response = text(StatusCode::OK, &render(daemon));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// The whole exposition.
pub fn render(daemon: &Daemon) -> String {
    let mut w = TextWriter::default();
    daemon.metrics.render(&mut w);
    config(daemon, &mut w);
    health(daemon, &mut w);
    rate_limiting(daemon, &mut w);
    w.finish()
}

/// What response rate limiting held back (counts survive reloads; zero while it is off).
fn rate_limiting(daemon: &Daemon, w: &mut TextWriter) {
    let name = "switchyard_rrl_enabled";
    w.family(name, Type::Gauge, "1 when response rate limiting is on.");
    w.sample(name, &[], daemon.shared.rrl.limiter().is_some());
    let name = "switchyard_rrl_responses_total";
    w.family(
        name,
        Type::Counter,
        "UDP responses limited by RRL, by response class and action (dropped, or slipped: sent truncated).",
    );
    let stats = daemon.shared.rrl.stats();
    for (i, class) in crate::rrl::ResponseClass::ALL.iter().enumerate() {
        for (action, count) in [("dropped", stats.dropped[i]), ("slipped", stats.slipped[i])] {
            w.sample(name, &[("class", class.name()), ("action", action)], count);
        }
    }
    let name = "switchyard_rrl_cookie_exempt_total";
    w.family(
        name,
        Type::Counter,
        "UDP responses sent without rate limiting because the client presented a valid server \
         cookie (its address cannot be spoofed), by response class.",
    );
    for (i, class) in crate::rrl::ResponseClass::ALL.iter().enumerate() {
        w.sample(name, &[("class", class.name())], stats.exempt[i]);
    }
}

fn config(daemon: &Daemon, w: &mut TextWriter) {
    let snapshot = daemon.shared.snapshot.load_full();
    let name = "switchyard_build_info";
    w.family(name, Type::Gauge, "Always 1; the version running.");
    w.sample(name, &[("version", env!("CARGO_PKG_VERSION"))], 1u64);
    let name = "switchyard_config_generation";
    w.family(
        name,
        Type::Gauge,
        "Generation of the configuration serving (1 at start, +1 per applied reload).",
    );
    w.sample(name, &[], snapshot.generation);
    let name = "switchyard_config_loaded_timestamp_seconds";
    w.family(
        name,
        Type::Gauge,
        "When the configuration serving was loaded, Unix seconds.",
    );
    let loaded = snapshot
        .loaded_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    w.sample(name, &[], loaded);
    let name = "switchyard_zone_serial";
    w.family(name, Type::Gauge, "SOA serial of each zone served.");
    for zone in snapshot.zones() {
        let origin = zone.zone.origin().to_string();
        w.sample(name, &[("zone", &origin)], u64::from(zone.zone.serial()));
    }
    let name = "switchyard_zone_records";
    w.family(name, Type::Gauge, "Records in each zone served.");
    for zone in snapshot.zones() {
        let origin = zone.zone.origin().to_string();
        w.sample(name, &[("zone", &origin)], zone.zone.record_count() as u64);
    }
    super::dnssec::metrics(&snapshot, w);
    let name = "switchyard_tcp_connections_open";
    w.family(name, Type::Gauge, "TCP connections open now.");
    w.sample(name, &[], daemon.shared.tcp.active() as u64);
}

/// One sample labelled with a target's address, datacenter and check, plus `extra`.
fn target_sample(
    w: &mut TextWriter,
    name: &str,
    target: &TargetStatus,
    extra: Option<(&str, &str)>,
    value: impl Into<Value>,
) {
    let address = target.address.to_string();
    let mut labels = vec![
        ("address", address.as_str()),
        ("datacenter", target.datacenter.as_str()),
        ("check", target.check.as_deref().unwrap_or("")),
    ];
    labels.extend(extra);
    w.sample(name, &labels, value);
}

fn health(daemon: &Daemon, w: &mut TextWriter) {
    let name = "switchyard_datacenter_drained";
    w.family(
        name,
        Type::Gauge,
        "1 when an operator drained the datacenter (it then counts as unhealthy).",
    );
    for datacenter in daemon.health.datacenters() {
        w.sample(
            name,
            &[("datacenter", &datacenter.name)],
            datacenter.drained,
        );
    }
    let targets = daemon.health.targets();
    super::fleet::metrics(daemon, &targets, w);
    let name = "switchyard_target_up";
    w.family(
        name,
        Type::Gauge,
        "Effective state of each target: 1 up, 0 down (forced state, else the fleet's verdict or this node's probes).",
    );
    for target in &targets {
        target_sample(w, name, target, None, target.state == State::Up);
    }
    let name = "switchyard_target_probing";
    w.family(
        name,
        Type::Gauge,
        "1 while this node probes the target; 0 while the fleet leaves it to other observers.",
    );
    for target in &targets {
        target_sample(w, name, target, None, target.probing);
    }
    let name = "switchyard_target_forced";
    w.family(
        name,
        Type::Gauge,
        "1 for targets an operator forced up or down, with the forced state.",
    );
    for target in &targets {
        if let Some(forced) = target.forced {
            target_sample(w, name, target, Some(("state", forced.as_str())), 1u64);
        }
    }
    let name = "switchyard_probes_total";
    w.family(
        name,
        Type::Counter,
        "Health probes of each target, by result (ok or failed).",
    );
    for target in &targets {
        for (result, count) in [("ok", target.probes_ok), ("failed", target.probes_failed)] {
            target_sample(w, name, target, Some(("result", result)), count);
        }
    }
    let name = "switchyard_target_state_changes_total";
    w.family(
        name,
        Type::Counter,
        "Changes of each target's effective state (probes or operator).",
    );
    for target in &targets {
        target_sample(w, name, target, None, target.state_changes);
    }
    let name = "switchyard_probe_latency_seconds";
    w.family(
        name,
        Type::Gauge,
        "Duration of each target's latest probe (absent before the first).",
    );
    for target in &targets {
        if let (Some(ms), false) = (
            target.last_latency_ms,
            target.last_result == LastResult::None,
        ) {
            target_sample(w, name, target, None, ms / 1000.0);
        }
    }
}
