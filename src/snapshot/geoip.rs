//! The GeoIP side of a snapshot build: the databases opened (or the previous build's reused
//! when their files are unchanged), and the rules that need a field the database lacks.

use std::sync::Arc;

use super::build::BuildReport;
use super::{FileIdentity, Snapshot};
use crate::config::{Config, GeoRule, LoadedConfig, PolicyKind};
use crate::geo::{GeoDatabase, PlaceField};

/// The configured GeoIP database, reusing `previous`'s when the database files are the same
/// (path, size, modification time, inode), and the identities of its files; problems go to
/// `report`.
pub(super) fn open(
    loaded: &LoadedConfig,
    previous: Option<&Snapshot>,
    report: &mut BuildReport,
) -> (Option<Arc<GeoDatabase>>, Vec<FileIdentity>) {
    let config = &loaded.config;
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
    (geo, geo_files)
}

/// Rules and policies that need a field no record of the GeoIP database has: they could never
/// match, and every client would get the default answer without a word. One error per field
/// and service, naming the first rule that needs it.
pub(super) fn unmet_needs(config: &Config, geo: &GeoDatabase) -> Vec<String> {
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
