//! Switchyard as a secondary: Knot DNS is the primary (AXFR first, then NOTIFY + IXFR), a
//! restart without the primary serves the copy kept on disk, the zone answers SERVFAIL once
//! the SOA's expire has passed without contact, and a primary sending broken transfers leaves
//! the old zone serving.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::time::{Duration, Instant};

use super::KEY;
use crate::support::primary::KnotPrimary;
use crate::support::secondary::soa_serial;
use crate::support::*;

/// `example.org.` with serial `serial`, the given SOA timers and `extra` records.
fn zone(serial: u32, timers: &str, extra: &str) -> String {
    format!(
        "$ORIGIN example.org.\n$TTL 300\n\
         @ IN SOA ns1 hostmaster {serial} {timers} 300\n\
         @ IN NS ns1\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\n\
         mail IN MX 10 ns1\ntxt IN TXT \"kept\"\n{extra}"
    )
}

const LONG_TIMERS: &str = "3600 600 1209600";

/// Our configuration: `example.org.` from `primary`, with `key` when given.
fn config(primary: SocketAddr, key: bool) -> String {
    let key_line = if key { "key = \"transfer\"\n" } else { "" };
    format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\n\n\
         [zones.\"example.org.\"]\nprimary = \"{primary}\"\n{key_line}file = \"example.org.zone\"\n\n\
         [tsig.transfer]\nalgorithm = \"{}\"\nsecret = \"{}\"\n",
        KEY.algorithm, KEY.secret
    )
}

fn knot(zone_text: &str) -> Option<KnotPrimary> {
    let knot = KnotPrimary::start(&[("example.org.", zone_text)], &KEY).expect("knotd starts");
    if knot.is_none() {
        println!("SKIP: knotd is not installed");
    }
    knot
}

