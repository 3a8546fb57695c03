//! Jump tables into a MaxMind DB search tree, one for IPv4 and one for IPv6.
//!
//! A lookup walks the tree one bit at a time, and each step reads a node far from the last one:
//! for a /24 network in an IPv6 database that is 24 dependent memory reads after the IPv4 start
//! node, most of them cache misses on a large tree, and for an IPv6 /48 it is 48 from the root.
//! The table holds, for each of the 65,536 values of the first 16 bits, the node reached after
//! those bits (or the record reached sooner), so a lookup starts there: one read of the table,
//! then only the bits below /16. Built at load time (256 KiB + 64 KiB each); it finds exactly
//! the record and prefix length the full walk finds.

use std::marker::PhantomData;

/// An address as a string of bits, most significant first.
pub(super) trait Bits: Copy {
    /// Bits in the address.
    const WIDTH: u32;
    /// Bit `depth` (0: the most significant) as 0 or 1.
    fn bit(self, depth: u32) -> u32;
    /// The first [`TABLE_BITS`] bits.
    fn block(self) -> usize;
    /// The address whose first [`TABLE_BITS`] bits are `block`, the rest zero.
    fn block_start(block: u32) -> Self;
}

impl Bits for u32 {
    const WIDTH: u32 = 32;
    #[inline(always)]
    fn bit(self, depth: u32) -> u32 {
        (self >> (31 - depth)) & 1
    }
    #[inline(always)]
    fn block(self) -> usize {
        (self >> (32 - TABLE_BITS)) as usize
    }
    fn block_start(block: u32) -> u32 {
        block << (32 - TABLE_BITS)
    }
}

impl Bits for u128 {
    const WIDTH: u32 = 128;
    #[inline(always)]
    fn bit(self, depth: u32) -> u32 {
        ((self >> (127 - depth)) & 1) as u32
    }
    #[inline(always)]
    fn block(self) -> usize {
        (self >> (128 - TABLE_BITS)) as usize
    }
    fn block_start(block: u32) -> u128 {
        u128::from(block) << (128 - TABLE_BITS)
    }
}

/// A subtree of a verified database (the IPv4 one, or the whole IPv6 tree), with its table.
pub(super) struct TreeIndex<A: Bits> {
    /// Node (or record, when below `node_count` no longer) reached after each block's bits.
    records: Box<[u32]>,
    /// Bits consumed to reach it: 16, or fewer when a record ends the walk sooner.
    depths: Box<[u8]>,
    node_count: u32,
    node_bytes: usize,
    family: PhantomData<A>,
}

/// The IPv4 subtree's index.
pub(super) type Ipv4Index = TreeIndex<u32>;
/// The index of an IPv6 database's whole tree, for IPv6 addresses.
pub(super) type Ipv6Index = TreeIndex<u128>;

/// Bits resolved by the table.
const TABLE_BITS: u32 = 16;

fn node_bytes(record_size: u16) -> Option<usize> {
    match record_size {
        24 => Some(6),
        28 => Some(7),
        32 => Some(8),
        _ => None,
    }
}

impl<A: Bits> TreeIndex<A> {
    /// The index of the subtree starting at node `start`. `tree` holds the `node_count` nodes
    /// of `record_size` bits, already checked to be well formed.
    pub(super) fn build(
        tree: &[u8],
        record_size: u16,
        node_count: u32,
        start: u32,
    ) -> Option<TreeIndex<A>> {
        let node_bytes = node_bytes(record_size)?;
        if tree.len() < node_count as usize * node_bytes {
            return None;
        }
        let mut index = TreeIndex {
            records: vec![0; 1 << TABLE_BITS].into_boxed_slice(),
            depths: vec![0; 1 << TABLE_BITS].into_boxed_slice(),
            node_count,
            node_bytes,
            family: PhantomData,
        };
        for block in 0..1u32 << TABLE_BITS {
            let (record, depth) = index.walk(tree, start, 0, A::block_start(block), TABLE_BITS);
            index.records[block as usize] = record;
            index.depths[block as usize] = depth as u8;
        }
        Some(index)
    }

