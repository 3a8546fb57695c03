//! What the console stands on, over real HTTP: the page and its headers, the read-only views
//! (`/events`, `/explain`, `/map`) and their errors, and mutations refused when a browser makes
//! them for another site while plain clients (curl) keep working.

use super::{Parts, start};
use crate::support::admin::request;

#[test]
fn the_console_is_served_with_a_strict_policy_and_views_are_read_only() {
    let server = start(&Parts::default(), &[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<title>Switchyard console</title>"));
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("default-src 'self'") && policy.contains("script-src 'self'"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    let script = server.get("/console/main.js");
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(server.get("/console/nothing.js").status, 404);
    assert_eq!(
        server.get("/status").header("x-content-type-options"),
        Some("nosniff")
    );
    assert_eq!(server.post("/map", "").status, 405, "views are GET only");

    let explained = server.get("/explain?name=www.example.net&type=A&client=192.0.2.1%2F24");
    assert_eq!(explained.status, 200, "{}", explained.body);
    let lines = explained.json()["lines"].as_array().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l == "branch failover: answer from ams"),
        "{lines:?}"
    );
    for (query, error) in [
        ("type=A&client=192.0.2.1", "name is required"),
        (
            "name=www.example.net&type=BOGUS&client=192.0.2.1",
            "unknown type",
        ),
        ("name=www.example.net", "client is required"),
        ("name=www.example.net&client=192.0.2.1/99", "prefix length"),
    ] {
        let refused = server.get(&format!("/explain?{query}"));
        assert_eq!(refused.status, 400, "{query}");
        assert!(
            refused.json()["error"].as_str().unwrap().contains(error),
            "{}",
            refused.body
        );
    }

    let map = server.get("/map").json();
    assert_eq!(map["service"], "www.example.net.");
    assert_eq!(map["countries"]["NL"]["datacenter"], "ams");
    assert_eq!(map["countries"]["NL"]["reason"], "failover");
    assert_eq!(server.post("/datacenters/ams/drain", "").status, 200);
    let map = server.get("/map?service=WWW.example.net&country=NL").json();
    assert_eq!(map["countries"]["NL"]["datacenter"], "iad");
    assert_eq!(map["countries"]["NL"]["first_choice"], "ams");
    let trace = map["trace"].as_array().unwrap();
    assert!(
        trace
            .iter()
            .any(|l| l == "datacenter ams: drained, skipped"),
        "{trace:?}"
    );
    assert_eq!(server.get("/map?service=nothing.example.").status, 404);
    assert_eq!(server.get("/map?type=MX").status, 400);

    let events = server.get("/events").json();
    let latest = events["latest"].as_u64().unwrap();
    assert_eq!(events["events"][0]["kind"], "drain");
    assert_eq!(events["events"][0]["subject"], "ams");
    assert_eq!(
        server.get(&format!("/events?after={latest}")).json()["events"],
        serde_json::json!([])
    );
    assert_eq!(server.get("/events?after=x").status, 400);
}

#[test]
fn mutations_from_another_site_are_refused_and_plain_clients_still_work() {
    let server = start(&Parts::default(), &[]);
    let admin = server.admin();
    let own_origin = format!("http://{admin}");
    for headers in [
        vec![("Origin", "http://evil.example")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", "null")],
        vec![("Host", "rebound.evil.example:8053")],
    ] {
        let refused = request(admin, "POST", "/datacenters/ams/drain", &headers, "");
        assert_eq!(refused.status, 403, "{headers:?}: {}", refused.body);
        assert!(
            refused.json()["error"]
                .as_str()
                .unwrap()
                .starts_with("refused")
        );
    }
    assert_eq!(
        server.get("/status").json()["datacenters"][0]["drained"],
        false
    );
    // The console itself: same origin.
    let own = [
        ("Origin", own_origin.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
    ];
    let drained = request(admin, "POST", "/datacenters/ams/drain", &own, "");
    assert_eq!(drained.status, 200, "{}", drained.body);
    // curl and scripts send neither header.
    assert_eq!(server.post("/datacenters/ams/undrain", "").status, 200);
}
