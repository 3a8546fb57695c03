//! The answer path's DNS Cookies and Extended DNS Errors, over a snapshot built from a
//! configuration with a cookie secret file.

use std::net::SocketAddr;

use super::{Request, Summary, Transport, respond};
use crate::config;
use crate::cookies::{Cookies, Outcome, Verdict};
use crate::metrics::Metrics;
use crate::snapshot::{Health, Snapshot, build};
use crate::wire::rtype::rcode;

const SECRET: [u8; 16] = *b"0123456789abcdef";
const CLIENT: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

fn snapshot(cookies: &str) -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    let hex: String = SECRET.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(dir.path().join("cookie.secret"), format!("{hex}\n")).unwrap();
    std::fs::write(
        dir.path().join("example.test.zone"),
        "$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 192.0.2.1\n",
    )
    .unwrap();
    let text =
        format!("[zones]\n\"example.test.\" = \"example.test.zone\"\n\n[cookies]\n{cookies}\n");
    let path = dir.path().join("switchyard.toml");
    std::fs::write(&path, text).unwrap();
    let loaded = config::load(&path).unwrap();
    let health = Health::Offline { down: &[] };
    let (snapshot, _) = build(&loaded, 1, &Metrics::default(), health)
        .unwrap_or_else(|report| panic!("{:?}", report.errors));
    snapshot
}

