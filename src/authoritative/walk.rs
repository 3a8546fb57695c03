//! The walk through one zone (RFC 1034 §4.3.2): from the question name, along CNAME and DNAME
//! chains inside the zone, to the node that answers, a wildcard that stands for it (RFC 4592),
//! a zone cut (referral) or no name at all (NXDOMAIN); at the node, the RRset asked for,
//! NODATA, ANY or the steering. With DO=1 the proofs owed for wildcard answers follow.

use super::dname::dname;
use super::prepared::{self, Applied};
use super::sections::{additional, any, negative, referral, signed_nxdomain};
use super::{Recorder, SteerHook, Step, ZoneOutcome, signed};
use crate::wire::name::MAX_NAME_LEN;
use crate::wire::query::flags;
use crate::wire::rtype::{self, rcode};
use crate::wire::writer::{NoSpace, Section, Writer};
use crate::zone::{Lookup, NodeId, NodeRef, RRsetRef, Zone};

/// Longest CNAME chain followed inside a zone.
const MAX_CHAIN: usize = 16;

/// A name being answered: wire bytes as they will be written and the lowercased form used for
/// lookups. The query name is borrowed (written with the client's case); a name reached through
/// a CNAME or DNAME is lowercased into `chased` (written as stored in the zone). The buffer is
/// only initialised when a chain is followed, so the common answer neither zeroes nor moves it.
pub(super) struct Current<'q> {
    query: &'q [u8],
    query_lower: &'q [u8],
    chased: Option<([u8; MAX_NAME_LEN], usize)>,
}

impl Current<'_> {
    pub(super) fn set(&mut self, name: &[u8]) {
        let len = name.len().min(MAX_NAME_LEN);
        let (buf, chased_len) = self.chased.get_or_insert(([0; MAX_NAME_LEN], 0));
        buf[..len].copy_from_slice(&name[..len]);
        buf[..len].make_ascii_lowercase();
        *chased_len = len;
    }

    pub(super) fn written(&self) -> &[u8] {
        match &self.chased {
            Some((buf, len)) => &buf[..*len],
            None => self.query,
        }
    }

    pub(super) fn lower(&self) -> &[u8] {
        match &self.chased {
            Some((buf, len)) => &buf[..*len],
            None => self.query_lower,
        }
    }
}

/// Writes the answer for `qname`/`qtype` from `zone` into the writer (header and question are
/// already written). `qname_lower` is `qname` lowercased. `udp` selects minimal ANY responses;
/// `dnssec` (the query's DO bit) adds RRSIGs and the NSEC/NSEC3 proofs of a signed zone.
/// Each step is handed to `recorder`; a recorder that is enabled also walks where the query
/// path copies a prepared answer (the same bytes, see [`prepared`](super::prepared)), so the trace has steps.
#[allow(clippy::too_many_arguments)]
pub fn answer<R: Recorder>(
    w: &mut Writer<'_>,
    zone: &Zone,
    qname: &[u8],
    qname_lower: &[u8],
    qtype: u16,
    udp: bool,
    dnssec: bool,
    steer: &mut SteerHook<'_, R>,
    recorder: &mut R,
) -> ZoneOutcome {
    let mut walk = Walk {
        zone,
        qtype,
        udp,
        dnssec: dnssec && zone.is_signed(),
        wildcard: false,
        wildcard_proofs: [None; 2],
        out: ZoneOutcome {
            rcode: rcode::NOERROR,
            authoritative: true,
            truncated: false,
            steered: false,
        },
        visited: [0; MAX_CHAIN],
        hops: 0,
    };
    let mut current = Current {
        query: qname,
        query_lower: qname_lower,
        chased: None,
    };
    let mut written = walk.run(w, &mut current, steer, recorder);
    if walk.dnssec && written.is_ok() {
        written = walk.prove_wildcards(w);
    }
    if written.is_err() {
        walk.out.truncated = true;
        w.set_flags(w.flags() | flags::TC);
        if recorder.enabled() {
            recorder.step(Step::Truncated);
        }
    }
    walk.out
}

