//! Signing ahead over a snapshot of an online-signed zone with a failover service: the
//! variants of the current health are signed before any query, a failover's after the
//! health changes, and the queries that follow sign nothing inline.

use std::net::SocketAddr;

use super::{SignAhead, sign_ahead};
use crate::answer::{MAX_MESSAGE, Request, Transport, respond};
use crate::config;
use crate::dnssec::command::{KeySet, generate};
use crate::dnssec::dnskey::Role;
use crate::dnssec::sign::keys::key_policy;
use crate::health::Force;
use crate::metrics::Metrics;
use crate::snapshot::{Health, Snapshot, build};
use crate::wire::Name;
use crate::wire::rtype;

const ZONE: &str = "$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 192.0.2.1\n";

const CONFIG: &str = r#"
[datacenters.one]
[datacenters.two]
[[services]]
name = "svc.example.test."
policy = "failover"
order = ["one", "two"]
ttl = 30
targets = [
  { datacenter = "one", address = "192.0.2.101" },
  { datacenter = "one", address = "2001:db8::101" },
  { datacenter = "two", address = "192.0.2.102" },
]
[zones."example.test."]
file = "example.test.zone"
[zones."example.test.".dnssec]
keys = "keys"
"#;

/// The snapshot of [`CONFIG`] with a CSK made for it first.
fn snapshot(dir: &std::path::Path) -> Snapshot {
    std::fs::write(dir.join("example.test.zone"), ZONE).unwrap();
    let path = dir.join("switchyard.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let loaded = config::load(&path).unwrap();
    let origin = Name::parse("example.test.", None).unwrap();
    let set = KeySet::from_config(&loaded, &origin).unwrap();
    let dnssec = loaded.config.zones["example.test."]
        .dnssec
        .as_ref()
        .unwrap();
    let now = crate::dnssec::time::now();
    generate(&set, Role::Csk, &key_policy(dnssec, 300), now).unwrap();
    let health = Health::Offline { down: &[] };
    let (snapshot, _) = build(&loaded, 1, &Metrics::default(), health)
        .unwrap_or_else(|report| panic!("{:?}", report.errors));
    snapshot
}

/// `svc.example.test.` `qtype` with DO=1: the answer's A/AAAA data and how many RRSIGs.
fn ask(snapshot: &Snapshot, qtype: u16) -> (Vec<Vec<u8>>, usize) {
    let mut packet = vec![0xab, 0xcd, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
    packet.extend_from_slice(b"\x03svc\x07example\x04test\x00");
    packet.extend_from_slice(&qtype.to_be_bytes());
    packet.extend_from_slice(&[0, 1, 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0]);
    let source: SocketAddr = "192.0.2.53:4000".parse().unwrap();
    let request = Request {
        packet: &packet,
        source,
        transport: Transport::Udp,
    };
    let mut out = vec![0u8; MAX_MESSAGE];
    let summary = respond(snapshot, &request, &mut out).expect("answered");
    let message = hickory_proto::op::Message::from_vec(&out[..summary.len]).unwrap();
    let mut data = Vec::new();
    let mut rrsigs = 0;
    for record in &message.answers {
        match u16::from(record.record_type()) {
            rtype::RRSIG => rrsigs += 1,
            _ => data.push(record.data.to_string().into_bytes()),
        }
    }
    (data, rrsigs)
}

#[test]
fn a_failover_is_signed_before_its_first_query() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot(dir.path());
    let origin = Name::parse("example.test.", None).unwrap();
    let signed = snapshot.zone_signatures(&origin).unwrap();
    let variants = &signed.variants;
    let now = crate::dnssec::time::now();
    let mut ahead = SignAhead::default();
    // A from one, AAAA from one: signed before any query; a second tick has nothing to do.
    assert_eq!(ahead.tick(&snapshot, now), 2);
    assert_eq!(ahead.tick(&snapshot, now), 0);
    assert_eq!(variants.signed_ahead(), 2);
    assert_eq!(ask(&snapshot, rtype::A), (vec![b"192.0.2.101".to_vec()], 1));
    assert_eq!(ask(&snapshot, rtype::AAAA).1, 1);
    assert_eq!(variants.signed_inline(), 0);

    // One's targets go down: the tick sees the new decisions and signs two's A, and the
    // fallback-less AAAA fails open to one at the lowered TTL.
    let service = snapshot.service(0).unwrap();
    for target in &service.targets {
        if target.datacenter == 0 {
            target.health.set_forced(Force::Down);
        }
    }
    assert!(ahead.tick(&snapshot, now) >= 1);
    assert_eq!(ask(&snapshot, rtype::A), (vec![b"192.0.2.102".to_vec()], 1));
    assert_eq!(ask(&snapshot, rtype::AAAA).1, 1);
    assert_eq!(variants.signed_inline(), 0, "a query signed inline");

    // Back up: that answer was signed by the first tick and is still held.
    for target in &service.targets {
        target.health.set_forced(Force::Auto);
    }
    assert_eq!(sign_ahead(&snapshot, now), 0);
    assert_eq!(ask(&snapshot, rtype::A), (vec![b"192.0.2.101".to_vec()], 1));
    assert_eq!(variants.signed_inline(), 0);
}

#[test]
fn without_signing_ahead_the_first_query_signs_inline() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot(dir.path());
    let origin = Name::parse("example.test.", None).unwrap();
    let variants = &snapshot.zone_signatures(&origin).unwrap().variants;
    assert_eq!(ask(&snapshot, rtype::A), (vec![b"192.0.2.101".to_vec()], 1));
    assert_eq!(ask(&snapshot, rtype::A).1, 1);
    assert_eq!((variants.signed_inline(), variants.signed_ahead()), (1, 0));
}
