//! A small MaxMind DB writer for our own databases (geoip/example-city.mmdb, and test databases
//! in every layout Switchyard reads), following the MaxMind DB format 2.0: a binary search tree
//! over IPv6 with IPv4 at `::/96` (and aliased at `::ffff:0:0/96`, as MaxMind's databases do) or
//! over IPv4 alone, a data section of deduplicated records (see [`super::encode`]), and the
//! metadata map. The output depends only on the table, so it can be committed and checked for
//! drift.

use std::collections::HashMap;
use std::net::IpAddr;

use super::city_table::{CityRow, parse_city_table};
use super::encode::{
    RecordLayout, TYPE_ARRAY, TYPE_MAP, TYPE_UINT16, TYPE_UINT32, TYPE_UINT64, encode_record,
    write_control, write_string, write_uint,
};

/// `database_type` of the databases we write: "City" makes GeoIP2 readers (ours included)
/// accept them as City databases.
pub const DATABASE_TYPE: &str = "Switchyard-City";
const DESCRIPTION: &str = "Switchyard City database, built from a CSV table";
/// `build_epoch` of the databases we write: fixed, so that the same table always gives the same
/// bytes. Not 0, which libmaxminddb (mmdblookup, nginx, …) rejects as missing.
/// 2025-01-01T00:00:00Z.
pub const BUILD_EPOCH: u64 = 1_735_689_600;
const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";
const SEPARATOR: [u8; 16] = [0; 16];

/// Builds a City database from the CSV table described in `geoip/README.md`
/// (`network,continent,country,subdivision,latitude,longitude`). Errors name the CSV line.
/// The same table always gives the same bytes (`build_epoch` is [`BUILD_EPOCH`]).
pub fn build_city_database(csv: &str) -> Result<Vec<u8>, String> {
    let rows = parse_city_table(csv)?;
    write_city_database(&rows, 24)
}

/// Builds a database of the same table in `layout`, with the metadata its publisher's files
/// carry: DB-IP's `database_type` ("DBIP-City-Lite", "DBIP-Country-Lite"); for ip-location-db,
/// one address family per file (`ipv6` picks which; the other family's rows are left out), an
/// IPv4 tree (`ip_version` 4) for the IPv4 file, "country ipv4"-style types and an empty
/// `description`, as its generator (mmdbwriter without a description) writes them. Test
/// databases for every layout Switchyard reads.
pub fn build_database(csv: &str, layout: RecordLayout, ipv6: bool) -> Result<Vec<u8>, String> {
    let mut rows = parse_city_table(csv)?;
    let options = match layout {
        RecordLayout::GeoIp2City => WriteOptions::city(24),
        RecordLayout::DbIpCity => WriteOptions::new(layout, "DBIP-City-Lite"),
        RecordLayout::DbIpCountry => WriteOptions::new(layout, "DBIP-Country-Lite"),
        RecordLayout::IpLocationCountry | RecordLayout::IpLocationCity => {
            rows.retain(|row| row.network.addr().is_ipv6() == ipv6);
            let kind = if layout == RecordLayout::IpLocationCity {
                "city"
            } else {
                "country"
            };
            let family = if ipv6 { 6 } else { 4 };
            let database_type = format!("{kind} ipv{family}");
            WriteOptions {
                database_type,
                description: None,
                ip_version: family,
                ipv4_alias: false,
                ..WriteOptions::new(layout, "")
            }
        }
    };
    write_database(&rows, &options)
}

/// What a written database looks like, besides its networks.
#[derive(Clone, Debug)]
pub(super) struct WriteOptions {
    pub(super) layout: RecordLayout,
    pub(super) database_type: String,
    /// The English `description`; `None` writes an empty map (and no `languages`).
    pub(super) description: Option<String>,
    /// 6: an IPv6 tree with IPv4 at `::/96`; 4: an IPv4 tree (IPv6 rows are an error).
    pub(super) ip_version: u16,
    /// In an IPv6 tree, make `::ffff:0:0/96` reach the IPv4 data too.
    pub(super) ipv4_alias: bool,
    /// The smallest record size (24, 28 or 32) to use.
    pub(super) min_record_size: u16,
}

impl WriteOptions {
    /// Our City databases, as `switchyard geoip-build` writes them.
    pub(super) fn city(min_record_size: u16) -> WriteOptions {
        WriteOptions {
            min_record_size,
            ..WriteOptions::new(RecordLayout::GeoIp2City, DATABASE_TYPE)
        }
    }

    pub(super) fn new(layout: RecordLayout, database_type: &str) -> WriteOptions {
        WriteOptions {
            layout,
            database_type: database_type.to_string(),
            description: Some(DESCRIPTION.to_string()),
            ip_version: 6,
            ipv4_alias: true,
            min_record_size: 24,
        }
    }
}

