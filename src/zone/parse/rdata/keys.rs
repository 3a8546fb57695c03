//! Fields of the key, certificate and fingerprint types (DS, DNSKEY, KEY, CERT, SSHFP, TLSA,
//! OPENPGPKEY, DHCID, RRSIG signatures, ZONEMD digests): algorithm and certificate type
//! mnemonics, and hex or base64 to the end of the rdata, which may be split over several words
//! (as `dnssec-keygen` writes it).

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

/// CERT certificate types (RFC 4398 §2.1).
const CERT_TYPES: &[(&str, u16)] = &[
    ("PKIX", 1),
    ("SPKI", 2),
    ("PGP", 3),
    ("IPKIX", 4),
    ("ISPKI", 5),
    ("IPGP", 6),
    ("ACPKIX", 7),
    ("IACPKIX", 8),
    ("URI", 253),
    ("OID", 254),
];

/// A number, or a mnemonic from `table` (case-insensitive).
fn number_or_mnemonic<T: TryFrom<u64> + Copy>(text: &[u8], table: &[(&str, T)]) -> Option<T> {
    number::<T>(text).or_else(|| {
        table
            .iter()
            .find(|(m, _)| m.as_bytes().eq_ignore_ascii_case(text))
            .map(|(_, v)| *v)
    })
}

/// A DNSSEC algorithm: a number or its mnemonic.
pub(super) fn algorithm(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let value = number_or_mnemonic(token.text, ALGORITHMS)
        .ok_or_else(|| format!("bad {what} \"{}\"", show(token.text)))?;
    out.push(value);
    Ok(())
}

/// A CERT certificate type: a number or its mnemonic.
pub(super) fn cert_type(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let token = f.next(what)?;
    let value = number_or_mnemonic(token.text, CERT_TYPES)
        .ok_or_else(|| format!("bad {what} \"{}\"", show(token.text)))?;
    out.extend_from_slice(&value.to_be_bytes());
    Ok(())
}

/// Hex up to the end of the rdata, at least one byte, possibly split into several words.
pub(super) fn hex(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    if f.is_empty() {
        return Err(format!("missing {what}"));
    }
    decode_hex(f.rest_texts(), out).map_err(|e| format!("bad {what}: {e}"))
}

/// Base64 up to the end of the rdata, at least one byte, possibly split into several words.
pub(super) fn base64(f: &mut Fields, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    if f.is_empty() {
        return Err(format!("missing {what}"));
    }
    decode_base64(f.rest_texts(), out).map_err(|e| format!("bad {what}: {e}"))
}
