//! The zone-file corpus in `tests/zone-types/` against independent readers:
//!
//! - Knot DNS (`knotd`, `kdig`): serves each corpus zone; its AXFR must hold exactly the bytes
//!   committed in the zone's `.wire` file, and for every name and type in it, Switchyard
//!   serving the same file must answer what Knot DNS answers (all sections, wire bytes as
//!   `kdig +generic` prints them);
//! - dnspython: reads each zone it supports into the committed bytes;
//! - `kzonecheck`: refuses every record of `rejected.zone` not marked `stricter:`.
//!
//! Each part prints a SKIP line and passes where its program is missing.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use switchyard::wire::rtype::{NS, type_from_str, type_to_string};

use crate::support::knot::{Knot, KnotSetup, TRANSFER_SOURCE, knotd_path};
use crate::support::{Server, repo};

/// Corpus zones: (file, origin, read by dnspython).
const ZONES: &[(&str, &str, bool)] = &[
    ("common.zone", "types.test.", true),
    ("knot.zone", "knot.test.", false),
    ("recent.zone", "recent.test.", true),
    ("signed-nsec.zone", "signed.test.", true),
    ("signed-nsec3.zone", "signed3.test.", true),
];

fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn corpus() -> PathBuf {
    repo().join("tests/zone-types")
}

fn read(file: &str) -> String {
    std::fs::read_to_string(corpus().join(file)).unwrap()
}

/// True when `program` runs (`--version` exits successfully).
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The committed lines `OWNER TTL TYPE \# LEN HEX` of a zone.
fn committed(zone: &str) -> BTreeSet<String> {
    read(&zone.replace(".zone", ".wire"))
        .lines()
        .map(str::to_string)
        .collect()
}

/// `OWNER TTL TYPE HEX` (type as a number or `TYPEnnn`, hex possibly split) as a committed line.
fn line(owner: &str, ttl: &str, rtype: &str, hex: &str) -> Option<String> {
    let code = type_from_str(rtype).or_else(|| rtype.parse().ok())?;
    let hex = hex.to_ascii_uppercase();
    let mut text = format!(
        "{} {ttl} {} \\# {}",
        owner.to_ascii_lowercase(),
        type_to_string(code),
        hex.len() / 2
    );
    if !hex.is_empty() {
        let _ = write!(text, " {hex}");
    }
    Some(text)
}

/// Records in `kdig +generic` output as committed lines (`owner ttl IN TYPEn \# len hex...`).
fn kdig_lines(output: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter(|l| !l.starts_with(';'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let hex: String = f.get(6..).unwrap_or_default().concat();
            line(f.first()?, f.get(1)?, f.get(3)?, &hex)
        })
        .collect()
}

/// The records `kdig +generic` prints for a query over TCP to `server` (`args`: sections,
/// options, name and type), in committed form.
fn kdig(server: SocketAddr, args: &[&str]) -> BTreeSet<String> {
    let out = Command::new("kdig")
        .args(["@127.0.0.1", "-p", &server.port().to_string()])
        .args(["+tcp", "+noall", "+generic"])
        .args(args)
        .output()
        .expect("kdig");
    kdig_lines(&String::from_utf8_lossy(&out.stdout))
}

/// Every section of the answer to `name type` from `server`, in committed form.
fn ask(server: SocketAddr, name: &str, code: u16) -> BTreeSet<String> {
    let qtype = format!("TYPE{code}");
    kdig(
        server,
        &["+answer", "+authority", "+additional", name, &qtype],
    )
}

/// Knot DNS reads `recent.zone` only from the release that knows its types; any other error
/// in it is a fault of the corpus.
fn knot_knows_recent_types() -> bool {
    let out = Command::new("kzonecheck")
        .args(["-v", "-o", "recent.test."])
        .arg(corpus().join("recent.zone"))
        .output()
        .expect("kzonecheck runs");
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || text.contains("unsupported record type"),
        "kzonecheck refuses recent.zone: {text}"
    );
    out.status.success()
}

