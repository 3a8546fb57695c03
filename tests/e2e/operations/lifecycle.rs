//! Shutdown with queries in flight, listen addresses changed by a reload, reloads on file
//! changes, and the query log.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use super::{Parts, config, eventually, start, www, zone};
use crate::support::*;

#[test]
fn sigterm_finishes_tcp_queries_in_flight_and_exits_zero() {
    let server = start(&Parts::default(), &[]);
    let query = QueryBuilder::new("probe.example.net", "A").id(7).build();
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&query);
    // One connection has sent half a query, another a whole one it has not read yet.
    let mut half = TcpStream::connect(server.dns).unwrap();
    half.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    half.write_all(&framed[..5]).unwrap();
    let mut whole = TcpStream::connect(server.dns).unwrap();
    whole
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    whole.write_all(&framed).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    half.write_all(&framed[5..]).unwrap();
    for stream in [&mut half, &mut whole] {
        let reply = read_framed(stream).expect("an answer to the query in flight");
        let response = Response::decode(&reply);
        assert_eq!(response.id(), 7);
        assert_eq!(response.answer_data(), ["10.0.0.1"]);
    }
    // New connections are no longer accepted.
    assert!(exchange_tcp(server.dns, &query, Duration::from_millis(500)).is_none());
    let started = Instant::now();
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_reload_opens_new_listen_addresses_and_closes_removed_ones() {
    let server = start(&Parts::default(), &[]);
    let old = server.dns;
    let both = config(&Parts {
        listen: Some("[\"127.0.0.1:0\", \"127.0.0.2:0\"]"),
        ..Parts::default()
    });
    server.write("switchyard.toml", &both);
    let report = server.post("/reload", "").json();
    assert_eq!(report["ok"], true, "{report}");
    let opened: Vec<SocketAddr> = report["opened"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(opened.len(), 1, "{report}");
    let new = opened[0];
    assert_eq!(
        report["listen"],
        serde_json::json!([old.to_string(), new.to_string()])
    );
    let query = QueryBuilder::new("probe.example.net", "A").build();
    for address in [old, new] {
        let udp = exchange_udp(address, &query, Duration::from_secs(2)).expect("UDP answer");
        assert_eq!(Response::decode(&udp).answer_data(), ["10.0.0.1"]);
        let tcp = exchange_tcp(address, &query, Duration::from_secs(2)).expect("TCP answer");
        assert_eq!(Response::decode(&tcp).answer_data(), ["10.0.0.1"]);
    }

    let only_new = config(&Parts {
        listen: Some("[\"127.0.0.2:0\"]"),
        ..Parts::default()
    });
    server.write("switchyard.toml", &only_new);
    let report = server.post("/reload", "").json();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["closed"], serde_json::json!([old.to_string()]));
    assert_eq!(report["listen"], serde_json::json!([new.to_string()]));
    let udp = exchange_udp(new, &query, Duration::from_secs(2)).expect("UDP answer");
    assert_eq!(Response::decode(&udp).answer_data(), ["10.0.0.1"]);
    assert!(eventually(Duration::from_secs(3), || {
        exchange_tcp(old, &query, Duration::from_millis(300)).is_none()
            && exchange_udp(old, &query, Duration::from_millis(300)).is_none()
    }));
    let status = server.get("/status").json();
    assert_eq!(status["listen"], serde_json::json!([new.to_string()]));

    // An address that cannot be bound rejects the whole reload.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_address = taken.local_addr().unwrap();
    let busy = config(&Parts {
        listen: Some(&format!("[\"{taken_address}\"]")),
        server: "identity = \"changed\"",
        ..Parts::default()
    });
    server.write("switchyard.toml", &busy);
    let response = server.post("/reload", "");
    assert_eq!(response.status, 422, "{}", response.body);
    assert!(response.body.contains("server.listen"), "{}", response.body);
    assert_eq!(server.get("/status").json()["generation"], 3);
}

