//! Steering against the real binary: regions from MaxMind's test databases, ECS scopes,
//! failover and recovery driven by real HTTP health backends, fallback and fail-open, weights,
//! stickiness, nearest, drains, IPv6, CNAME targets, and the decision trace.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::support::*;

const GEOIP_CITY_TEST: &str = "geoip/maxmind-test-data/GeoIP2-City-Test.mmdb";

/// A config with the example zone, the given datacenters/checks/services, and a GeoIP database.
fn config(database: &str, body: &str) -> String {
    let database = repo().join(database);
    format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\nidentity = \"ns1.example.com\"\n\n\
         [geoip]\ndatabase = \"{}\"\n\n[zones]\n\"example.com.\" = \"example.com.zone\"\n\n\
         [datacenters]\nams = {{ location = [52.37, 4.90] }}\niad = {{ location = [38.95, -77.45] }}\n\
         sin = {{ location = [1.35, 103.82] }}\nnrt = {{ location = [35.68, 139.69] }}\n\n{body}",
        database.display()
    )
}

fn start(body: &str) -> Server {
    let zone = example_zone();
    Server::start(
        &config(GEOIP_CITY_TEST, body),
        &[("example.com.zone", zone.as_str())],
    )
}

/// Asks for `name`/`qtype` with an ECS subnet; returns (addresses, scope, ttl).
fn ask_ecs(
    server: &Server,
    name: &str,
    qtype: &str,
    subnet: &str,
) -> (Vec<String>, Option<u8>, u32) {
    let query = QueryBuilder::new(name, qtype).client_subnet(subnet);
    let response = Response::decode(&server.udp(&query.build()).expect("answer"));
    assert_eq!(response.rcode(), 0, "{name} {subnet}");
    let scope = response.option(8).map(|data| data[3]);
    let ttl = response.message.answers.first().map_or(0, |r| r.ttl);
    (response.answer_data(), scope, ttl)
}

/// Polls until `condition` holds; returns how long it took, or panics after `limit`.
fn wait_until(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
    start.elapsed()
}

const GEO_SERVICE: &str = r#"
[[services]]
name = "www.example.com."
policy = "geo"
ttl = 30
targets = [
  { datacenter = "ams", address = "192.0.2.10" },
  { datacenter = "ams", address = "2001:db8::10" },
  { datacenter = "iad", address = "198.51.100.10" },
  { datacenter = "iad", address = "2001:db8::20" },
  { datacenter = "sin", address = "203.0.113.10" },
  { datacenter = "nrt", address = "203.0.113.20" },
  { datacenter = "nrt", address = "2001:db8::30" },
]
[services.geo]
"country:JP" = ["nrt", "sin"]
"continent:EU" = ["ams", "iad"]
"continent:NA" = ["iad", "ams"]
"continent:AS" = ["sin", "nrt"]
"net:10.0.0.0/8" = ["sin"]
default = ["iad", "ams"]
"#;

