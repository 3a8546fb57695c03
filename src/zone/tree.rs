//! A loaded zone, ready for the query path.
//!
//! All names and pre-encoded RRsets live in one byte arena; nodes and RRsets are small fixed
//! records pointing into it, and a hash table maps lowercased owner names to node ids. Every
//! ancestor of every owner (up to the apex) is a node, so empty non-terminals exist and the
//! closest encloser of any name is found by hashing its suffixes. Delegations, occlusion and
//! wildcard parents are flags computed at load time.

use super::index::NameIndex;
use crate::wire::Name;
use crate::wire::name::{MAX_NAME_LEN, is_wire_name};

/// Index of a node in its zone.
pub type NodeId = u32;

/// A range of the zone's byte arena.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u32,
    pub len: u32,
}

/// Node flags.
pub(crate) mod flag {
    /// NS records at a name other than the apex: a zone cut.
    pub const DELEGATION: u8 = 1;
    /// Strictly below a zone cut: only glue lives here.
    pub const OCCLUDED: u8 = 2;
    /// Has a `*` child.
    pub const WILDCARD_PARENT: u8 = 4;
    /// Owns a DNAME: names below it are redirected (RFC 6672).
    pub const DNAME: u8 = 8;
}

/// Marks a node that is no steering service.
pub const NO_SERVICE: u32 = u32::MAX;
const NO_NODE: NodeId = NodeId::MAX;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: Span,
    pub rrsets_start: u32,
    pub rrsets_len: u16,
    pub flags: u8,
    /// For delegations and occluded nodes: the closest zone cut at or above.
    pub cut: NodeId,
    /// Steering service answering A/AAAA at this name.
    pub service: u32,
    /// This node's range of the prepared answers (see [`Zone::set_prepared`]): kept in the
    /// node, which a lookup has just read.
    pub prepared_start: u32,
    pub prepared_len: u16,
}

#[derive(Debug, Clone)]
pub(crate) struct RRsetEntry {
    pub rtype: u16,
    pub count: u16,
    pub ttl: u32,
    /// Pre-encoded records: `TYPE CLASS TTL RDLENGTH RDATA` each, owner omitted.
    pub data: Span,
    /// Nodes whose A/AAAA go to the additional section (targets of NS, MX, SRV).
    pub additional_start: u32,
    pub additional_len: u16,
}

/// A zone ready to answer from.
pub struct Zone {
    pub(crate) origin: Name,
    pub(crate) arena: Vec<u8>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) rrsets: Vec<RRsetEntry>,
    pub(crate) additional: Vec<NodeId>,
    pub(crate) names: NameIndex,
    /// The SOA record pre-encoded with the negative-caching TTL (RFC 2308 §5).
    pub(crate) negative_soa: Span,
    pub(crate) serial: u32,
    pub(crate) record_count: usize,
    /// Answers prepared after the zone is built (see [`Zone::set_prepared`]).
    pub(super) prepared: Vec<u8>,
    /// The zone's own entry among them.
    pub(super) prepared_zone: Option<u32>,
    /// DNSSEC data, when the zone is signed (see [`super::signed`]).
    pub(crate) signed: Option<Box<super::signed::Signed>>,
}

/// Where a name falls in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The name exists (possibly as an empty non-terminal) and is authoritative data, or is the
    /// zone cut itself (check [`NodeRef::is_delegation`]).
    Found(NodeId),
    /// The name is strictly below a zone cut: refer to the cut.
    BelowCut(NodeId),
    /// Synthesised from the wildcard node (RFC 4592).
    Wildcard(NodeId),
    /// Below the owner of a DNAME, which redirects it (RFC 6672 §3.2).
    Dname(NodeId),
    /// No such name; the closest encloser is given.
    NxDomain(NodeId),
}

/// A view of one node.
#[derive(Clone, Copy)]
pub struct NodeRef<'z> {
    zone: &'z Zone,
    id: NodeId,
    node: &'z Node,
}

