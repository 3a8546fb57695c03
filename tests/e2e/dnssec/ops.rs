//! What an operator of signed zones sees: `check` and reload refusing a steered name in a zone
//! signed elsewhere and a presigned zone whose signatures are expired or not yet valid (the old
//! data keeps serving); `/status` and `/metrics` showing each online-signed zone's keys, the
//! DS change waiting for the parent, the earliest signature expiration and the signature counts.

use std::process::Command;
use std::time::Duration;

use super::online::config_for;
use super::{keys_ok, text};
use crate::support::*;

/// A zone "signed elsewhere": a DNSKEY and RRSIGs in presentation form. The signatures are
/// not real (nothing verifies them at load); their validity period is what is checked.
fn presigned(expiration: &str, inception: &str) -> String {
    let rrsig = |rtype: &str, labels: u8| {
        format!(
            "RRSIG {rtype} 13 {labels} 3600 {expiration} {inception} 12345 sig.test. \
             AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
        )
    };
    format!(
        "$TTL 3600\n\
         @ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n\
         @ {}\n\
         @ NS ns1\n\
         @ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n\
         ns1 A 192.0.2.1\n\
         www A 192.0.2.10\n\
         www {}\n",
        rrsig("SOA", 2),
        rrsig("A", 3),
    )
}

/// A valid window around now (expiring within 68 years: RFC 4034 §3.1.5's serial arithmetic
/// reads times further ahead as past).
fn valid() -> String {
    presigned("20801231000000", "20200101000000")
}

const SERVICE: &str = r#"
[datacenters.one]
[[services]]
name = "svc.sig.test."
policy = "failover"
order = ["one"]
ttl = 30
targets = [{ datacenter = "one", address = "192.0.2.101" }]
"#;

const PLAIN: &str = "[server]\nlisten = [\"127.0.0.1:0\"]\n[admin]\nlisten = \"127.0.0.1:0\"\n\
                     [zones]\n\"sig.test.\" = \"sig.test.zone\"\n";

/// `switchyard check` in `dir`: success and everything it printed.
fn check(dir: &std::path::Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .current_dir(dir)
        .args(["check", "--config", "switchyard.toml"])
        .output()
        .unwrap();
    (output.status.success(), text(&output))
}

#[test]
fn a_steered_name_in_a_zone_signed_elsewhere_is_refused() {
    let server = Server::start(PLAIN, &[("sig.test.zone", &valid())]);
    let (ok, out) = check(server.dir.path());
    assert!(ok, "{out}");
    server.write("switchyard.toml", &format!("{PLAIN}{SERVICE}"));
    let (ok, out) = check(server.dir.path());
    assert!(!ok, "{out}");
    assert!(
        out.contains("services[0].name")
            && out.contains("svc.sig.test.")
            && out.contains("zone sig.test.")
            && out.contains("signed elsewhere"),
        "{out}"
    );
    let reload = server.post("/reload", "");
    assert_eq!(reload.status, 422, "{}", reload.body);
    assert!(reload.body.contains("svc.sig.test."), "{}", reload.body);
    // Still serving the zone, unsteered.
    assert_eq!(server.ask("www.sig.test.", "A").answers().len(), 1);
    assert!(server.ask("svc.sig.test.", "A").answers().is_empty());
}

#[test]
fn an_rrsig_in_a_zone_whose_soa_is_unsigned_is_data() {
    // As kzonecheck decides: no RRSIG over the SOA, no DNSSEC checks (the record-type corpus
    // carries RRSIGs with long-past dates as plain data).
    let zone = presigned("20210101000000", "20200101000000")
        .lines()
        .filter(|l| !l.contains("RRSIG SOA"))
        .collect::<Vec<_>>()
        .join("\n");
    let server = Server::start(&format!("{PLAIN}{SERVICE}"), &[("sig.test.zone", &zone)]);
    let status = server.get("/status").json();
    assert_eq!(
        status["zones"][0]["dnssec"],
        serde_json::Value::Null,
        "{status}"
    );
    assert_eq!(server.ask("svc.sig.test.", "A").answers().len(), 1);
}

#[test]
fn signatures_expired_or_not_yet_valid_are_refused_and_the_old_zone_keeps_serving() {
    let server = Server::start(PLAIN, &[("sig.test.zone", &valid())]);
    let serial = |server: &Server| server.get("/status").json()["zones"][0]["serial"].clone();
    assert_eq!(serial(&server), 1);
    for (zone, line, reason) in [
        (
            presigned("20210101000000", "20200101000000"),
            3,
            "RRSIG of sig.test. SOA expired at 20210101000000",
        ),
        (
            presigned("20801231000000", "20790101000000"),
            3,
            "RRSIG of sig.test. SOA is not valid before its inception 20790101000000",
        ),
    ] {
        server.write("sig.test.zone", &zone.replace(" 1 7200", " 2 7200"));
        let (ok, out) = check(server.dir.path());
        assert!(!ok, "{out}");
        assert!(
            out.contains(&format!("sig.test.zone:{line}: {reason}")),
            "{out}"
        );
        assert!(out.contains("RRSIG of www.sig.test. A"), "{out}");
        let reload = server.post("/reload", "");
        assert_eq!(reload.status, 422, "{}", reload.body);
        let located = format!("sig.test.zone:{line}: {reason}");
        assert!(reload.body.contains(&located), "{}", reload.body);
        assert_eq!(serial(&server), 1);
        assert_eq!(server.ask("www.sig.test.", "A").answers().len(), 1);
    }
    // Signed again: accepted, and its earliest expiration is shown.
    server.write("sig.test.zone", &valid().replace(" 1 7200", " 3 7200"));
    let reload = server.post("/reload", "");
    assert_eq!(reload.status, 200, "{}", reload.body);
    let status = server.get("/status").json();
    let dnssec = &status["zones"][0]["dnssec"];
    assert_eq!(dnssec["mode"], "presigned", "{status}");
    assert_eq!(
        dnssec["signatures_expire"]["at"],
        "2080-12-31T00:00:00.000Z"
    );
    let metrics = server.metrics();
    let expiry = metrics.get(
        "switchyard_dnssec_signature_expiry_timestamp_seconds",
        &[("zone", "sig.test.")],
    );
    assert_eq!(expiry, Some(3_502_828_800.0));
}

