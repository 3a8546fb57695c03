//! Switchyard as the primary: Knot transfers the zone with TSIG and serves exactly our records;
//! access and TSIG errors; transfers over UDP; many transfers at once beside UDP queries.

use std::process::Command;
use std::time::{Duration, Instant};

use super::{KEY, READER, config, zone};
use crate::support::secondary::{KnotSecondary, SecondarySetup, axfr, connect_from, free_port};
use crate::support::*;

fn knot(server: &Server) -> Option<KnotSecondary> {
    knot_on(server, free_port())
}

fn knot_on(server: &Server, port: u16) -> Option<KnotSecondary> {
    let setup = SecondarySetup {
        zones: &["example.net."],
        primary: server.dns,
        key: Some(&KEY),
        zone_options: "",
        port,
    };
    let knot = KnotSecondary::start(&setup).expect("knotd starts");
    if knot.is_none() {
        println!("SKIP: knotd is not installed");
    }
    knot
}

#[test]
fn knot_transfers_the_zone_with_tsig_and_serves_our_records() {
    let server = Server::start(&config("", "", ""), &[("example.net.zone", &zone(7, ""))]);
    let Some(knot) = knot(&server) else { return };
    knot.wait_serial("example.net.", Duration::from_secs(20), |s| s == 7);
    let (rcode, ours) = axfr(server.dns, READER, "example.net.");
    assert_eq!(rcode, 0);
    let (rcode, theirs) = axfr(knot.addr, "127.0.0.1", "example.net.");
    assert_eq!(rcode, 0);
    assert_eq!(ours, theirs, "knotd serves other records than ours");
    // Steered names: api has no file records, so the first undrained datacenter of its order
    // (iad) gives both families; www keeps its file record.
    for wanted in [
        "api.example.net. 30 in a 198.51.100.10",
        "api.example.net. 30 in aaaa 2001:db8::100",
        "www.example.net. 300 in a 192.0.2.80",
        "ns.sub.example.net. 300 in a 192.0.2.54",
    ] {
        assert!(
            ours.contains(&wanted.to_string()),
            "{wanted} missing: {ours:#?}"
        );
    }
    assert!(
        !ours
            .iter()
            .any(|r| r.contains("192.0.2.11") || r.contains("192.0.2.10"))
    );
    assert!(knot.log().contains("AXFR"), "{}", knot.log());
}

