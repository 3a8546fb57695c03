//! What answers with DO=1 add to the walk (RFC 4035 §3.1): each RRset written with its RRSIGs
//! as one unit (truncation keeps them together), and the NSEC or NSEC3 records that deny
//! existence (RFC 4035 §3.1.3, RFC 5155 §7.2): NXDOMAIN, NODATA (empty non-terminals, DS at a
//! cut, wildcard NODATA), wildcard answers, and referrals (DS, or its absence proved). The
//! lookups are [`crate::dnssec::denial`]'s, over structures built with the zone; nothing here
//! allocates.

use crate::dnssec::denial;
use crate::wire::rtype;
use crate::wire::writer::{NoSpace, Section, Suffix, Writer};
use crate::zone::{NodeId, NodeRef, RRsetRef, Zone};

/// Writes `set` under `owner`, with its RRSIGs when `dnssec`; all or nothing.
#[inline]
pub(super) fn rrset(
    w: &mut Writer<'_>,
    section: Section,
    owner: &[u8],
    set: RRsetRef<'_>,
    dnssec: bool,
) -> Result<(), NoSpace> {
    if !dnssec {
        return w.rrset(section, owner, set.encoded());
    }
    with_signatures(w, section, owner, set.encoded(), set.signatures())
}

/// Writes pre-encoded records and their signatures under `owner`; all or nothing.
fn with_signatures(
    w: &mut Writer<'_>,
    section: Section,
    owner: &[u8],
    records: &[u8],
    sigs: &[u8],
) -> Result<(), NoSpace> {
    w.rrsets(section, owner, &[records, sigs])
}

/// The SOA of a negative answer with its RRSIGs.
pub(super) fn negative_soa(w: &mut Writer<'_>, zone: &Zone) -> Result<(), NoSpace> {
    let origin = zone.origin().as_wire();
    let sigs = zone.negative_soa_signatures();
    with_signatures(w, Section::Authority, origin, zone.negative_soa(), sigs)
}

/// Where the message holds the zone's origin, which every NSEC and NSEC3 owner ends in: found
/// once per answer for the records of its proof ([`Writer::rrsets_below`]).
fn denial<'z>(w: &mut Writer<'_>, zone: &'z Zone) -> Option<Suffix<'z>> {
    w.suffix(zone.origin().as_wire())
}

/// The NSEC at node `id`, with its RRSIGs (nothing when the node has none).
fn nsec(
    w: &mut Writer<'_>,
    zone: &Zone,
    origin: Option<Suffix<'_>>,
    id: NodeId,
) -> Result<(), NoSpace> {
    ChainRecord::nsec(zone, id).map_or(Ok(()), |r| r.write_below(w, origin))
}

/// The NSEC3 `index` of the chain, with its RRSIGs.
fn nsec3(
    w: &mut Writer<'_>,
    zone: &Zone,
    origin: Option<Suffix<'_>>,
    index: u32,
) -> Result<(), NoSpace> {
    ChainRecord::nsec3(zone, index).write_below(w, origin)
}

/// Writes the NSECs of nodes `ids`, each once.
fn nsecs(w: &mut Writer<'_>, zone: &Zone, ids: &[Option<NodeId>]) -> Result<(), NoSpace> {
    each_once(w, zone, ids, nsec)
}

/// Writes the NSEC3s `indexes`, each once.
fn nsec3s(w: &mut Writer<'_>, zone: &Zone, indexes: &[Option<u32>]) -> Result<(), NoSpace> {
    each_once(w, zone, indexes, nsec3)
}

/// Writes with `write` the chain records `items` (NSEC nodes or NSEC3 indexes), each once.
fn each_once<T: Copy + PartialEq>(
    w: &mut Writer<'_>,
    zone: &Zone,
    items: &[Option<T>],
    write: impl Fn(&mut Writer<'_>, &Zone, Option<Suffix<'_>>, T) -> Result<(), NoSpace>,
) -> Result<(), NoSpace> {
    let origin = denial(w, zone);
    for (i, item) in items.iter().enumerate() {
        if let Some(item) = *item
            && !items[..i].contains(&Some(item))
        {
            write(w, zone, origin, item)?;
        }
    }
    Ok(())
}

