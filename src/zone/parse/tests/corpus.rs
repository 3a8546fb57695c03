//! The zone-file corpus in `tests/zone-types/`: every type's presentation format read by our
//! parser must give exactly the wire bytes the independent readers (Knot DNS, dnspython) gave
//! for the same file, committed as `*.wire` (tests/e2e/zone_types.rs checks those files against
//! the readers themselves); and every record of `rejected.zone` must be refused, each with an
//! error at its own line.

use std::path::{Path, PathBuf};

use crate::wire::Name;
use crate::wire::rtype::type_to_string;
use crate::zone::parse::{ParseOptions, generic_text, parse_zone_file};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/zone-types")
}

/// Our records of `file` as `OWNER TTL TYPE \# LEN HEX` lines, sorted and without duplicates
/// (the form of the `.wire` files).
fn our_lines(file: &str, origin: &str) -> Vec<String> {
    let origin: Name = origin.parse().unwrap();
    let path = corpus().join(file);
    let records = parse_zone_file(&path, &origin, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{file}: {:#?}", super::shown(&e)));
    let mut lines: Vec<String> = records
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.owner.to_string().to_ascii_lowercase(),
                r.ttl,
                type_to_string(r.rtype),
                generic_text(&r.rdata)
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

fn expected_lines(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(corpus().join(file)).unwrap();
    text.lines().map(str::to_string).collect()
}

fn same_as_committed(zone: &str, origin: &str) {
    let wire = zone.replace(".zone", ".wire");
    let ours = our_lines(zone, origin);
    let theirs = expected_lines(&wire);
    let missing: Vec<&String> = theirs.iter().filter(|l| !ours.contains(l)).collect();
    let extra: Vec<&String> = ours.iter().filter(|l| !theirs.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{zone}: records the readers made that we do not:\n{missing:#?}\nrecords we make that \
         they do not:\n{extra:#?}"
    );
}

#[test]
fn every_type_as_knot_and_dnspython_read_it() {
    same_as_committed("common.zone", "types.test.");
}

#[test]
fn forms_only_knot_reads() {
    same_as_committed("knot.zone", "knot.test.");
}

#[test]
fn types_newer_than_some_knot_releases() {
    same_as_committed("recent.zone", "recent.test.");
}

#[test]
fn zones_signed_by_dnssec_signzone() {
    same_as_committed("signed-nsec.zone", "signed.test.");
    same_as_committed("signed-nsec3.zone", "signed3.test.");
}

/// Lines of `rejected.zone` where a record starts (not blank, a comment or a directive), past
/// the zone's SOA, NS and glue.
fn record_lines(text: &str) -> Vec<u32> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with([' ', '\t', ';', '$', '@']))
        .filter(|(_, l)| !l.starts_with("ns1 "))
        .map(|(i, _)| i as u32 + 1)
        .collect()
}

#[test]
fn every_rejected_form_is_an_error_at_its_line() {
    let path = corpus().join("rejected.zone");
    let text = std::fs::read_to_string(&path).unwrap();
    let options = ParseOptions {
        max_errors: 1000,
        ..ParseOptions::default()
    };
    let origin: Name = "types.test.".parse().unwrap();
    let errors = match parse_zone_file(&path, &origin, &options) {
        Ok(records) => panic!("rejected.zone parsed: {records:#?}"),
        Err(errors) => errors,
    };
    let mut error_lines: Vec<u32> = errors.iter().map(|e| e.location.line).collect();
    error_lines.dedup();
    let records = record_lines(&text);
    assert!(records.len() > 90, "only {} records", records.len());
    let unrejected: Vec<&str> = records
        .iter()
        .filter(|l| !error_lines.contains(l))
        .map(|&l| text.lines().nth(l as usize - 1).unwrap_or_default())
        .collect();
    assert!(unrejected.is_empty(), "accepted: {unrejected:#?}");
    assert_eq!(
        error_lines,
        records,
        "one error per record: {:#?}",
        super::shown(&errors)
    );
}
