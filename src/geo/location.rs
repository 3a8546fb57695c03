//! What a lookup tells about a client: continent, country, subdivision, coordinates, ASN and the
//! prefix of the network that matched. Plain `Copy` data, so the query path never allocates.

use std::fmt;
use std::str::FromStr;

/// A two-letter code: an ISO 3166-1 alpha-2 country code ("GB") or a GeoIP continent code ("EU").
/// Always upper-case ASCII letters or digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code2([u8; 2]);

impl Code2 {
    /// The code for two ASCII letters or digits, upper-cased; `None` for anything else.
    pub fn new(code: &str) -> Option<Code2> {
        match code.as_bytes() {
            &[a, b] if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() => {
                Some(Code2([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    /// The code as text, e.g. "GB".
    pub fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for Code2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl FromStr for Code2 {
    type Err = InvalidCode;

    fn from_str(code: &str) -> Result<Code2, InvalidCode> {
        Code2::new(code).ok_or_else(|| InvalidCode {
            code: code.to_string(),
            expected: "two ASCII letters or digits",
        })
    }
}

/// The part of an ISO 3166-2 subdivision code after the country, as GeoIP2 stores it in
/// `subdivisions[0].iso_code`: "WA" for US-WA, "ENG" for GB-ENG, "13" for JP-13.
/// One to three upper-case ASCII letters or digits, kept inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubdivisionCode {
    bytes: [u8; 3],
    len: u8,
}

impl SubdivisionCode {
    /// The code for one to three ASCII letters or digits, upper-cased; `None` for anything else.
    pub fn new(code: &str) -> Option<SubdivisionCode> {
        let raw = code.as_bytes();
        if raw.is_empty() || raw.len() > 3 || !raw.iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let mut bytes = [0u8; 3];
        for (slot, byte) in bytes.iter_mut().zip(raw) {
            *slot = byte.to_ascii_uppercase();
        }
        Some(SubdivisionCode {
            bytes,
            len: raw.len() as u8,
        })
    }

    /// The code as text, e.g. "WA".
    pub fn as_str(&self) -> &str {
        let len = usize::from(self.len).min(self.bytes.len());
        std::str::from_utf8(&self.bytes[..len]).unwrap_or("")
    }
}

impl fmt::Display for SubdivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SubdivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl FromStr for SubdivisionCode {
    type Err = InvalidCode;

    fn from_str(code: &str) -> Result<SubdivisionCode, InvalidCode> {
        SubdivisionCode::new(code).ok_or_else(|| InvalidCode {
            code: code.to_string(),
            expected: "one to three ASCII letters or digits",
        })
    }
}

/// A code that is not a valid [`Code2`] or [`SubdivisionCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid code {code:?}: expected {expected}")]
pub struct InvalidCode {
    pub code: String,
    pub expected: &'static str,
}

/// Where a client is, as far as the GeoIP databases know. Every field is optional: an address
/// outside every network, or a record without that field, leaves it `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Location {
    /// `continent.code`: AF, AN, AS, EU, NA, OC, SA.
    pub continent: Option<Code2>,
    /// `country.iso_code`.
    pub country: Option<Code2>,
    /// `subdivisions[0].iso_code` (City databases only).
    pub subdivision: Option<SubdivisionCode>,
    /// `location.latitude`, `location.longitude` in degrees (City databases only).
    pub coordinates: Option<(f64, f64)>,
    /// `autonomous_system_number` from the ASN database, when one is configured.
    pub asn: Option<u32>,
    /// Prefix length of the City/Country database network that decided the fields above, in the
    /// looked-up address's own family (an IPv4 address in an IPv6 database reports the IPv4
    /// prefix). Also set when the address is in no network: the prefix of the empty network.
    pub prefix_len: u8,
    /// Prefix length of the ASN database network that decided `asn` (0 without an ASN database).
    pub asn_prefix_len: u8,
}

impl Location {
    /// True when the databases know nothing about the address.
    pub fn is_unknown(&self) -> bool {
        self.continent.is_none()
            && self.country.is_none()
            && self.subdivision.is_none()
            && self.coordinates.is_none()
            && self.asn.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code2_accepts_two_alphanumerics_and_upper_cases() {
        assert_eq!(Code2::new("gb").unwrap().as_str(), "GB");
        assert_eq!(Code2::new("EU").unwrap().to_string(), "EU");
        assert_eq!(format!("{:?}", Code2::new("nl").unwrap()), "\"NL\"");
        for bad in ["", "G", "GBR", "G-", "é", "\u{0}A"] {
            assert!(Code2::new(bad).is_none(), "{bad:?}");
            assert!(bad.parse::<Code2>().is_err());
        }
        assert_eq!("us".parse::<Code2>().unwrap(), Code2::new("US").unwrap());
    }

    #[test]
    fn subdivision_code_holds_one_to_three_characters() {
        assert_eq!(SubdivisionCode::new("wa").unwrap().as_str(), "WA");
        assert_eq!(SubdivisionCode::new("ENG").unwrap().as_str(), "ENG");
        assert_eq!(SubdivisionCode::new("13").unwrap().as_str(), "13");
        assert_eq!(SubdivisionCode::new("x").unwrap().as_str(), "X");
        for bad in ["", "ABCD", "A B", "Ü"] {
            assert!(SubdivisionCode::new(bad).is_none(), "{bad:?}");
        }
        let error = "TOOLONG".parse::<SubdivisionCode>().unwrap_err();
        assert!(error.to_string().contains("TOOLONG"));
    }

    #[test]
    fn default_location_is_unknown() {
        assert!(Location::default().is_unknown());
        let located = Location {
            asn: Some(1),
            ..Location::default()
        };
        assert!(!located.is_unknown());
    }
}