/// One record of a proof with its RRSIGs, as the zone holds them: an NSEC3 of the chain or a
/// node's NSEC. The proof about a question name itself is one such record, found before it is
/// written so that it can follow a prepared piece ([`super::prepared::apply_then`]).
#[derive(Clone, Copy)]
pub(crate) struct ChainRecord<'z> {
    /// Owner name (lowercased wire form), a name at or below the zone's origin.
    pub owner: &'z [u8],
    /// The NSEC or NSEC3 record and its RRSIGs, pre-encoded without owner.
    pub sets: [&'z [u8]; 2],
}

impl<'z> ChainRecord<'z> {
    fn nsec3(zone: &'z Zone, index: u32) -> ChainRecord<'z> {
        let n = zone.nsec3(index);
        ChainRecord {
            owner: n.owner,
            sets: [n.encoded, n.signatures],
        }
    }

    fn nsec(zone: &'z Zone, id: NodeId) -> Option<ChainRecord<'z>> {
        let node = zone.node(id);
        let set = node.rrset(rtype::NSEC)?;
        Some(ChainRecord {
            owner: node.name(),
            sets: [set.encoded(), set.signatures()],
        })
    }

    /// Writes it where nothing is known of the message but what the writer's targets say.
    pub(crate) fn write(self, w: &mut Writer<'_>, zone: &Zone) -> Result<(), NoSpace> {
        let origin = denial(w, zone);
        self.write_below(w, origin)
    }

    /// Writes it in AUTHORITY, below `origin` (the zone's, found in the message) when known.
    fn write_below(self, w: &mut Writer<'_>, origin: Option<Suffix<'_>>) -> Result<(), NoSpace> {
        match origin {
            Some(origin) => w.rrsets_below(Section::Authority, self.owner, origin, &self.sets),
            None => w.rrsets(Section::Authority, self.owner, &self.sets),
        }
    }
}

/// NXDOMAIN: the name does not exist, and no wildcard at its closest encloser `encloser` could
/// have answered it. The records of the proof that depend on the encloser alone (prepared at
/// load time for the apex), to be followed by [`nxdomain_record`]: with NSEC3 the closest
/// provable encloser's own NSEC3 and the one covering its wildcard (RFC 5155 §7.2.2), with
/// NSEC the one denying the wildcard (RFC 4035 §3.1.3.2).
pub(crate) fn nxdomain_encloser(
    w: &mut Writer<'_>,
    zone: &Zone,
    encloser: NodeId,
) -> Result<(), NoSpace> {
    if zone.nsec3_params().is_some() {
        let Some((ce, matching)) = denial::provable_encloser(zone, encloser) else {
            return Ok(());
        };
        return nsec3s(w, zone, &[Some(matching), zone.node_wildcard_denial(ce)]);
    }
    nsecs(w, zone, &[zone.node_wildcard_denial(encloser)])
}

/// The rest of an NXDOMAIN proof, after [`nxdomain_encloser`]'s records: the NSEC3 covering
/// the next closer name, or the NSEC covering `name`; `None` when there is none or it is one
/// of those written already.
pub(super) fn nxdomain_record<'z>(
    zone: &'z Zone,
    name: &[u8],
    encloser: NodeId,
) -> Option<ChainRecord<'z>> {
    if zone.nsec3_params().is_some() {
        let (ce, matching) = denial::provable_encloser(zone, encloser)?;
        let covering = denial::next_closer_nsec3(zone, name, ce)?;
        let written = [Some(matching), zone.node_wildcard_denial(ce)];
        return (!written.contains(&Some(covering))).then(|| ChainRecord::nsec3(zone, covering));
    }
    let covering = denial::nsec_for(zone, name)?;
    if zone.node_wildcard_denial(encloser) == Some(covering) {
        return None;
    }
    ChainRecord::nsec(zone, covering)
}

