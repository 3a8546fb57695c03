//! A structural check of a MaxMind DB search tree, node by node, at load time: every record must
//! point to another node, to "no data", or into the data section, every node must be reachable
//! from the root, and the 16-byte separator after the tree must be zeros. A lookup only ever
//! visits reachable nodes, but unreachable garbage means the file is not what its metadata says
//! (a corrupt tree or a wrong `node_count`). The walk also lists one network per distinct data
//! record, for the record checks that follow, and which address families hold data.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The 16 zero bytes between the search tree and the data section.
const SEPARATOR_LEN: u64 = 16;

/// One network of the tree for each distinct data record: the records to decode at load time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RecordNetwork {
    /// The network's first address; IPv4 databases use the low 32 bits.
    bits: u128,
    prefix_len: u8,
    ipv4_tree: bool,
}

impl RecordNetwork {
    /// Whether the network holds IPv4 addresses: any network of an IPv4 tree, or one that
    /// overlaps `::/96` (where an IPv6 tree keeps IPv4) in an IPv6 tree.
    fn holds_ipv4(&self) -> bool {
        self.ipv4_tree || self.overlaps(0, 96)
    }

    /// Whether the network holds IPv6 addresses other than the IPv4 ones of an IPv6 tree
    /// (`::/96` and its alias `::ffff:0:0/96`).
    fn holds_ipv6(&self) -> bool {
        let inside = |start: u128| self.prefix_len >= 96 && self.bits >> 32 == start >> 32;
        !self.ipv4_tree && !inside(0) && !inside(0xffff << 32)
    }

    /// Whether the network overlaps the IPv6 network `start/prefix_len`.
    fn overlaps(&self, start: u128, prefix_len: u8) -> bool {
        let shared = self.prefix_len.min(prefix_len);
        let mask = u128::MAX.checked_shl(128 - u32::from(shared)).unwrap_or(0);
        self.bits & mask == start & mask
    }

    /// An address inside the network, to look the record up by.
    pub(super) fn address(&self) -> IpAddr {
        if self.ipv4_tree {
            IpAddr::V4(Ipv4Addr::from(self.bits as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(self.bits))
        }
    }
}

impl std::fmt::Display for RecordNetwork {
    /// As an operator writes it: IPv4 networks of an IPv6 tree (under ::/96) in IPv4 form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.address() {
            IpAddr::V6(_) if self.prefix_len >= 96 && self.bits >> 32 == 0 => {
                write!(
                    f,
                    "{}/{}",
                    Ipv4Addr::from(self.bits as u32),
                    self.prefix_len - 96
                )
            }
            address => write!(f, "{address}/{}", self.prefix_len),
        }
    }
}

/// What the walk of a sound tree found.
#[derive(Debug, Default)]
pub(super) struct TreeSurvey {
    /// One network for each distinct data record, in address order.
    pub(super) records: Vec<RecordNetwork>,
    /// Some network of IPv4 addresses (an IPv4 tree, or `::/96` of an IPv6 one) has data.
    pub(super) ipv4_data: bool,
    /// Some network of IPv6 addresses outside `::/96` and `::ffff:0:0/96` has data.
    pub(super) ipv6_data: bool,
}

