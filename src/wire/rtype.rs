//! Record types, classes and response codes as plain numbers, with their mnemonics.
//!
//! The query path works on `u16` type codes; this table turns them into text for zone files,
//! explain output and metrics labels, and back.

pub const A: u16 = 1;
pub const NS: u16 = 2;
pub const CNAME: u16 = 5;
pub const SOA: u16 = 6;
pub const NULL: u16 = 10;
pub const PTR: u16 = 12;
pub const HINFO: u16 = 13;
pub const MINFO: u16 = 14;
pub const MX: u16 = 15;
pub const TXT: u16 = 16;
pub const RP: u16 = 17;
pub const AFSDB: u16 = 18;
pub const RT: u16 = 21;
pub const SIG: u16 = 24;
pub const KEY: u16 = 25;
pub const AAAA: u16 = 28;
pub const LOC: u16 = 29;
pub const SRV: u16 = 33;
pub const NAPTR: u16 = 35;
pub const KX: u16 = 36;
pub const CERT: u16 = 37;
pub const DNAME: u16 = 39;
pub const OPT: u16 = 41;
pub const APL: u16 = 42;
pub const DS: u16 = 43;
pub const SSHFP: u16 = 44;
pub const IPSECKEY: u16 = 45;
pub const RRSIG: u16 = 46;
pub const NSEC: u16 = 47;
pub const DNSKEY: u16 = 48;
pub const DHCID: u16 = 49;
pub const NSEC3: u16 = 50;
pub const NSEC3PARAM: u16 = 51;
pub const TLSA: u16 = 52;
pub const SMIMEA: u16 = 53;
pub const CDS: u16 = 59;
pub const CDNSKEY: u16 = 60;
pub const OPENPGPKEY: u16 = 61;
pub const CSYNC: u16 = 62;
pub const ZONEMD: u16 = 63;
pub const SVCB: u16 = 64;
pub const HTTPS: u16 = 65;
pub const DSYNC: u16 = 66;
pub const SPF: u16 = 99;
pub const NID: u16 = 104;
pub const L32: u16 = 105;
pub const L64: u16 = 106;
pub const LP: u16 = 107;
pub const EUI48: u16 = 108;
pub const EUI64: u16 = 109;
pub const NXNAME: u16 = 128;
pub const TKEY: u16 = 249;
pub const TSIG: u16 = 250;
pub const IXFR: u16 = 251;
pub const AXFR: u16 = 252;
pub const MAILB: u16 = 253;
pub const MAILA: u16 = 254;
pub const ANY: u16 = 255;
pub const URI: u16 = 256;
pub const CAA: u16 = 257;
pub const RESINFO: u16 = 261;
pub const WALLET: u16 = 262;

pub const CLASS_IN: u16 = 1;
pub const CLASS_CH: u16 = 3;
pub const CLASS_HS: u16 = 4;
pub const CLASS_NONE: u16 = 254;
pub const CLASS_ANY: u16 = 255;

/// Every type of IANA's registry that Knot DNS has a mnemonic for (and the query types MAILB
/// and MAILA), in numeric order. Types without a mnemonic are written `TYPEnnn` (RFC 3597);
/// DELEG and DELEGPARAM have no IANA number yet and so no mnemonic.
const TYPES: &[(u16, &str)] = &[
    (A, "A"),
    (NS, "NS"),
    (CNAME, "CNAME"),
    (SOA, "SOA"),
    (NULL, "NULL"),
    (PTR, "PTR"),
    (HINFO, "HINFO"),
    (MINFO, "MINFO"),
    (MX, "MX"),
    (TXT, "TXT"),
    (RP, "RP"),
    (AFSDB, "AFSDB"),
    (RT, "RT"),
    (SIG, "SIG"),
    (KEY, "KEY"),
    (AAAA, "AAAA"),
    (LOC, "LOC"),
    (SRV, "SRV"),
    (NAPTR, "NAPTR"),
    (KX, "KX"),
    (CERT, "CERT"),
    (DNAME, "DNAME"),
    (OPT, "OPT"),
    (APL, "APL"),
    (DS, "DS"),
    (SSHFP, "SSHFP"),
    (IPSECKEY, "IPSECKEY"),
    (RRSIG, "RRSIG"),
    (NSEC, "NSEC"),
    (DNSKEY, "DNSKEY"),
    (DHCID, "DHCID"),
    (NSEC3, "NSEC3"),
    (NSEC3PARAM, "NSEC3PARAM"),
    (TLSA, "TLSA"),
    (SMIMEA, "SMIMEA"),
    (CDS, "CDS"),
    (CDNSKEY, "CDNSKEY"),
    (OPENPGPKEY, "OPENPGPKEY"),
    (CSYNC, "CSYNC"),
    (ZONEMD, "ZONEMD"),
    (SVCB, "SVCB"),
    (HTTPS, "HTTPS"),
    (DSYNC, "DSYNC"),
    (SPF, "SPF"),
    (NID, "NID"),
    (L32, "L32"),
    (L64, "L64"),
    (LP, "LP"),
    (EUI48, "EUI48"),
    (EUI64, "EUI64"),
    (NXNAME, "NXNAME"),
    (TKEY, "TKEY"),
    (TSIG, "TSIG"),
    (IXFR, "IXFR"),
    (AXFR, "AXFR"),
    (MAILB, "MAILB"),
    (MAILA, "MAILA"),
    (ANY, "ANY"),
    (URI, "URI"),
    (CAA, "CAA"),
    (RESINFO, "RESINFO"),
    (WALLET, "WALLET"),
];

