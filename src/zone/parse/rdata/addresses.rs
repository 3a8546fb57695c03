//! Fields that are addresses of other kinds: EUI-48/EUI-64 (RFC 7043), 64-bit ILNP locators
//! and node ids (RFC 6742), APL address prefix lists (RFC 3123) and the IPSECKEY gateway and
//! key (RFC 4025).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::fields::{Fields, number};
use crate::zone::parse::encoding::{decode_base64, decode_hex};
use crate::zone::parse::lexer::show;

/// APL address families with a presentation format (RFC 3123 §4): IPv4 and IPv6.
pub(crate) const APL_IPV4: u16 = 1;
pub(crate) const APL_IPV6: u16 = 2;

/// IPSECKEY gateway types (RFC 4025 §2.3).
pub(crate) const GATEWAY_NONE: u8 = 0;
pub(crate) const GATEWAY_IPV4: u8 = 1;
pub(crate) const GATEWAY_IPV6: u8 = 2;
pub(crate) const GATEWAY_NAME: u8 = 3;

/// Decodes `groups` groups of exactly `digits` hex digits joined by `separator`.
fn hex_groups(text: &[u8], separator: u8, groups: usize, digits: usize) -> Option<Vec<u8>> {
    let parts: Vec<&[u8]> = text.split(|&c| c == separator).collect();
    if parts.len() != groups || parts.iter().any(|p| p.len() != digits) {
        return None;
    }
    let mut out = Vec::with_capacity(groups * digits / 2);
    decode_hex(parts, &mut out).ok()?;
    Some(out)
}

/// An EUI-48 or EUI-64 address of `bytes` bytes: hex pairs joined by `-` (RFC 7043 §3.2, §4.2).
pub(super) fn eui(
    f: &mut Fields,
    what: &str,
    bytes: usize,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let token = f.next(what)?;
    let eui = hex_groups(token.text, b'-', bytes, 2).ok_or_else(|| {
        format!(
            "bad {what} \"{}\": write {bytes} hex pairs joined by '-'",
            show(token.text)
        )
    })?;
    out.extend_from_slice(&eui);
    Ok(())
}

/// A 64-bit locator or node id: four groups of four hex digits joined by `:` (RFC 6742 §2.3).
pub(super) fn locator64(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let locator = hex_groups(token.text, b':', 4, 4).ok_or_else(|| {
        format!(
            "bad {what} \"{}\": write four groups of four hex digits joined by ':'",
            show(token.text)
        )
    })?;
    out.extend_from_slice(&locator);
    Ok(())
}

/// One APL item `[!]AFI:ADDRESS/PREFIX` in wire form: family, prefix, negation bit and length,
/// and the address with its trailing zero bytes left out (RFC 3123 §4).
fn apl_item(text: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let (negated, text) = match text.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let colon = text.iter().position(|&c| c == b':')?;
    let slash = text.iter().rposition(|&c| c == b'/')?;
    let family: u16 = number(text.get(..colon)?)?;
    let address = std::str::from_utf8(text.get(colon + 1..slash)?).ok()?;
    let prefix: u8 = number(text.get(slash + 1..)?)?;
    let bytes: Vec<u8> = match family {
        APL_IPV4 if prefix <= 32 => address.parse::<Ipv4Addr>().ok()?.octets().to_vec(),
        APL_IPV6 if prefix <= 128 => address.parse::<Ipv6Addr>().ok()?.octets().to_vec(),
        _ => return None,
    };
    let len = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    out.extend_from_slice(&family.to_be_bytes());
    out.push(prefix);
    out.push(len as u8 | if negated { 0x80 } else { 0 });
    out.extend_from_slice(bytes.get(..len)?);
    Some(())
}

/// APL: any number of items (none is allowed), each one word.
pub(super) fn apl(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    for token in f.rest() {
        apl_item(token.text, out).ok_or_else(|| {
            format!(
                "bad APL item \"{}\": write [!]1:IPV4/PREFIX or [!]2:IPV6/PREFIX",
                show(token.text)
            )
        })?;
    }
    Ok(())
}

/// IPSECKEY after the precedence: gateway type, algorithm, gateway (`.` for none, an IPv4 or
/// IPv6 address, or a name) and the public key in base64, present exactly when the algorithm
/// is not 0 (RFC 4025 §2.3–2.5; Knot DNS reads it so).
pub(super) fn ipseckey(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    let gateway_type = f.put_u8("IPSECKEY gateway type", out)?;
    let algorithm = f.put_u8("IPSECKEY algorithm", out)?;
    let what = "IPSECKEY gateway";
    match gateway_type {
        GATEWAY_NONE => {
            let token = f.next(what)?;
            if token.text != b"." {
                return Err(format!(
                    "bad {what} \"{}\": gateway type 0 has no gateway, written \".\"",
                    show(token.text)
                ));
            }
        }
        GATEWAY_IPV4 => super::basic::ipv4(f, "IPSECKEY gateway IPv4 address", out)?,
        GATEWAY_IPV6 => super::basic::ipv6(f, "IPSECKEY gateway IPv6 address", out)?,
        GATEWAY_NAME => f.put_name(what, out)?,
        other => {
            return Err(format!(
                "bad IPSECKEY gateway type {other}: 0 (none), 1 (IPv4), 2 (IPv6) or 3 (name)"
            ));
        }
    }
    match (algorithm, f.is_empty()) {
        (0, true) => Ok(()),
        (0, false) => Err("IPSECKEY algorithm 0 means no public key, but one follows".into()),
        (_, true) => Err("missing IPSECKEY public key".into()),
        (_, false) => {
            decode_base64(f.rest_texts(), out).map_err(|e| format!("bad IPSECKEY public key: {e}"))
        }
    }
}
