//! Builds a [`Snapshot`] from a loaded configuration: parses and checks every zone file, opens
//! the GeoIP databases, places each steered name in its zone and prepares its policy, and only
//! when all of that is valid hands the targets to the health registry. Every problem found is
//! reported, not just the first.

use std::path::Path;
use std::sync::Arc;

use super::{FileIdentity, LoadedZone, Settings, Snapshot, cookie_settings, presigned, signing};
use crate::authoritative::prepared;
use crate::config::{CheckConfig, Config, GeoRule, LoadedConfig, PolicyKind};
use crate::dnssec::sign::keys::KeyAccess;
use crate::geo::{GeoDatabase, PlaceField};
use crate::health::{DatacenterHealth, HealthRegistry, ProbeSpec, TargetHealth};
use crate::metrics::Metrics;
use crate::policy::{self, Service};
use crate::wire::{Name, rtype};
use crate::zone::{ParseOptions, Record, ZoneBuilder, parse_zone_file};

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
    let mut config_error =
        |key: String, message: String| format!("{config_file}: {key}: {message}");

    let mut geo_files = Vec::new();
    let geo = match &config.geoip {
        Some(geoip) => {
            let database = loaded.resolve(&geoip.database);
            let asn = geoip.asn_database.as_ref().map(|p| loaded.resolve(p));
            geo_files.push(FileIdentity::of(&database));
            geo_files.extend(asn.as_deref().map(FileIdentity::of));
            let loaded_geo = previous.and_then(|p| p.geo.as_deref());
            report.warnings.extend(
                loaded_geo
                    .map(GeoDatabase::rewritten_in_place)
                    .unwrap_or_default(),
            );
            let reusable = previous
                .filter(|p| p.geo_files == geo_files && geo_files.iter().all(|f| f.stamp.is_some()))
                .and_then(|p| p.geo.clone());
            match reusable {
                Some(db) => Some(db),
                None => match GeoDatabase::open(&database, asn.as_deref()) {
                    Ok(db) => {
                        report.warnings.extend(db.warnings());
                        Some(Arc::new(db))
                    }
                    Err(e) => {
                        report.errors.push(e.to_string());
                        None
                    }
                },
            }
        }
        None => None,
    };
    if let Some(db) = &geo {
        report.errors.extend(unmet_geo_needs(config, db));
    }

    // Steered names, each placed in the zone with the longest origin above it.
    let mut service_names = Vec::with_capacity(config.services.len());
    for (i, service) in config.services.iter().enumerate() {
        if let Ok(name) = Name::parse(&service.name, None) {
            service_names.push((i, name.to_lowercase()));
        }
    }
    let mut zone_of_service: Vec<Option<usize>> = vec![None; config.services.len()];
    let origins: Vec<(usize, Name)> = config
        .zones
        .keys()
        .enumerate()
        .filter_map(|(z, origin)| {
            Name::parse(origin, None)
                .ok()
                .map(|n| (z, n.to_lowercase()))
        })
        .collect();
    for (i, name) in &service_names {
        let best = origins
            .iter()
            .filter(|(_, origin)| name.is_subdomain_of(origin))
            .max_by_key(|(_, origin)| origin.len());
        match best {
            Some((z, _)) => zone_of_service[*i] = Some(*z),
            None => report.errors.push(config_error(
                format!("services[{i}].name"),
                format!("{name} is in no zone of [zones]"),
            )),
        }
    }

    let keys = match crate::transfer::Setup::keys(loaded) {
        Ok(keys) => keys,
        Err(problems) => {
            for (key, message) in problems {
                report.errors.push(config_error(key, message));
            }
            Default::default()
        }
    };
    let mut transfer_zones = Vec::with_capacity(config.zones.len());
    let mut retained_zones = Vec::new();
    let persist_serials = matches!(health, Health::Live(_));
    let mut zones = Vec::with_capacity(config.zones.len());
    for (z, (origin_text, entry)) in config.zones.iter().enumerate() {
        let Ok(origin) = Name::parse(origin_text, None) else {
            continue; // reported by config validation
        };
        let Some(file) = &entry.file else {
            continue; // reported by config validation
        };
        let path = loaded.resolve(file);
        let secondary = entry.is_secondary();
        let records = if secondary && !path.exists() {
            Some(crate::transfer::secondary::placeholder(&origin, &path))
        } else {
            parse(&origin, &path, &mut report)
        };
        let Some(mut records) = records else {
            continue;
        };
        let unavailable = secondary && crate::transfer::secondary::unavailable(&path, &records);
        let mut signatures = None;
        if entry.dnssec.is_none() && !secondary {
            let in_zone = service_names
                .iter()
                .filter(|(i, _)| zone_of_service[*i] == Some(z));
            let problems = presigned::check(&origin, &records, in_zone, &mut config_error);
            if !problems.is_empty() {
                report.errors.extend(problems);
                continue;
            }
        }
        if let Some(dnssec) = entry.dnssec.as_ref().filter(|_| !secondary) {
            let steered: Vec<(Name, Vec<u16>)> = service_names
                .iter()
                .filter(|(i, _)| zone_of_service[*i] == Some(z))
                .map(|(i, name)| (name.clone(), signing::steered_types(config, *i)))
                .collect();
            let carried = previous.and_then(|p| p.zone_signatures(&origin));
            let signed = signing::sign(
                loaded,
                &origin,
                dnssec,
                records,
                &steered,
                carried,
                access,
                &path,
                &mut report.warnings,
            );
            match signed {
                Ok((signed, state)) => (records, signatures) = (signed, state),
                Err(errors) => {
                    report.errors.extend(errors);
                    continue;
                }
            }
        }
        let mut sources: Vec<std::path::PathBuf> = vec![path.clone()];
        let mut last: Option<&Arc<Path>> = None;
        for record in &records {
            let file = &record.source.file;
            if last.is_some_and(|last| Arc::ptr_eq(last, file)) {
                continue;
            }
            last = Some(file);
            if !sources.iter().any(|known| **known == **file) {
                sources.push(file.to_path_buf());
            }
        }
        let mut builder = ZoneBuilder::new(&origin, &path);
        let mut placed = Vec::new();
        for (i, name) in &service_names {
            if zone_of_service[*i] != Some(z) {
                continue;
            }
            if let Some(cname) = records
                .iter()
                .find(|r| r.rtype == rtype::CNAME && r.owner.eq_ignore_case(name))
            {
                report.errors.push(config_error(
                    format!("services[{i}].name"),
                    format!(
                        "{name} has a CNAME at {}; a steered name cannot be an alias",
                        cname.source
                    ),
                ));
                continue;
            }
            builder.add_service(name, *i as u32);
            placed.push((name.clone(), *i as u32));
        }
        // A zone whose serial may move without its file keeps its records until the
        // steered names' defaults are known (transfer::setup::finish).
        let retained = (entry.serial != crate::config::SerialPolicy::Keep).then(|| {
            crate::transfer::setup::Retained {
                index: zones.len(),
                origin: origin.clone(),
                services: placed,
                records: records.clone(),
                policy: entry.serial,
            }
        });
        let signature_expiry =
            crate::dnssec::presigned::earliest_expiration(&records, crate::dnssec::time::now());
        builder.add_records(records);
        match builder.finish() {
            Ok((mut zone, warnings)) => {
                // With its steered names in place, the zone's common answers are written once.
                crate::dnssec::denial::index(&mut zone);
                prepared::prepare(&mut zone);
                report
                    .warnings
                    .extend(warnings.iter().map(ToString::to_string));
                for (i, name) in &service_names {
                    if zone_of_service[*i] == Some(z) {
                        check_placement(&zone, name, *i, &mut report, &mut config_error);
                    }
                }
                transfer_zones.push(crate::transfer::Setup::zone(entry, &keys));
                retained_zones.extend(retained);
                zones.push(LoadedZone {
                    metric_id: metrics.zone_id(&zone.origin().to_string()),
                    zone,
                    file: path,
                    sources,
                    signatures,
                    unavailable,
                    signature_expiry,
                });
            }
            Err(problems) => {
                report
                    .errors
                    .extend(problems.errors.iter().map(ToString::to_string));
                report
                    .warnings
                    .extend(problems.warnings.iter().map(ToString::to_string));
            }
        }
    }
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