/// After a step of the walk: the answer is written, or a CNAME or DNAME led to another name.
enum Next {
    Done,
    Chase,
}

/// The walk through one zone, from the question name along CNAME and DNAME chains.
struct Walk<'z> {
    zone: &'z Zone,
    qtype: u16,
    udp: bool,
    /// DO=1 in a signed zone: RRSIGs and denial of existence.
    dnssec: bool,
    /// The node being answered was found through a wildcard.
    wildcard: bool,
    /// Names a wildcard answered (with the wildcard node): their proofs of non-existence go
    /// into the authority section once the answer is written.
    wildcard_proofs: [Option<(NodeId, u8, [u8; MAX_NAME_LEN])>; 2],
    out: ZoneOutcome,
    /// The nodes whose CNAME or DNAME the chain followed, to stop at a loop.
    visited: [NodeId; MAX_CHAIN],
    hops: usize,
}

impl<'z> Walk<'z> {
    /// Looks up the current name and writes what answers it, until the chain ends.
    #[inline]
    fn run<R: Recorder>(
        &mut self,
        w: &mut Writer<'_>,
        current: &mut Current<'_>,
        steer: &mut SteerHook<'_, R>,
        recorder: &mut R,
    ) -> Result<(), NoSpace> {
        let zone = self.zone;
        loop {
            let lookup = zone.lookup(current.lower());
            let node = match lookup {
                Lookup::Found(id) | Lookup::Wildcard(id) => {
                    // The common case: an answer prepared at load time for this node (with
                    // DO=1, one of the signed set), or with DO=1 a plain answer written from
                    // the zone's bytes. A wildcard's was written for the wildcard's own,
                    // shorter name; with DO=1 the proof that the question name does not exist
                    // follows it.
                    if self.hops == 0 && !recorder.enabled() {
                        if self.dnssec
                            && matches!(lookup, Lookup::Found(_))
                            && w.question_only().is_some()
                            && let Some(set) = prepared::plain_rrset(zone.node(id), self.qtype)
                            && w.records_at_question(
                                Section::Answer,
                                &[set.encoded(), set.signatures()],
                            )
                            .is_ok()
                        {
                            return Ok(());
                        }
                        if let Some(prepared) = prepared::find(zone, id, self.qtype, self.dnssec) {
                            let proof = self.dnssec && matches!(lookup, Lookup::Wildcard(_));
                            if !proof && prepared::apply(w, &prepared) {
                                return Ok(());
                            }
                            if proof {
                                let record = signed::wildcard_record(zone, current.lower(), id);
                                match prepared::apply_then(w, zone, &prepared, record) {
                                    Applied::Done(written) => return written,
                                    Applied::Open => {
                                        return record.map_or(Ok(()), |r| r.write(w, zone));
                                    }
                                    Applied::No => {}
                                }
                            }
                        }
                    }
                    let node = zone.node(id);
                    self.wildcard = matches!(lookup, Lookup::Wildcard(_));
                    if recorder.enabled() && self.wildcard {
                        recorder.step(Step::Wildcard { node });
                    }
                    node
                }
                Lookup::BelowCut(cut) => {
                    // Cleared before writing: a referral cut short by TC is still no answer.
                    if self.hops == 0 {
                        self.out.authoritative = false;
                    }
                    let cut = zone.node(cut);
                    if recorder.enabled() {
                        recorder.step(Step::BelowCut { cut });
                    }
                    return referral(w, zone, cut, self.dnssec);
                }
                // An NSEC3 owner name is no name of the zone's tree: NXDOMAIN (RFC 5155
                // §7.2.8 with erratum 4622), its NSEC3 only ever proves other names.
                Lookup::NxDomain(encloser) => {
                    self.out.rcode = rcode::NXDOMAIN;
                    if recorder.enabled() {
                        recorder.step(Step::NxDomain {
                            name: current.lower(),
                        });
                    }
                    if self.dnssec {
                        return signed_nxdomain(w, zone, current.lower(), encloser);
                    }
                    return negative(w, zone, false);
                }
                Lookup::Dname(owner) => {
                    match self.follow_dname(w, zone.node(owner), current, recorder)? {
                        Next::Chase => continue,
                        Next::Done => return Ok(()),
                    }
                }
            };
            match self.at_node(w, node, current, steer, recorder)? {
                Next::Chase => continue,
                Next::Done => return Ok(()),
            }
        }
    }

