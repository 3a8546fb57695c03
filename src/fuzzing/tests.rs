//! Replays every committed seed through its target (so the corpus keeps passing without nightly
//! or libFuzzer), and runs the hostile packet generator through the packet invariants.

use std::net::SocketAddr;

use super::{TARGETS, fixture, hostile_packet, packet};
use crate::answer::Transport;

#[test]
fn every_seed_passes_its_target() {
    let corpus = fixture::repository().join("fuzz/corpus");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&corpus).expect("fuzz/corpus") {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some((_, body)) = TARGETS.iter().find(|(target, _)| *target == name) else {
            panic!("fuzz/corpus/{name} belongs to no target");
        };
        let mut seeds = 0;
        for seed in std::fs::read_dir(&dir).unwrap() {
            let path = seed.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "seed {} fails", path.display());
            seeds += 1;
        }
        assert!(seeds > 0, "no seeds for {name}");
        replayed += seeds;
    }
    for (target, _) in TARGETS {
        assert!(corpus.join(target).is_dir(), "no seeds for {target}");
    }
    assert!(replayed > 0);
}

#[test]
fn hostile_packets_keep_every_invariant() {
    let mut rng = fastrand::Rng::with_seed(53);
    let snapshot = fixture::snapshot();
    for i in 0..20_000u32 {
        let packet = hostile_packet(&mut rng);
        let transport = if i % 5 == 0 {
            Transport::Tcp
        } else {
            Transport::Udp
        };
        let source = SocketAddr::new(packet::SOURCES[i as usize % 8], 40_000);
        packet::check_query(snapshot, &packet, source, transport);
    }
}

/// Found by the zone_file target: an RRset larger than any DNS message was sent over TCP with
/// TC=1. It is SERVFAIL over TCP now (as Knot DNS does), TC=1 over UDP.
#[test]
fn an_answer_too_big_for_tcp_is_servfail() {
    use std::path::{Path, PathBuf};

    use crate::snapshot::{LoadedZone, Settings, Snapshot};
    use crate::wire::{Name, rtype};
    use crate::zone::{ParseOptions, ZoneBuilder, parse_zone_text};

    let text = std::fs::read_to_string(
        fixture::repository().join("fuzz/corpus/zone_file/rrset-over-64k.zone"),
    )
    .unwrap();
    let origin = Name::parse("fuzz.test.", None).unwrap();
    let file = Path::new("big.zone");
    let records = parse_zone_text(&text, file, &origin, &ParseOptions::default()).unwrap();
    let mut builder = ZoneBuilder::new(&origin, file);
    builder.add_records(records);
    let (mut zone, _) = builder.finish().unwrap();
    crate::authoritative::prepared::prepare(&mut zone);
    let loaded = LoadedZone {
        zone,
        file: PathBuf::from(file),
        sources: Vec::new(),
        metric_id: 0,
        signatures: None,
        unavailable: false,
        last_contact: None,
        signature_expiry: None,
    };
    let snapshot = Snapshot::new(1, Settings::default(), vec![loaded], Vec::new(), None);
    let query = super::inputs::build_query(7, b"\x03big\x04fuzz\x04test\x00", rtype::TXT, None);
    let source = SocketAddr::new(packet::SOURCES[0], 40_000);
    let tcp = packet::check_query(&snapshot, &query, source, Transport::Tcp).unwrap();
    assert_eq!((tcp.rcode, tcp.truncated), (2, false));
    let udp = packet::check_query(&snapshot, &query, source, Transport::Udp).unwrap();
    assert!(udp.truncated);
}

#[test]
fn packets_from_port_zero_and_responses_get_no_answer() {
    let snapshot = fixture::snapshot();
    let query = super::inputs::build_query(7, b"\x04mail\x04fuzz\x04test\x00", 1, None);
    let mut response = query.clone();
    response[2] |= 0x80; // QR=1
    let mut out = vec![0u8; crate::answer::MAX_MESSAGE];
    for transport in [Transport::Udp, Transport::Tcp] {
        let answer = |packet: &[u8], source: &str, out: &mut [u8]| {
            let request = crate::answer::Request {
                packet,
                source: source.parse::<SocketAddr>().unwrap(),
                transport,
            };
            crate::answer::respond(snapshot, &request, out)
        };
        assert!(answer(&query, "192.0.2.1:5353", &mut out).is_some());
        assert!(answer(&query, "192.0.2.1:0", &mut out).is_none());
        assert!(answer(&query, "[2001:db8::1]:0", &mut out).is_none());
        assert!(answer(&response, "192.0.2.1:5353", &mut out).is_none());
    }
}

/// The key_file seeds of whole pairs reach the signing invariant (the others are refused).
#[test]
fn key_file_seeds_of_whole_pairs_are_accepted() {
    let corpus = fixture::repository().join("fuzz/corpus/key_file");
    for (seed, accepted) in [
        ("bind-ecdsap256-ksk", true),
        ("bind-ed25519-zsk", true),
        ("switchyard-csk-after-ds-seen", true),
        ("bind-ecdsap384", false),
        ("bind-rsasha256-verify-only", false),
        ("halves-of-two-keys", false),
        ("not-a-zone-key", false),
    ] {
        let data = std::fs::read(corpus.join(seed)).unwrap();
        let key = super::key_file::accepted_pair(&data);
        assert_eq!(key.is_some(), accepted, "{seed}");
    }
}
