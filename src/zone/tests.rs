//! Zone tree lookups: exact names, empty non-terminals, wildcards (RFC 4592), zone cuts and
//! occlusion, DNAME, and the load-time checks.

use std::path::Path;

use super::tree::{Lookup, Zone};
use super::{ParseOptions, ZoneBuilder, parse_zone_text};
use crate::wire::Name;

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n\
@ SOA ns hostmaster 1 7200 1800 1209600 60\n@ NS ns\nns A 192.0.2.1\n\
a.b.c A 192.0.2.2\n*.wild A 192.0.2.3\nx.wild TXT \"x\"\n\
sub NS ns.sub\nns.sub A 192.0.2.4\ndeep.sub A 192.0.2.5\n\
mail MX 10 ns\nold DNAME new.example.net.\n";

fn zone(text: &str) -> Zone {
    let origin: Name = "example.com.".parse().unwrap();
    let records =
        parse_zone_text(text, Path::new("t.zone"), &origin, &ParseOptions::default()).unwrap();
    let mut builder = ZoneBuilder::new(&origin, Path::new("t.zone"));
    builder.add_records(records);
    builder.finish().map_err(|p| p.errors).unwrap().0
}

fn wire(name: &str) -> Vec<u8> {
    name.parse::<Name>()
        .unwrap()
        .to_lowercase()
        .as_wire()
        .to_vec()
}

fn name_of(zone: &Zone, id: u32) -> String {
    let mut out = String::new();
    crate::wire::name::write_presentation(zone.node(id).name(), &mut out).unwrap();
    out
}

#[test]
fn bytes_that_are_no_whole_name_are_not_found() {
    // The name index compares only the bytes asked for, which is exact for whole wire names;
    // the zone's entry points keep anything else away from it.
    let z = zone(ZONE);
    let name = wire("a.b.c.example.com.");
    assert!(z.find(&name).is_some());
    for cut in [2, name.len() - 1] {
        assert_eq!(z.find(&name[..cut]), None, "{:?}", &name[..cut]);
        assert_eq!(z.lookup(&name[..cut]), Lookup::NxDomain(0));
    }
    let mut longer = name.clone();
    longer.push(0);
    assert_eq!(z.find(&longer), None);
    assert_eq!(z.find(&[0xc0, 12]), None);
}

#[test]
fn exact_names_and_empty_non_terminals() {
    let z = zone(ZONE);
    assert!(matches!(
        z.lookup(&wire("a.b.c.example.com.")),
        Lookup::Found(_)
    ));
    let Lookup::Found(ent) = z.lookup(&wire("b.c.example.com.")) else {
        panic!("empty non-terminal exists")
    };
    assert!(z.node(ent).is_empty());
    assert!(matches!(
        z.lookup(&wire("c.example.com.")),
        Lookup::Found(_)
    ));
    let Lookup::NxDomain(encloser) = z.lookup(&wire("nope.b.c.example.com.")) else {
        panic!("NXDOMAIN")
    };
    assert_eq!(name_of(&z, encloser), "b.c.example.com.");
    assert_eq!(z.serial(), 1);
    assert_eq!(z.record_count(), 11);
}

#[test]
fn wildcards_apply_only_where_no_name_exists() {
    let z = zone(ZONE);
    let Lookup::Wildcard(w) = z.lookup(&wire("anything.wild.example.com.")) else {
        panic!("wildcard")
    };
    assert_eq!(name_of(&z, w), "*.wild.example.com.");
    assert!(matches!(
        z.lookup(&wire("a.b.wild.example.com.")),
        Lookup::Wildcard(_)
    ));
    assert!(matches!(
        z.lookup(&wire("x.wild.example.com.")),
        Lookup::Found(_)
    ));
    // The closest encloser is x.wild, which has no wildcard child.
    assert!(matches!(
        z.lookup(&wire("y.x.wild.example.com.")),
        Lookup::NxDomain(_)
    ));
}

#[test]
fn names_at_and_below_a_cut_are_referred() {
    let z = zone(ZONE);
    let Lookup::Found(cut) = z.lookup(&wire("sub.example.com.")) else {
        panic!("the cut itself is found")
    };
    assert!(z.node(cut).is_delegation());
    for name in [
        "ns.sub.example.com.",
        "deep.sub.example.com.",
        "nothing.deep.sub.example.com.",
    ] {
        assert_eq!(z.lookup(&wire(name)), Lookup::BelowCut(cut), "{name}");
    }
    // Glue is still found by exact lookup, and linked for the additional section.
    assert!(z.find(&wire("ns.sub.example.com.")).is_some());
    let ns = z.node(cut).rrset(crate::wire::rtype::NS).unwrap();
    assert_eq!(ns.additional().len(), 1);
}

#[test]
fn names_below_a_dname_are_redirected() {
    let z = zone(ZONE);
    assert!(matches!(
        z.lookup(&wire("host.old.example.com.")),
        Lookup::Dname(_)
    ));
    assert!(matches!(
        z.lookup(&wire("old.example.com.")),
        Lookup::Found(_)
    ));
}

#[test]
fn negative_soa_uses_the_smaller_of_ttl_and_minimum() {
    let z = zone(ZONE);
    let soa = z.negative_soa();
    assert_eq!(u32::from_be_bytes(soa[4..8].try_into().unwrap()), 60);
}

#[test]
fn load_time_checks() {
    let origin: Name = "example.com.".parse().unwrap();
    let check = |text: &str| {
        let records =
            parse_zone_text(text, Path::new("t.zone"), &origin, &ParseOptions::default()).unwrap();
        let mut builder = ZoneBuilder::new(&origin, Path::new("t.zone"));
        builder.add_records(records);
        match builder.finish() {
            Ok((_, warnings)) => (
                Vec::new(),
                warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            ),
            Err(p) => (
                p.errors.iter().map(|e| e.to_string()).collect(),
                p.warnings.iter().map(|w| w.to_string()).collect(),
            ),
        }
    };
    let base = "$ORIGIN example.com.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n";
    let (errors, _) = check(&format!("{base}www A 192.0.2.2\nwww CNAME ns\n"));
    assert_eq!(
        errors,
        vec!["t.zone:7: CNAME and other data at www.example.com."]
    );
    let (errors, _) = check(&format!("{base}x CNAME a\nx CNAME b\n"));
    assert_eq!(
        errors,
        vec!["t.zone:7: more than one CNAME at x.example.com."]
    );
    let (errors, _) = check(&format!("{base}sub SOA ns h 1 2 3 4 5\n"));
    assert_eq!(
        errors,
        vec!["t.zone:6: SOA record at sub.example.com. is not at the zone apex"]
    );
    let (errors, warnings) = check(&format!("{base}sub NS ns.sub\n"));
    assert!(errors.is_empty());
    assert_eq!(
        warnings,
        vec!["t.zone:6: missing glue for ns.sub.example.com. (NS of sub.example.com.)"]
    );
    let (_, warnings) = check(&format!("{base}t 60 TXT a\nt 30 TXT b\n"));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}
