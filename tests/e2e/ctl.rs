//! `switchyard ctl` against a running server: every command, tables and `--json`, and the
//! exit codes scripts rely on (0 done, 1 refused, 2 usage, 3 cannot connect, 4 unauthorized).

use std::process::Command;

use crate::operations::{Parts, start};
use crate::support::*;

const TOKEN: &str = "ctl-test-token";

/// Runs `switchyard ctl ARGS`; returns the exit code, stdout and stderr.
fn ctl(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("ctl")
        .args(args)
        .output()
        .expect("run switchyard ctl");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn server() -> Server {
    start(
        &Parts {
            admin: "token_file = \"admin.token\"",
            ..Parts::default()
        },
        &[("admin.token", TOKEN)],
    )
}

#[test]
fn ctl_reads_and_changes_the_server_with_tables_json_and_exit_codes() {
    let server = server();
    let admin = server.admin().to_string();
    let token = server.path("admin.token");
    let token = token.to_str().unwrap();
    let with = |args: &[&str]| {
        let mut all = vec!["--admin", admin.as_str(), "--token-file", token];
        all.extend_from_slice(args);
        ctl(&all)
    };

    let (code, out, err) = with(&["status"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("DATACENTER  STATE  TARGETS UP"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("ams ") && l.contains(" up ")),
        "{out}"
    );
    assert!(out.contains("192.0.2.10"), "{out}");
    let (code, out, _) = with(&["status", "--json"]);
    assert_eq!(code, 0);
    let status: serde_json::Value = serde_json::from_str(&out).expect("JSON status");
    assert_eq!(status["generation"], 1);

    let (code, out, err) = with(&["drain", "ams"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "datacenter ams drained\n"),
        "{err}"
    );
    assert_eq!(crate::operations::www(&server), ["198.51.100.10"]);
    let (code, out, _) = with(&["drain", "ams"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "datacenter ams drained (no change: it already was)\n")
    );
    let (code, out, _) = with(&["undrain", "ams"]);
    assert_eq!((code, out.as_str()), (0, "datacenter ams undrained\n"));
    let (code, out, err) = with(&["drain", "nowhere"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("unknown datacenter \"nowhere\""), "{err}");
    let (code, out, _) = with(&["--json", "drain", "nowhere"]);
    assert_eq!(code, 1);
    let refused: serde_json::Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert!(refused["error"].as_str().unwrap().contains("nowhere"));

    let (code, out, err) = with(&["force", "192.0.2.10", "down"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "target 192.0.2.10 forced down\n"),
        "{err}"
    );
    assert_eq!(crate::operations::www(&server), ["198.51.100.10"]);
    let (code, out, _) = with(&["force", "192.0.2.10", "auto"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "target 192.0.2.10 back to its probes\n")
    );
    let (code, _, err) = with(&["force", "192.0.2.99", "down"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = with(&["force", "192.0.2.10", "sideways"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("possible values: up, down, auto"), "{err}");

    let (code, out, err) = with(&["explain", "www.example.net", "A", "--client", "192.0.2.1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("branch failover: answer from ams"), "{out}");
    let (code, _, err) = with(&["explain", "www.example.net", "A", "--client", "nonsense"]);
    assert_eq!(code, 1);
    assert!(err.contains("is not an IP address"), "{err}");

    let (code, out, err) = with(&["reload"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "reloaded: generation 2\n"),
        "{err}"
    );
    server.write("example.net.zone", "this is not a zone\n");
    let (code, _, err) = with(&["reload"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("reload rejected") && err.contains("example.net.zone:1"),
        "{err}"
    );

    let (code, out, _) = with(&["events"]);
    assert_eq!(code, 0);
    for wanted in [
        "datacenter ams drained",
        "target 192.0.2.10 (ams) forced down",
        "rejected",
    ] {
        assert!(out.contains(wanted), "{wanted}: {out}");
    }
}

#[test]
fn ctl_says_clearly_when_it_is_not_allowed_or_cannot_connect() {
    let server = server();
    let admin = server.admin().to_string();
    let (code, _, err) = ctl(&["--admin", &admin, "drain", "ams"]);
    assert_eq!(code, 4, "no token: {err}");
    assert!(
        err.contains("unauthorized") && err.contains("--token-file"),
        "{err}"
    );
    let wrong = server.path("wrong.token");
    std::fs::write(&wrong, "not-the-token").unwrap();
    let (code, _, err) = ctl(&[
        "--admin",
        &admin,
        "--token-file",
        wrong.to_str().unwrap(),
        "reload",
    ]);
    assert_eq!(code, 4, "wrong token: {err}");
    assert!(err.contains("the token was refused"), "{err}");
    let (code, _, err) = ctl(&[
        "--admin",
        &admin,
        "--token-file",
        "/nonexistent/token",
        "status",
    ]);
    assert_eq!(code, 2, "{err}");
    // Reading needs no token.
    assert_eq!(ctl(&["--admin", &admin, "status"]).0, 0);

    let nobody = format!("127.0.0.1:{}", free_port());
    let (code, _, err) = ctl(&["--admin", &nobody, "status"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot connect to the admin API"), "{err}");
    // The server's own configuration says where the admin API is, but port 0 cannot be reached.
    let config = server.path("switchyard.toml");
    let (code, _, err) = ctl(&["--config", config.to_str().unwrap(), "status"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("port 0"), "{err}");
}
