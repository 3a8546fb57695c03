//! Target 1: a raw packet answered by [`respond`] over the fixture snapshot, and the invariants
//! every response keeps whatever the packet held.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use hickory_proto::op::Message;

use super::{fixture, wire};
use crate::answer::{CLASSIC_UDP_LIMIT, MAX_MESSAGE, Request, Summary, Transport, respond};
use crate::snapshot::Snapshot;
use crate::wire::name::wire_name_len;
use crate::wire::query::{self, Parsed, flags};
use crate::wire::rtype::{self, rcode};

/// Packet sources the first input byte picks from: one per region of the example GeoIP
/// database, a `net:` rule, the trace network, IPv6 and an IPv4-mapped IPv6 address.
pub const SOURCES: [IpAddr; 8] = [
    IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 77)),
    IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9)),
    IpAddr::V4(Ipv4Addr::new(203, 0, 113, 5)),
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 3, 0, 0, 0, 0, 1)),
    IpAddr::V6(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x02c8)),
    IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
];

/// Input: one control byte (bit 0: TCP; bits 1-3: the source address; high nibble all ones:
/// source port 0), then the packet.
pub fn packet(data: &[u8]) {
    let Some((&control, packet)) = data.split_first() else {
        return;
    };
    let transport = if control & 1 == 0 {
        Transport::Udp
    } else {
        Transport::Tcp
    };
    let ip = SOURCES[usize::from(control >> 1) & 7];
    let port = if control & 0xF0 == 0xF0 { 0 } else { 40_000 };
    check_query(
        fixture::snapshot(),
        packet,
        SocketAddr::new(ip, port),
        transport,
    );
}

thread_local! {
    static BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> =
        RefCell::new((vec![0u8; MAX_MESSAGE], vec![0u8; MAX_MESSAGE]));
}

/// Answers `packet` from `snapshot` and checks the response; panics on any broken invariant:
/// - no answer exactly when the packet is shorter than a header, is a response (QR=1) or comes
///   from port 0;
/// - the response parses (hickory-proto), has QR=1, the query's ID, opcode and RD, and echoes
///   the question byte for byte (or none, only for errors);
/// - it fits the client's limit: 512 without EDNS, the EDNS size capped at our own
///   `udp_payload` (never below 512), 65535 over TCP;
/// - TC=1 only over UDP, and only when the whole answer (over TCP) would not fit; a response
///   without TC carries every answer record the TCP response does (ANY excepted, RFC 8482);
///   an answer too big for any message is SERVFAIL over TCP.
pub fn check_query(
    snapshot: &Snapshot,
    packet: &[u8],
    source: SocketAddr,
    transport: Transport,
) -> Option<Summary> {
    BUFFERS.with(|buffers| {
        let (out, tcp_out) = &mut *buffers.borrow_mut();
        let request = Request {
            packet,
            source,
            transport,
        };
        let summary = respond(snapshot, &request, out);
        let dropped = packet.len() < 12 || packet[2] & 0x80 != 0 || source.port() == 0;
        let Some(summary) = summary else {
            assert!(dropped, "no answer to a query that deserves one");
            return None;
        };
        assert!(!dropped, "answered a packet that must be dropped");
        let limit = client_limit(snapshot, packet, transport);
        assert!(
            (12..=limit).contains(&summary.len),
            "response of {} bytes; the client's limit is {limit}",
            summary.len
        );
        let response = &out[..summary.len];
        check_header(packet, response, &summary);
        check_parses(response, &summary);
        if transport == Transport::Udp {
            let tcp = Request {
                transport: Transport::Tcp,
                ..request
            };
            let whole = respond(snapshot, &tcp, tcp_out).expect("answered over UDP, not TCP");
            check_truncation(packet, response, &tcp_out[..whole.len], limit);
        } else {
            assert!(!summary.truncated, "TC=1 over TCP");
        }
        Some(summary)
    })
}

/// The largest response the client may receive.
pub fn client_limit(snapshot: &Snapshot, packet: &[u8], transport: Transport) -> usize {
    if transport == Transport::Tcp {
        return MAX_MESSAGE;
    }
    let edns = match query::parse(packet) {
        Parsed::Query(query) => query.edns,
        Parsed::Error { edns, .. } => edns,
        Parsed::Drop => None,
    };
    match edns {
        None => CLASSIC_UDP_LIMIT,
        Some(edns) => usize::from(edns.payload)
            .min(usize::from(snapshot.settings.udp_payload))
            .max(CLASSIC_UDP_LIMIT),
    }
}

