//! The README's three-node fleet on loopback (`contrib/fleet/`), run as written inside a
//! namespace of its own, so that its fixed ports cannot meet anything else on the machine.

use std::time::Duration;

use super::netns::Lab;
use super::{Node, eventually};
use crate::support::{Backend, repo};

#[test]
fn the_readme_fleet_runs_on_loopback_and_fails_over_together() {
    let Some(mut lab) = Lab::new() else {
        return;
    };
    let host = lab.host("readme", 30);
    let ams = host.enter(|| Backend::start("127.0.0.1", 8081));
    let iad = host.enter(|| Backend::start("127.0.0.1", 8082));
    let zone = repo().join("zones/example.com.zone");
    let key = "a fleet secret made for this test only";
    let nodes: Vec<Node> = (1..=3)
        .map(|i| {
            let name = format!("ns{i}");
            let config = std::fs::read_to_string(repo().join(format!("contrib/fleet/{name}.toml")))
                .unwrap()
                .replace("../../zones/example.com.zone", zone.to_str().unwrap());
            Node::start(&name, &host, &config, &[("fleet.key", key)])
        })
        .collect();
    let formed = eventually(Duration::from_secs(15), || {
        nodes
            .iter()
            .all(|n| n.live_members().len() == 3 && n.answer("www.example.com") == ["192.0.2.10"])
    });
    assert!(formed, "{}", nodes[0].log());
    drop(ams);
    let failed_over = eventually(Duration::from_secs(10), || {
        nodes
            .iter()
            .all(|n| n.answer("www.example.com") == ["198.51.100.10"])
    });
    assert!(failed_over, "{}", nodes[0].log());
    drop(nodes);
    drop(iad);
}
