//! Reloads: a hundred of them, good and broken, under continuous UDP load; SIGHUP; errors
//! with their file and line.

use std::net::UdpSocket;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use super::{Parts, config, eventually, start, www, zone};
use crate::support::*;

/// `10.0.x.y` for generation marker `n`.
fn marker(n: u32) -> String {
    format!("10.0.{}.{}", n / 256, n % 256)
}

fn marker_value(address: &str) -> Option<u32> {
    let octets: Vec<u32> = address.split('.').filter_map(|o| o.parse().ok()).collect();
    match octets.as_slice() {
        [10, 0, high, low] => Some(high * 256 + low),
        _ => None,
    }
}

/// What the query thread saw.
#[derive(Default, Debug)]
struct Seen {
    answered: u64,
    unanswered: u64,
    wrong: Vec<String>,
}

/// Queries `probe.example.net A` back to back until `stop`; each answer must carry the marker
/// of the last reload confirmed good (`confirmed`) or of the one being applied (+1).
fn query_loop(dns: std::net::SocketAddr, confirmed: &AtomicU32, stop: &AtomicBool) -> Seen {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(1000)))
        .unwrap();
    let mut seen = Seen::default();
    let mut id: u16 = 0;
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        id = id.wrapping_add(1);
        let before = confirmed.load(Ordering::SeqCst);
        let query = QueryBuilder::new("probe.example.net", "A").id(id).build();
        socket.send_to(&query, dns).unwrap();
        let reply = loop {
            match socket.recv_from(&mut buf) {
                Ok((len, _)) if len >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id => {
                    break Some(buf[..len].to_vec());
                }
                Ok(_) => continue, // a late reply to an earlier query
                Err(_) => break None,
            }
        };
        let Some(reply) = reply else {
            seen.unanswered += 1;
            continue;
        };
        seen.answered += 1;
        let response = Response::decode(&reply);
        let data = response.answer_data();
        let value = data.first().and_then(|a| marker_value(a));
        let after = confirmed.load(Ordering::SeqCst);
        let ok = value.is_some_and(|v| v >= before && v <= after + 1) && data.len() == 1;
        if !ok {
            seen.wrong
                .push(format!("{data:?} while confirmed {before}..{after}"));
        }
    }
    seen
}

#[test]
fn a_hundred_reloads_good_and_broken_lose_no_query_and_serve_the_last_good_config() {
    let server = start(&Parts::default(), &[]);
    let good_config = config(&Parts::default());
    let confirmed = Arc::new(AtomicU32::new(1));
    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let (confirmed, stop, dns) = (confirmed.clone(), stop.clone(), server.dns);
        std::thread::spawn(move || query_loop(dns, &confirmed, &stop))
    };
    let mut good = 1u32;
    for round in 1..=100u32 {
        if round % 2 == 1 {
            good += 1;
            server.write("switchyard.toml", &good_config);
            server.write("example.net.zone", &zone(good, &marker(good)));
            let response = server.post("/reload", "");
            assert_eq!(response.status, 200, "{}", response.body);
            let report = response.json();
            assert_eq!(report["ok"], true);
            assert_eq!(report["generation"], u64::from(good));
            confirmed.store(good, Ordering::SeqCst);
            continue;
        }
        // A broken configuration, three kinds in turn; the marker it would serve is never seen.
        let expected = match round % 6 {
            0 => {
                let mut broken = zone(9999, "10.255.255.255");
                let line = broken.lines().count() + 1;
                broken.push_str("bad IN A 999.0.0.1\n");
                server.write("example.net.zone", &broken);
                format!("example.net.zone:{line}: ")
            }
            2 => {
                server.write("switchyard.toml", "[server\nlisten = 1\n");
                "switchyard.toml:1: ".to_string()
            }
            _ => {
                let unknown =
                    good_config.replace("datacenter = \"sin\"", "datacenter = \"nowhere\"");
                server.write("switchyard.toml", &unknown);
                "switchyard.toml: services[0].targets[2].datacenter: ".to_string()
            }
        };
        let response = server.post("/reload", "");
        assert_eq!(response.status, 422, "{}", response.body);
        let report = response.json();
        assert_eq!(report["ok"], false);
        assert_eq!(
            report["generation"],
            u64::from(good),
            "old generation keeps serving"
        );
        let errors: Vec<String> = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect();
        assert!(
            errors.iter().any(|e| e.contains(&expected)),
            "{expected} not in {errors:?}"
        );
    }
    // Let the client see the final state for a moment, then stop it.
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    let seen = client.join().unwrap();
    assert_eq!(seen.unanswered, 0, "{seen:?}");
    assert!(
        seen.wrong.is_empty(),
        "{:?}",
        &seen.wrong[..seen.wrong.len().min(5)]
    );
    assert!(seen.answered >= 100, "{seen:?}");
    assert_eq!(
        server.ask("probe.example.net", "A").answer_data(),
        vec![marker(good)]
    );
    let status = server.get("/status").json();
    assert_eq!(status["generation"], u64::from(good));
    assert_eq!(status["zones"][0]["serial"], u64::from(good));
    let metrics = server.metrics();
    assert_eq!(
        metrics.count("switchyard_reloads_total", &[("result", "ok")]),
        50.0
    );
    assert_eq!(
        metrics.count("switchyard_reloads_total", &[("result", "failed")]),
        50.0
    );
    let log = server.log();
    assert!(log.contains("example.net.zone:"), "{log}");
    assert!(log.contains("reload rejected"), "{log}");
}

