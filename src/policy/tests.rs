//! Selection rules on hand-built services: order, health, drains, fallback and fail-open, TTL
//! lowering, weights, stickiness and scopes.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::config::GeoRule;
use crate::health::{DatacenterHealth, TargetHealth};

/// A service with the given policy over (datacenter, address, weight, up) targets.
fn service(policy: PolicyKind, targets: &[(&str, &str, u32, bool)]) -> Service {
    let mut names: Vec<&str> = Vec::new();
    for (dc, ..) in targets {
        if !names.contains(dc) {
            names.push(dc);
        }
    }
    let mut datacenters: Vec<Datacenter> = names
        .iter()
        .map(|name| Datacenter {
            name: name.to_string(),
            location: None,
            health: Arc::new(DatacenterHealth::new(name, false)),
            targets: Vec::new(),
        })
        .collect();
    let targets = targets
        .iter()
        .enumerate()
        .map(|(i, (dc, address, weight, up))| {
            let datacenter = names.iter().position(|n| n == dc).unwrap() as u16;
            datacenters[datacenter as usize].targets.push(i as u16);
            let ip: IpAddr = address.parse().unwrap();
            Target::new(
                datacenter,
                match ip {
                    IpAddr::V4(a) => Address::V4(a),
                    IpAddr::V6(a) => Address::V6(a),
                },
                *weight,
                Arc::new(TargetHealth::standalone(ip, dc, *up)),
            )
        })
        .collect();
    let order = (0..datacenters.len() as u16).collect();
    Service {
        name: "www.example.com.".parse().unwrap(),
        policy,
        ttl: 30,
        min_ttl: 5,
        answers: 1,
        sticky: false,
        transfer_follows_health: false,
        datacenters,
        targets,
        rules: Rules::new(vec![(GeoRule::Default, vec![0, 1].into_boxed_slice())]),
        order,
    }
}

fn client(address: &str, prefix: u8) -> Client {
    Client {
        address: address.parse().unwrap(),
        source_prefix: prefix,
        use_address: prefix > 0,
    }
}

fn pick(service: &Service, decision: &Decision) -> String {
    match &service.targets[decision.picks()[0] as usize].address {
        Address::V4(a) => a.to_string(),
        Address::V6(a) => a.to_string(),
        Address::Cname(n) => n.to_string(),
    }
}

fn select_v4(service: &Service, fallback: bool) -> Decision {
    select(
        service,
        Family::V4,
        &client("192.0.2.1", 32),
        None,
        fallback,
        &mut NoRecord,
    )
}

#[test]
fn failover_takes_the_first_datacenter_with_a_healthy_target() {
    let s = service(
        PolicyKind::Failover,
        &[
            ("ams", "192.0.2.1", 1, false),
            ("ams", "2001:db8::1", 1, true),
            ("iad", "192.0.2.2", 1, true),
        ],
    );
    let d = select_v4(&s, false);
    assert_eq!(d.reason, Reason::Failover);
    assert_eq!(pick(&s, &d), "192.0.2.2", "ams has no healthy IPv4 target");
    let d6 = select(
        &s,
        Family::V6,
        &client("192.0.2.1", 32),
        None,
        false,
        &mut NoRecord,
    );
    assert_eq!(pick(&s, &d6), "2001:db8::1");
    assert_eq!(d.scope, 0, "failover does not depend on the client");
}

#[test]
fn drained_datacenters_count_as_unhealthy() {
    let s = service(
        PolicyKind::Failover,
        &[("ams", "192.0.2.1", 1, true), ("iad", "192.0.2.2", 1, true)],
    );
    s.datacenters[0].health.set_drained(true);
    assert_eq!(pick(&s, &select_v4(&s, false)), "192.0.2.2");
}

