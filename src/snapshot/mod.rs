//! Everything the query path reads, built off the hot path and published whole.
//!
//! A reload builds a new [`Snapshot`] and swaps it in; queries already running keep the old one
//! until they finish.

pub mod build;
mod cookies;
mod geoip;
mod presigned;
mod services;
pub mod signing;
#[cfg(test)]
mod tests;
mod zones;

pub use build::{BuildReport, Health, build, build_next};
pub use cookies::cookie_settings;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use hashbrown::HashMap;

use crate::geo::GeoDatabase;
use crate::policy::Service;
use crate::wire::name::MAX_NAME_LEN;
use crate::zone::Zone;

/// Answer-path settings from `[server]`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// NSID and CH TXT id.server / hostname.bind.
    pub identity: Option<String>,
    /// CH TXT version.bind.
    pub version: Option<String>,
    /// Networks allowed to ask for the decision trace.
    pub trace_from: Vec<ipnet::IpNet>,
    /// Our EDNS UDP payload size.
    pub udp_payload: u16,
    /// DNS Cookies; `None` when `[cookies] enabled = false` (the option is then ignored).
    pub cookies: Option<CookieSettings>,
}

/// `[cookies]` as the query path reads it: the secrets, read from their files when the
/// snapshot was built (so a reload rolls them), and the policy.
#[derive(Debug, Clone)]
pub struct CookieSettings {
    pub secrets: crate::cookies::Cookies,
    /// UDP queries with a COOKIE option but no valid server cookie get BADCOOKIE.
    pub require: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            identity: None,
            version: None,
            trace_from: Vec::new(),
            udp_payload: crate::config::DEFAULT_UDP_PAYLOAD,
            cookies: Some(CookieSettings {
                secrets: crate::cookies::Cookies::process_random().clone(),
                require: false,
            }),
        }
    }
}

/// A zone and the file it came from.
pub struct LoadedZone {
    pub zone: Zone,
    pub file: PathBuf,
    /// Every file that gave the zone records: `file` and those it `$INCLUDE`s.
    pub sources: Vec<PathBuf>,
    /// Stable id of the zone's name in the metrics.
    pub metric_id: u32,
    /// With online signing: the keys, plan and signatures the zone was signed with.
    pub signatures: Option<signing::ZoneSignatures>,
    /// A secondary zone not transferred yet or expired: answered SERVFAIL.
    pub unavailable: bool,
    /// A secondary zone's last contact with its primary (Unix seconds), moved on by each
    /// refresh without a new snapshot; `None` for a zone we are primary for.
    pub last_contact: Option<AtomicU64>,
    /// The earliest expiration of the zone's RRSIGs (signed online or elsewhere), Unix
    /// seconds; `None` for an unsigned zone.
    pub signature_expiry: Option<u64>,
}

/// Zones, steering and settings: one consistent generation of the configuration.
pub struct Snapshot {
    pub generation: u64,
    pub loaded_at: SystemTime,
    pub settings: Settings,
    zones: Vec<LoadedZone>,
    /// Steered names, indexed by the service id stored in zone nodes.
    services: Vec<Service>,
    geo: Option<Arc<GeoDatabase>>,
    /// Lowercased origin → index in `zones`.
    zone_index: HashMap<Box<[u8]>, u32>,
    /// The same map as a list when it is short: comparing a few origins costs less than
    /// hashing each suffix of the name. Empty when there are more than [`FEW_ZONES`].
    few_origins: Vec<(Box<[u8]>, u32)>,
    shortest_origin: usize,
    longest_origin: usize,
    /// Metric ids of each service and of each of its datacenters (same order as `services`).
    steering_ids: Vec<(u32, Vec<u32>)>,
    /// The GeoIP files the database was opened from, as they were then.
    geo_files: Vec<FileIdentity>,
    /// Zone transfer settings: TSIG keys, and per zone access, NOTIFY targets, serial policy.
    pub transfer: Arc<crate::transfer::Setup>,
}

/// A file as it was when read: path, device and inode, size, modification and change times
/// (a file replaced by rename, or rewritten in place, gets a new identity). A reload reuses what
/// was built from files whose identity did not change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIdentity {
    pub path: PathBuf,
    /// `None` when the file could not be read.
    pub stamp: Option<FileStamp>,
}

/// What identifies one version of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub device: u64,
    pub inode: u64,
    pub size: u64,
    pub modified: (i64, i64),
    pub changed: (i64, i64),
}

impl FileIdentity {
    /// The file's identity now (following symbolic links).
    pub fn of(path: &std::path::Path) -> FileIdentity {
        use std::os::unix::fs::MetadataExt;
        let stamp = std::fs::metadata(path).ok().map(|m| FileStamp {
            device: m.dev(),
            inode: m.ino(),
            size: m.len(),
            modified: (m.mtime(), m.mtime_nsec()),
            changed: (m.ctime(), m.ctime_nsec()),
        });
        FileIdentity {
            path: path.to_path_buf(),
            stamp,
        }
    }
}

/// Up to this many zones, [`Snapshot::find_zone`] compares origins instead of hashing.
const FEW_ZONES: usize = 8;

