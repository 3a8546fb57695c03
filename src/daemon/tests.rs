//! The daemon in process: start-up through the reload path, and what a reload leaves behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Daemon;
use crate::config;

const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n\
    @ SOA ns1 hostmaster 1 7200 1800 1209600 60\n@ NS ns1\nns1 A 192.0.2.1\nwww A 192.0.2.2\n";

/// A configuration on port 0 with one zone and a GeoIP database copied into `dir`.
fn write_config(dir: &std::path::Path) -> std::path::PathBuf {
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        repository.join("geoip/example-city.mmdb"),
        dir.join("city.mmdb"),
    )
    .unwrap();
    std::fs::write(dir.join("example.com.zone"), ZONE).unwrap();
    let path = dir.join("switchyard.toml");
    std::fs::write(
        &path,
        "[server]\nlisten = [\"127.0.0.1:0\"]\nworkers = 1\n\n[geoip]\ndatabase = \"city.mmdb\"\n\n\
         [zones]\n\"example.com.\" = \"example.com.zone\"\n",
    )
    .unwrap();
    path
}

/// A small runtime for the daemon's tasks (health probes, admin server).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_reload_releases_the_old_snapshot_and_its_geoip_database_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path());
    let runtime = runtime();
    let loaded = config::load(&path).unwrap();
    let daemon = Daemon::start(&path, loaded, runtime.handle()).unwrap();
    assert_eq!(daemon.generation(), 1);
    let (first, first_geo) = {
        let snapshot = daemon.shared.snapshot.load_full();
        assert_eq!(snapshot.generation, 1);
        // Held by the daemon's one slot and by this test: start-up keeps no copy of its own.
        assert_eq!(Arc::strong_count(&snapshot), 2);
        let geo = snapshot.geo_handle().expect("a GeoIP database");
        assert_eq!(Arc::strong_count(geo), 1);
        (Arc::downgrade(&snapshot), Arc::downgrade(geo))
    };

    // A new database file (a new inode), so the reload opens it instead of reusing the old.
    std::fs::copy(dir.path().join("city.mmdb"), dir.path().join("next.mmdb")).unwrap();
    std::fs::rename(dir.path().join("next.mmdb"), dir.path().join("city.mmdb")).unwrap();
    let started = Instant::now();
    let outcome = daemon.reload("test").unwrap();
    let took = started.elapsed();
    assert_eq!(outcome.generation, 2);
    assert!(
        first.upgrade().is_none(),
        "the first snapshot outlived the reload"
    );
    assert!(
        first_geo.upgrade().is_none(),
        "the first GeoIP database outlived the reload"
    );
    // Released as soon as it was swapped out, not after the reload's one-second wait for
    // queries still answering from it (none are).
    assert!(took < Duration::from_secs(1), "the reload took {took:?}");
    {
        let snapshot = daemon.shared.snapshot.load_full();
        assert_eq!(snapshot.generation, 2);
        assert_eq!(Arc::strong_count(&snapshot), 2);
        assert_eq!(Arc::strong_count(snapshot.geo_handle().unwrap()), 1);
    }

    // An unchanged database is shared by the next snapshot, and still one copy remains.
    let second = Arc::downgrade(&daemon.shared.snapshot.load_full());
    let geo = Arc::downgrade(daemon.shared.snapshot.load().geo_handle().unwrap());
    daemon.reload("test").unwrap();
    assert!(second.upgrade().is_none());
    assert_eq!(geo.strong_count(), 1, "the database is reused, once");
    daemon.stop();
}

#[test]
fn start_up_is_rejected_with_the_errors_a_reload_reports() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path());
    std::fs::write(
        dir.path().join("example.com.zone"),
        "$ORIGIN example.com.\n@ 60 A 1.2.3\n",
    )
    .unwrap();
    let runtime = runtime();
    let loaded = config::load(&path).unwrap();
    let Err(error) = Daemon::start(&path, loaded, runtime.handle()) else {
        panic!("a broken zone must not start");
    };
    assert_eq!(error.to_string(), "configuration rejected");
    let problems = error.problems();
    assert!(
        problems.iter().any(|p| p.contains("example.com.zone:2: ")),
        "{problems:?}"
    );
}
