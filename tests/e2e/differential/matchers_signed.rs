//! The matchers of the allowed differences that only answers from signed zones show (see
//! `allowed.rs` for the table and the RFC text): RRSIGs going with the RRsets they cover,
//! minimal answers to RRSIG and ANY questions, CNAME chains cut with their signatures,
//! truncated responses, and the proof a wildcard-synthesised NSEC needs.

use super::allowed::Ctx;
use super::compare::{Outcome, set_difference};
use super::corpus::Transport;
use super::matchers::{min_size, responses};
use super::message::{Message, Rr, TC};
use super::truth::Truth;

const RRSIG: u16 = 46;
const NSEC: u16 = 47;
const NSEC3: u16 = 50;
const CNAME: u16 = 5;
const DNAME: u16 = 39;

/// The type an RRSIG record covers.
fn covered(rr: &Rr) -> Option<u16> {
    (rr.rtype == RRSIG).then(|| u16::from_be_bytes([rr.rdata[0], rr.rdata[1]]))
}

/// True when the query asked for DNSSEC records (DO=1).
fn dnssec_ok(ctx: &Ctx<'_>) -> bool {
    ctx.query
        .as_ref()
        .and_then(|q| q.opt.as_ref())
        .is_some_and(|o| o.dnssec_ok)
}

/// The question name, lowercased.
fn qname(ctx: &Ctx<'_>) -> Option<Vec<u8>> {
    let q = ctx.query.as_ref()?.question.first()?;
    Some(q.0.to_ascii_lowercase())
}

/// True when both hold the same records, in any order.
fn same_records(a: &[Rr], b: &[Rr]) -> bool {
    let (x, y) = set_difference(a, b);
    x.is_empty() && y.is_empty()
}

/// True when `records` are one RRset at `owner` with its RRSIGs, or the RRSIG RRset there.
fn one_rrset(records: &[Rr], owner: &[u8]) -> bool {
    let Some(first) = records.first() else {
        return false;
    };
    let key = |rr: &Rr| covered(rr).unwrap_or(rr.rtype);
    records.iter().all(|r| r.owner == owner)
        && (records.iter().all(|r| key(r) == key(first))
            || records.iter().all(|r| r.rtype == RRSIG))
}

/// True when `rr` is a record of the zones (its owner's, or a wildcard's it was synthesised
/// from); TTLs are not compared (negative SOAs and RRSIGs carry lowered ones).
fn zone_data(truth: &Truth, rr: &Rr) -> bool {
    let same = |r: &Rr| r.rtype == rr.rtype && r.rdata.eq_ignore_ascii_case(&rr.rdata);
    let mut name: &[u8] = &rr.owner;
    let mut first = true;
    loop {
        let owner = if first {
            name.to_vec()
        } else {
            [&b"\x01*"[..], name].concat()
        };
        if truth.rrset(&owner, rr.rtype).iter().any(same) {
            return true;
        }
        first = false;
        match super::truth::parent(name) {
            Some(up) if !name.is_empty() => name = up,
            _ => return false,
        }
    }
}

pub(super) fn additional_signatures(
    ctx: &Ctx<'_>,
    ours: &mut Outcome,
    theirs: &mut Outcome,
) -> bool {
    let limit = ctx.limit();
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let (only_a, only_b) = set_difference(&a.additional, &b.additional);
    // An RRSIG on one side only: the other lacks the RRset it covers, or had no room for it.
    let goes = |rr: &Rr, other: &Message| {
        covered(rr).is_some_and(|t| {
            !other
                .additional
                .iter()
                .any(|r| r.owner == rr.owner && r.rtype == t)
                || other.size + min_size(rr) > limit
        })
    };
    let drop_a: Vec<Rr> = only_a.into_iter().filter(|r| goes(r, b)).cloned().collect();
    let drop_b: Vec<Rr> = only_b.into_iter().filter(|r| goes(r, a)).cloned().collect();
    if drop_a.is_empty() && drop_b.is_empty() {
        return false;
    }
    a.additional.retain(|r| !drop_a.contains(r));
    b.additional.retain(|r| !drop_b.contains(r));
    true
}

pub(super) fn additional_space_signed(
    ctx: &Ctx<'_>,
    ours: &mut Outcome,
    theirs: &mut Outcome,
) -> bool {
    if !dnssec_ok(ctx) {
        return false;
    }
    let limit = ctx.limit();
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let (only_ours, only_theirs) = set_difference(&a.additional, &b.additional);
    if only_ours.is_empty() && only_theirs.is_empty() {
        return false;
    }
    // An address RRset left out: with the RRSIGs the zone holds for it, it did not fit. Knot
    // leaves out each that does not fit; we stop at the first.
    let no_room = |m: &Message, rr: &Rr| {
        let sigs: usize = ctx
            .truth
            .rrset(&rr.owner, RRSIG)
            .iter()
            .filter(|s| covered(s) == Some(rr.rtype))
            .map(min_size)
            .sum();
        m.size + min_size(rr) + sigs > limit
    };
    let address = |rr: &&Rr| rr.rtype == 1 || rr.rtype == 28;
    let theirs_left_out = only_ours.iter().all(|rr| address(rr) && no_room(b, rr));
    let ours_stopped = only_theirs.iter().all(address)
        && (only_theirs.is_empty() || only_theirs.iter().any(|rr| no_room(a, rr)));
    if theirs_left_out && ours_stopped {
        let (extra, _) = set_difference(&a.additional, &b.additional);
        let extra: Vec<Rr> = extra.into_iter().cloned().collect();
        a.additional.retain(|r| !extra.contains(r));
        b.additional = a.additional.clone();
        return true;
    }
    false
}