#[test]
fn regions_and_scopes_from_the_maxmind_test_database() {
    let server = start(GEO_SERVICE);
    // (ECS subnet, expected answer, expected scope: the MMDB network's prefix, capped at the source)
    for (subnet, answer, scope) in [
        ("81.2.69.160/32", "192.0.2.10", 27), // GB, EU: 81.2.69.160/27
        ("81.2.69.160/28", "192.0.2.10", 27), // source longer than the network: the network's
        ("216.160.83.56/32", "198.51.100.10", 29), // US, NA: 216.160.83.56/29
        ("175.16.199.0/24", "203.0.113.10", 24), // CN, AS: 175.16.199.0/24
        ("2001:218::/32", "203.0.113.20", 32), // JP: country beats continent
        ("10.20.30.0/24", "203.0.113.10", 8), // net:10.0.0.0/8 beats the database
    ] {
        let (answers, got_scope, ttl) = ask_ecs(&server, "www.example.com", "A", subnet);
        assert_eq!(answers, vec![answer], "{subnet}");
        assert_eq!(got_scope, Some(scope), "{subnet}");
        assert_eq!(ttl, 30, "{subnet}");
    }
    // IPv6 targets for AAAA, chosen the same way.
    let (answers, _, _) = ask_ecs(&server, "www.example.com", "AAAA", "81.2.69.160/32");
    assert_eq!(answers, vec!["2001:db8::10"]);
    let (answers, scope, _) = ask_ecs(&server, "www.example.com", "AAAA", "2001:218::/32");
    assert_eq!(
        (answers, scope),
        (vec!["2001:db8::30".to_string()], Some(32))
    );
    // ECS source prefix 0: "do not use my address" → default rule, scope 0.
    let (answers, scope, _) = ask_ecs(&server, "www.example.com", "A", "0.0.0.0/0");
    assert_eq!(
        (answers, scope),
        (vec!["198.51.100.10".to_string()], Some(0))
    );
    // No ECS: the resolver's own address (loopback, not in the database) → default, no option.
    let plain = server.ask("www.example.com", "A");
    assert_eq!(plain.answer_data(), vec!["198.51.100.10"]);
    assert!(plain.option(8).is_none());
    // Static names answer the same for everyone: scope 0.
    let (_, scope, _) = ask_ecs(&server, "mail.example.com", "A", "81.2.69.160/32");
    assert_eq!(scope, Some(0));
    // Other types at a steered name come from the zone (NODATA here).
    let mx = server.ask("www.example.com", "MX");
    assert_eq!(mx.rcode(), 0);
    assert!(mx.answers().is_empty());
    assert_eq!(mx.authority().len(), 1);
    // A CNAME into a steered name is followed and steered.
    let query = QueryBuilder::new("shop.example.com", "A").client_subnet("81.2.69.160/32");
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(
        response.answer_data(),
        vec!["www.example.com.", "192.0.2.10"]
    );
    assert_eq!(response.option(8).map(|d| d[3]), Some(27));
}

#[test]
fn invalid_ecs_is_formerr() {
    let server = start(GEO_SERVICE);
    // Address bits beyond the source prefix.
    let query = QueryBuilder::new("www.example.com", "A").option(8, &[0, 1, 8, 0, 10, 1]);
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(response.rcode(), 1);
    // Unknown family.
    let query = QueryBuilder::new("www.example.com", "A").option(8, &[0, 9, 8, 0, 10]);
    assert_eq!(
        Response::decode(&server.udp(&query.build()).unwrap()).rcode(),
        1
    );
}

/// An HTTP check probing each target's own address at `port`.
fn http_check(port: u16, rise: u32, fall: u32) -> String {
    format!(
        "[checks.web]\ntype = \"http\"\nport = {port}\npath = \"/health\"\n\
         interval = \"100ms\"\ntimeout = \"80ms\"\nrise = {rise}\nfall = {fall}\n"
    )
}

/// A failover service over ams (127.0.0.11) then iad (127.0.0.12).
fn failover_service(name: &str) -> String {
    format!(
        r#"
[[services]]
name = "{name}"
policy = "failover"
order = ["ams", "iad"]
ttl = 30
min_ttl = 5
check = "web"
targets = [
  {{ datacenter = "ams", address = "127.0.0.11" }},
  {{ datacenter = "iad", address = "127.0.0.12" }},
]
"#
    )
}

fn failover_config(port: u16) -> String {
    format!(
        "{}{}",
        http_check(port, 2, 3),
        failover_service("app.example.com.")
    )
}

#[test]
fn failover_follows_health_within_fall_intervals_and_recovers_after_rise() {
    let (port, backends) = backends_on(&["127.0.0.11", "127.0.0.12"]);
    let ams = &backends[0];
    let server = start(&failover_config(port));
    let answer = || server.ask("app.example.com", "A");
    wait_until(Duration::from_secs(3), "initial answer from ams", || {
        answer().answer_data() == vec!["127.0.0.11"]
    });
    // Let the probes settle (the first probe of each target waits up to one interval).
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(answer().message.answers[0].ttl, 30);

    ams.set_healthy(false);
    let mut saw_lowered_ttl = false;
    let took = wait_until(Duration::from_secs(3), "failover to iad", || {
        let response = answer();
        if response.answer_data() == vec!["127.0.0.11"] && response.message.answers[0].ttl == 5 {
            saw_lowered_ttl = true;
        }
        response.answer_data() == vec!["127.0.0.12"]
    });
    // interval × fall + one interval, plus scheduling slack for a loaded CI machine.
    assert!(
        took < Duration::from_millis(300 + 100 + 400),
        "failover took {took:?}"
    );
    assert!(
        saw_lowered_ttl,
        "TTL lowered to min_ttl while ams was failing"
    );

    ams.set_healthy(true);
    let took = wait_until(Duration::from_secs(3), "recovery to ams", || {
        answer().answer_data() == vec!["127.0.0.11"]
    });
    assert!(
        took < Duration::from_millis(200 + 100 + 400),
        "recovery took {took:?}"
    );
}