#[test]
fn transfers_are_refused_without_the_key_and_tsig_errors_are_reported() {
    let server = Server::start(&config("", "", ""), &[("example.net.zone", &zone(1, ""))]);
    // From 127.0.0.1 the key is required.
    let (rcode, _) = axfr(server.dns, "127.0.0.1", "example.net.");
    assert_eq!(rcode, 5, "REFUSED without the key");
    // Not a zone we serve: NOTAUTH (RFC 5936 §2.2.1).
    let query = QueryBuilder::new("example.org.", "AXFR").build();
    let response = Response::decode(&server.tcp(&query).unwrap());
    assert_ne!(response.rcode(), 0);
    // Over UDP, AXFR is refused and IXFR answers with the current SOA (RFC 1995 §2).
    let response = Response::decode(&server.udp(&query_from("example.net.", "AXFR")).unwrap());
    assert_eq!(response.rcode(), 5);
    // EDNS EXPIRE (RFC 7314) on a transfer: the SOA's expire, from the primary.
    let query = QueryBuilder::new("example.net.", "AXFR")
        .edns(1232)
        .option(9, &[])
        .build();
    let mut stream = connect_from(READER, server.dns);
    write_framed(&mut stream, &query).unwrap();
    let first = Response::decode(&read_framed(&mut stream).unwrap());
    assert_eq!(first.rcode(), 0);
    assert_eq!(first.option(9), Some(1_209_600u32.to_be_bytes().to_vec()));
    let Some(kdig) = which("kdig") else {
        println!("SKIP: kdig is not installed (TSIG error checks)");
        return;
    };
    let dig = |key: &str, extra: &[&str]| {
        let out = Command::new(&kdig)
            .arg(format!("@{}", server.dns.ip()))
            .arg("-p")
            .arg(server.dns.port().to_string())
            .args(["example.net.", "-y", key])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    let good = format!("hmac-sha256:transfer:{}", KEY.secret);
    let out = dig(&good, &["AXFR"]);
    assert!(out.contains("api.example.net."), "{out}");
    assert!(!out.contains(";; ERROR"), "{out}");
    let out = dig("hmac-sha256:transfer:d3Jvbmcgc2VjcmV0", &["AXFR"]);
    assert!(out.contains("BADSIG"), "{out}");
    let out = dig(&format!("hmac-sha256:other:{}", KEY.secret), &["AXFR"]);
    assert!(out.contains("BADKEY"), "{out}");
    let out = dig(&format!("hmac-sha512:transfer:{}", KEY.secret), &["AXFR"]);
    assert!(out.contains("BADKEY"), "wrong algorithm: {out}");
    // A signed SOA query is answered and signed (a secondary's refresh check).
    let out = dig(&good, &["SOA", "+tcp"]);
    assert!(out.contains("NOERROR") && out.contains("TSIG"), "{out}");
    let out = dig(&good, &["IXFR=1", "+notcp"]);
    assert!(out.contains("NOERROR") && out.contains("SOA"), "{out}");
}

fn query_from(name: &str, qtype: &str) -> Vec<u8> {
    QueryBuilder::new(name, qtype).build()
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

#[test]
fn a_hundred_transfers_at_once_while_udp_is_answered() {
    const RECORDS: usize = 10_000;
    let extra = format!("$GENERATE 1-{RECORDS} host$ IN A 10.0.0.1\n");
    let server = Server::start(
        &config("tcp_max_per_client = 200", "", ""),
        &[("example.net.zone", &zone(1, &extra))],
    );
    let (_, whole) = axfr(server.dns, READER, "example.net.");
    assert!(whole.len() > RECORDS);
    let expected = whole.len();
    let dns = server.dns;
    let transfers: Vec<_> = (0..100)
        .map(|_| {
            std::thread::spawn(move || {
                let (rcode, records) = axfr(dns, READER, "example.net.");
                (rcode, records.len())
            })
        })
        .collect();
    let mut asked = 0usize;
    let mut unanswered = Vec::new();
    let started = Instant::now();
    while !transfers.iter().all(|t| t.is_finished()) || asked < 50 {
        asked += 1;
        let query = QueryBuilder::new("ns1.example.net.", "A")
            .id(asked as u16)
            .build();
        // A generous timeout: answered is asserted, not how fast (the machine may be busy).
        let sent = Instant::now();
        match try_exchange_udp(server.dns, &query, Duration::from_secs(10)) {
            Ok(raw) if Response::decode(&raw).answer_data() == ["192.0.2.53"] => {}
            Ok(raw) => unanswered.push(format!(
                "query {asked}: wrong reply {:?}",
                Response::decode(&raw).answers()
            )),
            Err(why) => unanswered.push(format!(
                "query {asked}: no reply after {:?}: {why}",
                sent.elapsed()
            )),
        }
        assert!(started.elapsed() < Duration::from_secs(300));
    }
    for transfer in transfers {
        assert_eq!(transfer.join().unwrap(), (0, expected));
    }
    assert!(
        unanswered.is_empty(),
        "{} of {asked} UDP queries unanswered:\n{}\nthe server's counts: {:?}",
        unanswered.len(),
        unanswered.join("\n"),
        server
            .metrics()
            .samples
            .iter()
            .filter(|s| s.name == "switchyard_queries_total"
                || s.name == "switchyard_udp_send_failures_total")
            .map(|s| (&s.labels, s.value))
            .collect::<Vec<_>>()
    );
}

/// Our server (zone serial 1, `zone_keys`) notifying a Knot secondary that has the zone.
fn notified_pair(zone_keys: &str) -> Option<(Server, KnotSecondary)> {
    let port = free_port();
    let notify = format!("\"127.0.0.1:{port}\"");
    let server = Server::start(
        &config("", &notify, zone_keys),
        &[("example.net.zone", &zone(1, ""))],
    );
    let knot = knot_on(&server, port)?;
    knot.wait_serial("example.net.", Duration::from_secs(20), |s| s == 1);
    Some((server, knot))
}

#[test]
fn an_edit_and_reload_reach_knot_by_notify_and_ixfr() {
    let Some((server, knot)) = notified_pair("") else {
        return;
    };
    server.write("example.net.zone", &zone(2, "new IN A 192.0.2.99\n"));
    server.signal("HUP");
    knot.wait_serial("example.net.", Duration::from_secs(2), |s| s == 2);
    let log = knot.log();
    assert!(
        log.contains("IXFR, incoming"),
        "knotd did not take an IXFR:\n{log}"
    );
    let answer = Response::decode(
        &exchange_udp(
            knot.addr,
            &QueryBuilder::new("new.example.net.", "A").build(),
            Duration::from_secs(1),
        )
        .unwrap(),
    );
    assert_eq!(answer.answer_data(), ["192.0.2.99"]);
    let (_, ours) = axfr(server.dns, READER, "example.net.");
    let (_, theirs) = axfr(knot.addr, "127.0.0.1", "example.net.");
    assert_eq!(ours, theirs);
    assert!(
        server.log().contains("NOTIFY acknowledged"),
        "{}",
        server.log()
    );
}

#[test]
fn a_drain_reaches_knot_as_a_new_serial() {
    let Some((server, knot)) = notified_pair("serial = \"increment\"") else {
        return;
    };
    assert_eq!(server.post("/datacenters/iad/drain", "").status, 200);
    // The defaults of api move to ams: a new serial, transferred by IXFR.
    knot.wait_serial("example.net.", Duration::from_secs(5), |s| s == 2);
    let (_, theirs) = axfr(knot.addr, "127.0.0.1", "example.net.");
    assert!(
        theirs.contains(&"api.example.net. 30 in a 192.0.2.10".to_string()),
        "{theirs:#?}"
    );
    assert!(
        !theirs.iter().any(|r| r.contains("198.51.100.10")),
        "{theirs:#?}"
    );
    assert!(knot.log().contains("IXFR, incoming"), "{}", knot.log());
    // The serial never goes back: after a restart (which forgets the drain, as no state file
    // is configured, so the defaults move back to iad) the serial is 3, not the file's 1.
    let server = server.restart();
    assert_eq!(
        crate::support::secondary::soa_serial(server.dns, "example.net."),
        Some(3)
    );
}

#[test]
fn edns_expire_is_the_soa_expire_on_every_answer_from_the_zone() {
    let server = Server::start(&config("", "", ""), &[("example.net.zone", &zone(1, ""))]);
    for (name, qtype) in [
        ("example.net.", "SOA"),
        ("www.example.net.", "A"),
        ("nothing.example.net.", "A"),
        ("api.example.net.", "A"),
    ] {
        let query = QueryBuilder::new(name, qtype).option(9, &[]).build();
        let answer = Response::decode(&server.udp(&query).unwrap());
        assert_eq!(
            answer.option(9),
            Some(1_209_600u32.to_be_bytes().to_vec()),
            "{name} {qtype}"
        );
    }
    let elsewhere = QueryBuilder::new("example.com.", "SOA")
        .option(9, &[])
        .build();
    assert_eq!(
        Response::decode(&server.udp(&elsewhere).unwrap()).option(9),
        None
    );
    assert_eq!(server.ask("example.net.", "SOA").option(9), None);
}
