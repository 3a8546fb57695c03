//! The query path: bytes of a query in, bytes of the response out.
//!
//! [`respond`] validates the query, finds the zone, answers from zone data
//! ([`crate::authoritative`]) or a steering decision, and writes the message with EDNS and
//! truncation applied. It takes no lock, does no I/O and allocates nothing in the common case;
//! transports in `server/` only move bytes. [`respond_recorded`] is the same path with each
//! step handed to a recorder: the decision trace ([`explain`]) comes from it.

pub mod chaos;
mod cookie;
pub mod edns;
mod error;
pub mod sign_ahead;
pub mod steer;
mod trace;
mod variant_rrsig;

use std::net::SocketAddr;

use crate::authoritative::{self, NoRecord, Recorder, Step};
use crate::cookies::Outcome;
use crate::geo::{MAX_CLIENT_SUBNET_LEN, encode_client_subnet, parse_client_subnet};
use crate::policy::Client;
use crate::policy::Reason;
use crate::snapshot::Snapshot;
use crate::wire::name::MAX_NAME_LEN;
use crate::wire::query::{self, Parsed, flags};
use crate::wire::rtype::{self, rcode};
use crate::wire::writer::{Section, Writer};
use cookie::CookieCheck;
use edns::{Ede, ResponseOpt};
use error::{ErrorMessage, error_response, query_error};
pub use steer::SteerSummary;
pub use trace::explain;

/// Largest message over TCP.
pub use crate::wire::MAX_MESSAGE;
/// How the query arrived.
pub use crate::wire::Transport;
/// Largest UDP response to a client without EDNS (RFC 1035 §4.2.1).
pub const CLASSIC_UDP_LIMIT: usize = 512;

/// One query to answer.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub packet: &'a [u8],
    pub source: SocketAddr,
    pub transport: Transport,
}

/// What was answered, for metrics and the query log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Bytes of the response in the output buffer.
    pub len: usize,
    pub rcode: u16,
    pub qtype: u16,
    /// Index of the zone in the snapshot.
    pub zone: Option<u32>,
    pub truncated: bool,
    /// Set when a steered name answered.
    pub steering: Option<SteerSummary>,
    /// What the query's COOKIE option proved (`None`: it had none, or cookies are off).
    pub cookie: Option<Outcome>,
    /// The Extended DNS Error the response carries (when the query had EDNS and it fit). A
    /// step of the answer that fails for a reason worth naming sets it with the rcode: an
    /// expired secondary zone sets SERVFAIL and [`Ede::NO_REACHABLE_AUTHORITY`].
    pub ede: Option<Ede>,
}

impl Summary {
    /// The client presented a server cookie we made for its address: it is not spoofed.
    pub fn cookie_valid(&self) -> bool {
        self.cookie == Some(Outcome::Valid)
    }
}

/// Answers one query into `out` (at least [`MAX_MESSAGE`] bytes for TCP, at least the UDP
/// limit for UDP). Returns `None` when the packet gets no answer at all.
pub fn respond(snapshot: &Snapshot, request: &Request<'_>, out: &mut [u8]) -> Option<Summary> {
    respond_recorded(snapshot, request, out, &mut NoRecord)
}

/// [`respond`], with every step of the answer handed to `recorder` and, last, the response
/// ([`Step::Response`]). With [`NoRecord`] this is `respond` itself.
#[inline]
pub fn respond_recorded<R: Recorder>(
    snapshot: &Snapshot,
    request: &Request<'_>,
    out: &mut [u8],
    recorder: &mut R,
) -> Option<Summary> {
    if request.source.port() == 0 {
        return None;
    }
    let summary = match query::parse(request.packet) {
        Parsed::Drop => return None,
        Parsed::Error {
            id,
            flags: query_flags,
            rcode,
            question,
            edns,
            tsig,
        } => {
            let cookie = cookie::check(&snapshot.settings, edns.as_ref(), request.source.ip());
            let message = ErrorMessage {
                id,
                query_flags,
                rcode,
                question,
                edns,
                tsig,
                cookie,
                ede: None,
            };
            error_response(snapshot, request, out, &message)
        }
        Parsed::Query(query) => answer_query(snapshot, request, &query, out, recorder),
    };
    if recorder.enabled() {
        recorder.step(Step::Response {
            message: &out[..summary.len],
        });
    }
    Some(summary)
}

