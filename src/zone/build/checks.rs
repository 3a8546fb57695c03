//! Semantic checks, as Knot's loader makes them: nothing outside the origin, one SOA and only
//! at the apex, NS at the apex, one CNAME (or DNAME) per name and nothing beside a CNAME, one
//! TTL per RRset. Errors reject the zone; warnings are reported with it.

use super::super::record::Record;
use super::super::tree::{NO_SERVICE, RRsetEntry};
use super::arena::{Draft, rrsets};
use super::{ZoneBuilder, display, line_in};
use crate::wire::rtype;

impl ZoneBuilder {
    /// The records at or below the origin; every other one is an error.
    pub(super) fn keep_in_origin(&mut self, records: Vec<Record>) -> Vec<Record> {
        let mut kept = Vec::with_capacity(records.len());
        for record in records {
            if !record.owner.is_subdomain_of(&self.origin) {
                self.error(
                    record.source.line,
                    format!("{} is outside the origin {}", record.owner, self.origin),
                );
            } else {
                kept.push(record);
            }
        }
        kept
    }

    /// Per-RRset rules for the sorted records, in their order: SOA only at the apex and only
    /// one; one CNAME, one DNAME; a TTL that differs inside an RRset is a warning.
    pub(super) fn check_rrsets(&mut self, records: &[Record]) {
        for set in rrsets(records) {
            self.check_rrset(set, set[0].owner == self.origin);
            let ttl = set[0].ttl;
            // An owner's RRSIGs take the TTLs of the RRsets they cover (RFC 4034 §3).
            if set[0].rtype == rtype::RRSIG {
                continue;
            }
            if let Some(other) = set.iter().find(|r| r.ttl != ttl) {
                self.warn(
                    other.source.line,
                    format!(
                        "TTL {} differs from the RRset's TTL {} at {} {}; using {}",
                        other.ttl,
                        ttl,
                        other.owner,
                        rtype::type_to_string(other.rtype),
                        ttl
                    ),
                );
            }
        }
    }

    fn check_rrset(&mut self, set: &[Record], at_apex: bool) {
        let first = &set[0];
        match first.rtype {
            rtype::SOA if !at_apex => self.error(
                first.source.line,
                format!("SOA record at {} is not at the zone apex", first.owner),
            ),
            rtype::SOA if set.len() > 1 => self.error(
                set[1].source.line,
                format!("more than one SOA record at {}", first.owner),
            ),
            rtype::CNAME if set.len() > 1 => self.error(
                set[1].source.line,
                format!("more than one CNAME at {}", first.owner),
            ),
            rtype::DNAME if set.len() > 1 => self.error(
                set[1].source.line,
                format!("more than one DNAME at {}", first.owner),
            ),
            _ => {}
        }
    }

    /// The apex holds the SOA and the NS records.
    pub(super) fn check_apex(&mut self, draft: &Draft, rrsets: &[RRsetEntry]) {
        let apex_types = draft.types(rrsets, 0);
        if !apex_types.contains(&rtype::SOA) {
            self.error(0, format!("no SOA record at the zone apex {}", self.origin));
        }
        if !apex_types.contains(&rtype::NS) {
            self.error(0, format!("no NS records at the zone apex {}", self.origin));
        }
    }

    /// A CNAME stands alone: no other data (DNSSEC records aside) and no steering at its name.
    pub(super) fn check_cnames(
        &mut self,
        draft: &Draft,
        rrsets: &[RRsetEntry],
        records: &[Record],
    ) {
        for id in 0..draft.nodes.len() {
            let node_types = draft.types(rrsets, id);
            let has_cname = node_types.contains(&rtype::CNAME);
            let other = node_types
                .iter()
                .any(|&t| !matches!(t, rtype::CNAME | rtype::RRSIG | rtype::NSEC));
            if has_cname && (other || draft.nodes[id].service != NO_SERVICE) {
                let name = draft.name(id as u32);
                let line = line_in(records, name, rtype::CNAME);
                let shown = display(name);
                self.error(line, format!("CNAME and other data at {shown}"));
            }
        }
    }
}