/// Checks the `node_count` nodes of `record_size` bits at the start of `bytes`, whose data
/// section ends at `data_end` (where the metadata marker starts), and the separator after them,
/// and returns one network for each distinct data record the tree points to. This function
/// never indexes out of bounds: a tree that does not fit is an error.
pub(super) fn check_search_tree(
    bytes: &[u8],
    node_count: u32,
    record_size: u16,
    ipv4_tree: bool,
    data_end: usize,
) -> Result<TreeSurvey, String> {
    let node_bytes = match record_size {
        24 => 6,
        28 => 7,
        32 => 8,
        other => return Err(format!("unsupported record size {other}")),
    };
    let width: u8 = if ipv4_tree { 32 } else { 128 };
    let nodes = node_count as usize;
    let tree_len = nodes
        .checked_mul(node_bytes)
        .filter(|&len| len as u64 + SEPARATOR_LEN <= data_end as u64 && data_end <= bytes.len())
        .ok_or_else(|| "the search tree extends beyond the data section".to_string())?;
    let data_len = (data_end - tree_len) as u64 - SEPARATOR_LEN;
    let tree = &bytes[..tree_len];
    let first_data_pointer = u64::from(node_count) + SEPARATOR_LEN;

    let mut survey = TreeSurvey::default();
    // One bit per data section byte: which record offsets were already listed.
    let mut seen_records = vec![0u64; (data_len as usize).div_ceil(64)];
    let mut reached = vec![0u64; nodes.div_ceil(64)];
    let mut reached_count = 0usize;
    // (node, first address of its network, depth): depth-first from the root.
    let mut stack = vec![(0u32, 0u128, 0u8)];
    while let Some((node, bits, depth)) = stack.pop() {
        let (word, bit) = (node as usize / 64, 1u64 << (node % 64));
        if reached[word] & bit != 0 {
            continue;
        }
        reached[word] |= bit;
        reached_count += 1;
        if depth >= width {
            return Err(format!(
                "search tree node {node} lies deeper than the {width} bits of an address"
            ));
        }
        let start = node as usize * node_bytes;
        let raw = &tree[start..start + node_bytes];
        let [left, right] = read_node(raw);
        let right_bits = bits | 1u128 << (width - 1 - depth);
        // Right pushed first so that the left subtree is explored first.
        for (record, child_bits) in [(right, right_bits), (left, bits)] {
            if record < node_count {
                stack.push((record, child_bits, depth + 1));
            }
        }
        for (side, record, child_bits) in [("left", left, bits), ("right", right, right_bits)] {
            if record <= node_count {
                continue;
            }
            let pointer = u64::from(record);
            if pointer < first_data_pointer {
                return Err(format!(
                    "search tree node {node}: {side} record {record} points into the 16-byte \
                     separator after the {nodes} nodes"
                ));
            }
            if pointer - first_data_pointer >= data_len {
                return Err(format!(
                    "search tree node {node}: {side} record {record} points past the end of \
                     the {data_len}-byte data section"
                ));
            }
            let offset = (pointer - first_data_pointer) as usize;
            let network = RecordNetwork {
                bits: child_bits,
                prefix_len: depth + 1,
                ipv4_tree,
            };
            survey.ipv4_data |= network.holds_ipv4();
            survey.ipv6_data |= network.holds_ipv6();
            let (word, bit) = (offset / 64, 1u64 << (offset % 64));
            if seen_records[word] & bit == 0 {
                seen_records[word] |= bit;
                survey.records.push(network);
            }
        }
    }
    if reached_count < nodes {
        return Err(format!(
            "{} of the {nodes} search tree nodes are unreachable from the root \
             (corrupt tree or wrong node_count)",
            nodes - reached_count
        ));
    }
    let separator = &bytes[tree_len..tree_len + SEPARATOR_LEN as usize];
    if separator.iter().any(|&byte| byte != 0) {
        return Err(format!(
            "the 16-byte separator after the {nodes} search tree nodes is not all zeros \
             (wrong node_count or record_size, or a damaged file)"
        ));
    }
    // In address order, so that errors name the first damaged network.
    survey
        .records
        .sort_unstable_by_key(|record| (record.bits, record.prefix_len));
    Ok(survey)
}

