//! The RFC 1035 types and their close relatives: addresses, names, SOA, MX, SRV, text strings,
//! NAPTR, URI and CAA.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::fields::Fields;
use crate::zone::parse::encoding::unescape_into;
use crate::zone::parse::lexer::show;

pub(super) fn a(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next("IPv4 address")?;
    let addr = std::str::from_utf8(token.text)
        .ok()
        .and_then(|s| s.parse::<Ipv4Addr>().ok())
        .ok_or_else(|| format!("bad IPv4 address \"{}\"", show(token.text)))?;
    out.extend_from_slice(&addr.octets());
    Ok(())
}

pub(super) fn aaaa(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next("IPv6 address")?;
    let addr = std::str::from_utf8(token.text)
        .ok()
        .and_then(|s| s.parse::<Ipv6Addr>().ok())
        .ok_or_else(|| format!("bad IPv6 address \"{}\"", show(token.text)))?;
    out.extend_from_slice(&addr.octets());
    Ok(())
}

pub(super) fn soa(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_name("SOA primary name server (MNAME)", out)?;
    f.put_name("SOA mailbox (RNAME)", out)?;
    f.put_u32("SOA serial", out)?;
    f.put_duration("SOA refresh", out)?;
    f.put_duration("SOA retry", out)?;
    f.put_duration("SOA expire", out)?;
    f.put_duration("SOA minimum", out)?;
    Ok(())
}

pub(super) fn mx(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u16("MX preference", out)?;
    f.put_name("MX exchange", out)
}

pub(super) fn srv(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u16("SRV priority", out)?;
    f.put_u16("SRV weight", out)?;
    f.put_u16("SRV port", out)?;
    f.put_name("SRV target", out)
}

pub(super) fn hinfo(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_string("HINFO CPU", out)?;
    f.put_string("HINFO OS", out)
}

/// TXT and SPF: one or more character strings. A string longer than 255 bytes is split into
/// consecutive strings of 255 bytes, as Knot DNS does (BIND refuses it).
pub(super) fn txt(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    if f.is_empty() {
        return Err("missing text: write at least one string (\"\" for an empty one)".into());
    }
    let mut text = Vec::new();
    for token in f.rest() {
        text.clear();
        unescape_into(token.text, &mut text)?;
        if text.is_empty() {
            out.push(0);
        }
        for chunk in text.chunks(255) {
            out.push(chunk.len() as u8);
            out.extend_from_slice(chunk);
        }
    }
    Ok(())
}

pub(super) fn naptr(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u16("NAPTR order", out)?;
    f.put_u16("NAPTR preference", out)?;
    f.put_string("NAPTR flags", out)?;
    f.put_string("NAPTR services", out)?;
    f.put_string("NAPTR regexp", out)?;
    f.put_name("NAPTR replacement", out)
}

/// URI (RFC 7553): priority, weight and the target as a string with no length byte.
pub(super) fn uri(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u16("URI priority", out)?;
    f.put_u16("URI weight", out)?;
    let token = f.next("URI target")?;
    let at = out.len();
    unescape_into(token.text, out)?;
    if out.len() == at {
        return Err("empty URI target".into());
    }
    Ok(())
}

/// CAA (RFC 8659): flags, a tag of 1–15 ASCII letters and digits, and the value (the rest of
/// the rdata, no length byte).
pub(super) fn caa(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u8("CAA flags", out)?;
    let tag = f.next("CAA tag")?;
    if tag.text.is_empty() || tag.text.len() > 15 {
        return Err(format!(
            "CAA tag \"{}\" must be 1 to 15 characters long (RFC 8659)",
            show(tag.text)
        ));
    }
    if !tag.text.iter().all(u8::is_ascii_alphanumeric) {
        return Err(format!(
            "CAA tag \"{}\" may hold only ASCII letters and digits (RFC 8659)",
            show(tag.text)
        ));
    }
    out.push(tag.text.len() as u8);
    out.extend_from_slice(tag.text);
    let value = f.next("CAA value")?;
    unescape_into(value.text, out)
}