#[test]
fn nothing_healthy_falls_back_to_zone_records_else_fails_open() {
    let s = service(
        PolicyKind::Failover,
        &[
            ("ams", "192.0.2.1", 1, false),
            ("iad", "192.0.2.2", 1, false),
        ],
    );
    let fallback = select_v4(&s, true);
    assert_eq!(fallback.reason, Reason::Fallback);
    assert!(fallback.picks().is_empty());
    let open = select_v4(&s, false);
    assert_eq!(open.reason, Reason::FailOpen);
    assert_eq!(
        pick(&s, &open),
        "192.0.2.1",
        "the first datacenter in order"
    );
    assert_eq!(open.ttl, 5);
    let none = select(
        &s,
        Family::V6,
        &client("192.0.2.1", 32),
        None,
        false,
        &mut NoRecord,
    );
    assert_eq!(none.reason, Reason::NoTargets);
}

#[test]
fn a_changing_candidate_lowers_the_ttl() {
    let s = service(
        PolicyKind::Failover,
        &[("ams", "192.0.2.1", 1, true), ("iad", "192.0.2.2", 1, true)],
    );
    assert_eq!(select_v4(&s, false).ttl, 30);
    // One failure of three needed: the target is still up but changing.
    let _ = s.targets[0]
        .health
        .record(false, None, Duration::ZERO, 2, 3);
    assert!(s.targets[0].health.is_up() && s.targets[0].health.is_changing());
    assert_eq!(select_v4(&s, false).ttl, 5);
}

#[test]
fn weighted_picks_follow_the_weights() {
    let s = service(
        PolicyKind::Weighted,
        &[("ams", "192.0.2.1", 9, true), ("iad", "192.0.2.2", 1, true)],
    );
    let heavy = (0..2000)
        .filter(|_| pick(&s, &select_v4(&s, false)) == "192.0.2.1")
        .count();
    // Binomial(2000, 0.9): mean 1800, sd ≈ 13.4; ±5 sd.
    assert!((1733..=1867).contains(&heavy), "{heavy}");
}

#[test]
fn several_answers_are_distinct_targets() {
    let mut s = service(
        PolicyKind::Weighted,
        &[
            ("ams", "192.0.2.1", 1, true),
            ("ams", "192.0.2.2", 1, true),
            ("iad", "192.0.2.3", 1, false),
        ],
    );
    s.answers = 3;
    for _ in 0..50 {
        let d = select_v4(&s, false);
        let mut picks = d.picks().to_vec();
        picks.sort();
        assert_eq!(picks, vec![0, 1], "only healthy targets, each once");
    }
}

#[test]
fn sticky_picks_are_stable_and_move_only_the_clients_of_a_failed_target() {
    let mut s = service(
        PolicyKind::Weighted,
        &[
            ("ams", "192.0.2.1", 1, true),
            ("ams", "192.0.2.2", 1, true),
            ("iad", "192.0.2.3", 1, true),
            ("iad", "192.0.2.4", 1, true),
        ],
    );
    s.sticky = true;
    let clients: Vec<Client> = (0..=255)
        .map(|i| client(&format!("198.51.{i}.7"), 32))
        .collect();
    let before: Vec<String> = clients
        .iter()
        .map(|c| pick(&s, &select(&s, Family::V4, c, None, false, &mut NoRecord)))
        .collect();
    for (c, b) in clients.iter().zip(&before) {
        let again = select(&s, Family::V4, c, None, false, &mut NoRecord);
        assert_eq!(&pick(&s, &again), b);
        assert_eq!(again.scope, 24, "the answer depends on the client's /24");
    }
    let mut per_target = std::collections::HashMap::new();
    for b in &before {
        *per_target.entry(b.clone()).or_insert(0) += 1;
    }
    assert!(per_target.values().all(|&n| n > 30), "{per_target:?}");
    s.targets[0].health.set_forced(crate::health::Force::Down);
    for (c, b) in clients.iter().zip(&before) {
        let now = pick(&s, &select(&s, Family::V4, c, None, false, &mut NoRecord));
        if b != "192.0.2.1" {
            assert_eq!(&now, b, "clients of healthy targets stay put");
        } else {
            assert_ne!(now, "192.0.2.1");
        }
    }
}

