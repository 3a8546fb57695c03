//! Serving a zone signed by `dnssec-signzone` (NSEC and NSEC3), judged by `delv` with the
//! zone's key as trust anchor: positive answers, a CNAME, wildcard answers (one through a
//! CNAME), NXDOMAIN, NODATA, wildcard NODATA, an empty non-terminal, DS at a secure cut and its
//! absence at an insecure one validate; referrals carry the DS or the proof there is none; a
//! tampered signature fails.

use std::net::SocketAddr;
use std::path::Path;

use super::{bind_signzone, installed, run, text};
use crate::support::Server;

pub(super) const ZONE: &str = "\
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.10
www AAAA 2001:db8::10
www TXT \"short\"
alias CNAME www
*.wild TXT \"from the wildcard\"
*.wild2 CNAME www
a.b.c.ent A 192.0.2.20
insecure NS ns.insecure
ns.insecure A 192.0.2.30
secure NS ns.secure
ns.secure A 192.0.2.31
secure DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
mail MX 10 www
";

/// Queries of [`ZONE`] whose answers validate.
pub(super) const POSITIVE: &[(&str, &str)] = &[
    ("www.sig.test", "A"),
    ("www.sig.test", "AAAA"),
    ("alias.sig.test", "A"),
    ("alias.sig.test", "TXT"),
    // The CNAME, then NODATA at its target: delv validates the chain and the proof.
    ("alias.sig.test", "MX"),
    ("x.wild.sig.test", "TXT"),
    ("deep.x.wild.sig.test", "TXT"),
    ("y.wild2.sig.test", "AAAA"),
    ("mail.sig.test", "MX"),
    ("sig.test", "DNSKEY"),
    ("secure.sig.test", "DS"),
];

/// Queries of [`ZONE`] whose negative answers validate.
pub(super) const NEGATIVE: &[(&str, &str)] = &[
    ("nope.sig.test", "A"),
    ("nope.deeper.sig.test", "TXT"),
    ("www.sig.test", "MX"),
    ("x.wild.sig.test", "A"),
    ("c.ent.sig.test", "A"),
    ("b.c.ent.sig.test", "TXT"),
    ("insecure.sig.test", "DS"),
];

/// The zone signed by `dnssec-signzone` with a CSK made by `dnssec-keygen` in `dir` (NSEC3
/// with RFC 9276 parameters when `nsec3`), one record a line; and the `delv` anchor file.
pub(super) fn signed(dir: &Path, nsec3: bool) -> (String, String) {
    let (zone, dnskey) = bind_signzone(dir, "sig.test.", ZONE, nsec3);
    (zone, anchor(&dnskey))
}

/// The `delv` anchor file for sig.test. from its DNSKEY line (`sig.test. IN DNSKEY ...`).
pub(super) fn anchor(dnskey: &str) -> String {
    let fields: Vec<&str> = dnskey.split_whitespace().collect();
    format!(
        "trust-anchors {{ sig.test. static-key {} {} {} \"{}\"; }};\n",
        fields[3],
        fields[4],
        fields[5],
        fields[6..].concat()
    )
}

/// `delv` with `anchor` for `name`/`qtype` at `server`: its output.
pub(super) fn delv(dir: &Path, server: SocketAddr, name: &str, qtype: &str) -> String {
    let port = server.port().to_string();
    let at = format!("@{}", server.ip());
    let output = run(
        "delv",
        &[
            "-a",
            "anchor.conf",
            "+root=sig.test",
            &at,
            "-p",
            &port,
            name,
            qtype,
        ],
        dir,
    );
    text(&output)
}

/// `dig +dnssec +norec` for `name`/`qtype` at `server`: the records of the authority section,
/// as `owner type` pairs.
pub(super) fn authority(dir: &Path, server: SocketAddr, name: &str, qtype: &str) -> Vec<String> {
    let port = server.port().to_string();
    let at = format!("@{}", server.ip());
    let output = run(
        "dig",
        &[
            &at,
            "-p",
            &port,
            "+dnssec",
            "+norec",
            "+noall",
            "+authority",
            name,
            qtype,
        ],
        dir,
    );
    text(&output)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let kind = if f.get(3) == Some(&"RRSIG") {
                format!("RRSIG {}", f.get(4)?)
            } else {
                f.get(3)?.to_string()
            };
            Some(format!("{} {kind}", f.first()?))
        })
        .collect()
}