/// Response flags: QR, the query's opcode, RD and CD copied; RA never set. RD and CD are
/// defined for QUERY only (RFC 1035 §4.1.1, RFC 4035 §3.1.6): another opcode's answer (NOTIMP)
/// leaves them clear, as Knot DNS does.
pub(super) fn response_flags(query_flags: u16) -> u16 {
    let copied = if query_flags & flags::OPCODE_MASK == 0 {
        flags::OPCODE_MASK | flags::RD | flags::CD
    } else {
        flags::OPCODE_MASK
    };
    flags::QR | (query_flags & copied)
}

/// Size limit for the response.
pub(super) fn size_limit(
    snapshot: &Snapshot,
    request: &Request<'_>,
    edns: Option<&query::Edns<'_>>,
) -> usize {
    match request.transport {
        Transport::Tcp => MAX_MESSAGE,
        Transport::Udp => match edns {
            None => CLASSIC_UDP_LIMIT,
            Some(e) => usize::from(e.payload)
                .min(usize::from(snapshot.settings.udp_payload))
                .max(CLASSIC_UDP_LIMIT),
        },
    }
    .min(MAX_MESSAGE)
}

pub(super) fn write_opt(w: &mut Writer<'_>, opt: Option<&ResponseOpt<'_>>) {
    if let Some(opt) = opt {
        let _ = w.raw_record_with(Section::Additional, opt.len(), |out| {
            opt.encode(out);
        });
    }
}

