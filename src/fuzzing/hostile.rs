//! Hostile packets on demand, deterministic from a seed: truncated headers, compression loops,
//! bad label lengths, huge counts, broken OPT and Client Subnet options, responses, TSIG in the
//! wrong place, mutations of valid queries and plain random bytes. The soak test fires them at
//! the running server; a unit test runs them through the packet invariants.

use fastrand::Rng;

use super::inputs::build_query;
use crate::wire::rtype;

/// Names worth asking for: the example zone's, steered ones, and names outside every zone.
const NAMES: &[&[u8]] = &[
    b"\x07example\x03com\x00",
    b"\x03www\x07example\x03com\x00",
    b"\x04shop\x07example\x03com\x00",
    b"\x04blog\x07example\x03com\x00",
    b"\x03sub\x07example\x03com\x00",
    b"\x01x\x04wild\x07example\x03com\x00",
    b"\x07missing\x07example\x03com\x00",
    b"\x07example\x03org\x00",
    b"\x00",
];

const TYPES: &[u16] = &[
    rtype::A,
    rtype::AAAA,
    rtype::NS,
    rtype::SOA,
    rtype::MX,
    rtype::TXT,
    rtype::CNAME,
    rtype::ANY,
    rtype::DS,
    rtype::AXFR,
    rtype::OPT,
    65280,
];

/// A well-formed query for a random name and type, with EDNS half the time.
pub fn valid_query(rng: &mut Rng) -> Vec<u8> {
    let name = NAMES[rng.usize(..NAMES.len())];
    let qtype = TYPES[rng.usize(..TYPES.len())];
    let edns = rng.bool().then(|| rng.u16(..));
    build_query(rng.u16(..), name, qtype, edns)
}

/// One hostile packet.
pub fn hostile_packet(rng: &mut Rng) -> Vec<u8> {
    let mut packet = valid_query(rng);
    match rng.u8(..14) {
        // Shorter than a header.
        0 => packet.truncate(rng.usize(..12)),
        // A query cut anywhere.
        1 => packet.truncate(rng.usize(12..packet.len())),
        // A compression pointer in the question, to itself or anywhere.
        2 => {
            packet.truncate(12);
            let target = if rng.bool() { 12 } else { rng.u16(..0x4000) };
            packet.extend_from_slice(&(0xC000 | target).to_be_bytes());
            packet.extend_from_slice(&[0, 1, 0, 1]);
        }
        // An additional record whose owner is a pointer loop.
        3 => {
            packet[11] = packet[11].wrapping_add(1);
            let here = packet.len() as u16;
            packet.extend_from_slice(&(0xC000 | here).to_be_bytes());
            packet.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1]);
        }
        // A label length that is reserved, too long or runs past the end.
        4 => {
            let at = 12 + rng.usize(..4).min(packet.len() - 13);
            packet[at] = rng.u8(0x40..=0xFF);
        }
        // Section counts up to 65535.
        5 => {
            for at in [4, 6, 8, 10] {
                if rng.bool() {
                    packet[at..at + 2].copy_from_slice(&rng.u16(..).to_be_bytes());
                }
            }
        }
        6 => packet = bad_opt(rng, packet),
        7 => packet = bad_client_subnet(rng, packet),
        // A response.
        8 => packet[2] |= 0x80,
        // A TSIG record, not always last.
        9 => {
            packet[11] = packet[11].wrapping_add(2);
            for rtype in [rtype::TSIG, rtype::A] {
                packet.push(0);
                packet.extend_from_slice(&rtype.to_be_bytes());
                packet.extend_from_slice(&[0, 255, 0, 0, 0, 0, 0, 0]);
            }
        }
        // A name of 255 bytes and more, or many empty-looking labels.
        10 => {
            packet.truncate(12);
            for _ in 0..rng.usize(60..140) {
                packet.extend_from_slice(b"\x01a");
            }
            packet.extend_from_slice(&[0, 0, 1, 0, 1]);
        }
        // Flipped bits, inserted and removed bytes.
        11 => {
            for _ in 0..rng.usize(1..6) {
                let at = rng.usize(..packet.len());
                match rng.u8(..3) {
                    0 => packet[at] ^= 1 << rng.u8(..8),
                    1 => packet.insert(at, rng.u8(..)),
                    _ => {
                        packet.remove(at);
                    }
                }
                if packet.is_empty() {
                    break;
                }
            }
        }
        // Another opcode or class.
        12 => {
            packet[2] = (packet[2] & 0x87) | (rng.u8(1..16) << 3);
            let len = packet.len();
            if rng.bool() && len >= 2 {
                packet[len - 2..].copy_from_slice(&rng.u16(..).to_be_bytes());
            }
        }
        _ => {
            let len = rng.usize(..600);
            packet = (0..len).map(|_| rng.u8(..)).collect();
        }
    }
    packet
}

/// An OPT record that is wrong: not at the root, twice, its length past the end, an option
/// running past the record, or a version above 0.
fn bad_opt(rng: &mut Rng, mut packet: Vec<u8>) -> Vec<u8> {
    if packet[11] == 0 {
        packet[11] = 1;
        packet.extend_from_slice(&[0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]);
    }
    let opt = packet.len() - 11;
    match rng.u8(..5) {
        0 => {
            packet[opt] = 1;
            packet.insert(opt + 1, b'x');
        }
        1 => {
            let copy = packet[opt..].to_vec();
            packet.extend_from_slice(&copy);
            packet[11] = 2;
        }
        2 => packet[opt + 9..opt + 11].copy_from_slice(&rng.u16(1..).to_be_bytes()),
        3 => {
            packet[opt + 10] = 6;
            packet.extend_from_slice(&[0, 8, 0, rng.u8(3..255), 0, 1]);
        }
        _ => packet[opt + 6] = rng.u8(1..),
    }
    packet
}

/// A Client Subnet option with a bad family, a prefix too long for it, address bytes not
/// matching the prefix, bits beyond the prefix or a scope in the query.
fn bad_client_subnet(rng: &mut Rng, mut packet: Vec<u8>) -> Vec<u8> {
    let options: &[&[u8]] = &[
        &[0, 3, 24, 0, 192, 0, 2],
        &[0, 1, 33, 0, 192, 0, 2, 1, 0],
        &[0, 2, 129, 0],
        &[0, 1, 24, 0, 192, 0],
        &[0, 1, 24, 0, 192, 0, 2, 1],
        &[0, 1, 20, 0, 192, 0, 255],
        &[0, 1, 24, 24, 192, 0, 2],
        &[0, 0, 8, 0, 10],
        &[0, 1],
        &[],
    ];
    let option = options[rng.usize(..options.len())];
    if packet[11] == 0 {
        packet[11] = 1;
        packet.extend_from_slice(&[0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0]);
    }
    let rdlen = packet.len() - 2;
    let len = (4 + option.len()) as u16;
    packet[rdlen..].copy_from_slice(&len.to_be_bytes());
    packet.extend_from_slice(&[0, 8]);
    packet.extend_from_slice(&(option.len() as u16).to_be_bytes());
    packet.extend_from_slice(option);
    packet
}
