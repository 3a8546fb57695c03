//! The decision trace through the query path: one class-IN question answered with
//! [`crate::explain::Trace`] as the recorder, for `switchyard explain` and CHAOS queries.

use super::{InQuestion, Summary, Transport, answer_in};
use crate::authoritative::{Recorder, Step};
use crate::policy::Client;
use crate::snapshot::Snapshot;
use crate::wire::MAX_MESSAGE;
use crate::wire::query::flags;
use crate::wire::rtype::{self, rcode};
use crate::wire::writer::Writer;

/// The decision trace for `qtype` at `qname` (class IN) asked by `client` over `transport`:
/// every step of the walk that answers it, then the response it writes (without EDNS and
/// without a size limit). `dig NAME CH TXT` and `switchyard explain` show this.
pub fn explain(
    snapshot: &Snapshot,
    qname: &[u8],
    qtype: u16,
    client: &Client,
    transport: Transport,
) -> Vec<String> {
    let mut trace = crate::explain::Trace::default();
    let mut buf = vec![0u8; MAX_MESSAGE];
    let mut w = Writer::new(&mut buf, MAX_MESSAGE);
    let mut flags = flags::QR;
    let _ = w.header(0, flags);
    let mut summary = Summary {
        len: 0,
        rcode: rcode::NOERROR,
        qtype,
        zone: None,
        truncated: false,
        steering: None,
        cookie: None,
        ede: None,
    };
    let lower = qname.to_ascii_lowercase();
    if w.question(qname, qtype, rtype::CLASS_IN).is_err() {
        summary.rcode = rcode::FORMERR;
    } else {
        let question = InQuestion {
            qname,
            lower: &lower,
            qtype,
            udp: transport == Transport::Udp,
            dnssec: false,
            // Only counted in the summary, which a trace does not keep.
            ecs: false,
        };
        let locate = || *client;
        answer_in(
            snapshot,
            &question,
            locate,
            &mut w,
            &mut flags,
            &mut summary,
            &mut trace,
        );
    }
    w.set_flags(flags | (summary.rcode & 0xF) | (w.flags() & flags::TC));
    let len = w.finish();
    trace.step(Step::Response {
        message: &buf[..len],
    });
    trace.lines
}
