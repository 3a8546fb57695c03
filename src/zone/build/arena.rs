//! The zone's arena: owner names and pre-encoded RRsets in one byte vector, nodes and RRset
//! entries pointing into it, and the name index filled as nodes are created (Knot's
//! `zone-contents`).

use super::super::index::NameIndex;
use super::super::record::Record;
use super::super::tree::{NO_SERVICE, Node, NodeId, RRsetEntry, Span};
use crate::wire::Name;
use crate::wire::rtype;
use crate::wire::writer::encode_record;

/// Working state while nodes are created.
pub(super) struct Draft {
    pub arena: Vec<u8>,
    pub nodes: Vec<Node>,
    pub names: NameIndex,
}

/// The RRsets of a zone's records, once encoded into the arena.
pub(super) struct Encoded {
    pub rrsets: Vec<RRsetEntry>,
    /// The SOA record with the negative-caching TTL (RFC 2308 §5).
    pub negative_soa: Span,
    pub serial: u32,
}

/// The records sorted by owner then type (file order kept inside an RRset), exact duplicates
/// removed.
pub(super) fn sort_records(records: &mut Vec<Record>) {
    records.sort_by(|a, b| (a.owner.as_wire(), a.rtype).cmp(&(b.owner.as_wire(), b.rtype)));
    records.dedup_by(|b, a| a.owner == b.owner && a.rtype == b.rtype && a.rdata == b.rdata);
}

/// The RRsets of sorted records: each run of records with the same owner and type.
pub(super) fn rrsets(records: &[Record]) -> impl Iterator<Item = &[Record]> {
    let mut rest = records;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        let end = rest
            .iter()
            .position(|r| r.owner != first.owner || r.rtype != first.rtype)
            .unwrap_or(rest.len());
        let (set, tail) = rest.split_at(end);
        rest = tail;
        Some(set)
    })
}

impl Draft {
    /// An arena holding only the apex, node 0, with room for `records` records.
    pub fn new(origin: &Name, records: usize) -> Draft {
        let mut draft = Draft {
            arena: Vec::with_capacity(records * 48),
            nodes: Vec::new(),
            names: NameIndex::with_capacity(records),
        };
        let apex = draft.insert(origin.as_wire());
        debug_assert_eq!(apex, 0);
        draft
    }

    pub fn name(&self, id: NodeId) -> &[u8] {
        let span = self.nodes[id as usize].name;
        &self.arena[span.start as usize..(span.start + span.len) as usize]
    }

    /// The node named `lower`, a whole lowercased wire name.
    pub fn find(&self, lower: &[u8]) -> Option<NodeId> {
        self.names.find(&self.arena, lower)
    }

    /// The node named `lower`, created when there is none.
    pub fn insert(&mut self, lower: &[u8]) -> NodeId {
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

    /// One node per owner of the sorted `records`, its RRsets in type order, each encoded as
    /// it goes on the wire (`TYPE CLASS TTL RDLENGTH RDATA`, with the RRset's TTL: the first
    /// record's).
    pub fn encode(&mut self, records: &[Record]) -> Encoded {
        let mut encoded = Encoded {
            rrsets: Vec::with_capacity(records.len()),
            negative_soa: Span::default(),
            serial: 0,
        };
        let mut owner: Option<(&Name, NodeId)> = None;
        for set in rrsets(records) {
            let first = &set[0];
            let id = match owner {
                Some((name, id)) if *name == first.owner => id,
                _ => {
                    let id = self.insert(first.owner.as_wire());
                    self.nodes[id as usize].rrsets_start = encoded.rrsets.len() as u32;
                    owner = Some((&first.owner, id));
                    id
                }
            };
            let ttl = first.ttl;
            let start = self.arena.len() as u32;
            for record in set {
                // RRSIGs of one owner cover RRsets of different TTLs: each keeps its own
                // (RFC 4034 §3).
                let ttl = if first.rtype == rtype::RRSIG {
                    record.ttl
                } else {
                    ttl
                };
                encode_record(
                    &mut self.arena,
                    record.rtype,
                    rtype::CLASS_IN,
                    ttl,
                    &record.rdata,
                );
            }
            let span = Span {
                start,
                len: self.arena.len() as u32 - start,
            };
            if first.rtype == rtype::SOA
                && id == 0
                && let Some((serial, minimum)) = super::soa_fields(&first.rdata)
            {
                encoded.serial = serial;
                let start = self.arena.len() as u32;
                encode_record(
                    &mut self.arena,
                    rtype::SOA,
                    rtype::CLASS_IN,
                    ttl.min(minimum),
                    &first.rdata,
                );
                encoded.negative_soa = Span {
                    start,
                    len: self.arena.len() as u32 - start,
                };
            }
            encoded.rrsets.push(RRsetEntry {
                rtype: first.rtype,
                count: set.len().min(u16::MAX as usize) as u16,
                ttl,
                data: span,
                additional_start: 0,
                additional_len: 0,
            });
            let node = &mut self.nodes[id as usize];
            node.rrsets_len = (encoded.rrsets.len() as u32 - node.rrsets_start) as u16;
        }
        encoded
    }

    /// Nodes for the steered names inside the zone (a name with no zone data still exists).
    pub fn add_services(&mut self, origin: &Name, services: Vec<(Name, u32)>) {
        for (name, service) in services {
            if name.is_subdomain_of(origin) {
                let id = self.insert(name.as_wire());
                self.nodes[id as usize].service = service;
            }
        }
    }

    /// Empty non-terminals: every ancestor of every node up to the apex.
    pub fn add_empty_non_terminals(&mut self, origin_len: usize) {
        let owned = self.nodes.len();
        for id in 0..owned as NodeId {
            let mut name = self.name(id).to_vec();
            while name.len() > origin_len {
                let skip = name[0] as usize + 1;
                name.drain(..skip);
                if self.find(&name).is_some() {
                    break;
                }
                self.insert(&name);
            }
        }
    }

    /// The types of the RRsets at a node.
    pub fn types(&self, rrsets: &[RRsetEntry], id: usize) -> Vec<u16> {
        let node = &self.nodes[id];
        let start = node.rrsets_start as usize;
        rrsets[start..start + node.rrsets_len as usize]
            .iter()
            .map(|r| r.rtype)
            .collect()
    }
}