impl Snapshot {
    /// Assembles a snapshot from loaded parts.
    pub fn new(
        generation: u64,
        settings: Settings,
        zones: Vec<LoadedZone>,
        services: Vec<Service>,
        geo: Option<Arc<GeoDatabase>>,
    ) -> Snapshot {
        let mut zone_index: HashMap<Box<[u8]>, u32> = HashMap::with_capacity(zones.len());
        let mut shortest_origin = MAX_NAME_LEN;
        let mut longest_origin = 0;
        for (i, loaded) in zones.iter().enumerate() {
            let origin = loaded.zone.origin().as_wire();
            shortest_origin = shortest_origin.min(origin.len());
            longest_origin = longest_origin.max(origin.len());
            zone_index.insert(origin.into(), i as u32);
        }
        let few_origins = if zone_index.len() <= FEW_ZONES {
            zone_index
                .iter()
                .map(|(origin, &index)| (origin.clone(), index))
                .collect()
        } else {
            Vec::new()
        };
        Snapshot {
            generation,
            loaded_at: SystemTime::now(),
            settings,
            zones,
            services,
            geo,
            zone_index,
            few_origins,
            shortest_origin,
            longest_origin,
            steering_ids: Vec::new(),
            geo_files: Vec::new(),
            transfer: Arc::default(),
        }
    }

    /// The zone with the longest origin that `lower_name` lies at or below.
    pub fn find_zone(&self, lower_name: &[u8]) -> Option<u32> {
        let mut pos = 0usize;
        while pos < lower_name.len() {
            let suffix = &lower_name[pos..];
            if suffix.len() < self.shortest_origin {
                return None;
            }
            if suffix.len() <= self.longest_origin
                && let Some(index) = self.origin_index(suffix)
            {
                return Some(index);
            }
            if suffix[0] == 0 {
                return None;
            }
            pos += suffix[0] as usize + 1;
        }
        None
    }

    /// The zone whose origin is exactly `lower_name`.
    fn origin_index(&self, lower_name: &[u8]) -> Option<u32> {
        if self.few_origins.is_empty() {
            return self.zone_index.get(lower_name).copied();
        }
        self.few_origins
            .iter()
            .find(|(origin, _)| **origin == *lower_name)
            .map(|&(_, index)| index)
    }

    pub fn zone(&self, index: u32) -> &Zone {
        &self.zones[index as usize].zone
    }

    /// Whether the zone at `index` answers SERVFAIL (a secondary zone without a current copy).
    #[inline]
    pub fn zone_unavailable(&self, index: u32) -> bool {
        self.zones
            .get(index as usize)
            .is_some_and(|z| z.unavailable)
    }

    /// The zone's expire timer for EDNS EXPIRE (RFC 7314 §3) at `now` (Unix seconds): the
    /// SOA's expire for a zone we are primary for; for a secondary zone, what is left of it
    /// since the last contact with the primary, so that a secondary of ours never keeps the
    /// zone longer than the primary allows.
    pub fn expire_timer(&self, index: u32, now: u64) -> u32 {
        let Some(loaded) = self.zones.get(index as usize) else {
            return 0;
        };
        let expire = loaded.zone.soa_expire();
        match &loaded.last_contact {
            None => expire,
            Some(contact) => {
                let left =
                    (contact.load(Ordering::Relaxed) + u64::from(expire)).saturating_sub(now);
                left.min(u64::from(expire)) as u32
            }
        }
    }

    /// [`Snapshot::expire_timer`] now.
    pub fn expire_timer_now(&self, index: u32) -> u32 {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.expire_timer(index, now)
    }

    /// Records a contact with the primary of the secondary zone at `index` (a refresh that
    /// found the copy current), for [`Snapshot::expire_timer`].
    pub fn note_contact(&self, index: u32, now: u64) {
        if let Some(contact) = self
            .zones
            .get(index as usize)
            .and_then(|z| z.last_contact.as_ref())
        {
            contact.fetch_max(now, Ordering::Relaxed);
        }
    }

    /// The steered name with this id.
    pub fn service(&self, index: u32) -> Option<&Service> {
        self.services.get(index as usize)
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The GeoIP database, when configured.
    pub fn geo(&self) -> Option<&GeoDatabase> {
        self.geo.as_deref()
    }

    /// The shared handle to the GeoIP database (reused by reloads when unchanged).
    pub fn geo_handle(&self) -> Option<&Arc<GeoDatabase>> {
        self.geo.as_ref()
    }

    /// The zone's id in the metrics.
    pub fn zone_metric_id(&self, index: u32) -> u32 {
        self.zones.get(index as usize).map_or(0, |z| z.metric_id)
    }

    /// The signing state of the zone `origin`, when this snapshot signed it.
    pub fn zone_signatures(&self, origin: &crate::wire::Name) -> Option<&signing::ZoneSignatures> {
        self.zones
            .iter()
            .find(|z| z.zone.origin().eq_ignore_case(origin))
            .and_then(|z| z.signatures.as_ref())
    }

    /// When a signed zone is next due to be signed again, if any is signed.
    pub fn resign_at(&self) -> Option<u64> {
        self.zones
            .iter()
            .filter_map(|z| z.signatures.as_ref()?.resign_at)
            .min()
    }

    pub fn zones(&self) -> &[LoadedZone] {
        &self.zones
    }

    /// Metric ids of a steering decision's service and datacenter (0 when unknown).
    #[inline]
    pub fn steering_metric_ids(&self, service: u32, datacenter: Option<u16>) -> (u32, u32) {
        match self.steering_ids.get(service as usize) {
            Some((id, datacenters)) => (
                *id,
                datacenter
                    .and_then(|d| datacenters.get(usize::from(d)).copied())
                    .unwrap_or(0),
            ),
            None => (0, 0),
        }
    }

    /// The GeoIP files the database was opened from.
    pub fn geo_files(&self) -> &[FileIdentity] {
        &self.geo_files
    }
}
