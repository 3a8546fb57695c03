//! Record data from wire format back to presentation format, for `explain`, logs and tests.
//!
//! Decoding is strict: rdata that does not match its type's layout exactly (short, long, bad
//! name) is shown in the RFC 3597 generic form instead, so the text always parses back to the
//! same bytes. The same strict decoder checks `\#` rdata of known types when parsing.

mod loc;
mod svcb;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::encoding::{encode_base64, encode_hex, write_quoted};
use crate::wire::name::{wire_name_len, write_presentation};
use crate::wire::rtype;

/// A cursor over wire bytes; every read is checked.
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }
    pub fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(out)
    }
    pub fn u8(&mut self) -> Option<u8> {
        self.bytes(1)?.first().copied()
    }
    pub fn u16(&mut self) -> Option<u16> {
        let b = self.bytes(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }
    pub fn u32(&mut self) -> Option<u32> {
        let b: [u8; 4] = self.bytes(4)?.try_into().ok()?;
        Some(u32::from_be_bytes(b))
    }
    pub fn name(&mut self) -> Option<&'a [u8]> {
        let len = wire_name_len(self.data.get(self.pos..)?)?;
        self.bytes(len)
    }
    pub fn string(&mut self) -> Option<&'a [u8]> {
        let len = self.u8()?;
        self.bytes(usize::from(len))
    }
    /// The remaining bytes; `None` when there are none.
    pub fn rest_nonempty(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        self.pos = self.data.len();
        (!rest.is_empty()).then_some(rest)
    }
    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

fn name(r: &mut Reader, s: &mut String) -> Option<()> {
    write_presentation(r.name()?, s).ok()
}

fn string(r: &mut Reader, s: &mut String) -> Option<()> {
    write_quoted(r.string()?, s);
    Some(())
}

/// True for the types that [`decode`] understands.
pub(crate) fn knows(code: u16) -> bool {
    matches!(
        code,
        rtype::A
            | rtype::AAAA
            | rtype::NS
            | rtype::CNAME
            | rtype::DNAME
            | rtype::PTR
            | rtype::SOA
            | rtype::MX
            | rtype::TXT
            | rtype::SPF
            | rtype::SRV
            | rtype::CAA
            | rtype::NAPTR
            | rtype::HINFO
            | rtype::URI
            | rtype::LOC
            | rtype::SSHFP
            | rtype::TLSA
            | rtype::SMIMEA
            | rtype::DS
            | rtype::CDS
            | rtype::DNSKEY
            | rtype::CDNSKEY
            | rtype::OPENPGPKEY
            | rtype::SVCB
            | rtype::HTTPS
    )
}

/// The presentation form of `rdata`, or `None` when the type is not known or the bytes do not
/// match its layout.
pub(crate) fn decode(code: u16, rdata: &[u8]) -> Option<String> {
    let mut r = Reader::new(rdata);
    let mut s = String::new();
    match code {
        rtype::A => {
            let b: [u8; 4] = r.bytes(4)?.try_into().ok()?;
            write!(s, "{}", Ipv4Addr::from(b)).ok()?;
        }
        rtype::AAAA => {
            let b: [u8; 16] = r.bytes(16)?.try_into().ok()?;
            write!(s, "{}", Ipv6Addr::from(b)).ok()?;
        }
        rtype::NS | rtype::CNAME | rtype::DNAME | rtype::PTR => name(&mut r, &mut s)?,
        rtype::SOA => {
            name(&mut r, &mut s)?;
            s.push(' ');
            name(&mut r, &mut s)?;
            for _ in 0..5 {
                write!(s, " {}", r.u32()?).ok()?;
            }
        }
        rtype::MX => {
            write!(s, "{} ", r.u16()?).ok()?;
            name(&mut r, &mut s)?;
        }
        rtype::TXT | rtype::SPF => {
            string(&mut r, &mut s)?;
            while !r.done() {
                s.push(' ');
                string(&mut r, &mut s)?;
            }
        }
        rtype::SRV => {
            write!(s, "{} {} {} ", r.u16()?, r.u16()?, r.u16()?).ok()?;
            name(&mut r, &mut s)?;
        }
        rtype::CAA => {
            write!(s, "{} ", r.u8()?).ok()?;
            let tag = r.string()?;
            if tag.is_empty() || tag.len() > 15 || !tag.iter().all(u8::is_ascii_alphanumeric) {
                return None;
            }
            s.push_str(std::str::from_utf8(tag).ok()?);
            s.push(' ');
            write_quoted(r.rest_nonempty().unwrap_or_default(), &mut s);
        }
        rtype::NAPTR => {
            write!(s, "{} {} ", r.u16()?, r.u16()?).ok()?;
            for _ in 0..3 {
                string(&mut r, &mut s)?;
                s.push(' ');
            }
            name(&mut r, &mut s)?;
        }
        rtype::HINFO => {
            string(&mut r, &mut s)?;
            s.push(' ');
            string(&mut r, &mut s)?;
        }
        rtype::URI => {
            write!(s, "{} {} ", r.u16()?, r.u16()?).ok()?;
            write_quoted(r.rest_nonempty()?, &mut s);
        }
        rtype::LOC => loc::decode(&mut r, &mut s)?,
        rtype::SSHFP => {
            write!(s, "{} {} ", r.u8()?, r.u8()?).ok()?;
            encode_hex(r.rest_nonempty()?, &mut s);
        }
        rtype::TLSA | rtype::SMIMEA => {
            write!(s, "{} {} {} ", r.u8()?, r.u8()?, r.u8()?).ok()?;
            encode_hex(r.rest_nonempty()?, &mut s);
        }
        rtype::DS | rtype::CDS => {
            write!(s, "{} {} {} ", r.u16()?, r.u8()?, r.u8()?).ok()?;
            encode_hex(r.rest_nonempty()?, &mut s);
        }
        rtype::DNSKEY | rtype::CDNSKEY => {
            write!(s, "{} {} {} ", r.u16()?, r.u8()?, r.u8()?).ok()?;
            encode_base64(r.rest_nonempty()?, &mut s);
        }
        rtype::OPENPGPKEY => encode_base64(r.rest_nonempty()?, &mut s),
        rtype::SVCB | rtype::HTTPS => svcb::decode(&mut r, &mut s)?,
        _ => return None,
    }
    r.done().then_some(s)
}

/// The RFC 3597 generic form: `\# 4 0A000001`, `\# 0` for empty rdata.
pub fn generic_text(rdata: &[u8]) -> String {
    let mut s = format!("\\# {}", rdata.len());
    if !rdata.is_empty() {
        s.push(' ');
        encode_hex(rdata, &mut s);
    }
    s
}

/// Record data in presentation format; the RFC 3597 generic form (`\# LENGTH HEX`) for types
/// without a known format and for rdata that does not decode as its type.
pub fn rdata_to_text(rtype: u16, rdata: &[u8]) -> String {
    decode(rtype, rdata).unwrap_or_else(|| generic_text(rdata))
}
