//! The matchers of the allowed differences (see `allowed.rs` for the table and the RFC text):
//! each recognises exactly one difference between our response and Knot's, and rewrites one
//! side so that it is gone.

use super::allowed::Ctx;
use super::compare::{Outcome, set_difference};
use super::corpus::Transport;
use super::message::{AA, CD, Message, Rr, TC, rdata_names_lowercased};

/// Both responses, when both are.
pub(super) fn responses<'a>(
    ours: &'a mut Outcome,
    theirs: &'a mut Outcome,
) -> Option<(&'a mut Message, &'a mut Message)> {
    match (ours, theirs) {
        (Outcome::Response(a), Outcome::Response(b)) => Some((a, b)),
        _ => None,
    }
}

/// Sets `theirs` to `ours` when `ok` holds (the whole response differs as the entry says); with
/// `keep_opt` the OPT records are still compared.
fn take_ours(ok: bool, keep_opt: bool, ours: &Outcome, theirs: &mut Outcome) -> bool {
    if !ok || ours == theirs {
        return false;
    }
    let opt = theirs.message().and_then(|m| m.opt.clone());
    *theirs = ours.clone();
    if keep_opt && let Outcome::Response(m) = theirs {
        m.opt = opt;
    }
    true
}

/// True for a response that carries the question and no records (OPT aside).
fn bare(m: &Message, rcode: u16) -> bool {
    m.rcode() == rcode && m.answer.is_empty() && m.authority.is_empty() && m.additional.is_empty()
}

pub(super) fn rdata_name_case(_: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let mut changed = false;
    for m in [a, b] {
        for rr in m
            .answer
            .iter_mut()
            .chain(&mut m.authority)
            .chain(&mut m.additional)
        {
            let lower = rdata_names_lowercased(rr.rtype, &rr.rdata);
            if lower != rr.rdata {
                rr.rdata = lower;
                changed = true;
            }
        }
    }
    changed
}

/// How many CNAMEs Knot follows before it stops.
const KNOT_CNAME_CHAIN: usize = 5;

pub(super) fn cname_chain_cut(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let Some(qname) = ctx.query.as_ref().and_then(|q| q.question.first()) else {
        return false;
    };
    // Theirs: exactly the first five links of the chain from the query name, nothing else.
    let mut owner = qname.0.to_ascii_lowercase();
    let mut chain = Vec::new();
    while let Some(rr) = a.answer.iter().find(|r| r.rtype == 5 && r.owner == owner) {
        chain.push(rr.clone());
        owner = rr.rdata.to_ascii_lowercase();
        if chain.len() == KNOT_CNAME_CHAIN {
            break;
        }
    }
    let cut = chain.len() == KNOT_CNAME_CHAIN
        && a.answer.len() > KNOT_CNAME_CHAIN
        && b.answer.len() == KNOT_CNAME_CHAIN
        && set_difference(&b.answer, &chain).0.is_empty()
        && b.authority.is_empty()
        && b.additional.is_empty()
        && b.rcode() == 0;
    if cut {
        a.answer = chain;
        a.authority.clear();
        a.additional.clear();
        a.flags = (a.flags & !0x000F) | (b.flags & 0x000F);
    }
    cut
}

pub(super) fn any_over_tcp(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    if ctx.qtype() != Some(255) || ctx.case.transport != Transport::Tcp {
        return false;
    }
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    // Theirs: the same CNAME/DNAME chain, if any, then one whole RRset at its end, which ours
    // holds among the other RRsets at that name.
    let (_, missing) = set_difference(&a.answer, &b.answer);
    let data: Vec<&Rr> = b
        .answer
        .iter()
        .filter(|r| r.rtype != 5 && r.rtype != 39)
        .collect();
    let Some(first) = data.first() else {
        return false;
    };
    let one_rrset = data
        .iter()
        .all(|r| r.owner == first.owner && r.rtype == first.rtype);
    let (extra, _) = set_difference(&a.answer, &b.answer);
    let same_owner = extra.iter().all(|r| r.owner == first.owner);
    if one_rrset && same_owner && missing.is_empty() && !extra.is_empty() {
        a.answer = b.answer.clone();
        return true;
    }
    false
}

/// True for an A/AAAA record that holds addresses of the target of an NS, MX, SRV, SVCB or
/// HTTPS record in `m`'s answer.
fn is_target_address(m: &Message, rr: &Rr) -> bool {
    (rr.rtype == 1 || rr.rtype == 28)
        && m.answer.iter().any(|r| {
            let target = match r.rtype {
                2 => r.rdata.get(..),
                15 | 64 | 65 => r.rdata.get(2..),
                33 => r.rdata.get(6..),
                _ => None,
            };
            let name = target.and_then(|t| Some(&t[..switchyard::wire::name::wire_name_len(t)?]));
            name.is_some_and(|t| t.eq_ignore_ascii_case(&rr.owner))
        })
}

