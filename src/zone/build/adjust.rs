//! What the query path needs precomputed once the nodes exist (Knot's `adjust`): zone cuts and
//! the nodes they occlude, DNAME owners and wildcard parents as node flags, and the links from
//! NS, MX, SRV, SVCB and HTTPS targets to their nodes for the additional section (glue),
//! warning about in-bailiwick name servers without it.

use super::super::record::Record;
use super::super::tree::{NodeId, RRsetEntry, flag};
use super::arena::Draft;
use super::{ZoneBuilder, display, line_in};
use crate::wire::name::wire_name_len;
use crate::wire::rtype;
use crate::wire::writer::EncodedRecords;

impl ZoneBuilder {
    /// Flags zone cuts and everything below them, DNAME owners and wildcard parents.
    pub(super) fn mark_cuts(&self, draft: &mut Draft, rrsets: &[RRsetEntry]) {
        for id in 1..draft.nodes.len() {
            if draft.types(rrsets, id).contains(&rtype::NS) {
                draft.nodes[id].flags |= flag::DELEGATION;
                draft.nodes[id].cut = id as NodeId;
            }
        }
        for id in 0..draft.nodes.len() {
            let name = draft.name(id as NodeId).to_vec();
            if draft.types(rrsets, id).contains(&rtype::DNAME) {
                draft.nodes[id].flags |= flag::DNAME;
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

    /// Links NS, MX, SRV, SVCB and HTTPS targets in this zone to their nodes for the additional
    /// section, and warns about in-bailiwick name servers without glue.
    pub(super) fn link_additional(
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
                for record in EncodedRecords::new(data) {
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