#[test]
fn sighup_reloads_and_a_broken_file_keeps_the_old_data() {
    let server = start(&Parts::default(), &[]);
    server.write("example.net.zone", &zone(2, "10.0.0.2"));
    server.signal("HUP");
    assert!(eventually(Duration::from_secs(5), || {
        server.ask("probe.example.net", "A").answer_data() == ["10.0.0.2"]
    }));
    let mut broken = zone(3, "10.0.0.3");
    broken.push_str("oops IN MX not-a-number mail\n");
    let line = broken.lines().count();
    server.write("example.net.zone", &broken);
    server.signal("HUP");
    assert!(eventually(Duration::from_secs(5), || {
        server.get("/status").json()["last_reload"]["ok"] == false
    }));
    let status = server.get("/status").json();
    let errors = status["last_reload"]["errors"].to_string();
    assert!(
        errors.contains(&format!("example.net.zone:{line}: ")),
        "{errors}"
    );
    assert_eq!(status["last_reload"]["trigger"], "SIGHUP");
    assert_eq!(status["generation"], 2);
    assert_eq!(
        server.ask("probe.example.net", "A").answer_data(),
        ["10.0.0.2"]
    );
    assert!(server.log().contains(&format!("example.net.zone:{line}: ")));
}

#[test]
fn reloads_keep_health_state_and_geoip_and_report_what_needs_a_restart() {
    let server = start(&Parts::default(), &[]);
    assert_eq!(server.post("/targets/192.0.2.10/force", "down").status, 200);
    assert_eq!(www(&server), ["198.51.100.10"]);
    let changed = config(&Parts {
        server: "workers = 3\nstate_file = \"elsewhere.json\"",
        ..Parts::default()
    });
    server.write("switchyard.toml", &changed);
    let report = server.post("/reload", "").json();
    assert_eq!(report["ok"], true, "{report}");
    let notes = report["restart_needed"].to_string();
    assert!(notes.contains("server.workers"), "{notes}");
    assert!(notes.contains("server.state_file"), "{notes}");
    // The forced state of a target that still exists survives the reload.
    assert_eq!(www(&server), ["198.51.100.10"]);
    let status = server.get("/status").json();
    let forced = &status["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["address"] == "192.0.2.10")
        .unwrap()["forced"];
    assert_eq!(forced, "down");
}
