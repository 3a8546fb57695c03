//! Record data from presentation format to uncompressed wire format, one parser per family of
//! types, and the RFC 3597 generic form `\# LENGTH HEX` for every type.

mod basic;
pub(crate) mod fields;
mod keys;
pub(crate) mod loc;
pub(crate) mod svcb;

use fields::{Fields, number};

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

fn typed(f: &mut Fields, code: u16, out: &mut Vec<u8>) -> Result<(), String> {
    match code {
        rtype::A => basic::a(f, out),
        rtype::AAAA => basic::aaaa(f, out),
        rtype::NS => f.put_name("NS name server", out),
        rtype::CNAME => f.put_name("CNAME target", out),
        rtype::DNAME => f.put_name("DNAME target", out),
        rtype::PTR => f.put_name("PTR target", out),
        rtype::SOA => basic::soa(f, out),
        rtype::MX => basic::mx(f, out),
        rtype::TXT | rtype::SPF => basic::txt(f, out),
        rtype::SRV => basic::srv(f, out),
        rtype::CAA => basic::caa(f, out),
        rtype::NAPTR => basic::naptr(f, out),
        rtype::HINFO => basic::hinfo(f, out),
        rtype::URI => basic::uri(f, out),
        rtype::LOC => loc::loc(f, out),
        rtype::SSHFP => keys::sshfp(f, out),
        rtype::TLSA | rtype::SMIMEA => keys::tlsa(f, out),
        rtype::DS | rtype::CDS => keys::ds(f, out),
        rtype::DNSKEY | rtype::CDNSKEY => keys::dnskey(f, out),
        rtype::OPENPGPKEY => keys::openpgpkey(f, out),
        rtype::SVCB | rtype::HTTPS => svcb::svcb(f, out),
        other => Err(format!(
            "{} rdata must be written in the RFC 3597 form: \\# LENGTH HEX",
            type_to_string(other)
        )),
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
    if super::text::knows(code) && super::text::decode(code, out).is_none() {
        return Err(format!(
            "\\# rdata is not valid {} rdata",
            type_to_string(code)
        ));
    }
    Ok(())
}
