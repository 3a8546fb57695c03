//! Record data from wire format back to presentation format, for `explain`, logs and tests:
//! each field of the type's layout (`rdata/layout.rs`) decoded in turn.
//!
//! Decoding is strict: rdata that does not match its type's layout exactly (short, long, bad
//! name, a value the parser would not write) is shown in the RFC 3597 generic form instead, so
//! the text always parses back to the same bytes. The same strict decoder checks `\#` rdata of
//! known types when parsing.

mod addresses;
mod dnssec;
mod loc;
mod svcb;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::encoding::{encode_base64, encode_hex, write_date, write_quoted};
use super::rdata::basic::valid_caa_tag;
use super::rdata::layout::{self, Field};
use crate::wire::name::{wire_name_len, write_presentation};
use crate::wire::rtype::type_to_string;

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
    /// The remaining bytes, possibly none.
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        self.pos = self.data.len();
        rest
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
    /// The whole rdata, whatever has been read.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }
}

fn name(r: &mut Reader, s: &mut String) -> Option<()> {
    write_presentation(r.name()?, s).ok()
}

fn string(r: &mut Reader, s: &mut String) -> Option<()> {
    write_quoted(r.string()?, s);
    Some(())
}

/// The presentation form of `rdata`, or `None` when the type is not known or the bytes do not
/// match its layout.
pub(crate) fn decode(code: u16, rdata: &[u8]) -> Option<String> {
    let layout = layout::of(code)?;
    let mut r = Reader::new(rdata);
    let mut s = String::new();
    for (i, item) in layout.iter().enumerate() {
        let mark = s.len();
        if i > 0 {
            s.push(' ');
        }
        let before = s.len();
        field(item.field, &mut r, &mut s)?;
        if s.len() == before {
            s.truncate(mark); // an empty bitmap, APL or SvcParams list: no separator either
        }
    }
    r.done().then_some(s)
}

/// Decodes one field; `None` when the bytes do not hold it.
fn field(field: Field, r: &mut Reader, s: &mut String) -> Option<()> {
    match field {
        Field::U8 | Field::Algorithm | Field::DsyncScheme => write!(s, "{}", r.u8()?).ok(),
        Field::U16 | Field::CertType => write!(s, "{}", r.u16()?).ok(),
        Field::U32 | Field::Duration => write!(s, "{}", r.u32()?).ok(),
        Field::Name => name(r, s),
        Field::Ipv4 => {
            let b: [u8; 4] = r.bytes(4)?.try_into().ok()?;
            write!(s, "{}", Ipv4Addr::from(b)).ok()
        }
        Field::Ipv6 => {
            let b: [u8; 16] = r.bytes(16)?.try_into().ok()?;
            write!(s, "{}", Ipv6Addr::from(b)).ok()
        }
        Field::String => string(r, s),
        Field::Strings => {
            string(r, s)?;
            while !r.done() {
                s.push(' ');
                string(r, s)?;
            }
            Some(())
        }
        Field::UriTarget => {
            write_quoted(r.rest_nonempty()?, s);
            Some(())
        }
        Field::CaaTag => {
            let tag = r.string().filter(|tag| valid_caa_tag(tag))?;
            s.push_str(std::str::from_utf8(tag).ok()?);
            Some(())
        }
        Field::CaaValue => {
            write_quoted(r.rest_nonempty().unwrap_or_default(), s);
            Some(())
        }
        Field::RrType => {
            s.push_str(&type_to_string(r.u16()?));
            Some(())
        }
        Field::Time => {
            write_date(r.u32()?, s);
            Some(())
        }
        Field::Salt => dnssec::salt(r, s),
        Field::Hash => dnssec::hash(r, s),
        Field::Bitmap => dnssec::bitmap(r, s),
        Field::Hex => {
            encode_hex(r.rest_nonempty()?, s);
            Some(())
        }
        Field::Base64 => {
            encode_base64(r.rest_nonempty()?, s);
            Some(())
        }
        Field::Eui48 => addresses::hex_groups(r.bytes(6)?, '-', 1, s),
        Field::Eui64 => addresses::hex_groups(r.bytes(8)?, '-', 1, s),
        Field::Locator64 => addresses::hex_groups(r.bytes(8)?, ':', 2, s),
        Field::Apl => addresses::apl(r, s),
        Field::IpsecKey => addresses::ipseckey(r, s),
        Field::Loc => loc::decode(r, s),
        Field::SvcParams => svcb::params(r, s),
    }
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