#[test]
fn watch_reloads_when_an_included_zone_file_or_the_config_changes() {
    let mut main_zone = zone(1, "10.0.0.1").replace("probe IN A 10.0.0.1\n", "");
    main_zone.push_str("$INCLUDE probe.inc\n");
    let config_text = config(&Parts {
        server: "watch = true",
        ..Parts::default()
    });
    let server = Server::start(
        &config_text,
        &[
            ("example.net.zone", &main_zone),
            ("probe.inc", "probe IN A 10.0.0.1\n"),
        ],
    );
    assert_eq!(
        server.ask("probe.example.net", "A").answer_data(),
        ["10.0.0.1"]
    );
    server.write("probe.inc", "probe IN A 10.0.0.2\n");
    assert!(eventually(Duration::from_secs(8), || {
        server.ask("probe.example.net", "A").answer_data() == ["10.0.0.2"]
    }));
    // A broken change is rejected and logged; the fix is picked up too.
    server.write("probe.inc", "probe IN A 10.0.0.999\n");
    assert!(eventually(Duration::from_secs(8), || {
        server.get("/status").json()["last_reload"]["ok"] == false
    }));
    assert!(server.log().contains("probe.inc:1: "), "{}", server.log());
    assert_eq!(
        server.ask("probe.example.net", "A").answer_data(),
        ["10.0.0.2"]
    );
    let drained = config(&Parts {
        server: "watch = true",
        service: "",
        ..Parts::default()
    })
    .replace(
        "order = [\"ams\", \"iad\", \"sin\"]",
        "order = [\"sin\", \"ams\", \"iad\"]",
    );
    server.write("probe.inc", "probe IN A 10.0.0.3\n");
    server.write("switchyard.toml", &drained);
    assert!(eventually(Duration::from_secs(8), || {
        www(&server) == ["203.0.113.10"]
            && server.ask("probe.example.net", "A").answer_data() == ["10.0.0.3"]
    }));
    let status = server.get("/status").json();
    assert_eq!(status["last_reload"]["trigger"], "watch");
}

#[test]
fn the_query_log_writes_sampled_json_lines() {
    let server = start(
        &Parts {
            tables: "[log]\nqueries = \"queries.log\"\nsample = 1.0",
            ..Parts::default()
        },
        &[],
    );
    let ecs = QueryBuilder::new("www.example.net", "A").client_subnet("198.51.100.0/24");
    assert_eq!(
        Response::decode(&server.udp(&ecs.build()).unwrap()).rcode(),
        0
    );
    assert_eq!(server.ask("nothing.example.net", "AAAA").rcode(), 3);
    assert_eq!(server.ask_tcp("probe.example.net", "A").rcode(), 0);
    let read = || {
        std::fs::read_to_string(server.path("queries.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
            .collect::<Vec<_>>()
    };
    assert!(eventually(Duration::from_secs(3), || read().len() == 3));
    let lines = read();
    let steered = &lines[0];
    assert_eq!(steered["name"], "www.example.net.");
    assert_eq!(steered["type"], "A");
    assert_eq!(steered["rcode"], "noerror");
    assert_eq!(steered["client"], "127.0.0.1");
    assert_eq!(steered["ecs"], "198.51.100.0/24");
    assert_eq!(steered["service"], "www.example.net.");
    assert_eq!(steered["datacenter"], "ams");
    assert_eq!(steered["reason"], "failover");
    assert_eq!(steered["transport"], "udp");
    assert!(steered["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(lines[1]["rcode"], "nxdomain");
    assert_eq!(lines[1]["ecs"], serde_json::Value::Null);
    assert!(lines[1].get("service").is_none());
    assert_eq!(lines[2]["transport"], "tcp");

    // Rotation: rename the file and reload; the log starts a new file.
    std::fs::rename(server.path("queries.log"), server.path("queries.log.1")).unwrap();
    assert_eq!(server.post("/reload", "").status, 200);
    assert_eq!(server.ask("probe.example.net", "A").rcode(), 0);
    assert!(eventually(Duration::from_secs(3), || read().len() == 1));

    // Sample 0 logs nothing more; the count of written lines is exported.
    let quiet = config(&Parts {
        tables: "[log]\nqueries = \"queries.log\"\nsample = 0.0",
        ..Parts::default()
    });
    server.write("switchyard.toml", &quiet);
    assert_eq!(server.post("/reload", "").status, 200);
    for _ in 0..20 {
        server.ask("probe.example.net", "A");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(read().len(), 1);
    let metrics = server.metrics();
    let written = [("outcome", "written")];
    assert_eq!(
        metrics.get("switchyard_query_log_lines_total", &written),
        Some(4.0)
    );
}