/// True for an address of the owner of a ServiceMode SVCB/HTTPS record with target "." in the
/// answer (RFC 9460 §2.5.2: the owner is then the effective TargetName).
fn is_service_owner_address(m: &Message, rr: &Rr) -> bool {
    (rr.rtype == 1 || rr.rtype == 28)
        && m.answer.iter().any(|r| {
            matches!(r.rtype, 64 | 65)
                && r.rdata.get(..2) != Some(&[0, 0])
                && r.rdata.get(2) == Some(&0)
                && r.owner == rr.owner
        })
}

pub(super) fn optional_additional(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let (only_ours, only_theirs) = set_difference(&a.additional, &b.additional);
    if only_ours.is_empty() && only_theirs.is_empty() {
        return false;
    }
    let any = ctx.qtype() == Some(255);
    let theirs_extra = |rr: &Rr| {
        is_target_address(b, rr)
            && (any || ctx.truth.types_at(&rr.owner).is_empty())
            && ctx.truth.zone_of(&rr.owner).is_some()
    };
    let ours_extra = |rr: &Rr| is_service_owner_address(a, rr);
    if only_theirs.iter().all(|r| theirs_extra(r)) && only_ours.iter().all(|r| ours_extra(r)) {
        let common = intersection(&a.additional, &b.additional);
        a.additional = common.clone();
        b.additional = common;
        return true;
    }
    false
}

/// Smallest size a record can add to a message: a compressed owner, the fixed part, its rdata.
pub(super) fn min_size(rr: &Rr) -> usize {
    2 + 10 + rr.rdata.len()
}

pub(super) fn additional_space(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let limit = ctx.limit();
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let (only_ours, only_theirs) = set_difference(&a.additional, &b.additional);
    if only_ours.is_empty() && only_theirs.is_empty() {
        return false;
    }
    let did_not_fit = |m: &Message, missing: &[&Rr]| {
        missing
            .iter()
            .all(|rr| (rr.rtype == 1 || rr.rtype == 28) && m.size + min_size(rr) > limit)
    };
    if did_not_fit(b, &only_ours) && did_not_fit(a, &only_theirs) {
        let common = intersection(&a.additional, &b.additional);
        a.additional = common.clone();
        b.additional = common;
        return true;
    }
    false
}

/// Records in both lists.
fn intersection(a: &[Rr], b: &[Rr]) -> Vec<Rr> {
    let (only_a, _) = set_difference(a, b);
    let mut out = a.to_vec();
    for rr in only_a {
        if let Some(i) = out.iter().position(|r| r == rr) {
            out.remove(i);
        }
    }
    out
}

pub(super) fn truncated_additional(
    ctx: &Ctx<'_>,
    ours: &mut Outcome,
    theirs: &mut Outcome,
) -> bool {
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    if !a.has(TC) || !b.has(TC) || a.additional == b.additional {
        return false;
    }
    // Each side's additional records are whole address RRsets of the zone.
    let whole = |m: &Message| {
        m.additional.iter().all(|rr| {
            let set = ctx.truth.rrset(&rr.owner, rr.rtype);
            (rr.rtype == 1 || rr.rtype == 28)
                && !set.is_empty()
                && set_difference(&set, &m.additional).0.is_empty()
        })
    };
    if whole(a) && whole(b) {
        let common = intersection(&a.additional, &b.additional);
        a.additional = common.clone();
        b.additional = common;
        return true;
    }
    false
}

pub(super) fn badvers_without_nsid(
    ctx: &Ctx<'_>,
    ours: &mut Outcome,
    theirs: &mut Outcome,
) -> bool {
    if ctx.options(3).is_empty() {
        return false;
    }
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let ours_has = a
        .opt
        .as_ref()
        .is_some_and(|o| o.options.iter().any(|o| o.0 == 3));
    let badvers = a.rcode() == 16 && b.rcode() == 16;
    match b.opt.as_mut() {
        Some(opt) if badvers && !ours_has => {
            let before = opt.options.len();
            opt.options.retain(|o| o.0 != 3);
            before != opt.options.len()
        }
        _ => false,
    }
}

/// An ECS option that breaks RFC 7871 §6.
fn ecs_malformed(data: &[u8]) -> bool {
    let [f0, f1, source, scope, address @ ..] = data else {
        return true;
    };
    let max = match u16::from_be_bytes([*f0, *f1]) {
        0 => 0,
        1 => 32,
        2 => 128,
        _ => return true,
    };
    let needed = usize::from(*source).div_ceil(8);
    if *source > max || *scope != 0 || address.len() != needed {
        return true;
    }
    let spare = needed * 8 - usize::from(*source);
    spare > 0 && address[needed - 1] & ((1u8 << spare) - 1) != 0
}

pub(super) fn malformed_ecs(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let ecs = ctx.options(8);
    let malformed = ecs.len() > 1 || ecs.iter().any(|d| ecs_malformed(d));
    let ok = malformed
        && ours.message().is_some_and(|m| {
            bare(m, 1)
                && m.question.len() == 1
                && m.opt.as_ref().is_some_and(|o| {
                    // Two ECS options are refused while the OPT record is read, before the
                    // EDE could be chosen.
                    let ede = (15, b"\0\0malformed ECS option".to_vec());
                    o.options == [ede] || (ecs.len() > 1 && o.options.is_empty())
                })
        });
    take_ours(ok, false, ours, theirs)
}

