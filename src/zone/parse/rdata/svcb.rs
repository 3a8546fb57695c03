//! SVCB and HTTPS (RFC 9460): the SvcParams after SvcPriority and TargetName.
//!
//! Params are written `key=value`, `key="value"` or `key` alone. Values are character strings
//! (escapes decoded first); list values (`alpn`, `mandatory`, hints) are comma-separated, and
//! `alpn` items escape a literal comma or backslash with a backslash (Appendix A.1). On the wire
//! params are sorted by key; a duplicate key, params in AliasMode, a `mandatory` key that is
//! absent and `no-default-alpn` without `alpn` are errors.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::fields::{Fields, number};
use crate::zone::parse::encoding::{decode_base64, unescape_into};
use crate::zone::parse::lexer::show;

pub(crate) const MANDATORY: u16 = 0;
pub(crate) const ALPN: u16 = 1;
pub(crate) const NO_DEFAULT_ALPN: u16 = 2;
pub(crate) const PORT: u16 = 3;
pub(crate) const IPV4HINT: u16 = 4;
pub(crate) const ECH: u16 = 5;
pub(crate) const IPV6HINT: u16 = 6;
pub(crate) const DOHPATH: u16 = 7;
pub(crate) const OHTTP: u16 = 8;

/// Registered key names, indexed by key number.
const KEY_NAMES: &[&str] = &[
    "mandatory",
    "alpn",
    "no-default-alpn",
    "port",
    "ipv4hint",
    "ech",
    "ipv6hint",
    "dohpath",
    "ohttp",
];

/// Why `text` is not a key: unknown, or the reserved key 65535.
fn bad_key(text: &[u8]) -> String {
    let digits = text.get(3..).filter(|_| text.len() > 3);
    if text
        .get(..3)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"key"))
        && digits.and_then(number::<u16>) == Some(u16::MAX)
    {
        return format!(
            "SvcParamKey \"{}\" is reserved (RFC 9460 §14.3.2: the invalid key) and cannot be used",
            show(text)
        );
    }
    format!("unknown SvcParamKey \"{}\"", show(text))
}

/// A key by name or as `keyNNNNN`; key 65535 is reserved ("invalid key").
pub(crate) fn key_from_text(text: &[u8]) -> Option<u16> {
    if let Some(i) = KEY_NAMES
        .iter()
        .position(|k| k.as_bytes().eq_ignore_ascii_case(text))
    {
        return u16::try_from(i).ok();
    }
    let digits = text
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case(b"key"))
        .and_then(|_| text.get(3..))?;
    number::<u16>(digits).filter(|&k| k != u16::MAX)
}

pub(crate) fn key_to_text(key: u16) -> String {
    match KEY_NAMES.get(usize::from(key)) {
        Some(name) => (*name).to_string(),
        None => format!("key{key}"),
    }
}

/// The SvcParams after SvcPriority and TargetName, which `out` already holds.
pub(super) fn params(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    let priority = out
        .first()
        .zip(out.get(1))
        .map(|(&h, &l)| u16::from_be_bytes([h, l]));
    let mut params: Vec<(u16, Vec<u8>)> = Vec::new();
    while let Some(token) = f.peek() {
        let _ = f.next("SvcParam");
        if token.quoted {
            return Err(format!(
                "SvcParam \"{}\" must be written key=value",
                show(token.text)
            ));
        }
        let (key_text, raw) = match token.text.iter().position(|&c| c == b'=') {
            Some(i) => (
                token.text.get(..i).unwrap_or_default(),
                Some(token.text.get(i + 1..).unwrap_or_default()),
            ),
            None => (token.text, None),
        };
        // `key= "value"`: the value as the next, quoted, token.
        let raw = match raw {
            Some([]) if f.peek().is_some_and(|t| t.quoted) => {
                f.next("SvcParam value").ok().map(|t| t.text)
            }
            Some(v) => Some(
                v.strip_prefix(b"\"")
                    .and_then(|v| v.strip_suffix(b"\""))
                    .unwrap_or(v),
            ),
            None => None,
        };
        let key = key_from_text(key_text).ok_or_else(|| bad_key(key_text))?;
        let value = match raw {
            Some(raw) => {
                let mut bytes = Vec::new();
                unescape_into(raw, &mut bytes)?;
                Some(bytes)
            }
            None => None,
        };
        let wire = param_value(key, value.as_deref())?;
        params.push((key, wire));
    }
    if priority == Some(0) && !params.is_empty() {
        return Err("AliasMode (SvcPriority 0) must have no SvcParams (RFC 9460 §2.4.2)".into());
    }
    params.sort_by_key(|p| p.0);
    for pair in params.windows(2) {
        if let [a, b] = pair
            && a.0 == b.0
        {
            return Err(format!("duplicate SvcParamKey \"{}\"", key_to_text(a.0)));
        }
    }
    check_consistency(&params)?;
    for (key, value) in &params {
        let len = u16::try_from(value.len())
            .map_err(|_| format!("SvcParam {} value is too long", key_to_text(*key)))?;
        out.extend_from_slice(&key.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(value);
    }
    Ok(())
}

/// The self-consistency rules of RFC 9460 §2.4.3 and §7.1.1.
fn check_consistency(params: &[(u16, Vec<u8>)]) -> Result<(), String> {
    let has = |key: u16| params.iter().any(|p| p.0 == key);
    if let Some((_, list)) = params.iter().find(|p| p.0 == MANDATORY) {
        for pair in list.chunks_exact(2) {
            let key = u16::from_be_bytes([pair[0], pair[1]]);
            if !has(key) {
                return Err(format!(
                    "mandatory SvcParamKey \"{}\" is not present",
                    key_to_text(key)
                ));
            }
        }
    }
    if has(NO_DEFAULT_ALPN) && !has(ALPN) {
        return Err("no-default-alpn requires alpn (RFC 9460 §7.1.1)".into());
    }
    Ok(())
}

fn split_commas(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&c| c == b',')
}

