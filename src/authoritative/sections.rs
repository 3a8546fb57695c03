//! What the walk writes beside the records it follows: the SOA of negative answers (RFC 2308),
//! ANY (RFC 8482), referrals with their glue (RFC 9471) and the additional addresses of NS, MX
//! and SRV targets; with DO=1, each with its RRSIGs.

use super::prepared::{self, Applied};
use super::signed;
use crate::wire::rtype;
use crate::wire::writer::{NoSpace, Section, Writer};
use crate::zone::{NodeId, NodeRef, Zone};

/// The SOA in AUTHORITY for NXDOMAIN and NODATA (with its RRSIGs when `dnssec`).
pub(crate) fn negative(w: &mut Writer<'_>, zone: &Zone, dnssec: bool) -> Result<(), NoSpace> {
    if dnssec {
        // Proofs follow: names written next compress as after the general path.
        if let Some(prepared) = prepared::negative(zone, true)
            && prepared::apply_open(w, zone, &prepared)
        {
            return Ok(());
        }
        return signed::negative_soa(w, zone);
    }
    if let Some(prepared) = prepared::negative(zone, false)
        && prepared::apply(w, &prepared)
    {
        return Ok(());
    }
    w.record(
        Section::Authority,
        zone.origin().as_wire(),
        zone.negative_soa(),
    )
}

/// The authority section of an NXDOMAIN for `name` with DO=1 (the negative SOA, then the
/// proof, RFC 4035 §3.1.3.2, RFC 5155 §7.2.2), `encloser` its closest encloser. At the apex,
/// the common case, the part that does not depend on the name is copied as prepared.
pub(super) fn signed_nxdomain(
    w: &mut Writer<'_>,
    zone: &Zone,
    name: &[u8],
    encloser: NodeId,
) -> Result<(), NoSpace> {
    let record = signed::nxdomain_record(zone, name, encloser);
    if encloser == zone.apex().id()
        && let Some(prepared) = prepared::nxdomain_at_apex(zone)
    {
        match prepared::apply_then(w, zone, &prepared, record) {
            Applied::Done(written) => return written,
            Applied::Open => return record.map_or(Ok(()), |r| r.write(w, zone)),
            Applied::No => {}
        }
    }
    negative(w, zone, true)?;
    signed::nxdomain_encloser(w, zone, encloser)?;
    record.map_or(Ok(()), |r| r.write(w, zone))
}

/// ANY: every RRset over TCP; over UDP one RRset (RFC 8482 §4.2). With DO=1 each comes with
/// its RRSIGs, which are not an RRset of their own then.
pub(super) fn any(
    w: &mut Writer<'_>,
    zone: &Zone,
    node: NodeRef<'_>,
    owner: &[u8],
    udp: bool,
    dnssec: bool,
) -> Result<(), NoSpace> {
    let mut wrote = false;
    for set in node.rrsets() {
        if dnssec && set.rtype() == rtype::RRSIG {
            continue;
        }
        signed::rrset(w, Section::Answer, owner, set, dnssec)?;
        wrote = true;
        if udp {
            break;
        }
    }
    if !wrote {
        negative(w, zone, dnssec)?;
        if dnssec {
            signed::nodata(w, zone, node, owner, false)?;
        }
    }
    Ok(())
}

/// A referral to the zone cut at `cut`: NS in AUTHORITY, glue in ADDITIONAL. Glue for name
/// servers inside the delegated zone is required (RFC 9471): when it does not fit the response
/// is truncated; other addresses are left out silently, and the glue after them still tried.
/// With `dnssec`, the DS and its RRSIGs follow the NS, or the proof that there is no DS.
pub(crate) fn referral(
    w: &mut Writer<'_>,
    zone: &Zone,
    cut: NodeRef<'_>,
    dnssec: bool,
) -> Result<(), NoSpace> {
    if let Some(prepared) = prepared::referral(zone, cut.id(), dnssec)
        && prepared::apply(w, &prepared)
    {
        return Ok(());
    }
    let Some(ns) = cut.rrset(rtype::NS) else {
        return negative(w, zone, dnssec);
    };
    w.rrset(Section::Authority, cut.name(), ns.encoded())?;
    if dnssec {
        signed::referral(w, zone, cut)?;
    }
    // Glue has no signatures; addresses the zone holds with authority carry theirs
    // (RFC 4035 §3.1.1).
    for &target in ns.additional() {
        let node = zone.node(target);
        let required = crate::wire::name::is_subdomain(node.name(), cut.name());
        for rtype in [rtype::A, rtype::AAAA] {
            if let Some(set) = node.rrset(rtype)
                && signed::rrset(w, Section::Additional, node.name(), set, dnssec).is_err()
            {
                if required {
                    return Err(NoSpace);
                }
                break;
            }
        }
    }
    Ok(())
}

/// A/AAAA of in-zone targets of NS, MX and SRV (with their RRSIGs when `dnssec`); left out
/// silently when they do not fit.
pub(super) fn additional(w: &mut Writer<'_>, zone: &Zone, targets: &[NodeId], dnssec: bool) {
    for &target in targets {
        let node = zone.node(target);
        for rtype in [rtype::A, rtype::AAAA] {
            if let Some(set) = node.rrset(rtype)
                && signed::rrset(w, Section::Additional, node.name(), set, dnssec).is_err()
            {
                return;
            }
        }
    }
}
