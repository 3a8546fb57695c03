//! Record data from presentation format to uncompressed wire format: each type's fields, as
//! `layout.rs` lists them, parsed one by one (one parser per kind of field, grouped by family),
//! and the RFC 3597 generic form `\# LENGTH HEX` for every type.

pub(crate) mod addresses;
pub(crate) mod basic;
pub(crate) mod dnssec;
pub(crate) mod fields;
mod keys;
pub(crate) mod layout;
pub(crate) mod loc;
pub(crate) mod svcb;

use fields::{Fields, number};
use layout::{Field, Item};

use super::encoding::decode_hex;
use super::lexer::{Token, show};
use crate::wire::Name;
use crate::wire::rtype::{self, type_to_string};

/// Largest rdata on the wire.
const MAX_RDATA: usize = 65_535;

/// True for types that may not appear in zone data: OPT, the meta types and the query types
/// (RFC 6895 §3.1: 128–255), and type 0.
pub(crate) fn is_meta_type(code: u16) -> bool {
    code == 0 || code == rtype::OPT || (128..=255).contains(&code)
}

/// Parses the rdata tokens of one record of type `rtype` into `out` (cleared first).
pub(crate) fn parse_rdata(
    rtype: u16,
    tokens: &[Token],
    origin: &Name,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    out.clear();
    if is_meta_type(rtype) {
        return Err(format!(
            "type {} cannot appear in zone data",
            type_to_string(rtype)
        ));
    }
    let mut f = Fields::new(tokens, origin);
    if f.peek().is_some_and(|t| t.is("\\#")) {
        let _ = f.next("\\#");
        generic(&mut f, rtype, out)?;
    } else {
        typed(&mut f, rtype, out)?;
        f.finish()?;
    }
    if out.len() > MAX_RDATA {
        return Err(format!(
            "rdata is {} bytes long, more than {MAX_RDATA}",
            out.len()
        ));
    }
    Ok(())
}

/// Parses presentation rdata by walking the type's layout.
fn typed(f: &mut Fields, code: u16, out: &mut Vec<u8>) -> Result<(), String> {
    let layout = layout::of(code).ok_or_else(|| {
        format!(
            "{} rdata must be written in the RFC 3597 form: \\# LENGTH HEX",
            type_to_string(code)
        )
    })?;
    for item in layout {
        field(f, item, out)?;
    }
    Ok(())
}

/// Parses one field of the layout into `out`.
fn field(f: &mut Fields, item: &Item, out: &mut Vec<u8>) -> Result<(), String> {
    let what = item.what;
    match item.field {
        Field::U8 => f.put_u8(what, out).map(drop),
        Field::U16 => f.put_u16(what, out).map(drop),
        Field::U32 => f.put_u32(what, out).map(drop),
        Field::Duration => f.put_duration(what, out).map(drop),
        Field::Name => f.put_name(what, out),
        Field::Ipv4 => basic::ipv4(f, what, out),
        Field::Ipv6 => basic::ipv6(f, what, out),
        Field::String => f.put_string(what, out),
        Field::Strings => basic::strings(f, out),
        Field::UriTarget => basic::uri_target(f, what, out),
        Field::CaaTag => basic::caa_tag(f, what, out),
        Field::CaaValue => basic::caa_value(f, what, out),
        Field::Algorithm => keys::algorithm(f, what, out),
        Field::CertType => keys::cert_type(f, what, out),
        Field::Hex => keys::hex(f, what, out),
        Field::Base64 => keys::base64(f, what, out),
        Field::RrType => dnssec::rr_type(f, what, out),
        Field::DsyncScheme => dnssec::dsync_scheme(f, what, out),
        Field::Time => dnssec::time(f, what, out),
        Field::Salt => dnssec::salt(f, what, out),
        Field::Hash => dnssec::hash(f, what, out),
        Field::Bitmap => dnssec::bitmap(f, what, out),
        Field::Eui48 => addresses::eui(f, what, 6, out),
        Field::Eui64 => addresses::eui(f, what, 8, out),
        Field::Locator64 => addresses::locator64(f, what, out),
        Field::Apl => addresses::apl(f, out),
        Field::IpsecKey => addresses::ipseckey(f, out),
        Field::Loc => loc::loc(f, out),
        Field::SvcParams => svcb::params(f, out),
    }
}

/// `\# LENGTH HEX...` (RFC 3597 §5). For the types this parser knows, the bytes must also
/// decode as that type's rdata.
fn generic(f: &mut Fields, code: u16, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next("rdata length after \\#")?;
    let len: usize = number::<u16>(token.text)
        .map(usize::from)
        .ok_or_else(|| format!("bad rdata length \"{}\" after \\#", show(token.text)))?;
    decode_hex(f.rest_texts(), out).map_err(|e| format!("bad \\# rdata: {e}"))?;
    if out.len() != len {
        return Err(format!(
            "\\# rdata length is {len} but {} bytes of hex follow",
            out.len()
        ));
    }
    if layout::of(code).is_some() && super::text::decode(code, out).is_none() {
        let name = type_to_string(code);
        return Err(if out.is_empty() {
            format!("{name} rdata cannot be empty (\\# 0)")
        } else {
            format!("\\# rdata is not valid {name} rdata")
        });
    }
    Ok(())
}