/// NODATA at `node` for `name` (the node's own name, or one `wildcard` synthesised it).
pub(super) fn nodata(
    w: &mut Writer<'_>,
    zone: &Zone,
    node: NodeRef<'_>,
    name: &[u8],
    wildcard: bool,
) -> Result<(), NoSpace> {
    if zone.nsec3_params().is_some() {
        if wildcard {
            // RFC 5155 §7.2.5: the closest encloser proof, and the wildcard's own NSEC3.
            let parent = parent_of_wildcard(zone, node);
            let proof = parent.and_then(|p| denial::closest_encloser_proof(zone, name, p));
            let (matching, next_closer) = proof.map_or((None, None), |(_, m, n)| (Some(m), n));
            return nsec3s(
                w,
                zone,
                &[matching, next_closer, zone.node_nsec3(node.id())],
            );
        }
        if let Some(index) = zone.node_nsec3(node.id()) {
            return nsec3s(w, zone, &[Some(index)]);
        }
        // RFC 5155 §7.2.4: no NSEC3 of its own (DS at an opt-out delegation).
        let proof = denial::closest_encloser_proof(zone, name, node.id());
        let proof = proof.map_or([None, None], |(_, m, n)| [Some(m), n]);
        return nsec3s(w, zone, &proof);
    }
    if wildcard {
        // RFC 4035 §3.1.3.4: no closer match for the name, and the wildcard lacks the type.
        let covering = denial::nsec_for(zone, name);
        let own = node.rrset(rtype::NSEC).map(|_| node.id());
        return nsecs(w, zone, &[covering, own]);
    }
    // The node's own NSEC; for an empty non-terminal, the NSEC covering it.
    if node.rrset(rtype::NSEC).is_some() {
        return nsecs(w, zone, &[Some(node.id())]);
    }
    nsecs(w, zone, &[denial::nsec_for(zone, node.name())])
}

/// A wildcard answered `name` from node `wildcard`: the proof that `name` itself does not
/// exist (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6), one record.
pub(super) fn wildcard_record<'z>(
    zone: &'z Zone,
    name: &[u8],
    wildcard: NodeId,
) -> Option<ChainRecord<'z>> {
    if zone.nsec3_params().is_some() {
        let ce_len = zone.node(wildcard).name().len() - 2;
        let next_closer = denial::next_closer(name, ce_len)?;
        return denial::nsec3_of(zone, next_closer).map(|index| ChainRecord::nsec3(zone, index));
    }
    ChainRecord::nsec(zone, denial::nsec_for(zone, name)?)
}

/// After a referral's NS: the DS with its RRSIGs, or the proof there is none (RFC 4035
/// §3.1.4, RFC 5155 §7.2.7).
pub(super) fn referral(w: &mut Writer<'_>, zone: &Zone, cut: NodeRef<'_>) -> Result<(), NoSpace> {
    if !zone.is_signed() {
        return Ok(());
    }
    if let Some(ds) = cut.rrset(rtype::DS) {
        return rrset(w, Section::Authority, cut.name(), ds, true);
    }
    if zone.nsec3_params().is_some() {
        if let Some(index) = zone.node_nsec3(cut.id()) {
            return nsec3s(w, zone, &[Some(index)]);
        }
        let proof = denial::closest_encloser_proof(zone, cut.name(), cut.id());
        let proof = proof.map_or([None, None], |(_, m, n)| [Some(m), n]);
        return nsec3s(w, zone, &proof);
    }
    nsecs(w, zone, &[Some(cut.id())])
}

/// The node `*.<parent>` is the wildcard of.
fn parent_of_wildcard(zone: &Zone, wildcard: NodeRef<'_>) -> Option<NodeId> {
    let name = wildcard.name();
    zone.find(name.get(2..)?)
}
