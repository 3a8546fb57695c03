//! Zones signed by the library verify with BIND's `dnssec-verify`, ldns' `ldns-verify-zone` and
//! Knot's `kzonecheck`, for keys we make (CSK with NSEC, KSK+ZSK with NSEC3) and for keys
//! `dnssec-keygen` made; a signature changed by one character fails all three.

use switchyard::dnssec::keydir::{StoredKey, load_zone_keys};
use switchyard::dnssec::time::now;
use switchyard::dnssec::validity::SignatureWindow;
use switchyard::wire::Name;

use super::sign::{Denial, sign_zone};
use super::*;

/// A small zone with what a signer must get right: apex, CNAME, wildcard, empty non-terminals,
/// a secure and an insecure delegation with glue, mixed case, SRV.
pub const ZONE: &str = "$ORIGIN example.com.
$TTL 3600
@        IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@        NS     ns1
@        NS     ns2.example.net.
@        MX     10 mail
ns1      A      192.0.2.1
mail     A      192.0.2.2
mail     AAAA   2001:db8::2
www      CNAME  web
web      A      192.0.2.10
web      A      192.0.2.11
*.wild   TXT    \"wildcard\"
deep.a.b A      192.0.2.20
secure   NS     ns.secure
secure   DS     12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE74EA2F5A4A1F5E1D0A3E2F1B
ns.secure A     192.0.2.30
insecure NS     ns.insecure
ns.insecure A   192.0.2.40
Upper.CASE A    192.0.2.50
_sip._tcp SRV   0 5 5060 sip
sip      A      192.0.2.60
";

fn zone() -> Name {
    "example.com.".parse().unwrap()
}

fn window() -> SignatureWindow {
    let now = now();
    SignatureWindow {
        inception: now - 3600,
        expiration: now + 14 * 86_400,
    }
}

/// Every verifier present on the machine: its name and whether it accepted `file` in `dir`.
/// With `csk`, `dnssec-verify` is told that the zone has no ZSK (`-z`).
fn verify(dir: &Path, file: &str, csk: bool) -> Vec<(&'static str, bool, String)> {
    let mut results = Vec::new();
    let bind = if csk {
        vec!["-z", "-o", "example.com.", file]
    } else {
        vec!["-o", "example.com.", file]
    };
    let runs: [(&'static str, Vec<&str>); 3] = [
        ("dnssec-verify", bind),
        ("ldns-verify-zone", vec![file]),
        ("kzonecheck", vec!["-o", "example.com.", "-d", "on", file]),
    ];
    for (program, args) in runs {
        if installed(program) {
            let output = run(program, &args, dir);
            results.push((program, output.status.success(), text(&output)));
        }
    }
    results
}

/// Signs ZONE with `keys`, checks that every verifier accepts it, then that each rejects it
/// once one signature is changed.
fn signed_zone_verifies(keys: &[StoredKey], denial: Denial, plan_at: u64) {
    let dir = tempfile::tempdir().unwrap();
    let signed = sign_zone(ZONE, &zone(), keys, denial, plan_at, window());
    let csk = keys.iter().all(|k| k.flags == 257);
    std::fs::write(dir.path().join("signed.zone"), &signed).unwrap();
    for (program, ok, output) in verify(dir.path(), "signed.zone", csk) {
        assert!(ok, "{program} ({denial:?}) refused:\n{output}\n{signed}");
    }
    let tampered = tamper(&signed);
    std::fs::write(dir.path().join("tampered.zone"), tampered).unwrap();
    for (program, ok, output) in verify(dir.path(), "tampered.zone", csk) {
        assert!(
            !ok,
            "{program} ({denial:?}) accepted a changed signature:\n{output}"
        );
    }
}

/// ZONE's signed text with one character of web.example.com.'s A signature changed.
fn tamper(signed: &str) -> String {
    let mut lines: Vec<String> = signed.lines().map(str::to_string).collect();
    let line = lines
        .iter_mut()
        .find(|l| l.starts_with("web.example.com. ") && l.contains(" RRSIG A "))
        .expect("web.example.com. A is signed");
    let start = line.rfind(' ').unwrap() + 10;
    let old = line.as_bytes()[start];
    let new = if old == b'A' { "B" } else { "A" };
    line.replace_range(start..=start, new);
    lines.join("\n") + "\n"
}

fn load(dir: &Path) -> Vec<StoredKey> {
    load_zone_keys(dir, &zone(), None).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn zones_signed_with_our_keys_verify() {
    let dir = tempfile::tempdir().unwrap();
    let csk = dir.path().join("csk");
    let set = ["--dir", csk.to_str().unwrap(), "--zone", "example.com."];
    keys_ok(&[&["generate"][..], &set].concat());
    signed_zone_verifies(&load(&csk), Denial::Nsec, now());
    signed_zone_verifies(&load(&csk), Denial::Nsec3, now());

    // KSK + ZSK: planned after the ZSK's pre-publication, so that each signs its part.
    let split = dir.path().join("split");
    let set = [
        "--dir",
        split.to_str().unwrap(),
        "--zone",
        "example.com.",
        "--algorithm",
        "ed25519",
    ];
    keys_ok(&[&["generate", "--ksk"][..], &set].concat());
    keys_ok(&[&["generate", "--zsk"][..], &set].concat());
    let later = now() + 3 * 3600;
    let keys = load(&split);
    let plan = switchyard::dnssec::rollover::plan(
        &switchyard::dnssec::command::key_infos(&keys),
        &Default::default(),
        later,
    );
    assert_eq!(plan.zone_signers().len(), 1);
    assert_ne!(plan.zone_signers(), plan.key_signers());
    signed_zone_verifies(&keys, Denial::Nsec3, later);
    signed_zone_verifies(&keys, Denial::Nsec, later);
}

#[test]
fn zones_signed_with_dnssec_keygen_keys_verify() {
    if !installed("dnssec-keygen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let files = bind_keygen(&dir.path().join("bind"));
    let keydir = dir.path().join("keys");
    let names: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    let set = ["--dir", keydir.to_str().unwrap(), "--zone", "example.com."];
    keys_ok(&[&["import"][..], &set, &names].concat());
    signed_zone_verifies(&load(&keydir), Denial::Nsec, now());
    signed_zone_verifies(&load(&keydir), Denial::Nsec3, now());
}