#[test]
fn zone_records_are_the_fallback_and_otherwise_fail_open() {
    let (port, backends) = backends_on(&["127.0.0.11", "127.0.0.12"]);
    let (ams, iad) = (&backends[0], &backends[1]);
    // www has A records in the zone file (192.0.2.80); app has none.
    let server = start(&format!(
        "{}{}{}",
        http_check(port, 2, 3),
        failover_service("www.example.com."),
        failover_service("app.example.com.")
    ));
    wait_until(Duration::from_secs(3), "healthy answers", || {
        server.ask("www.example.com", "A").answer_data() == vec!["127.0.0.11"]
            && server.ask("app.example.com", "A").answer_data() == vec!["127.0.0.11"]
    });
    ams.set_healthy(false);
    iad.set_healthy(false);
    wait_until(Duration::from_secs(3), "zone fallback for www", || {
        server.ask("www.example.com", "A").answer_data() == vec!["192.0.2.80"]
    });
    let fallback = server.ask("www.example.com", "A");
    assert_eq!(
        fallback.message.answers[0].ttl, 300,
        "the zone file's own TTL"
    );
    // app: nothing healthy and no zone records → the first datacenter's targets anyway.
    let open = server.ask("app.example.com", "A");
    assert_eq!(open.answer_data(), vec!["127.0.0.11"]);
    assert_eq!(
        open.message.answers[0].ttl, 5,
        "fail-open answers use min_ttl"
    );
    // AAAA: no IPv6 targets and no zone AAAA for app → NODATA.
    let aaaa = server.ask("app.example.com", "AAAA");
    assert_eq!(aaaa.rcode(), 0);
    assert!(aaaa.answers().is_empty());
    assert_eq!(
        server.ask("www.example.com", "AAAA").answer_data(),
        vec!["2001:db8::80"]
    );
}

#[test]
fn weights_hold_within_a_statistical_bound() {
    let server = start(
        r#"
[[services]]
name = "www.example.com."
policy = "weighted"
targets = [
  { datacenter = "ams", address = "192.0.2.10", weight = 3 },
  { datacenter = "iad", address = "198.51.100.10", weight = 1 },
]
"#,
    );
    let mut counts: HashMap<String, u32> = HashMap::new();
    let n = 800;
    for _ in 0..n {
        let response = server.ask("www.example.com", "A");
        *counts.entry(response.answer_data()[0].clone()).or_default() += 1;
    }
    // Binomial(800, 0.75): mean 600, sd ≈ 12.2; ±5 sd.
    let heavy = counts["192.0.2.10"];
    assert!((539..=661).contains(&heavy), "{counts:?}");
    // Weighted without stickiness does not depend on the client: scope 0.
    let (_, scope, _) = ask_ecs(&server, "www.example.com", "A", "81.2.69.160/32");
    assert_eq!(scope, Some(0));
}

