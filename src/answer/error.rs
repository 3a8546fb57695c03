//! Error responses: header, the question when it could be read, the OPT record when the query
//! had one (with the cookie reply and an Extended DNS Error), and TSIG's BADKEY.

use super::cookie::CookieCheck;
use super::edns::{Ede, ResponseOpt};
use super::{Request, Summary, response_flags, size_limit, write_opt};
use crate::snapshot::Snapshot;
use crate::wire::name::MAX_NAME_LEN;
use crate::wire::query;
use crate::wire::rtype;
use crate::wire::writer::{Section, Writer};

/// An error response: header, the question when it could be read, OPT when the query had one
/// (with the cookie and the Extended DNS Error), and TSIG's BADKEY.
pub(super) struct ErrorMessage<'a> {
    pub(super) id: u16,
    pub(super) query_flags: u16,
    pub(super) rcode: u16,
    pub(super) question: Option<(&'a [u8], u16, u16)>,
    pub(super) edns: Option<query::Edns<'a>>,
    pub(super) tsig: Option<query::Tsig<'a>>,
    pub(super) cookie: CookieCheck,
    pub(super) ede: Option<Ede>,
}

pub(super) fn error_response(
    snapshot: &Snapshot,
    request: &Request<'_>,
    out: &mut [u8],
    message: &ErrorMessage<'_>,
) -> Summary {
    let code = message.rcode;
    let limit = size_limit(snapshot, request, message.edns.as_ref());
    let opt = message.edns.map(|e| ResponseOpt {
        payload: snapshot.settings.udp_payload,
        extended_rcode: (code >> 4) as u8,
        dnssec_ok: e.dnssec_ok,
        cookie: message.cookie.reply(),
        ede: message.ede,
        ..ResponseOpt::default()
    });
    let mut w = Writer::new(out, limit);
    let _ = w.header(
        message.id,
        response_flags(message.query_flags) | (code & 0xF),
    );
    let mut qtype = 0;
    if let Some((qname, qt, qclass)) = message.question {
        qtype = qt;
        let _ = w.question(qname, qt, qclass);
    }
    write_opt(&mut w, opt.as_ref());
    if let Some(tsig) = &message.tsig {
        write_badkey(&mut w, tsig);
    }
    Summary {
        len: w.finish(),
        rcode: code,
        qtype,
        zone: None,
        truncated: false,
        steering: None,
        cookie: message.cookie.outcome(),
        ede: opt.and(message.ede),
    }
}

/// An error response to a parsed query: its question echoed, EDNS kept without the ECS echo,
/// the cookie answered.
pub(super) fn query_error(
    snapshot: &Snapshot,
    request: &Request<'_>,
    query: &query::Query<'_>,
    out: &mut [u8],
    code: u16,
    (cookie, ede): (CookieCheck, Option<Ede>),
) -> Summary {
    let edns = query.edns.map(|e| query::Edns {
        client_subnet: None,
        ..e
    });
    let message = ErrorMessage {
        id: query.id,
        query_flags: query.flags,
        rcode: code,
        question: Some((query.qname, query.qtype, query.qclass)),
        edns,
        tsig: None,
        cookie,
        ede,
    };
    error_response(snapshot, request, out, &message)
}

/// TSIG error BADKEY (RFC 8945 §5.2.2): the key is unknown, so the response is unsigned (MAC
/// size 0, §5.3.2); algorithm, time signed, fudge and original ID are those of the query. It
/// goes last, after the OPT record (§5.1).
fn write_badkey(w: &mut Writer<'_>, tsig: &query::Tsig<'_>) {
    const BADKEY: u16 = 17;
    let mut record = [0u8; 10 + MAX_NAME_LEN + 8 + 8];
    let rdlen = tsig.head.len() + 8;
    record[0..2].copy_from_slice(&rtype::TSIG.to_be_bytes());
    record[2..4].copy_from_slice(&rtype::CLASS_ANY.to_be_bytes());
    record[8..10].copy_from_slice(&(rdlen as u16).to_be_bytes());
    let rdata = &mut record[10..10 + rdlen];
    rdata[..tsig.head.len()].copy_from_slice(tsig.head);
    let tail = &mut rdata[tsig.head.len()..];
    tail[2..4].copy_from_slice(&tsig.original_id.to_be_bytes());
    tail[4..6].copy_from_slice(&BADKEY.to_be_bytes());
    let mut key = [0u8; MAX_NAME_LEN];
    let _ = w.record(
        Section::Additional,
        tsig.key(&mut key),
        &record[..10 + rdlen],
    );
}
