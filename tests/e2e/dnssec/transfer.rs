//! Signed zones through zone transfers: the AXFR of a zone signed online (steered names
//! included) and of zones signed by `dnssec-signzone` (NSEC and NSEC3) is judged whole by
//! `ldns-verify-zone`, and Knot DNS serving what it transferred from us validates under `delv`
//! with the zone's key as trust anchor.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::online::STEERED;
use super::{installed, key_files, serve, text};
use crate::support::secondary::{KnotSecondary, SecondarySetup};
use crate::support::*;

/// Serving sig.test. from `sig.test.zone` to transfers from 127.0.0.1; signed online with
/// `denial` when given, and then with the steered name of [`STEERED`] (a presigned zone
/// cannot have one: its answers could not be signed).
fn config(denial: Option<&str>) -> String {
    let zone = "[zones.\"sig.test.\"]\nfile = \"sig.test.zone\"\n\
                allow_transfer = [{ network = \"127.0.0.1\" }]\n";
    let head = "[server]\nlisten = [\"127.0.0.1:0\"]\n";
    let Some(denial) = denial else {
        return format!("{head}{zone}");
    };
    let database = repo().join("geoip/example-city.mmdb");
    format!(
        "{head}[geoip]\ndatabase = {:?}\n{STEERED}\n{zone}\
         [zones.\"sig.test.\".dnssec]\nkeys = \"keys\"\ndenial = \"{denial}\"\n",
        database.display().to_string()
    )
}

/// The zone as `dig AXFR` receives it from `server`, the SOA once.
fn axfr_text(server: &Server) -> String {
    let output = Command::new("dig")
        .args([
            &format!("@{}", server.dns.ip()),
            "-p",
            &server.dns.port().to_string(),
            "+onesoa",
            "+nocmd",
            "+nostats",
            "sig.test.",
            "AXFR",
        ])
        .output()
        .expect("dig");
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `ldns-verify-zone` over `zone` written in `dir`: whether it judged it valid, and its report.
fn verify(dir: &Path, zone: &str) -> (bool, String) {
    let path = dir.join("transferred.zone");
    std::fs::write(&path, zone).unwrap();
    let output = Command::new("ldns-verify-zone")
        .arg(&path)
        .output()
        .unwrap();
    (output.status.success(), text(&output))
}

/// Knot as our secondary for sig.test.; `None` (with a SKIP line) without knotd.
fn knot_secondary(server: &Server) -> Option<KnotSecondary> {
    let setup = SecondarySetup {
        zones: &["sig.test."],
        primary: server.dns,
        key: None,
        zone_options: "",
        port: crate::support::secondary::free_port(),
    };
    let knot = KnotSecondary::start(&setup).expect("knotd starts");
    if knot.is_none() {
        println!("SKIP: knotd is not installed");
    }
    knot
}

/// `delv` (anchor in `dir`) through Knot, which serves what it transferred from us: every
/// answer of [`serve::POSITIVE`] and [`serve::NEGATIVE`] validates; the failures otherwise.
fn delv_through(dir: &Path, knot: &KnotSecondary, what: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for (queries, wanted) in [
        (serve::POSITIVE, "; fully validated"),
        (serve::NEGATIVE, "; negative response, fully validated"),
    ] {
        for &(name, qtype) in queries {
            let out = serve::delv(dir, knot.addr, name, qtype);
            if !out.contains(wanted) {
                failures.push(format!("{what} {name} {qtype}: {out}"));
            }
        }
    }
    failures
}

/// The transfer of `server`'s sig.test. verifies, and Knot serving it validates under `delv`
/// with `anchor`.
fn check_transferred(server: &Server, anchor: &str, what: &str) {
    let dir = server.dir.path();
    let zone = axfr_text(server);
    assert!(zone.contains("RRSIG"), "{what}: {zone}");
    let (valid, report) = verify(dir, &zone);
    assert!(valid, "{what}: {report}\n{zone}");
    let Some(knot) = knot_secondary(server) else {
        return;
    };
    knot.wait_serial("sig.test.", Duration::from_secs(20), |_| true);
    std::fs::write(dir.join("anchor.conf"), anchor).unwrap();
    let failures = delv_through(dir, &knot, what);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_zone_signed_online_transfers_whole_and_validates_from_knot() {
    if !installed("dig") || !installed("ldns-verify-zone") || !installed("delv") {
        return;
    }
    for denial in ["nsec", "nsec3"] {
        let server = Server::start(&config(Some(denial)), &[("sig.test.zone", serve::ZONE)]);
        let key = std::fs::read_to_string(&key_files(&server.path("keys"))[0]).unwrap();
        let dnskey = key.lines().find(|l| !l.starts_with(';')).unwrap();
        let zone = axfr_text(&server);
        let lines: Vec<String> = zone
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let has = |start: &str| lines.iter().any(|l| l.starts_with(start));
        // The steered name's transfer default (the first datacenter) goes signed.
        assert!(has("svc.sig.test. 30 IN A 192.0.2.101"), "{zone}");
        assert!(has("svc.sig.test. 30 IN RRSIG A "), "{zone}");
        check_transferred(&server, &serve::anchor(dnskey), denial);
    }
}

#[test]
fn a_zone_signed_by_dnssec_signzone_transfers_with_its_nsec3_chain() {
    if !installed("dnssec-signzone") || !installed("ldns-verify-zone") || !installed("delv") {
        return;
    }
    for nsec3 in [false, true] {
        let signer = tempfile::tempdir().unwrap();
        let (zone, anchor) = serve::signed(signer.path(), nsec3);
        let server = Server::start(&config(None), &[("sig.test.zone", &zone)]);
        let transferred = axfr_text(&server);
        if nsec3 {
            let chain = |text: &str| {
                text.lines()
                    .filter(|l| l.split_whitespace().nth(3) == Some("NSEC3"))
                    .count()
            };
            assert!(chain(&zone) > 0);
            assert_eq!(chain(&transferred), chain(&zone), "{transferred}");
        }
        check_transferred(&server, &anchor, if nsec3 { "nsec3" } else { "nsec" });
    }
}
