use std::collections::BTreeMap;
use std::path::Path;

use super::SignedZone;
use crate::config::zones::Denial;
use crate::dnssec::command::{KeySet, key_infos};
use crate::dnssec::policy::KeyPolicy;
use crate::dnssec::rollover;
use crate::dnssec::rrsig::{RrsetHeader, Rrsig, SignScratch, verify_rrsig};
use crate::dnssec::sign::keys::{KeyAccess, prepare};
use crate::wire::{Name, rtype, type_bitmap};
use crate::zone::{ParseOptions, Record, parse_zone_text};

const NOW: u64 = 1_800_000_000;

const ZONE: &str = "\
$TTL 300
@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.1
www IN A 192.0.2.2
mail IN MX 10 www
sub IN NS ns.sub
ns.sub IN A 192.0.2.9
";

fn origin() -> Name {
    Name::parse("example.com.", None).unwrap()
}

fn records(text: &str) -> Vec<Record> {
    parse_zone_text(text, Path::new("z"), &origin(), &ParseOptions::default()).unwrap()
}

/// Signs `text` with the zone's keys in `dir` (made on first use), carrying over `previous`.
fn sign(dir: &Path, text: &str, denial: Denial, previous: Option<&SignedZone>) -> SignedZone {
    let steered = [(
        Name::parse("steer.example.com.", None).unwrap(),
        vec![rtype::A],
    )];
    let previous = previous.map(|p| &p.cache);
    super::sign_for_tests(
        records(text),
        &origin(),
        &steered,
        denial,
        dir,
        NOW,
        previous,
    )
}

type Sets = BTreeMap<(Vec<u8>, u16), (u32, Vec<Vec<u8>>)>;
type Signatures = BTreeMap<(Vec<u8>, u16), Vec<Vec<u8>>>;

/// Every RRset, and every RRSIG by (owner, covered type).
fn split(zone: &SignedZone) -> (Sets, Signatures) {
    let mut sets = Sets::new();
    let mut sigs = Signatures::new();
    for r in &zone.records {
        let owner = r.owner.to_lowercase().as_wire().to_vec();
        if r.rtype == rtype::RRSIG {
            let covered = Rrsig::parse(&r.rdata).unwrap().type_covered;
            sigs.entry((owner, covered))
                .or_default()
                .push(r.rdata.to_vec());
        } else {
            let set = sets.entry((owner, r.rtype)).or_insert((r.ttl, Vec::new()));
            set.1.push(r.rdata.to_vec());
        }
    }
    (sets, sigs)
}

fn check_signed(zone: &SignedZone) {
    let (sets, sigs) = split(zone);
    let dnskeys = &sets[&(origin().as_wire().to_vec(), rtype::DNSKEY)].1;
    let mut scratch = SignScratch::default();
    let below_cut = |owner: &[u8]| owner.ends_with(b"\x03sub\x07example\x03com\x00");
    for ((owner, t), (ttl, rdatas)) in &sets {
        let name = Name::from_wire(owner).unwrap();
        let delegation = below_cut(owner) && !(*t == rtype::NSEC || *t == rtype::DS);
        let Some(signatures) = sigs.get(&(owner.clone(), *t)) else {
            assert!(delegation, "{name} {t} is not signed");
            continue;
        };
        assert!(!delegation, "{name} {t} is signed below a cut");
        let header = RrsetHeader {
            owner: &name,
            class: rtype::CLASS_IN,
            rtype: *t,
            ttl: *ttl,
        };
        for rrsig in signatures {
            let rdatas = rdatas.iter().map(Vec::as_slice);
            let keys = dnskeys.iter().map(Vec::as_slice);
            verify_rrsig(rrsig, &header, rdatas, keys, NOW, &mut scratch).unwrap();
        }
    }
}

#[test]
fn every_rrset_is_signed_and_the_chain_holds_the_steered_name() {
    let dir = tempfile::tempdir().unwrap();
    for denial in [Denial::Nsec, Denial::Nsec3] {
        let zone = sign(dir.path(), ZONE, denial, None);
        check_signed(&zone);
        let (sets, _) = split(&zone);
        if denial == Denial::Nsec {
            let steer = Name::parse("steer.example.com.", None).unwrap();
            let nsec = &sets[&(steer.as_wire().to_vec(), rtype::NSEC)].1[0];
            let bitmap = &nsec[crate::wire::name::wire_name_len(nsec).unwrap()..];
            assert!(type_bitmap::contains(bitmap, rtype::A));
            assert!(!type_bitmap::contains(bitmap, rtype::AAAA));
            // No RRSIG over the steered A: its answers are signed as variants.
            let (_, sigs) = split(&zone);
            assert!(!sigs.contains_key(&(steer.as_wire().to_vec(), rtype::A)));
        } else {
            assert!(sets.keys().any(|(_, t)| *t == rtype::NSEC3PARAM));
            assert!(sets.keys().all(|(_, t)| *t != rtype::NSEC));
        }
    }
}

#[test]
fn a_reload_signs_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let first = sign(dir.path(), ZONE, Denial::Nsec, None);
    assert_eq!(first.carried, 0);
    let again = sign(dir.path(), ZONE, Denial::Nsec, Some(&first));
    assert_eq!((again.made, again.carried), (0, first.made));
    let changed = ZONE.replace("www IN A 192.0.2.2", "www IN A 192.0.2.3");
    let after = sign(dir.path(), &changed, Denial::Nsec, Some(&again));
    assert_eq!(after.made, 1, "only www A is signed again");
    check_signed(&after);
}

#[test]
fn the_first_key_is_made_once_and_planned_as_a_csk() {
    let dir = tempfile::tempdir().unwrap();
    let set = KeySet {
        dir: dir.path().join("keys"),
        zone: origin(),
        algorithm: None,
    };
    let policy = KeyPolicy::default();
    assert!(
        prepare(&set, &policy, NOW, KeyAccess::ReadOnly)
            .unwrap()
            .is_none()
    );
    let made = prepare(&set, &policy, NOW, KeyAccess::Apply)
        .unwrap()
        .unwrap();
    assert_eq!(made.keys.len(), 1);
    assert_eq!(made.done.len(), 1, "{:?}", made.done);
    let again = prepare(&set, &policy, NOW, KeyAccess::Apply)
        .unwrap()
        .unwrap();
    assert_eq!(again.keys.len(), 1);
    assert!(again.done.is_empty());
    let plan = rollover::plan(&key_infos(&again.keys), &policy, NOW);
    assert_eq!(plan.zone_signers(), plan.key_signers());
}
