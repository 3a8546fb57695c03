//! The DNSKEY record (RFC 4034 §2): its rdata (flags, protocol 3, algorithm, public key), the
//! key tag (RFC 4034 Appendix B), and the role a key plays in a zone (KSK, ZSK or CSK).

use std::fmt;

/// Flags of a zone-signing key: the Zone Key bit (RFC 4034 §2.1.1).
pub const ZSK_FLAGS: u16 = 256;
/// Flags of a key-signing or combined key: Zone Key and Secure Entry Point (RFC 3757).
pub const KSK_FLAGS: u16 = 257;
/// The Zone Key bit: only zone keys sign a zone's data (RFC 4034 §2.1.1).
pub const FLAG_ZONE: u16 = 0x0100;
/// The Secure Entry Point bit.
pub const FLAG_SEP: u16 = 1;
/// The REVOKE bit (RFC 5011 §3).
pub const FLAG_REVOKE: u16 = 0x0080;
/// The only protocol value DNSKEY may carry (RFC 4034 §2.1.2).
pub const PROTOCOL: u8 = 3;

/// The rdata of a DNSKEY (or CDNSKEY) record.
pub fn dnskey_rdata(flags: u16, algorithm: u8, public_key: &[u8]) -> Vec<u8> {
    let mut rdata = Vec::with_capacity(4 + public_key.len());
    rdata.extend_from_slice(&flags.to_be_bytes());
    rdata.push(PROTOCOL);
    rdata.push(algorithm);
    rdata.extend_from_slice(public_key);
    rdata
}

/// The fields of DNSKEY rdata, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dnskey<'a> {
    pub flags: u16,
    pub protocol: u8,
    pub algorithm: u8,
    pub public_key: &'a [u8],
}

impl<'a> Dnskey<'a> {
    /// Splits DNSKEY rdata into its fields; `None` when it is shorter than the fixed part.
    pub fn parse(rdata: &'a [u8]) -> Option<Dnskey<'a>> {
        let (fixed, public_key) = rdata.split_at_checked(4)?;
        Some(Dnskey {
            flags: u16::from_be_bytes([fixed[0], fixed[1]]),
            protocol: fixed[2],
            algorithm: fixed[3],
            public_key,
        })
    }

    /// Whether the Secure Entry Point bit is set (a KSK or CSK).
    pub fn is_sep(&self) -> bool {
        self.flags & FLAG_SEP != 0
    }
}

/// The key tag of DNSKEY rdata (RFC 4034 Appendix B), the number in RRSIG and DS records and in
/// BIND's key file names.
pub fn key_tag(rdata: &[u8]) -> u16 {
    // Algorithm 1 (RSA/MD5) defines the tag as bits of the modulus (Appendix B.1).
    if rdata.get(3) == Some(&1) {
        let len = rdata.len();
        if len >= 7 {
            return u16::from_be_bytes([rdata[len - 3], rdata[len - 2]]);
        }
        return 0;
    }
    let mut sum = 0u32;
    for (i, &byte) in rdata.iter().enumerate() {
        sum += if i % 2 == 0 {
            u32::from(byte) << 8
        } else {
            u32::from(byte)
        };
    }
    sum += (sum >> 16) & 0xffff;
    (sum & 0xffff) as u16
}

/// What a key signs in its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Key-signing key (flags 257): signs the DNSKEY, CDS and CDNSKEY RRsets; the parent's DS
    /// points at it.
    Ksk,
    /// Zone-signing key (flags 256): signs every other RRset.
    Zsk,
    /// Combined signing key (flags 257): both.
    Csk,
}

impl Role {
    /// The DNSKEY flags a key in this role carries.
    pub fn flags(self) -> u16 {
        match self {
            Role::Zsk => ZSK_FLAGS,
            Role::Ksk | Role::Csk => KSK_FLAGS,
        }
    }

    /// Whether a key in this role signs the DNSKEY RRset (and so is what the parent's DS names).
    pub fn signs_keys(self) -> bool {
        matches!(self, Role::Ksk | Role::Csk)
    }

    /// Whether a key in this role signs the zone's data.
    pub fn signs_zone(self) -> bool {
        matches!(self, Role::Zsk | Role::Csk)
    }

    /// The role of a key with `flags` in a key set: a key without the SEP bit is a ZSK; one with
    /// it is a KSK when the set also holds a ZSK, else a CSK (as BIND signs with a lone KSK).
    pub fn of(flags: u16, set_has_zsk: bool) -> Role {
        match (flags & FLAG_SEP != 0, set_has_zsk) {
            (false, _) => Role::Zsk,
            (true, true) => Role::Ksk,
            (true, false) => Role::Csk,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Ksk => "KSK",
            Role::Zsk => "ZSK",
            Role::Csk => "CSK",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_tag_of_the_rfc_4034_example() {
        // RFC 4034 §2.3: the DNSKEY of dskey.example.com. with key tag 60485 (see its §5.4).
        let public = crate::dnssec::keyfile::decode_base64(
            "AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==",
        )
        .unwrap();
        let rdata = dnskey_rdata(256, 5, &public);
        assert_eq!(key_tag(&rdata), 60485);
        let parsed = Dnskey::parse(&rdata).unwrap();
        assert_eq!(
            (parsed.flags, parsed.protocol, parsed.algorithm),
            (256, 3, 5)
        );
        assert!(!parsed.is_sep());
        assert_eq!(Dnskey::parse(&[1, 0, 3]), None);
    }

    #[test]
    fn key_tag_of_rsa_md5_reads_the_modulus() {
        assert_eq!(key_tag(&[1, 0, 3, 1, 0xaa, 0x12, 0x34, 0xbb]), 0x1234);
    }

    #[test]
    fn roles_from_flags() {
        assert_eq!(Role::of(256, true), Role::Zsk);
        assert_eq!(Role::of(257, true), Role::Ksk);
        assert_eq!(Role::of(257, false), Role::Csk);
        assert_eq!(Role::Csk.flags(), 257);
        assert!(Role::Csk.signs_keys() && Role::Csk.signs_zone());
        assert!(!Role::Ksk.signs_zone() && !Role::Zsk.signs_keys());
    }
}
