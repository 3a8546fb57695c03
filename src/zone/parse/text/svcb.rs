//! SVCB and HTTPS rdata to text, with the same consistency rules the parser applies.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::Reader;
use crate::zone::parse::encoding::{encode_base64, write_escaped, write_quoted};
use crate::zone::parse::rdata::svcb::{
    ALPN, DOHPATH, ECH, IPV4HINT, IPV6HINT, MANDATORY, NO_DEFAULT_ALPN, OHTTP, PORT, key_to_text,
};

/// The SvcParams after SvcPriority and TargetName, checked as the parser checks them.
pub(super) fn params(r: &mut Reader, s: &mut String) -> Option<()> {
    let data = r.data();
    let priority = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
    let mut keys: Vec<u16> = Vec::new();
    let mut mandatory: &[u8] = &[];
    while !r.done() {
        let key = r.u16()?;
        if keys.last().is_some_and(|&last| last >= key) || key == u16::MAX {
            return None; // keys strictly increasing on the wire; 65535 is the invalid key
        }
        let len = r.u16()?;
        let value = r.bytes(usize::from(len))?;
        if !keys.is_empty() {
            s.push(' ');
        }
        keys.push(key);
        s.push_str(&key_to_text(key));
        if key == MANDATORY {
            mandatory = value;
        }
        param(key, value, s)?;
    }
    if priority == 0 && !keys.is_empty() {
        return None;
    }
    for pair in mandatory.chunks_exact(2) {
        if !keys.contains(&u16::from_be_bytes([pair[0], pair[1]])) {
            return None;
        }
    }
    if keys.contains(&NO_DEFAULT_ALPN) && !keys.contains(&ALPN) {
        return None;
    }
    Some(())
}

fn param(key: u16, value: &[u8], s: &mut String) -> Option<()> {
    match key {
        MANDATORY => {
            if value.is_empty() || !value.len().is_multiple_of(2) {
                return None;
            }
            let mut last: Option<u16> = None;
            for (i, pair) in value.chunks_exact(2).enumerate() {
                let k = u16::from_be_bytes([pair[0], pair[1]]);
                if k == MANDATORY || last.is_some_and(|l| l >= k) {
                    return None;
                }
                last = Some(k);
                s.push(if i == 0 { '=' } else { ',' });
                s.push_str(&key_to_text(k));
            }
        }
        ALPN => {
            let mut r = Reader::new(value);
            let mut escaped = Vec::new();
            while !r.done() {
                let id = r.string().filter(|id| !id.is_empty())?;
                if !escaped.is_empty() {
                    escaped.push(b',');
                }
                for &b in id {
                    if b == b',' || b == b'\\' {
                        escaped.push(b'\\');
                    }
                    escaped.push(b);
                }
            }
            if escaped.is_empty() {
                return None;
            }
            s.push('=');
            write_quoted(&escaped, s);
        }
        NO_DEFAULT_ALPN | OHTTP => {
            if !value.is_empty() {
                return None;
            }
        }
        PORT => {
            let b: [u8; 2] = value.try_into().ok()?;
            write!(s, "={}", u16::from_be_bytes(b)).ok()?;
        }
        IPV4HINT => {
            if value.is_empty() || !value.len().is_multiple_of(4) {
                return None;
            }
            for (i, b) in value.chunks_exact(4).enumerate() {
                let b: [u8; 4] = b.try_into().ok()?;
                write!(s, "{}{}", if i == 0 { '=' } else { ',' }, Ipv4Addr::from(b)).ok()?;
            }
        }
        IPV6HINT => {
            if value.is_empty() || !value.len().is_multiple_of(16) {
                return None;
            }
            for (i, b) in value.chunks_exact(16).enumerate() {
                let b: [u8; 16] = b.try_into().ok()?;
                write!(s, "{}{}", if i == 0 { '=' } else { ',' }, Ipv6Addr::from(b)).ok()?;
            }
        }
        ECH => {
            if value.is_empty() {
                return None;
            }
            s.push('=');
            encode_base64(value, s);
        }
        DOHPATH => {
            if value.is_empty() || std::str::from_utf8(value).is_err() {
                return None;
            }
            s.push('=');
            write_quoted(value, s);
        }
        _ => {
            if !value.is_empty() {
                s.push_str("=\"");
                write_escaped(value, s);
                s.push('"');
            }
        }
    }
    Some(())
}
