//! Online signing of a zone's data when the zone is built: the RRSIGs over every
//! authoritative RRset, the NSEC or NSEC3 chain over the names the zone file and the steering
//! fix, the DNSKEY RRset and CDS/CDNSKEY as the key lifecycle plan publishes them — the
//! records a zone signed elsewhere would hold — so the answer path serves both alike.
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`sign_zone`]: records in, signed records out |
//! | `nodes.rs` | the records grouped by owner in canonical order; cuts and occluded names |
//! | `chain.rs` | the NSEC and NSEC3 chains |
//! | `cache.rs` | signatures by content, carried from one build to the next |
//! | `parallel.rs` | signing on every core |
//! | `keys.rs` | a zone's keys at build time: loaded, first key made, the plan's changes applied |
//! | `variants.rs` | signatures of steered answers, cached by content |

pub mod cache;
pub mod chain;
pub mod keys;
pub mod nodes;
pub mod parallel;
pub mod variant_map;
pub mod variants;

use std::path::Path;
use std::sync::Arc;

use cache::{CachedSignature, SignatureCache, content_key};
use nodes::{Nodes, Rrset};
use parallel::Job;

use super::ds::ChildSync;
use super::keydir::StoredKey;
use super::rollover::Plan;
use super::rrsig::{SignError, Validity};
use crate::config::zones::Denial;
use crate::wire::{Name, rtype};
use crate::zone::{Record, SourceLocation};

/// What signing one zone needs.
pub struct ZoneSigning<'a> {
    pub origin: &'a Name,
    /// The zone's keys, and the plan that says which publish and which sign.
    pub keys: &'a [StoredKey],
    pub plan: &'a Plan,
    pub denial: Denial,
    pub validity: Validity<'a>,
    /// The time the signatures are made at.
    pub now: u64,
    /// TTL of the DNSKEY, CDS and CDNSKEY RRsets.
    pub dnskey_ttl: u32,
    /// Steered names and the types their answers may hold (in the chain's bitmaps).
    pub steered: &'a [(Name, Vec<u16>)],
}

/// A signed zone: every record, and what signing cost.
#[derive(Debug)]
pub struct SignedZone {
    pub records: Vec<Record>,
    /// The signatures this build serves, for the next build to carry over.
    pub cache: SignatureCache,
    /// Signatures made by this build.
    pub made: usize,
    /// Signatures carried over from the previous build.
    pub carried: usize,
}

/// Why a zone could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignZoneError {
    #[error("no SOA record at the zone apex {0}")]
    NoSoa(String),
    #[error("no key signs the zone's data now")]
    NoSigner,
    #[error("the zone name {0} is too long for NSEC3 owner names")]
    TooLongForNsec3(String),
    #[error("{0}")]
    Sign(#[from] SignError),
}

/// Signs `records` (the zone file's; RRSIG, NSEC, NSEC3, NSEC3PARAM, DNSKEY, CDS and CDNSKEY
/// in them are replaced by the signer's own). Records it adds are attributed to `file`.
/// Signatures in `previous` whose content and window still hold are carried over.
pub fn sign_zone(
    records: Vec<Record>,
    signing: &ZoneSigning<'_>,
    file: &Path,
    previous: Option<&SignatureCache>,
) -> Result<SignedZone, SignZoneError> {
    let plan = signing.plan;
    if plan.zone_signers().is_empty() || plan.key_signers().is_empty() {
        return Err(SignZoneError::NoSigner);
    }
    let mut nodes = Nodes::group(signing.origin, &records, signing.steered);
    nodes.take_occluded();
    let negative_ttl = nodes
        .negative_ttl()
        .ok_or_else(|| SignZoneError::NoSoa(signing.origin.to_string()))?;
    add_key_rrsets(&mut nodes, signing);
    match signing.denial {
        Denial::Nsec => chain::add_nsec(&mut nodes, negative_ttl),
        Denial::Nsec3 => {
            chain::add_nsec3(&mut nodes, negative_ttl).map_err(|chain::NoRoomForHash| {
                SignZoneError::TooLongForNsec3(signing.origin.to_string())
            })?
        }
    }
    let source = SourceLocation {
        file: Arc::from(file),
        line: 0,
    };
    let mut out: Vec<Record> = records
        .into_iter()
        .filter(|r| !nodes::SIGNER_TYPES.contains(&r.rtype))
        .collect();
    let owners: Vec<Name> = nodes.nodes.keys().map(|o| o.name()).collect();
    let mut jobs = Vec::new();
    for (owner, (name, node)) in owners.iter().zip(&nodes.nodes) {
        let at_cut = nodes.cuts.contains(name);
        for (&rtype, set) in node {
            if is_signer_made(rtype) {
                for rdata in &set.rdatas {
                    out.push(record(owner, rtype, set.ttl, rdata.clone(), &source));
                }
            }
            if set.rdatas.is_empty() || (at_cut && rtype != rtype::DS && rtype != rtype::NSEC) {
                continue;
            }
            let signers = if matches!(rtype, rtype::DNSKEY | rtype::CDS | rtype::CDNSKEY) {
                plan.key_signers()
            } else {
                plan.zone_signers()
            };
            jobs.extend(signers.into_iter().map(|key| Job {
                owner,
                rtype,
                ttl: set.ttl,
                rdatas: &set.rdatas,
                key,
            }));
        }
    }
    let (signatures, cache, carried) = sign_jobs(&jobs, signing, previous)?;
    let made = jobs.len() - carried;
    for (job, rrsig) in jobs.iter().zip(signatures) {
        out.push(record(job.owner, rtype::RRSIG, job.ttl, rrsig, &source));
    }
    Ok(SignedZone {
        records: out,
        cache,
        made,
        carried,
    })
}

