//! The fleet's part of `/status` and `/metrics` (absent without `[fleet]`): members, mode,
//! each target's votes and verdict, gossip traffic and dropped datagrams.

use serde_json::Value;

use crate::daemon::Daemon;
use crate::fleet::auth::Rejection;
use crate::fleet::{Counters, Mode};
use crate::health::{FleetView, State, TargetStatus};
use crate::metrics::text::{TextWriter, Type};

/// `/status`'s `fleet`: the node, its mode, every member and the gossip counters; `null`
/// without `[fleet]`. Each target's observers and votes are under `targets[].fleet`.
pub fn status(daemon: &Daemon) -> Value {
    let Some(fleet) = daemon.fleet() else {
        return Value::Null;
    };
    let mut value = serde_json::to_value(fleet.status()).unwrap_or(Value::Null);
    let counters = fleet.counters();
    let dropped: serde_json::Map<String, Value> = Rejection::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), counters.dropped(*r).into()))
        .collect();
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "gossip_traffic".into(),
            serde_json::json!({
                "datagrams_in": Counters::get(&counters.datagrams_in),
                "bytes_in": Counters::get(&counters.bytes_in),
                "datagrams_out": Counters::get(&counters.datagrams_out),
                "bytes_out": Counters::get(&counters.bytes_out),
                "dropped": dropped,
            }),
        );
    }
    value
}

/// The fleet's metric families.
pub fn metrics(daemon: &Daemon, targets: &[TargetStatus], w: &mut TextWriter) {
    let Some(fleet) = daemon.fleet() else {
        return;
    };
    let status = fleet.status();
    let name = "switchyard_fleet_degraded";
    w.family(
        name,
        Type::Gauge,
        "1 while this node has no contact with any peer and its own probes decide every target.",
    );
    w.sample(name, &[], status.degraded);
    let name = "switchyard_fleet_mode";
    w.family(
        name,
        Type::Gauge,
        "1 for this node's mode: joining, fleet (the observers' votes decide) or degraded.",
    );
    for mode in Mode::ALL {
        w.sample(name, &[("mode", mode.as_str())], status.mode == mode);
    }
    let name = "switchyard_fleet_member_up";
    w.family(
        name,
        Type::Gauge,
        "Each member this node knows of: 1 live, 0 unreachable or leaving (this node included).",
    );
    for member in &status.members {
        w.sample(name, &[("member", &member.node)], member.live);
    }
    for (name, help, value) in [
        (
            "switchyard_fleet_targets_observed",
            "Targets this node probes now (it is one of their observers, or degraded).",
            status.observing,
        ),
        (
            "switchyard_fleet_targets",
            "Targets with a health check, whose state the fleet decides.",
            status.targets,
        ),
    ] {
        w.family(name, Type::Gauge, help);
        w.sample(name, &[], value as u64);
    }
    votes(targets, w);
    counters(fleet.counters(), w);
}

/// Each target's votes by state, and its verdict.
fn votes(targets: &[TargetStatus], w: &mut TextWriter) {
    let name = "switchyard_fleet_target_votes";
    w.family(
        name,
        Type::Gauge,
        "Reports of each target's observers counted in its verdict, by the state they report.",
    );
    let mut verdicts = Vec::new();
    for target in targets {
        let Some(FleetView::Fleet { votes, verdict, .. }) = &target.fleet else {
            continue;
        };
        let address = target.address.to_string();
        let check = target.check.as_deref().unwrap_or("");
        for state in [State::Up, State::Down] {
            let count = votes.iter().filter(|v| v.state == state).count() as u64;
            let labels = [
                ("address", address.as_str()),
                ("datacenter", target.datacenter.as_str()),
                ("check", check),
                ("state", state.as_str()),
            ];
            w.sample(name, &labels, count);
        }
        if let Some(verdict) = verdict {
            verdicts.push((address, target, *verdict == State::Up));
        }
    }
    let name = "switchyard_fleet_target_verdict";
    w.family(
        name,
        Type::Gauge,
        "The fleet's verdict on each target: 1 up, 0 down (absent before any observer reported).",
    );
    for (address, target, up) in verdicts {
        let labels = [
            ("address", address.as_str()),
            ("datacenter", target.datacenter.as_str()),
            ("check", target.check.as_deref().unwrap_or("")),
        ];
        w.sample(name, &labels, up);
    }
}

fn counters(counters: &Counters, w: &mut TextWriter) {
    for (name, help, counter) in [
        (
            "switchyard_fleet_membership_changes_total",
            "Members that joined or left, as this node saw it.",
            &counters.membership_changes,
        ),
        (
            "switchyard_fleet_verdict_changes_total",
            "Changes of a target's fleet verdict.",
            &counters.verdict_changes,
        ),
        (
            "switchyard_fleet_overrides_received_total",
            "Drains and forced states taken from other nodes.",
            &counters.overrides_received,
        ),
        (
            "switchyard_fleet_rounds_total",
            "Rounds of assignment and agreement run.",
            &counters.rounds,
        ),
    ] {
        w.family(name, Type::Counter, help);
        w.sample(name, &[], Counters::get(counter));
    }
    for (name, help, received, sent) in [
        (
            "switchyard_fleet_datagrams_total",
            "Gossip datagrams sent and received.",
            &counters.datagrams_in,
            &counters.datagrams_out,
        ),
        (
            "switchyard_fleet_bytes_total",
            "Gossip bytes sent and received (UDP payload).",
            &counters.bytes_in,
            &counters.bytes_out,
        ),
    ] {
        w.family(name, Type::Counter, help);
        w.sample(name, &[("direction", "in")], Counters::get(received));
        w.sample(name, &[("direction", "out")], Counters::get(sent));
    }
    let name = "switchyard_fleet_datagrams_dropped_total";
    w.family(
        name,
        Type::Counter,
        "Received gossip datagrams dropped: malformed, mac (outside the fleet or another secret), stale (clock skew or an old capture), replay, undecodable.",
    );
    for reason in Rejection::ALL {
        w.sample(
            name,
            &[("reason", reason.as_str())],
            counters.dropped(reason),
        );
    }
    let name = "switchyard_fleet_send_failures_total";
    w.family(
        name,
        Type::Counter,
        "Gossip datagrams not sent: refused by the network, or too large once sealed.",
    );
    w.sample(
        name,
        &[("reason", "network")],
        Counters::get(&counters.send_errors),
    );
    w.sample(
        name,
        &[("reason", "oversize")],
        Counters::get(&counters.oversize),
    );
}