#[test]
fn knot_serves_the_corpus_as_committed_and_so_do_we() {
    if knotd_path().is_none() || !installed("kdig") || !installed("kzonecheck") {
        say(
            "SKIP zone_types: knotd, kdig or kzonecheck not installed (Debian: knot, knot-dnsutils)",
        );
        return;
    }
    let zones: Vec<(&str, &str)> = ZONES
        .iter()
        .filter(|(file, _, _)| *file != "recent.zone" || knot_knows_recent_types())
        .map(|&(file, origin, _)| (file, origin))
        .collect();
    if zones.len() < ZONES.len() {
        say(
            "SKIP zone_types: this Knot DNS does not know DSYNC/RESINFO/WALLET; recent.zone is checked by dnspython only",
        );
    }
    let texts: Vec<(&str, String)> = zones.iter().map(|(f, o)| (*o, read(f))).collect();
    let setup: Vec<(&str, &str)> = texts.iter().map(|(o, t)| (*o, t.as_str())).collect();
    let knot = Knot::start(&KnotSetup {
        zones: &setup,
        identity: "ns1.types.test",
        cookie_secret: None,
    })
    .expect("knotd starts")
    .expect("knotd installed");
    let mut config = String::from("[server]\nlisten = [\"127.0.0.1:0\"]\n\n[zones]\n");
    for (file, origin) in &zones {
        let _ = writeln!(config, "\"{origin}\" = \"{file}\"");
    }
    let files: Vec<(&str, &str)> = zones
        .iter()
        .zip(&texts)
        .map(|((file, _), (_, text))| (*file, text.as_str()))
        .collect();
    let ours = Server::start(&config, &files);
    let mut failures = Vec::new();
    for (file, origin) in &zones {
        let expected = committed(file);
        let theirs = kdig(
            knot.addr,
            &["-b", TRANSFER_SOURCE, "+answer", origin, "AXFR"],
        );
        if theirs != expected {
            failures.push(format!(
                "{file}: Knot DNS's AXFR differs from the committed bytes:\n  only Knot: {:#?}\n  only committed: {:#?}",
                theirs.difference(&expected).collect::<Vec<_>>(),
                expected.difference(&theirs).collect::<Vec<_>>()
            ));
        }
        failures.extend(compare_answers(file, &expected, knot.addr, ours.dns));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Queries whose answer from Switchyard differs from the zone file's records for a reason
/// outside the zone-file reader: the answer path and the zone tree learn DNSSEC's rules with
/// the DNSSEC work. Each entry must still differ, so the list shrinks as that work lands.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

/// For each name and type of `expected`, Switchyard's answer must equal Knot DNS's; for qtypes
/// RRSIG and NSEC3, whose answers Knot DNS shapes by its DNSSEC rules (one type's signatures;
/// NSEC3 records kept out of the name tree), our answer must hold exactly the committed records
/// of that name and type, except at a delegation, where both servers refer, and at an owner
/// of a zone's NSEC3 chain, which both answer NXDOMAIN (RFC 5155 §7.2.8).
fn compare_answers(
    file: &str,
    expected: &BTreeSet<String>,
    knot: SocketAddr,
    ours: SocketAddr,
) -> Vec<String> {
    let records_of = |lines: &BTreeSet<String>, owner: &str, code: u16| -> BTreeSet<String> {
        let prefix = format!("{owner} ");
        let kind = format!(" {} \\# ", type_to_string(code));
        lines
            .iter()
            .filter(|l| l.starts_with(&prefix) && l.contains(&kind))
            .cloned()
            .collect()
    };
    let questions: BTreeSet<(String, u16)> = expected
        .iter()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            Some((f.first()?.to_string(), type_from_str(f.get(2)?)?))
        })
        .collect();
    // With an NSEC3PARAM the NSEC3 records form the zone's chain, whose owner names are no
    // names of the zone (RFC 5155 §7.2.8): both servers answer NXDOMAIN there.
    let apex = expected
        .iter()
        .find(|l| l.contains(" SOA "))
        .and_then(|l| l.split(' ').next());
    let chained = expected.iter().any(|l| {
        l.contains(" NSEC3PARAM ") && apex.is_some_and(|apex| l.starts_with(&format!("{apex} ")))
    });
    let mut failures = Vec::new();
    for (owner, code) in &questions {
        let name = type_to_string(*code);
        let mine = ask(ours, owner, *code);
        let delegation = !expected
            .iter()
            .any(|l| l.starts_with(&format!("{owner} ")) && l.contains(" SOA "))
            && !records_of(expected, owner, NS).is_empty();
        let chained_nsec3_owner = chained
            && expected
                .iter()
                .any(|l| l.starts_with(&format!("{owner} ")) && l.contains(" NSEC3 "));
        let (theirs, mine, reader) =
            if matches!(name.as_str(), "RRSIG" | "NSEC3") && !delegation && !chained_nsec3_owner {
                (
                    records_of(expected, owner, *code),
                    records_of(&mine, owner, *code),
                    "the committed bytes hold",
                )
            } else {
                (ask(knot, owner, *code), mine, "Knot DNS answers")
            };
        let known = KNOWN_DIFFERENCES
            .iter()
            .any(|(o, t, _)| *o == owner.as_str() && *t == name.as_str());
        match (theirs == mine, known) {
            (true, false) | (false, true) => {}
            (false, false) => failures.push(format!(
                "{file}: {owner} {name}: {reader} {theirs:#?}, Switchyard {mine:#?}"
            )),
            (true, true) => failures.push(format!(
                "{file}: {owner} {name} is now answered as {reader}: remove it from \
                 KNOWN_DIFFERENCES"
            )),
        }
    }
    failures
}

