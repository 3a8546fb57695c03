//! Builds a [`Zone`] from parsed records and checks it as Knot's loader does: one SOA at the
//! apex, NS at the apex, no CNAME beside other data, nothing outside the origin; missing glue
//! for in-bailiwick name servers is a warning.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`ZoneBuilder`]: collecting records and steered names, then [`ZoneBuilder::finish`] |
//! | `arena.rs` | the arena: names, nodes and encoded RRsets, the name index |
//! | `checks.rs` | semantic checks: errors and warnings with file and line |
//! | `adjust.rs` | zone cuts, occlusion, DNAME and wildcard flags, glue and additional links |
//! | `signed.rs` | DNSSEC data: each RRset's RRSIGs, the NSEC3 chain out of the name tree |
//!
//! The answers prepared from a zone are written after it is built, by
//! [`crate::authoritative::prepared::prepare`]: the zone stores them without reading them.

mod adjust;
mod arena;
mod checks;
mod signed;

use std::path::Path;
use std::sync::Arc;

use super::record::{Record, SourceLocation, ZoneError};
use super::tree::Zone;
use crate::wire::name::{Name, wire_name_len};
use arena::Draft;

/// Why a zone was rejected.
#[derive(Debug, Clone, Default)]
pub struct ZoneProblems {
    pub errors: Vec<ZoneError>,
    pub warnings: Vec<ZoneError>,
}

/// Collects records and steered names, then checks and freezes them into a [`Zone`].
pub struct ZoneBuilder {
    origin: Name,
    file: Arc<Path>,
    records: Vec<Record>,
    services: Vec<(Name, u32)>,
    errors: Vec<ZoneError>,
    warnings: Vec<ZoneError>,
}

impl ZoneBuilder {
    pub fn new(origin: &Name, file: &Path) -> ZoneBuilder {
        ZoneBuilder {
            origin: origin.to_lowercase(),
            file: Arc::from(file),
            records: Vec::new(),
            services: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Adds records read from the zone file.
    pub fn add_records(&mut self, records: Vec<Record>) {
        if self.records.is_empty() {
            self.records = records;
        } else {
            self.records.extend(records);
        }
    }

    /// Marks a name as steered by service `id`; the node is created when the zone has no data
    /// there, so that other types at the name answer NODATA.
    pub fn add_service(&mut self, name: &Name, id: u32) {
        self.services.push((name.to_lowercase(), id));
    }

    fn error(&mut self, line: u32, message: String) {
        let location = SourceLocation {
            file: self.file.clone(),
            line,
        };
        self.errors.push(ZoneError { location, message });
    }

    fn warn(&mut self, line: u32, message: String) {
        let location = SourceLocation {
            file: self.file.clone(),
            line,
        };
        self.warnings.push(ZoneError { location, message });
    }

    /// Checks everything and builds the zone; returns it with the warnings, or every error
    /// (with the warnings found on the way).
    pub fn finish(mut self) -> Result<(Zone, Vec<ZoneError>), ZoneProblems> {
        let mut records = std::mem::take(&mut self.records);
        for record in &mut records {
            record.owner = record.owner.to_lowercase();
        }
        let mut records = self.keep_in_origin(records);
        let nsec3 = signed::split_nsec3(&mut records, &self.origin);
        arena::sort_records(&mut records);

        let mut draft = Draft::new(&self.origin, records.len());
        let encoded = draft.encode(&records);
        let mut rrsets = encoded.rrsets;
        self.check_rrsets(&records);
        self.check_apex(&draft, &rrsets);
        draft.add_services(&self.origin, std::mem::take(&mut self.services));
        draft.add_empty_non_terminals(self.origin.len());
        self.check_cnames(&draft, &rrsets, &records);

        self.mark_cuts(&mut draft, &rrsets);
        let additional = self.link_additional(&draft, &mut rrsets, &records);
        let signed = signed::build(&mut draft, &rrsets, encoded.negative_soa, nsec3);
        if !self.errors.is_empty() {
            return Err(ZoneProblems {
                errors: self.errors,
                warnings: self.warnings,
            });
        }
        let Draft {
            arena,
            nodes,
            names,
        } = draft;
        let zone = Zone {
            origin: self.origin,
            arena,
            nodes,
            rrsets,
            additional,
            names,
            negative_soa: encoded.negative_soa,
            serial: encoded.serial,
            record_count: records.len(),
            prepared: Vec::new(),
            prepared_zone: None,
            signed,
        };
        Ok((zone, self.warnings))
    }
}

/// The line of the first record with this owner and type.
fn line_in(records: &[Record], owner: &[u8], rtype: u16) -> u32 {
    records
        .iter()
        .find(|r| r.rtype == rtype && r.owner.as_wire() == owner)
        .map_or(0, |r| r.source.line)
}

fn display(wire: &[u8]) -> String {
    let mut out = String::new();
    let _ = crate::wire::name::write_presentation(wire, &mut out);
    out
}

/// SOA serial and MINIMUM from the rdata.
pub(crate) fn soa_fields(rdata: &[u8]) -> Option<(u32, u32)> {
    let mname = wire_name_len(rdata)?;
    let rname = wire_name_len(rdata.get(mname..)?)?;
    let fixed = rdata.get(mname + rname..mname + rname + 20)?;
    let serial = u32::from_be_bytes(fixed[0..4].try_into().ok()?);
    let minimum = u32::from_be_bytes(fixed[16..20].try_into().ok()?);
    Some((serial, minimum))
}