/// The left and right records of one node (6, 7 or 8 bytes).
fn read_node(raw: &[u8]) -> [u32; 2] {
    let be = |bytes: &[u8]| {
        bytes
            .iter()
            .fold(0u32, |value, &b| value << 8 | u32::from(b))
    };
    match raw.len() {
        6 => [be(&raw[..3]), be(&raw[3..])],
        7 => [
            u32::from(raw[3] >> 4) << 24 | be(&raw[..3]),
            u32::from(raw[3] & 0x0f) << 24 | be(&raw[4..]),
        ],
        _ => [be(&raw[..4]), be(&raw[4..8])],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_record_size() {
        assert_eq!(read_node(&[0, 0, 1, 0, 0, 2]), [1, 2]);
        // 28 bits: the middle byte holds the high nibbles of both records.
        assert_eq!(
            read_node(&[0x23, 0x45, 0x67, 0x18, 0x9a, 0xbc, 0xde]),
            [0x0123_4567, 0x089a_bcde]
        );
        assert_eq!(read_node(&[0, 0, 0, 7, 0, 0, 1, 0]), [7, 256]);
    }

    /// Two nodes of 24 bits, the separator and a 3-byte data section.
    fn tree(root: [u32; 2], second: [u32; 2]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for record in root.into_iter().chain(second) {
            bytes.extend_from_slice(&record.to_be_bytes()[1..]);
        }
        bytes.extend_from_slice(&[0; 16]);
        bytes.extend_from_slice(&[0x41, b'x', 0]);
        bytes
    }

    #[test]
    fn accepts_a_sound_tree() {
        // Root → node 1 and "no data"; node 1 → data offsets 0 and 1.
        let bytes = tree([1, 2], [18, 19]);
        let survey = check_search_tree(&bytes, 2, 24, true, bytes.len()).unwrap();
        let records = &survey.records;
        let networks: Vec<String> = records.iter().map(ToString::to_string).collect();
        assert_eq!(networks, ["0.0.0.0/2", "64.0.0.0/2"]);
        assert_eq!(records[1].address(), "64.0.0.0".parse::<IpAddr>().unwrap());
        assert!(survey.ipv4_data && !survey.ipv6_data);
        let survey = check_search_tree(&bytes, 2, 24, false, bytes.len()).unwrap();
        assert_eq!(survey.records[1].to_string(), "4000::/2");
        // 0.0.0.0/2 of an IPv6 tree is ::/2, which holds ::/96 (IPv4) and IPv6 addresses.
        assert!(survey.ipv4_data && survey.ipv6_data);
    }

    #[test]
    fn rejects_pointers_into_the_separator_or_past_the_data() {
        let bytes = tree([1, 2], [3, 19]);
        let error = check_search_tree(&bytes, 2, 24, true, bytes.len()).unwrap_err();
        assert!(
            error.contains("node 1: left record 3 points into"),
            "{error}"
        );
        let bytes = tree([1, 2], [18, 21]);
        let error = check_search_tree(&bytes, 2, 24, true, bytes.len()).unwrap_err();
        assert!(error.contains("right record 21 points past"), "{error}");
    }

    #[test]
    fn rejects_a_separator_that_is_not_zeros() {
        let mut bytes = tree([1, 2], [18, 19]);
        bytes[12 + 5] = 1;
        let error = check_search_tree(&bytes, 2, 24, true, bytes.len()).unwrap_err();
        assert!(
            error.contains("separator after the 2 search tree nodes"),
            "{error}"
        );
    }

    #[test]
    fn tells_which_families_hold_data() {
        let network = |text: &str| {
            let net: ipnet::Ipv6Net = text.parse().unwrap();
            RecordNetwork {
                bits: u128::from(net.network()),
                prefix_len: net.prefix_len(),
                ipv4_tree: false,
            }
        };
        let families = |text| {
            let network = network(text);
            (network.holds_ipv4(), network.holds_ipv6())
        };
        assert_eq!(families("::c000:200/120"), (true, false)); // 192.0.2.0/24
        assert_eq!(families("::ffff:c000:200/120"), (false, false)); // its alias
        assert_eq!(families("2001:db8::/32"), (false, true));
        assert_eq!(families("::/64"), (true, true));
        assert_eq!(families("::/0"), (true, true));
    }

    #[test]
    fn rejects_unreachable_nodes() {
        let bytes = tree([18, 2], [0, 0]);
        let error = check_search_tree(&bytes, 2, 24, true, bytes.len()).unwrap_err();
        assert!(
            error.contains("1 of the 2 search tree nodes are unreachable"),
            "{error}"
        );
    }

    #[test]
    fn rejects_a_chain_deeper_than_an_address() {
        // A chain of 40 nodes, each the left child of the one before: an IPv4 lookup stops
        // after 32 bits, so node 32 and below are corrupt.
        let mut bytes = Vec::new();
        for node in 0..40u32 {
            bytes.extend_from_slice(&(node + 1).to_be_bytes()[1..]);
            bytes.extend_from_slice(&40u32.to_be_bytes()[1..]);
        }
        bytes.extend_from_slice(&[0; 16]);
        bytes.extend_from_slice(&[0x41, b'x', 0]);
        let error = check_search_tree(&bytes, 40, 24, true, bytes.len()).unwrap_err();
        assert!(
            error.contains("node 32 lies deeper than the 32 bits"),
            "{error}"
        );
    }

    #[test]
    fn rejects_a_tree_longer_than_the_file() {
        let bytes = tree([1, 2], [18, 19]);
        assert!(check_search_tree(&bytes, 1000, 24, true, bytes.len()).is_err());
        assert!(check_search_tree(&bytes, 2, 24, true, bytes.len() + 1).is_err());
        assert!(check_search_tree(&bytes, 2, 20, true, bytes.len()).is_err());
    }
}