#[test]
fn sticky_answers_stay_with_the_client_network_and_few_move() {
    let (port, backends) = backends_on(&["127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24"]);
    let body = format!(
        r#"{}
[[services]]
name = "www.example.com."
policy = "weighted"
sticky = true
check = "web"
targets = [
  {{ datacenter = "ams", address = "127.0.0.21" }},
  {{ datacenter = "ams", address = "127.0.0.22" }},
  {{ datacenter = "iad", address = "127.0.0.23" }},
  {{ datacenter = "iad", address = "127.0.0.24" }},
]
"#,
        http_check(port, 1, 1)
    );
    let server = start(&body);
    std::thread::sleep(Duration::from_millis(300));
    let networks: Vec<String> = (0..60).map(|i| format!("192.0.{i}.0/24")).collect();
    let before: Vec<String> = networks
        .iter()
        .map(|net| {
            let (answers, scope, _) = ask_ecs(&server, "www.example.com", "A", net);
            assert_eq!(scope, Some(24), "sticky answers depend on the /24");
            for _ in 0..3 {
                assert_eq!(
                    ask_ecs(&server, "www.example.com", "A", net).0,
                    answers,
                    "{net} is sticky"
                );
            }
            answers[0].clone()
        })
        .collect();
    let distinct: std::collections::HashSet<&String> = before.iter().collect();
    assert!(
        distinct.len() >= 3,
        "networks spread over targets: {distinct:?}"
    );

    backends[0].set_healthy(false);
    wait_until(
        Duration::from_secs(3),
        "127.0.0.21 leaves the answers",
        || {
            networks
                .iter()
                .all(|net| ask_ecs(&server, "www.example.com", "A", net).0 != vec!["127.0.0.21"])
        },
    );
    for (net, old) in networks.iter().zip(&before) {
        let now = &ask_ecs(&server, "www.example.com", "A", net).0[0];
        if old != "127.0.0.21" {
            assert_eq!(
                now, old,
                "{net} was not on the failed target and must not move"
            );
        }
    }
}

#[test]
fn nearest_orders_by_distance_and_skips_down_datacenters() {
    let (port, backends) = backends_on(&["127.0.0.31", "127.0.0.32", "127.0.0.33"]);
    let ams = &backends[0];
    let body = format!(
        r#"{}
[[services]]
name = "www.example.com."
policy = "nearest"
check = "web"
targets = [
  {{ datacenter = "ams", address = "127.0.0.31" }},
  {{ datacenter = "iad", address = "127.0.0.32" }},
  {{ datacenter = "sin", address = "127.0.0.33" }},
]
[services.geo]
default = ["sin"]
"#,
        http_check(port, 1, 1)
    );
    let server = start(&body);
    std::thread::sleep(Duration::from_millis(300));
    for (subnet, answer) in [
        ("81.2.69.160/32", "127.0.0.31"),   // London → Amsterdam
        ("216.160.83.56/32", "127.0.0.32"), // Washington state → Ashburn
        ("175.16.199.0/24", "127.0.0.33"),  // Changchun → Singapore
        ("192.0.2.0/24", "127.0.0.33"),     // not in the database: default rule
    ] {
        assert_eq!(
            ask_ecs(&server, "www.example.com", "A", subnet).0,
            vec![answer],
            "{subnet}"
        );
    }
    ams.set_healthy(false);
    wait_until(
        Duration::from_secs(3),
        "London moves to the next nearest",
        || ask_ecs(&server, "www.example.com", "A", "81.2.69.160/32").0 == vec!["127.0.0.32"],
    );
}

#[test]
fn drained_datacenters_are_skipped_and_the_drain_survives_restart() {
    let state = r#"{ "version": 1, "drained": ["ams"] }"#;
    let zone = example_zone();
    let text = config(GEOIP_CITY_TEST, GEO_SERVICE).replace(
        "identity = \"ns1.example.com\"",
        "identity = \"ns1.example.com\"\nstate_file = \"state.json\"",
    );
    let server = Server::start(
        &text,
        &[("example.com.zone", zone.as_str()), ("state.json", state)],
    );
    let (answers, _, _) = ask_ecs(&server, "www.example.com", "A", "81.2.69.160/32");
    assert_eq!(answers, vec!["198.51.100.10"], "EU → ams is drained → iad");
}

#[test]
fn cname_targets_answer_with_the_alias() {
    let server = start(
        r#"
[[services]]
name = "cdn.example.com."
policy = "failover"
order = ["ams", "iad"]
targets = [
  { datacenter = "ams", cname = "edge.other-cdn.example.net." },
  { datacenter = "iad", address = "198.51.100.10" },
]
"#,
    );
    let response = server.ask("cdn.example.com", "A");
    assert_eq!(response.answer_types(), vec!["CNAME"]);
    assert_eq!(response.answer_data(), vec!["edge.other-cdn.example.net."]);
    // A name with no zone data of its own still exists: other types are NODATA, not NXDOMAIN.
    assert_eq!(server.ask("cdn.example.com", "TXT").rcode(), 0);
}

