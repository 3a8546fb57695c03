//! Builds a [`Snapshot`] from a loaded configuration: parses and checks every zone file, opens
//! the GeoIP databases, places each steered name in its zone and prepares its policy, and only
//! when all of that is valid hands the targets to the health registry. Every problem found is
//! reported, not just the first. The steps are in their own files: the GeoIP databases
//! (`geoip.rs`), each zone with its DNSSEC (`zones.rs`, `presigned.rs`, `signing.rs`), the
//! services and their health (`services.rs`).

use std::sync::Arc;

use super::services::build_services;
use super::zones::{ZoneLoader, place_services};
use super::{Settings, Snapshot, cookie_settings, geoip};
use crate::config::LoadedConfig;
use crate::dnssec::sign::keys::KeyAccess;
use crate::health::HealthRegistry;
use crate::metrics::Metrics;

/// Errors and warnings, each a line such as
/// `zones/example.com.zone:42: CNAME and other data at www.example.com.`.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Where target health comes from.
pub enum Health<'a> {
    /// The running server's probers.
    Live(&'a HealthRegistry),
    /// No probes (check, explain): every target up, the named datacenters down.
    Offline { down: &'a [String] },
}

/// Builds generation `generation` of the snapshot.
pub fn build(
    loaded: &LoadedConfig,
    generation: u64,
    metrics: &Metrics,
    health: Health<'_>,
) -> Result<(Snapshot, BuildReport), BuildReport> {
    build_next(loaded, generation, metrics, health, None)
}

/// Builds the snapshot that follows `previous`, reusing its GeoIP database when the database
/// files are the same (path, size, modification time, inode), so that reloads stay cheap.
pub fn build_next(
    loaded: &LoadedConfig,
    generation: u64,
    metrics: &Metrics,
    health: Health<'_>,
    previous: Option<&Snapshot>,
) -> Result<(Snapshot, BuildReport), BuildReport> {
    let config = &loaded.config;
    let mut report = BuildReport::default();
    let config_file = loaded.path.display().to_string();
    let access = match health {
        Health::Live(_) => KeyAccess::Apply,
        Health::Offline { .. } => KeyAccess::ReadOnly,
    };
    let config_error = |key: String, message: String| format!("{config_file}: {key}: {message}");

    let (geo, geo_files) = geoip::open(loaded, previous, &mut report);
    if let Some(db) = &geo {
        report.errors.extend(geoip::unmet_needs(config, db));
    }

    let (service_names, zone_of_service) = place_services(loaded, &mut report);

    let keys = match crate::transfer::Setup::keys(loaded) {
        Ok(keys) => keys,
        Err(problems) => {
            for (key, message) in problems {
                report.errors.push(config_error(key, message));
            }
            Default::default()
        }
    };
    let persist_serials = matches!(health, Health::Live(_));
    let mut loader = ZoneLoader {
        loaded,
        metrics,
        previous,
        access,
        keys: &keys,
        service_names: &service_names,
        zone_of_service: &zone_of_service,
        zones: Vec::with_capacity(config.zones.len()),
        transfer_zones: Vec::with_capacity(config.zones.len()),
        retained: Vec::new(),
    };
    for (z, (origin_text, entry)) in config.zones.iter().enumerate() {
        loader.load(z, origin_text, entry, &mut report);
    }
    let ZoneLoader {
        mut zones,
        mut transfer_zones,
        retained: retained_zones,
        ..
    } = loader;
    if let Some(catalog) = config.catalog.as_ref().filter(|_| report.errors.is_empty()) {
        let (zones, setups) = (&mut zones, &mut transfer_zones);
        let added = crate::transfer::catalog::add(
            loaded,
            catalog,
            zones,
            setups,
            &keys,
            metrics,
            persist_serials,
        );
        if let Err(e) = added {
            report.errors.push(config_error("catalog".into(), e));
        }
    }
    if !report.errors.is_empty() {
        return Err(report);
    }

    let services = match build_services(loaded, health) {
        Ok(services) => services,
        Err(errors) => {
            report.errors.extend(errors);
            return Err(report);
        }
    };
    let finished = crate::transfer::setup::finish(
        &mut zones,
        &mut transfer_zones,
        retained_zones,
        &services,
        persist_serials,
    );
    if let Err(errors) = finished {
        report.errors.extend(errors);
        return Err(report);
    }
    let mut settings = settings(loaded);
    match cookie_settings(loaded) {
        Ok(cookies) => settings.cookies = cookies,
        Err(errors) => {
            report.errors.extend(errors);
            return Err(report);
        }
    }
    let steering_ids = services
        .iter()
        .map(|service| {
            let datacenters = service
                .datacenters
                .iter()
                .map(|d| metrics.datacenter_id(&d.name))
                .collect();
            (metrics.service_id(&service.name.to_string()), datacenters)
        })
        .collect();
    let mut snapshot = Snapshot::new(generation, settings, zones, services, geo);
    snapshot.steering_ids = steering_ids;
    snapshot.geo_files = geo_files;
    snapshot.transfer = Arc::new(crate::transfer::Setup::new(keys, transfer_zones));
    Ok((snapshot, report))
}

fn settings(loaded: &LoadedConfig) -> Settings {
    let server = &loaded.config.server;
    Settings {
        identity: server.identity.clone(),
        version: server.version.clone(),
        trace_from: server
            .trace_from
            .iter()
            .filter_map(|net| {
                net.parse::<ipnet::IpNet>()
                    .ok()
                    .or_else(|| net.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
            })
            .collect(),
        udp_payload: server.udp_payload,
        cookies: None,
    }
}
