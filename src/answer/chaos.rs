//! Class CH TXT: `id.server` / `hostname.bind` (identity, RFC 4892) and `version.bind` /
//! `version.server` (hidden unless configured).

use crate::wire::rtype;

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