fn param_value(key: u16, value: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let name = key_to_text(key);
    let required = || {
        value
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("SvcParam {name} needs a value"))
    };
    let mut out = Vec::new();
    match key {
        MANDATORY => {
            let mut keys = Vec::new();
            for item in split_commas(required()?) {
                let k =
                    key_from_text(item).ok_or_else(|| format!("{} in mandatory", bad_key(item)))?;
                if k == MANDATORY {
                    return Err("mandatory must not list itself".into());
                }
                keys.push(k);
            }
            keys.sort_unstable();
            if keys.windows(2).any(|w| w.first() == w.get(1)) {
                return Err("duplicate key in mandatory".into());
            }
            for k in keys {
                out.extend_from_slice(&k.to_be_bytes());
            }
        }
        ALPN => {
            for item in alpn_items(required()?)? {
                let len = u8::try_from(item.len())
                    .ok()
                    .filter(|&l| l > 0)
                    .ok_or("alpn protocol ids must be 1 to 255 bytes long")?;
                out.push(len);
                out.extend_from_slice(&item);
            }
        }
        NO_DEFAULT_ALPN | OHTTP => {
            if value.is_some() {
                return Err(format!("SvcParam {name} takes no value"));
            }
        }
        PORT => {
            let v = required()?;
            let port: u16 =
                number(v).ok_or_else(|| format!("bad SvcParam port \"{}\"", show(v)))?;
            out.extend_from_slice(&port.to_be_bytes());
        }
        IPV4HINT => {
            for item in split_commas(required()?) {
                let addr = std::str::from_utf8(item)
                    .ok()
                    .and_then(|s| s.parse::<Ipv4Addr>().ok())
                    .ok_or_else(|| format!("bad IPv4 address \"{}\" in ipv4hint", show(item)))?;
                out.extend_from_slice(&addr.octets());
            }
        }
        IPV6HINT => {
            for item in split_commas(required()?) {
                let addr = std::str::from_utf8(item)
                    .ok()
                    .and_then(|s| s.parse::<Ipv6Addr>().ok())
                    .ok_or_else(|| format!("bad IPv6 address \"{}\" in ipv6hint", show(item)))?;
                out.extend_from_slice(&addr.octets());
            }
        }
        ECH => {
            decode_base64([required()?], &mut out).map_err(|e| format!("bad ech: {e}"))?;
        }
        DOHPATH => {
            let v = required()?;
            std::str::from_utf8(v).map_err(|_| "dohpath must be UTF-8 (RFC 9461)".to_string())?;
            out.extend_from_slice(v);
        }
        _ => out.extend_from_slice(value.unwrap_or_default()),
    }
    Ok(out)
}

/// Splits an alpn value-list: items separated by `,`; inside an item `\,` is a comma and `\\`
/// a backslash, and no other escape exists at this level (RFC 9460 Appendix A.1).
fn alpn_items(value: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut items = vec![Vec::new()];
    let mut bytes = value.iter();
    while let Some(&c) = bytes.next() {
        let byte = match c {
            b'\\' => match bytes.next() {
                Some(&next @ (b',' | b'\\')) => next,
                Some(&other) => {
                    return Err(format!(
                        "alpn value \"{}\" has a backslash before {:?}: in the list only \\, \
                         (a comma) and \\\\ (a backslash) are escapes (RFC 9460 Appendix A.1)",
                        show(value),
                        char::from(other)
                    ));
                }
                None => return Err("alpn value ends in a backslash".into()),
            },
            b',' => {
                items.push(Vec::new());
                continue;
            }
            other => other,
        };
        if let Some(item) = items.last_mut() {
            item.push(byte);
        }
    }
    Ok(items)
}