/// One record of a search tree node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Empty,
    Node(u32),
    /// Offset in the data section.
    Data(u32),
}

/// The search tree while it is built: node 0 is the root.
struct Tree {
    nodes: Vec<[Slot; 2]>,
}

impl Tree {
    /// Puts `slot` at the network of `prefix` leading bits of `bits`, splitting any less
    /// specific data on the way so that it keeps covering the rest of its network.
    fn set(&mut self, bits: u128, prefix: u8, slot: Slot) -> Result<(), String> {
        if prefix == 0 || prefix > 128 {
            return Err(format!("cannot store a /{prefix} network in the tree"));
        }
        let mut node = 0usize;
        for depth in 0..prefix {
            let bit = ((bits >> (127 - depth)) & 1) as usize;
            if depth + 1 == prefix {
                self.nodes[node][bit] = slot;
                break;
            }
            node = match self.nodes[node][bit] {
                Slot::Node(next) => next as usize,
                covering => {
                    let next = self.nodes.len();
                    let number = u32::try_from(next).map_err(|_| "too many nodes".to_string())?;
                    self.nodes.push([covering, covering]);
                    self.nodes[node][bit] = Slot::Node(number);
                    next
                }
            };
        }
        Ok(())
    }

    /// The slot at the network of `prefix` leading bits of `bits`, if the tree reaches it.
    fn get(&self, bits: u128, prefix: u8) -> Option<Slot> {
        let mut slot = Slot::Node(0);
        for depth in 0..prefix {
            let Slot::Node(node) = slot else {
                return None;
            };
            let bit = ((bits >> (127 - depth)) & 1) as usize;
            slot = self.nodes[node as usize][bit];
        }
        Some(slot)
    }
}

/// The network as a 128-bit tree key (its bits from the most significant) and prefix: in an
/// IPv6 tree IPv4 lives at `::a.b.c.d`, 96 bits deeper; an IPv4 tree holds IPv4 only.
fn tree_key(network: &ipnet::IpNet, ip_version: u16) -> Result<(u128, u8), String> {
    match (network.addr(), ip_version) {
        (IpAddr::V4(v4), 4) => Ok((u128::from(u32::from(v4)) << 96, network.prefix_len())),
        (IpAddr::V4(v4), _) => Ok((u128::from(u32::from(v4)), network.prefix_len() + 96)),
        (IpAddr::V6(_), 4) => Err(format!("{network}: an IPv6 network in an IPv4 database")),
        (IpAddr::V6(v6), _) => Ok((u128::from(v6), network.prefix_len())),
    }
}

/// Writes our City database with the smallest record size of 24, 28 and 32 bits that is at
/// least `min_record_size` and holds every record value.
pub(super) fn write_city_database(
    rows: &[CityRow],
    min_record_size: u16,
) -> Result<Vec<u8>, String> {
    write_database(rows, &WriteOptions::city(min_record_size))
}

/// Writes the rows as a database shaped by `options`.
pub(super) fn write_database(rows: &[CityRow], options: &WriteOptions) -> Result<Vec<u8>, String> {
    // Records first, in table order, each distinct record once.
    let mut data = Vec::new();
    let mut offsets: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut networks = Vec::with_capacity(rows.len());
    for row in rows {
        let record = encode_record(row, options.layout);
        let offset = match offsets.get(&record) {
            Some(&offset) => offset,
            None => {
                let offset = u32::try_from(data.len())
                    .map_err(|_| format!("line {}: data section too large", row.line))?;
                data.extend_from_slice(&record);
                offsets.insert(record, offset);
                offset
            }
        };
        networks.push((row.network, offset, row.line));
    }
    assemble(&networks, &data, options)
}

