//! Class CH TXT: `id.server` / `hostname.bind` (identity, RFC 4892) and `version.bind` /
//! `version.server` (hidden unless configured), and the decision trace for names in our zones
//! when the asker is in `[server] trace_from`.

use crate::answer::steer;
use crate::answer::{Request, Summary};
use crate::geo::ClientSubnet;
use crate::snapshot::Snapshot;
use crate::wire::query::{self, flags};
use crate::wire::rtype::{self, rcode};
use crate::wire::writer::{Section, Writer};

/// The TXT string to answer for a CH query, or `None` to refuse it.
pub fn chaos_text<'a>(
    lower_qname: &[u8],
    identity: Option<&'a str>,
    version: Option<&'a str>,
) -> Option<&'a str> {
    match lower_qname {
        b"\x02id\x06server\x00" | b"\x08hostname\x04bind\x00" => identity,
        b"\x07version\x04bind\x00" | b"\x07version\x06server\x00" => version,
        _ => None,
    }
}

/// Encodes one CH TXT record (owner omitted) holding `text`, split into 255-byte strings.
pub fn encode_txt(text: &str, out: &mut Vec<u8>) {
    let mut rdata = Vec::with_capacity(text.len() + text.len() / 255 + 1);
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        rdata.push(0);
    }
    for chunk in bytes.chunks(255) {
        rdata.push(chunk.len() as u8);
        rdata.extend_from_slice(chunk);
    }
    crate::wire::writer::encode_record(out, rtype::TXT, rtype::CLASS_CH, 0, &rdata);
}

/// What a query asks, as the CHAOS handler reads it.
#[derive(Clone, Copy)]
pub(super) struct Asked<'a> {
    pub(super) snapshot: &'a Snapshot,
    pub(super) request: &'a Request<'a>,
    pub(super) query: &'a query::Query<'a>,
    /// The validated ECS option, if any.
    pub(super) subnet: Option<&'a ClientSubnet>,
    /// The query name, lowercased.
    pub(super) lower: &'a [u8],
}

/// Class CH: `id.server`, `hostname.bind`, `version.bind`, and for names in our zones the
/// decision trace when the asker is in `[server] trace_from`. Everything else is REFUSED.
pub(super) fn answer(asked: Asked<'_>, w: &mut Writer<'_>, flags: &mut u16, summary: &mut Summary) {
    let Asked {
        snapshot,
        request,
        query,
        subnet,
        lower,
    } = asked;
    let settings = &snapshot.settings;
    if query.qtype != rtype::TXT {
        summary.rcode = rcode::REFUSED;
        return;
    }
    let mut lines = Vec::new();
    if let Some(text) = chaos_text(
        lower,
        settings.identity.as_deref(),
        settings.version.as_deref(),
    ) {
        lines.push(text.to_string());
    } else if settings
        .trace_from
        .iter()
        .any(|net| net.contains(&request.source.ip()))
        && snapshot.find_zone(lower).is_some()
    {
        // The trace of A and AAAA for the asking client, each line prefixed with its type.
        let client = steer::client(subnet, request.source.ip());
        for qtype in [rtype::A, rtype::AAAA] {
            let name = rtype::type_to_string(qtype);
            lines.extend(
                super::explain(snapshot, lower, qtype, &client, request.transport)
                    .into_iter()
                    .map(|line| format!("{name}: {line}")),
            );
        }
    }
    if lines.is_empty() {
        summary.rcode = rcode::REFUSED;
        return;
    }
    *flags |= flags::AA;
    let mut record = Vec::with_capacity(512);
    for line in &lines {
        record.clear();
        encode_txt(line, &mut record);
        if w.record(Section::Answer, query.qname, &record).is_err() {
            *flags |= flags::TC;
            return;
        }
    }
}
