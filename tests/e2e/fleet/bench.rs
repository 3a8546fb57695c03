//! Probe load per backend against the fleet's size, gossip bandwidth and convergence.
//!
//! `probe_load_per_backend_does_not_grow_with_the_fleet` runs with the suite; the measurement
//! behind bench/README.md (section Fleet) is ignored by default:
//!
//! ```sh
//! cargo test --test e2e fleet::bench::measure -- --ignored --nocapture
//! ```

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::{DATACENTERS, Fleet, PROBE_MS, backend_address, eventually};

/// Probe connections per second to each backend over `window`, and the distinct nodes.
fn probe_rates(fleet: &Fleet, window: Duration) -> Vec<(f64, usize)> {
    let since = Instant::now();
    std::thread::sleep(window);
    fleet
        .backends
        .iter()
        .map(|backend| {
            let probes = backend.probes_since(since);
            let sources: BTreeSet<_> = probes.iter().collect();
            (probes.len() as f64 / window.as_secs_f64(), sources.len())
        })
        .collect()
}

#[test]
fn probe_load_per_backend_does_not_grow_with_the_fleet() {
    let Some(fleet) = Fleet::start(5, "") else {
        return;
    };
    // A node that was still joining (probing every target) a moment ago may have a probe
    // in flight: let one probe interval pass before counting.
    std::thread::sleep(Duration::from_millis(PROBE_MS));
    let window = Duration::from_secs(2);
    let per_observer = 1000.0 / PROBE_MS as f64;
    for (i, (rate, sources)) in probe_rates(&fleet, window).into_iter().enumerate() {
        let name = DATACENTERS[i].0;
        let logs: Vec<String> = fleet
            .nodes
            .iter()
            .map(|n| {
                n.log()
                    .lines()
                    .filter(|l| l.contains("fleet"))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        assert_eq!(
            sources,
            3,
            "{name}: three observers of five nodes\n{}",
            logs.join("\n----\n")
        );
        assert!(
            rate <= 3.0 * per_observer * 1.25,
            "{name}: {rate} probes/s, more than 3 observers × {per_observer}/s"
        );
    }
}

/// Gossip bytes sent and received per second by each node over `window`.
fn gossip_rates(fleet: &Fleet, window: Duration) -> Vec<f64> {
    let totals = |fleet: &Fleet| -> Vec<f64> {
        fleet
            .nodes
            .iter()
            .map(|n| n.metrics().sum("switchyard_fleet_bytes_total", &[]))
            .collect()
    };
    let before = totals(fleet);
    std::thread::sleep(window);
    let after = totals(fleet);
    before
        .iter()
        .zip(after)
        .map(|(b, a)| (a - b) / window.as_secs_f64())
        .collect()
}

/// Seconds until every node answers `want` for `www.example.net`.
fn converge(fleet: &Fleet, want: &str) -> f64 {
    let started = Instant::now();
    assert!(eventually(Duration::from_secs(10), || {
        fleet.nodes.iter().all(|n| n.www() == [want.to_string()])
    }));
    started.elapsed().as_secs_f64()
}

#[test]
#[ignore = "measurement for bench/README.md, Fleet; run with --ignored --nocapture"]
fn measure() {
    println!(
        "| gossip interval | nodes | probes/s per backend (min–max) | probing nodes per backend | gossip bytes/s per node (mean, in + out) | fail-over on all nodes (s) | drain on all nodes (s) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for gossip_ms in [100, 1000] {
        for count in [1, 3, 5] {
            measure_one(gossip_ms, count);
        }
    }
}

/// One row of the table.
fn measure_one(gossip_ms: u64, count: usize) {
    let Some(mut fleet) = Fleet::start_tuned(count, gossip_ms, "") else {
        return;
    };
    let rates = probe_rates(&fleet, Duration::from_secs(5));
    let gossip = gossip_rates(&fleet, Duration::from_secs(5));
    let low = rates.iter().map(|r| r.0).fold(f64::MAX, f64::min);
    let high = rates.iter().map(|r| r.0).fold(0.0, f64::max);
    let sources: BTreeSet<usize> = rates.iter().map(|r| r.1).collect();
    let mean_gossip = gossip.iter().sum::<f64>() / gossip.len() as f64;
    let drained = Instant::now();
    assert_eq!(fleet.nodes[0].post("/datacenters/sin/drain").status, 200);
    assert!(eventually(Duration::from_secs(10), || {
        fleet.nodes.iter().all(|n| n.drained("sin"))
    }));
    let drain = drained.elapsed().as_secs_f64();
    drop(fleet.backends.remove(0));
    let failover = converge(&fleet, &backend_address("iad"));
    println!(
        "| {gossip_ms} ms | {count} | {low:.1}–{high:.1} | {sources:?} | {mean_gossip:.0} | {failover:.2} | {drain:.3} |"
    );
}