/// The database file: a search tree pointing each network (with the table line it came from,
/// for errors) to its record's offset in `data`, the separator, `data`, and the metadata.
pub(super) fn assemble(
    networks: &[(ipnet::IpNet, u32, usize)],
    data: &[u8],
    options: &WriteOptions,
) -> Result<Vec<u8>, String> {
    let mut keyed = Vec::with_capacity(networks.len());
    for &(network, offset, line) in networks {
        let (bits, prefix) =
            tree_key(&network, options.ip_version).map_err(|e| format!("line {line}: {e}"))?;
        keyed.push((prefix, bits, offset, line));
    }
    // Less specific networks first, so that a more specific one splits them.
    keyed.sort_unstable();
    let mut tree = Tree {
        nodes: vec![[Slot::Empty; 2]],
    };
    for &(prefix, bits, offset, line) in &keyed {
        tree.set(bits, prefix, Slot::Data(offset))
            .map_err(|error| format!("line {line}: {error}"))?;
    }
    // IPv4-mapped addresses (::ffff:a.b.c.d) reach the IPv4 data too.
    let ipv4 = tree.get(0, 96).filter(|slot| *slot != Slot::Empty);
    if let Some(ipv4) = ipv4.filter(|_| options.ipv4_alias && options.ip_version == 6) {
        tree.set(0xffff_u128 << 32, 96, ipv4)?;
    }

    let node_count =
        u32::try_from(tree.nodes.len()).map_err(|_| "too many search tree nodes".to_string())?;
    let largest = u64::from(node_count) + SEPARATOR.len() as u64 + data.len() as u64;
    let record_size = [24u16, 28, 32]
        .into_iter()
        .find(|&bits| bits >= options.min_record_size && largest < 1 << bits)
        .ok_or_else(|| "database too large for 32-bit records".to_string())?;
    let value = |slot: Slot| -> u32 {
        match slot {
            Slot::Empty => node_count,
            Slot::Node(node) => node,
            // Fits: checked against `largest` above.
            Slot::Data(offset) => node_count + SEPARATOR.len() as u32 + offset,
        }
    };
    let mut out = Vec::with_capacity(tree.nodes.len() * 7 + data.len() + 512);
    for [left, right] in &tree.nodes {
        write_node(&mut out, record_size, value(*left), value(*right));
    }
    out.extend_from_slice(&SEPARATOR);
    out.extend_from_slice(data);
    out.extend_from_slice(METADATA_MARKER);
    write_metadata(&mut out, options, node_count, record_size);
    Ok(out)
}

fn write_node(out: &mut Vec<u8>, record_size: u16, left: u32, right: u32) {
    let (l, r) = (left.to_be_bytes(), right.to_be_bytes());
    match record_size {
        24 => {
            out.extend_from_slice(&l[1..]);
            out.extend_from_slice(&r[1..]);
        }
        28 => {
            out.extend_from_slice(&l[1..]);
            out.push((l[0] << 4) | (r[0] & 0x0f));
            out.extend_from_slice(&r[1..]);
        }
        _ => {
            out.extend_from_slice(&l);
            out.extend_from_slice(&r);
        }
    }
}

fn write_metadata(out: &mut Vec<u8>, options: &WriteOptions, node_count: u32, record_size: u16) {
    write_control(out, TYPE_MAP, 9);
    write_string(out, "binary_format_major_version");
    write_uint(out, TYPE_UINT16, 2);
    write_string(out, "binary_format_minor_version");
    write_uint(out, TYPE_UINT16, 0);
    write_string(out, "build_epoch");
    write_uint(out, TYPE_UINT64, BUILD_EPOCH);
    write_string(out, "database_type");
    write_string(out, &options.database_type);
    write_string(out, "description");
    let description = options.description.as_deref();
    write_control(out, TYPE_MAP, usize::from(description.is_some()));
    if let Some(description) = description {
        write_string(out, "en");
        write_string(out, description);
    }
    write_string(out, "ip_version");
    write_uint(out, TYPE_UINT16, u64::from(options.ip_version));
    write_string(out, "languages");
    write_control(out, TYPE_ARRAY, usize::from(description.is_some()));
    if description.is_some() {
        write_string(out, "en");
    }
    write_string(out, "node_count");
    write_uint(out, TYPE_UINT32, u64::from(node_count));
    write_string(out, "record_size");
    write_uint(out, TYPE_UINT16, u64::from(record_size));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_pack_into_24_28_and_32_bits() {
        let node = |size, left, right| {
            let mut out = Vec::new();
            write_node(&mut out, size, left, right);
            out
        };
        assert_eq!(node(24, 1, 0x02_0304), [0, 0, 1, 2, 3, 4]);
        assert_eq!(
            node(28, 0x0123_4567, 0x089a_bcde),
            [0x23, 0x45, 0x67, 0x18, 0x9a, 0xbc, 0xde]
        );
        assert_eq!(node(32, 1, 2), [0, 0, 0, 1, 0, 0, 0, 2]);
    }

    #[test]
    fn tree_splits_less_specific_networks() {
        let mut tree = Tree {
            nodes: vec![[Slot::Empty; 2]],
        };
        let key = |text: &str| tree_key(&text.parse().unwrap(), 6).unwrap();
        let (bits, prefix) = key("10.0.0.0/8");
        tree.set(bits, prefix, Slot::Data(0)).unwrap();
        let (bits, prefix) = key("10.1.0.0/16");
        tree.set(bits, prefix, Slot::Data(5)).unwrap();
        let (bits, _) = key("10.1.2.0/24");
        assert_eq!(tree.get(bits, 120), None); // data reached above /120
        assert_eq!(tree.get(bits, 112), Some(Slot::Data(5)));
        let (bits, _) = key("10.2.0.0/16");
        assert_eq!(tree.get(bits, 112), None);
        assert_eq!(tree.get(bits, 111), Some(Slot::Data(0)));
        assert!(tree.set(0, 0, Slot::Empty).is_err());
    }
}
