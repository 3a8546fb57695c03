//! The writer against the general path: pointers, rollbacks, size limits.

use super::*;
use crate::wire::Name;

fn wire(name: &str) -> Vec<u8> {
    name.parse::<Name>().unwrap().as_wire().to_vec()
}

#[test]
fn owner_equal_to_question_becomes_a_pointer() {
    let mut buf = [0u8; 512];
    let mut w = Writer::new(&mut buf, 512);
    w.header(7, 0x8400).unwrap();
    let qname = wire("WWW.example.com.");
    w.question(&qname, 1, 1).unwrap();
    let mut rec = Vec::new();
    encode_record(&mut rec, 1, 1, 300, &[192, 0, 2, 1]);
    w.record(Section::Answer, &wire("www.example.com."), &rec)
        .unwrap();
    let len = w.finish();
    // header + question (17 + 4) + pointer (2) + 14
    assert_eq!(len, 12 + 21 + 2 + 14);
    assert_eq!(&buf[33..35], &[0xC0, 12]);
    assert_eq!(&buf[6..8], &[0, 1]);
}

#[test]
fn records_at_the_question_are_those_of_the_general_path() {
    let qname = wire("Geo.Example.com.");
    let owner = wire("geo.example.com.");
    let mut a = Vec::new();
    encode_record(&mut a, rtype::A, 1, 30, &[192, 0, 2, 1]);
    let mut cname = Vec::new();
    encode_record(&mut cname, rtype::CNAME, 1, 30, &wire("x.example.com."));
    // Every size limit from "nothing fits" to "everything fits": the same bytes, the same
    // records refused, and a compressed name written afterwards points the same way.
    for limit in 30..=120 {
        let mut general = [0u8; 512];
        let mut fast = [0u8; 512];
        let mut lens = [0usize; 2];
        for (k, buf) in [&mut general, &mut fast].into_iter().enumerate() {
            let mut w = Writer::new(buf, limit);
            w.header(1, 0x8400).unwrap();
            if w.question(&qname, rtype::A, 1).is_err() {
                continue;
            }
            assert!(w.owned_by_question(&owner));
            for _ in 0..3 {
                let _ = if k == 0 {
                    w.record(Section::Answer, &owner, &a)
                } else {
                    w.record_at_question(Section::Answer, &a)
                };
            }
            let _ = w.record(Section::Answer, &owner, &cname);
            lens[k] = w.finish();
        }
        assert_eq!(lens[0], lens[1], "limit {limit}");
        assert_eq!(general[..lens[0]], fast[..lens[1]], "limit {limit}");
    }
    let mut buf = [0u8; 512];
    let mut w = Writer::new(&mut buf, 512);
    w.header(1, 0x8400).unwrap();
    w.question(&qname, rtype::A, 1).unwrap();
    assert!(!w.owned_by_question(&wire("example.com.")));
    assert!(!w.owned_by_question(&wire("x.geo.example.com.")));
    assert!(!w.owned_by_question(&[0]));
}

#[test]
fn records_after_a_label_are_those_of_the_general_path() {
    // An NSEC3 and its RRSIG under <label>.example.com., after a question below the origin:
    // the label and a pointer to the origin in the question, as compression writes them, at
    // every size limit (all of the records or none).
    let qname = wire("Nx1.Example.com.");
    let owner = wire("0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.com.");
    let label = &owner[..33];
    let origin_at = (HEADER_LEN + qname.len() - wire("example.com.").len()) as u16;
    let mut nsec3 = Vec::new();
    encode_record(
        &mut nsec3,
        rtype::NSEC3,
        1,
        60,
        &[1, 0, 0, 0, 0, 20, 7, 7, 7],
    );
    let mut rrsig = Vec::new();
    encode_record(
        &mut rrsig,
        rtype::RRSIG,
        1,
        60,
        &[0, 50, 13, 3, 0, 0, 0, 60],
    );
    for limit in 30..=160 {
        let mut general = [0u8; 512];
        let mut fast = [0u8; 512];
        let mut ends = [(0usize, false); 2];
        for (k, buf) in [&mut general, &mut fast].into_iter().enumerate() {
            let mut w = Writer::new(buf, limit);
            w.header(1, 0x8403).unwrap();
            if w.question(&qname, rtype::A, 1).is_err() {
                continue;
            }
            let written = if k == 0 {
                w.rrsets(Section::Authority, &owner, &[&nsec3, &rrsig])
            } else {
                w.rrsets_after_label(Section::Authority, label, origin_at, &[&nsec3, &rrsig])
            };
            ends[k] = (w.finish(), written.is_ok());
        }
        assert_eq!(ends[0], ends[1], "limit {limit}");
        assert_eq!(general[..ends[0].0], fast[..ends[1].0], "limit {limit}");
    }
}

