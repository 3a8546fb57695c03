//! Follows the published snapshot: when a zone's serial changes (a reload), records the
//! difference in the IXFR history and sends NOTIFY to the zone's secondaries. At start every
//! zone with `notify` is announced, so secondaries catch up on what changed while we were down.

use std::sync::Arc;
use std::time::Duration;

use super::content::Content;
use super::history::Diff;
use super::notify::Notice;
use super::serial_newer;
use crate::server::Shared;
use crate::snapshot::Snapshot;

/// How often the published snapshot is looked at.
pub const POLL: Duration = Duration::from_millis(50);

/// How often drains are looked for in the defaults of zones with a `serial` policy: changes
/// within this time make one new serial (debounced).
pub const STEERING_CHECK: Duration = Duration::from_secs(1);

/// Rebuilds the snapshot (a reload), saying why: a drain that changed steered names' defaults,
/// a secondary zone transferred or expired.
pub type Reload = Arc<dyn Fn(&'static str) + Send + Sync>;

/// Starts following `shared`'s snapshot on the current tokio runtime.
pub fn spawn(shared: Arc<Shared>, reload: Reload) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = shared.snapshot.load_full();
        shared
            .transfers
            .secondaries
            .reconcile(&shared, &last, &reload);
        announce(&shared, &last, None).await;
        let mut checked = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(POLL).await;
            if shared.stopping.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            let now = shared.snapshot.load_full();
            if now.generation != last.generation {
                let old = std::mem::replace(&mut last, now.clone());
                shared
                    .transfers
                    .secondaries
                    .reconcile(&shared, &now, &reload);
                announce(&shared, &now, Some(old)).await;
            }
            if checked.elapsed() >= STEERING_CHECK {
                checked = tokio::time::Instant::now();
                if defaults_moved(&now) {
                    tracing::info!("steering defaults changed: rebuilding for a new zone serial");
                    let reload = reload.clone();
                    let _ = tokio::task::spawn_blocking(move || reload("steering defaults")).await;
                }
            }
        }
    })
}

/// Whether a zone with a `serial` policy would now carry other defaults at its steered names
/// (a datacenter was drained or undrained) than its snapshot was built with.
fn defaults_moved(snapshot: &Snapshot) -> bool {
    (0..snapshot.zones().len() as u32).any(|index| {
        snapshot.transfer.of(index).is_some_and(|setup| {
            let zone = snapshot.zone(index);
            setup.serial != crate::config::SerialPolicy::Keep
                && super::content::fingerprint(
                    &super::content::steered_defaults(snapshot.services(), zone),
                    zone,
                ) != setup.fingerprint
        })
    })
}

/// Records differences from `old` and notifies secondaries of every zone whose serial moved
/// (every zone when there is no `old`).
async fn announce(shared: &Arc<Shared>, now: &Arc<Snapshot>, old: Option<Arc<Snapshot>>) {
    let origins: Vec<Vec<u8>> = now
        .zones()
        .iter()
        .map(|z| z.zone.origin().as_wire().to_vec())
        .collect();
    shared.transfers.history.retain(&origins);
    for (index, origin) in origins.iter().enumerate() {
        let index = index as u32;
        let Some(setup) = now.transfer.of(index) else {
            continue;
        };
        if (setup.acl.is_empty() && setup.notify.is_empty()) || now.zone_unavailable(index) {
            continue;
        }
        let new = shared.transfers.content(now, index);
        let previous = old.as_ref().and_then(|old| {
            let at = old.find_zone(origin)?;
            (old.zone(at).origin().as_wire() == origin.as_slice())
                .then(|| shared.transfers.content(old, at))
        });
        match previous {
            Some(previous) if !serial_newer(new.serial(), previous.serial()) => continue,
            Some(previous) if !setup.acl.is_empty() => {
                let task =
                    tokio::task::spawn_blocking(move || (Diff::between(&previous, &new), new));
                let Ok((diff, back)) = task.await else {
                    continue;
                };
                shared.transfers.history.push(origin, diff);
                notify_all(shared, now, index, &back);
            }
            // A new serial without transfers allowed, a zone added by a reload, or the start.
            _ => notify_all(shared, now, index, &new),
        }
    }
}

fn notify_all(shared: &Shared, snapshot: &Snapshot, zone: u32, content: &Content) {
    let Some(setup) = snapshot.transfer.of(zone) else {
        return;
    };
    for &target in &setup.notify {
        shared.transfers.notifier.send(Notice {
            origin: content.zone().origin().as_wire().to_vec(),
            soa: content.soa.clone(),
            target,
            key: setup.acl.key_for(target.ip()),
        });
    }
}
