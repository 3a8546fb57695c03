//! `/metrics`: strict text format, and counters that move by exactly what a known sequence of
//! queries, drains and reloads should add.

use super::{Parts, start, www};
use crate::support::admin::Exposition;
use crate::support::*;

/// A counter, its labels and how much it must have moved.
type Expected = (&'static str, Vec<(&'static str, String)>, f64);

const QUERIES: &str = "switchyard_queries_total";
const STEERING: &str = "switchyard_steering_decisions_total";

fn delta(before: &Exposition, after: &Exposition, name: &str, labels: &[(&str, &str)]) -> f64 {
    after.count(name, labels) - before.count(name, labels)
}

fn query(zone: &str, qtype: &str, rcode: &str, transport: &str) -> Vec<(&'static str, String)> {
    vec![
        ("zone", zone.to_string()),
        ("type", qtype.to_string()),
        ("rcode", rcode.to_string()),
        ("transport", transport.to_string()),
    ]
}

fn steered(datacenter: &str, reason: &str, ecs: bool) -> Vec<(&'static str, String)> {
    vec![
        ("service", "www.example.net.".to_string()),
        ("datacenter", datacenter.to_string()),
        ("reason", reason.to_string()),
        ("ecs", ecs.to_string()),
    ]
}

fn borrowed<'a>(labels: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    labels.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn counters_move_by_exactly_what_was_asked() {
    let server = start(&Parts::default(), &[]);
    let response = server.get("/metrics");
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let before = server.metrics();
    for name in [
        QUERIES,
        STEERING,
        "switchyard_responses_truncated_total",
        "switchyard_answer_duration_seconds",
        "switchyard_reloads_total",
        "switchyard_tcp_connections_refused_total",
        "switchyard_probes_total",
        "switchyard_target_up",
        "switchyard_datacenter_drained",
        "switchyard_config_generation",
    ] {
        assert!(before.types.contains_key(name), "{name} missing");
    }

    for _ in 0..3 {
        assert_eq!(www(&server), ["192.0.2.10"]);
    }
    let ecs = QueryBuilder::new("www.example.net", "A").client_subnet("198.51.100.0/24");
    let ecs = Response::decode(&server.udp(&ecs.build()).unwrap());
    assert_eq!(ecs.answer_data(), ["192.0.2.10"]);
    for _ in 0..2 {
        assert_eq!(server.ask("mail.example.net", "AAAA").rcode(), 0);
    }
    assert_eq!(server.ask("nothing.example.net", "A").rcode(), 3);
    assert_eq!(server.ask("www.example.org", "A").rcode(), 5);
    assert_eq!(server.ask_tcp("probe.example.net", "A").rcode(), 0);
    assert!(server.ask("big.example.net", "TXT").tc());
    assert_eq!(server.ask("probe.example.net", "TYPE65280").rcode(), 0);
    assert_eq!(server.post("/datacenters/ams/drain", "").status, 200);
    assert_eq!(www(&server), ["198.51.100.10"]);
    assert_eq!(server.post("/reload", "").status, 200);
    server.write("example.net.zone", "garbage\n");
    assert_eq!(server.post("/reload", "").status, 422);

    let after = server.metrics();
    let expected: &[Expected] = &[
        (QUERIES, query("example.net.", "A", "noerror", "udp"), 5.0),
        (
            QUERIES,
            query("example.net.", "AAAA", "noerror", "udp"),
            2.0,
        ),
        (QUERIES, query("example.net.", "A", "nxdomain", "udp"), 1.0),
        (QUERIES, query("", "A", "refused", "udp"), 1.0),
        (QUERIES, query("example.net.", "A", "noerror", "tcp"), 1.0),
        (QUERIES, query("example.net.", "TXT", "noerror", "udp"), 1.0),
        (
            QUERIES,
            query("example.net.", "other", "noerror", "udp"),
            1.0,
        ),
        (STEERING, steered("ams", "failover", false), 3.0),
        (STEERING, steered("ams", "failover", true), 1.0),
        (STEERING, steered("iad", "failover", false), 1.0),
    ];
    for (name, labels, amount) in expected {
        assert_eq!(
            delta(&before, &after, name, &borrowed(labels)),
            *amount,
            "{name} {labels:?}"
        );
    }
    // Nothing else moved.
    let total = |e: &Exposition, name: &str| e.sum(name, &[]);
    assert_eq!(total(&after, QUERIES) - total(&before, QUERIES), 12.0);
    assert_eq!(total(&after, STEERING) - total(&before, STEERING), 5.0);
    let truncated = [("zone", "example.net."), ("transport", "udp")];
    assert_eq!(
        delta(
            &before,
            &after,
            "switchyard_responses_truncated_total",
            &truncated
        ),
        1.0
    );
    let reloads = "switchyard_reloads_total";
    assert_eq!(delta(&before, &after, reloads, &[("result", "ok")]), 1.0);
    assert_eq!(
        delta(&before, &after, reloads, &[("result", "failed")]),
        1.0
    );
    assert_eq!(after.get("switchyard_config_generation", &[]), Some(2.0));
    assert_eq!(
        after.get("switchyard_datacenter_drained", &[("datacenter", "ams")]),
        Some(1.0)
    );
    assert_eq!(
        after.get("switchyard_zone_serial", &[("zone", "example.net.")]),
        Some(1.0)
    );
    // The histogram times a sample of queries (one in 64 per thread, each thread's first).
    let timed = after
        .get("switchyard_answer_duration_seconds_count", &[])
        .unwrap();
    assert!((1.0..=12.0).contains(&timed), "{timed}");
}
