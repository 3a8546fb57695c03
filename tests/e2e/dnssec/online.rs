//! Online signing by the server: the zone's first key made on first start (files mode 0600),
//! the zone served with its RRSIGs, NSEC or NSEC3 chain, DNSKEY and CDS/CDNSKEY, judged whole
//! by `ldns-verify-zone`; a bad key rejected by `check` and by a reload that keeps serving.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{installed, key_files, serve, text};
use crate::support::*;

pub const ZONE: &str = "\
$TTL 300
@ 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.1
www IN A 192.0.2.2
mail IN MX 10 www
a.b.c IN TXT \"below an empty non-terminal\"
";

/// The owners of [`ZONE`] (and their ancestors up to the apex).
const NAMES: [&str; 5] = ["", "ns1.", "www.", "mail.", "a.b.c."];

/// A configuration signing example.com. with keys in `keys/`, `denial` and `extra` keys in
/// its `dnssec` table.
pub fn config(denial: &str, extra: &str) -> String {
    config_for("example.com.", denial, extra)
}

/// The same for the zone `origin` in the file `<origin>zone`; `extra` may add TOML after the
/// `dnssec` table's keys.
pub fn config_for(origin: &str, denial: &str, extra: &str) -> String {
    format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\n[admin]\nlisten = \"127.0.0.1:0\"\n\
         [zones.\"{origin}\"]\nfile = \"{origin}zone\"\n\
         [zones.\"{origin}\".dnssec]\nkeys = \"keys\"\ndenial = \"{denial}\"\n{extra}\n"
    )
}

/// `dig` over TCP to the server: the answer section's records, one a line.
pub fn dig(server: &Server, name: &str, qtype: &str) -> String {
    dig_with(server, &["+answer"], name, qtype)
}