    /// The record where the walk for `ip` ends (a data pointer, or `node_count` or below for
    /// "no data") and the prefix length of its network.
    #[inline]
    pub(super) fn find(&self, tree: &[u8], ip: A) -> (u32, u8) {
        let block = ip.block();
        let (record, depth) = self.walk(
            tree,
            self.records[block],
            u32::from(self.depths[block]),
            ip,
            A::WIDTH,
        );
        (record, depth as u8)
    }

    /// Walks from `node` at `depth` bits along `ip` until a record or `until` bits.
    #[inline]
    fn walk(&self, tree: &[u8], node: u32, depth: u32, ip: A, until: u32) -> (u32, u32) {
        let count = self.node_count;
        match self.node_bytes {
            6 => walk_nodes::<A, 6>(tree, count, node, depth, ip, until),
            7 => walk_nodes::<A, 7>(tree, count, node, depth, ip, until),
            _ => walk_nodes::<A, 8>(tree, count, node, depth, ip, until),
        }
    }
}

/// The walk for one node size, so that reading a record is a fixed sequence without branches
/// on the bit (which is as unpredictable as the addresses asked).
#[inline(always)]
fn walk_nodes<A: Bits, const NODE_BYTES: usize>(
    tree: &[u8],
    node_count: u32,
    mut node: u32,
    mut depth: u32,
    ip: A,
    until: u32,
) -> (u32, u32) {
    while depth < until && node < node_count {
        node = read(tree, NODE_BYTES, node_count, node, ip.bit(depth));
        depth += 1;
    }
    (node, depth)
}

/// Record `side` (0 left, 1 right) of `node` in a tree of `node_bytes`-byte nodes.
#[inline(always)]
fn read(tree: &[u8], node_bytes: usize, node_count: u32, node: u32, side: u32) -> u32 {
    let at = node as usize * node_bytes;
    let Some(raw) = tree.get(at..at + node_bytes) else {
        // Cannot happen on a checked tree; "no data" is the safe answer.
        return node_count;
    };
    // The node as one big-endian number; each record is a field of it, picked by shifting.
    let word = raw.iter().fold(0u64, |word, &b| word << 8 | u64::from(b));
    let side = u64::from(side);
    match node_bytes {
        6 => (word >> (24 * (1 - side))) as u32 & 0xff_ffff,
        7 => {
            // The middle byte holds the high nibble of each record: left in its top half.
            let left = ((word >> 28) & 0x0f) << 24 | word >> 32;
            let right = word & 0x0fff_ffff;
            (left * (1 - side) + right * side) as u32
        }
        _ => (word >> (32 * (1 - side))) as u32,
    }
}