#[test]
fn chaos_trace_explains_the_decision_to_allowed_networks_only() {
    let server = start(GEO_SERVICE);
    let query = QueryBuilder::new("www.example.com", "TXT")
        .class(3)
        .client_subnet("81.2.69.160/32");
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(response.rcode(), 0);
    assert!(response.aa());
    let text = response.answer_data().join("\n");
    assert!(text.contains("rule continent:EU matched"), "{text}");
    assert!(text.contains("answer 192.0.2.10"), "{text}");
    assert!(text.contains("ECS scope /27"), "{text}");

    let limited = config(GEOIP_CITY_TEST, GEO_SERVICE).replace(
        "identity = \"ns1.example.com\"",
        "trace_from = [\"10.0.0.0/8\"]",
    );
    let zone = example_zone();
    let server = Server::start(&limited, &[("example.com.zone", zone.as_str())]);
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(response.rcode(), 5, "loopback is not in trace_from");
}

#[test]
fn explain_prints_the_decision_offline() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("switchyard.toml"),
        config(GEOIP_CITY_TEST, GEO_SERVICE),
    )
    .unwrap();
    std::fs::write(dir.path().join("example.com.zone"), example_zone()).unwrap();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .current_dir(dir.path())
            .arg("explain")
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let text = run(&["www.example.com", "A", "--client", "81.2.69.160/32"]);
    for expected in [
        "steered by policy geo",
        "GeoIP: 81.2.69.160/27: continent EU, country GB",
        "rule continent:EU matched",
        "datacenter ams: 1 healthy pick(s)",
        "branch geo: answer from ams",
        "answer 192.0.2.10 ttl 30",
        "ECS scope /27",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let text = run(&[
        "www.example.com",
        "A",
        "--client",
        "81.2.69.160",
        "--down",
        "ams",
    ]);
    assert!(text.contains("datacenter ams: drained, skipped"), "{text}");
    assert!(text.contains("answer 198.51.100.10"), "{text}");
    let text = run(&[
        "www.example.com",
        "A",
        "--client",
        "81.2.69.160",
        "--down",
        "ams",
        "--down",
        "iad",
    ]);
    assert!(text.contains("branch fallback"), "{text}");
    assert!(text.contains("answer 192.0.2.80 ttl 300"), "{text}");
    let text = run(&["mail.example.com", "MX", "--client", "192.0.2.1"]);
    assert!(
        text.contains("no MX records at mail.example.com.: NODATA"),
        "{text}"
    );
}

#[test]
fn the_design_example_configuration_works_as_written() {
    let design = std::fs::read_to_string(repo().join("docs/design-example.toml")).unwrap();
    let zone = example_zone();
    let database = std::fs::read(repo().join("geoip/example-city.mmdb")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("zones")).unwrap();
    std::fs::create_dir_all(dir.path().join("geoip")).unwrap();
    std::fs::write(dir.path().join("zones/example.com.zone"), zone).unwrap();
    std::fs::write(dir.path().join("geoip/example-city.mmdb"), database).unwrap();
    // Port 0 instead of 5300 and 8053 so tests can run side by side; nothing else changes.
    let text = design
        .replace("127.0.0.1:5300", "127.0.0.1:0")
        .replace("127.0.0.1:8053", "127.0.0.1:0");
    std::fs::write(dir.path().join("switchyard.toml"), text).unwrap();
    let server = Server::spawn(dir).expect("the design example starts");
    let (answers, scope, _) = ask_ecs(&server, "www.example.com", "A", "203.0.113.0/24");
    assert_eq!(answers, vec!["203.0.113.10"], "country:SG → sin");
    assert_eq!(scope, Some(24));
    let (answers, _, _) = ask_ecs(&server, "www.example.com", "A", "10.1.0.0/16");
    assert_eq!(answers, vec!["192.0.2.10"], "net:10.0.0.0/8 → ams");
}

