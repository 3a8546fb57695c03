//! DO=1 at a steered name of a zone signed here: the RRSIGs of the steered RRset just written
//! (the picked addresses, the CNAME, or the zone file's fallback records), taken from the
//! zone's variant cache (`dnssec::sign::variants`) and signed there on a miss. The original
//! TTL is the TTL written, lowered or not. [`with_variant`] is also how the signer ahead of
//! the queries (`answer::sign_ahead`) learns the RRset a decision writes.

use crate::dnssec::sign::variant_map::{MAX_KEYED, sort_rdatas};
use crate::dnssec::sign::variants::VariantRrset;
use crate::policy::{Address, Decision, Reason, Service};
use crate::snapshot::signing::ZoneSignatures;
use crate::wire::name::MAX_NAME_LEN;
use crate::wire::rtype;
use crate::wire::writer::{EncodedRecords, NoSpace, Section, Writer};
use crate::zone::RRsetRef;

/// The owner of a steered RRset: its name, and whether it is the question's
/// ([`Writer::owned_by_question`]).
#[derive(Clone, Copy)]
pub struct Owner<'a> {
    pub name: &'a [u8],
    pub at_question: bool,
}

/// Appends the RRSIGs over the RRset the decision wrote at `owner` for `qtype`.
pub fn write_rrsigs(
    w: &mut Writer<'_>,
    signed: &ZoneSignatures,
    service: &Service,
    decision: &Decision,
    owner: Owner<'_>,
    qtype: u16,
    fallback: Option<RRsetRef<'_>>,
) -> Result<(), NoSpace> {
    let Owner {
        name: owner,
        at_question,
    } = owner;
    let now = crate::dnssec::time::now();
    with_variant(service, decision, owner, qtype, fallback, |rrset| {
        signed
            .variants
            .with_rrsigs(&signed.keys, &signed.zone_signers, rrset, now, |records| {
                let mark = w.mark();
                for record in EncodedRecords::new(records) {
                    let written = if at_question {
                        w.record_at_question(Section::Answer, record)
                    } else {
                        w.record(Section::Answer, owner, record)
                    };
                    if let Err(e) = written {
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
/// the CNAME, or the zone file's fallback records, as [`super::steer::write_decision`] writes
/// them), its rdatas borrowed from the service and the zone, sorted; `None` when it writes
/// none (or more records than are signed).
pub fn with_variant<T>(
    service: &Service,
    decision: &Decision,
    owner: &[u8],
    qtype: u16,
    fallback: Option<RRsetRef<'_>>,
    f: impl FnOnce(&VariantRrset<'_>) -> T,
) -> Option<T> {
    let mut rdatas: [&[u8]; MAX_KEYED] = [&[]; MAX_KEYED];
    let mut count = 0;
    let mut rtype = qtype;
    let mut ttl = decision.ttl;
    match decision.reason {
        Reason::NoTargets | Reason::Fallback => {
            for record in EncodedRecords::new(fallback?.encoded()) {
                if count == MAX_KEYED {
                    return None;
                }
                ttl = u32::from_be_bytes([record[4], record[5], record[6], record[7]]);
                rdatas[count] = &record[10..];
                count += 1;
            }
        }
        _ => {
            for &pick in decision.picks() {
                let target = &service.targets[pick as usize];
                match (&target.record, &target.address) {
                    (Some(_), _) if count == MAX_KEYED => return None,
                    (Some(record), _) => {
                        rdatas[count] = &record.bytes()[10..];
                        count += 1;
                    }
                    // A name holds one CNAME and nothing else: only a first pick can be one.
                    (None, Address::Cname(name)) if count == 0 => {
                        rtype = rtype::CNAME;
                        rdatas[0] = name.as_wire();
                        count = 1;
                        break;
                    }
                    (None, _) => continue,
                }
            }
        }
    }
    if count == 0 {
        return None;
    }
    let count = sort_rdatas(&mut rdatas[..count]);
    let mut lower = [0u8; MAX_NAME_LEN];
    let lower = lower.get_mut(..owner.len())?;
    lower.copy_from_slice(owner);
    lower.make_ascii_lowercase();
    Some(f(&VariantRrset {
        owner: lower,
        rtype,
        ttl,
        rdatas: &rdatas[..count],
    }))
}