/// `dig +tcp +norec +noall` with `flags` (the sections to print, `+dnssec`) to the server.
fn dig_with(server: &Server, flags: &[&str], name: &str, qtype: &str) -> String {
    let output = Command::new("dig")
        .args([
            &format!("@{}", server.dns.ip()),
            "-p",
            &server.dns.port().to_string(),
            "+tcp",
            "+norec",
            "+noall",
        ])
        .args(flags)
        .args([name, qtype])
        .output()
        .expect("dig");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every record the server holds for [`NAMES`] and, under NSEC3, the NSEC3 records of those
/// names and the empty non-terminals: the zone as served, asked type by type. An NSEC3 owner
/// name is no name of the zone (RFC 5155 §7.2.8): its records are taken from the proofs in
/// NODATA answers for the names they match.
pub fn served_zone(server: &Server) -> String {
    let owners: Vec<String> = NAMES.iter().map(|n| format!("{n}example.com.")).collect();
    let mut zone = String::new();
    for owner in &owners {
        for qtype in [
            "SOA",
            "NS",
            "A",
            "MX",
            "TXT",
            "DNSKEY",
            "CDS",
            "CDNSKEY",
            "NSEC",
            "NSEC3PARAM",
            "RRSIG",
        ] {
            zone.push_str(&dig(server, owner, qtype));
        }
    }
    let mut chain: Vec<String> = Vec::new();
    for name in NAMES.iter().chain(&["b.c.", "c."]) {
        for line in nsec3_proof(server, &format!("{name}example.com.")).lines() {
            if !chain.iter().any(|l| l == line) {
                chain.push(line.to_string());
            }
        }
    }
    for line in chain {
        zone.push_str(&line);
        zone.push('\n');
    }
    zone
}

/// `dig +dnssec` over TCP for a type `name` lacks: the NSEC3 records, and their RRSIGs, of the
/// NODATA proof in the authority section, one a line.
fn nsec3_proof(server: &Server, name: &str) -> String {
    dig_with(server, &["+dnssec", "+authority"], name, "TYPE65534")
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(3) == Some(&"NSEC3") || (f.get(3) == Some(&"RRSIG") && f.get(4) == Some(&"NSEC3"))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `ldns-verify-zone` over `zone`: its output, and whether it judged the zone valid.
pub fn verify(dir: &Path, zone: &str) -> (bool, String) {
    let path = dir.join("served.zone");
    std::fs::write(&path, zone).unwrap();
    let output = Command::new("ldns-verify-zone")
        .arg(&path)
        .output()
        .unwrap();
    (output.status.success(), text(&output))
}

#[test]
fn the_first_key_is_made_and_the_served_zone_verifies() {
    if !installed("dig") || !installed("ldns-verify-zone") {
        return;
    }
    for denial in ["nsec", "nsec3"] {
        let server = Server::start(&config(denial, ""), &[("example.com.zone", ZONE)]);
        let keys = key_files(&server.path("keys"));
        assert_eq!(keys.len(), 1, "one CSK made: {keys:?}");
        for file in [keys[0].clone(), keys[0].with_extension("private")] {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
        let zone = served_zone(&server);
        assert!(zone.contains("DNSKEY\t257 3 13"), "{zone}");
        assert!(zone.contains("\tCDS\t"), "{zone}");
        let (valid, report) = verify(server.dir.path(), &zone);
        assert!(valid, "{denial}: {report}\n{zone}");
        // One signature changed: no longer valid.
        let tampered = zone.replacen("RRSIG\tA 13 3 300 ", "RRSIG\tA 13 3 299 ", 1);
        assert_ne!(tampered, zone);
        assert!(
            !verify(server.dir.path(), &tampered).0,
            "{denial}: tampered zone passes"
        );
        // A restart uses the key made, and makes no other.
        let server = server.restart();
        assert_eq!(key_files(&server.path("keys")), keys);
    }
}

#[test]
fn a_bad_key_is_refused_by_check_and_by_a_reload_that_keeps_serving() {
    let server = Server::start(&config("nsec", ""), &[("example.com.zone", ZONE)]);
    let key = key_files(&server.path("keys")).remove(0);
    let private = key.with_extension("private");
    let good = std::fs::read_to_string(&private).unwrap();
    let bad = good.replace("PrivateKey: ", "PrivateKey: !!");
    std::fs::write(&private, &bad).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .current_dir(server.dir.path())
        .args(["check", "--config", "switchyard.toml"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = text(&output);
    let name = private.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        stderr.contains(&name) && stderr.contains("PrivateKey"),
        "{stderr}"
    );
    let reload = server.post("/reload", "");
    assert_ne!(reload.status, 200, "{}", reload.body);
    assert!(reload.body.contains(&name), "{}", reload.body);
    assert_eq!(server.ask("example.com.", "DNSKEY").answers().len(), 1);
    // A key file for another algorithm than the configuration's.
    std::fs::write(&private, &good).unwrap();
    server.write(
        "switchyard.toml",
        &config("nsec", "algorithm = \"ed25519\""),
    );
    let reload = server.post("/reload", "");
    assert_ne!(reload.status, 200, "{}", reload.body);
    assert!(reload.body.contains("ED25519"), "{}", reload.body);
    assert!(eventually(Duration::from_secs(1), || {
        server.ask("www.example.com.", "A").answers().len() == 2
    }));
}

/// `delv` with the key the server made as trust anchor validates every answer of the zone
/// `dnssec-signzone` signed in `serve.rs`, now signed by the server.
fn delv_validates_online_signed(denial: &str) {
    let server = Server::start(
        &config_for("sig.test.", denial, ""),
        &[("sig.test.zone", serve::ZONE)],
    );
    let key = std::fs::read_to_string(&key_files(&server.path("keys"))[0]).unwrap();
    let dnskey = key.lines().find(|l| !l.starts_with(';')).unwrap();
    let dir = server.dir.path();
    std::fs::write(dir.join("anchor.conf"), serve::anchor(dnskey)).unwrap();
    let mut failures = Vec::new();
    for &(name, qtype) in serve::POSITIVE {
        let out = serve::delv(dir, server.dns, name, qtype);
        if !out.contains("; fully validated") {
            failures.push(format!("{denial} {name} {qtype}: {out}"));
        }
    }
    for &(name, qtype) in serve::NEGATIVE {
        let out = serve::delv(dir, server.dns, name, qtype);
        if !out.contains("; negative response, fully validated") {
            failures.push(format!("{denial} {name} {qtype}: {out}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn delv_validates_a_zone_signed_online_with_nsec() {
    if installed("delv") {
        delv_validates_online_signed("nsec");
    }
}

#[test]
fn delv_validates_a_zone_signed_online_with_nsec3() {
    if installed("delv") {
        delv_validates_online_signed("nsec3");
    }
}

/// A steered name of an online-signed zone, one datacenter per client network.
pub(super) const STEERED: &str = r#"
[datacenters.one]
[datacenters.two]
[[services]]
name = "svc.sig.test."
policy = "geo"
ttl = 30
targets = [
  { datacenter = "one", address = "192.0.2.101" },
  { datacenter = "two", address = "192.0.2.102" },
]
[services.geo]
"net:127.0.0.2/32" = ["two"]
default = ["one"]
"#;

/// `delv` from `source` with the anchor in `dir`: its output.
fn delv_from(dir: &Path, server: &Server, source: &str, name: &str, qtype: &str) -> String {
    let output = super::run(
        "delv",
        &[
            "-b",
            source,
            "-a",
            "anchor.conf",
            "+root=sig.test",
            &format!("@{}", server.dns.ip()),
            "-p",
            &server.dns.port().to_string(),
            name,
            qtype,
        ],
        dir,
    );
    text(&output)
}

#[test]
fn delv_validates_steered_answers_for_each_region() {
    if !installed("delv") {
        return;
    }
    for denial in ["nsec", "nsec3"] {
        let database = repo().join("geoip/example-city.mmdb");
        let geoip = format!("[geoip]\ndatabase = {:?}\n", database.display().to_string());
        let config = format!("{geoip}{STEERED}{}", config_for("sig.test.", denial, ""));
        let server = Server::start(&config, &[("sig.test.zone", serve::ZONE)]);
        let key = std::fs::read_to_string(&key_files(&server.path("keys"))[0]).unwrap();
        let dnskey = key.lines().find(|l| !l.starts_with(';')).unwrap();
        let dir = server.dir.path();
        std::fs::write(dir.join("anchor.conf"), serve::anchor(dnskey)).unwrap();
        for (source, address) in [("127.0.0.1", "192.0.2.101"), ("127.0.0.2", "192.0.2.102")] {
            let out = delv_from(dir, &server, source, "svc.sig.test", "A");
            assert!(
                out.contains("; fully validated"),
                "{denial} {source}: {out}"
            );
            assert!(out.contains(address), "{denial} {source}: {out}");
        }
        // No IPv6 target: NODATA, proven by the chain that lists the steered name.
        let out = delv_from(dir, &server, "127.0.0.1", "svc.sig.test", "AAAA");
        assert!(
            out.contains("; negative response, fully validated"),
            "{denial}: {out}"
        );
        let out = delv_from(dir, &server, "127.0.0.1", "svc.sig.test", "TXT");
        assert!(
            out.contains("; negative response, fully validated"),
            "{denial}: {out}"
        );
    }
}
