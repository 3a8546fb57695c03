//! Fields of the RFC 1035 types and their close relatives: addresses, text strings, the URI
//! target and the CAA tag and value.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::fields::Fields;
use crate::zone::parse::encoding::unescape_into;
use crate::zone::parse::lexer::show;

/// Largest CAA tag: its length is one byte (RFC 8659 §4.1).
pub(crate) const MAX_CAA_TAG: usize = 255;

pub(super) fn ipv4(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let addr = std::str::from_utf8(token.text)
        .ok()
        .and_then(|s| s.parse::<Ipv4Addr>().ok())
        .ok_or_else(|| format!("bad {what} \"{}\"", show(token.text)))?;
    out.extend_from_slice(&addr.octets());
    Ok(())
}

pub(super) fn ipv6(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let addr = std::str::from_utf8(token.text)
        .ok()
        .and_then(|s| s.parse::<Ipv6Addr>().ok())
        .ok_or_else(|| format!("bad {what} \"{}\"", show(token.text)))?;
    out.extend_from_slice(&addr.octets());
    Ok(())
}

/// TXT, SPF, RESINFO and WALLET: one or more character strings. A string longer than 255 bytes
/// is split into consecutive strings of 255 bytes, as Knot DNS does (BIND refuses it).
pub(super) fn strings(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
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

/// The URI target (RFC 7553): a string with no length byte, not empty.
pub(super) fn uri_target(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let at = out.len();
    unescape_into(token.text, out)?;
    if out.len() == at {
        return Err(format!("empty {what}"));
    }
    Ok(())
}

/// True for a CAA tag RFC 8659 §4.1 allows: at least one ASCII letter or digit, and nothing
/// else. Its length byte bounds it to 255.
pub(crate) fn valid_caa_tag(tag: &[u8]) -> bool {
    !tag.is_empty() && tag.len() <= MAX_CAA_TAG && tag.iter().all(u8::is_ascii_alphanumeric)
}

/// A CAA tag with its length byte.
pub(super) fn caa_tag(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let tag = f.next(what)?;
    if tag.text.is_empty() || tag.text.len() > MAX_CAA_TAG {
        return Err(format!(
            "{what} \"{}\" must be 1 to {MAX_CAA_TAG} characters long (RFC 8659)",
            show(tag.text)
        ));
    }
    if !valid_caa_tag(tag.text) {
        return Err(format!(
            "{what} \"{}\" may hold only ASCII letters and digits (RFC 8659)",
            show(tag.text)
        ));
    }
    out.push(tag.text.len() as u8);
    out.extend_from_slice(tag.text);
    Ok(())
}

/// The CAA value: the rest of the rdata, no length byte, possibly empty.
pub(super) fn caa_value(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let value = f.next(what)?;
    unescape_into(value.text, out)
}
