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