/// The types the signer adds as records (the others came from the zone file).
fn is_signer_made(rtype: u16) -> bool {
    nodes::SIGNER_TYPES.contains(&rtype)
}

/// The DNSKEY RRset of the published keys, and CDS/CDNSKEY of the keys the plan gives them.
fn add_key_rrsets(nodes: &mut Nodes, signing: &ZoneSigning<'_>) {
    let keys = signing.keys;
    let plan = signing.plan;
    let ttl = signing.dnskey_ttl;
    let sync = ChildSync::for_keys(
        signing.origin,
        plan.cds().iter().map(|&i| keys[i].dnskey.as_slice()),
    );
    let apex = nodes.nodes.entry(nodes.apex.clone()).or_default();
    let dnskeys = plan
        .publish()
        .iter()
        .map(|&i| keys[i].dnskey.clone())
        .collect();
    apex.insert(
        rtype::DNSKEY,
        Rrset {
            ttl,
            rdatas: dnskeys,
        },
    );
    if !sync.cds.is_empty() {
        apex.insert(
            rtype::CDS,
            Rrset {
                ttl,
                rdatas: sync.cds,
            },
        );
        apex.insert(
            rtype::CDNSKEY,
            Rrset {
                ttl,
                rdatas: sync.cdnskey,
            },
        );
    }
}

/// Every job's RRSIG, from `previous` where it holds, else made; the cache of this build; how
/// many were carried over.
fn sign_jobs(
    jobs: &[Job<'_>],
    signing: &ZoneSigning<'_>,
    previous: Option<&SignatureCache>,
) -> Result<(Vec<Vec<u8>>, SignatureCache, usize), SignZoneError> {
    let keys = signing.keys;
    let content: Vec<_> = jobs
        .iter()
        .map(|job| {
            let owner = job.owner.to_lowercase();
            let rdatas = job.rdatas.iter().map(Vec::as_slice);
            content_key(
                keys[job.key].tag,
                owner.as_wire(),
                job.rtype,
                job.ttl,
                rdatas,
            )
        })
        .collect();
    let mut signatures: Vec<Option<Vec<u8>>> = content
        .iter()
        .map(|key| {
            previous
                .and_then(|cache| cache.get(key))
                .filter(|cached| cached.usable(&signing.validity, signing.now))
                .map(|cached| cached.rrsig.to_vec())
        })
        .collect();
    let carried = signatures.iter().filter(|s| s.is_some()).count();
    let missing: Vec<usize> = (0..jobs.len())
        .filter(|&i| signatures[i].is_none())
        .collect();
    let to_sign: Vec<Job<'_>> = missing.iter().map(|&i| jobs[i]).collect();
    let made = parallel::sign_all(&to_sign, keys, signing.validity)?;
    for (i, rrsig) in missing.into_iter().zip(made) {
        signatures[i] = Some(rrsig);
    }
    let mut cache = SignatureCache::default();
    let signatures: Vec<Vec<u8>> = signatures
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    for (key, rrsig) in content.into_iter().zip(&signatures) {
        cache.insert(key, CachedSignature::new(rrsig.clone(), signing.now));
    }
    Ok((signatures, cache, carried))
}

fn record(owner: &Name, rtype: u16, ttl: u32, rdata: Vec<u8>, source: &SourceLocation) -> Record {
    Record {
        owner: owner.clone(),
        class: rtype::CLASS_IN,
        rtype,
        ttl,
        rdata: rdata.into_boxed_slice(),
        source: source.clone(),
    }
}

/// For tests: signs `records` of `origin` with the CSK in `dir` (made on first use) at `now`,
/// under the default policy and timing, carrying over `previous`.
#[cfg(test)]
pub(crate) fn sign_for_tests(
    records: Vec<Record>,
    origin: &Name,
    steered: &[(Name, Vec<u16>)],
    denial: Denial,
    dir: &Path,
    now: u64,
    previous: Option<&SignatureCache>,
) -> SignedZone {
    use crate::dnssec::command::KeySet;
    use crate::dnssec::policy::KeyPolicy;
    use crate::dnssec::validity::SignatureTiming;
    let set = KeySet {
        dir: dir.to_path_buf(),
        zone: origin.clone(),
        algorithm: None,
    };
    let keys = keys::prepare(&set, &KeyPolicy::default(), now, keys::KeyAccess::Apply)
        .unwrap()
        .unwrap();
    let timing = SignatureTiming::default();
    let signing = ZoneSigning {
        origin,
        keys: &keys.keys,
        plan: &keys.plan,
        denial,
        validity: Validity::Timing {
            timing: &timing,
            now,
        },
        now,
        dnskey_ttl: 3600,
        steered,
    };
    sign_zone(records, &signing, Path::new("z"), previous).unwrap()
}

#[cfg(test)]
mod tests;