#[test]
fn steering_configuration_errors_name_the_key() {
    let zone = "$ORIGIN example.com.\n$TTL 60\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nalias CNAME ns\n";
    for (name, expected) in [
        (
            "www.example.org.",
            "services[0].name: www.example.org. is in no zone of [zones]",
        ),
        (
            "alias.example.com.",
            "services[0].name: alias.example.com. has a CNAME at",
        ),
    ] {
        let body = format!(
            "[[services]]\nname = \"{name}\"\npolicy = \"weighted\"\ntargets = [{{ datacenter = \"ams\", address = \"192.0.2.10\" }}]\n"
        );
        let error = Server::try_start(
            &config(GEOIP_CITY_TEST, &body),
            &[("example.com.zone", zone)],
        )
        .err()
        .expect("must not start");
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn asn_and_subdivision_rules_beat_country_rules() {
    let asn = repo().join("geoip/maxmind-test-data/GeoLite2-ASN-Test.mmdb");
    let body = r#"
[[services]]
name = "www.example.com."
policy = "geo"
targets = [
  { datacenter = "ams", address = "192.0.2.10" },
  { datacenter = "iad", address = "198.51.100.10" },
  { datacenter = "sin", address = "203.0.113.10" },
  { datacenter = "nrt", address = "203.0.113.20" },
]
[services.geo]
"asn:1221" = ["sin"]
"subdivision:US-WA" = ["nrt"]
"country:US" = ["iad"]
default = ["ams"]
"#;
    let text = config(GEOIP_CITY_TEST, body).replace(
        "[zones]",
        &format!("asn_database = \"{}\"\n\n[zones]", asn.display()),
    );
    let zone = example_zone();
    let server = Server::start(&text, &[("example.com.zone", zone.as_str())]);
    // 1.128.0.0/11 is AS1221 in the ASN test database.
    let (answers, scope, _) = ask_ecs(&server, "www.example.com", "A", "1.128.0.1/32");
    assert_eq!(answers, vec!["203.0.113.10"]);
    assert!(
        scope.unwrap() >= 11,
        "at least the ASN network's prefix: {scope:?}"
    );
    // 216.160.83.56 is in Washington, US: the subdivision rule is more specific.
    assert_eq!(
        ask_ecs(&server, "www.example.com", "A", "216.160.83.56/32").0,
        vec!["203.0.113.20"]
    );
}

#[test]
fn a_corrupt_geoip_database_is_refused_at_start_and_on_reload() {
    let bad = repo().join("geoip/maxmind-test-data/bad-data/libmaxminddb-corrupt-search-tree.mmdb");
    let zone = example_zone();
    let error = Server::try_start(
        &config(bad.to_str().unwrap(), GEO_SERVICE),
        &[("example.com.zone", zone.as_str())],
    )
    .err()
    .expect("a corrupt database must not start");
    assert!(error.contains("corrupt MaxMind DB"), "{error}");

    let server = start(GEO_SERVICE);
    assert_eq!(
        ask_ecs(&server, "www.example.com", "A", "81.2.69.160/32").0,
        vec!["192.0.2.10"]
    );
    let good = std::fs::read_to_string(server.path("switchyard.toml")).unwrap();
    let broken = good.replace(
        repo().join(GEOIP_CITY_TEST).to_str().unwrap(),
        bad.to_str().unwrap(),
    );
    std::fs::write(server.path("switchyard.toml"), broken).unwrap();
    server.signal("HUP");
    wait_until(
        Duration::from_secs(5),
        "the rejected reload is logged",
        || server.log().contains("corrupt MaxMind DB"),
    );
    // The old database keeps answering.
    assert_eq!(
        ask_ecs(&server, "www.example.com", "A", "81.2.69.160/32").0,
        vec!["192.0.2.10"]
    );
}

#[test]
fn geoip_build_reproduces_the_committed_example_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("example-city.mmdb");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("geoip-build")
        .arg("--csv")
        .arg(repo().join("geoip/example-city.csv"))
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let committed = std::fs::read(repo().join("geoip/example-city.mmdb")).unwrap();
    assert!(
        std::fs::read(&out).unwrap() == committed,
        "geoip/example-city.mmdb drifted from its CSV"
    );
}