fn answer_query<R: Recorder>(
    snapshot: &Snapshot,
    request: &Request<'_>,
    query: &query::Query<'_>,
    out: &mut [u8],
    recorder: &mut R,
) -> Summary {
    let settings = &snapshot.settings;
    let limit = size_limit(snapshot, request, query.edns.as_ref());
    let mut lower = [0u8; MAX_NAME_LEN];
    let lower = {
        let len = query.qname.len();
        lower[..len].copy_from_slice(query.qname);
        lower[..len].make_ascii_lowercase();
        &lower[..len]
    };
    let cookie = cookie::check(settings, query.edns.as_ref(), request.source.ip());
    match cookie {
        CookieCheck::Malformed => {
            let ede = Some(Ede::MALFORMED_COOKIE);
            return query_error(snapshot, request, query, out, rcode::FORMERR, (cookie, ede));
        }
        // RFC 7873 §5.2.3: without a valid server cookie, BADCOOKIE and a fresh cookie, so the
        // client retries with it (or over TCP).
        CookieCheck::Present {
            refuse_udp: true, ..
        } if request.transport == Transport::Udp => {
            return query_error(
                snapshot,
                request,
                query,
                out,
                rcode::BADCOOKIE,
                (cookie, None),
            );
        }
        _ => {}
    }
    // RFC 7871 §7.2.1 (and §6): a malformed ECS option makes the query FORMERR.
    let subnet = match query
        .edns
        .and_then(|e| e.client_subnet)
        .map(parse_client_subnet)
    {
        Some(Ok(subnet)) => Some(subnet),
        Some(Err(_)) => {
            let ede = Some(Ede::MALFORMED_CLIENT_SUBNET);
            return query_error(snapshot, request, query, out, rcode::FORMERR, (cookie, ede));
        }
        None => None,
    };
    // The echoed option has the same length whatever the scope, so space is reserved now and
    // the scope filled in once the answer is known.
    let mut ecs_echo = [0u8; MAX_CLIENT_SUBNET_LEN];
    let ecs_len = subnet
        .as_ref()
        .map_or(0, |s| encode_client_subnet(s, 0, &mut ecs_echo));
    let opt = query.edns.map(|e| ResponseOpt {
        payload: settings.udp_payload,
        extended_rcode: 0,
        dnssec_ok: e.dnssec_ok,
        nsid: if e.nsid {
            settings.identity.as_deref().map(str::as_bytes)
        } else {
            None
        },
        client_subnet: None,
        cookie: cookie.reply(),
        // Reserved now, the timer filled in once the zone is known.
        expire: e.expire.then_some(0),
        ede: None,
    });
    let echo_reserve = if subnet.is_some() { 4 + ecs_len } else { 0 };
    let opt_len = opt.as_ref().map_or(0, |o| o.len() + echo_reserve);
    let mut w = Writer::new(out, limit.saturating_sub(opt_len));
    let mut flags = response_flags(query.flags);
    let _ = w.header(query.id, flags);
    let mut summary = Summary {
        len: 0,
        rcode: rcode::NOERROR,
        qtype: query.qtype,
        zone: None,
        truncated: false,
        steering: None,
        cookie: cookie.outcome(),
        ede: None,
    };
    if w.question(query.qname, query.qtype, query.qclass).is_err() {
        summary.rcode = rcode::FORMERR;
    } else {
        let subnet = subnet.as_ref();
        match query.qclass {
            rtype::CLASS_IN => {
                let question = InQuestion {
                    qname: query.qname,
                    lower,
                    qtype: query.qtype,
                    udp: request.transport == Transport::Udp,
                    dnssec: query.edns.is_some_and(|e| e.dnssec_ok),
                    ecs: subnet.is_some(),
                };
                // The client is located only when a steered name answers.
                let locate = || steer::client(subnet, request.source.ip());
                answer_in(
                    snapshot,
                    &question,
                    locate,
                    &mut w,
                    &mut flags,
                    &mut summary,
                    recorder,
                );
            }
            rtype::CLASS_CH => {
                let asked = chaos::Asked {
                    snapshot,
                    request,
                    query,
                    subnet,
                    lower,
                };
                chaos::answer(asked, &mut w, &mut flags, &mut summary);
            }
            _ => summary.rcode = rcode::REFUSED,
        }
    }
    w.set_flags(flags | (summary.rcode & 0xF) | (w.flags() & flags::TC));
    summary.truncated = w.flags() & flags::TC != 0;
    if summary.truncated && request.transport == Transport::Tcp {
        // The answer does not fit in the largest message there is: fail the query, as Knot DNS
        // does, rather than send TC=1, which only invites a retry over the same transport.
        let mut failed = query_error(
            snapshot,
            request,
            query,
            out,
            rcode::SERVFAIL,
            (cookie, None),
        );
        failed.zone = summary.zone;
        return failed;
    }
    w.set_limit(limit);
    let mut opt = opt;
    if let (Some(opt), Some(subnet)) = (opt.as_mut(), subnet.as_ref()) {
        // SCOPE PREFIX-LENGTH: the network that decided a steered answer; 0 otherwise.
        let scope = summary.steering.map_or(0, |s| s.scope);
        let echo_len = encode_client_subnet(subnet, scope, &mut ecs_echo);
        opt.client_subnet = Some(&ecs_echo[..echo_len]);
    }
    if let Some(opt) = opt.as_mut() {
        opt.expire = opt.expire.and_then(|_| expire_timer(snapshot, &summary));
        summary.ede = summary
            .ede
            .or_else(|| steering_ede(settings, request, &summary));
        // The EDE is the one part of the OPT record not reserved for: left out if it does not
        // fit (it only explains).
        opt.ede = summary.ede;
        if w.len() + opt.len() > limit {
            opt.ede = None;
            summary.ede = None;
        }
    } else {
        summary.ede = None;
    }
    write_opt(&mut w, opt.as_ref());
    summary.len = w.finish();
    summary
}

/// EDE 0 naming the branch a steered answer came from when no target was healthy, for
/// clients in `[server] trace_from` only: others see no internals.
fn steering_ede(
    settings: &crate::snapshot::Settings,
    request: &Request<'_>,
    summary: &Summary,
) -> Option<Ede> {
    let ede = match summary.steering?.reason {
        Reason::FailOpen => Ede::FAIL_OPEN,
        Reason::Fallback => Ede::FALLBACK,
        _ => return None,
    };
    let client = request.source.ip();
    settings
        .trace_from
        .iter()
        .any(|net| net.contains(&client))
        .then_some(ede)
}

