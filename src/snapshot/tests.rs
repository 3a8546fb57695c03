//! Snapshot building across reloads: the GeoIP database is reused while its files are the same.

use std::path::Path;
use std::sync::Arc;

use super::{Health, Snapshot, build_next};
use crate::config;
use crate::metrics::Metrics;

fn build(dir: &Path, previous: Option<&Snapshot>) -> Snapshot {
    let path = dir.join("switchyard.toml");
    let loaded = config::load(&path).unwrap();
    let health = Health::Offline { down: &[] };
    let (snapshot, _) = build_next(&loaded, 2, &Metrics::default(), health, previous)
        .unwrap_or_else(|report| panic!("{:?}", report.errors));
    snapshot
}

#[test]
fn geoip_database_is_reused_until_its_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let database = Path::new(env!("CARGO_MANIFEST_DIR")).join("geoip/example-city.mmdb");
    std::fs::copy(&database, dir.path().join("city.mmdb")).unwrap();
    std::fs::write(
        dir.path().join("switchyard.toml"),
        "[geoip]\ndatabase = \"city.mmdb\"\n",
    )
    .unwrap();
    let first = build(dir.path(), None);
    let second = build(dir.path(), Some(&first));
    let handle = |s: &Snapshot| s.geo_handle().cloned().unwrap();
    assert!(Arc::ptr_eq(&handle(&first), &handle(&second)));
    assert_eq!(first.geo_files(), second.geo_files());

    // The same bytes in a new file (as an update replaces it) are loaded again.
    let replacement = dir.path().join("city.mmdb.new");
    std::fs::copy(&database, &replacement).unwrap();
    std::fs::rename(&replacement, dir.path().join("city.mmdb")).unwrap();
    let third = build(dir.path(), Some(&second));
    assert!(!Arc::ptr_eq(&handle(&second), &handle(&third)));

    // Without a previous snapshot, nothing is reused.
    let fresh = build(dir.path(), None);
    assert!(!Arc::ptr_eq(&handle(&third), &handle(&fresh)));
}
