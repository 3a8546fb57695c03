//! The command line: `check` reports every error with its place and exits non-zero.

use std::process::Command;

use crate::support::*;

fn check(config: &str, files: Files<'_>) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        std::fs::write(dir.path().join(path), contents).unwrap();
    }
    std::fs::write(dir.path().join("switchyard.toml"), config).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .current_dir(dir.path())
        .args(["check", "--config", "switchyard.toml"])
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn check_accepts_the_bundled_configuration() {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .current_dir(repo())
        .args(["check", "--config", "switchyard.toml"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn check_reports_every_zone_error_with_file_and_line() {
    let zone = "$ORIGIN example.com.\n$TTL 60\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n\
                www A 192.0.2.2\nwww CNAME other\nbad A 10.0.0.300\nout.example.org. A 192.0.2.3\n";
    let config = "[zones]\n\"example.com.\" = \"example.com.zone\"\n";
    let (ok, _, stderr) = check(config, &[("example.com.zone", zone)]);
    assert!(!ok);
    assert!(stderr.contains("example.com.zone:8: "), "{stderr}");
    // The parser stops at syntax errors; semantic checks are tested on a clean file.
    let zone = "$ORIGIN example.com.\n$TTL 60\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n\
                www A 192.0.2.2\nwww CNAME other\nout.example.org. A 192.0.2.3\n";
    let (ok, _, stderr) = check(config, &[("example.com.zone", zone)]);
    assert!(!ok);
    assert!(
        stderr.contains("example.com.zone:7: CNAME and other data at www.example.com."),
        "{stderr}"
    );
    assert!(
        stderr.contains("example.com.zone:8: out.example.org. is outside the origin example.com."),
        "{stderr}"
    );
}

#[test]
fn check_reports_missing_soa_ns_and_glue() {
    let zone = "$ORIGIN example.com.\n$TTL 60\nwww A 192.0.2.2\nsub NS ns.sub\n";
    let config = "[zones]\n\"example.com.\" = \"example.com.zone\"\n";
    let (ok, _, stderr) = check(config, &[("example.com.zone", zone)]);
    assert!(!ok);
    assert!(
        stderr.contains("example.com.zone: no SOA record at the zone apex example.com."),
        "{stderr}"
    );
    assert!(
        stderr.contains("example.com.zone: no NS records at the zone apex example.com."),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "example.com.zone:4: missing glue for ns.sub.example.com. (NS of sub.example.com.)"
        ),
        "{stderr}"
    );
}

#[test]
fn check_reports_config_errors_with_key_paths() {
    let config = "[server]\nlisten = [\"127.0.0.1\"]\nudp_payload = 100\n";
    let (ok, _, stderr) = check(config, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("switchyard.toml: server.listen[0]: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("switchyard.toml: server.udp_payload: must be 512 to 4096 bytes"),
        "{stderr}"
    );
    let (ok, _, stderr) = check("[server]\nlisten = 5\n", &[]);
    assert!(!ok);
    assert!(stderr.starts_with("switchyard.toml:2: "), "{stderr}");
}

#[test]
fn serve_refuses_a_broken_zone_with_its_error() {
    let config = example_config("");
    let error = Server::try_start(
        &config,
        &[("example.com.zone", "$ORIGIN example.com.\n@ 60 A 1.2.3\n")],
    )
    .err()
    .expect("must not start");
    assert!(error.contains("example.com.zone:2: "), "{error}");
}