/// True for a CNAME or DNAME of `answer` that the answer follows: a CNAME whose target owns
/// records there, a DNAME with records below it.
fn followed(answer: &[Rr], rr: &Rr) -> bool {
    match rr.rtype {
        CNAME => {
            let target = rr.rdata.to_ascii_lowercase();
            target != rr.owner && answer.iter().any(|r| r.owner == target)
        }
        DNAME => answer.iter().any(|r| r.owner != rr.owner),
        _ => false,
    }
}

/// An answer split into its chain (the CNAMEs and DNAMEs followed, with their RRSIGs) and the
/// records at the chain's end (all of it when there is no chain).
fn split_chain(answer: &[Rr]) -> (Vec<Rr>, Vec<Rr>) {
    let in_chain = |rr: &Rr| {
        let kind = covered(rr).unwrap_or(rr.rtype);
        answer
            .iter()
            .any(|r| r.rtype == kind && r.owner == rr.owner && followed(answer, r))
    };
    answer.iter().cloned().partition(in_chain)
}

pub(super) fn rrsig_query(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    if ctx.qtype() != Some(RRSIG) {
        return false;
    }
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    // Theirs: the chain, if any, then the RRSIGs of one type at its end. Ours: the same chain
    // and every RRSIG there, all records of the zone; or TC where they do not fit, with part of
    // what Knot sent.
    let (chain_b, data_b) = split_chain(&b.answer);
    // Ours, cut short, may hold the start of the chain only.
    let (chain_a, data_a): (Vec<Rr>, Vec<Rr>) =
        a.answer.iter().cloned().partition(|r| chain_b.contains(r));
    let Some(owner) = data_b.first().map(|r| r.owner.clone()) else {
        return false;
    };
    let theirs_one = !b.has(TC)
        && data_b
            .iter()
            .all(|r| r.owner == owner && covered(r) == covered(&data_b[0]));
    let all_zone = data_a
        .iter()
        .all(|r| r.owner == owner && r.rtype == RRSIG && zone_data(ctx.truth, r));
    let complete = same_records(&chain_a, &chain_b)
        && set_difference(&data_b, &data_a).0.is_empty()
        && same_records(&a.authority, &b.authority)
        && same_records(&a.additional, &b.additional);
    let cut_short = a.has(TC)
        && set_difference(&chain_a, &chain_b).0.is_empty()
        && set_difference(&a.authority, &b.authority).0.is_empty()
        && set_difference(&a.additional, &b.additional).0.is_empty();
    if theirs_one && all_zone && (complete || cut_short) && !same_records(&data_a, &data_b) {
        a.answer = b.answer.clone();
        a.authority = b.authority.clone();
        a.additional = b.additional.clone();
        a.flags &= !TC;
        return true;
    }
    false
}

pub(super) fn any_signed(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    if ctx.qtype() != Some(255) {
        return false;
    }
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let (chain_b, data_b) = split_chain(&b.answer);
    let (chain_a, data_a) = split_chain(&a.answer);
    let Some(owner) = data_b.first().map(|r| r.owner.clone()) else {
        return false;
    };
    if !one_rrset(&data_b, &owner)
        || !same_records(&chain_a, &chain_b)
        || same_records(&data_a, &data_b)
    {
        return false;
    }
    let ok = match ctx.case.transport {
        // Over TCP ours holds every RRset of the name, theirs among them.
        Transport::Tcp => {
            set_difference(&data_b, &data_a).0.is_empty() && data_a.iter().all(|r| r.owner == owner)
        }
        // Over UDP each holds one RRset of the name's, each its own choice.
        Transport::Udp => {
            one_rrset(&data_a, &owner)
                && data_a
                    .iter()
                    .chain(&data_b)
                    .all(|r| zone_data(ctx.truth, r))
        }
    };
    if ok {
        a.answer = b.answer.clone();
    }
    ok
}

/// How many CNAMEs Knot follows before it stops.
const KNOT_CNAME_CHAIN: usize = 5;

