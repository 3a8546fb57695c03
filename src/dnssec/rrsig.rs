//! RRSIG records (RFC 4034 §3): signing an RRset and verifying a signature over one.
//!
//! The signed data is the RRSIG rdata without its signature, then each record of the RRset in
//! canonical form and order (RFC 4034 §3.1.8.1, §6): owner lowercased (and, for a wildcard
//! expansion, rebuilt as `*.` + the RRSIG's label count of rightmost labels), type, class, the
//! original TTL, rdata length and canonical rdata. [`Signer::sign`] may run on many threads at
//! once; each passes its own [`SignScratch`], and once those buffers have grown a signature
//! allocates only its output.

use super::algorithm::Algorithm;
use super::canonical::{CanonicalRrset, MalformedRdata};
use super::crypto::{self, CryptoError, SigningKey};
use super::dnskey::{Dnskey, FLAG_ZONE};
use super::time::{from_serial, to_serial};
use super::validity::{SignatureTiming, SignatureWindow, StableHash};
use crate::wire::Name;
use crate::wire::name::{MAX_NAME_LEN, wire_name_len};

/// One RRset to sign or check: the owner as it appears (any case), class, type and the TTL
/// served (which becomes the RRSIG's original TTL).
#[derive(Debug, Clone, Copy)]
pub struct RrsetHeader<'a> {
    pub owner: &'a Name,
    pub class: u16,
    pub rtype: u16,
    pub ttl: u32,
}

/// Where a signature's inception and expiration come from.
#[derive(Debug, Clone, Copy)]
pub enum Validity<'a> {
    /// Exactly these times.
    Window(SignatureWindow),
    /// The policy's window for this RRset at `now` (deterministic, see `validity.rs`).
    Timing {
        timing: &'a SignatureTiming,
        now: u64,
    },
}

/// Buffers one thread reuses for every signature it makes or checks.
#[derive(Debug, Default)]
pub struct SignScratch {
    rrset: CanonicalRrset,
    message: Vec<u8>,
}

/// Why an RRset could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("{owner} is not in zone {zone}")]
    OutsideZone { owner: String, zone: String },
    #[error("{0}")]
    Malformed(#[from] MalformedRdata),
    #[error("{0}")]
    Crypto(#[from] CryptoError),
}

/// A key ready to sign for its zone.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub key: &'a SigningKey,
    /// The key tag of its DNSKEY.
    pub tag: u16,
    /// The zone's apex, the RRSIG's signer name.
    pub zone: &'a Name,
}

impl Signer<'_> {
    /// The RRSIG rdata over `rdatas` (the RRset's records in any order, duplicates allowed).
    pub fn sign<'r>(
        &self,
        rrset: &RrsetHeader<'_>,
        rdatas: impl IntoIterator<Item = &'r [u8]>,
        validity: Validity<'_>,
        scratch: &mut SignScratch,
    ) -> Result<Vec<u8>, SignError> {
        if !rrset.owner.is_subdomain_of(self.zone) {
            return Err(SignError::OutsideZone {
                owner: rrset.owner.to_string(),
                zone: self.zone.to_string(),
            });
        }
        scratch.rrset.fill(rrset.rtype, rdatas)?;
        let mut owner = [0u8; MAX_NAME_LEN];
        let owner = lowercase(rrset.owner.as_wire(), &mut owner);
        let window = match validity {
            Validity::Window(window) => window,
            Validity::Timing { timing, now } => {
                let mut hash = StableHash::default();
                hash.write(&self.tag.to_be_bytes());
                hash.write(owner);
                hash.write(&rrset.rtype.to_be_bytes());
                for rdata in scratch.rrset.iter() {
                    hash.write(&(rdata.len() as u16).to_be_bytes());
                    hash.write(rdata);
                }
                timing.window(hash.finish(), now)
            }
        };
        let labels = rrsig_labels(rrset.owner);
        let algorithm = self.key.algorithm();
        let mut rdata = Vec::with_capacity(18 + self.zone.len() + 64);
        rdata.extend_from_slice(&rrset.rtype.to_be_bytes());
        rdata.push(algorithm.number());
        rdata.push(labels);
        rdata.extend_from_slice(&rrset.ttl.to_be_bytes());
        rdata.extend_from_slice(&to_serial(window.expiration).to_be_bytes());
        rdata.extend_from_slice(&to_serial(window.inception).to_be_bytes());
        rdata.extend_from_slice(&self.tag.to_be_bytes());
        let signer_start = rdata.len();
        rdata.extend_from_slice(self.zone.as_wire());
        rdata[signer_start..].make_ascii_lowercase();
        signed_data(
            &rdata,
            owner,
            rrset,
            &mut scratch.rrset,
            &mut scratch.message,
        );
        let signature = self.key.sign(&scratch.message)?;
        rdata.extend_from_slice(signature.as_ref());
        Ok(rdata)
    }
}

