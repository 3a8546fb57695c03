//! DNAME substitution (RFC 6672 §3.2): the DNAME goes into the answer with the CNAME
//! synthesised from it, and the walk goes on at the substituted name.

use super::Recorder;
use super::Step;
use super::signed;
use super::walk::Current;
use crate::wire::name::MAX_NAME_LEN;
use crate::wire::rtype;
use crate::wire::writer::{NoSpace, Section, Writer};
use crate::zone::NodeRef;

/// RFC 6672 §3.2 step 3c: the DNAME at `owner` goes into the answer with a CNAME synthesised
/// from it (owner the name being answered, TTL the DNAME's), and the name being answered becomes
/// the CNAME's target, returned lowercased. `None` when the new name would exceed 255 bytes
/// (YXDOMAIN, RFC 6672 §2.2); the DNAME is then answered alone.
pub(super) fn dname<'c>(
    w: &mut Writer<'_>,
    owner: NodeRef<'_>,
    current: &'c mut Current<'_>,
    dnssec: bool,
    recorder: &mut impl Recorder,
) -> Result<Option<&'c [u8]>, NoSpace> {
    let Some(set) = owner.rrset(rtype::DNAME) else {
        return Ok(None);
    };
    signed::rrset(w, Section::Answer, owner.name(), set, dnssec)?;
    let Some(target) = set.rdatas().next() else {
        return Ok(None);
    };
    let prefix = current.written().len() - owner.name().len();
    let len = prefix + target.len();
    if len > MAX_NAME_LEN {
        if recorder.enabled() {
            recorder.step(Step::DnameTooLong { owner });
        }
        return Ok(None);
    }
    let mut record = [0u8; 10 + MAX_NAME_LEN];
    record[0..2].copy_from_slice(&rtype::CNAME.to_be_bytes());
    record[2..4].copy_from_slice(&rtype::CLASS_IN.to_be_bytes());
    record[4..8].copy_from_slice(&set.ttl().to_be_bytes());
    record[8..10].copy_from_slice(&(len as u16).to_be_bytes());
    record[10..10 + prefix].copy_from_slice(&current.written()[..prefix]);
    record[10 + prefix..10 + len].copy_from_slice(target);
    w.record(Section::Answer, current.written(), &record[..10 + len])?;
    let mut next = [0u8; MAX_NAME_LEN];
    next[..len].copy_from_slice(&record[10..10 + len]);
    next[..len].make_ascii_lowercase();
    if recorder.enabled() {
        recorder.step(Step::Dname {
            name: current.lower(),
            owner,
            target: &next[..len],
        });
    }
    current.set(&next[..len]);
    Ok(Some(current.lower()))
}