/// Rules and policies that need a field no record of the GeoIP database has: they could never
/// match, and every client would get the default answer without a word. One error per field
/// and service, naming the first rule that needs it.
fn unmet_geo_needs(config: &Config, geo: &GeoDatabase) -> Vec<String> {
    let mut errors = Vec::new();
    for (i, service) in config.services.iter().enumerate() {
        let mut needs: Vec<(PlaceField, String)> = Vec::new();
        if service.policy == PolicyKind::Nearest {
            needs.push((
                PlaceField::Coordinates,
                format!("services[{i}].policy = \"nearest\""),
            ));
        }
        for rule in service.geo.keys() {
            let field = match GeoRule::parse(rule) {
                Ok(GeoRule::Continent(_)) => PlaceField::Continent,
                Ok(GeoRule::Country(_)) => PlaceField::Country,
                Ok(GeoRule::Subdivision(..)) => PlaceField::Subdivision,
                _ => continue,
            };
            if needs.iter().all(|(known, _)| *known != field) {
                needs.push((field, format!("services[{i}].geo.{rule:?}")));
            }
        }
        for (field, needed_by) in needs {
            if let Err(error) = geo.require(field, &needed_by) {
                errors.push(error.to_string());
            }
        }
    }
    errors
}

fn parse(origin: &Name, path: &Path, report: &mut BuildReport) -> Option<Vec<Record>> {
    match parse_zone_file(path, origin, &ParseOptions::default()) {
        Ok(records) => Some(records),
        Err(errors) => {
            report.errors.extend(errors.iter().map(ToString::to_string));
            None
        }
    }
}

