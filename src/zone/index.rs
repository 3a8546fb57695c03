//! The zone's name index: lowercased owner names to node ids.
//!
//! A hash table whose entries hold, beside the node id, where the name lies in the zone's
//! arena: a lookup compares the name without reading the node first, so on a zone larger than
//! the caches the node and the name are fetched side by side instead of one after the other.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::tree::{Node, NodeId};
use crate::wire::name::is_wire_name;

#[derive(Debug, Clone, Copy)]
struct Entry {
    node: NodeId,
    /// Offset of the node's name in the arena.
    name: u32,
}

/// Names to node ids; see the module documentation.
pub(crate) struct NameIndex {
    table: HashTable<Entry>,
    hasher: DefaultHashBuilder,
}

impl NameIndex {
    /// An empty index with room for `capacity` names.
    pub(crate) fn with_capacity(capacity: usize) -> NameIndex {
        NameIndex {
            table: HashTable::with_capacity(capacity),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Indexes node `id` (already in `nodes`, its name in `arena`) under its name, which no
    /// node in the index may have.
    pub(crate) fn insert(&mut self, arena: &[u8], nodes: &[Node], id: NodeId) {
        let hasher = &self.hasher;
        let name_of = |id: NodeId| {
            let span = nodes[id as usize].name;
            &arena[span.start as usize..(span.start + span.len) as usize]
        };
        let entry = Entry {
            node: id,
            name: nodes[id as usize].name.start,
        };
        self.table
            .insert_unique(hasher.hash_one(name_of(id)), entry, |e: &Entry| {
                hasher.hash_one(name_of(e.node))
            });
    }

    /// The node with exactly this lowercased name, which must be one whole wire name (see
    /// [`crate::wire::name::is_wire_name`]); `arena` is the zone's.
    #[inline]
    pub(crate) fn find(&self, arena: &[u8], lower_name: &[u8]) -> Option<NodeId> {
        debug_assert!(is_wire_name(lower_name));
        let hash = self.hasher.hash_one(lower_name);
        self.table
            .find(hash, |e| {
                // Both are whole wire names: if the stored one begins with every byte of the
                // one asked for, it ends where that one does, so they are equal.
                let start = e.name as usize;
                arena.get(start..start + lower_name.len()) == Some(lower_name)
            })
            .map(|e| e.node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::tree::Span;

    fn node(name: Span) -> Node {
        Node {
            name,
            rrsets_start: 0,
            rrsets_len: 0,
            flags: 0,
            cut: 0,
            service: 0,
            prepared_start: 0,
            prepared_len: 0,
        }
    }

    /// Builds an arena and nodes for these wire names.
    fn zone_of(names: &[Vec<u8>]) -> (Vec<u8>, Vec<Node>) {
        let mut arena = Vec::new();
        let mut nodes = Vec::new();
        for name in names {
            let start = arena.len() as u32;
            arena.extend_from_slice(name);
            nodes.push(node(Span {
                start,
                len: name.len() as u32,
            }));
        }
        (arena, nodes)
    }

    fn wire(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for label in text.split('.').filter(|l| !l.is_empty()) {
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
        out.push(0);
        out
    }

    #[test]
    fn finds_every_name_and_no_other() {
        let mut names = vec![wire("example.com")];
        for i in 0..5000 {
            names.push(wire(&format!("host{i}.example.com")));
            names.push(wire(&format!("a.b{i}.example.com")));
        }
        let (arena, nodes) = zone_of(&names);
        let mut index = NameIndex::with_capacity(0);
        for id in 0..nodes.len() {
            index.insert(&arena, &nodes, id as NodeId);
        }
        for (id, name) in names.iter().enumerate() {
            assert_eq!(index.find(&arena, name), Some(id as NodeId), "{name:?}");
        }
        for absent in [
            "host5000.example.com",
            "b1.example.com",
            "com",
            "example.org",
        ] {
            assert_eq!(index.find(&arena, &wire(absent)), None, "{absent}");
        }
    }

    #[test]
    fn the_root_alone() {
        let names = vec![vec![0u8]];
        let (arena, nodes) = zone_of(&names);
        let mut index = NameIndex::with_capacity(0);
        for id in 0..nodes.len() {
            index.insert(&arena, &nodes, id as NodeId);
        }
        assert_eq!(index.find(&arena, &[0]), Some(0));
        assert_eq!(index.find(&arena, &wire("a")), None);
    }

    #[test]
    fn whole_wire_names() {
        assert!(is_wire_name(&[0]));
        assert!(is_wire_name(&wire("a.example")));
        assert!(!is_wire_name(b""));
        assert!(!is_wire_name(&[1, b'a']));
        assert!(!is_wire_name(&[1, b'a', 0, 0]));
        assert!(!is_wire_name(&[0xc0, 0]));
        assert!(!is_wire_name(&[64, 0]));
        let mut long = Vec::new();
        for _ in 0..4 {
            long.push(63);
            long.extend_from_slice(&[b'x'; 63]);
        }
        long.push(0);
        assert!(!is_wire_name(&long), "{} bytes", long.len());
        long.truncate(long.len() - 65);
        long.push(0);
        assert!(is_wire_name(&long));
    }
}