#[test]
fn scope_is_capped_at_the_source_prefix_and_zero_without_an_address() {
    let mut s = service(
        PolicyKind::Weighted,
        &[("ams", "192.0.2.1", 1, true), ("ams", "192.0.2.2", 1, true)],
    );
    s.sticky = true;
    let narrow = select(
        &s,
        Family::V4,
        &client("198.51.100.0", 20),
        None,
        false,
        &mut NoRecord,
    );
    assert_eq!(narrow.scope, 20);
    let hidden = select(
        &s,
        Family::V4,
        &client("0.0.0.0", 0),
        None,
        false,
        &mut NoRecord,
    );
    assert_eq!(hidden.scope, 0);
}

#[test]
fn geo_rules_pick_the_most_specific_match() {
    let mut s = service(
        PolicyKind::Geo,
        &[("ams", "192.0.2.1", 1, true), ("iad", "192.0.2.2", 1, true)],
    );
    s.rules = Rules::new(vec![
        (
            GeoRule::parse("net:10.0.0.0/8").unwrap(),
            vec![1].into_boxed_slice(),
        ),
        (
            GeoRule::parse("net:10.1.0.0/16").unwrap(),
            vec![0].into_boxed_slice(),
        ),
        (GeoRule::Default, vec![0].into_boxed_slice()),
    ]);
    let inner = select(
        &s,
        Family::V4,
        &client("10.1.2.3", 32),
        None,
        false,
        &mut NoRecord,
    );
    assert_eq!(
        (pick(&s, &inner), inner.scope),
        ("192.0.2.1".to_string(), 16)
    );
    let outer = select(
        &s,
        Family::V4,
        &client("10.2.0.1", 32),
        None,
        false,
        &mut NoRecord,
    );
    assert_eq!(pick(&s, &outer), "192.0.2.2");
    assert_eq!(outer.scope, 15, "deep enough to exclude 10.1.0.0/16");
    let mut trace = Trace::default();
    let _ = select(
        &s,
        Family::V4,
        &client("10.2.0.1", 32),
        None,
        false,
        &mut trace,
    );
    assert!(
        trace
            .lines
            .iter()
            .any(|l| l.contains("rule net:10.0.0.0/8 matched")),
        "{:?}",
        trace.lines
    );
}

#[test]
fn address_records_are_encoded_once_with_the_ttl_written_per_answer() {
    let s = service(
        PolicyKind::Failover,
        &[
            ("ams", "192.0.2.1", 1, true),
            ("ams", "2001:db8::1", 1, true),
        ],
    );
    for (target, rtype, rdata) in [
        (&s.targets[0], crate::wire::rtype::A, &[192u8, 0, 2, 1][..]),
        (
            &s.targets[1],
            crate::wire::rtype::AAAA,
            &"2001:db8::1"
                .parse::<std::net::Ipv6Addr>()
                .unwrap()
                .octets()[..],
        ),
    ] {
        let mut expected = Vec::new();
        crate::wire::writer::encode_record(&mut expected, rtype, 1, 42, rdata);
        let record = target.record.unwrap().with_ttl(42);
        assert_eq!(record.bytes(), &expected[..]);
    }
    let cname = Address::Cname("www.example.net.".parse().unwrap());
    let health = s.targets[0].health.clone();
    assert!(Target::new(0, cname, 1, health).record.is_none());
}

/// ams, iad and sin with the README's geo rules.
fn three_datacenters(policy: PolicyKind) -> Service {
    let mut s = service(
        policy,
        &[
            ("ams", "192.0.2.10", 1, true),
            ("iad", "198.51.100.10", 1, true),
            ("sin", "203.0.113.10", 1, true),
        ],
    );
    let rule = |text: &str, order: &[u16]| (GeoRule::parse(text).unwrap(), order.into());
    s.rules = Rules::new(vec![
        rule("country:SG", &[2, 0]),
        rule("continent:EU", &[0, 1]),
        rule("continent:NA", &[1, 0]),
        rule("default", &[1, 0, 2]),
    ]);
    for (dc, location) in
        s.datacenters
            .iter_mut()
            .zip([(52.37, 4.90), (38.95, -77.45), (1.35, 103.82)])
    {
        dc.location = Some(location);
    }
    s
}