/// The RRSIG Labels field for `owner`: its labels, not counting the root or a leading `*`.
pub fn rrsig_labels(owner: &Name) -> u8 {
    (owner.label_count() - usize::from(owner.is_wildcard())) as u8
}

fn lowercase<'b>(wire: &[u8], buffer: &'b mut [u8; MAX_NAME_LEN]) -> &'b [u8] {
    let out = &mut buffer[..wire.len()];
    out.copy_from_slice(wire);
    out.make_ascii_lowercase();
    out
}

/// Writes the signed data into `message`: `rrsig_fields` (the RRSIG rdata before the
/// signature), then each canonical record of `set` under `owner` (already canonical).
fn signed_data(
    rrsig_fields: &[u8],
    owner: &[u8],
    rrset: &RrsetHeader<'_>,
    set: &mut CanonicalRrset,
    message: &mut Vec<u8>,
) {
    message.clear();
    message.extend_from_slice(rrsig_fields);
    for rdata in set.iter() {
        message.extend_from_slice(owner);
        message.extend_from_slice(&rrset.rtype.to_be_bytes());
        message.extend_from_slice(&rrset.class.to_be_bytes());
        message.extend_from_slice(&rrset.ttl.to_be_bytes());
        message.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        message.extend_from_slice(rdata);
    }
}

/// The fields of RRSIG rdata, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rrsig<'a> {
    pub type_covered: u16,
    pub algorithm: u8,
    pub labels: u8,
    pub original_ttl: u32,
    pub expiration: u32,
    pub inception: u32,
    pub key_tag: u16,
    /// The signer's name, wire format.
    pub signer: &'a [u8],
    pub signature: &'a [u8],
    /// The rdata up to the signature: the first part of the signed data.
    pub fields: &'a [u8],
}