    /// Whether the chain already went through `id`: a loop.
    #[inline]
    fn seen(&self, id: NodeId) -> bool {
        self.visited[..self.hops].contains(&id)
    }

    /// The chain goes on to `target` (lowercased) unless it leaves the zone or grows too long.
    fn goes_on<R: Recorder>(&self, target: &[u8], recorder: &mut R) -> Next {
        if !crate::wire::name::is_subdomain(target, self.zone.origin().as_wire()) {
            if recorder.enabled() {
                recorder.step(Step::OutsideZone { target });
            }
            return Next::Done;
        }
        if self.hops == MAX_CHAIN {
            if recorder.enabled() {
                recorder.step(Step::ChainTooLong);
            }
            return Next::Done;
        }
        Next::Chase
    }

    /// The name is below the DNAME at `owner`: the DNAME and its synthesised CNAME are
    /// written, and the chain goes on at the new name.
    fn follow_dname<R: Recorder>(
        &mut self,
        w: &mut Writer<'_>,
        owner: NodeRef<'_>,
        current: &mut Current<'_>,
        recorder: &mut R,
    ) -> Result<Next, NoSpace> {
        if self.seen(owner.id()) {
            if recorder.enabled() {
                recorder.step(Step::Loop { name: owner.name() });
            }
            return Ok(Next::Done);
        }
        let Some(target) = dname(w, owner, current, self.dnssec, recorder)? else {
            self.out.rcode = rcode::YXDOMAIN;
            return Ok(Next::Done);
        };
        self.visited[self.hops] = owner.id();
        self.hops += 1;
        // A CNAME question is answered by the synthesised CNAME itself.
        if self.qtype == rtype::CNAME {
            return Ok(Next::Done);
        }
        Ok(self.goes_on(target, recorder))
    }

    /// What answers at `node`, the name found: a referral, the steering, a CNAME to follow,
    /// ANY, the RRset asked for, or NODATA.
    #[inline]
    fn at_node<R: Recorder>(
        &mut self,
        w: &mut Writer<'_>,
        node: NodeRef<'z>,
        current: &mut Current<'_>,
        steer: &mut SteerHook<'_, R>,
        recorder: &mut R,
    ) -> Result<Next, NoSpace> {
        let (zone, qtype) = (self.zone, self.qtype);
        if self.seen(node.id()) {
            // A CNAME loop: the answer holds the chain up to here.
            if recorder.enabled() {
                recorder.step(Step::Loop { name: node.name() });
            }
            return Ok(Next::Done);
        }
        if node.is_delegation() && !(qtype == rtype::DS && self.hops == 0) {
            if self.hops == 0 {
                self.out.authoritative = false;
            }
            if recorder.enabled() {
                recorder.step(Step::Delegation { node });
            }
            return referral(w, zone, node, self.dnssec).map(|()| Next::Done);
        }
        if let Some(service) = node.service() {
            if qtype == rtype::A || qtype == rtype::AAAA {
                self.out.steered = true;
                if !steer(w, service, current.written(), node, recorder)? {
                    self.nodata(w, node, current)?;
                }
                return Ok(Next::Done);
            }
            if recorder.enabled() {
                recorder.step(Step::NotSteered { qtype });
            }
        }
        // RFC 4035 §2.5: RRSIG and NSEC sit beside a CNAME and answer from its owner.
        if !matches!(
            qtype,
            rtype::CNAME | rtype::ANY | rtype::RRSIG | rtype::NSEC
        ) && let Some(cname) = node.rrset(rtype::CNAME)
        {
            return self.follow_cname(w, node, cname, current, recorder);
        }
        if qtype == rtype::ANY {
            if recorder.enabled() {
                recorder.step(Step::Any {
                    node,
                    udp: self.udp,
                });
            }
            any(w, zone, node, current.written(), self.udp, self.dnssec)?;
            self.synthesised(node, current);
            return Ok(Next::Done);
        }
        match node.rrset(qtype) {
            Some(set) => {
                if recorder.enabled() {
                    recorder.step(Step::Answer { zone, node, set });
                }
                signed::rrset(w, Section::Answer, current.written(), set, self.dnssec)?;
                self.synthesised(node, current);
                // The AUTHORITY section comes before the ADDITIONAL one.
                self.prove_wildcards(w)?;
                additional(w, zone, set.additional(), self.dnssec);
            }
            None => {
                if recorder.enabled() {
                    recorder.step(Step::NoData { node, qtype });
                }
                self.nodata(w, node, current)?;
            }
        }
        Ok(Next::Done)
    }

