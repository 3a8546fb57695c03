//! Members leaving and partitions: a killed or departing node's probes move to others; a node cut off from
//! every peer falls back to its own probes, says so, and rejoins without flapping.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::{Fleet, backend_address, eventually};

fn observers(node: &super::Node, address: &str) -> Vec<String> {
    node.target(address)["fleet"]["observers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap().to_string())
        .collect()
}

/// How a member goes away.
#[derive(Clone, Copy, PartialEq)]
enum Exit {
    /// SIGKILL: the failure detector notices (about eight gossip intervals).
    Killed,
    /// SIGTERM: it says it is leaving, and its targets move at the peers' next round.
    Leaving,
}

#[test]
fn killing_a_node_moves_its_probes_to_the_others() {
    observer_goes_away(Exit::Killed);
}

#[test]
fn a_node_shutting_down_hands_its_probes_over_within_a_gossip_round() {
    observer_goes_away(Exit::Leaving);
}

/// Four nodes, two observers per target: an observer of ams goes away, and the survivors
/// agree on a new observer that probes ams in its place while answers go on.
fn observer_goes_away(exit: Exit) {
    let Some(mut fleet) = Fleet::start(4, "observers = 2") else {
        return;
    };
    let ams = backend_address("ams");
    let before = observers(&fleet.nodes[0], &ams);
    assert_eq!(before.len(), 2, "{before:?}");
    // An observer of ams (any but ns1 when possible, so ns1 can be asked throughout).
    let victim_name = before.iter().find(|n| *n != "ns1").unwrap().clone();
    let victim = fleet
        .nodes
        .iter()
        .position(|n| n.name == victim_name)
        .unwrap();
    let victim_address = IpAddr::V4(fleet.nodes[victim].host.address);
    let probed_by = |since: Instant, window: Duration| -> BTreeSet<IpAddr> {
        std::thread::sleep(window);
        let backend = &fleet.backends[0];
        backend.probes_since(since).into_iter().collect()
    };
    let sources = probed_by(Instant::now(), Duration::from_millis(600));
    assert_eq!(sources.len(), 2, "two observers probe ams: {sources:?}");
    assert!(sources.contains(&victim_address));

    let gone = Instant::now();
    let leaving = match exit {
        Exit::Killed => {
            fleet.nodes[victim].kill();
            None
        }
        Exit::Leaving => Some(fleet.nodes[victim].terminate()),
    };
    let survivors: Vec<usize> = (0..4).filter(|i| *i != victim).collect();
    let moved = eventually(Duration::from_secs(10), || {
        survivors.iter().all(|&i| {
            let now = observers(&fleet.nodes[i], &ams);
            now.len() == 2 && !now.contains(&victim_name)
        })
    });
    let elapsed = gone.elapsed();
    assert!(
        moved,
        "ams kept the departed observer:\n{}",
        fleet.nodes[0].log()
    );
    eprintln!("probes moved {elapsed:?} after the node went away");
    if let Some(server) = leaving {
        // Announced: the peers move its targets without waiting for the failure detector
        // (the reason below says so). How fast is measured, not asserted: about 40 ms at
        // 100 ms gossip against about 700 ms for a kill (bench/README.md, section Fleet).
        assert!(server.stop().success());
    }
    let after = observers(&fleet.nodes[0], &ams);
    for name in &after {
        let node = fleet.nodes.iter().find(|n| &n.name == name).unwrap();
        assert_eq!(
            node.target(&ams)["probing"],
            true,
            "{name} must probe ams now"
        );
    }
    let sources = probed_by(Instant::now(), Duration::from_millis(600));
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(!sources.contains(&victim_address));
    let reason = match exit {
        Exit::Killed => "unreachable",
        Exit::Leaving => "leaving",
    };
    assert!(fleet.nodes[0].log().contains(&format!(
        "fleet member left member=\"{victim_name}\" reason=\"{reason}\""
    )));
    // Answers never stopped.
    assert_eq!(fleet.nodes[survivors[0]].www(), [ams]);
}

#[test]
fn a_partitioned_node_degrades_and_converges_after_the_partition_heals() {
    let Some(fleet) = Fleet::start(3, "") else {
        return;
    };
    let ams = backend_address("ams");
    let iad = backend_address("iad");
    let ns3 = &fleet.nodes[2];
    fleet.partition(2);
    // ns3 also loses ams: alone, its own probes decide, and they fail ams over.
    fleet.lab.cut(&ns3.host, ams.parse().unwrap());
    let degraded = eventually(Duration::from_secs(10), || ns3.mode() == "degraded");
    assert!(degraded, "{}", ns3.log());
    assert_eq!(ns3.status()["fleet"]["degraded"], true);
    assert_eq!(
        ns3.metrics().get("switchyard_fleet_degraded", &[]),
        Some(1.0)
    );
    assert!(eventually(Duration::from_secs(5), || ns3.www() == [iad.as_str()]));
    let trace = ns3.trace();
    assert!(trace.contains("fleet degraded"), "{trace}");
    // The other two still form a fleet and keep serving ams.
    for node in &fleet.nodes[..2] {
        assert!(eventually(Duration::from_secs(5), || node
            .live_members()
            .len()
            == 2));
        assert_eq!(node.mode(), "fleet");
        assert_eq!(node.www(), [ams.as_str()]);
    }

    let healed = Instant::now();
    fleet.heal(2);
    let rejoined = eventually(Duration::from_secs(10), || {
        ns3.mode() == "fleet" && ns3.www() == [ams.as_str()]
    });
    assert!(rejoined, "{}", ns3.log());
    eprintln!(
        "rejoined and converged {:?} after the heal",
        healed.elapsed()
    );
    // Converged: same verdict and answer everywhere, steadily.
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        for node in &fleet.nodes {
            assert_eq!(node.mode(), "fleet", "{}", node.name);
            assert_eq!(node.www(), [ams.as_str()], "{}", node.name);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // No flapping: degraded once, back once (besides joining at start).
    let log = ns3.log();
    assert_eq!(log.matches("fleet degraded").count(), 1, "{log}");
    assert_eq!(log.matches("fleet mode changed").count(), 2, "{log}");
    assert_eq!(
        ns3.metrics().get("switchyard_fleet_degraded", &[]),
        Some(0.0)
    );
}