/// A view of one RRset.
#[derive(Clone, Copy)]
pub struct RRsetRef<'z> {
    pub(super) zone: &'z Zone,
    entry: &'z RRsetEntry,
    /// Index of the entry in the zone's RRsets.
    pub(super) index: u32,
}

impl Zone {
    /// The apex name, lowercased.
    pub fn origin(&self) -> &Name {
        &self.origin
    }

    /// SOA serial.
    pub fn serial(&self) -> u32 {
        self.serial
    }

    /// Records loaded from the zone file.
    pub fn record_count(&self) -> usize {
        self.record_count
    }

    /// Number of nodes, empty non-terminals included.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The apex node.
    pub fn apex(&self) -> NodeRef<'_> {
        self.node(0)
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> NodeRef<'_> {
        NodeRef {
            zone: self,
            id,
            node: &self.nodes[id as usize],
        }
    }

    /// The SOA record to put in AUTHORITY of negative answers, pre-encoded, with the TTL
    /// min(SOA TTL, SOA MINIMUM).
    pub fn negative_soa(&self) -> &[u8] {
        self.slice(self.negative_soa)
    }

    /// The SOA's expire field (RFC 1035 §3.3.13).
    pub fn soa_expire(&self) -> u32 {
        let soa = self.negative_soa();
        soa.len()
            .checked_sub(8)
            .and_then(|at| soa.get(at..at + 4))
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The node with exactly this lowercased name, occluded or not.
    pub fn find(&self, lower_name: &[u8]) -> Option<NodeId> {
        if !is_wire_name(lower_name) {
            return None;
        }
        self.names.find(&self.arena, lower_name)
    }

    /// Finds where a lowercased name that lies at or below the origin falls in the zone.
    /// Bytes that are no whole wire name are no name in the zone (NXDOMAIN at the apex).
    pub fn lookup(&self, lower_name: &[u8]) -> Lookup {
        if !is_wire_name(lower_name) {
            return Lookup::NxDomain(0);
        }
        // Every suffix of a whole wire name is one too.
        if let Some(id) = self.names.find(&self.arena, lower_name) {
            let node = &self.nodes[id as usize];
            if node.flags & flag::OCCLUDED != 0 {
                return Lookup::BelowCut(node.cut);
            }
            return Lookup::Found(id);
        }
        // Walk up one label at a time to the closest existing ancestor.
        let origin_len = self.origin.len();
        let mut pos = 0usize;
        let encloser = loop {
            let step = lower_name.get(pos).copied().unwrap_or(0) as usize + 1;
            pos += step;
            if lower_name.len() - pos < origin_len || pos >= lower_name.len() {
                break 0;
            }
            if let Some(id) = self.names.find(&self.arena, &lower_name[pos..]) {
                break id;
            }
        };
        let node = &self.nodes[encloser as usize];
        if node.flags & (flag::OCCLUDED | flag::DELEGATION) != 0 {
            let cut = if node.flags & flag::OCCLUDED != 0 {
                node.cut
            } else {
                encloser
            };
            return Lookup::BelowCut(cut);
        }
        // RFC 6672 §3.2: a DNAME at the closest encloser comes before any wildcard.
        if node.flags & flag::DNAME != 0 {
            return Lookup::Dname(encloser);
        }
        if node.flags & flag::WILDCARD_PARENT != 0 {
            let parent = self.slice(node.name);
            let mut buf = [0u8; MAX_NAME_LEN + 2];
            buf[0] = 1;
            buf[1] = b'*';
            buf[2..2 + parent.len()].copy_from_slice(parent);
            if let Some(wild) = self.names.find(&self.arena, &buf[..2 + parent.len()]) {
                return Lookup::Wildcard(wild);
            }
        }
        Lookup::NxDomain(encloser)
    }

    /// Stores the answers prepared for this zone once it is built. Their format belongs to
    /// [`crate::authoritative::prepared`], which writes and reads them; the zone only keeps
    /// the bytes, a range of them for each node (`ranges`, by node id: an offset and a count,
    /// as that format defines them) and an entry for the zone as a whole.
    pub fn set_prepared(&mut self, bytes: Vec<u8>, ranges: &[(u32, u16)], zone_entry: Option<u32>) {
        for (node, &(start, len)) in self.nodes.iter_mut().zip(ranges) {
            node.prepared_start = start;
            node.prepared_len = len;
        }
        self.prepared = bytes;
        self.prepared_zone = zone_entry;
    }

    /// The bytes of the prepared answers (empty before [`Zone::set_prepared`]).
    #[inline]
    pub fn prepared_arena(&self) -> &[u8] {
        &self.prepared
    }

    /// Node `id`'s range of the prepared answers; `(0, 0)` when none were set.
    #[inline]
    pub fn prepared_range(&self, id: NodeId) -> (u32, u16) {
        let node = &self.nodes[id as usize];
        (node.prepared_start, node.prepared_len)
    }

    /// The zone's own entry among the prepared answers.
    #[inline]
    pub fn prepared_zone_entry(&self) -> Option<u32> {
        self.prepared_zone
    }

    pub(crate) fn slice(&self, span: Span) -> &[u8] {
        &self.arena[span.start as usize..(span.start + span.len) as usize]
    }
}