    /// NODATA at `node`: the SOA, and with DO=1 the proof.
    fn nodata(
        &self,
        w: &mut Writer<'_>,
        node: NodeRef<'_>,
        current: &Current<'_>,
    ) -> Result<(), NoSpace> {
        if self.dnssec {
            // At the question name itself, the node's NODATA prepared at load time.
            if self.hops == 0
                && !self.wildcard
                && let Some(prepared) = prepared::nodata(self.zone, node.id())
                && prepared::apply(w, &prepared)
            {
                return Ok(());
            }
            negative(w, self.zone, true)?;
            return signed::nodata(w, self.zone, node, current.lower(), self.wildcard);
        }
        negative(w, self.zone, false)
    }

    /// With DO=1, when a wildcard answered the current name: its proof is owed.
    fn synthesised(&mut self, node: NodeRef<'_>, current: &Current<'_>) {
        if !(self.dnssec && self.wildcard) {
            return;
        }
        let name = current.lower();
        if let Some(slot) = self.wildcard_proofs.iter_mut().find(|p| p.is_none()) {
            let mut buf = [0u8; MAX_NAME_LEN];
            buf[..name.len()].copy_from_slice(name);
            *slot = Some((node.id(), name.len() as u8, buf));
        }
    }

    /// The proofs owed for names answered from wildcards, each written once.
    fn prove_wildcards(&mut self, w: &mut Writer<'_>) -> Result<(), NoSpace> {
        for proof in &mut self.wildcard_proofs {
            // Not `take()`: that would move the name buffer out of every slot, empty or not.
            let Some((wildcard, len, name)) = proof else {
                continue;
            };
            let record = signed::wildcard_record(self.zone, &name[..usize::from(*len)], *wildcard);
            *proof = None;
            if let Some(record) = record {
                record.write(w, self.zone)?;
            }
        }
        Ok(())
    }

    /// `node` is an alias: its CNAME is written and the chain goes on at the target.
    fn follow_cname<R: Recorder>(
        &mut self,
        w: &mut Writer<'_>,
        node: NodeRef<'_>,
        cname: RRsetRef<'_>,
        current: &mut Current<'_>,
        recorder: &mut R,
    ) -> Result<Next, NoSpace> {
        signed::rrset(w, Section::Answer, current.written(), cname, self.dnssec)?;
        self.synthesised(node, current);
        let Some(target) = cname.rdatas().next() else {
            return Ok(Next::Done);
        };
        if recorder.enabled() {
            recorder.step(Step::Cname {
                name: current.lower(),
                target,
            });
        }
        self.visited[self.hops] = node.id();
        self.hops += 1;
        let mut target_lower = [0u8; MAX_NAME_LEN];
        let len = target.len().min(MAX_NAME_LEN);
        target_lower[..len].copy_from_slice(&target[..len]);
        target_lower[..len].make_ascii_lowercase();
        let target_lower = &target_lower[..len];
        let next = self.goes_on(target_lower, recorder);
        if let Next::Chase = next {
            // Written lowercased from here on: the target as stored in the zone.
            current.set(target_lower);
        }
        Ok(next)
    }
}
