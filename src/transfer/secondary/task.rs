//! One secondary zone's life: a refresh on the SOA's timers (`refresh` after a success,
//! `retry` after a failure) or at once on the primary's NOTIFY; a newer serial is transferred,
//! applied to the copy, saved and loaded by a reload. Every contact with the primary renews the
//! copy's expiry; when `expire` passes without one, the zone is reloaded as unavailable and
//! answers SERVFAIL until the primary is back.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::client::{self, Primary};
use super::reader::{Rr, Transfer};
use super::store::{self, Copy};
use crate::server::Shared;
use crate::snapshot::Snapshot;
use crate::transfer::serial_newer;
use crate::transfer::watch::Reload;
use crate::wire::Name;

/// Wait before trying again while no copy (and so no SOA timers) exists.
pub const NO_COPY_RETRY: Duration = Duration::from_secs(10);
/// Shortest wait between two refreshes, whatever the SOA says.
pub const MIN_WAIT: Duration = Duration::from_secs(1);

/// A secondary zone being kept up to date.
pub struct ZoneTask {
    pub origin: Name,
    pub primary: Primary,
    pub file: PathBuf,
    pub poke: Arc<Notify>,
    pub shared: Arc<Shared>,
    pub reload: Reload,
}

impl ZoneTask {
    pub async fn run(self) {
        let zone = self.origin.to_string();
        let loaded = {
            let (file, origin) = (self.file.clone(), self.origin.clone());
            tokio::task::spawn_blocking(move || file.exists().then(|| Copy::load(&file, &origin)))
        };
        let mut soa = match loaded.await {
            Ok(Some(Ok(copy))) => copy.soa,
            Ok(Some(Err(e))) => {
                tracing::warn!(%zone, "the kept copy cannot be read, transferring anew: {e}");
                None
            }
            _ => None,
        };
        let mut next = Instant::now();
        // Set once the zone was reloaded as expired, until the primary is reached again.
        let mut expired_once = false;
        loop {
            let expiry = soa
                .as_ref()
                .and_then(|soa| store::expires_at(&self.file, soa.soa_field(3)))
                .filter(|_| !expired_once && !self.unavailable())
                .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default());
            let expired = async {
                match expiry {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                _ = self.poke.notified() => {
                    tracing::info!(%zone, primary = %self.primary.address, "NOTIFY from the primary: refreshing");
                }
                _ = expired => {
                    tracing::warn!(%zone, primary = %self.primary.address,
                        "zone expired: no contact with the primary for the SOA's expire time; answering SERVFAIL");
                    self.reload("secondary zone expired").await;
                    expired_once = true;
                    continue;
                }
            }
            let wait = match self.refresh(&mut soa).await {
                Ok(changed) => {
                    expired_once = false;
                    if changed || self.unavailable() {
                        self.reload("zone transfer").await;
                    }
                    soa.as_ref()
                        .map_or(NO_COPY_RETRY, |s| seconds(s.soa_field(1)))
                }
                Err(why) => {
                    tracing::warn!(%zone, primary = %self.primary.address,
                        "zone refresh failed, the zone kept serves on: {why}");
                    soa.as_ref()
                        .map_or(NO_COPY_RETRY, |s| seconds(s.soa_field(2)))
                }
            };
            next = Instant::now() + wait;
        }
    }

    /// Whether the published snapshot answers SERVFAIL for the zone.
    fn unavailable(&self) -> bool {
        let snapshot = self.shared.snapshot.load();
        self.index_in(&snapshot)
            .is_none_or(|z| snapshot.zone_unavailable(z))
    }

    /// The zone's index in `snapshot`, when it is there.
    fn index_in(&self, snapshot: &Snapshot) -> Option<u32> {
        let origin = self.origin.to_lowercase();
        snapshot
            .find_zone(origin.as_wire())
            .filter(|&z| snapshot.zone(z).origin() == &origin)
    }

    /// Records a contact with the primary that found the copy current: on disk (the file's
    /// modification time, read at the next build) and in the published snapshot (its EDNS
    /// EXPIRE timer).
    fn contacted(&self) -> Result<(), String> {
        store::touch(&self.file).map_err(|e| format!("{}: {e}", self.file.display()))?;
        let snapshot = self.shared.snapshot.load();
        if let Some(zone) = self.index_in(&snapshot) {
            snapshot.note_contact(zone, store::last_contact(&self.file));
        }
        Ok(())
    }

    async fn reload(&self, why: &'static str) {
        let reload = self.reload.clone();
        let _ = tokio::task::spawn_blocking(move || reload(why)).await;
    }

    /// Asks the primary for its serial and transfers what is newer; true when the copy changed.
    async fn refresh(&self, soa: &mut Option<Rr>) -> Result<bool, String> {
        let origin = self.origin.to_lowercase().as_wire().to_vec();
        let theirs = client::soa(&self.primary, &origin).await?;
        if let Some(ours) = soa.as_ref()
            && !serial_newer(theirs.serial(), ours.serial())
        {
            self.contacted()?;
            return Ok(false);
        }
        let (copy, kind) = match client::transfer(&self.primary, &origin, soa.as_ref()).await? {
            Transfer::UpToDate { .. } => {
                self.contacted()?;
                return Ok(false);
            }
            Transfer::Full { soa, records } => (Copy::full(soa, records), "AXFR"),
            Transfer::Incremental { steps, .. } => match self.patched(steps).await {
                Ok(copy) => (copy, "IXFR"),
                Err(why) => {
                    tracing::warn!(zone = %self.origin, "IXFR does not apply ({why}); trying AXFR");
                    match client::transfer(&self.primary, &origin, None).await? {
                        Transfer::Full { soa, records } => (Copy::full(soa, records), "AXFR"),
                        _ => return Err("the primary did not answer AXFR with a zone".into()),
                    }
                }
            },
        };
        let serial = copy.soa.as_ref().map_or(0, Rr::serial);
        let records = copy.records.len() + 1;
        let (file, origin, source) = (
            self.file.clone(),
            self.origin.clone(),
            self.primary.address.to_string(),
        );
        let saved = tokio::task::spawn_blocking(move || {
            copy.save(&file, &origin, &source).map(|()| copy.soa)
        });
        let kept = saved
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("the transferred zone is not valid: {e}"))?;
        tracing::info!(zone = %self.origin, primary = %self.primary.address, serial, records, kind,
            "zone transferred");
        *soa = kept;
        Ok(true)
    }

    /// The copy on disk with `steps` applied.
    async fn patched(&self, steps: Vec<super::reader::Step>) -> Result<Copy, String> {
        let (file, origin) = (self.file.clone(), self.origin.clone());
        tokio::task::spawn_blocking(move || {
            let mut copy = Copy::load(&file, &origin)?;
            copy.apply(steps)?;
            Ok(copy)
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

fn seconds(value: u32) -> Duration {
    Duration::from_secs(u64::from(value)).max(MIN_WAIT)
}