impl<'z> NodeRef<'z> {
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The owner name, lowercased wire format.
    pub fn name(&self) -> &'z [u8] {
        self.zone.slice(self.node.name)
    }

    /// A zone cut (NS below the apex).
    pub fn is_delegation(&self) -> bool {
        self.node.flags & flag::DELEGATION != 0
    }

    /// Strictly below a zone cut: only glue lives here, and no lookup finds it.
    pub fn is_occluded(&self) -> bool {
        self.node.flags & flag::OCCLUDED != 0
    }

    /// The closest zone cut at or above this node, if it is a cut or occluded.
    pub fn cut(&self) -> Option<NodeId> {
        (self.node.cut != NO_NODE).then_some(self.node.cut)
    }

    /// The steering service at this name.
    pub fn service(&self) -> Option<u32> {
        (self.node.service != NO_SERVICE).then_some(self.node.service)
    }

    /// True for an empty non-terminal (no data, no service).
    pub fn is_empty(&self) -> bool {
        self.node.rrsets_len == 0 && self.node.service == NO_SERVICE
    }

    /// The RRsets at this node, ordered by type.
    pub fn rrsets(&self) -> impl Iterator<Item = RRsetRef<'z>> + 'z {
        let zone = self.zone;
        let start = self.node.rrsets_start as usize;
        zone.rrsets[start..start + self.node.rrsets_len as usize]
            .iter()
            .zip(start as u32..)
            .map(move |(entry, index)| RRsetRef { zone, entry, index })
    }

    /// The RRset of this type.
    pub fn rrset(&self, rtype: u16) -> Option<RRsetRef<'z>> {
        self.rrsets().find(|r| r.rtype() == rtype)
    }
}

impl<'z> RRsetRef<'z> {
    pub fn rtype(&self) -> u16 {
        self.entry.rtype
    }

    pub fn ttl(&self) -> u32 {
        self.entry.ttl
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.entry.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.entry.count == 0
    }

    /// Pre-encoded records, owner omitted.
    pub fn encoded(&self) -> &'z [u8] {
        self.zone.slice(self.entry.data)
    }

    /// The rdata of each record.
    pub fn rdatas(&self) -> impl Iterator<Item = &'z [u8]> + 'z {
        crate::wire::writer::EncodedRecords::new(self.encoded()).map(|r| &r[10..])
    }

    /// Nodes whose addresses belong in the additional section.
    pub fn additional(&self) -> &'z [NodeId] {
        let start = self.entry.additional_start as usize;
        &self.zone.additional[start..start + self.entry.additional_len as usize]
    }
}
