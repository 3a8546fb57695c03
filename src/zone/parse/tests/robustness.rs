//! No panic on any input, and text from `rdata_to_text` always parses back to the same bytes.
//! Deterministic random mutations (a cheap stand-in between fuzzing runs).

use std::path::Path;

use super::knot::ZONE;
use super::origin;
use crate::wire::rtype::*;
use crate::zone::parse::rdata::layout;
use crate::zone::parse::{ParseOptions, parse_rdata_text, parse_zone_text, rdata_to_text};

const ALPHABET: &[u8] = b"\\\"();$@{},=.-/#*\n\t 0123456789abcdefxyzINATXSOHPw";

fn mutate(rng: &mut fastrand::Rng, seed: &[u8]) -> Vec<u8> {
    let mut text = seed.to_vec();
    for _ in 0..rng.usize(1..8) {
        let at = rng.usize(..=text.len());
        match rng.u8(..4) {
            0 => text.insert(at, ALPHABET[rng.usize(..ALPHABET.len())]),
            1 if at < text.len() => {
                let end = (at + rng.usize(1..20)).min(text.len());
                text.drain(at..end);
            }
            2 if at < text.len() => {
                let end = (at + rng.usize(1..40)).min(text.len());
                let copy = text[at..end].to_vec();
                let to = rng.usize(..=text.len());
                text.splice(to..to, copy);
            }
            _ => text.insert(at, rng.u8(..)),
        }
    }
    text
}

/// The sample zone of `knot.rs` and the corpus of every type's presentation format.
fn seed_text() -> String {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zone-types");
    let mut text = ZONE.to_string();
    for file in [
        "common.zone",
        "knot.zone",
        "recent.zone",
        "signed-nsec3.zone",
    ] {
        text.push_str(&std::fs::read_to_string(corpus.join(file)).unwrap());
    }
    text.replace("$ORIGIN ", "; $ORIGIN ")
}

#[test]
fn mutated_zones_never_panic() {
    let mut rng = fastrand::Rng::with_seed(1035);
    let seed = format!(
        "{}$GENERATE 1-4/2 g${{1,3,x}} A 192.0.2.$\n$INCLUDE /nonexistent\n",
        seed_text()
    );
    let options = ParseOptions {
        max_generate: 64,
        ..ParseOptions::default()
    };
    for _ in 0..3000 {
        let text = mutate(&mut rng, seed.as_bytes());
        let text = String::from_utf8_lossy(&text);
        let _ = parse_zone_text(&text, Path::new("fuzz.zone"), &origin(), &options);
    }
}

const TYPES: &[u16] = &[
    A, AAAA, NS, CNAME, DNAME, PTR, SOA, MX, TXT, SPF, SRV, CAA, NAPTR, HINFO, URI, LOC, SSHFP,
    TLSA, SMIMEA, DS, CDS, DNSKEY, CDNSKEY, OPENPGPKEY, SVCB, HTTPS, MINFO, RP, AFSDB, RT, KEY, KX,
    CERT, APL, IPSECKEY, RRSIG, NSEC, DHCID, NSEC3, NSEC3PARAM, CSYNC, ZONEMD, DSYNC, NID, L32,
    L64, LP, EUI48, EUI64, RESINFO, WALLET, 65280,
];

#[test]
fn wire_to_text_round_trips() {
    let mut rng = fastrand::Rng::with_seed(3597);
    // Valid rdata of every type, from the sample zone, then mutated.
    let records = parse_zone_text(
        &seed_text(),
        Path::new("z"),
        &origin(),
        &ParseOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{:#?}", super::shown(&e)));
    let mut checked = 0;
    for i in 0..40_000 {
        let (rtype, wire) = if i % 4 == 0 {
            let len = rng.usize(..24);
            (
                TYPES[rng.usize(..TYPES.len())],
                (0..len).map(|_| rng.u8(..)).collect::<Vec<u8>>(),
            )
        } else {
            let record = &records[rng.usize(..records.len())];
            let mut wire = record.rdata.to_vec();
            for _ in 0..rng.usize(0..3) {
                if !wire.is_empty() {
                    let at = rng.usize(..wire.len());
                    match rng.u8(..3) {
                        0 => wire[at] = rng.u8(..),
                        1 => {
                            wire.remove(at);
                        }
                        _ => wire.insert(at, rng.u8(..)),
                    }
                }
            }
            (record.rtype, wire)
        };
        let text = rdata_to_text(rtype, &wire);
        let back = parse_rdata_text(rtype, &text, &origin());
        if layout::of(rtype).is_some() && text.starts_with("\\#") {
            // Bytes that do not decode as their type are refused in \# form too.
            assert!(back.is_err(), "{} {text}", type_to_string(rtype));
            continue;
        }
        let back = back.unwrap_or_else(|e| panic!("{} {text}: {e}", type_to_string(rtype)));
        assert_eq!(back, wire, "{} {text}", type_to_string(rtype));
        checked += 1;
    }
    assert!(checked > 10_000, "only {checked} decoded");
}

#[test]
fn mutated_rdata_never_panics() {
    let mut rng = fastrand::Rng::with_seed(9460);
    let seed = seed_text();
    let samples: Vec<&str> = seed
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(_, r)| r)
        .collect();
    for _ in 0..20_000 {
        let sample = samples[rng.usize(..samples.len())];
        let text = mutate(&mut rng, sample.as_bytes());
        let text = String::from_utf8_lossy(&text);
        let rtype = TYPES[rng.usize(..TYPES.len())];
        let _ = parse_rdata_text(rtype, &text, &origin());
    }
}
