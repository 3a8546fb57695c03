//! The snapshot the packet target answers from: `fuzz/fixture/switchyard.toml` (the bundled
//! example zone, a zone made to reach every corner of the answer path, a steered name for every
//! policy) built offline with datacenter `sin` drained and some targets forced down.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::config;
use crate::health::Force;
use crate::metrics::Metrics;
use crate::snapshot::{self, Snapshot};

/// Datacenters drained in the fixture.
pub const DRAINED: &[&str] = &["sin"];

/// Root of the source tree (fixtures, zones, GeoIP databases).
pub fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Path of the fixture configuration.
pub fn config_path() -> PathBuf {
    repository().join("fuzz/fixture/switchyard.toml")
}

/// The fixture snapshot, built once per process.
pub fn snapshot() -> &'static Snapshot {
    static SNAPSHOT: OnceLock<Snapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(build)
}

fn build() -> Snapshot {
    let path = config_path();
    let loaded = config::load(&path).unwrap_or_else(|e| panic!("fuzz fixture config: {e}"));
    let down: Vec<String> = DRAINED.iter().map(|s| s.to_string()).collect();
    let (snapshot, _) = snapshot::build(
        &loaded,
        1,
        &Metrics::default(),
        snapshot::Health::Offline { down: &down },
    )
    .unwrap_or_else(|report| panic!("fuzz fixture snapshot: {:?}", report.errors));
    for service in snapshot.services() {
        let name = service.name.to_string();
        let all_down = name.starts_with("down.") || name.starts_with("open.");
        for (i, target) in service.targets.iter().enumerate() {
            // Every target of the all-down services, and the first of every other.
            if all_down || i == 0 {
                target.health.set_forced(Force::Down);
            }
        }
    }
    snapshot
}
