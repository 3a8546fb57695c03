//! What each node publishes in its gossip state, key by key:
//!
//! | key | value |
//! |---|---|
//! | `mode` | `joining`, `fleet`, `degraded`, or `leaving` while it shuts down |
//! | `version` | the node's Switchyard version |
//! | `report:DATACENTER/ADDRESS/CHECK` | its observation of a target it probes: `up`, `down`, `up changing`, `down changing` |
//! | `override:drain:NAME`, `override:force:ADDRESS` | the latest change it knows of a drain or forced state: `SETTING AT_UNIX_MS NODE` |
//!
//! Values that do not parse are ignored like missing ones.

use crate::config::fleet::check_node_name;
use crate::health::{Change, Setting, TargetHealth};

pub const MODE: &str = "mode";
pub const VERSION: &str = "version";
pub const REPORT: &str = "report:";
pub const OVERRIDE: &str = "override:";

/// A target's name in the fleet: `DATACENTER/ADDRESS/CHECK`, the same on every node that
/// serves it with the same check.
pub fn target(health: &TargetHealth) -> String {
    format!(
        "{}/{}/{}",
        health.datacenter(),
        health.address(),
        health.check().unwrap_or("")
    )
}

/// `SETTING AT_UNIX_MS NODE` (no node for changes from before stamps were kept).
pub fn encode_change(change: &Change) -> String {
    let mut value = format!("{} {}", change.setting.as_str(), change.at_unix_ms);
    if !change.node.is_empty() {
        value.push(' ');
        value.push_str(&change.node);
    }
    value
}

pub fn decode_change(value: &str) -> Option<Change> {
    let mut words = value.split(' ');
    let setting = Setting::parse(words.next()?)?;
    let at_unix_ms = words.next()?.parse().ok()?;
    let node = words.next().unwrap_or("");
    if words.next().is_some() || (!node.is_empty() && check_node_name(node).is_err()) {
        return None;
    }
    Some(Change {
        setting,
        at_unix_ms,
        node: node.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_round_trip_and_junk_is_ignored() {
        for node in ["ns1", ""] {
            let change = Change {
                setting: Setting::Undrained,
                at_unix_ms: 1_767_225_600_000,
                node: node.into(),
            };
            assert_eq!(decode_change(&encode_change(&change)), Some(change));
        }
        for junk in [
            "",
            "drained",
            "drained x ns1",
            "sideways 1 ns1",
            "drained 1 ns 1",
            "drained 1 n$1",
            "drained -1 ns1",
        ] {
            assert_eq!(decode_change(junk), None, "{junk:?}");
        }
        let health = TargetHealth::standalone("192.0.2.10".parse().unwrap(), "ams", true);
        assert_eq!(target(&health), "ams/192.0.2.10/");
    }
}