/// A class-IN question, as the zone walk and the steering read it.
pub(super) struct InQuestion<'a> {
    /// The name as asked (written with the client's case).
    pub(super) qname: &'a [u8],
    /// The name, lowercased.
    pub(super) lower: &'a [u8],
    pub(super) qtype: u16,
    /// Over UDP: minimal ANY answers.
    pub(super) udp: bool,
    /// DO=1: RRSIGs and denial of existence from a signed zone.
    pub(super) dnssec: bool,
    /// The client is located from an ECS option.
    pub(super) ecs: bool,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn answer_in<R: Recorder>(
    snapshot: &Snapshot,
    question: &InQuestion<'_>,
    locate: impl Fn() -> Client,
    w: &mut Writer<'_>,
    flags: &mut u16,
    summary: &mut Summary,
    recorder: &mut R,
) {
    let lower = question.lower;
    let Some(zone_index) = snapshot.find_zone(lower) else {
        if recorder.enabled() {
            recorder.step(Step::NoZone { name: lower });
        }
        summary.rcode = rcode::REFUSED;
        summary.ede = Some(Ede::NOT_AUTHORITATIVE);
        return;
    };
    summary.zone = Some(zone_index);
    if recorder.enabled() {
        let zone = snapshot.zone(zone_index);
        recorder.step(Step::Zone { name: lower, zone });
    }
    if matches!(question.qtype, rtype::AXFR | rtype::IXFR) {
        // Zone transfers are served by `transfer`, which takes over REFUSED AXFR/IXFR answers
        // and NOTAUTH ones; what is decided here is what no transfer can change.
        let at_apex = snapshot.zone(zone_index).origin().as_wire() == lower;
        let axfr_over_udp = question.qtype == rtype::AXFR && question.udp;
        let code = if at_apex || axfr_over_udp {
            rcode::REFUSED
        } else {
            rcode::NOTAUTH
        };
        if recorder.enabled() {
            recorder.step(Step::Transfer { rcode: code });
        }
        summary.rcode = code;
        return;
    }
    if snapshot.zone_unavailable(zone_index) {
        return unavailable(summary);
    }
    let zone = snapshot.zone(zone_index);
    // The steering state is built only when a steered name answers (at most once a query).
    let mut steer_summary = None;
    let mut hook = |w: &mut Writer<'_>,
                    service: u32,
                    owner: &[u8],
                    node: crate::zone::NodeRef<'_>,
                    recorder: &mut R| {
        let mut steering = steer::Steering {
            snapshot,
            qtype: question.qtype,
            client: locate(),
            ecs: question.ecs,
            summary: steer_summary,
            signed: question
                .dnssec
                .then(|| snapshot.zones()[zone_index as usize].signatures.as_ref())
                .flatten(),
        };
        let wrote = steering.answer(w, service, owner, node, recorder);
        steer_summary = steering.summary;
        wrote
    };
    let outcome = authoritative::answer(
        w,
        zone,
        question.qname,
        lower,
        question.qtype,
        question.udp,
        question.dnssec,
        &mut hook,
        recorder,
    );
    summary.steering = steer_summary;
    summary.rcode = outcome.rcode;
    if outcome.authoritative {
        *flags |= flags::AA;
    }
}

/// The EDNS EXPIRE timer (RFC 7314) of the zone that answered, when one did and has a copy
/// (as Knot DNS, on every answer from the zone, not only SOA and transfers).
#[cold]
fn expire_timer(snapshot: &Snapshot, summary: &Summary) -> Option<u32> {
    let zone = summary.zone.filter(|&z| !snapshot.zone_unavailable(z))?;
    Some(snapshot.expire_timer_now(zone))
}

/// A secondary zone without a current copy (none transferred yet, or expired): SERVFAIL, as
/// RFC 1035 §4.3.5 requires after `expire`, with Extended DNS Error 22 (No Reachable
/// Authority): no primary gave us the zone.
#[cold]
fn unavailable(summary: &mut Summary) {
    summary.rcode = rcode::SERVFAIL;
    summary.ede = Some(Ede::NO_REACHABLE_AUTHORITY);
}

#[cfg(test)]
mod tests;
