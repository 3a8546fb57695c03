//! Hex and base64 (RFC 4648) in both directions, and the character-string escapes of RFC 1035
//! §5.1, without a dependency.

use std::fmt::Write as _;

use crate::wire::name::unescape;

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex spread over several tokens (`"0a00" "0001"`) into `out`.
pub(crate) fn decode_hex<'a>(
    parts: impl IntoIterator<Item = &'a [u8]>,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let mut high: Option<u8> = None;
    for part in parts {
        for &c in part {
            let v = hex_value(c).ok_or_else(|| format!("bad hex digit {:?}", c as char))?;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
    }
    if high.is_some() {
        return Err("odd number of hex digits".into());
    }
    Ok(())
}

pub(crate) fn encode_hex(data: &[u8], out: &mut String) {
    for b in data {
        let _ = write!(out, "{b:02X}");
    }
}

fn base64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes base64 spread over several tokens into `out`. Padding is required where the data
/// does not fill a group of four (as in DNSKEY and DS text), and nothing may follow it.
pub(crate) fn decode_base64<'a>(
    parts: impl IntoIterator<Item = &'a [u8]>,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let mut acc = 0u32;
    let mut count = 0u32;
    let mut padding = 0u32;
    for part in parts {
        for &c in part {
            if c == b'=' {
                padding += 1;
                if padding > 2 || count + padding > 4 || count < 2 {
                    return Err("bad base64 padding".into());
                }
                if count + padding == 4 {
                    match count {
                        2 => out.push((acc >> 4) as u8),
                        _ => {
                            out.push((acc >> 10) as u8);
                            out.push((acc >> 2) as u8);
                        }
                    }
                    count = 4; // the group is complete; only more '=' would follow
                }
                continue;
            }
            if padding > 0 {
                return Err("base64 data after padding".into());
            }
            let v =
                base64_value(c).ok_or_else(|| format!("bad base64 character {:?}", c as char))?;
            acc = acc << 6 | v;
            count += 1;
            if count == 4 {
                out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
                acc = 0;
                count = 0;
            }
        }
    }
    if count != 0 && !(count == 4 && padding > 0) {
        return Err("base64 data is not padded to a multiple of 4 characters".into());
    }
    Ok(())
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn encode_base64(data: &[u8], out: &mut String) {
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let chars = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, &c) in chars.iter().enumerate() {
            if i <= chunk.len() {
                out.push(BASE64[c as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

/// Decodes the escapes of a character string (`\"`, `\\`, `\DDD`) and appends the bytes.
pub(crate) fn unescape_into(text: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let mut i = 0usize;
    while let Some(&c) = text.get(i) {
        if c == b'\\' {
            let rest = text.get(i + 1..).unwrap_or_default();
            let (byte, used) = unescape(rest).ok_or_else(|| {
                format!(
                    "bad escape in \"{}\" (use \\DDD with three digits up to 255)",
                    super::lexer::show(text)
                )
            })?;
            out.push(byte);
            i += 1 + used;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(())
}

/// Writes `data` as a quoted character string, escaping `"` and `\` and non-printable bytes.
pub(crate) fn write_quoted(data: &[u8], out: &mut String) {
    out.push('"');
    write_escaped(data, out);
    out.push('"');
}

/// Writes `data` escaped for use inside quotes.
pub(crate) fn write_escaped(data: &[u8], out: &mut String) {
    for &b in data {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        decode_base64([text.as_bytes()], &mut out).map(|()| out)
    }

    #[test]
    fn base64_round_trip() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            let mut text = String::new();
            encode_base64(data, &mut text);
            assert_eq!(b64(&text).unwrap(), data, "{text}");
        }
        assert_eq!(b64("Zm9v").unwrap(), b"foo");
        let mut out = Vec::new();
        decode_base64([&b"Zm"[..], b"9vYg=="], &mut out).unwrap();
        assert_eq!(out, b"foob");
        assert!(b64("Zm9").is_err());
        assert!(b64("Zg=").is_err());
        assert!(b64("Zg==Zg==").is_err());
        assert!(b64("Z===").is_err());
        assert!(b64("Zm9v!").is_err());
    }

    #[test]
    fn hex() {
        let mut out = Vec::new();
        decode_hex([&b"0aFf"[..], b"10"], &mut out).unwrap();
        assert_eq!(out, [0x0a, 0xff, 0x10]);
        assert!(decode_hex([&b"abc"[..]], &mut Vec::new()).is_err());
        assert!(decode_hex([&b"zz"[..]], &mut Vec::new()).is_err());
        let mut text = String::new();
        encode_hex(&[0x0a, 0xff], &mut text);
        assert_eq!(text, "0AFF");
    }

    #[test]
    fn escapes() {
        let mut out = Vec::new();
        unescape_into(br#"a\"b\\c\065\255"#, &mut out).unwrap();
        assert_eq!(out, b"a\"b\\cA\xff");
        assert!(unescape_into(br"\25", &mut Vec::new()).is_err());
        assert!(unescape_into(br"\256", &mut Vec::new()).is_err());
        assert!(unescape_into(br"abc\", &mut Vec::new()).is_err());
        let mut text = String::new();
        write_quoted(b"a\"\\\x00z", &mut text);
        assert_eq!(text, r#""a\"\\\000z""#);
    }
}
