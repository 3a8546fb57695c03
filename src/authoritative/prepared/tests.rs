//! Prepared answers against the general path, byte for byte.

use std::path::Path;

use super::{Prepared, apply, find, negative, prepare, referral};
use crate::authoritative::{self, NoRecord};
use crate::config::zones::Denial;
use crate::wire::writer::Writer;
use crate::wire::{MAX_MESSAGE, Name, rtype};
use crate::zone::{NodeRef, ParseOptions, Record, Zone, ZoneBuilder, parse_zone_text};

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n\
    @ SOA ns1 hostmaster 1 7200 1800 1209600 60\n@ NS ns1\n@ NS ns2.example.net.\n\
    @ MX 10 mail\n@ TXT \"apex\"\nns1 A 192.0.2.1\nns1 AAAA 2001:db8::1\n\
    mail A 192.0.2.2\nwww CNAME web\nweb A 192.0.2.3\nweb AAAA 2001:db8::3\n\
    chain CNAME www\nout CNAME elsewhere.example.net.\nloop1 CNAME loop2\nloop2 CNAME loop1\n\
    dangling CNAME nothing\n*.wild A 192.0.2.4\n*.wild MX 5 mail\n*.wild TXT \"w\"\n\
    *.wc CNAME web\n*.wm MX 1 host.wm\nhost.wm A 192.0.2.9\n\
    _sip._tcp SRV 10 60 5060 web\nsub NS ns.sub\nsub NS ns1\nns.sub A 192.0.2.5\n\
    other NS ns.example.net.\nold DNAME new.example.net.\nsteered TXT \"s\"\n\
    many A 192.0.2.10\nmany A 192.0.2.11\nmany A 192.0.2.12\nmany A 192.0.2.13\n\
    many A 192.0.2.14\nmany A 192.0.2.15\nmany A 192.0.2.16\nmany A 192.0.2.17\n\
    a.b.c PTR web\nlong TXT \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n";

fn zone(prepared: bool) -> Zone {
    build(records(None), prepared)
}

fn origin() -> Name {
    "example.com.".parse().unwrap()
}

fn steered() -> Name {
    "steered.example.com.".parse().unwrap()
}

/// The zone's records unsigned, or signed here with `denial` (with a key made in a
/// temporary directory).
fn records(denial: Option<Denial>) -> Vec<Record> {
    let records = parse_zone_text(
        ZONE,
        Path::new("t.zone"),
        &origin(),
        &ParseOptions::default(),
    )
    .unwrap();
    match denial {
        Some(denial) => sign(records, &origin(), &steered(), denial),
        None => records,
    }
}

/// The zone of `records`, its answers prepared or not.
fn build(records: Vec<Record>, prepared: bool) -> Zone {
    let mut builder = ZoneBuilder::new(&origin(), Path::new("t.zone"));
    builder.add_records(records);
    builder.add_service(&steered(), 0);
    let mut zone = builder.finish().map_err(|p| p.errors).unwrap().0;
    crate::dnssec::denial::index(&mut zone);
    if prepared {
        prepare(&mut zone);
    }
    zone
}

fn sign(records: Vec<Record>, origin: &Name, steered: &Name, denial: Denial) -> Vec<Record> {
    let dir = tempfile::tempdir().unwrap();
    let steered = [(steered.clone(), vec![rtype::A, rtype::AAAA])];
    crate::dnssec::sign::sign_for_tests(
        records,
        origin,
        &steered,
        denial,
        dir.path(),
        1_800_000_000,
        None,
    )
    .records
}

/// The message the query path writes for one question, with a steering stand-in.
fn respond(zone: &Zone, qname: &[u8], qtype: u16, limit: usize, dnssec: bool) -> Vec<u8> {
    respond_with(zone, qname, qtype, limit, dnssec, &mut NoRecord)
}

/// A recorder that is on: the walk then takes no shortcut (no prepared answer, no plain
/// answer written from the zone's bytes), so its messages are the general path's alone.
struct GeneralPath;

impl crate::policy::Recorder for GeneralPath {
    fn enabled(&self) -> bool {
        true
    }
    fn note(&mut self, _line: String) {}
}