impl<'a> Rrsig<'a> {
    /// Splits RRSIG rdata into its fields; `None` when it is cut short or the name is bad.
    pub fn parse(rdata: &'a [u8]) -> Option<Rrsig<'a>> {
        let fixed = rdata.get(..18)?;
        let u16_at = |i: usize| u16::from_be_bytes([fixed[i], fixed[i + 1]]);
        let u32_at =
            |i: usize| u32::from_be_bytes([fixed[i], fixed[i + 1], fixed[i + 2], fixed[i + 3]]);
        let signer_len = wire_name_len(&rdata[18..])?;
        let (fields, signature) = rdata.split_at(18 + signer_len);
        Some(Rrsig {
            type_covered: u16_at(0),
            algorithm: fixed[2],
            labels: fixed[3],
            original_ttl: u32_at(4),
            expiration: u32_at(8),
            inception: u32_at(12),
            key_tag: u16_at(16),
            signer: &fields[18..],
            signature,
            fields,
        })
    }
}

/// Why an RRSIG does not validate its RRset (RFC 4035 §5.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed RRSIG")]
    MalformedRrsig,
    #[error("the RRSIG covers type {covered}, not {rtype}")]
    WrongType { covered: u16, rtype: u16 },
    #[error("the RRSIG's labels field ({labels}) exceeds the owner's {owner_labels} labels")]
    TooManyLabels { labels: u8, owner_labels: usize },
    #[error("the signer's name is not the owner or an ancestor of it")]
    SignerNotAncestor,
    #[error("the signature expired at {0}")]
    Expired(u64),
    #[error("the signature is not valid before {0}")]
    NotYetValid(u64),
    #[error("no zone key with tag {tag} and algorithm {algorithm}")]
    NoKey { tag: u16, algorithm: u8 },
    #[error("algorithm {0} is not supported for verification")]
    UnsupportedAlgorithm(u8),
    #[error("{0}")]
    Malformed(#[from] MalformedRdata),
    #[error("the signature does not verify")]
    BadSignature,
}

/// Checks the RRSIG `rrsig` over the RRset `rrset` + `rdatas` at `now` with the zone's DNSKEY
/// rdatas `dnskeys`: type, labels, signer, validity period, then the signature with each
/// DNSKEY whose tag and algorithm match. The RRset's own TTL is ignored (the RRSIG's original
/// TTL is what was signed).
pub fn verify_rrsig<'r, 'k>(
    rrsig: &[u8],
    rrset: &RrsetHeader<'_>,
    rdatas: impl IntoIterator<Item = &'r [u8]>,
    dnskeys: impl IntoIterator<Item = &'k [u8]>,
    now: u64,
    scratch: &mut SignScratch,
) -> Result<(), VerifyError> {
    let sig = Rrsig::parse(rrsig).ok_or(VerifyError::MalformedRrsig)?;
    if sig.type_covered != rrset.rtype {
        return Err(VerifyError::WrongType {
            covered: sig.type_covered,
            rtype: rrset.rtype,
        });
    }
    let owner_labels = rrset.owner.label_count();
    if usize::from(sig.labels) > owner_labels {
        return Err(VerifyError::TooManyLabels {
            labels: sig.labels,
            owner_labels,
        });
    }
    let signer = Name::from_wire(sig.signer).ok_or(VerifyError::MalformedRrsig)?;
    if !rrset.owner.is_subdomain_of(&signer) {
        return Err(VerifyError::SignerNotAncestor);
    }
    let (inception, expiration) = (
        from_serial(sig.inception, now),
        from_serial(sig.expiration, now),
    );
    if now > expiration {
        return Err(VerifyError::Expired(expiration));
    }
    if now < inception {
        return Err(VerifyError::NotYetValid(inception));
    }
    let algorithm = Algorithm::from_number(sig.algorithm)
        .ok_or(VerifyError::UnsupportedAlgorithm(sig.algorithm))?;
    scratch.rrset.fill(rrset.rtype, rdatas)?;
    let mut buffer = [0u8; MAX_NAME_LEN];
    let owner = signed_owner(rrset.owner, sig.labels, &mut buffer);
    let header = RrsetHeader {
        ttl: sig.original_ttl,
        ..*rrset
    };
    signed_data(
        sig.fields,
        owner,
        &header,
        &mut scratch.rrset,
        &mut scratch.message,
    );
    let mut found_key = false;
    for rdata in dnskeys {
        let Some(key) = Dnskey::parse(rdata) else {
            continue;
        };
        let matches = key.algorithm == sig.algorithm
            && key.protocol == super::dnskey::PROTOCOL
            && key.flags & FLAG_ZONE != 0
            && super::dnskey::key_tag(rdata) == sig.key_tag;
        if !matches {
            continue;
        }
        found_key = true;
        if crypto::verify(algorithm, key.public_key, &scratch.message, sig.signature).is_ok() {
            return Ok(());
        }
    }
    if found_key {
        Err(VerifyError::BadSignature)
    } else {
        Err(VerifyError::NoKey {
            tag: sig.key_tag,
            algorithm: sig.algorithm,
        })
    }
}

/// The owner as signed: lowercased, and for a wildcard expansion (fewer RRSIG labels than the
/// owner has) `*.` followed by the owner's rightmost `labels` labels (RFC 4035 §5.3.2).
fn signed_owner<'b>(owner: &Name, labels: u8, buffer: &'b mut [u8; MAX_NAME_LEN]) -> &'b [u8] {
    let wire = owner.as_wire();
    let extra = owner.label_count() - usize::from(labels);
    if extra == 0 {
        return lowercase(wire, buffer);
    }
    let mut pos = 0usize;
    for _ in 0..extra {
        pos += 1 + usize::from(wire[pos]);
    }
    let suffix = &wire[pos..];
    buffer[0] = 1;
    buffer[1] = b'*';
    buffer[2..2 + suffix.len()].copy_from_slice(suffix);
    let out = &mut buffer[..2 + suffix.len()];
    out.make_ascii_lowercase();
    out
}

#[cfg(test)]
#[path = "tests/rrsig.rs"]
mod tests;
