//! `[server] watch = true`: reload when the configuration, a zone file (or a file it
//! `$INCLUDE`s), a GeoIP database, the admin token file or a check's CA file changes.
//!
//! A thread polls the files' identity (device, inode, size, modification and change time)
//! every [`POLL`]; a change reloads once the files have stayed the same for one more poll, so
//! an edit written in several steps is read once, whole. Polling needs no dependency and no
//! kernel watch limits, and sees files replaced by rename and symlink swaps (as configuration
//! managers and Kubernetes ConfigMaps do) as well as edits in place. Its cost is a stat per
//! file per second.
//!
//! The same thread rebuilds the snapshot when a signed zone is due to be signed again (a
//! signature nearing its refresh time, or the key plan's next event: a key to publish,
//! activate, retire or remove), whether or not `watch` is set, and publishes the steered
//! answers' signatures made inline since the last second (`dnssec::sign::variants`). Every
//! [`STEP`] it also signs ahead the steered answers a change of health produces
//! (`answer::sign_ahead`), so a failover's first query finds its signature published.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Daemon;
use crate::answer::sign_ahead::SignAhead;
use crate::config::LoadedConfig;
use crate::snapshot::{FileIdentity, Snapshot};

/// How often the files are looked at.
pub const POLL: Duration = Duration::from_secs(1);
/// How long after a failed re-signing reload the next is tried.
const RESIGN_RETRY: Duration = Duration::from_secs(60);
/// How often the thread checks for shutdown while waiting.
const STEP: Duration = Duration::from_millis(100);

/// Every file a reload reads for `loaded`: the configuration, zone files and their includes
/// (as far as the serving snapshot knows them), GeoIP databases, token and CA files. The
/// files of secondary zones are written by their transfers, which reload by themselves.
pub fn watch_set(loaded: &LoadedConfig, snapshot: &Snapshot) -> Vec<PathBuf> {
    let config = &loaded.config;
    let mut files = vec![loaded.path.clone()];
    files.extend(
        config
            .zones
            .values()
            .filter(|zone| !zone.is_secondary())
            .filter_map(|zone| zone.file.as_deref())
            .map(|f| loaded.resolve(f)),
    );
    for (index, zone) in snapshot.zones().iter().enumerate() {
        let secondary = snapshot
            .transfer
            .of(index as u32)
            .is_some_and(|t| t.primary.is_some());
        if !secondary {
            files.extend(zone.sources.iter().cloned());
        }
    }
    if let Some(geoip) = &config.geoip {
        files.push(loaded.resolve(&geoip.database));
        files.extend(geoip.asn_database.as_ref().map(|f| loaded.resolve(f)));
    }
    if let Some(token) = config.admin.as_ref().and_then(|a| a.token_file.as_ref()) {
        files.push(loaded.resolve(token));
    }
    files.extend(
        config
            .checks
            .values()
            .filter_map(|c| c.ca_file.as_ref())
            .map(|f| loaded.resolve(f)),
    );
    let mut unique: Vec<PathBuf> = Vec::with_capacity(files.len());
    for file in files {
        if !unique.contains(&file) {
            unique.push(file);
        }
    }
    unique
}

/// The same files, looked at again.
pub fn refresh(watched: &[FileIdentity]) -> Vec<FileIdentity> {
    watched.iter().map(|f| FileIdentity::of(&f.path)).collect()
}

/// Identities for `paths`, taken from `before` where it has them (as they were when a reload
/// started reading) and looked at now otherwise.
pub fn fingerprint_from(paths: &[PathBuf], before: &[FileIdentity]) -> Vec<FileIdentity> {
    paths
        .iter()
        .map(|path| {
            before
                .iter()
                .find(|f| &f.path == path)
                .cloned()
                .unwrap_or_else(|| FileIdentity::of(path))
        })
        .collect()
}

/// Starts the watcher thread; it ends when the daemon stops.
pub fn spawn(daemon: Arc<Daemon>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("switchyard-watch".into())
        .spawn(move || run(&daemon))
}

fn run(daemon: &Daemon) {
    let mut pending: Option<Vec<FileIdentity>> = None;
    let mut next = Instant::now() + POLL;
    let mut resign_after = Instant::now();
    let mut ahead = SignAhead::default();
    while !daemon.shared.stopping.load(Ordering::Relaxed) {
        let serving = daemon.shared.snapshot.load_full();
        let signed = ahead.tick(&serving, crate::dnssec::time::now());
        drop(serving);
        if signed > 0 {
            tracing::debug!(signed, "steered answers signed ahead");
        }
        if Instant::now() < next {
            std::thread::sleep(STEP);
            continue;
        }
        next = Instant::now() + POLL;
        let serving = daemon.shared.snapshot.load();
        let now_secs = crate::dnssec::time::now();
        for zone in serving.zones() {
            if let Some(signed) = &zone.signatures {
                signed.publish_variants(now_secs);
            }
        }
        let resign_at = serving.resign_at();
        drop(serving);
        if resign_at.is_some_and(|at| at <= crate::dnssec::time::now())
            && Instant::now() >= resign_after
        {
            tracing::info!("signed zones due to be signed again");
            if daemon.reload("dnssec").is_err() {
                // The old signatures keep serving; try again later, not every second.
                resign_after = Instant::now() + RESIGN_RETRY;
            }
        }
        let (enabled, watched) = {
            let state = daemon.state();
            (state.config.config.server.watch, state.watched.clone())
        };
        if !enabled {
            pending = None;
            continue;
        }
        let now = refresh(&watched);
        if now == watched {
            pending = None;
        } else if pending.as_ref() == Some(&now) {
            pending = None;
            let changed: Vec<String> = now
                .iter()
                .zip(&watched)
                .filter(|(a, b)| a != b)
                .map(|(a, _)| a.path.display().to_string())
                .collect();
            tracing::info!(files = ?changed, "watched files changed");
            let _ = daemon.reload("watch");
        } else {
            pending = Some(now);
        }
    }
}
