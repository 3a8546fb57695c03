//! Drains and forced states made on any node reach every node, are kept in each node's state
//! file, and converge to the latest when two nodes disagree.

use std::time::{Duration, Instant};

use super::{Fleet, GOSSIP_MS, backend_address, eventually};

#[test]
fn a_drain_spreads_to_every_node_and_survives_restarts() {
    let Some(mut fleet) = Fleet::start(3, "") else {
        return;
    };
    let ams = backend_address("ams");
    let iad = backend_address("iad");
    let drained_at = Instant::now();
    assert_eq!(fleet.nodes[0].post("/datacenters/ams/drain").status, 200);
    let spread = eventually(Duration::from_secs(5), || {
        fleet.nodes.iter().all(|n| n.drained("ams"))
    });
    let elapsed = drained_at.elapsed();
    assert!(spread, "{}", fleet.nodes[1].log());
    eprintln!("drain on every node after {elapsed:?}");
    let bound = Duration::from_millis(2 * GOSSIP_MS);
    let slack = Duration::from_millis(300);
    assert!(
        elapsed <= bound + slack,
        "{elapsed:?} > {bound:?} + {slack:?}"
    );
    for node in &fleet.nodes {
        assert_eq!(node.www(), [iad.as_str()], "{}", node.name);
    }
    assert!(
        fleet.nodes[2]
            .log()
            .contains("origin=\"fleet\" node=\"ns1\"")
    );
    let drains = fleet.nodes[2].events("drain");
    assert_eq!(
        drains,
        ["datacenter ams drained: it counts as unhealthy (made on ns1, through the fleet)"]
    );
    assert_eq!(
        fleet.nodes[0].events("drain"),
        ["datacenter ams drained: it counts as unhealthy"]
    );

    // Kept by each node: a restart (of a receiver, then of the origin) serves it at once.
    for index in [1, 0] {
        fleet.nodes[index].restart();
        assert!(fleet.nodes[index].drained("ams"));
        assert_eq!(fleet.nodes[index].www(), [iad.as_str()]);
    }
    fleet.wait_formed(3);
    let state = std::fs::read_to_string(
        fleet.nodes[2].status()["state_file"]
            .as_str()
            .expect("a state file"),
    )
    .unwrap();
    assert!(state.contains("\"drain:ams\""), "{state}");

    // An undrain elsewhere spreads the same way, and outlives a restart too.
    assert_eq!(fleet.nodes[2].post("/datacenters/ams/undrain").status, 200);
    assert!(eventually(Duration::from_secs(5), || {
        fleet
            .nodes
            .iter()
            .all(|n| !n.drained("ams") && n.www() == [ams.as_str()])
    }));
    fleet.nodes[1].restart();
    assert!(!fleet.nodes[1].drained("ams"));

    // A forced state too.
    assert_eq!(
        fleet.nodes[1]
            .post(&format!("/targets/{ams}/force?state=down"))
            .status,
        200
    );
    assert!(eventually(Duration::from_secs(5), || {
        fleet.nodes.iter().all(|n| n.www() == [iad.as_str()])
    }));
    assert_eq!(fleet.nodes[0].target(&ams)["forced"], "down");
}

#[test]
fn concurrent_changes_converge_on_the_latest_everywhere() {
    let Some(fleet) = Fleet::start(3, "") else {
        return;
    };
    // A drain on ns1, then an undrain on ns3 before ns3 can have heard of the drain.
    assert_eq!(fleet.nodes[0].post("/datacenters/iad/drain").status, 200);
    assert_eq!(fleet.nodes[2].post("/datacenters/iad/undrain").status, 200);
    let converged = eventually(Duration::from_secs(5), || {
        fleet.nodes.iter().all(|n| {
            let changes = &n.status()["overrides"]["changes"]["drain:iad"];
            changes["setting"] == "undrained" && changes["node"] == "ns3"
        })
    });
    assert!(converged, "{}", fleet.nodes[1].log());
    for node in &fleet.nodes {
        assert!(!node.drained("iad"), "{}", node.name);
    }
}