/// A steered name must not sit at or below a zone cut.
fn check_placement(
    zone: &crate::zone::Zone,
    name: &Name,
    index: usize,
    report: &mut BuildReport,
    config_error: &mut dyn FnMut(String, String) -> String,
) {
    let Some(id) = zone.find(name.as_wire()) else {
        return;
    };
    let node = zone.node(id);
    if node.cut().is_some() {
        report.errors.push(config_error(
            format!("services[{index}].name"),
            format!(
                "{name} is at or below a delegation in zone {}",
                zone.origin()
            ),
        ));
    }
}

/// Prepares every service; with live health, registers the targets' probes.
fn build_services(loaded: &LoadedConfig, health: Health<'_>) -> Result<Vec<Service>, Vec<String>> {
    let config = &loaded.config;
    let config_file = loaded.path.display().to_string();
    // One probe spec per (service, target) that has an address to probe.
    let mut specs: Vec<ProbeSpec> = Vec::new();
    let mut spec_of: Vec<Vec<Option<usize>>> = Vec::new();
    let mut errors = Vec::new();
    for (i, service) in config.services.iter().enumerate() {
        let mut row = Vec::with_capacity(service.targets.len());
        for (t, target) in service.targets.iter().enumerate() {
            let check_name = target.check.as_ref().or(service.check.as_ref());
            let check = check_name.and_then(|name| config.checks.get(name).map(|c| (name, c)));
            let served = target.address.as_ref().and_then(|a| a.parse().ok());
            let probe_address = served.or_else(|| {
                check
                    .and_then(|(_, c)| c.address.as_ref())
                    .and_then(|a| a.parse().ok())
            });
            let Some(address) = probe_address else {
                row.push(None);
                continue;
            };
            let spec = match check {
                Some((name, check)) => ProbeSpec::checked(
                    address,
                    &target.datacenter,
                    name,
                    &resolved_check(loaded, check),
                )
                .map_err(|e| format!("{config_file}: services[{i}].targets[{t}]: {e}")),
                None => Ok(ProbeSpec::unchecked(address, &target.datacenter)),
            };
            match spec {
                Ok(spec) => {
                    row.push(Some(specs.len()));
                    specs.push(spec);
                }
                Err(e) => {
                    errors.push(e);
                    row.push(None);
                }
            }
        }
        spec_of.push(row);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let datacenter_names: Vec<String> = config.datacenters.keys().cloned().collect();
    if matches!(health, Health::Live(_)) {
        // Check every policy before the registry starts or stops probers: a configuration
        // rejected here must leave the running targets exactly as they were.
        let offline = Health::Offline { down: &[] };
        assemble(loaded, &specs, &spec_of, &datacenter_names, offline)?;
    }
    assemble(loaded, &specs, &spec_of, &datacenter_names, health)
}

/// Builds every service with the health state `health` hands out for the probe specs.
fn assemble(
    loaded: &LoadedConfig,
    specs: &[ProbeSpec],
    spec_of: &[Vec<Option<usize>>],
    datacenter_names: &[String],
    health: Health<'_>,
) -> Result<Vec<Service>, Vec<String>> {
    let config = &loaded.config;
    let config_file = loaded.path.display().to_string();
    let mut errors = Vec::new();
    let (target_states, datacenter_states): (Vec<Arc<TargetHealth>>, Vec<Arc<DatacenterHealth>>) =
        match health {
            Health::Live(registry) => {
                let reconciled = registry
                    .reconcile(specs, datacenter_names)
                    .map_err(|e| vec![format!("{config_file}: {e}")])?;
                (reconciled.targets, reconciled.datacenters)
            }
            Health::Offline { down } => (
                specs
                    .iter()
                    .map(|s| Arc::new(TargetHealth::standalone(s.address, &s.datacenter, true)))
                    .collect(),
                datacenter_names
                    .iter()
                    .map(|name| Arc::new(DatacenterHealth::new(name, down.contains(name))))
                    .collect(),
            ),
        };
    let mut services = Vec::with_capacity(config.services.len());
    for (i, service) in config.services.iter().enumerate() {
        let mut target_health = |t: usize| match spec_of[i][t] {
            Some(s) => target_states[s].clone(),
            None => Arc::new(TargetHealth::standalone(
                std::net::IpAddr::from([0, 0, 0, 0]),
                &service.targets[t].datacenter,
                true,
            )),
        };
        let mut datacenter_health = |name: &str| {
            datacenter_names
                .iter()
                .position(|n| n == name)
                .map(|d| datacenter_states[d].clone())
                .unwrap_or_else(|| Arc::new(DatacenterHealth::new(name, false)))
        };
        match policy::build::build_service(
            i,
            service,
            config,
            &mut target_health,
            &mut datacenter_health,
        ) {
            Ok(built) => services.push(built),
            Err((key, message)) => errors.push(format!("{config_file}: {key}: {message}")),
        }
    }
    if errors.is_empty() {
        Ok(services)
    } else {
        Err(errors)
    }
}

/// The check with its file paths resolved against the configuration's directory.
fn resolved_check(loaded: &LoadedConfig, check: &CheckConfig) -> CheckConfig {
    let mut check = check.clone();
    if let Some(ca) = &check.ca_file {
        check.ca_file = Some(loaded.resolve(ca).display().to_string());
    }
    check
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