fn place<'s>(s: &'s Service, location: &Location) -> (Option<&'s str>, Option<&'s str>, Reason) {
    let placed = select_at(s, Family::V4, location, false, &mut NoRecord);
    let name = |d: Option<u16>| d.map(|d| s.datacenters[d as usize].name.as_str());
    (
        name(placed.decision.datacenter),
        name(placed.first_choice),
        placed.decision.reason,
    )
}

#[test]
fn a_location_given_directly_is_placed_by_the_rules_health_and_drains() {
    let s = three_datacenters(PolicyKind::Geo);
    let netherlands = Location {
        continent: Some("EU".parse().unwrap()),
        country: Some("NL".parse().unwrap()),
        coordinates: Some((52.1, 5.3)),
        ..Location::default()
    };
    assert_eq!(
        place(&s, &netherlands),
        (Some("ams"), Some("ams"), Reason::Geo)
    );
    assert_eq!(
        place(&s, &Location::default()),
        (Some("iad"), Some("iad"), Reason::Geo),
        "nothing known: the default rule"
    );
    s.datacenters[0].health.set_drained(true);
    assert_eq!(
        place(&s, &netherlands),
        (Some("iad"), Some("ams"), Reason::Geo)
    );
    for target in &s.targets {
        target.health.set_forced(crate::health::Force::Down);
    }
    assert_eq!(
        place(&s, &netherlands),
        (Some("ams"), Some("ams"), Reason::FailOpen)
    );
    let placed = select_at(&s, Family::V4, &netherlands, true, &mut NoRecord);
    assert_eq!(placed.decision.reason, Reason::Fallback);
    let mut trace = Trace::default();
    let _ = select_at(&s, Family::V6, &netherlands, false, &mut trace);
    assert_eq!(trace.lines, ["no V6 targets in this service"]);

    let nearest = three_datacenters(PolicyKind::Nearest);
    let mut trace = Trace::default();
    let placed = select_at(&nearest, Family::V4, &netherlands, false, &mut trace);
    assert_eq!(placed.decision.datacenter, Some(0));
    assert!(
        trace.lines[0].starts_with("location: continent EU, country NL, at 52.1000, 5.3000"),
        "{:?}",
        trace.lines
    );
    assert!(
        trace.lines[1].starts_with("nearest first: ams ("),
        "{:?}",
        trace.lines
    );
}

#[test]
fn a_located_client_and_its_location_given_directly_get_the_same_datacenter() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/geoip/example-city.mmdb");
    let db = crate::geo::GeoDatabase::open(std::path::Path::new(path), None).unwrap();
    for policy in [PolicyKind::Geo, PolicyKind::Nearest, PolicyKind::Failover] {
        let s = three_datacenters(policy);
        for drained in [None, Some(0), Some(1)] {
            if let Some(dc) = drained {
                s.datacenters[dc].health.set_drained(true);
            }
            for ip in [
                "192.0.2.1",
                "198.51.100.1",
                "203.0.113.1",
                "198.18.0.1",
                "9.9.9.9",
            ] {
                let located = select(
                    &s,
                    Family::V4,
                    &client(ip, 32),
                    Some(&db),
                    false,
                    &mut NoRecord,
                );
                let location = db.locate(ip.parse().unwrap());
                let placed = select_at(&s, Family::V4, &location, false, &mut NoRecord);
                assert_eq!(
                    located.datacenter, placed.decision.datacenter,
                    "{policy:?} {ip} drained {drained:?}"
                );
                assert_eq!(located.reason, placed.decision.reason);
            }
            for dc in &s.datacenters {
                dc.health.set_drained(false);
            }
        }
    }
}
