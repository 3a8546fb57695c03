//! One node's view cannot fail a datacenter over for the fleet; everyone's view does, on every
//! node, in bounded time, and then every node answers alike.

use std::time::{Duration, Instant};

use super::{FALL, Fleet, GOSSIP_MS, PROBE_MS, backend_address, eventually};

fn votes_of(node: &super::Node, address: &str) -> Vec<(String, String)> {
    node.target(address)["fleet"]["votes"]
        .as_array()
        .map(|votes| {
            votes
                .iter()
                .map(|v| {
                    let node = v["node"].as_str().unwrap_or_default().to_string();
                    (node, v["state"].as_str().unwrap_or_default().to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_datacenter_unreachable_from_one_node_stays_up_for_the_whole_fleet() {
    let Some(fleet) = Fleet::start(3, "") else {
        return;
    };
    let ams = backend_address("ams");
    for node in &fleet.nodes {
        assert_eq!(node.www(), [ams.as_str()], "{}", node.name);
    }
    fleet.lab.cut(&fleet.nodes[0].host, ams.parse().unwrap());
    // ns1's own probes fail, and every node hears its vote.
    let heard = eventually(Duration::from_secs(5), || {
        fleet.nodes.iter().all(|node| {
            votes_of(node, &ams)
                .iter()
                .any(|(voter, state)| voter == "ns1" && state == "down")
        })
    });
    assert!(
        heard,
        "ns1's down vote did not spread:\n{}",
        fleet.nodes[0].log()
    );
    assert_eq!(fleet.nodes[0].target(&ams)["probe_state"], "down");
    // One of three is not more than half: up everywhere, and it stays so.
    let until = Instant::now() + Duration::from_millis(5 * PROBE_MS);
    while Instant::now() < until {
        for node in &fleet.nodes {
            let target = node.target(&ams);
            assert_eq!(target["state"], "up", "{}: {target}", node.name);
            assert_eq!(target["fleet"]["verdict"], "up", "{}", node.name);
            assert_eq!(node.www(), [ams.as_str()], "{}", node.name);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // The trace shows the votes behind the verdict.
    let trace = fleet.nodes[0].trace();
    assert!(trace.contains("fleet votes: 1 of 3 down"), "{trace}");
    assert!(trace.contains("ns1 down"), "{trace}");
    let metrics = fleet.nodes[1].metrics();
    let labels = [
        ("address", ams.as_str()),
        ("datacenter", "ams"),
        ("check", "web"),
    ];
    assert_eq!(
        metrics.get("switchyard_fleet_target_verdict", &labels),
        Some(1.0)
    );
    let mut down = labels.to_vec();
    down.push(("state", "down"));
    assert_eq!(
        metrics.get("switchyard_fleet_target_votes", &down),
        Some(1.0)
    );
}

#[test]
fn a_datacenter_down_for_all_fails_over_on_every_node_in_time() {
    let Some(mut fleet) = Fleet::start(3, "") else {
        return;
    };
    let ams = backend_address("ams");
    let iad = backend_address("iad");
    for node in &fleet.nodes {
        assert_eq!(node.www(), [ams.as_str()]);
    }
    let stopped = Instant::now();
    drop(fleet.backends.remove(0));
    let failed_over = eventually(Duration::from_secs(5), || {
        fleet.nodes.iter().all(|node| node.www() == [iad.as_str()])
    });
    let elapsed = stopped.elapsed();
    assert!(failed_over, "not failed over:\n{}", fleet.nodes[0].log());
    // interval × fall + two gossip intervals, plus what polling three nodes and a busy
    // machine add (measured figures: bench/README.md, section Fleet).
    let bound = Duration::from_millis(PROBE_MS * FALL + 2 * GOSSIP_MS);
    let slack = Duration::from_millis(400);
    eprintln!("failed over on every node after {elapsed:?} (bound {bound:?})");
    assert!(
        elapsed <= bound + slack,
        "failed over after {elapsed:?}, more than {bound:?} + {slack:?}"
    );
    // Every node answers the same, again and again.
    for _ in 0..10 {
        let answers: Vec<Vec<String>> = fleet.nodes.iter().map(|n| n.www()).collect();
        assert!(answers.iter().all(|a| *a == [iad.as_str()]), "{answers:?}");
    }
    for node in &fleet.nodes {
        let target = node.target(&ams);
        assert_eq!(target["fleet"]["verdict"], "down");
        assert_eq!(votes_of(node, &ams).len(), 3, "{target}");
        assert!(
            node.log().contains("fleet verdict changed"),
            "one line per verdict change"
        );
        let verdicts = node.events("fleet");
        // Down once more than half of the three see it down: two or three of them.
        let wanted = format!("fleet verdict: target {ams} (ams) down, ");
        assert!(
            verdicts.iter().any(|v| v.starts_with(&wanted)),
            "{}: {verdicts:?}",
            node.name
        );
    }
    let metrics = fleet.nodes[2].metrics();
    assert!(metrics.count("switchyard_fleet_verdict_changes_total", &[]) >= 1.0);
}
