//! Which nodes probe a target: rendezvous (highest random weight) hashing over the live
//! members. Every node computes the same observers from the same member list, a member's
//! departure moves only the targets it observed, and a join takes over only the targets it now
//! scores highest on, so probe load per backend stays at `observers` however large the fleet.

use ring::digest;

/// The `count` observers of `target` among `members` (or all of them when fewer), highest
/// score first.
pub fn observers<'a>(target: &str, members: &'a [String], count: usize) -> Vec<&'a str> {
    let mut scored: Vec<(u64, &str)> = members
        .iter()
        .map(|member| (score(member, target), member.as_str()))
        .collect();
    // Highest score first; equal scores (never seen in practice) by name, the same everywhere.
    scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(count).map(|(_, m)| m).collect()
}

/// The weight of `member` for `target`: the first 8 bytes of SHA-256(member, 0, target), the
/// same on every platform and every build.
fn score(member: &str, target: &str) -> u64 {
    let mut context = digest::Context::new(&digest::SHA256);
    context.update(member.as_bytes());
    context.update(&[0]);
    context.update(target.as_bytes());
    let hash = context.finish();
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_ref()[..8]);
    u64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("ns{i}")).collect()
    }

    fn targets() -> Vec<String> {
        (0..300)
            .map(|i| format!("dc{}/192.0.2.{}/web", i % 3, i))
            .collect()
    }

    #[test]
    fn every_target_gets_its_observers_spread_over_the_fleet() {
        let fleet = members(5);
        let mut load = std::collections::HashMap::new();
        for target in targets() {
            let chosen = observers(&target, &fleet, 3);
            assert_eq!(chosen.len(), 3);
            let mut distinct = chosen.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 3);
            for node in chosen {
                *load.entry(node).or_insert(0) += 1;
            }
        }
        // 900 assignments over 5 nodes: each near 180.
        for (node, count) in load {
            assert!((130..=230).contains(&count), "{node}: {count}");
        }
        assert_eq!(observers("t", &members(2), 3).len(), 2, "all, when fewer");
    }

    #[test]
    fn the_order_of_members_does_not_matter() {
        let mut reversed = members(5);
        reversed.reverse();
        for target in targets() {
            assert_eq!(
                observers(&target, &members(5), 3),
                observers(&target, &reversed, 3)
            );
        }
    }

    #[test]
    fn a_departure_moves_only_the_departed_nodes_targets() {
        let before = members(5);
        let after: Vec<String> = before.iter().filter(|m| *m != "ns3").cloned().collect();
        for target in targets() {
            let old = observers(&target, &before, 3);
            let new = observers(&target, &after, 3);
            assert!(!new.contains(&"ns3"));
            let kept: Vec<&&str> = old.iter().filter(|n| **n != "ns3").collect();
            for node in kept {
                assert!(new.contains(node), "{target}: {node} lost its target");
            }
        }
    }

    #[test]
    fn scores_are_fixed_across_builds() {
        // Nodes of different versions must agree: the hash is part of the protocol. The order
        // as Python computes it: sorted(range(1, 6), reverse=True, key=lambda i:
        // hashlib.sha256(b"ns%d\0ams/192.0.2.10/web" % i).digest()[:8]).
        assert_eq!(
            observers("ams/192.0.2.10/web", &members(5), 5),
            ["ns5", "ns3", "ns1", "ns4", "ns2"]
        );
    }
}
