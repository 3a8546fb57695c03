//! The zones of a snapshot, one configured zone at a time: its file parsed (or a secondary's
//! placeholder), checked as a zone signed elsewhere or signed online, its steered names placed,
//! the zone tree built with its prepared answers, and what the transfer side needs of it.

use std::path::Path;
use std::sync::Arc;

use super::build::BuildReport;
use super::{LoadedZone, Snapshot, presigned, signing};
use crate::authoritative::prepared;
use crate::config::LoadedConfig;
use crate::config::zones::ZoneConfig;
use crate::dnssec::sign::keys::KeyAccess;
use crate::metrics::Metrics;
use crate::transfer::ZoneTransfer;
use crate::transfer::setup::Retained;
use crate::transfer::tsig::KeyRing;
use crate::wire::{Name, rtype};
use crate::zone::{ParseOptions, Record, ZoneBuilder, parse_zone_file};

/// What loading the zones reads, and the zones loaded so far.
pub(super) struct ZoneLoader<'a> {
    pub loaded: &'a LoadedConfig,
    pub metrics: &'a Metrics,
    /// The serving snapshot, whose signatures are carried over.
    pub previous: Option<&'a Snapshot>,
    pub access: KeyAccess,
    pub keys: &'a KeyRing,
    /// Each service's index and lowercased name, and the index of the zone it is in.
    pub service_names: &'a [(usize, Name)],
    pub zone_of_service: &'a [Option<usize>],
    pub zones: Vec<LoadedZone>,
    pub transfer_zones: Vec<ZoneTransfer>,
    pub retained: Vec<Retained>,
}

impl ZoneLoader<'_> {
    fn config_error(&self, key: String, message: String) -> String {
        format!("{}: {key}: {message}", self.loaded.path.display())
    }

    /// The zone's records after DNSSEC: a zone signed elsewhere checked (its signatures valid
    /// now, no steered name inside), or the zone signed online with its signing state; `None`
    /// when that failed (the errors are in `report`).
    fn dnssec(
        &self,
        z: usize,
        origin: &Name,
        entry: &ZoneConfig,
        records: Vec<Record>,
        path: &Path,
        report: &mut BuildReport,
    ) -> Option<(Vec<Record>, Option<signing::ZoneSignatures>)> {
        let secondary = entry.is_secondary();
        if entry.dnssec.is_none() && !secondary {
            let in_zone = self
                .service_names
                .iter()
                .filter(|(i, _)| self.zone_of_service[*i] == Some(z));
            let problems = presigned::check(origin, &records, in_zone, &mut |k, m| {
                self.config_error(k, m)
            });
            if !problems.is_empty() {
                report.errors.extend(problems);
                return None;
            }
        }
        if let Some(dnssec) = entry.dnssec.as_ref().filter(|_| !secondary) {
            let steered: Vec<(Name, Vec<u16>)> = self
                .service_names
                .iter()
                .filter(|(i, _)| self.zone_of_service[*i] == Some(z))
                .map(|(i, name)| {
                    (
                        name.clone(),
                        signing::steered_types(&self.loaded.config, *i),
                    )
                })
                .collect();
            let carried = self.previous.and_then(|p| p.zone_signatures(origin));
            let signed = signing::sign(
                self.loaded,
                origin,
                dnssec,
                records,
                &steered,
                carried,
                self.access,
                path,
                &mut report.warnings,
            );
            return match signed {
                Ok(signed) => Some(signed),
                Err(errors) => {
                    report.errors.extend(errors);
                    None
                }
            };
        }
        Some((records, None))
    }

    /// Loads the configured zone `z` (`origin_text` = `entry`); every problem goes to
    /// `report`, and a zone with errors is left out.
    pub fn load(
        &mut self,
        z: usize,
        origin_text: &str,
        entry: &ZoneConfig,
        report: &mut BuildReport,
    ) {
        let Ok(origin) = Name::parse(origin_text, None) else {
            return; // reported by config validation
        };
        let Some(file) = &entry.file else {
            return; // reported by config validation
        };
        let path = self.loaded.resolve(file);
        let secondary = entry.is_secondary();
        let records = if secondary && !path.exists() {
            Some(crate::transfer::secondary::placeholder(&origin, &path))
        } else {
            parse(&origin, &path, report)
        };
        let Some(records) = records else {
            return;
        };
        let unavailable = secondary && crate::transfer::secondary::unavailable(&path, &records);
        let last_contact = secondary.then(|| {
            std::sync::atomic::AtomicU64::new(crate::transfer::secondary::store::last_contact(
                &path,
            ))
        });
        let Some((records, signatures)) = self.dnssec(z, &origin, entry, records, &path, report)
        else {
            return;
        };
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
        for (i, name) in self.service_names {
            if self.zone_of_service[*i] != Some(z) {
                continue;
            }
            if let Some(cname) = records
                .iter()
                .find(|r| r.rtype == rtype::CNAME && r.owner.eq_ignore_case(name))
            {
                report.errors.push(self.config_error(
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
                index: self.zones.len(),
                origin: origin.clone(),
                services: placed,
                records: records.clone(),
                policy: entry.serial,
            }
        });
        // Only a signed zone's signatures expire (a stray RRSIG in an unsigned zone is data).
        let signed =
            signatures.is_some() || crate::dnssec::presigned::is_presigned(&records, &origin);
        let signature_expiry = signed
            .then(|| {
                crate::dnssec::presigned::earliest_expiration(&records, crate::dnssec::time::now())
            })
            .flatten();
        builder.add_records(records);
        match builder.finish() {
            Ok((mut zone, warnings)) => {
                // With its steered names in place, the zone's common answers are written once.
                crate::dnssec::denial::index(&mut zone);
                prepared::prepare(&mut zone);
                report
                    .warnings
                    .extend(warnings.iter().map(ToString::to_string));
                for (i, name) in self.service_names {
                    if self.zone_of_service[*i] == Some(z) {
                        check_placement(&zone, name, *i, report, &mut |k, m| {
                            self.config_error(k, m)
                        });
                    }
                }
                self.transfer_zones
                    .push(crate::transfer::Setup::zone(entry, self.keys));
                self.retained.extend(retained);
                self.zones.push(LoadedZone {
                    metric_id: self.metrics.zone_id(&zone.origin().to_string()),
                    zone,
                    file: path,
                    sources,
                    signatures,
                    unavailable,
                    last_contact,
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
}

/// Each service's index and lowercased name (those that parse), and the index of the zone with
/// the longest origin above it; a name in no zone is an error.
pub(super) fn place_services(
    loaded: &LoadedConfig,
    report: &mut BuildReport,
) -> (Vec<(usize, Name)>, Vec<Option<usize>>) {
    let config = &loaded.config;
    let config_error =
        |key: String, message: String| format!("{}: {key}: {message}", loaded.path.display());
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
    (service_names, zone_of_service)
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