/// Changes one character of the signature of the RRSIG covering `rtype` at `owner`.
pub(super) fn tamper(zone: &str, owner: &str, rtype: &str) -> String {
    let mut done = false;
    let lines: Vec<String> = zone
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if done || f.first() != Some(&owner) || f.get(3) != Some(&"RRSIG") {
                return line.to_string();
            }
            if f.get(4) != Some(&rtype) {
                return line.to_string();
            }
            done = true;
            let mut sig: Vec<char> = f[f.len() - 1].chars().collect();
            let at = sig.len() / 2;
            sig[at] = if sig[at] == 'A' { 'B' } else { 'A' };
            let head = f[..f.len() - 1].join(" ");
            format!("{head} {}", sig.into_iter().collect::<String>())
        })
        .collect();
    assert!(done, "no RRSIG {rtype} at {owner}");
    lines.join("\n") + "\n"
}

fn serves_signed_zone(nsec3: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (zone, anchor) = signed(dir, nsec3);
    std::fs::write(dir.join("anchor.conf"), anchor).unwrap();
    let config = "[server]\nlisten = [\"127.0.0.1:0\"]\n\n[zones]\n\"sig.test.\" = \"sig.zone\"\n";
    let server = Server::start(config, &[("sig.zone", &zone)]);
    let denial = if nsec3 { "NSEC3" } else { "NSEC" };
    let mut failures = Vec::new();
    for &(name, qtype) in POSITIVE {
        let out = delv(dir, server.dns, name, qtype);
        if !out.contains("; fully validated") {
            failures.push(format!("{denial} {name} {qtype}: {out}"));
        }
    }
    for &(name, qtype) in NEGATIVE {
        let out = delv(dir, server.dns, name, qtype);
        if !out.contains("; negative response, fully validated") {
            failures.push(format!("{denial} {name} {qtype}: {out}"));
        }
    }
    // Referrals: the DS with its signature, or the signed proof that there is none.
    let secure = authority(dir, server.dns, "x.secure.sig.test", "A");
    for wanted in [
        "secure.sig.test. NS",
        "secure.sig.test. DS",
        "secure.sig.test. RRSIG DS",
    ] {
        if !secure.iter().any(|l| l == wanted) {
            failures.push(format!(
                "{denial} secure referral lacks {wanted}: {secure:?}"
            ));
        }
    }
    let insecure = authority(dir, server.dns, "x.insecure.sig.test", "A");
    let proof = format!(" {denial}");
    let signed_proof = format!(" RRSIG {denial}");
    if !insecure.iter().any(|l| l.ends_with(&proof))
        || !insecure.iter().any(|l| l.ends_with(&signed_proof))
    {
        failures.push(format!(
            "{denial} insecure referral lacks a signed {denial}: {insecure:?}"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let broken = Server::start(
        config,
        &[("sig.zone", &tamper(&zone, "www.sig.test.", "A"))],
    );
    let out = delv(dir, broken.dns, "www.sig.test", "A");
    assert!(
        !out.contains("fully validated"),
        "{denial}: a tampered signature validated: {out}"
    );
    let out = delv(dir, broken.dns, "www.sig.test", "AAAA");
    assert!(out.contains("; fully validated"), "{denial}: {out}");
}

#[test]
fn delv_validates_a_zone_signed_with_nsec() {
    if !installed("delv") || !installed("dnssec-signzone") || !installed("dig") {
        return;
    }
    serves_signed_zone(false);
}

#[test]
fn delv_validates_a_zone_signed_with_nsec3() {
    if !installed("delv") || !installed("dnssec-signzone") || !installed("dig") {
        return;
    }
    serves_signed_zone(true);
}
