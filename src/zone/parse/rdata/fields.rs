//! A cursor over the rdata tokens of one record, with the field parsers every type shares:
//! numbers, TTL-style durations, names and character strings.

use crate::wire::Name;
use crate::zone::parse::encoding::{inner_quote, unescape_into};
use crate::zone::parse::lexer::{Token, show};

/// Largest TTL a record may carry (RFC 2181 §8).
pub(crate) const MAX_TTL: u32 = 0x7fff_ffff;

/// Parses a decimal number with digits only (no sign, no blanks).
pub(crate) fn number<T: TryFrom<u64>>(text: &[u8]) -> Option<T> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut value = 0u64;
    for &c in text {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    T::try_from(value).ok()
}

/// Parses a duration in seconds: `3600`, `1h30m`, `1W2d` (units s, m, h, d, w, any case).
/// `None` when malformed or above `u32::MAX`.
pub(crate) fn duration(text: &[u8]) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    let mut total = 0u64;
    let mut i = 0usize;
    while i < text.len() {
        let digits = text
            .get(i..)?
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || digits > 10 {
            return None;
        }
        let value: u64 = number(text.get(i..i + digits)?)?;
        i += digits;
        let unit = match text.get(i).map(u8::to_ascii_lowercase) {
            None => 1,
            Some(b's') => 1,
            Some(b'm') => 60,
            Some(b'h') => 3_600,
            Some(b'd') => 86_400,
            Some(b'w') => 604_800,
            _ => return None,
        };
        if text.get(i).is_some() {
            i += 1;
        }
        total = total.checked_add(value.checked_mul(unit)?)?;
    }
    u32::try_from(total).ok()
}

/// A record TTL: a duration no larger than [`MAX_TTL`].
pub(crate) fn ttl(text: &[u8]) -> Result<u32, String> {
    match duration(text) {
        Some(v) if v <= MAX_TTL => Ok(v),
        Some(v) => Err(format!("TTL {v} is above the maximum {MAX_TTL} (RFC 2181)")),
        None => Err(format!("bad TTL \"{}\"", show(text))),
    }
}

/// Parses a name token, completing a relative name with `origin`. An unescaped quote is an
/// error (`@ NS a"b"`), as in Knot DNS.
pub(crate) fn name(text: &[u8], origin: &Name) -> Result<Name, String> {
    if text.contains(&b'"') && unescaped_quote(text) {
        return Err(inner_quote(text));
    }
    let text = std::str::from_utf8(text).map_err(|_| {
        format!(
            "name \"{}\" is not valid UTF-8 (write other bytes as \\DDD)",
            show(text)
        )
    })?;
    Name::parse(text, Some(origin)).map_err(|e| e.to_string())
}

/// True when `text` holds a `"` that no backslash escapes.
fn unescaped_quote(text: &[u8]) -> bool {
    let mut escaped = false;
    for &c in text {
        match c {
            b'"' if !escaped => return true,
            b'\\' if !escaped => escaped = true,
            _ => escaped = false,
        }
    }
    false
}

pub(crate) struct Fields<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    pub origin: &'t Name,
}