/// The IPv4 start node of a database's tree: the root of an IPv4 database, else the node 96
/// zero bits down an IPv6 one. `None` when the walk ends in a record first (no IPv4 subtree).
pub(super) fn ipv4_start(
    tree: &[u8],
    record_size: u16,
    node_count: u32,
    ip_version: u16,
) -> Option<u32> {
    if ip_version == 4 {
        return Some(0);
    }
    let node_bytes = node_bytes(record_size)?;
    let mut node = 0u32;
    for _ in 0..96 {
        if node >= node_count {
            return None;
        }
        node = read(tree, node_bytes, node_count, node, 0);
    }
    (node < node_count).then_some(node)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use maxminddb::Reader;

    use super::*;
    use crate::geo::tests::{geoip_file, maxmind_file};

    /// The index finds the record and prefix length the reader's own lookup finds.
    fn agrees_with_reader(bytes: &[u8], addresses: impl Iterator<Item = u32>) -> usize {
        let reader = Reader::from_source(bytes).unwrap();
        let metadata = reader.metadata();
        let (record_size, node_count) = (metadata.record_size, metadata.node_count);
        let Some(start) = ipv4_start(bytes, record_size, node_count, metadata.ip_version) else {
            return 0;
        };
        let ips = addresses.map(|ip| (ip, IpAddr::V4(Ipv4Addr::from(ip))));
        agrees::<u32>(bytes, start, ips)
    }

    /// As [`agrees_with_reader`] for IPv6 addresses and the index of the whole tree.
    fn agrees_with_reader_v6(bytes: &[u8], addresses: impl Iterator<Item = u128>) -> usize {
        if Reader::from_source(bytes).unwrap().metadata().ip_version != 6 {
            return 0;
        }
        let ips = addresses.map(|ip| (ip, IpAddr::V6(Ipv6Addr::from(ip))));
        agrees::<u128>(bytes, 0, ips)
    }

    /// The index from node `start` finds, for each address, the record and prefix length the
    /// reader's own lookup finds; returns how many had data.
    fn agrees<A: Bits>(bytes: &[u8], start: u32, ips: impl Iterator<Item = (A, IpAddr)>) -> usize {
        let reader = Reader::from_source(bytes).unwrap();
        let metadata = reader.metadata();
        let (record_size, node_count) = (metadata.record_size, metadata.node_count);
        let index = TreeIndex::<A>::build(bytes, record_size, node_count, start).unwrap();
        let mut found = 0;
        for (bits, ip) in ips {
            let (record, prefix) = index.find(bytes, bits);
            let result = reader.lookup(ip).unwrap();
            let expected_prefix = result.network().unwrap().prefix();
            let offset = (record > node_count).then(|| (record - node_count - 16) as usize);
            assert_eq!(offset, result.offset(), "{ip}");
            assert_eq!(prefix, expected_prefix, "{ip}");
            found += usize::from(offset.is_some());
        }
        found
    }

    /// IPv6 addresses: a spread over the first 32 bits (boundaries and middles of /48s), the
    /// IPv4-mapped and 6to4 ranges, and addresses the test databases hold.
    fn addresses_v6() -> impl Iterator<Item = u128> {
        let known = [
            "2001:218::1",
            "2001:220::1",
            "2001:230::1",
            "2001:480::1",
            "2a02:cf40::1",
            "2001:db8::1",
            "2001:db8:1::1",
            "::ffff:81.2.69.160",
            "2002:5102:45a0::1",
            "::81.2.69.160",
            "::1",
        ];
        let known = known.map(|a| u128::from(a.parse::<Ipv6Addr>().unwrap()));
        (0..1u128 << 24)
            .step_by(97)
            .flat_map(|n| {
                let top = n << 104;
                [top, top | (0x7f << 80), top | (u128::MAX >> 24)]
            })
            .chain(
                known
                    .into_iter()
                    .flat_map(|ip| [ip, ip ^ 1, ip | 0xffff, ip ^ (1 << 80)]),
            )
    }

    #[test]
    fn ipv6_matches_the_reader_on_a_large_tree() {
        // Thousands of IPv6 networks from /16 to /64 across the address space.
        let mut csv = String::from("network,continent,country,subdivision,latitude,longitude\n");
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let prefix = 16 + (state % 49) as u32;
            let top = u128::from(state) << 64 | u128::from(state.rotate_left(29));
            let ip = top & (u128::MAX << (128 - prefix));
            // No repeats or overlaps, and nothing in ::/96 or ::ffff:0:0/96.
            if ip >> 112 == 0 || !seen.insert(ip >> 112) {
                continue;
            }
            csv.push_str(&format!(
                "{}/{prefix},EU,NL,,52.0,4.0\n",
                Ipv6Addr::from(ip)
            ));
        }
        for bytes in every_record_size(&csv) {
            let addresses = addresses_v6().chain(csv.lines().skip(1).flat_map(|line| {
                let network = line.split(',').next().unwrap();
                let (ip, prefix) = network.split_once('/').unwrap();
                let ip = u128::from(ip.parse::<Ipv6Addr>().unwrap());
                let prefix: u32 = prefix.parse().unwrap();
                [ip, ip | (u128::MAX >> prefix), ip.wrapping_sub(1)]
            }));
            assert!(agrees_with_reader_v6(&bytes, addresses) > 1000);
        }
    }

    #[test]
    fn records_read_from_each_node_size() {
        // MaxMind DB format: 24-bit records side by side; 28-bit ones with the high nibbles in
        // the middle byte (left record's in its top half); 32-bit ones side by side.
        let node = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc];
        assert_eq!(read(&node, 6, 9, 0, 0), 0x12_3456);
        assert_eq!(read(&node, 6, 9, 0, 1), 0x78_9abc);
        let node = [0x12, 0x34, 0x56, 0xab, 0x78, 0x9a, 0xbc];
        assert_eq!(read(&node, 7, 9, 0, 0), 0xa12_3456);
        assert_eq!(read(&node, 7, 9, 0, 1), 0xb78_9abc);
        let node = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0];
        assert_eq!(read(&node, 8, 9, 0, 0), 0x1234_5678);
        assert_eq!(read(&node, 8, 9, 0, 1), 0x9abc_def0);
        // A node past the end reads as "no data".
        assert_eq!(read(&node, 8, 9, 1, 0), 9);
    }

    /// The database of `csv` with 24-, 28- and 32-bit records.
    fn every_record_size(csv: &str) -> impl Iterator<Item = Vec<u8>> {
        let rows = crate::geo::city_table::parse_city_table(csv).unwrap();
        [24, 28, 32]
            .into_iter()
            .map(move |size| crate::geo::writer::write_city_database(&rows, size).unwrap())
    }

    /// A spread of /24 boundaries and middles, and addresses the test databases hold.
    fn addresses() -> impl Iterator<Item = u32> {
        let known = [
            "81.2.69.160",
            "216.160.83.56",
            "175.16.199.0",
            "89.160.20.112",
            "1.128.0.1",
            "2.125.160.216",
            "192.0.2.1",
            "198.51.100.7",
            "10.0.0.1",
        ];
        let known = known.map(|a| u32::from(a.parse::<Ipv4Addr>().unwrap()));
        (0..1u32 << 24)
            .step_by(61)
            .flat_map(|n| [n << 8, (n << 8) | 0x7f, (n << 8) | 0xff])
            .chain(known.into_iter().flat_map(|ip| [ip, ip ^ 1, ip | 0xff]))
    }

    #[test]
    fn matches_the_reader_on_the_test_databases() {
        for path in [
            maxmind_file("GeoLite2-City-Test.mmdb"),
            maxmind_file("GeoIP2-City-Test.mmdb"),
            maxmind_file("GeoLite2-Country-Test.mmdb"),
            maxmind_file("GeoLite2-ASN-Test.mmdb"),
            geoip_file("example-city.mmdb"),
        ] {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                agrees_with_reader(&bytes, addresses()) > 0,
                "{}",
                path.display()
            );
            assert!(
                agrees_with_reader_v6(&bytes, addresses_v6()) > 0,
                "{} (IPv6)",
                path.display()
            );
        }
    }

    #[test]
    fn matches_the_reader_on_a_large_tree() {
        // Thousands of networks from /12 to /30 in every part of the address space.
        let mut csv = String::from("network,continent,country,subdivision,latitude,longitude\n");
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let prefix = 12 + (state % 19) as u32;
            let ip = ((state >> 32) as u32) & (u32::MAX << (32 - prefix));
            // Networks may not repeat or overlap in the table: keep the first of each /12.
            if ip >> 24 == 10 || !seen.insert(ip >> 20) {
                continue;
            }
            csv.push_str(&format!(
                "{}/{prefix},EU,NL,,52.0,4.0\n",
                Ipv4Addr::from(ip)
            ));
        }
        for bytes in every_record_size(&csv) {
            assert!(agrees_with_reader(&bytes, addresses()) > 1000);
        }
    }
}
