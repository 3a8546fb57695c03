//! EUI-48/EUI-64 addresses, 64-bit locators, APL items and the IPSECKEY gateway to text, with
//! the rules their parsers apply.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::Reader;
use crate::wire::name::write_presentation;
use crate::zone::parse::encoding::encode_base64;
use crate::zone::parse::rdata::addresses::{
    APL_IPV4, APL_IPV6, GATEWAY_IPV4, GATEWAY_IPV6, GATEWAY_NAME, GATEWAY_NONE,
};

/// `bytes` in lowercase hex, `group` bytes at a time joined by `separator`.
pub(super) fn hex_groups(
    bytes: &[u8],
    separator: char,
    group: usize,
    s: &mut String,
) -> Option<()> {
    for (i, chunk) in bytes.chunks(group).enumerate() {
        if i > 0 {
            s.push(separator);
        }
        for b in chunk {
            write!(s, "{b:02x}").ok()?;
        }
    }
    Some(())
}

/// APL items: IPv4 and IPv6 only, prefixes in range, no trailing zero byte in an address (the
/// parser never writes one, and RFC 3123 §4 has it left out).
pub(super) fn apl(r: &mut Reader, s: &mut String) -> Option<()> {
    let mut first = true;
    while !r.done() {
        let family = r.u16()?;
        let prefix = r.u8()?;
        let flags = r.u8()?;
        let address = r.bytes(usize::from(flags & 0x7f))?;
        if address.last() == Some(&0) {
            return None;
        }
        if !first {
            s.push(' ');
        }
        first = false;
        if flags & 0x80 != 0 {
            s.push('!');
        }
        match family {
            APL_IPV4 if prefix <= 32 && address.len() <= 4 => {
                let mut b = [0u8; 4];
                b.get_mut(..address.len())?.copy_from_slice(address);
                write!(s, "1:{}/{prefix}", Ipv4Addr::from(b)).ok()?;
            }
            APL_IPV6 if prefix <= 128 && address.len() <= 16 => {
                let mut b = [0u8; 16];
                b.get_mut(..address.len())?.copy_from_slice(address);
                write!(s, "2:{}/{prefix}", Ipv6Addr::from(b)).ok()?;
            }
            _ => return None,
        }
    }
    Some(())
}

/// IPSECKEY after the precedence: gateway type, algorithm, gateway and, when the algorithm is
/// not 0, the public key (which must then be there).
pub(super) fn ipseckey(r: &mut Reader, s: &mut String) -> Option<()> {
    let gateway_type = r.u8()?;
    let algorithm = r.u8()?;
    write!(s, "{gateway_type} {algorithm} ").ok()?;
    match gateway_type {
        GATEWAY_NONE => s.push('.'),
        GATEWAY_IPV4 => {
            let b: [u8; 4] = r.bytes(4)?.try_into().ok()?;
            write!(s, "{}", Ipv4Addr::from(b)).ok()?;
        }
        GATEWAY_IPV6 => {
            let b: [u8; 16] = r.bytes(16)?.try_into().ok()?;
            write!(s, "{}", Ipv6Addr::from(b)).ok()?;
        }
        GATEWAY_NAME => write_presentation(r.name()?, s).ok()?,
        _ => return None,
    }
    match (algorithm, r.rest()) {
        (0, []) => {}
        (0, _) | (_, []) => return None,
        (_, key) => {
            s.push(' ');
            encode_base64(key, s);
        }
    }
    Some(())
}
