//! Requests the query path hands over: AXFR and IXFR (over TCP as transfers, over UDP as
//! RFC 1995 §2 allows: the current SOA alone), TSIG-signed queries (checked, answered by the
//! query path, the answer signed), and NOTIFY. Access follows `allow_transfer`; a bad TSIG
//! gets NOTAUTH with BADKEY, BADSIG or BADTIME as RFC 8945 §5.2 says.

use std::net::SocketAddr;
use std::sync::Arc;

use super::Transfers;
use super::axfr::{Outgoing, Records};
use super::message::{Message, OPTION_EXPIRE};
use super::tsig::{self, Refusal, Session};
use crate::answer::{Request, Transport, respond};
use crate::snapshot::Snapshot;
use crate::wire::query::flags;
use crate::wire::rtype::{self, rcode};

/// What to send back.
pub enum Handled {
    /// One message.
    Single(Vec<u8>),
    /// A zone transfer (TCP only), sent message by message.
    Stream(Box<Outgoing>),
}

/// The opcode NOTIFY (RFC 1996).
pub const OPCODE_NOTIFY: u8 = 4;

/// Handles a request the query path left to zone transfers; `None` keeps its answer.
pub fn handle(
    transfers: &Transfers,
    snapshot: &Arc<Snapshot>,
    request: &Request<'_>,
    scratch: &mut [u8],
) -> Option<Handled> {
    let message = Message::parse(request.packet).ok()?;
    if message.flags & flags::QR != 0 || message.questions.len() != 1 || message.misplaced_tsig() {
        return None;
    }
    let keys = &snapshot.transfer.keys;
    let session = match tsig::verify_request(keys, &message, tsig::now()) {
        Ok(session) => session,
        Err(refusal) => {
            tracing::debug!(client = %request.source, error = refusal.error, "TSIG refused");
            return Some(Handled::Single(refused(&message, &refusal, scratch)));
        }
    };
    let reply = Reply {
        message: &message,
        session,
        source: request.source,
    };
    if message.opcode() == OPCODE_NOTIFY {
        return transfers.notified(snapshot, reply, scratch);
    }
    if message.opcode() != 0 {
        return None;
    }
    let (_, qtype, _) = message.questions[0];
    match qtype {
        rtype::AXFR | rtype::IXFR => {
            transfer(transfers, snapshot, reply, request.transport, scratch)
        }
        _ if reply.session.is_some() => signed_query(snapshot, request, reply, scratch),
        _ => None,
    }
}

/// A request being answered, and the TSIG session its answer is signed in.
pub struct Reply<'m> {
    pub message: &'m Message<'m>,
    pub session: Option<Session>,
    pub source: SocketAddr,
}

impl Reply<'_> {
    /// The EDNS part of the response: our payload size, and EXPIRE when asked for.
    fn edns(&self, expire: u32) -> Option<(u16, Option<u32>)> {
        self.message.opt()?;
        let asked = self.message.has_option(OPTION_EXPIRE);
        Some((1232, asked.then_some(expire)))
    }

    /// A response with `code` and `records` (owner, encoded record), signed when the request was.
    pub fn single(
        self,
        code: u16,
        records: Vec<(Vec<u8>, Vec<u8>)>,
        expire: Option<u32>,
        scratch: &mut [u8],
    ) -> Vec<u8> {
        let mut out = Outgoing::new(
            self.message.id,
            self.message.questions[0].clone(),
            self.edns(expire.unwrap_or(0))
                .map(|(payload, asked)| (payload, asked.filter(|_| expire.is_some()))),
            Records::List {
                items: records,
                next: 0,
            },
            self.session,
        );
        let opcode = u16::from(self.message.opcode()) << 11;
        let aa = if code == rcode::NOERROR { flags::AA } else { 0 };
        let copied = self.message.flags & (flags::RD | flags::CD);
        out.set_flags(flags::QR | opcode | aa | copied | code);
        out.next_message(scratch).unwrap_or_default()
    }
}

/// The response to a request whose TSIG failed: NOTAUTH, the TSIG error, unsigned except
/// for BADTIME.
fn refused(message: &Message<'_>, refusal: &Refusal, scratch: &mut [u8]) -> Vec<u8> {
    let reply = Reply {
        message,
        session: None,
        source: SocketAddr::from(([0, 0, 0, 0], 0)),
    };
    let mut bytes = reply.single(rcode::NOTAUTH, Vec::new(), None, scratch);
    bytes[2] &= !(flags::AA >> 8) as u8;
    refusal.append(&mut bytes, tsig::now());
    bytes
}

