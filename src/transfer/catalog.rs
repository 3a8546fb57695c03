//! The catalog zone producer (RFC 9432) of `[catalog]`: a zone listing every zone this server
//! is primary for, built with each snapshot and then served, transferred and announced like
//! any zone. Its serial moves (`increment`, kept in `<catalog zone>zone.serial` beside the
//! configuration) whenever the list of member zones changes, so a reload that adds or removes
//! a zone reaches the consumers by NOTIFY and IXFR.
//!
//! ```text
//! catalog.example.  0 IN SOA invalid. invalid. SERIAL 3600 600 2147483646 0
//! catalog.example.  0 IN NS  invalid.
//! version           0 IN TXT "2"
//! <id>.zones        0 IN PTR example.com.     ; one per member; <id> from the member's name
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::{CatalogConfig, LoadedConfig, SerialPolicy, ZoneConfig};
use crate::wire::Name;
use crate::zone::{ParseOptions, Zone, ZoneBuilder, parse_zone_text};

/// The catalog zone of one configuration generation.
pub struct Catalog {
    pub zone: Zone,
    /// Where its serial state is kept (`<path>.serial`); no zone file is read or written.
    pub path: PathBuf,
    /// Its transfer settings, as a `[zones]` table would give them.
    pub config: ZoneConfig,
}

/// The member's unique label (RFC 9432 §4.1): the first 8 bytes of the SHA-256 of its
/// lowercased wire name, in hex, so that it stays the same across reloads and restarts.
pub fn member_label(member: &Name) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, member.to_lowercase().as_wire());
    digest.as_ref()[..8]
        .iter()
        .fold(String::with_capacity(16), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The catalog's zone text at `serial`.
pub fn text(origin: &Name, members: &[Name], serial: u32) -> String {
    let mut out = format!(
        "$ORIGIN {origin}\n@ 0 IN SOA invalid. invalid. {serial} 3600 600 2147483646 0\n\
         @ 0 IN NS invalid.\nversion 0 IN TXT \"2\"\n"
    );
    for member in members {
        let _ = writeln!(out, "{}.zones 0 IN PTR {member}", member_label(member));
    }
    out
}

/// Builds the catalog listing `members`; `persist` records its serial (not for `check`).
pub fn build(
    loaded: &LoadedConfig,
    config: &CatalogConfig,
    members: &[Name],
    persist: bool,
) -> Result<Catalog, String> {
    let origin = Name::parse(&config.zone, None).map_err(|e| e.to_string())?;
    let path = loaded.resolve(&format!("{}zone", origin.to_lowercase()));
    let mut sorted: Vec<Name> = members.iter().map(Name::to_lowercase).collect();
    sorted.sort_by(|a, b| a.as_wire().cmp(b.as_wire()));
    let fingerprint = sorted.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, name| {
        name.as_wire().iter().fold(hash, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    });
    let serial = if persist {
        super::serial::choose(SerialPolicy::Increment, &path, 1, fingerprint)?
    } else {
        1
    };
    let zone = zone(&origin, &sorted, serial, &path)?;
    Ok(Catalog {
        zone,
        path,
        config: ZoneConfig {
            notify: config.notify.clone(),
            allow_transfer: config.allow_transfer.clone(),
            ..ZoneConfig::default()
        },
    })
}

/// Adds the catalog of the zones built so far (those without `primary`) to a snapshot's zones
/// and transfer settings.
pub fn add(
    loaded: &LoadedConfig,
    config: &CatalogConfig,
    zones: &mut Vec<crate::snapshot::LoadedZone>,
    setups: &mut Vec<super::ZoneTransfer>,
    keys: &super::tsig::KeyRing,
    metrics: &crate::metrics::Metrics,
    persist: bool,
) -> Result<(), String> {
    let members: Vec<Name> = zones
        .iter()
        .zip(setups.iter())
        .filter(|(_, setup)| setup.primary.is_none())
        .map(|(zone, _)| zone.zone.origin().clone())
        .collect();
    let catalog = build(loaded, config, &members, persist)?;
    if zones
        .iter()
        .any(|z| z.zone.origin() == catalog.zone.origin())
    {
        return Err(format!(
            "zone: {} is also in [zones]",
            catalog.zone.origin()
        ));
    }
    setups.push(super::Setup::zone(&catalog.config, keys));
    zones.push(crate::snapshot::LoadedZone {
        metric_id: metrics.zone_id(&catalog.zone.origin().to_string()),
        zone: catalog.zone,
        file: catalog.path,
        sources: Vec::new(),
        unavailable: false,
        last_contact: None,
        signature_expiry: None,
        signatures: None,
    });
    Ok(())
}

fn zone(origin: &Name, members: &[Name], serial: u32, path: &Path) -> Result<Zone, String> {
    let text = text(origin, members, serial);
    let records =
        parse_zone_text(&text, path, origin, &ParseOptions::default()).map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let mut builder = ZoneBuilder::new(origin, path);
    builder.add_records(records);
    let (zone, _) = builder.finish().map_err(|p| {
        p.errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_listed_under_stable_labels() {
        let origin = Name::parse("catalog.invalid.", None).unwrap();
        let members = [
            Name::parse("example.com.", None).unwrap(),
            Name::parse("Example.NET.", None).unwrap(),
        ];
        let zone = zone(&origin, &members, 7, Path::new("c")).unwrap();
        assert_eq!(zone.serial(), 7);
        let label = member_label(&members[1]);
        assert_eq!(
            label,
            member_label(&Name::parse("example.net.", None).unwrap())
        );
        assert_eq!(label.len(), 16);
        let owner = Name::parse(&format!("{label}.zones.catalog.invalid."), None).unwrap();
        assert!(zone.find(owner.as_wire()).is_some());
        let version = Name::parse("version.catalog.invalid.", None).unwrap();
        assert!(zone.find(version.as_wire()).is_some());
    }
}