fn word(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn check_header(packet: &[u8], response: &[u8], summary: &Summary) {
    assert_eq!(response[..2], packet[..2], "ID not echoed");
    let (query_flags, response_flags) = (word(packet, 2), word(response, 2));
    assert!(response_flags & flags::QR != 0, "QR=0 in a response");
    // RD is defined for QUERY (opcode 0) only: copied there, clear for any other opcode.
    let rd = if query_flags & flags::OPCODE_MASK == 0 {
        query_flags & flags::RD
    } else {
        0
    };
    assert_eq!(
        response_flags & (flags::OPCODE_MASK | flags::RD),
        (query_flags & flags::OPCODE_MASK) | rd,
        "opcode not copied, or RD not copied for QUERY / echoed for another opcode"
    );
    assert_eq!(
        response_flags & flags::RA,
        0,
        "RA from an authoritative server"
    );
    assert_eq!(
        summary.truncated,
        response_flags & flags::TC != 0,
        "summary and TC bit disagree"
    );
    assert_eq!(
        response_flags & 0xF,
        summary.rcode & 0xF,
        "summary and header rcode disagree"
    );
    match word(response, 4) {
        0 => assert!(
            !matches!(summary.rcode, rcode::NOERROR | rcode::NXDOMAIN),
            "an answer without its question"
        ),
        1 => {
            let name = wire_name_len(&response[12..]).expect("echoed question name is invalid");
            let end = 12 + name + 4;
            assert!(end <= response.len(), "question cut short");
            assert_eq!(
                packet.get(12..end),
                Some(&response[12..end]),
                "question not echoed byte for byte"
            );
        }
        n => panic!("{n} questions in a response"),
    }
}

fn check_parses(response: &[u8], summary: &Summary) {
    let shape = wire::check_structure(response)
        .unwrap_or_else(|e| panic!("malformed response: {e}: {response:02x?}"));
    if summary.rcode > 0xF {
        let opt = crate::rrl::opt_record(response).expect("extended rcode without OPT");
        // The OPT owner is the root (one byte); the extended rcode is the TTL's first byte.
        assert_eq!(
            u16::from(response[opt.start + 5]),
            summary.rcode >> 4,
            "extended rcode bits"
        );
    }
    if !shape.empty_rdata {
        let response = &hickory_compatible(response);
        if let Err(e) = Message::from_vec(response) {
            // hickory-proto also judges rdata contents (NAPTR flags outside A-Z0-9, say) that
            // come verbatim from the zone file and that NSD and our parser accept: the message
            // must still parse with every rdata read as opaque bytes.
            let opaque = wire::opaque_rdata(response);
            if let Err(opaque_error) = Message::from_vec(&opaque) {
                panic!("response does not parse: {e} ({opaque_error}): {response:02x?}");
            }
        }
    }
}

/// The response with a Client Subnet option of FAMILY 0 (echoed as `dig +subnet=0` sends it,
/// RFC 7871 §7.1.2) rewritten as FAMILY 1 with prefix 0, which hickory-proto can read; it
/// refuses FAMILY 0.
fn hickory_compatible(response: &[u8]) -> Vec<u8> {
    let mut copy = response.to_vec();
    let Some(opt) = crate::rrl::opt_record(response) else {
        return copy;
    };
    let Some(name_end) = response[opt.start..].iter().position(|&b| b == 0) else {
        return copy;
    };
    let mut pos = opt.start + name_end + 11;
    while pos + 4 <= opt.end {
        let code = word(response, pos);
        let len = usize::from(word(response, pos + 2));
        if code == query::OPTION_CLIENT_SUBNET && len >= 2 && word(response, pos + 4) == 0 {
            copy[pos + 5] = 1;
        }
        pos += 4 + len;
    }
    copy
}

fn check_truncation(packet: &[u8], udp: &[u8], tcp: &[u8], limit: usize) {
    let truncated = word(udp, 2) & flags::TC != 0;
    assert_eq!(word(tcp, 2) & flags::TC, 0, "TC=1 over TCP");
    if truncated {
        // Over TCP the whole answer is longer than the UDP limit, or does not fit even there
        // (SERVFAIL, the only one the answer path gives).
        let tcp_failed = word(tcp, 2) & 0xF == rcode::SERVFAIL;
        assert!(
            tcp.len() > limit || tcp_failed,
            "TC=1 though the whole response ({} bytes) fits in {limit}",
            tcp.len()
        );
        return;
    }
    let any = wire_name_len(&packet[12..])
        .and_then(|len| packet.get(12 + len..14 + len))
        .is_some_and(|qtype| word(qtype, 0) == rtype::ANY);
    if !any && word(udp, 4) == 1 {
        assert_eq!(
            word(udp, 6),
            word(tcp, 6),
            "answer records left out without TC=1"
        );
    }
}