/// AXFR or IXFR of a zone we serve.
fn transfer(
    transfers: &Transfers,
    snapshot: &Arc<Snapshot>,
    reply: Reply<'_>,
    transport: Transport,
    scratch: &mut [u8],
) -> Option<Handled> {
    let (qname, qtype, qclass) = &reply.message.questions[0];
    let lower = qname.to_ascii_lowercase();
    if *qtype == rtype::AXFR && transport == Transport::Udp {
        // RFC 5936 §4.2: AXFR is not defined over UDP.
        return Some(Handled::Single(reply.single(
            rcode::REFUSED,
            Vec::new(),
            None,
            scratch,
        )));
    }
    let Some(zone) = snapshot.find_zone(&lower) else {
        // Not ours at all: REFUSED, as for any query.
        return Some(Handled::Single(reply.single(
            rcode::REFUSED,
            Vec::new(),
            None,
            scratch,
        )));
    };
    if snapshot.zone(zone).origin().as_wire() != lower.as_slice() || *qclass != rtype::CLASS_IN {
        // Inside a zone of ours but not its apex: RFC 5936 §2.2.1.
        return Some(Handled::Single(reply.single(
            rcode::NOTAUTH,
            Vec::new(),
            None,
            scratch,
        )));
    }
    if snapshot.zone_unavailable(zone) {
        // A secondary zone not transferred yet, or expired.
        return Some(Handled::Single(reply.single(
            rcode::SERVFAIL,
            Vec::new(),
            None,
            scratch,
        )));
    }
    let allowed = snapshot.transfer.of(zone).is_some_and(|setup| {
        setup
            .acl
            .allows(reply.source.ip(), reply.session.as_ref().map(|s| &s.key))
    });
    if !allowed {
        tracing::info!(client = %reply.source, zone = %snapshot.zone(zone).origin(),
            "zone transfer refused by allow_transfer");
        return Some(Handled::Single(reply.single(
            rcode::REFUSED,
            Vec::new(),
            None,
            scratch,
        )));
    }
    let content = transfers.content(snapshot, zone);
    let expire = content.expire();
    let origin = content.zone().origin().as_wire().to_vec();
    let current = (origin.clone(), content.soa.clone());
    let mut records = Records::Zone {
        content,
        cursor: Default::default(),
        phase: 0,
    };
    if *qtype == rtype::IXFR {
        let client_serial = reply
            .message
            .authority
            .iter()
            .find(|r| r.rtype == rtype::SOA && r.rdata.len() >= 20)
            .map(|r| u32::from_be_bytes(r.rdata[r.rdata.len() - 20..][..4].try_into().unwrap()));
        let Some(client_serial) = client_serial else {
            return Some(Handled::Single(reply.single(
                rcode::FORMERR,
                Vec::new(),
                None,
                scratch,
            )));
        };
        match transfers.incremental(snapshot, zone, client_serial, &current) {
            Some(items) => records = Records::List { items, next: 0 },
            None if transport == Transport::Udp => {
                // RFC 1995 §2: too long for UDP (or no history): the current SOA alone.
                records = Records::List {
                    items: vec![current],
                    next: 0,
                };
            }
            None => {}
        }
        if transport == Transport::Udp {
            let Records::List { items, .. } = records else {
                return None;
            };
            let bytes = reply.single(rcode::NOERROR, items, Some(expire), scratch);
            return Some(Handled::Single(bytes));
        }
    }
    tracing::info!(client = %reply.source, zone = %String::from_utf8_lossy(qname),
        kind = if *qtype == rtype::AXFR { "AXFR" } else { "IXFR" }, "zone transfer");
    let edns = reply.edns(expire);
    let copied = reply.message.flags & (flags::RD | flags::CD);
    let mut outgoing = Outgoing::new(
        reply.message.id,
        reply.message.questions[0].clone(),
        edns,
        records,
        reply.session,
    );
    outgoing.set_flags(flags::QR | flags::AA | copied);
    Some(Handled::Stream(Box::new(outgoing)))
}

/// A TSIG-signed ordinary query (a secondary's SOA check): answered by the query path with the
/// TSIG record taken off, and the answer signed.
fn signed_query(
    snapshot: &Arc<Snapshot>,
    request: &Request<'_>,
    reply: Reply<'_>,
    scratch: &mut [u8],
) -> Option<Handled> {
    let tsig = reply.message.tsig()?;
    let mut unsigned = request.packet[..tsig.start].to_vec();
    let arcount = u16::from_be_bytes([unsigned[10], unsigned[11]]) - 1;
    unsigned[10..12].copy_from_slice(&arcount.to_be_bytes());
    let inner = Request {
        packet: &unsigned,
        ..*request
    };
    let limit = match request.transport {
        Transport::Tcp => crate::answer::MAX_MESSAGE,
        Transport::Udp => 1232,
    } - tsig::MAX_RECORD;
    let summary = respond(snapshot, &inner, &mut scratch[..limit])?;
    let mut bytes = scratch[..summary.len].to_vec();
    let mut session = reply.session?;
    session.sign(&mut bytes, tsig::now());
    Some(Handled::Single(bytes))
}