/// Waits until `server` answers `example.org.` SOA with a serial `accept` likes.
fn wait_serial(server: &Server, limit: Duration, accept: impl Fn(u32) -> bool) -> u32 {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(serial) = soa_serial(server.dns, "example.org.").filter(|s| accept(*s)) {
            return serial;
        }
        assert!(
            Instant::now() < deadline,
            "the zone did not reach the wanted serial (has {:?}):\n{}",
            soa_serial(server.dns, "example.org."),
            server.log()
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// One UDP exchange sent from `source` (an address in 127.0.0.0/8).
fn exchange_from(source: &str, server: SocketAddr, message: &[u8]) -> Response {
    let socket = UdpSocket::bind(format!("{source}:0")).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    socket.send_to(message, server).unwrap();
    let mut buf = vec![0u8; 4096];
    let (len, _) = socket.recv_from(&mut buf).expect("an answer");
    Response::decode(&buf[..len])
}

#[test]
fn knot_feeds_us_by_axfr_then_notify_and_ixfr_and_a_restart_serves_from_disk() {
    let Some(knot) = knot(&zone(1, LONG_TIMERS, "")) else {
        return;
    };
    let server = Server::start(&config(knot.addr, true), &[]);
    wait_serial(&server, Duration::from_secs(10), |s| s == 1);
    assert!(server.log().contains("AXFR"), "{}", server.log());
    assert_eq!(
        server.ask("www.example.org.", "A").answer_data(),
        ["192.0.2.80"]
    );
    assert!(server.ask("www.example.org.", "A").aa());

    // NOTIFY: only from the primary's address, and only signed with the zone's key.
    let notify = QueryBuilder::new("example.org.", "SOA")
        .flags(0x2400)
        .build();
    assert_eq!(exchange_from("127.0.0.2", server.dns, &notify).rcode(), 5);
    assert_eq!(exchange_from("127.0.0.1", server.dns, &notify).rcode(), 5);

    knot.notify(server.dns);
    knot.update(
        "example.org.",
        &zone(2, LONG_TIMERS, "new IN A 192.0.2.99\n"),
    );
    wait_serial(&server, Duration::from_secs(5), |s| s == 2);
    let log = server.log();
    assert!(log.contains("NOTIFY from the primary"), "{log}");
    assert!(log.contains("kind=\"IXFR\""), "no IXFR:\n{log}");
    assert!(!log.contains("does not apply"), "{log}");
    assert_eq!(
        server.ask("new.example.org.", "A").answer_data(),
        ["192.0.2.99"]
    );
    assert_eq!(
        server.ask("txt.example.org.", "TXT").answer_data(),
        ["kept"]
    );

    // Without the primary, a restart serves the copy kept on disk.
    drop(knot);
    let server = server.restart();
    assert_eq!(soa_serial(server.dns, "example.org."), Some(2));
    assert_eq!(
        server.ask("new.example.org.", "A").answer_data(),
        ["192.0.2.99"]
    );
    assert_eq!(
        server.ask("mail.example.org.", "MX").answer_data(),
        ["10 ns1.example.org."]
    );
}

#[test]
fn the_zone_answers_servfail_once_expire_passes_without_the_primary() {
    // refresh 1 s, retry 1 s, expire 3 s.
    let Some(knot) = knot(&zone(1, "1 1 3", "")) else {
        return;
    };
    let server = Server::start(&config(knot.addr, true), &[]);
    wait_serial(&server, Duration::from_secs(10), |s| s == 1);
    // While the primary answers, refreshes keep the zone alive past its expire time.
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(900));
    }
    assert_eq!(server.ask("www.example.org.", "A").rcode(), 0);
    drop(knot);
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.ask("www.example.org.", "A").rcode() != 2 {
        assert!(Instant::now() < deadline, "no SERVFAIL:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(server.log().contains("zone expired"), "{}", server.log());
    assert_eq!(server.ask_tcp("example.org.", "SOA").rcode(), 2);
    // Expired stays expired across a restart: the copy's age is kept on disk.
    let server = server.restart();
    assert_eq!(server.ask("www.example.org.", "A").rcode(), 2);
}

/// One DNS message from the broken primary: QR, AA, the question, these answers.
fn response(id: u16, qtype: u16, answers: &[(&str, u16, Vec<u8>)]) -> Vec<u8> {
    let mut out = id.to_be_bytes().to_vec();
    out.extend_from_slice(&[0x84, 0, 0, 1]);
    out.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&wire_name("example.org."));
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&[0, 1]);
    for (owner, rtype, rdata) in answers {
        out.extend_from_slice(&wire_name(owner));
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&[0, 1, 0, 0, 1, 44]);
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    out
}

fn soa(serial: u32) -> (&'static str, u16, Vec<u8>) {
    let mut rdata = wire_name("ns1.example.org.");
    rdata.extend(wire_name("hostmaster.example.org."));
    for field in [serial, 1, 1, 1_209_600, 300] {
        rdata.extend_from_slice(&field.to_be_bytes());
    }
    ("example.org.", 6, rdata)
}