impl<'t, 'a> Fields<'t, 'a> {
    pub fn new(tokens: &'t [Token<'a>], origin: &'t Name) -> Self {
        Fields {
            tokens,
            pos: 0,
            origin,
        }
    }

    pub fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// The next token; `missing WHAT` when there is none.
    pub fn next(&mut self, what: &str) -> Result<Token<'a>, String> {
        let token = self
            .tokens
            .get(self.pos)
            .copied()
            .ok_or_else(|| format!("missing {what}"))?;
        self.pos += 1;
        Ok(token)
    }

    /// All remaining tokens.
    pub fn rest(&mut self) -> &'t [Token<'a>] {
        let rest = self.tokens.get(self.pos..).unwrap_or_default();
        self.pos = self.tokens.len();
        rest
    }

    /// Remaining tokens' texts (for hex or base64 split over several words).
    pub fn rest_texts(&mut self) -> impl Iterator<Item = &'a [u8]> + 't {
        self.rest().iter().map(|t| t.text)
    }

    /// Fails when tokens are left over.
    pub fn finish(&self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(format!("unexpected \"{}\" after the rdata", show(t.text))),
        }
    }

    pub fn number<T: TryFrom<u64>>(&mut self, what: &str) -> Result<T, String> {
        let token = self.next(what)?;
        number(token.text).ok_or_else(|| format!("bad {what} \"{}\"", show(token.text)))
    }

    pub fn put_u8(&mut self, what: &str, out: &mut Vec<u8>) -> Result<u8, String> {
        let v: u8 = self.number(what)?;
        out.push(v);
        Ok(v)
    }

    pub fn put_u16(&mut self, what: &str, out: &mut Vec<u8>) -> Result<u16, String> {
        let v: u16 = self.number(what)?;
        out.extend_from_slice(&v.to_be_bytes());
        Ok(v)
    }

    pub fn put_u32(&mut self, what: &str, out: &mut Vec<u8>) -> Result<u32, String> {
        let v: u32 = self.number(what)?;
        out.extend_from_slice(&v.to_be_bytes());
        Ok(v)
    }

    /// A 32-bit duration with TTL units (SOA timers).
    pub fn put_duration(&mut self, what: &str, out: &mut Vec<u8>) -> Result<u32, String> {
        let token = self.next(what)?;
        let v =
            duration(token.text).ok_or_else(|| format!("bad {what} \"{}\"", show(token.text)))?;
        out.extend_from_slice(&v.to_be_bytes());
        Ok(v)
    }

    /// A domain name, completed with the origin, case kept.
    pub fn put_name(&mut self, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
        let token = self.next(what)?;
        let name = name(token.text, self.origin).map_err(|e| format!("bad {what}: {e}"))?;
        out.extend_from_slice(name.as_wire());
        Ok(())
    }

    /// A character string (quoted or not) with its length byte; at most 255 bytes.
    pub fn put_string(&mut self, what: &str, out: &mut Vec<u8>) -> Result<(), String> {
        let token = self.next(what)?;
        put_string(token.text, what, out)
    }
}

/// Appends a length byte and what `write` appends after it, and sets the byte. Returns the
/// length, or `None` (with `out` as `write` left it) when it is over 255.
pub(crate) fn with_length_byte(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), String>,
) -> Result<Option<u8>, String> {
    let at = out.len();
    out.push(0);
    write(out)?;
    let len = u8::try_from(out.len() - at - 1).ok();
    if let (Some(len), Some(b)) = (len, out.get_mut(at)) {
        *b = len;
    }
    Ok(len)
}

/// Appends a length-prefixed character string decoded from `text`.
pub(crate) fn put_string(text: &[u8], what: &str, out: &mut Vec<u8>) -> Result<(), String> {
    let at = out.len();
    match with_length_byte(out, |out| unescape_into(text, out))? {
        Some(_) => Ok(()),
        None => Err(format!(
            "{what} \"{}\" is longer than 255 bytes ({}); split it into several strings",
            show(text),
            out.len() - at - 1
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(b"3600"), Some(3600));
        assert_eq!(duration(b"1h30m"), Some(5400));
        assert_eq!(duration(b"1W2d"), Some(7 * 86400 + 2 * 86400));
        assert_eq!(duration(b"1h30"), Some(3630));
        assert_eq!(duration(b"90S"), Some(90));
        assert_eq!(duration(b"4294967295"), Some(u32::MAX));
        assert_eq!(duration(b"4294967296"), None);
        assert_eq!(duration(b"10000w"), None);
        assert_eq!(duration(b"h"), None);
        assert_eq!(duration(b"1x"), None);
        assert_eq!(duration(b"1hh"), None);
        assert_eq!(duration(b""), None);
        assert_eq!(duration(b"-1"), None);
        assert_eq!(ttl(b"2147483647"), Ok(MAX_TTL));
        assert!(
            ttl(b"2147483648")
                .unwrap_err()
                .contains("above the maximum")
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(number::<u8>(b"255"), Some(255));
        assert_eq!(number::<u8>(b"256"), None);
        assert_eq!(number::<u16>(b"+1"), None);
        assert_eq!(number::<u32>(b"99999999999999999999999"), None);
        assert_eq!(number::<u16>(b""), None);
    }
}
