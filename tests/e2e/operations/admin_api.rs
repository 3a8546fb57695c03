//! The admin API: drains and forced states (at once, and across a restart), `/status` following
//! a real backend, the bearer token, `/healthz`.

use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use super::{Parts, eventually, start, www};
use crate::support::admin::request;

#[test]
fn drain_and_force_change_answers_at_once_and_persist_across_a_restart() {
    let server = start(
        &Parts {
            server: "state_file = \"state.json\"",
            ..Parts::default()
        },
        &[],
    );
    assert_eq!(www(&server), ["192.0.2.10"]);
    let drained = server.post("/datacenters/ams/drain", "");
    assert_eq!(drained.status, 200, "{}", drained.body);
    assert_eq!(drained.json()["changed"], true);
    assert_eq!(
        www(&server),
        ["198.51.100.10"],
        "drain applies to the next answer"
    );
    assert_eq!(server.post("/datacenters/ams/undrain", "").status, 200);
    assert_eq!(www(&server), ["192.0.2.10"]);

    let forced = server.post("/targets/192.0.2.10/force", "down");
    assert_eq!(forced.status, 200, "{}", forced.body);
    assert_eq!(www(&server), ["198.51.100.10"]);
    assert_eq!(server.post("/datacenters/iad/drain", "").status, 200);
    assert_eq!(www(&server), ["203.0.113.10"]);
    // Forcing is also accepted as a query parameter and as JSON.
    assert_eq!(
        server
            .post("/targets/203.0.113.10/force?state=up", "")
            .status,
        200
    );
    let json_body = server.post("/targets/203.0.113.10/force", r#"{"state": "auto"}"#);
    assert_eq!(json_body.status, 200, "{}", json_body.body);

    let server = server.restart();
    assert_eq!(
        www(&server),
        ["203.0.113.10"],
        "drain and force survive a restart"
    );
    let status = server.get("/status").json();
    assert_eq!(status["overrides"]["drained"], serde_json::json!(["iad"]));
    assert_eq!(status["overrides"]["forced"]["192.0.2.10"], "down");
    let iad = status["datacenters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "iad")
        .unwrap()
        .clone();
    assert_eq!(iad["drained"], true);

    assert_eq!(server.post("/targets/192.0.2.10/force", "auto").status, 200);
    assert_eq!(server.post("/datacenters/iad/undrain", "").status, 200);
    assert_eq!(www(&server), ["192.0.2.10"]);
    let state = std::fs::read_to_string(server.path("state.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["drained"], serde_json::json!([]));
    assert_eq!(state["forced"], serde_json::json!({}));

    // Mistakes are clear errors, not changes.
    assert_eq!(server.post("/datacenters/nowhere/drain", "").status, 404);
    assert_eq!(server.post("/targets/192.0.2.99/force", "down").status, 404);
    assert_eq!(server.post("/targets/not-an-ip/force", "down").status, 400);
    assert_eq!(
        server.post("/targets/192.0.2.10/force", "sideways").status,
        400
    );
    assert_eq!(server.get("/nothing").status, 404);
    let wrong_method = server.get("/reload");
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("allow"), Some("POST"));
    assert_eq!(www(&server), ["192.0.2.10"]);
}

#[test]
fn status_follows_a_backend_going_down() {
    let backend = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = backend.local_addr().unwrap().port();
    let tables = format!(
        "[checks.web]\ntype = \"tcp\"\nport = {port}\naddress = \"127.0.0.1\"\n\
         interval = \"100ms\"\ntimeout = \"100ms\"\nrise = 1\nfall = 2\n"
    );
    let server = start(
        &Parts {
            tables: &tables,
            service: "check = \"web\"",
            ..Parts::default()
        },
        &[],
    );
    let target = |status: &serde_json::Value| {
        status["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["address"] == "192.0.2.10")
            .cloned()
            .unwrap()
    };
    assert!(eventually(Duration::from_secs(5), || {
        target(&server.get("/status").json())["last_result"] == "ok"
    }));
    let up = target(&server.get("/status").json());
    assert_eq!(up["state"], "up");
    assert_eq!(up["datacenter"], "ams");
    assert_eq!(up["check"], "web");
    assert!(up["last_latency_ms"].as_f64().is_some(), "{up}");
    assert!(up["since"].as_str().unwrap().ends_with('Z'), "{up}");

    drop(backend);
    assert!(eventually(Duration::from_secs(5), || {
        target(&server.get("/status").json())["state"] == "down"
    }));
    let down = target(&server.get("/status").json());
    assert_eq!(down["last_result"], "failed");
    assert_eq!(down["last_error"], "connection refused");
    assert!(down["state_changes"].as_u64().unwrap() >= 1);
    let metrics = server.metrics();
    let labels = [
        ("address", "192.0.2.10"),
        ("datacenter", "ams"),
        ("check", "web"),
    ];
    assert_eq!(metrics.get("switchyard_target_up", &labels), Some(0.0));
    let failed = [labels.as_slice(), &[("result", "failed")]].concat();
    assert!(metrics.count("switchyard_probes_total", &failed) >= 2.0);
    // Every target probes the same (now closed) backend: once all are down, the answer fails
    // open to the first datacenter.
    assert!(eventually(Duration::from_secs(5), || {
        let status = server.get("/status").json();
        status["targets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["state"] == "down")
    }));
    assert_eq!(www(&server), ["192.0.2.10"]);
    assert!(server.log().contains("health state changed"));
}

#[test]
fn a_token_file_guards_every_change() {
    let server = start(
        &Parts {
            admin: "token_file = \"token\"",
            ..Parts::default()
        },
        &[("token", "s3cret-token\n")],
    );
    let admin = server.admin();
    for path in [
        "/reload",
        "/datacenters/ams/drain",
        "/targets/192.0.2.10/force?state=down",
    ] {
        let none = request(admin, "POST", path, &[], "");
        assert_eq!(none.status, 401, "{path}: {}", none.body);
        assert!(none.header("www-authenticate").is_some());
        let wrong = request(admin, "POST", path, &[("Authorization", "Bearer nope")], "");
        assert_eq!(wrong.status, 401, "{path}");
        let basic = request(
            admin,
            "POST",
            path,
            &[("Authorization", "Basic czNjcmV0")],
            "",
        );
        assert_eq!(basic.status, 401, "{path}");
    }
    assert_eq!(www(&server), ["192.0.2.10"], "nothing changed");
    let right = [("Authorization", "Bearer s3cret-token")];
    assert_eq!(
        request(admin, "POST", "/datacenters/ams/drain", &right, "").status,
        200
    );
    assert_eq!(www(&server), ["198.51.100.10"]);
    assert_eq!(request(admin, "POST", "/reload", &right, "").status, 200);
    // Reading needs no token.
    assert_eq!(server.get("/status").status, 200);
    assert_eq!(server.get("/metrics").status, 200);
    // A new token applies at reload.
    server.write("token", "another-token");
    assert_eq!(request(admin, "POST", "/reload", &right, "").status, 200);
    assert_eq!(request(admin, "POST", "/reload", &right, "").status, 401);
    let new = [("Authorization", "Bearer another-token")];
    assert_eq!(request(admin, "POST", "/reload", &new, "").status, 200);
}

/// An address of this machine that is not loopback, if it has one.
fn outside_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn without_a_token_changes_come_from_loopback_only() {
    let Some(outside) = outside_address() else {
        eprintln!("no non-loopback address on this machine; skipped");
        return;
    };
    let config = super::config(&Parts::default()).replace(
        "[admin]\nlisten = \"127.0.0.1:0\"",
        "[admin]\nlisten = \"0.0.0.0:0\"",
    );
    let zone = super::zone(1, "10.0.0.1");
    let server = crate::support::Server::start(&config, &[("example.net.zone", &zone)]);
    let port = server.admin().port();
    let from_outside = SocketAddr::new(outside, port);
    let refused = request(from_outside, "POST", "/datacenters/ams/drain", &[], "");
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(request(from_outside, "GET", "/status", &[], "").status, 200);
    let loopback = SocketAddr::from(([127, 0, 0, 1], port));
    assert_eq!(
        request(loopback, "POST", "/datacenters/ams/drain", &[], "").status,
        200
    );
}

#[test]
fn healthz_is_ready_once_serving() {
    let server = start(&Parts::default(), &[]);
    let health = server.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.body, "ok\n");
    let head = request(server.admin(), "HEAD", "/healthz", &[], "");
    assert_eq!(head.status, 200);
}
