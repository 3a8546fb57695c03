//! Builds a [`Zone`] from parsed records and checks it as Knot's loader does: one SOA at the
//! apex, NS at the apex, no CNAME beside other data, nothing outside the origin; missing glue
//! for in-bailiwick name servers is a warning.

use std::path::Path;
use std::sync::Arc;

use super::index::NameIndex;
use super::record::{Record, SourceLocation, ZoneError};
use super::tree::{NO_SERVICE, Node, NodeId, RRsetEntry, Span, Zone, flag};
use crate::wire::name::{Name, wire_name_len};
use crate::wire::rtype;
use crate::wire::writer::encode_record;

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

/// Working state while nodes are created.
struct Draft {
    arena: Vec<u8>,
    nodes: Vec<Node>,
    names: NameIndex,
}

impl Draft {
    fn name(&self, id: NodeId) -> &[u8] {
        let span = self.nodes[id as usize].name;
        &self.arena[span.start as usize..(span.start + span.len) as usize]
    }

    /// The node named `lower`, a whole lowercased wire name.
    fn find(&self, lower: &[u8]) -> Option<NodeId> {
        self.names.find(&self.arena, lower)
    }

    fn insert(&mut self, lower: &[u8]) -> NodeId {
        if let Some(id) = self.find(lower) {
            return id;
        }
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(lower);
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            name: Span {
                start,
                len: lower.len() as u32,
            },
            rrsets_start: 0,
            rrsets_len: 0,
            flags: 0,
            cut: NodeId::MAX,
            service: NO_SERVICE,
            prepared_start: 0,
            prepared_len: 0,
        });
        self.names.insert(&self.arena, &self.nodes, id);
        id
    }
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
        let origin = self.origin.clone();
        let mut kept = Vec::with_capacity(records.len());
        for record in records {
            if !record.owner.is_subdomain_of(&origin) {
                self.error(
                    record.source.line,
                    format!("{} is outside the origin {}", record.owner, origin),
                );
            } else {
                kept.push(record);
            }
        }
        let mut records = kept;
        // Group by owner then type, keeping file order inside an RRset.
        records.sort_by(|a, b| (a.owner.as_wire(), a.rtype).cmp(&(b.owner.as_wire(), b.rtype)));
        records.dedup_by(|b, a| a.owner == b.owner && a.rtype == b.rtype && a.rdata == b.rdata);

        let mut draft = Draft {
            arena: Vec::with_capacity(records.len() * 48),
            nodes: Vec::new(),
            names: NameIndex::with_capacity(records.len()),
        };
        let apex = draft.insert(origin.as_wire());
        debug_assert_eq!(apex, 0);

        // One node per owner, RRsets in type order.
        let mut rrsets: Vec<RRsetEntry> = Vec::with_capacity(records.len());
        let mut negative_soa = Span::default();
        let mut serial = 0u32;
        let record_count = records.len();
        let mut i = 0usize;
        while i < records.len() {
            let owner_end = records[i..]
                .iter()
                .position(|r| r.owner != records[i].owner)
                .map_or(records.len(), |n| i + n);
            let id = draft.insert(records[i].owner.as_wire());
            draft.nodes[id as usize].rrsets_start = rrsets.len() as u32;
            let mut j = i;
            while j < owner_end {
                let set_end = records[j..owner_end]
                    .iter()
                    .position(|r| r.rtype != records[j].rtype)
                    .map_or(owner_end, |n| j + n);
                let set = &records[j..set_end];
                self.check_rrset(set, id == apex);
                let ttl = set[0].ttl;
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
                let start = draft.arena.len() as u32;
                for record in set {
                    encode_record(
                        &mut draft.arena,
                        record.rtype,
                        rtype::CLASS_IN,
                        ttl,
                        &record.rdata,
                    );
                }
                let span = Span {
                    start,
                    len: draft.arena.len() as u32 - start,
                };
                if set[0].rtype == rtype::SOA
                    && id == apex
                    && let Some((soa_serial, minimum)) = soa_fields(&set[0].rdata)
                {
                    serial = soa_serial;
                    let start = draft.arena.len() as u32;
                    encode_record(
                        &mut draft.arena,
                        rtype::SOA,
                        rtype::CLASS_IN,
                        ttl.min(minimum),
                        &set[0].rdata,
                    );
                    negative_soa = Span {
                        start,
                        len: draft.arena.len() as u32 - start,
                    };
                }
                rrsets.push(RRsetEntry {
                    rtype: set[0].rtype,
                    count: set.len().min(u16::MAX as usize) as u16,
                    ttl,
                    data: span,
                    additional_start: 0,
                    additional_len: 0,
                });
                j = set_end;
            }
            let node = &mut draft.nodes[id as usize];
            node.rrsets_len = (rrsets.len() as u32 - node.rrsets_start) as u16;
            i = owner_end;
        }

        let apex_node = &draft.nodes[apex as usize];
        let apex_types: Vec<u16> = rrsets[apex_node.rrsets_start as usize..]
            .iter()
            .take(apex_node.rrsets_len as usize)
            .map(|r| r.rtype)
            .collect();
        if !apex_types.contains(&rtype::SOA) {
            self.error(0, format!("no SOA record at the zone apex {origin}"));
        }
        if !apex_types.contains(&rtype::NS) {
            self.error(0, format!("no NS records at the zone apex {origin}"));
        }

        // Steered names become nodes of their own.
        for (name, service) in std::mem::take(&mut self.services) {
            if name.is_subdomain_of(&origin) {
                let id = draft.insert(name.as_wire());
                draft.nodes[id as usize].service = service;
            }
        }

        // Empty non-terminals: every ancestor of every node up to the apex.
        let owned = draft.nodes.len();
        for id in 0..owned as NodeId {
            let mut name = draft.name(id).to_vec();
            while name.len() > origin.len() {
                let skip = name[0] as usize + 1;
                name.drain(..skip);
                if draft.find(&name).is_some() {
                    break;
                }
                draft.insert(&name);
            }
        }

        self.mark_cuts(&mut draft, &rrsets, &records);
        let additional = self.link_additional(&draft, &mut rrsets, &records);
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
        let mut zone = Zone {
            origin,
            arena,
            nodes,
            rrsets,
            additional,
            names,
            negative_soa,
            serial,
            record_count,
            prepared: Vec::new(),
            prepared_negative: super::tree::NO_PREPARED,
        };
        crate::answer::prepared::prepare(&mut zone);
        Ok((zone, self.warnings))
    }

    /// Per-RRset rules: SOA only at the apex and only one; one CNAME and nothing beside it.
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

    /// Flags zone cuts and everything below them; flags wildcard parents; reports CNAMEs beside
    /// other data.
    fn mark_cuts(&mut self, draft: &mut Draft, rrsets: &[RRsetEntry], records: &[Record]) {
        let types = |node: &Node| -> Vec<u16> {
            rrsets
                [node.rrsets_start as usize..node.rrsets_start as usize + node.rrsets_len as usize]
                .iter()
                .map(|r| r.rtype)
                .collect()
        };
        for id in 1..draft.nodes.len() {
            let node_types = types(&draft.nodes[id]);
            if node_types.contains(&rtype::NS) {
                draft.nodes[id].flags |= flag::DELEGATION;
                draft.nodes[id].cut = id as NodeId;
            }
        }
        for id in 0..draft.nodes.len() {
            let name = draft.name(id as NodeId).to_vec();
            let node_types = types(&draft.nodes[id]);
            if node_types.contains(&rtype::DNAME) {
                draft.nodes[id].flags |= flag::DNAME;
            }
            let has_cname = node_types.contains(&rtype::CNAME);
            let other = node_types
                .iter()
                .any(|&t| !matches!(t, rtype::CNAME | rtype::RRSIG | rtype::NSEC));
            if has_cname && (other || draft.nodes[id].service != NO_SERVICE) {
                let line = line_in(records, &name, rtype::CNAME);
                let shown = display(&name);
                self.error(line, format!("CNAME and other data at {shown}"));
            }
            if name.len() >= 2
                && name[0] == 1
                && name[1] == b'*'
                && let Some(parent) = draft.find(&name[2..])
            {
                draft.nodes[parent as usize].flags |= flag::WILDCARD_PARENT;
            }
            // The closest cut strictly above.
            let mut suffix = &name[..];
            while suffix.len() > self.origin.len() {
                suffix = &suffix[suffix[0] as usize + 1..];
                if suffix.len() <= self.origin.len() {
                    break;
                }
                if let Some(above) = draft.find(suffix)
                    && draft.nodes[above as usize].flags & flag::DELEGATION != 0
                {
                    draft.nodes[id].flags |= flag::OCCLUDED;
                    draft.nodes[id].cut = above;
                }
            }
        }
    }

    /// Links NS, MX and SRV targets in this zone to their nodes for the additional section, and
    /// warns about in-bailiwick name servers without glue.
    fn link_additional(
        &mut self,
        draft: &Draft,
        rrsets: &mut [RRsetEntry],
        records: &[Record],
    ) -> Vec<NodeId> {
        let mut additional = Vec::new();
        let has_address = |id: NodeId| {
            let node = &draft.nodes[id as usize];
            rrsets
                [node.rrsets_start as usize..node.rrsets_start as usize + node.rrsets_len as usize]
                .iter()
                .any(|r| r.rtype == rtype::A || r.rtype == rtype::AAAA)
        };
        let mut links: Vec<(usize, Vec<NodeId>)> = Vec::new();
        for (node_id, node) in draft.nodes.iter().enumerate() {
            let start = node.rrsets_start as usize;
            let end = start + node.rrsets_len as usize;
            for (set_index, entry) in rrsets.iter().enumerate().take(end).skip(start) {
                let target_offset = match entry.rtype {
                    rtype::NS => 0,
                    rtype::MX => 2,
                    rtype::SRV => 6,
                    // RFC 9460 §4.1: addresses of SVCB/HTTPS targets in the zone.
                    rtype::SVCB | rtype::HTTPS => 2,
                    _ => continue,
                };
                let svcb = matches!(entry.rtype, rtype::SVCB | rtype::HTTPS);
                let data = &draft.arena
                    [entry.data.start as usize..(entry.data.start + entry.data.len) as usize];
                let mut targets = Vec::new();
                for record in crate::wire::writer::EncodedRecords::new(data) {
                    let Some(target) = record.get(10 + target_offset..) else {
                        continue;
                    };
                    let Some(len) = wire_name_len(target) else {
                        continue;
                    };
                    let mut lower = target[..len].to_ascii_lowercase();
                    // RFC 9460 §2.5.2: in ServiceMode (priority > 0) the target "." stands
                    // for the owner itself.
                    if svcb && lower == [0] && record.get(10..12) != Some(&[0, 0]) {
                        lower = draft.name(node_id as NodeId).to_vec();
                    }
                    let found = draft.find(&lower);
                    if let Some(id) = found.filter(|&id| has_address(id)) {
                        if !targets.contains(&id) {
                            targets.push(id);
                        }
                    } else if entry.rtype == rtype::NS
                        && node.flags & flag::DELEGATION != 0
                        && crate::wire::name::is_subdomain(&lower, draft.name(node_id as NodeId))
                    {
                        let owner = draft.name(node_id as NodeId).to_vec();
                        let line = line_in(records, &owner, rtype::NS);
                        self.warn(
                            line,
                            format!(
                                "missing glue for {} (NS of {})",
                                display(&lower),
                                display(&owner)
                            ),
                        );
                    }
                }
                if !targets.is_empty() {
                    links.push((set_index, targets));
                }
            }
        }
        for (set_index, targets) in links {
            rrsets[set_index].additional_start = additional.len() as u32;
            rrsets[set_index].additional_len = targets.len() as u16;
            additional.extend(targets);
        }
        additional
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
