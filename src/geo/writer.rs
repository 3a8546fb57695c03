//! A small MaxMind DB writer for our own City databases (geoip/example-city.mmdb), following the
//! MaxMind DB format 2.0: a binary search tree over IPv6 with IPv4 at `::/96` (and aliased at
//! `::ffff:0:0/96`, as MaxMind's databases do), a data section of deduplicated GeoIP2
//! City-shaped records, and the metadata map. The output depends only on the table, so it can
//! be committed and checked for drift.

use std::collections::HashMap;
use std::net::IpAddr;

use super::city_table::{CONTINENTS, CityRow, parse_city_table};

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

/// The network as a 128-bit tree key and prefix: IPv4 lives at `::a.b.c.d`, 96 bits deeper.
fn tree_key(network: &ipnet::IpNet) -> (u128, u8) {
    match network.addr() {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), network.prefix_len() + 96),
        IpAddr::V6(v6) => (u128::from(v6), network.prefix_len()),
    }
}

/// Writes the database with the smallest record size of 24, 28 and 32 bits that is at least
/// `min_record_size` and holds every record value.
pub(super) fn write_city_database(
    rows: &[CityRow],
    min_record_size: u16,
) -> Result<Vec<u8>, String> {
    // Records first, in table order, each distinct record once.
    let mut data = Vec::new();
    let mut offsets: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut keyed = Vec::with_capacity(rows.len());
    for row in rows {
        let record = encode_record(row);
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
        let (bits, prefix) = tree_key(&row.network);
        keyed.push((prefix, bits, offset, row.line));
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
    if let Some(ipv4) = tree.get(0, 96).filter(|slot| *slot != Slot::Empty) {
        tree.set(0xffff_u128 << 32, 96, ipv4)?;
    }

    let node_count =
        u32::try_from(tree.nodes.len()).map_err(|_| "too many search tree nodes".to_string())?;
    let largest = u64::from(node_count) + SEPARATOR.len() as u64 + data.len() as u64;
    let record_size = [24u16, 28, 32]
        .into_iter()
        .find(|&bits| bits >= min_record_size && largest < 1 << bits)
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
    out.extend_from_slice(&data);
    out.extend_from_slice(METADATA_MARKER);
    write_metadata(&mut out, node_count, record_size);
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

/// A GeoIP2 City-shaped record with the table's fields.
fn encode_record(row: &CityRow) -> Vec<u8> {
    let mut out = Vec::new();
    let fields = 1
        + usize::from(row.country.is_some())
        + usize::from(row.coordinates.is_some())
        + usize::from(row.subdivision.is_some());
    // Keys in alphabetical order, like MaxMind's writer.
    write_control(&mut out, TYPE_MAP, fields);
    write_string(&mut out, "continent");
    let continent = row.continent.as_str();
    let name = CONTINENTS
        .iter()
        .find(|(code, _)| *code == continent)
        .map_or(continent, |(_, name)| name);
    write_control(&mut out, TYPE_MAP, 2);
    write_string(&mut out, "code");
    write_string(&mut out, continent);
    write_string(&mut out, "names");
    write_control(&mut out, TYPE_MAP, 1);
    write_string(&mut out, "en");
    write_string(&mut out, name);
    if let Some(country) = row.country {
        write_string(&mut out, "country");
        write_control(&mut out, TYPE_MAP, 1);
        write_string(&mut out, "iso_code");
        write_string(&mut out, country.as_str());
    }
    if let Some((latitude, longitude)) = row.coordinates {
        write_string(&mut out, "location");
        write_control(&mut out, TYPE_MAP, 2);
        write_string(&mut out, "latitude");
        write_double(&mut out, latitude);
        write_string(&mut out, "longitude");
        write_double(&mut out, longitude);
    }
    if let Some(subdivision) = row.subdivision {
        write_string(&mut out, "subdivisions");
        write_control(&mut out, TYPE_ARRAY, 1);
        write_control(&mut out, TYPE_MAP, 1);
        write_string(&mut out, "iso_code");
        write_string(&mut out, subdivision.as_str());
    }
    out
}

fn write_metadata(out: &mut Vec<u8>, node_count: u32, record_size: u16) {
    write_control(out, TYPE_MAP, 9);
    write_string(out, "binary_format_major_version");
    write_uint(out, TYPE_UINT16, 2);
    write_string(out, "binary_format_minor_version");
    write_uint(out, TYPE_UINT16, 0);
    write_string(out, "build_epoch");
    write_uint(out, TYPE_UINT64, BUILD_EPOCH);
    write_string(out, "database_type");
    write_string(out, DATABASE_TYPE);
    write_string(out, "description");
    write_control(out, TYPE_MAP, 1);
    write_string(out, "en");
    write_string(out, DESCRIPTION);
    write_string(out, "ip_version");
    write_uint(out, TYPE_UINT16, 6);
    write_string(out, "languages");
    write_control(out, TYPE_ARRAY, 1);
    write_string(out, "en");
    write_string(out, "node_count");
    write_uint(out, TYPE_UINT32, u64::from(node_count));
    write_string(out, "record_size");
    write_uint(out, TYPE_UINT16, u64::from(record_size));
}

// Data section types (MaxMind DB format 2.0, "Output Data Section").
const TYPE_STRING: u8 = 2;
const TYPE_DOUBLE: u8 = 3;
const TYPE_UINT16: u8 = 5;
const TYPE_UINT32: u8 = 6;
const TYPE_MAP: u8 = 7;
const TYPE_UINT64: u8 = 9;
const TYPE_ARRAY: u8 = 11;

/// The control byte (type in the top 3 bits, or 0 and an extended type byte for types above
/// 7) and the payload size, with the 29/30/31 size escapes.
fn write_control(out: &mut Vec<u8>, type_number: u8, size: usize) {
    let (first, extended) = if type_number <= 7 {
        (type_number << 5, None)
    } else {
        (0, Some(type_number - 7))
    };
    let (size_bits, extra): (u8, &[u8]) = match size {
        0..29 => (size as u8, &[]),
        29..285 => (29, &[(size - 29) as u8]),
        285..65_821 => (30, &((size - 285) as u16).to_be_bytes()),
        _ => (31, &((size - 65_821) as u32).to_be_bytes()[1..]),
    };
    out.push(first | size_bits);
    out.extend(extended);
    out.extend_from_slice(extra);
}

fn write_string(out: &mut Vec<u8>, text: &str) {
    write_control(out, TYPE_STRING, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn write_double(out: &mut Vec<u8>, value: f64) {
    write_control(out, TYPE_DOUBLE, 8);
    out.extend_from_slice(&value.to_be_bytes());
}

/// An unsigned integer in as few big-endian bytes as it needs (0 takes none).
fn write_uint(out: &mut Vec<u8>, type_number: u8, value: u64) {
    let bytes = value.to_be_bytes();
    let skip = (value.leading_zeros() / 8) as usize;
    write_control(out, type_number, bytes.len() - skip);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_follow_the_size_escapes() {
        let control = |type_number, size| {
            let mut out = Vec::new();
            write_control(&mut out, type_number, size);
            out
        };
        assert_eq!(control(TYPE_STRING, 3), [0x43]);
        assert_eq!(control(TYPE_STRING, 28), [0x5c]);
        assert_eq!(control(TYPE_STRING, 29), [0x5d, 0]);
        assert_eq!(control(TYPE_STRING, 284), [0x5d, 255]);
        assert_eq!(control(TYPE_STRING, 285), [0x5e, 0, 0]);
        assert_eq!(control(TYPE_STRING, 65_820), [0x5e, 255, 255]);
        assert_eq!(control(TYPE_STRING, 65_821), [0x5f, 0, 0, 0]);
        assert_eq!(control(TYPE_MAP, 2), [0xe2]);
        // Extended types: control byte type 0, then type - 7.
        assert_eq!(control(TYPE_ARRAY, 1), [0x01, 0x04]);
        assert_eq!(control(TYPE_UINT64, 30), [0x1d, 0x02, 1]);
    }

    #[test]
    fn integers_use_the_fewest_bytes() {
        let uint = |type_number, value| {
            let mut out = Vec::new();
            write_uint(&mut out, type_number, value);
            out
        };
        assert_eq!(uint(TYPE_UINT16, 0), [0xa0]);
        assert_eq!(uint(TYPE_UINT16, 6), [0xa1, 6]);
        assert_eq!(uint(TYPE_UINT32, 0x0001_0203), [0xc3, 1, 2, 3]);
        assert_eq!(uint(TYPE_UINT64, 0), [0x00, 0x02]);
    }

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
        let key = |text: &str| tree_key(&text.parse().unwrap());
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
