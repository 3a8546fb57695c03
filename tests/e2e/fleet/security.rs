//! What does not carry the fleet's MAC, comes again, or is old never reaches the gossip state:
//! it is dropped and counted. Runs on loopback (no namespaces needed).

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chitchat::{ChitchatMessage, Serializable};
use switchyard::fleet::auth::{Key, Sealer};

use super::{SECRET, eventually, loopback_node as node};
use crate::support::*;

fn gossip_address(server: &Server) -> SocketAddr {
    server.get("/status").json()["fleet"]["gossip"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn members(server: &Server) -> Vec<String> {
    let status = server.get("/status").json();
    status["fleet"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["node"].as_str().unwrap().to_string())
        .collect()
}

fn dropped(server: &Server, reason: &str) -> f64 {
    server.metrics().count(
        "switchyard_fleet_datagrams_dropped_total",
        &[("reason", reason)],
    )
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn wrong_macs_replays_stale_and_random_datagrams_are_dropped_and_counted() {
    let first = node("ns1", SECRET, "");
    let seed = format!("\"{}\"", gossip_address(&first));
    let second = node("ns2", SECRET, &seed);
    assert!(eventually(Duration::from_secs(10), || {
        first.get("/status").json()["fleet"]["mode"] == "fleet"
    }));
    let before = members(&first);
    let target = gossip_address(&first);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut message = Vec::new();
    ChitchatMessage::BadCluster.serialize(&mut message);
    let mut datagram = Vec::new();

    // Random bytes, and a fleet header with nothing sensible after it.
    let random: Vec<u8> = (0..200u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    socket.send_to(&random, target).unwrap();
    socket.send_to(b"SYG1", target).unwrap();
    // Sealed with another secret.
    Sealer::new(
        Key::new(b"not the fleet's secret, but long enough"),
        "ns9",
        now_ms(),
    )
    .seal(&message, now_ms(), &mut datagram);
    socket.send_to(&datagram, target).unwrap();
    // The fleet's secret, sent twice: the copy is a replay.
    let mut insider = Sealer::new(Key::new(SECRET.as_bytes()), "ns9", now_ms());
    insider.seal(&message, now_ms(), &mut datagram);
    socket.send_to(&datagram, target).unwrap();
    socket.send_to(&datagram, target).unwrap();
    // The fleet's secret, sent five minutes ago.
    insider.seal(&message, now_ms() - 300_000, &mut datagram);
    socket.send_to(&datagram, target).unwrap();

    let counted = eventually(Duration::from_secs(5), || {
        dropped(&first, "malformed") >= 2.0
            && dropped(&first, "mac") >= 1.0
            && dropped(&first, "replay") >= 1.0
            && dropped(&first, "stale") >= 1.0
    });
    let metrics = first.get("/metrics").body;
    assert!(counted, "{metrics}");
    // Nothing changed: the same members, no "ns9", both nodes still in the fleet.
    assert_eq!(members(&first), before);
    assert_eq!(first.get("/status").json()["fleet"]["mode"], "fleet");
    assert_eq!(dropped(&first, "undecodable"), 0.0);
    let status = first.get("/status").json();
    assert_eq!(status["fleet"]["gossip_traffic"]["dropped"]["mac"], 1);
    drop(second);
}

#[test]
fn a_node_with_another_secret_never_joins() {
    let first = node("ns1", SECRET, "");
    let seed = format!("\"{}\"", gossip_address(&first));
    let outsider = node("ns2", "another secret, long enough to be accepted", &seed);
    // The outsider's gossip is refused, and it hears nothing from the fleet.
    assert!(eventually(Duration::from_secs(5), || dropped(
        &first, "mac"
    ) >= 3.0));
    assert_eq!(members(&first), ["ns1"]);
    assert_eq!(members(&outsider), ["ns2"]);
    assert_ne!(outsider.get("/status").json()["fleet"]["mode"], "fleet");
}
