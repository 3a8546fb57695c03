//! Hex and base64 (RFC 4648) in both directions, the character-string escapes of RFC 1035
//! §5.1, and RRSIG dates (`YYYYMMDDHHmmSS`, RFC 4034 §3.2) in both directions, without a
//! dependency.

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

/// The error for a quote inside a word (`a="b"` outside SVCB params): only a whole word may be
/// quoted, as Knot DNS reads it.
pub(crate) fn inner_quote(text: &[u8]) -> String {
    format!(
        "a quote inside \"{}\": only a whole string may be quoted; write \\\" for a quote character",
        super::lexer::show(text)
    )
}

/// Decodes the escapes of a character string (`\"`, `\\`, `\DDD`) and appends the bytes. An
/// unescaped quote is an error (the lexer leaves one only inside a `key="value"` word).
pub(crate) fn unescape_into(text: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    let mut i = 0usize;
    while let Some(&c) = text.get(i) {
        if c == b'"' {
            return Err(inner_quote(text));
        }
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

/// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day counted from 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Seconds since 1970 of a UTC date written `YYYYMMDDHHmmSS`; `None` when it is malformed, not
/// a real date and time, before 1970 or past what 32 bits hold (2106-02-07 06:28:15).
pub(crate) fn date_to_seconds(text: &[u8]) -> Option<u32> {
    if text.len() != 14 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let part = |range: std::ops::Range<usize>| {
        text.get(range)?
            .iter()
            .try_fold(0i64, |acc, d| Some(acc * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (part(0..4)?, part(4..6)?, part(6..8)?);
    let (hour, minute, second) = (part(8..10)?, part(10..12)?, part(12..14)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if year < 1970 || !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    u32::try_from(seconds).ok()
}

/// Writes `seconds` since 1970 as the UTC date `YYYYMMDDHHmmSS`.
pub(crate) fn write_date(seconds: u32, out: &mut String) {
    let seconds = i64::from(seconds);
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let time = seconds % 86_400;
    let _ = write!(
        out,
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        time / 3600,
        time / 60 % 60,
        time % 60
    );
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

    #[test]
    fn dates() {
        let seconds = |t: &str| date_to_seconds(t.as_bytes());
        let shown = |s: u32| {
            let mut text = String::new();
            write_date(s, &mut text);
            text
        };
        // Values from Knot DNS's scanner tests (36_RRSIG) and RFC 4034 §3.3.
        assert_eq!(seconds("19700101000000"), Some(0));
        assert_eq!(seconds("21051231235959"), Some(0xFFCE_DD7F));
        assert_eq!(seconds("21060101000000"), Some(0xFFCE_DD80));
        assert_eq!(seconds("21060207062815"), Some(u32::MAX));
        assert_eq!(seconds("21060207062816"), None);
        assert_eq!(seconds("20030322173103"), Some(1_048_354_263));
        assert_eq!(seconds("20000229000000"), Some(951_782_400));
        for bad in [
            "19691231235959",
            "20010229000000",
            "20000230000000",
            "20001301000000",
            "20000100000000",
            "20000101240000",
            "20000101006000",
            "20000101000060",
            "2000010100000",
            "2000010100000x",
        ] {
            assert_eq!(seconds(bad), None, "{bad}");
        }
        for s in [0, 1, 951_782_400, 1_048_354_263, 0xFFCE_DD7F, u32::MAX] {
            assert_eq!(seconds(&shown(s)), Some(s));
        }
        assert_eq!(shown(0), "19700101000000");
        assert_eq!(shown(u32::MAX), "21060207062815");
    }
}
