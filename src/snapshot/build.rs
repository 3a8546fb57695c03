//! Builds a [`Snapshot`] from a loaded configuration: parses and checks every zone file, and
//! reports every problem found (not just the first).

use std::path::Path;

use super::{LoadedZone, Settings, Snapshot};
use crate::config::LoadedConfig;
use crate::metrics::Metrics;
use crate::wire::Name;
use crate::zone::ZoneBuilder;
use crate::zone::parse::{ParseOptions, parse_zone_file};

/// Problems that stop a snapshot from being built, each a line such as
/// `zones/example.com.zone:42: CNAME and other data at www.example.com.`.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Builds generation `generation` of the snapshot.
pub fn build(
    loaded: &LoadedConfig,
    generation: u64,
    metrics: &Metrics,
) -> Result<(Snapshot, BuildReport), BuildReport> {
    let config = &loaded.config;
    let mut report = BuildReport::default();
    let settings = settings(loaded);
    let mut zones = Vec::with_capacity(config.zones.len());
    for (origin_text, file) in &config.zones {
        let Ok(origin) = Name::parse(origin_text, None) else {
            continue; // reported by config validation
        };
        let path = loaded.resolve(file);
        match load_zone(&origin, &path, &mut report) {
            Some(zone) => zones.push(LoadedZone {
                metric_id: metrics.zone_id(&zone.origin().to_string()),
                zone,
                file: path,
            }),
            None => continue,
        }
    }
    if !report.errors.is_empty() {
        return Err(report);
    }
    Ok((Snapshot::new(generation, settings, zones), report))
}

/// Parses and checks one zone file.
fn load_zone(origin: &Name, path: &Path, report: &mut BuildReport) -> Option<crate::zone::Zone> {
    let records = match parse_zone_file(path, origin, &ParseOptions::default()) {
        Ok(records) => records,
        Err(errors) => {
            report.errors.extend(errors.iter().map(ToString::to_string));
            return None;
        }
    };
    let mut builder = ZoneBuilder::new(origin, path);
    builder.add_records(records);
    match builder.finish() {
        Ok((zone, warnings)) => {
            report.warnings.extend(warnings.iter().map(ToString::to_string));
            Some(zone)
        }
        Err(problems) => {
            report.errors.extend(problems.errors.iter().map(ToString::to_string));
            report.warnings.extend(problems.warnings.iter().map(ToString::to_string));
            None
        }
    }
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
    }
}