#[test]
fn question_targets_survive_a_rolled_back_record() {
    let mut buf = [0u8; 512];
    let mut w = Writer::new(&mut buf, 40);
    w.header(7, 0x8400).unwrap();
    w.question(&wire("www.Example.com."), 1, 1).unwrap();
    let mut rec = Vec::new();
    encode_record(&mut rec, 1, 1, 300, &[192, 0, 2, 1]);
    let owner = wire("www.example.com.");
    // The question's labels become targets inside this record, which is rolled back.
    assert_eq!(w.record(Section::Answer, &owner, &rec), Err(NoSpace));
    w.set_limit(512);
    w.record(Section::Answer, &owner, &rec).unwrap();
    let len = w.finish();
    assert_eq!(len, 12 + 21 + 2 + 14);
    assert_eq!(&buf[33..35], &[0xC0, 12]);
}

#[test]
fn rdata_names_compress_against_suffixes() {
    let mut buf = [0u8; 512];
    let mut w = Writer::new(&mut buf, 512);
    w.header(1, 0).unwrap();
    w.question(&wire("example.com."), 2, 1).unwrap();
    let mut rec = Vec::new();
    encode_record(&mut rec, rtype::NS, 1, 300, &wire("ns1.example.com."));
    w.record(Section::Answer, &wire("example.com."), &rec)
        .unwrap();
    let len = w.finish();
    // NS rdata: "ns1" label + pointer to example.com at 12.
    assert_eq!(&buf[len - 6..len], &[3, b'n', b's', b'1', 0xC0, 12]);
    assert_eq!(&buf[len - 8..len - 6], &[0, 6]);
    let parsed = hickory_proto::op::Message::from_vec(&buf[..len]).unwrap();
    assert_eq!(parsed.answers[0].data.to_string(), "ns1.example.com.");
}

#[test]
fn records_that_do_not_fit_roll_back_whole() {
    let mut buf = [0u8; 512];
    let mut w = Writer::new(&mut buf, 60);
    w.header(1, 0).unwrap();
    w.question(&wire("example.com."), 16, 1).unwrap();
    let mut set = Vec::new();
    encode_record(&mut set, 16, 1, 300, &[5, b'h', b'e', b'l', b'l', b'o']);
    encode_record(&mut set, 16, 1, 300, &[5, b'w', b'o', b'r', b'l', b'd']);
    let before = w.len();
    assert_eq!(
        w.rrset(Section::Answer, &wire("example.com."), &set),
        Err(NoSpace)
    );
    assert_eq!(w.len(), before);
    assert_eq!(w.count(Section::Answer), 0);
}

#[test]
fn records_below_a_known_suffix_are_those_of_the_general_path() {
    let origin = wire("example.com.");
    let record = |rtype: u16, rdata: &[u8]| {
        let mut out = Vec::new();
        encode_record(&mut out, rtype, 1, 300, rdata);
        out
    };
    let nsec = record(rtype::NSEC, &wire("zz.Example.com."));
    let mut sigs = record(rtype::RRSIG, &[7; 40]);
    sigs.extend(record(rtype::RRSIG, &[9; 30]));
    let ns = record(rtype::NS, &wire("ns1.example.com."));
    let cname = record(rtype::CNAME, &wire("x.b.example.com."));
    let owners = [
        "example.com.",
        "h1.EXAMPLE.com.",
        "*.b.example.com.",
        "a.b.example.com.",
        "x.y.z.example.com.",
        "h1.example.com.",
        "example.org.",
    ]
    .map(wire);
    let empty: &[u8] = &[];
    let sets: [[&[u8]; 2]; 3] = [[&nsec, &sigs], [&ns, &sigs], [empty, empty]];
    for qname in [
        "nx.Example.com.",
        "a.b.example.com.",
        "h1.example.com.",
        "example.com.",
    ] {
        // Every size limit from "nothing fits" to "everything fits": the same bytes, the same
        // records refused, and a compressed name written afterwards points the same way.
        for limit in (40..=700).step_by(3) {
            let (mut general, mut fast) = ([0u8; 1024], [0u8; 1024]);
            let mut lens = [0usize; 2];
            let mut results = [Vec::new(), Vec::new()];
            for (k, buf) in [&mut general, &mut fast].into_iter().enumerate() {
                let mut w = Writer::new(buf, limit);
                w.header(1, 0x8400).unwrap();
                if w.question(&wire(qname), rtype::A, 1).is_err() {
                    continue;
                }
                let suffix = w.suffix(&origin);
                for owner in &owners {
                    for set in &sets {
                        results[k].push(match (k, suffix) {
                            (1, Some(suffix)) => {
                                w.rrsets_below(Section::Authority, owner, suffix, set)
                            }
                            _ => w.rrsets(Section::Authority, owner, set),
                        });
                    }
                }
                results[k].push(w.record(Section::Additional, &owners[2], &cname));
                lens[k] = w.finish();
            }
            assert_eq!(results[0], results[1], "{qname} limit {limit}");
            assert_eq!(general[..lens[0]], fast[..lens[1]], "{qname} limit {limit}");
        }
    }
}
