//! Everything the query path reads, built off the hot path and published whole.
//!
//! A reload builds a new [`Snapshot`] and swaps it in; queries already running keep the old one
//! until they finish.

pub mod build;

pub use build::{BuildReport, Health, build};

use std::path::PathBuf;
use std::sync::Arc;
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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            identity: None,
            version: None,
            trace_from: Vec::new(),
            udp_payload: 1232,
        }
    }
}

/// A zone and the file it came from.
pub struct LoadedZone {
    pub zone: Zone,
    pub file: PathBuf,
    /// Stable id of the zone's name in the metrics.
    pub metric_id: u32,
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
    shortest_origin: usize,
    longest_origin: usize,
}

impl Snapshot {
    /// Assembles a snapshot from loaded parts.
    pub fn new(
        generation: u64,
        settings: Settings,
        zones: Vec<LoadedZone>,
        services: Vec<Service>,
        geo: Option<Arc<GeoDatabase>>,
    ) -> Snapshot {
        let mut zone_index = HashMap::with_capacity(zones.len());
        let mut shortest_origin = MAX_NAME_LEN;
        let mut longest_origin = 0;
        for (i, loaded) in zones.iter().enumerate() {
            let origin = loaded.zone.origin().as_wire();
            shortest_origin = shortest_origin.min(origin.len());
            longest_origin = longest_origin.max(origin.len());
            zone_index.insert(origin.into(), i as u32);
        }
        Snapshot {
            generation,
            loaded_at: SystemTime::now(),
            settings,
            zones,
            services,
            geo,
            zone_index,
            shortest_origin,
            longest_origin,
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
                && let Some(&index) = self.zone_index.get(suffix)
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

    pub fn zone(&self, index: u32) -> &Zone {
        &self.zones[index as usize].zone
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

    pub fn zones(&self) -> &[LoadedZone] {
        &self.zones
    }
}