/// A primary that claims serial 2 and answers each transfer with the next broken variant;
/// returns its address and the reasons our log must give, in order.
fn broken_primary() -> (SocketAddr, &'static [&'static str]) {
    const REASONS: &[&str] = &[
        "a record outside the zone: www.example.com.",
        "the transfer ended before its closing SOA",
        "bad IXFR sequence",
        "the transferred zone is not valid",
    ];
    // UDP and TCP on one port: a UDP port whose TCP twin is free.
    let (udp, tcp) = (0..50)
        .find_map(|_| {
            let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
            let tcp = TcpListener::bind(udp.local_addr().unwrap()).ok()?;
            Some((udp, tcp))
        })
        .expect("a free port");
    let addr = udp.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((len, from)) = udp.recv_from(&mut buf) {
            let id = u16::from_be_bytes([buf[0], buf[1]]);
            if len > 12 {
                let _ = udp.send_to(&response(id, 6, &[soa(2)]), from);
            }
        }
    });
    std::thread::spawn(move || {
        let a = |owner: &'static str, last: u8| (owner, 1u16, vec![192, 0, 2, last]);
        for (n, stream) in tcp.incoming().enumerate() {
            let Ok(mut stream) = stream else { return };
            let mut len = [0u8; 2];
            if stream.read_exact(&mut len).is_err() {
                continue;
            }
            let mut request = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if stream.read_exact(&mut request).is_err() {
                continue;
            }
            let id = u16::from_be_bytes([request[0], request[1]]);
            let qtype = 251;
            let cname = ("www.example.org.", 5u16, wire_name("ns1.example.org."));
            let answers = match n % 4 {
                0 => vec![soa(2), a("www.example.com.", 1), soa(2)],
                1 => vec![soa(2), a("www.example.org.", 1)],
                2 => vec![soa(2), soa(5), soa(2), soa(2)],
                _ => vec![soa(2), cname, a("www.example.org.", 1), soa(2)],
            };
            let message = response(id, qtype, &answers);
            let mut framed = (message.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&message);
            let _ = stream.write_all(&framed);
        }
    });
    (addr, REASONS)
}

#[test]
fn a_primary_sending_broken_transfers_leaves_the_old_zone_serving() {
    let (primary, reasons) = broken_primary();
    let kept = zone(1, "1 1 1209600", "");
    let server = Server::start(&config(primary, false), &[("example.org.zone", &kept)]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !reasons.iter().all(|r| server.log().contains(r)) {
        assert!(
            Instant::now() < deadline,
            "not every rejection was logged:\n{}",
            server.log()
        );
        assert_eq!(soa_serial(server.dns, "example.org."), Some(1));
        assert_eq!(
            server.ask("www.example.org.", "A").answer_data(),
            ["192.0.2.80"]
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server.log().contains("the zone kept serves on"),
        "{}",
        server.log()
    );
    assert_eq!(
        std::fs::read_to_string(server.path("example.org.zone")).unwrap(),
        kept
    );
}

/// The EDNS EXPIRE timer (RFC 7314) the server gives for `name`, when it gives one.
fn expire_timer(server: &Server, name: &str, qtype: &str) -> Option<u32> {
    let query = QueryBuilder::new(name, qtype).option(9, &[]).build();
    let raw = server.udp(&query).expect("an answer");
    let data = Response::decode(&raw).option(9)?;
    Some(u32::from_be_bytes(data.try_into().expect("four bytes")))
}

#[test]
fn edns_expire_counts_down_from_the_last_contact_with_the_primary() {
    // refresh 1 s, retry 1 s, expire 30 s.
    let Some(knot) = knot(&zone(1, "1 1 30", "")) else {
        return;
    };
    let server = Server::start(&config(knot.addr, true), &[]);
    wait_serial(&server, Duration::from_secs(10), |s| s == 1);
    let fresh = expire_timer(&server, "example.org.", "SOA").expect("EXPIRE on SOA");
    assert!((28..=30).contains(&fresh), "{fresh}");
    // Refreshes that find the copy current are contacts too: the timer does not run down.
    std::thread::sleep(Duration::from_millis(2500));
    let refreshed = expire_timer(&server, "www.example.org.", "A").expect("EXPIRE on A");
    assert!((28..=30).contains(&refreshed), "{refreshed}");
    // Without the primary it runs down, and a transfer from us carries what is left.
    drop(knot);
    std::thread::sleep(Duration::from_millis(3000));
    let left = expire_timer(&server, "nothing.example.org.", "A").expect("EXPIRE on NXDOMAIN");
    assert!((20..=27).contains(&left), "{left}");
    // Not asked for, not given; a name outside our zones gets none.
    let plain = server.ask("example.org.", "SOA");
    assert_eq!(plain.option(9), None);
    assert_eq!(expire_timer(&server, "example.com.", "SOA"), None);
}
