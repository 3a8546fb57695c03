//! DO=1 at a steered name of a zone signed here: the RRSIGs of the steered RRset just written
//! (the picked addresses, the CNAME, or the zone file's fallback records), taken from the
//! zone's variant cache (`dnssec::sign::variants`) and signed there on a miss. The original
//! TTL is the TTL written, lowered or not. [`with_variant`] is also how the signer ahead of
//! the queries (`answer::sign_ahead`) learns the RRset a decision writes.

use crate::dnssec::sign::variants::VariantRrset;
use crate::policy::{Address, Decision, Reason, Service};
use crate::snapshot::signing::ZoneSignatures;
use crate::wire::name::MAX_NAME_LEN;
use crate::wire::rtype;
use crate::wire::writer::{EncodedRecords, NoSpace, Section, Writer};
use crate::zone::RRsetRef;

/// The most records of a steered RRset that are signed (more is never configured).
const MAX_RECORDS: usize = 32;

/// Appends the RRSIGs over the RRset the decision wrote at `owner` for `qtype`.
pub fn write_rrsigs(
    w: &mut Writer<'_>,
    signed: &ZoneSignatures,
    service: &Service,
    decision: &Decision,
    owner: &[u8],
    qtype: u16,
    fallback: Option<RRsetRef<'_>>,
) -> Result<(), NoSpace> {
    let now = crate::dnssec::time::now();
    with_variant(service, decision, owner, qtype, fallback, |rrset| {
        signed
            .variants
            .with_rrsigs(&signed.keys, &signed.zone_signers, rrset, now, |records| {
                let mark = w.mark();
                for record in EncodedRecords::new(records) {
                    if let Err(e) = w.record(Section::Answer, owner, record) {
                        w.rollback(mark);
                        return Err(e);
                    }
                }
                Ok(())
            })
            .unwrap_or(Ok(()))
    })
    .unwrap_or(Ok(()))
}

/// Calls `f` with the RRset `decision` writes at `owner` for `qtype` (the picked addresses,
/// the CNAME, or the zone file's fallback records), held on the stack; `None` when it writes
/// none (or more records than are signed).
pub fn with_variant<T>(
    service: &Service,
    decision: &Decision,
    owner: &[u8],
    qtype: u16,
    fallback: Option<RRsetRef<'_>>,
    f: impl FnOnce(&VariantRrset<'_>) -> T,
) -> Option<T> {
    let mut octets = [[0u8; 16]; MAX_RECORDS];
    let mut lengths = [0usize; MAX_RECORDS];
    let mut rtype = qtype;
    let mut ttl = decision.ttl;
    let mut count = 0;
    let mut cname: Option<&[u8]> = None;
    let mut fallback_rdatas: [&[u8]; MAX_RECORDS] = [&[]; MAX_RECORDS];
    match decision.reason {
        Reason::NoTargets | Reason::Fallback => {
            let set = fallback?;
            for record in EncodedRecords::new(set.encoded()) {
                if count == MAX_RECORDS {
                    return None;
                }
                ttl = u32::from_be_bytes([record[4], record[5], record[6], record[7]]);
                fallback_rdatas[count] = &record[10..];
                count += 1;
            }
        }
        _ => {
            for &pick in decision.picks() {
                if count == MAX_RECORDS {
                    return None;
                }
                match &service.targets[pick as usize].address {
                    Address::V4(a) => octets[count][..4].copy_from_slice(&a.octets()),
                    Address::V6(a) => octets[count].copy_from_slice(&a.octets()),
                    Address::Cname(name) => {
                        rtype = rtype::CNAME;
                        cname = Some(name.as_wire());
                        break;
                    }
                }
                lengths[count] = if rtype == rtype::AAAA { 16 } else { 4 };
                count += 1;
            }
        }
    }
    let mut rdatas: [&[u8]; MAX_RECORDS] = [&[]; MAX_RECORDS];
    let rdatas: &[&[u8]] = match (decision.reason, cname) {
        (Reason::NoTargets | Reason::Fallback, _) => &fallback_rdatas[..count],
        (_, Some(name)) => {
            rdatas[0] = name;
            &rdatas[..1]
        }
        _ => {
            for i in 0..count {
                rdatas[i] = &octets[i][..lengths[i]];
            }
            &rdatas[..count]
        }
    };
    if rdatas.is_empty() {
        return None;
    }
    let mut lower = [0u8; MAX_NAME_LEN];
    let lower = lower.get_mut(..owner.len())?;
    lower.copy_from_slice(owner);
    lower.make_ascii_lowercase();
    Some(f(&VariantRrset {
        owner: lower,
        rtype,
        ttl,
        rdatas,
    }))
}
