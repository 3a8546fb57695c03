//! Domain names in uncompressed wire format.
//!
//! A [`Name`] holds length-prefixed labels ending with the root label (a zero byte), exactly as
//! they appear on the wire without compression. Names are compared case-insensitively where DNS
//! requires it ([`Name::eq_ignore_case`]); the zone stores owner names lowercased so that a plain
//! byte comparison is enough on the query path.

use std::fmt;

/// Longest name on the wire, root label included (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;
/// Longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// What is wrong with a name written in presentation format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("empty label in name {0:?}")]
    EmptyLabel(String),
    #[error("label longer than 63 bytes in name {0:?}")]
    LabelTooLong(String),
    #[error("name {0:?} is longer than 255 bytes")]
    NameTooLong(String),
    #[error("bad escape in name {0:?}")]
    BadEscape(String),
    #[error("relative name {0:?} with no origin to complete it")]
    Relative(String),
}

/// A domain name in uncompressed wire format, root label included.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Box<[u8]>);

impl Name {
    /// The root name `.`.
    pub fn root() -> Name {
        Name(Box::new([0u8]))
    }

    /// Wraps wire bytes that are already known to be a valid uncompressed name.
    ///
    /// Returns `None` when the bytes are not exactly one valid name.
    pub fn from_wire(bytes: &[u8]) -> Option<Name> {
        let len = wire_name_len(bytes)?;
        (len == bytes.len()).then(|| Name(bytes.into()))
    }

    /// Parses a fully qualified name in presentation format (`www.example.com.`).
    /// A name without the trailing dot is completed with `origin`; with no origin it is an error.
    pub fn parse(text: &str, origin: Option<&Name>) -> Result<Name, NameError> {
        if text == "@" {
            return origin
                .cloned()
                .ok_or_else(|| NameError::Relative(text.to_string()));
        }
        if text == "." {
            return Ok(Name::root());
        }
        let bytes = text.as_bytes();
        let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + 2);
        let mut label_start = 0usize;
        out.push(0);
        let mut i = 0usize;
        let mut absolute = false;
        while i < bytes.len() {
            let c = bytes[i];
            match c {
                b'.' => {
                    let label_len = out.len() - label_start - 1;
                    if label_len == 0 {
                        return Err(NameError::EmptyLabel(text.to_string()));
                    }
                    out[label_start] = label_len as u8;
                    if i + 1 == bytes.len() {
                        absolute = true;
                        break;
                    }
                    label_start = out.len();
                    out.push(0);
                    i += 1;
                    continue;
                }
                b'\\' => {
                    let (byte, used) = unescape(&bytes[i + 1..])
                        .ok_or_else(|| NameError::BadEscape(text.to_string()))?;
                    out.push(byte);
                    i += 1 + used;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
            if out.len() - label_start - 1 > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong(text.to_string()));
            }
        }
        if !absolute {
            let label_len = out.len() - label_start - 1;
            if label_len == 0 {
                return Err(NameError::EmptyLabel(text.to_string()));
            }
            out[label_start] = label_len as u8;
            let origin = origin.ok_or_else(|| NameError::Relative(text.to_string()))?;
            out.extend_from_slice(origin.as_wire());
        } else {
            out.push(0);
        }
        if out.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong(text.to_string()));
        }
        Ok(Name(out.into_boxed_slice()))
    }

    /// The wire bytes, root label included.
    pub fn as_wire(&self) -> &[u8] {
        &self.0
    }

    /// Length on the wire.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the root name.
    pub fn is_root(&self) -> bool {
        self.0.len() == 1
    }

    /// Number of labels, not counting the root label.
    pub fn label_count(&self) -> usize {
        labels(&self.0).count()
    }

    /// The labels from the leftmost to the rightmost, root excluded.
    pub fn labels(&self) -> impl Iterator<Item = &[u8]> {
        labels(&self.0)
    }

    /// A copy with ASCII letters lowercased.
    pub fn to_lowercase(&self) -> Name {
        let mut bytes = self.0.clone();
        lowercase_in_place(&mut bytes);
        Name(bytes)
    }

    /// Case-insensitive equality (RFC 4343).
    pub fn eq_ignore_case(&self, other: &Name) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }

    /// True when `self` equals `ancestor` or lies below it (case-insensitive).
    pub fn is_subdomain_of(&self, ancestor: &Name) -> bool {
        is_subdomain(&self.0, &ancestor.0)
    }

    /// The name with its leftmost label removed; `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        if self.is_root() {
            return None;
        }
        let skip = self.0[0] as usize + 1;
        Some(Name(self.0[skip..].into()))
    }

    /// `label.self`, for example `*` prepended to make a wildcard owner.
    pub fn prepend_label(&self, label: &[u8]) -> Option<Name> {
        if label.is_empty() || label.len() > MAX_LABEL_LEN {
            return None;
        }
        let len = 1 + label.len() + self.0.len();
        if len > MAX_NAME_LEN {
            return None;
        }
        let mut out = Vec::with_capacity(len);
        out.push(label.len() as u8);
        out.extend_from_slice(label);
        out.extend_from_slice(&self.0);
        Some(Name(out.into_boxed_slice()))
    }

    /// True when the leftmost label is `*`.
    pub fn is_wildcard(&self) -> bool {
        self.0.len() >= 2 && self.0[0] == 1 && self.0[1] == b'*'
    }
}

