//! DS records from a DNSKEY (RFC 4034 §5.1.4), with digest types 2 (SHA-256, RFC 4509) and 4
//! (SHA-384, RFC 6605), in wire and presentation form; and the records a child publishes for
//! its parent to pick up (RFC 7344, RFC 8078): CDS (a DS in the child) and CDNSKEY (a copy of
//! the DNSKEY).

use ring::digest::{Context, SHA256, SHA384};

use super::dnskey::{Dnskey, key_tag};
use crate::wire::Name;
use crate::wire::rtype;
use crate::zone::rdata_to_text;

/// A DS digest algorithm this server makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestType {
    Sha256,
    Sha384,
}

impl DigestType {
    /// Both, in the order `keys ds` prints them.
    pub const ALL: [DigestType; 2] = [DigestType::Sha256, DigestType::Sha384];

    pub fn number(self) -> u8 {
        match self {
            DigestType::Sha256 => 2,
            DigestType::Sha384 => 4,
        }
    }

    pub fn from_number(number: u8) -> Option<DigestType> {
        DigestType::ALL.into_iter().find(|d| d.number() == number)
    }
}

/// The DS rdata for the DNSKEY rdata `dnskey` owned by `owner`: key tag, algorithm, digest
/// type, digest of the canonical owner name followed by the DNSKEY rdata.
pub fn ds_rdata(owner: &Name, dnskey: &[u8], digest: DigestType) -> Vec<u8> {
    let algorithm = Dnskey::parse(dnskey).map_or(0, |k| k.algorithm);
    let mut context = Context::new(match digest {
        DigestType::Sha256 => &SHA256,
        DigestType::Sha384 => &SHA384,
    });
    context.update(owner.to_lowercase().as_wire());
    context.update(dnskey);
    let hash = context.finish();
    let mut rdata = Vec::with_capacity(4 + hash.as_ref().len());
    rdata.extend_from_slice(&key_tag(dnskey).to_be_bytes());
    rdata.push(algorithm);
    rdata.push(digest.number());
    rdata.extend_from_slice(hash.as_ref());
    rdata
}

/// Whether DS (or CDS) rdata `ds` names the DNSKEY rdata `dnskey` of `owner`: same tag,
/// algorithm and digest (digest types other than 2 and 4 never match).
pub fn ds_matches(owner: &Name, ds: &[u8], dnskey: &[u8]) -> bool {
    let Some(digest) = ds.get(3).copied().and_then(DigestType::from_number) else {
        return false;
    };
    ds_rdata(owner, dnskey, digest) == ds
}

/// A DS record in presentation form, as `dnssec-dsfromkey` prints it:
/// `example.com. IN DS 9177 13 2 B3F9…`.
pub fn ds_text(owner: &Name, ds: &[u8]) -> String {
    format!(
        "{} IN DS {}",
        owner.to_lowercase(),
        rdata_to_text(rtype::DS, ds)
    )
}

/// The CDS and CDNSKEY rdatas a child publishes so that its parent's DS set becomes the keys
/// `dnskeys` (RFC 7344 §3): one CDS with SHA-256 (the digest RFC 8624 requires everywhere) and
/// one CDNSKEY per key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildSync {
    pub cds: Vec<Vec<u8>>,
    pub cdnskey: Vec<Vec<u8>>,
}

impl ChildSync {
    pub fn for_keys<'k>(zone: &Name, dnskeys: impl IntoIterator<Item = &'k [u8]>) -> ChildSync {
        let mut sync = ChildSync::default();
        for dnskey in dnskeys {
            sync.cds.push(ds_rdata(zone, dnskey, DigestType::Sha256));
            sync.cdnskey.push(dnskey.to_vec());
        }
        sync
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnssec::dnskey::dnskey_rdata;
    use crate::dnssec::keyfile::decode_base64;

    fn example(zone: &str, flags: u16, algorithm: u8, key: &str) -> (Name, Vec<u8>) {
        let public = decode_base64(key).unwrap();
        (
            zone.parse().unwrap(),
            dnskey_rdata(flags, algorithm, &public),
        )
    }

    #[test]
    fn ds_of_the_rfc_examples() {
        // RFC 6605 §6.1 (P-256) and RFC 8080 §6.1 (Ed25519), their DS records.
        let (zone, dnskey) = example(
            "example.net.",
            257,
            13,
            "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
        );
        let ds = ds_rdata(&zone, &dnskey, DigestType::Sha256);
        assert_eq!(
            ds_text(&zone, &ds),
            "example.net. IN DS 55648 13 2 \
             B4C8C1FE2E7477127B27115656AD6256F424625BF5C1E2770CE6D6E37DF61D17"
        );
        assert!(ds_matches(&zone, &ds, &dnskey));
        let (zone, dnskey) = example(
            "Example.COM.",
            257,
            15,
            "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
        );
        let ds = ds_rdata(&zone, &dnskey, DigestType::Sha256);
        assert_eq!(
            ds_text(&zone, &ds),
            "example.com. IN DS 3613 15 2 \
             3AA5AB37EFCE57F737FC1627013FEE07BDF241BD10F3B1964AB55C78E79A304B"
        );
        let sha384 = ds_rdata(&zone, &dnskey, DigestType::Sha384);
        assert_eq!(sha384.len(), 4 + 48);
        assert_eq!(sha384[3], 4);
        assert!(ds_matches(&zone, &sha384, &dnskey));
        let mut wrong = sha384.clone();
        wrong[10] ^= 1;
        assert!(!ds_matches(&zone, &wrong, &dnskey));
        assert!(!ds_matches(&zone, &[0, 1, 15, 1, 0xab], &dnskey));
        assert!(!ds_matches(&zone, &[], &dnskey));
    }

    #[test]
    fn child_sync_has_a_cds_and_a_cdnskey_per_key() {
        let (zone, dnskey) = example(
            "example.com.",
            257,
            15,
            "l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=",
        );
        let sync = ChildSync::for_keys(&zone, [dnskey.as_slice()]);
        assert_eq!(sync.cdnskey, std::slice::from_ref(&dnskey));
        assert_eq!(sync.cds, [ds_rdata(&zone, &dnskey, DigestType::Sha256)]);
    }
}