fn metric(server: &Server, name: &str, labels: &[(&str, &str)]) -> f64 {
    let exposition = server.metrics();
    exposition
        .get(name, labels)
        .unwrap_or_else(|| panic!("{name} {labels:?} missing"))
}

#[test]
fn status_and_metrics_show_keys_ds_change_expiry_and_signature_counts() {
    let config = format!("{SERVICE}{}", config_for("sig.test.", "nsec", ""));
    let server = Server::start(&config, &[("sig.test.zone", super::serve::ZONE)]);
    let status = server.get("/status").json();
    let dnssec = &status["zones"][0]["dnssec"];
    assert_eq!(dnssec["mode"], "online", "{status}");
    let key = &dnssec["keys"][0];
    assert_eq!(dnssec["keys"].as_array().unwrap().len(), 1, "{status}");
    assert_eq!(key["role"], "CSK", "{status}");
    assert_eq!(key["algorithm"], "ECDSAP256SHA256", "{status}");
    assert_eq!(key["state"], "active", "{status}");
    let tag = key["tag"].as_u64().unwrap().to_string();
    let ds = key["ds"].as_str().unwrap().to_string();
    let zone = [("zone", "sig.test.")];
    let key_labels = [
        ("zone", "sig.test."),
        ("tag", tag.as_str()),
        ("role", "CSK"),
        ("algorithm", "ECDSAP256SHA256"),
        ("state", "active"),
        ("ds", ds.as_str()),
    ];
    assert_eq!(metric(&server, "switchyard_dnssec_key", &key_labels), 1.0);
    // The first key's DS is not at the parent yet: its CDS is published, the change waits.
    let needed = dnssec["ds_change_needed"].as_bool().unwrap();
    assert_eq!(
        metric(&server, "switchyard_dnssec_ds_change_needed", &zone),
        f64::from(u8::from(needed))
    );
    assert!(needed, "{status}");
    assert_eq!(dnssec["ds_change"]["add"][0].to_string(), tag, "{status}");
    // `switchyard ctl status` shows the key and what waits.
    let ctl = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["ctl", "--admin", &server.admin().to_string(), "status"])
        .output()
        .unwrap();
    let out = text(&ctl);
    assert!(ctl.status.success(), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("sig.test.")
            && l.contains(&tag)
            && l.contains("CSK")
            && l.contains("active")),
        "{out}"
    );
    assert!(
        out.contains("sig.test.: mode online; DS CHANGE NEEDED"),
        "{out}"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let expiry = metric(
        &server,
        "switchyard_dnssec_signature_expiry_timestamp_seconds",
        &zone,
    );
    assert!(expiry > now + 6.0 * 86_400.0, "{expiry} vs {now}");
    let made = [("zone", "sig.test."), ("source", "made")];
    let carried = [("zone", "sig.test."), ("source", "carried")];
    let first_made = metric(&server, "switchyard_dnssec_signatures", &made);
    assert!(first_made > 10.0, "{first_made}");
    assert_eq!(
        metric(&server, "switchyard_dnssec_signatures", &carried),
        0.0
    );
    // A steered answer asked for with DO=1 is signed, then cached.
    let query = QueryBuilder::new("svc.sig.test.", "A")
        .edns(1232)
        .dnssec_ok()
        .build();
    let answer = Response::decode(&server.udp(&query).unwrap());
    assert_eq!(answer.answers().len(), 2, "A and its RRSIG");
    assert!(eventually(Duration::from_secs(3), || {
        signed_variants(&server) >= 1.0
            && metric(&server, "switchyard_dnssec_variants_cached", &zone) >= 1.0
    }));
    // A reload with nothing changed carries every signature over; counts survive it.
    let reload = server.post("/reload", "");
    assert_eq!(reload.status, 200, "{}", reload.body);
    assert_eq!(metric(&server, "switchyard_dnssec_signatures", &made), 0.0);
    assert!(metric(&server, "switchyard_dnssec_signatures", &carried) >= first_made);
    assert!(signed_variants(&server) >= 1.0);
    // The parent has the DS: confirmed, the change is no longer needed.
    let dir = server.path("keys").display().to_string();
    keys_ok(&["ds-seen", "--dir", &dir, "--zone", "sig.test."]);
    let reload = server.post("/reload", "");
    assert_eq!(reload.status, 200, "{}", reload.body);
    assert_eq!(
        metric(&server, "switchyard_dnssec_ds_change_needed", &zone),
        0.0
    );
    let status = server.get("/status").json();
    let dnssec = &status["zones"][0]["dnssec"];
    assert_eq!(dnssec["keys"][0]["ds"], "seen", "{status}");
    assert_eq!(dnssec["ds_change"], serde_json::Value::Null, "{status}");
}

/// Steered answers signed for sig.test., inline and ahead.
fn signed_variants(server: &Server) -> f64 {
    ["inline", "ahead"]
        .iter()
        .map(|how| {
            let labels = [("zone", "sig.test."), ("how", *how)];
            metric(server, "switchyard_dnssec_variants_signed_total", &labels)
        })
        .sum()
}