/// Length of the uncompressed name at the start of `bytes` (root label included), or `None` when
/// the bytes do not start with a valid uncompressed name (bad label length, compression pointer,
/// over 255 bytes, or cut short).
pub fn wire_name_len(bytes: &[u8]) -> Option<usize> {
    let mut pos = 0usize;
    loop {
        let len = *bytes.get(pos)? as usize;
        if len == 0 {
            pos += 1;
            return (pos <= MAX_NAME_LEN).then_some(pos);
        }
        if len > MAX_LABEL_LEN {
            return None;
        }
        pos += 1 + len;
        if pos >= MAX_NAME_LEN {
            return None;
        }
    }
}

/// Whether `name` is exactly one whole uncompressed wire name (see [`wire_name_len`]), nothing
/// after its root label.
#[inline]
pub fn is_wire_name(name: &[u8]) -> bool {
    wire_name_len(name) == Some(name.len())
}

/// Iterates over the labels of a valid uncompressed wire name, root excluded.
pub fn labels(wire: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let len = *wire.get(pos)? as usize;
        if len == 0 {
            return None;
        }
        let label = wire.get(pos + 1..pos + 1 + len)?;
        pos += 1 + len;
        Some(label)
    })
}

/// Lowercases the ASCII letters of a wire name in place (length bytes are below 64 and so are
/// never letters).
pub fn lowercase_in_place(wire: &mut [u8]) {
    wire.make_ascii_lowercase();
}

/// True when wire name `name` equals or lies below wire name `ancestor`, case-insensitively.
pub fn is_subdomain(name: &[u8], ancestor: &[u8]) -> bool {
    if ancestor.len() > name.len() {
        return false;
    }
    // Walk label boundaries of `name` until the remaining suffix has the ancestor's length.
    let mut pos = 0usize;
    while name.len() - pos > ancestor.len() {
        pos += name[pos] as usize + 1;
    }
    name.len() - pos == ancestor.len() && name[pos..].eq_ignore_ascii_case(ancestor)
}

/// Decodes one escape after a backslash: `\DDD` (decimal byte) or `\X` (the character itself).
/// Returns the byte and how many input bytes were used after the backslash.
pub fn unescape(rest: &[u8]) -> Option<(u8, usize)> {
    let first = *rest.first()?;
    if first.is_ascii_digit() {
        let digits = rest.get(..3)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = digits
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        u8::try_from(value).ok().map(|b| (b, 3))
    } else {
        Some((first, 1))
    }
}

