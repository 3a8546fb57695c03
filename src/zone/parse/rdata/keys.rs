//! Key and fingerprint types: DS/CDS, DNSKEY/CDNSKEY, SSHFP, TLSA/SMIMEA, OPENPGPKEY.
//! Hex may be split over several words, base64 too (as `dnssec-keygen` writes it).

use super::fields::{Fields, number};
use crate::zone::parse::encoding::{decode_base64, decode_hex};
use crate::zone::parse::lexer::show;

/// DNSSEC algorithm mnemonics (RFC 4034 Appendix A.1 and the IANA registry).
const ALGORITHMS: &[(&str, u8)] = &[
    ("RSAMD5", 1),
    ("DH", 2),
    ("DSA", 3),
    ("RSASHA1", 5),
    ("DSA-NSEC3-SHA1", 6),
    ("RSASHA1-NSEC3-SHA1", 7),
    ("RSASHA256", 8),
    ("RSASHA512", 10),
    ("ECC-GOST", 12),
    ("ECDSAP256SHA256", 13),
    ("ECDSAP384SHA384", 14),
    ("ED25519", 15),
    ("ED448", 16),
    ("INDIRECT", 252),
    ("PRIVATEDNS", 253),
    ("PRIVATEOID", 254),
];

fn put_algorithm(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let value = number::<u8>(token.text).or_else(|| {
        ALGORITHMS
            .iter()
            .find(|(m, _)| m.as_bytes().eq_ignore_ascii_case(token.text))
            .map(|(_, v)| *v)
    });
    let value = value.ok_or_else(|| format!("bad {what} \"{}\"", show(token.text)))?;
    out.push(value);
    Ok(())
}

fn put_hex(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    if f.is_empty() {
        return Err(format!("missing {what}"));
    }
    decode_hex(f.rest_texts(), out).map_err(|e| format!("bad {what}: {e}"))
}

fn put_base64(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    if f.is_empty() {
        return Err(format!("missing {what}"));
    }
    decode_base64(f.rest_texts(), out).map_err(|e| format!("bad {what}: {e}"))
}

/// DS and CDS (RFC 4034 §5.3, RFC 7344): key tag, algorithm, digest type, digest in hex.
pub(super) fn ds(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u16("DS key tag", out)?;
    put_algorithm(f, "DS algorithm", out)?;
    f.put_u8("DS digest type", out)?;
    put_hex(f, "DS digest", out)
}

/// DNSKEY and CDNSKEY (RFC 4034 §2.2): flags, protocol, algorithm, public key in base64.
pub(super) fn dnskey(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u16("DNSKEY flags", out)?;
    f.put_u8("DNSKEY protocol", out)?;
    put_algorithm(f, "DNSKEY algorithm", out)?;
    put_base64(f, "DNSKEY public key", out)
}

/// SSHFP (RFC 4255): algorithm, fingerprint type, fingerprint in hex.
pub(super) fn sshfp(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u8("SSHFP algorithm", out)?;
    f.put_u8("SSHFP fingerprint type", out)?;
    put_hex(f, "SSHFP fingerprint", out)
}

/// TLSA (RFC 6698) and SMIMEA (RFC 8162): usage, selector, matching type, data in hex.
pub(super) fn tlsa(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    f.put_u8("certificate usage", out)?;
    f.put_u8("selector", out)?;
    f.put_u8("matching type", out)?;
    put_hex(f, "certificate association data", out)
}

/// OPENPGPKEY (RFC 7929): the key in base64.
pub(super) fn openpgpkey(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    put_base64(f, "OpenPGP key", out)
}