impl authoritative::Recorder for GeneralPath {
    fn step(&mut self, _step: authoritative::Step<'_>) {}
}

/// The message for one question, with a steering stand-in, walked with `recorder`.
fn respond_with<R: authoritative::Recorder>(
    zone: &Zone,
    qname: &[u8],
    qtype: u16,
    limit: usize,
    dnssec: bool,
    recorder: &mut R,
) -> Vec<u8> {
    let mut buf = vec![0u8; MAX_MESSAGE];
    let mut w = Writer::new(&mut buf, limit);
    w.header(0x1234, 0x8400).unwrap();
    w.question(qname, qtype, rtype::CLASS_IN).unwrap();
    let mut lower = qname.to_vec();
    lower.make_ascii_lowercase();
    let mut steer = |w: &mut Writer<'_>, _: u32, owner: &[u8], _: NodeRef<'_>, _: &mut R| {
        w.record(
            crate::wire::writer::Section::Answer,
            owner,
            &[0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 198, 51, 100, 1],
        )
        .map(|_| true)
    };
    let outcome = authoritative::answer(
        &mut w,
        zone,
        qname,
        &lower,
        qtype,
        limit < 1000,
        dnssec,
        &mut steer,
        recorder,
    );
    let len = w.finish();
    let mut out = buf[..len].to_vec();
    out.extend_from_slice(&[outcome.rcode as u8, outcome.authoritative as u8]);
    out
}

/// Mixed case, so that the question is written as asked and compared without case.
fn mixed(name: &[u8]) -> Vec<u8> {
    let mut out = name.to_vec();
    let mut upper = false;
    for byte in &mut out {
        if byte.is_ascii_lowercase() {
            if upper {
                byte.make_ascii_uppercase();
            }
            upper = !upper;
        }
    }
    out
}

#[test]
fn prepared_answers_are_byte_for_byte_those_of_the_general_path() {
    compare_with_the_general_path(zone(true), zone(false), false);
}

#[test]
fn prepared_answers_of_a_signed_zone_are_those_of_the_general_path_with_do_0_and_do_1() {
    for denial in [Denial::Nsec, Denial::Nsec3] {
        let signed = records(Some(denial));
        let (fast, slow) = (build(signed.clone(), true), build(signed, false));
        assert!(negative(&fast, true).is_some());
        assert!(super::nxdomain_at_apex(&fast).is_some());
        let name = fast.find(b"\x03web\x07example\x03com\x00").unwrap();
        assert!(super::nodata(&fast, name).is_some());
        // Plain answers are written from the zone's bytes with DO=1, prepared with DO=0.
        assert!(find(&fast, name, rtype::A, true).is_none());
        assert!(super::plain_rrset(fast.node(name), rtype::A).is_some());
        assert_eq!(
            find(&fast, name, rtype::A, false).unwrap().counts,
            [1, 0, 0]
        );
        let apex = fast.find(b"\x07example\x03com\x00").unwrap();
        assert!(find(&fast, apex, rtype::MX, true).is_some());
        compare_with_the_general_path(fast, slow, true);
    }
    let signed = records(Some(Denial::Nsec));
    let (fast, slow) = (build(signed.clone(), true), build(signed, false));
    compare_with_the_general_path(fast, slow, false);
}

/// Every name of the zone (and names below it, in mixed case) × many types × three sizes:
/// the same message with prepared answers as without.
fn compare_with_the_general_path(fast: Zone, slow: Zone, dnssec: bool) {
    assert!(negative(&fast, dnssec).is_some());
    assert!((0..fast.node_count() as u32).any(|id| fast.prepared_range(id).1 > 0));
    let types = [
        rtype::A,
        rtype::AAAA,
        rtype::MX,
        rtype::TXT,
        rtype::NS,
        rtype::SOA,
        rtype::CNAME,
        rtype::SRV,
        rtype::PTR,
        rtype::DS,
        rtype::DNAME,
        rtype::ANY,
        rtype::RRSIG,
        rtype::NSEC,
        0,
        99,
    ];
    let mut names = Vec::new();
    // The zone's names, and the NSEC3 owners: NXDOMAIN, whose proof may hold a record owned
    // by the question name itself.
    let owners = (0..fast.node_count() as u32)
        .map(|id| fast.node(id).name().to_vec())
        .chain((0..fast.nsec3_count() as u32).map(|i| fast.nsec3(i).owner.to_vec()));
    for name in owners {
        let many_labels = b"\x01a".repeat(44);
        for prefix in [
            &b""[..],
            b"\x01x",
            b"\x0bsomewhere12\x02ab",
            b"\x02ns",
            &many_labels,
        ] {
            let mut full = prefix.to_vec();
            full.extend_from_slice(&name);
            names.push(full.clone());
            names.push(mixed(&full));
        }
    }
    // A name the NSEC after ns1 covers, whose owner the SOA of the NXDOMAIN piece names too.
    names.push(b"\x03ns2\x07example\x03com\x00".to_vec());
    names.push(b"\x03NS2\x07example\x03com\x00".to_vec());
    let mut compared = 0;
    let mut used = 0;
    for name in &names {
        for &qtype in &types {
            for limit in [512, 1232, MAX_MESSAGE] {
                let a = respond(&fast, name, qtype, limit, dnssec);
                let b = respond_with(&slow, name, qtype, limit, dnssec, &mut GeneralPath);
                assert_eq!(a, b, "{name:?} type {qtype} limit {limit} DO={dnssec}");
                compared += 1;
            }
        }
    }
    for name in &names {
        let lower = name.to_ascii_lowercase();
        if let crate::zone::Lookup::Found(id) | crate::zone::Lookup::Wildcard(id) =
            fast.lookup(&lower)
            && (find(&fast, id, rtype::A, dnssec).is_some()
                || (dnssec && super::plain_rrset(fast.node(id), rtype::A).is_some()))
        {
            used += 1;
        }
    }
    assert!(compared > 1000 && used > 10, "{compared} {used}");
}

#[test]
fn steered_and_dynamic_answers_are_not_prepared() {
    let zone = zone(true);
    let steered = zone.find(b"\x07steered\x07example\x03com\x00").unwrap();
    assert!(find(&zone, steered, rtype::A, false).is_none());
    assert!(find(&zone, steered, rtype::AAAA, false).is_none());
    assert!(find(&zone, steered, rtype::TXT, false).is_some());
    let sub = zone.find(b"\x03sub\x07example\x03com\x00").unwrap();
    assert!(
        find(&zone, sub, 0, false).is_none(),
        "a referral is no positive answer"
    );
    assert!(referral(&zone, sub, false).is_some());
    let many = zone.find(b"\x04many\x07example\x03com\x00").unwrap();
    assert_eq!(
        find(&zone, many, rtype::A, false).unwrap().counts,
        [8, 0, 0]
    );
}

/// Whether the prepared answer is taken for a question: the moved-pointer and
/// further-compression cases both occur in the comparison above.
fn applies(prepared: Prepared<'_>, qname: &str) -> bool {
    let name: Name = qname.parse().unwrap();
    let mut buf = vec![0u8; 4096];
    let mut w = Writer::new(&mut buf, 4096);
    w.header(0, 0).unwrap();
    w.question(name.as_wire(), rtype::A, rtype::CLASS_IN)
        .unwrap();
    apply(&mut w, &prepared)
}

#[test]
fn prepared_answers_stand_aside_where_the_question_compresses_better() {
    let zone = zone(true);
    let negative = negative(&zone, false).unwrap();
    assert!(!negative.pointers.is_empty());
    assert!(applies(negative, "nothing.example.com."));
    assert!(applies(negative, "a.b.NOTHING.Example.com."));
    // The SOA names ns1 and hostmaster compress against such a question name.
    assert!(!applies(negative, "x.ns1.example.com."));
    assert!(!applies(negative, "x.HostMaster.example.com."));
    let sub = zone.find(b"\x03sub\x07example\x03com\x00").unwrap();
    let referral = referral(&zone, sub, false).unwrap();
    assert!(applies(referral, "www.sub.example.com."));
    assert!(!applies(referral, "ns.sub.example.com."));
    let wild = zone.find(b"\x01*\x04wild\x07example\x03com\x00").unwrap();
    let mx = find(&zone, wild, rtype::MX, false).unwrap();
    assert!(applies(mx, "x.wild.example.com."));
    assert!(applies(mx, "longer.wild.example.com."));
    let wm = zone.find(b"\x01*\x02wm\x07example\x03com\x00").unwrap();
    let mx = find(&zone, wm, rtype::MX, false).unwrap();
    assert!(applies(mx, "other.wm.example.com."));
    assert!(!applies(mx, "host.wm.example.com."));
    // Over 48 labels in all: the general path would run out of compression targets.
    let long = format!("{}nothing.example.com.", "a.".repeat(50));
    assert!(!applies(negative, &long));
}
