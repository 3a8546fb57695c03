//! The differential test on presigned zones: example.com and example.net signed by BIND's
//! `dnssec-signzone` (once with NSEC, once with NSEC3 with RFC 9276 parameters), the same
//! signed files loaded by Knot and by us, and a corpus of DNSSEC questions sent to both with
//! DO=1 and DO=0, over UDP and TCP, at small EDNS sizes (truncation) and with CD and AD set.
//! RRSIGs, NSEC and NSEC3 records are compared as data, like every other record. Skipped, with
//! a line saying so, where `knotd`, `dnssec-keygen` or `dnssec-signzone` is missing.

use super::corpus::{Case, Corpus, Transport, grid_names, query};
use super::corpus_edge::EDNS_NAMES;
use super::message::show_name;
use super::truth::Truth;
use super::{exchange_all, judge, say};
use crate::dnssec::{bind_signzone, installed};
use crate::support::knot::{Knot, KnotSetup};
use crate::support::{QueryBuilder, Server, example_zone, repo};

/// The types asked at every name of the signed zones.
const TYPES: &[&str] = &[
    "A",
    "AAAA",
    "TXT",
    "MX",
    "NS",
    "SOA",
    "CNAME",
    "DNAME",
    "SRV",
    "DS",
    "DNSKEY",
    "RRSIG",
    "NSEC",
    "NSEC3",
    "NSEC3PARAM",
    "ANY",
];

/// The types asked at NSEC3 owner names (hashes, which hold nothing else).
const NSEC3_OWNER_TYPES: &[&str] = &["A", "NSEC3", "RRSIG", "DS", "ANY"];

/// How each (name, type) is sent: label, EDNS and flags, transport.
type Variant = (&'static str, fn(QueryBuilder) -> QueryBuilder, Transport);

const VARIANTS: &[Variant] = &[
    ("udp DO 1232", |q| q.edns(1232).dnssec_ok(), Transport::Udp),
    ("tcp DO 1232", |q| q.edns(1232).dnssec_ok(), Transport::Tcp),
    ("udp DO 512", |q| q.edns(512).dnssec_ok(), Transport::Udp),
    ("udp 1232", |q| q.edns(1232), Transport::Udp),
    ("tcp", |q| q, Transport::Tcp),
];

/// Flag variants, for the types in [`FLAG_TYPES`]: CD and AD in DO=1 and DO=0 queries.
const FLAG_VARIANTS: &[Variant] = &[
    (
        "udp DO CD",
        |q| q.edns(1232).dnssec_ok().flags(0x0110),
        Transport::Udp,
    ),
    (
        "udp DO AD",
        |q| q.edns(1232).dnssec_ok().flags(0x0120),
        Transport::Udp,
    ),
    (
        "tcp DO CD AD",
        |q| q.edns(1232).dnssec_ok().flags(0x0130),
        Transport::Tcp,
    ),
    ("udp AD", |q| q.edns(1232).flags(0x0120), Transport::Udp),
    ("udp CD", |q| q.flags(0x0110), Transport::Udp),
];
const FLAG_TYPES: &[&str] = &["A", "DS", "DNSKEY"];

/// Payload sizes asked with DO=1 for the names with large answers: those of the unsigned
/// corpus, and wildcard answers and NXDOMAIN below a wildcard (several proofs).
const PAYLOADS: &[u16] = &[0, 511, 512, 513, 700, 1000, 1400, 4096, 65535];
const LARGE_WILDCARD: &[&str] = &["nx.w.example.net.", "a.b.nx.deep.w.example.net."];
const LARGE_TYPES: &[&str] = &["A", "TXT", "MX", "NS", "DNSKEY", "ANY"];

/// True for a name that holds only an NSEC3 and its signatures.
fn nsec3_owner(truth: &Truth, name: &[u8]) -> bool {
    truth.types_at(name) == [46, 50]
}

/// The signed corpus over the zones' contents.
fn build(truth: &Truth) -> Vec<Case> {
    let mut corpus = Corpus::new();
    for name in grid_names(truth) {
        let shown = show_name(&name);
        let types = if nsec3_owner(truth, &name) {
            NSEC3_OWNER_TYPES
        } else {
            TYPES
        };
        for qtype in types {
            for (label, apply, transport) in VARIANTS {
                corpus.push(
                    format!("{shown} {qtype} {label}"),
                    apply(query(&name, qtype)),
                    *transport,
                );
            }
        }
        for qtype in FLAG_TYPES {
            for (label, apply, transport) in FLAG_VARIANTS {
                corpus.push(
                    format!("{shown} {qtype} {label}"),
                    apply(query(&name, qtype)),
                    *transport,
                );
            }
        }
    }
    for name in EDNS_NAMES.iter().chain(LARGE_WILDCARD) {
        for qtype in LARGE_TYPES {
            for payload in PAYLOADS {
                corpus.push(
                    format!("{name} {qtype} udp DO payload {payload}"),
                    QueryBuilder::new(name, qtype).edns(*payload).dnssec_ok(),
                    Transport::Udp,
                );
            }
        }
    }
    corpus.cases
}

/// Knot and us serving example.com and example.net signed by `dnssec-signzone`; `None` (the
/// test skipped, with a line saying so) where a program is missing.
fn start_signed(dir: &std::path::Path, nsec3: bool) -> Option<(Knot, Server, Truth)> {
    if !installed("dnssec-keygen") || !installed("dnssec-signzone") {
        say("dnssec-signzone not installed: signed differential test skipped");
        return None;
    }
    let example_net =
        std::fs::read_to_string(repo().join("tests/e2e/zones/example.net.zone")).unwrap();
    let (com, _) = bind_signzone(&dir.join("com"), "example.com.", &example_zone(), nsec3);
    let (net, _) = bind_signzone(&dir.join("net"), "example.net.", &example_net, nsec3);
    let zones = [
        ("example.com.", com.as_str()),
        ("example.net.", net.as_str()),
    ];
    let knot = match Knot::start(&KnotSetup {
        zones: &zones,
        identity: super::IDENTITY,
        cookie_secret: None,
    }) {
        Ok(Some(knot)) => knot,
        Ok(None) => {
            say("knotd not installed: signed differential test skipped");
            return None;
        }
        Err(e) => panic!("knotd did not start: {e}"),
    };
    let config = format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\nidentity = \"{}\"\n\n[zones]\n\
         \"example.com.\" = \"example.com.zone\"\n\"example.net.\" = \"example.net.zone\"\n",
        super::IDENTITY
    );
    let ours = Server::start(
        &config,
        &[("example.com.zone", &com), ("example.net.zone", &net)],
    );
    let truth = Truth::transfer(knot.addr, &["example.com.", "example.net."]);
    Some((knot, ours, truth))
}

fn signed_differential(nsec3: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let Some((knot, ours, truth)) = start_signed(tmp.path(), nsec3) else {
        return;
    };
    let cases = build(&truth);
    let outcomes = exchange_all(ours.dns, knot.addr, &cases);
    let title = if nsec3 {
        "signed (NSEC3) differential test against knotd"
    } else {
        "signed (NSEC) differential test against knotd"
    };
    judge(title, &knot, &truth, &cases, &outcomes);
}

#[test]
fn differential_against_knot_signed_nsec() {
    signed_differential(false);
}

#[test]
fn differential_against_knot_signed_nsec3() {
    signed_differential(true);
}
