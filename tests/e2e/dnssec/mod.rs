//! DNSSEC keys and signatures against the real tools: `switchyard keys` on key directories that
//! BIND's `dnssec-keygen`, `dnssec-dsfromkey` and `dnssec-signzone` read and write, and zones
//! signed by the library (`sign.rs`) judged by `dnssec-verify`, `ldns-verify-zone` and Knot's
//! `kzonecheck`; zones signed by `dnssec-signzone` served and judged by `delv` (`serve.rs`).
//! Each part prints a SKIP line and passes where its program is missing.

mod failover;
mod interop;
mod keys;
mod online;
mod ops;
mod rollover;
mod serve;
mod sign;
mod transfer;
mod unbound;

use std::path::Path;
use std::process::{Command, Output};

/// True when `program` can be started (on PATH).
pub(crate) fn installed(program: &str) -> bool {
    let found = Command::new(program).arg("-h").output().is_ok();
    if !found {
        eprintln!(
            "SKIP: {program} is not installed (Debian: bind9-dnsutils, bind9, ldnsutils, knot)"
        );
    }
    found
}

/// `switchyard keys ARGS...`: exit code, stdout, stderr.
fn keys(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("keys")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `switchyard keys ARGS...` that must succeed: its stdout.
fn keys_ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = keys(args);
    assert_eq!(code, 0, "switchyard keys {args:?}: {stderr}");
    stdout
}

/// Runs an external program; its output.
fn run(program: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `.key` files in `dir`, sorted.
fn key_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "key"))
        .collect();
    files.sort();
    files
}

/// `zone` (without keys) of `origin` signed by `dnssec-signzone` in `dir` with a CSK that
/// `dnssec-keygen` makes there (ECDSAP256SHA256; NSEC3 with RFC 9276 parameters when
/// `nsec3`): the signed zone, one record a line, and the DNSKEY line. `dir` must hold no other
/// key. Callers check first that both programs are [`installed`].
pub(crate) fn bind_signzone(dir: &Path, origin: &str, zone: &str, nsec3: bool) -> (String, String) {
    std::fs::create_dir_all(dir).unwrap();
    let made = run(
        "dnssec-keygen",
        &["-q", "-a", "ECDSAP256SHA256", "-f", "KSK", origin],
        dir,
    );
    assert!(made.status.success(), "{}", text(&made));
    let key = std::fs::read_to_string(&key_files(dir)[0]).unwrap();
    let dnskey = key
        .lines()
        .find(|l| !l.starts_with(';'))
        .unwrap()
        .to_string();
    std::fs::write(dir.join("zone.in"), format!("{zone}\n{dnskey}\n")).unwrap();
    let mut args = vec!["-q", "-z", "-O", "full", "-o", origin, "-f", "zone.out"];
    if nsec3 {
        args.extend(["-3", "-"]);
    }
    args.push("zone.in");
    let signed = run("dnssec-signzone", &args, dir);
    assert!(signed.status.success(), "{}", text(&signed));
    (
        std::fs::read_to_string(dir.join("zone.out")).unwrap(),
        dnskey,
    )
}

/// A KSK and a ZSK (ECDSAP256SHA256) for example.com. made by `dnssec-keygen` in `dir`: their
/// `.key` files.
fn bind_keygen(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    for role in [&["-f", "KSK"][..], &[]] {
        let args = [&["-q", "-a", "ECDSAP256SHA256"][..], role, &["example.com"]].concat();
        let made = run("dnssec-keygen", &args, dir);
        assert!(made.status.success(), "{}", text(&made));
    }
    key_files(dir)
}
