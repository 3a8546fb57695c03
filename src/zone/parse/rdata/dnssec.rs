//! Fields of the DNSSEC and delegation-maintenance types (RRSIG, NSEC, NSEC3, NSEC3PARAM,
//! CSYNC, DSYNC): type mnemonics, RRSIG times, NSEC3 salts and hashes, type bitmaps and the
//! DSYNC scheme.

use super::fields::{Fields, number, with_length_byte};
use crate::wire::rtype::type_from_str;
use crate::wire::{base32hex, type_bitmap};
use crate::zone::parse::encoding::{date_to_seconds, decode_hex};
use crate::zone::parse::lexer::show;

/// The DSYNC scheme with a mnemonic: NOTIFY (RFC 9859).
pub(crate) const DSYNC_NOTIFY: u8 = 1;

fn rtype_of(text: &[u8]) -> Option<u16> {
    std::str::from_utf8(text).ok().and_then(type_from_str)
}

/// A type mnemonic or `TYPEnnn`, 16 bits.
pub(super) fn rr_type(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let code = rtype_of(token.text).ok_or_else(|| {
        format!(
            "bad {what} \"{}\": write a type mnemonic or TYPEnnn",
            show(token.text)
        )
    })?;
    out.extend_from_slice(&code.to_be_bytes());
    Ok(())
}

/// The DSYNC scheme: a number or `NOTIFY`.
pub(super) fn dsync_scheme(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let scheme = number::<u8>(token.text)
        .or_else(|| {
            token
                .text
                .eq_ignore_ascii_case(b"NOTIFY")
                .then_some(DSYNC_NOTIFY)
        })
        .ok_or_else(|| format!("bad {what} \"{}\"", show(token.text)))?;
    out.push(scheme);
    Ok(())
}

/// An RRSIG time: `YYYYMMDDHHmmSS` in UTC, or up to ten digits of seconds since 1970
/// (RFC 4034 §3.2), as Knot DNS and BIND read it.
pub(super) fn time(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let seconds = match token.text.len() {
        14 => date_to_seconds(token.text),
        1..=10 => number::<u32>(token.text),
        _ => None,
    };
    let seconds = seconds.ok_or_else(|| {
        format!(
            "bad {what} \"{}\": write YYYYMMDDHHmmSS (UTC, up to 2106-02-07) or seconds since \
             1970",
            show(token.text)
        )
    })?;
    out.extend_from_slice(&seconds.to_be_bytes());
    Ok(())
}

/// An NSEC3 salt: `-` for none, else 1 to 255 bytes in hex as one word (RFC 5155 §3.3).
pub(super) fn salt(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    if token.text == b"-" {
        out.push(0);
        return Ok(());
    }
    let len = with_length_byte(out, |out| {
        decode_hex([token.text], out).map_err(|e| format!("bad {what}: {e} (write - for none)"))
    })?;
    match len {
        Some(1..) => Ok(()),
        _ => Err(format!("{what} must be 1 to 255 bytes long, or - for none")),
    }
}

/// An NSEC3 next hashed owner name: 1 to 255 bytes in base32hex without padding, one word
/// (RFC 5155 §3.3).
pub(super) fn hash(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let len = with_length_byte(out, |out| {
        base32hex::decode(token.text, out).map_err(|e| format!("bad {what}: {e}"))
    })?;
    match len {
        Some(1..) => Ok(()),
        _ => Err(format!("{what} must be 1 to 255 bytes long")),
    }
}

/// A type bitmap: the types named in the remaining words, in any order; none is allowed.
pub(super) fn bitmap(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let mut types = Vec::new();
    for token in f.rest() {
        let code = rtype_of(token.text)
            .ok_or_else(|| format!("bad {what} \"{}\" in the type bitmap", show(token.text)))?;
        types.push(code);
    }
    type_bitmap::encode(types, out);
    Ok(())
}