/// `name` A with an OPT record holding `options` (code, data) and EDNS version `version`.
fn query(name: &[u8], version: u8, options: &[(u16, &[u8])]) -> Vec<u8> {
    let mut p = vec![0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
    p.extend_from_slice(name);
    p.extend_from_slice(&[0, 1, 0, 1, 0, 0, 41, 0x04, 0xd0, 0, version, 0, 0]);
    let mut data = Vec::new();
    for (code, option) in options {
        data.extend_from_slice(&code.to_be_bytes());
        data.extend_from_slice(&(option.len() as u16).to_be_bytes());
        data.extend_from_slice(option);
    }
    p.extend_from_slice(&(data.len() as u16).to_be_bytes());
    p.extend_from_slice(&data);
    p
}

const NS: &[u8] = b"\x02ns\x07example\x04test\x00";
const SOURCE: &str = "192.0.2.53:4000";

struct Answer {
    summary: Summary,
    message: Vec<u8>,
}

impl Answer {
    /// Full rcode: header bits and the OPT's extended bits.
    fn rcode(&self) -> u16 {
        let low = u16::from(self.message[3] & 0xF);
        let opt = self.opt();
        low | (u16::from(self.message[opt.start + 5]) << 4)
    }

    fn opt(&self) -> std::ops::Range<usize> {
        crate::rrl::opt_record(&self.message).expect("an OPT record")
    }

    /// The data of the OPT's option `code`.
    fn option(&self, code: u16) -> Option<Vec<u8>> {
        let opt = self.opt();
        let mut rest = &self.message[opt.start + 11..opt.end];
        while rest.len() >= 4 {
            let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
            if u16::from_be_bytes([rest[0], rest[1]]) == code {
                return Some(rest[4..4 + len].to_vec());
            }
            rest = &rest[4 + len..];
        }
        None
    }

    fn answers(&self) -> u16 {
        u16::from_be_bytes([self.message[6], self.message[7]])
    }
}

fn ask(snapshot: &Snapshot, packet: &[u8], transport: Transport) -> Answer {
    ask_from(snapshot, packet, SOURCE, transport)
}

fn ask_from(snapshot: &Snapshot, packet: &[u8], source: &str, transport: Transport) -> Answer {
    let source: SocketAddr = source.parse().unwrap();
    let request = Request {
        packet,
        source,
        transport,
    };
    let mut out = vec![0u8; super::MAX_MESSAGE];
    let summary = respond(snapshot, &request, &mut out).expect("answered");
    out.truncate(summary.len);
    Answer {
        summary,
        message: out,
    }
}

#[test]
fn a_client_cookie_gets_a_server_cookie_that_verifies() {
    let snapshot = snapshot("secret_file = \"cookie.secret\"");
    let answer = ask(&snapshot, &query(NS, 0, &[(10, &CLIENT)]), Transport::Udp);
    assert_eq!(answer.rcode(), rcode::NOERROR);
    assert_eq!(answer.answers(), 1);
    assert_eq!(answer.summary.cookie, Some(Outcome::ClientOnly));
    let cookie = answer.option(10).expect("a cookie");
    assert_eq!((cookie.len(), &cookie[..8]), (24, &CLIENT[..]));
    let client = SOURCE.parse::<SocketAddr>().unwrap().ip();
    let verdict = Cookies::new(SECRET, None).check(&cookie, client, crate::cookies::now());
    assert_eq!(verdict, Verdict::Valid { renew: false });

    // Sent back: valid, echoed as it is (young), and RRL would not limit it.
    let again = ask(&snapshot, &query(NS, 0, &[(10, &cookie)]), Transport::Udp);
    assert_eq!(again.summary.cookie, Some(Outcome::Valid));
    assert!(again.summary.cookie_valid());
    assert_eq!(again.option(10), Some(cookie.clone()));

    // From another address it is not valid: a fresh one comes back.
    let mut forged = cookie.clone();
    forged[20] ^= 1;
    let wrong = ask(&snapshot, &query(NS, 0, &[(10, &forged)]), Transport::Udp);
    assert_eq!(wrong.summary.cookie, Some(Outcome::Invalid));
    assert_eq!(wrong.answers(), 1);
    assert_ne!(wrong.option(10), Some(forged));
}

#[test]
fn malformed_cookies_get_formerr_with_an_extended_error() {
    let snapshot = snapshot("");
    for len in [0usize, 1, 7, 9, 15, 41] {
        let data = vec![7u8; len];
        let answer = ask(&snapshot, &query(NS, 0, &[(10, &data)]), Transport::Udp);
        assert_eq!(answer.rcode(), rcode::FORMERR, "length {len}");
        assert_eq!(answer.summary.cookie, Some(Outcome::Malformed));
        let ede = answer.option(15).expect("EDE");
        assert_eq!(&ede[..2], &[0, 0]);
        assert_eq!(&ede[2..], b"malformed COOKIE option");
        assert_eq!(answer.option(10), None);
    }
    // Two COOKIE options: FORMERR.
    let two = query(NS, 0, &[(10, &CLIENT), (10, &CLIENT)]);
    assert_eq!(ask(&snapshot, &two, Transport::Udp).rcode(), rcode::FORMERR);
}

#[test]
fn require_answers_badcookie_over_udp_only() {
    let snapshot = snapshot("secret_file = \"cookie.secret\"\nrequire = true");
    let packet = query(NS, 0, &[(10, &CLIENT)]);
    let udp = ask(&snapshot, &packet, Transport::Udp);
    assert_eq!(udp.rcode(), rcode::BADCOOKIE);
    assert_eq!(udp.answers(), 0);
    let cookie = udp.option(10).expect("a fresh cookie");
    assert_eq!(cookie.len(), 24);
    // Retried with the cookie: answered.
    let retried = ask(&snapshot, &query(NS, 0, &[(10, &cookie)]), Transport::Udp);
    assert_eq!((retried.rcode(), retried.answers()), (rcode::NOERROR, 1));
    // Over TCP, and without any cookie, answered as usual.
    let tcp = ask(&snapshot, &packet, Transport::Tcp);
    assert_eq!((tcp.rcode(), tcp.answers()), (rcode::NOERROR, 1));
    assert!(tcp.option(10).is_some());
    let plain = ask(&snapshot, &query(NS, 0, &[]), Transport::Udp);
    assert_eq!((plain.rcode(), plain.answers()), (rcode::NOERROR, 1));
}

#[test]
fn errors_carry_the_cookie() {
    let snapshot = snapshot("");
    // EDNS version 1: BADVERS with the cookie (RFC 7873 §5.4).
    let badvers = ask(&snapshot, &query(NS, 1, &[(10, &CLIENT)]), Transport::Udp);
    assert_eq!(badvers.rcode(), rcode::BADVERS);
    assert_eq!(badvers.option(10).map(|c| c.len()), Some(24));
    // Outside our zones: REFUSED, Extended DNS Error 20 and the cookie.
    let refused = ask(
        &snapshot,
        &query(b"\x03www\x05other\x00", 0, &[(10, &CLIENT)]),
        Transport::Udp,
    );
    assert_eq!(refused.rcode(), rcode::REFUSED);
    assert_eq!(refused.option(15), Some(vec![0, 20]));
    assert_eq!(refused.option(10).map(|c| c.len()), Some(24));
    // Malformed ECS: FORMERR with EDE 0 saying so, and the cookie.
    let ecs = ask(
        &snapshot,
        &query(NS, 0, &[(8, &[0, 1, 33, 0, 1]), (10, &CLIENT)]),
        Transport::Udp,
    );
    assert_eq!(ecs.rcode(), rcode::FORMERR);
    assert_eq!(ecs.option(15), Some(b"\0\0malformed ECS option".to_vec()));
    assert!(ecs.option(10).is_some());
    // An unknown option is ignored.
    let unknown = ask(&snapshot, &query(NS, 0, &[(65001, b"xyz")]), Transport::Udp);
    assert_eq!((unknown.rcode(), unknown.answers()), (rcode::NOERROR, 1));
    assert_eq!(unknown.option(10), None);
}

#[test]
fn cookies_off_ignore_the_option() {
    let snapshot = snapshot("enabled = false");
    let answer = ask(
        &snapshot,
        &query(NS, 0, &[(10, &[1, 2, 3])]),
        Transport::Udp,
    );
    assert_eq!(answer.rcode(), rcode::NOERROR);
    assert_eq!(answer.option(10), None);
    assert_eq!(answer.summary.cookie, None);
}

#[test]
fn bad_secret_files_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.secret"), "# comment\n0123\n").unwrap();
    let path = dir.path().join("switchyard.toml");
    std::fs::write(&path, "[cookies]\nsecret_file = \"bad.secret\"\n").unwrap();
    let loaded = config::load(&path).unwrap();
    let health = Health::Offline { down: &[] };
    let Err(report) = build(&loaded, 1, &Metrics::default(), health) else {
        panic!("a bad secret was accepted");
    };
    let shown = dir.path().join("bad.secret").display().to_string();
    assert!(
        report.errors[0].starts_with(&format!("{shown}:2: ")),
        "{:?}",
        report.errors
    );
}

#[test]
fn fail_open_and_fallback_are_named_only_to_trace_from_clients() {
    let snapshot = crate::fuzzing::fixture::snapshot();
    let ask_from = |name: &[u8], source: &str| {
        ask_from(snapshot, &query(name, 0, &[]), source, Transport::Udp)
    };
    let open = b"\x04open\x04fuzz\x04test\x00";
    let down = b"\x04down\x04fuzz\x04test\x00";
    let traced = ask_from(open, "127.0.0.1:4000");
    assert_eq!(
        traced.option(15),
        Some(b"\0\0fail-open: no healthy target".to_vec())
    );
    assert_eq!(
        ask_from(down, "127.0.0.1:4000").option(15),
        Some(b"\0\0fallback: zone records".to_vec())
    );
    // Anyone else sees the same answer without internals.
    let other = ask_from(open, "192.0.2.77:4000");
    assert_eq!(other.option(15), None);
    assert_eq!(other.answers(), traced.answers());
}