/// The mnemonic of a known type (`"AAAA"`), or `None`.
pub fn type_mnemonic(code: u16) -> Option<&'static str> {
    TYPES.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
}

/// The type written as text: its mnemonic, else `TYPE12345` (RFC 3597).
pub fn type_to_string(code: u16) -> String {
    match type_mnemonic(code) {
        Some(m) => m.to_string(),
        None => format!("TYPE{code}"),
    }
}

/// Parses a type mnemonic or `TYPEnnn`, case-insensitively.
pub fn type_from_str(text: &str) -> Option<u16> {
    if let Some((code, _)) = TYPES.iter().find(|(_, m)| m.eq_ignore_ascii_case(text)) {
        return Some(*code);
    }
    let digits = text
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("TYPE"))
        .map(|_| &text[4..])?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Parses a class mnemonic (`IN`, `CH`, `CS`, `HS`) or `CLASSnnn`, case-insensitively.
pub fn class_from_str(text: &str) -> Option<u16> {
    match text.to_ascii_uppercase().as_str() {
        "IN" => Some(CLASS_IN),
        "CH" | "CHAOS" => Some(CLASS_CH),
        "CS" => Some(2),
        "HS" => Some(CLASS_HS),
        "NONE" => Some(CLASS_NONE),
        "ANY" => Some(CLASS_ANY),
        upper => {
            let digits = upper.strip_prefix("CLASS")?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()
        }
    }
}

/// The class written as text.
pub fn class_to_string(code: u16) -> String {
    match code {
        CLASS_IN => "IN".into(),
        CLASS_CH => "CH".into(),
        CLASS_HS => "HS".into(),
        CLASS_NONE => "NONE".into(),
        CLASS_ANY => "ANY".into(),
        other => format!("CLASS{other}"),
    }
}

/// Response codes (RFC 1035, 6891) used by the answer path.
pub mod rcode {
    pub const NOERROR: u16 = 0;
    pub const FORMERR: u16 = 1;
    pub const SERVFAIL: u16 = 2;
    pub const NXDOMAIN: u16 = 3;
    pub const NOTIMP: u16 = 4;
    pub const REFUSED: u16 = 5;
    /// A DNAME substitution would make a name longer than 255 bytes (RFC 6672 §2.2).
    pub const YXDOMAIN: u16 = 6;
    pub const NOTAUTH: u16 = 9;
    /// Extended rcode 16, carried in the OPT record (RFC 6891).
    pub const BADVERS: u16 = 16;
    /// Extended rcode 23 (RFC 7873 §8): the server cookie was missing or wrong.
    pub const BADCOOKIE: u16 = 23;

    /// Lowercase name, used as a metrics label.
    pub fn name(code: u16) -> &'static str {
        match code {
            NOERROR => "noerror",
            FORMERR => "formerr",
            SERVFAIL => "servfail",
            NXDOMAIN => "nxdomain",
            NOTIMP => "notimp",
            REFUSED => "refused",
            YXDOMAIN => "yxdomain",
            NOTAUTH => "notauth",
            BADVERS => "badvers",
            BADCOOKIE => "badcookie",
            _ => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_text_round_trip() {
        assert_eq!(type_from_str("aaaa"), Some(AAAA));
        assert_eq!(type_from_str("TYPE65280"), Some(65280));
        assert_eq!(type_from_str("type1"), Some(1));
        assert_eq!(type_from_str("TYPE"), None);
        assert_eq!(type_from_str("TYPE70000"), None);
        assert_eq!(type_to_string(65280), "TYPE65280");
        assert_eq!(type_to_string(HTTPS), "HTTPS");
        assert_eq!(class_from_str("in"), Some(CLASS_IN));
        assert_eq!(class_from_str("CLASS3"), Some(CLASS_CH));
    }

    #[test]
    fn every_mnemonic_both_ways() {
        assert!(TYPES.windows(2).all(|w| w[0].0 < w[1].0), "numeric order");
        for &(code, name) in TYPES {
            assert_eq!(type_to_string(code), name);
            assert_eq!(type_from_str(name), Some(code));
            assert_eq!(type_from_str(&name.to_ascii_lowercase()), Some(code));
            assert_eq!(type_from_str(&format!("TYPE{code}")), Some(code));
        }
        for (code, name) in [
            (14, "MINFO"),
            (45, "IPSECKEY"),
            (66, "DSYNC"),
            (262, "WALLET"),
        ] {
            assert_eq!(type_mnemonic(code), Some(name));
        }
        assert_eq!(type_from_str("DELEG"), None);
        assert_eq!(type_to_string(61440), "TYPE61440");
    }
}