pub(super) fn cd_copied(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    if ctx.query_flags() & CD != 0 && a.has(CD) && !b.has(CD) {
        a.flags &= !CD;
        return true;
    }
    false
}

pub(super) fn chaos_aa(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    if ctx.qclass() == Some(3) && a.rcode() == 0 && a.has(AA) && !b.has(AA) && a.answer == b.answer
    {
        a.flags &= !AA;
        return true;
    }
    false
}

/// CH TXT for a name in one of our zones, asked from a `trace_from` network: our decision trace
/// (TXT records of class CH, TTL 0) where Knot refuses.
pub(super) fn chaos_trace(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let trace = ctx.qclass() == Some(3)
        && ctx.qtype() == Some(16)
        && a.rcode() == 0
        && a.has(AA)
        && !a.answer.is_empty()
        && a.answer
            .iter()
            .all(|r| r.rtype == 16 && r.class == 3 && r.ttl == 0)
        && a.authority.is_empty()
        && a.additional.is_empty()
        && bare(b, 5)
        && a.question == b.question;
    if trace {
        a.answer.clear();
        a.flags = b.flags;
        return true;
    }
    false
}

pub(super) fn formerr_not_silence(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    // Only for packets without exactly one readable question.
    let malformed = ctx.query.as_ref().is_none_or(|q| q.question.len() != 1);
    let ok = malformed && *theirs == Outcome::Silence && ours.message().is_some_and(|m| bare(m, 1));
    take_ours(ok, false, ours, theirs)
}

pub(super) fn transfer_refused(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let transfer = matches!(ctx.qtype(), Some(251 | 252));
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    if transfer && bare(a, 5) && (bare(b, 9) || bare(b, 4)) && a.question == b.question {
        b.flags = (b.flags & !0x000F) | (a.flags & 0x000F);
        return true;
    }
    false
}

pub(super) fn class_any_refused(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let ok = ctx.qclass() == Some(255) && ours.message().is_some_and(|m| bare(m, 5));
    take_ours(ok, true, ours, theirs)
}

pub(super) fn meta_qtype(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let ok = matches!(ctx.qtype(), Some(41 | 249 | 250))
        && ours
            .message()
            .is_some_and(|m| bare(m, 1) && m.question.len() == 1);
    take_ours(ok, true, ours, theirs)
}

pub(super) fn qtype_zero(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let ok = ctx.qtype() == Some(0)
        && theirs.message().is_some_and(|m| bare(m, 4))
        && ours
            .message()
            .is_some_and(|m| m.answer.is_empty() && m.has(AA));
    take_ours(ok, true, ours, theirs)
}

pub(super) fn other_opcode(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let ok = ctx.opcode() != 0
        && ours
            .message()
            .is_some_and(|m| bare(m, 4) && m.question.is_empty())
        && theirs
            .message()
            .is_some_and(|m| m.answer.is_empty() && m.opcode() == ctx.opcode());
    take_ours(ok, true, ours, theirs)
}

pub(super) fn records_in_query(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let counts = &ctx.case.packet;
    let records = counts.len() >= 12 && (counts[6..10].iter().any(|&b| b != 0));
    let ixfr = ctx.qtype() == Some(251) && counts[6..8] == [0, 0] && counts[8..10] == [0, 1];
    let ok = records
        && !ixfr
        && ctx.opcode() == 0
        && ours
            .message()
            .is_some_and(|m| bare(m, 1) && m.question.len() == 1);
    take_ours(ok, true, ours, theirs)
}

pub(super) fn malformed_opt(ctx: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let bad = match Message::decode(&ctx.case.packet) {
        Ok(query) => query.opt_count > 1,
        Err(why) => why.contains("OPT"),
    };
    let ok = bad
        && ours.message().is_some_and(|m| {
            bare(m, 1)
                && m.question.len() == 1
                && m.opt.as_ref().is_some_and(|o| o.options.is_empty())
        });
    take_ours(ok, false, ours, theirs)
}

pub(super) fn dname_yxdomain(_: &Ctx<'_>, ours: &mut Outcome, theirs: &mut Outcome) -> bool {
    let Some((a, b)) = responses(ours, theirs) else {
        return false;
    };
    let dname_only = |m: &Message| m.answer.len() == 1 && m.answer[0].rtype == 39;
    let soa_only = |m: &Message| m.authority.len() == 1 && m.authority[0].rtype == 6;
    if a.rcode() == 6
        && b.rcode() == 3
        && dname_only(a)
        && a.answer == b.answer
        && a.authority.is_empty()
        && soa_only(b)
    {
        b.authority.clear();
        b.flags = (b.flags & !0x000F) | 6;
        return true;
    }
    false
}