pub(super) fn cname_chain_cut_signed(
    ctx: &Ctx<'_>,
    ours: &mut Outcome,
    theirs: &mut Outcome,
) -> bool {
    let Some(mut owner) = qname(ctx) else {
        return false;
    };
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    // Theirs: the first five links of our chain with their RRSIGs, nothing else.
    let mut chain = Vec::new();
    while let Some(rr) = a
        .answer
        .iter()
        .find(|r| r.rtype == CNAME && r.owner == owner)
    {
        chain.push(rr.clone());
        chain.extend(
            a.answer
                .iter()
                .filter(|r| r.owner == owner && covered(r) == Some(CNAME))
                .cloned(),
        );
        owner = rr.rdata.to_ascii_lowercase();
        if chain.iter().filter(|r| r.rtype == CNAME).count() == KNOT_CNAME_CHAIN {
            break;
        }
    }
    let links = chain.iter().filter(|r| r.rtype == CNAME).count();
    let cut = links == KNOT_CNAME_CHAIN
        && chain.iter().any(|r| r.rtype == RRSIG)
        && a.answer.len() > chain.len()
        && same_records(&b.answer, &chain)
        && b.authority.is_empty()
        && b.additional.is_empty()
        && b.rcode() == 0
        && !b.has(TC);
    if cut {
        a.answer = chain;
        a.authority.clear();
        a.additional.clear();
        a.flags = (a.flags & !0x000F & !TC) | (b.flags & 0x000F);
    }
    cut
}

pub(super) fn truncated_signed(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    if !dnssec_ok(ctx) {
        return false;
    }
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    if !a.has(TC) || !b.has(TC) || a.rcode() != b.rcode() {
        return false;
    }
    let sections = |m: &Message| {
        m.answer
            .iter()
            .chain(&m.authority)
            .chain(&m.additional)
            .cloned()
            .collect::<Vec<Rr>>()
    };
    let (sa, sb) = (sections(a), sections(b));
    if same_records(&sa, &sb) {
        return false;
    }
    // Whatever each holds is data of the zones, or a CNAME a DNAME there stands for.
    let dname_cname = |m: &Message, rr: &Rr| {
        rr.rtype == CNAME
            && m.answer
                .iter()
                .any(|d| d.rtype == DNAME && is_below(&rr.owner, &d.owner))
    };
    let known = |m: &Message, rr: &Rr| zone_data(ctx.truth, rr) || dname_cname(m, rr);
    if sa.iter().all(|r| known(a, r)) && sb.iter().all(|r| known(b, r)) {
        a.answer = b.answer.clone();
        a.authority = b.authority.clone();
        a.additional = b.additional.clone();
        return true;
    }
    false
}

pub(super) fn wildcard_nsec_proof(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    if ctx.qtype() != Some(NSEC) || !dnssec_ok(ctx) {
        return false;
    }
    let Some(owner) = qname(ctx) else {
        return false;
    };
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    // The answer: an NSEC synthesised from a wildcard (its RRSIG's labels field below the
    // name's label count); ours adds the proof that the name itself does not exist.
    let name_labels = label_count(&owner);
    let synthesised = a
        .answer
        .iter()
        .any(|r| covered(r) == Some(NSEC) && r.rdata.get(3).is_some_and(|&l| l < name_labels));
    let proof_only = a
        .authority
        .iter()
        .all(|r| matches!(r.rtype, NSEC | NSEC3) || matches!(covered(r), Some(NSEC) | Some(NSEC3)));
    if synthesised
        && same_records(&a.answer, &b.answer)
        && b.authority.is_empty()
        && !a.authority.is_empty()
        && proof_only
    {
        a.authority.clear();
        return true;
    }
    false
}

pub(super) fn required_glue_knot_tc(
    ctx: &Ctx<'_>,
    ours: &mut Outcome,
    theirs: &mut Outcome,
) -> bool {
    let limit = ctx.limit();
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    if a.has(TC) || !b.has(TC) {
        return false;
    }
    // The same records, and in ours the glue Knot had no room for.
    let (extra, missing) = set_difference(&a.additional, &b.additional);
    let fits_only_ours = !extra.is_empty()
        && missing.is_empty()
        && extra
            .iter()
            .all(|rr| (rr.rtype == 1 || rr.rtype == 28) && b.size + min_size(rr) > limit)
        && extra.iter().all(|rr| {
            a.authority
                .iter()
                .any(|ns| ns.rtype == 2 && is_below(&rr.owner, &ns.owner))
        });
    if fits_only_ours
        && same_records(&a.answer, &b.answer)
        && same_records(&a.authority, &b.authority)
    {
        a.additional = b.additional.clone();
        a.flags |= TC;
        return true;
    }
    false
}

/// True when `name` is below `cut` (both lowercased wire names).
fn is_below(name: &[u8], cut: &[u8]) -> bool {
    name != cut && super::truth::is_at_or_below(name, cut)
}

/// The number of labels of a wire name, the root not counted (an RRSIG's labels field).
fn label_count(name: &[u8]) -> u8 {
    let mut count = 0;
    let mut at = 0;
    while let Some(&len) = name.get(at).filter(|&&len| len > 0) {
        count += 1;
        at += 1 + usize::from(len);
    }
    count
}
