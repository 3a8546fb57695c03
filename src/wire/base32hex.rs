//! Base32 with the extended hex alphabet (RFC 4648 §7), without padding, as NSEC3 writes hashed
//! owner names (RFC 5155 §3.3): `0`–`9` then `a`–`v`, five bits per character.
//!
//! Encoding writes lowercase (the canonical form of an owner name label); decoding accepts
//! either case and refuses padding and non-zero bits after the last whole byte, so every byte
//! string has exactly one text form.

use thiserror::Error;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// Why text is not base32hex.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Base32HexError {
    #[error("bad base32hex character {0:?} (only 0-9 and a-v, no padding)")]
    BadCharacter(char),
    #[error("base32hex text of {0} characters cannot be whole bytes")]
    BadLength(usize),
    #[error("base32hex text has non-zero bits after its last byte")]
    TrailingBits,
}

/// Characters needed for `len` bytes.
pub const fn encoded_len(len: usize) -> usize {
    (len * 8).div_ceil(5)
}

/// Appends the base32hex form of `data` to `out` as lowercase ASCII.
pub fn encode_to(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(encoded_len(data.len()));
    let mut acc = 0u16;
    let mut bits = 0u32;
    for &b in data {
        acc = acc << 8 | u16::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[usize::from(acc >> bits & 31)]);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[usize::from(acc << (5 - bits) & 31)]);
    }
}

/// The base32hex form of `data`, lowercase.
pub fn encode(data: &[u8]) -> String {
    let mut out = Vec::new();
    encode_to(data, &mut out);
    // Only ASCII from ALPHABET was written.
    String::from_utf8(out).unwrap_or_default()
}

fn value(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(u16::from(c - b'0')),
        b'a'..=b'v' => Some(u16::from(c - b'a') + 10),
        b'A'..=b'V' => Some(u16::from(c - b'A') + 10),
        _ => None,
    }
}

/// Decodes base32hex `text` (either case, no padding) and appends the bytes to `out`.
pub fn decode(text: &[u8], out: &mut Vec<u8>) -> Result<(), Base32HexError> {
    let start = out.len();
    out.resize(start + text.len() * 5 / 8, 0);
    let result = decode_into(text, &mut out[start..]);
    if result.is_err() {
        out.truncate(start);
    }
    result.map(|_| ())
}

/// Decodes base32hex `text` into `out` (at least `text.len() * 5 / 8` bytes, or the excess is
/// an error), returning the number of bytes written; allocates nothing.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<usize, Base32HexError> {
    // 2, 4, 5 and 7 characters leave 1 to 4 bytes; 1, 3 and 6 cannot end on a byte.
    if matches!(text.len() % 8, 1 | 3 | 6) || out.len() < text.len() * 5 / 8 {
        return Err(Base32HexError::BadLength(text.len()));
    }
    let mut acc = 0u16;
    let mut bits = 0u32;
    let mut written = 0;
    for &c in text {
        let v = value(c).ok_or(Base32HexError::BadCharacter(char::from(c)))?;
        acc = acc << 5 | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out[written] = (acc >> bits) as u8;
            written += 1;
        }
        acc &= (1 << bits) - 1;
    }
    if acc != 0 {
        return Err(Base32HexError::TrailingBits);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> Result<Vec<u8>, Base32HexError> {
        let mut out = Vec::new();
        decode(text.as_bytes(), &mut out).map(|()| out)
    }

    #[test]
    fn rfc_4648_vectors() {
        // RFC 4648 §10, BASE32-HEX, without the padding.
        for (data, text) in [
            ("", ""),
            ("f", "co"),
            ("fo", "cpng"),
            ("foo", "cpnmu"),
            ("foob", "cpnmuog"),
            ("fooba", "cpnmuoj1"),
            ("foobar", "cpnmuoj1e8"),
        ] {
            assert_eq!(encode(data.as_bytes()), text);
            assert_eq!(encoded_len(data.len()), text.len());
            assert_eq!(decoded(text).unwrap(), data.as_bytes());
            assert_eq!(decoded(&text.to_uppercase()).unwrap(), data.as_bytes());
        }
    }

    #[test]
    fn nsec3_hash_round_trip() {
        // RFC 5155 Appendix A: the hash of example. (SHA-1, 20 bytes, 32 characters).
        let text = "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom";
        let bytes = decoded(text).unwrap();
        assert_eq!(bytes.len(), 20);
        assert_eq!(encode(&bytes), text);
        for len in 0..=40usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decoded(&encode(&data)).unwrap(), data);
        }
    }

    #[test]
    fn bad_text() {
        assert_eq!(decoded("cw"), Err(Base32HexError::BadCharacter('w')));
        assert_eq!(decoded("co=="), Err(Base32HexError::BadCharacter('=')));
        assert_eq!(decoded("c"), Err(Base32HexError::BadLength(1)));
        assert_eq!(decoded("cpn"), Err(Base32HexError::BadLength(3)));
        assert_eq!(decoded("cpnmuo"), Err(Base32HexError::BadLength(6)));
        // "cp" is 01100 11001: the byte 0x66 and the bits 01, which must be zero.
        assert_eq!(decoded("cp"), Err(Base32HexError::TrailingBits));
    }
}