#[test]
fn dnspython_reads_the_corpus_as_committed() {
    let script = corpus().join("read_with_dnspython.py");
    let probe = Command::new("python3")
        .args(["-c", "import dns.zone"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        say("SKIP zone_types: python3 with dnspython not installed (Debian: python3-dnspython)");
        return;
    }
    for &(file, origin, _) in ZONES.iter().filter(|z| z.2) {
        let out = Command::new("python3")
            .arg(&script)
            .arg(corpus().join(file))
            .arg(origin)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if file == "recent.zone" && stderr.contains("type is unknown") {
            say(
                "SKIP zone_types: this dnspython does not know DSYNC/RESINFO/WALLET (newer releases do)",
            );
            continue;
        }
        assert!(out.status.success(), "dnspython: {file}: {stderr}");
        let theirs: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                line(f.first()?, f.get(1)?, f.get(2)?, f.get(3).unwrap_or(&""))
            })
            .collect();
        assert_eq!(
            theirs,
            committed(file),
            "dnspython reads {file} differently"
        );
    }
}

/// The records of `rejected.zone`: (line, text with continuation lines).
fn rejected_records(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.is_empty() || l.starts_with([' ', '\t', ';', '$', '@']) || l.starts_with("ns1 ") {
            continue;
        }
        let mut record = l.to_string();
        for next in lines.iter().skip(i + 1) {
            if !next.starts_with([' ', '\t']) {
                break;
            }
            record.push('\n');
            record.push_str(next);
        }
        records.push((i + 1, record));
    }
    records
}

#[test]
fn knot_rejects_what_we_reject_unless_marked_stricter() {
    if !installed("kzonecheck") {
        say("SKIP zone_types: kzonecheck not installed (Debian: knot)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let head = "$ORIGIN types.test.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n\
                @ NS ns1\nns1 A 192.0.2.53\n";
    let mut accepted = Vec::new();
    let records = rejected_records(&read("rejected.zone"));
    assert!(records.len() > 90);
    for (line, record) in records.iter().filter(|(_, r)| !r.contains("; stricter:")) {
        let path: &Path = &dir.path().join(format!("line{line}.zone"));
        std::fs::write(path, format!("{head}{record}\n")).unwrap();
        let out = Command::new("kzonecheck")
            .args(["-o", "types.test."])
            .arg(path)
            .output()
            .unwrap();
        if out.status.success() {
            accepted.push(format!("rejected.zone:{line}: {record}"));
        }
    }
    assert!(
        accepted.is_empty(),
        "Knot DNS accepts these (mark them `stricter:` with the reason, or accept them too): {accepted:#?}"
    );
}