/// Writes a wire name in presentation format, escaping as RFC 1035 §5.1 does.
pub fn write_presentation(wire: &[u8], out: &mut impl fmt::Write) -> fmt::Result {
    let mut any = false;
    for label in labels(wire) {
        any = true;
        for &b in label {
            match b {
                b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                    out.write_char('\\')?;
                    out.write_char(b as char)?;
                }
                0x21..=0x7e => out.write_char(b as char)?,
                _ => write!(out, "\\{b:03}")?,
            }
        }
        out.write_char('.')?;
    }
    if !any {
        out.write_char('.')?;
    }
    Ok(())
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_presentation(&self.0, f)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl std::str::FromStr for Name {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Name::parse(s, Some(&Name::root()))
    }
}

/// The label (length byte included) of the wire name `name` that sits directly above its last
/// `suffix_len` bytes, if a label ends exactly there.
pub fn label_above(name: &[u8], suffix_len: usize) -> Option<&[u8]> {
    let mut pos = 0usize;
    while pos < name.len() && name[pos] != 0 {
        let next = pos + 1 + usize::from(name[pos]);
        if name.len().checked_sub(next) == Some(suffix_len) {
            return name.get(pos..next);
        }
        pos = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let name: Name = "www.Example.com.".parse().unwrap();
        assert_eq!(name.as_wire(), b"\x03www\x07Example\x03com\x00");
        assert_eq!(name.to_string(), "www.Example.com.");
        assert_eq!(name.label_count(), 3);
        assert_eq!(Name::root().to_string(), ".");
    }

    #[test]
    fn relative_names_take_the_origin() {
        let origin: Name = "example.com.".parse().unwrap();
        let name = Name::parse("mail", Some(&origin)).unwrap();
        assert_eq!(name.to_string(), "mail.example.com.");
        assert_eq!(Name::parse("@", Some(&origin)).unwrap(), origin);
        assert!(matches!(
            Name::parse("mail", None),
            Err(NameError::Relative(_))
        ));
    }

    #[test]
    fn escapes() {
        let name = Name::parse("a\\.b\\065.", None).unwrap();
        assert_eq!(name.as_wire(), b"\x04a.bA\x00");
        assert_eq!(name.to_string(), "a\\.bA.");
        let odd = Name::parse("\\000\\255.", None).unwrap();
        assert_eq!(odd.to_string(), "\\000\\255.");
        assert!(Name::parse("a\\25.", None).is_err());
        assert!(Name::parse("a\\256.", None).is_err());
    }

    #[test]
    fn limits() {
        let long_label = "a".repeat(64);
        assert!(matches!(
            Name::parse(&format!("{long_label}."), None),
            Err(NameError::LabelTooLong(_))
        ));
        let long_name = vec!["a".repeat(63); 4].join(".") + ".";
        assert!(matches!(
            Name::parse(&long_name, None),
            Err(NameError::NameTooLong(_))
        ));
        assert!(Name::parse("a..b.", None).is_err());
    }

    #[test]
    fn relations() {
        let apex: Name = "example.com.".parse().unwrap();
        let www: Name = "WWW.example.COM.".parse().unwrap();
        assert!(www.is_subdomain_of(&apex));
        assert!(apex.is_subdomain_of(&apex));
        assert!(!apex.is_subdomain_of(&www));
        let other: Name = "wwwexample.com.".parse().unwrap();
        assert!(!other.is_subdomain_of(&"ample.com.".parse().unwrap()));
        assert_eq!(www.parent().unwrap().to_lowercase(), apex);
        assert!(apex.prepend_label(b"*").unwrap().is_wildcard());
    }

    #[test]
    fn wire_validation() {
        assert_eq!(wire_name_len(b"\x03www\x00rest"), Some(5));
        assert_eq!(wire_name_len(b"\x03ww"), None);
        assert_eq!(wire_name_len(b"\xc0\x0c"), None);
        assert!(is_wire_name(b"\x03www\x00"));
        assert!(!is_wire_name(b"\x03www\x00\x00"));
        assert!(Name::from_wire(b"\x01a\x00").is_some());
        assert!(Name::from_wire(b"\x01a\x00\x00").is_none());
    }
}
