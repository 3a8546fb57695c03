//! Parses just what the answer path needs from a query: header, the one question and the OPT
//! record. Nothing is allocated; the question name is borrowed from the packet.

use super::compressed;
use super::name::{MAX_NAME_LEN, wire_name_len};
use super::rtype::{self, rcode};

/// EDNS option codes we act on.
pub const OPTION_NSID: u16 = 3;
pub const OPTION_CLIENT_SUBNET: u16 = 8;
/// EXPIRE (RFC 7314): asked for with no data, answered with the zone's expire timer.
pub const OPTION_EXPIRE: u16 = 9;
/// COOKIE (RFC 7873 §4).
pub const OPTION_COOKIE: u16 = 10;

/// Header flag bits.
pub mod flags {
    pub const QR: u16 = 0x8000;
    pub const AA: u16 = 0x0400;
    pub const TC: u16 = 0x0200;
    pub const RD: u16 = 0x0100;
    pub const RA: u16 = 0x0080;
    pub const AD: u16 = 0x0020;
    pub const CD: u16 = 0x0010;
    pub const OPCODE_MASK: u16 = 0x7800;
}

/// The EDNS(0) OPT record of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edns<'a> {
    /// Requestor's UDP payload size (values below 512 are treated as 512).
    pub payload: u16,
    pub version: u8,
    /// DNSSEC OK (RFC 3225); copied to the response.
    pub dnssec_ok: bool,
    /// The client asked for our NSID (RFC 5001).
    pub nsid: bool,
    /// Data of the EDNS Client Subnet option, unparsed (RFC 7871).
    pub client_subnet: Option<&'a [u8]>,
    /// Data of the COOKIE option, unchecked (RFC 7873; `cookies::validate` checks it).
    pub cookie: Option<&'a [u8]>,
    /// The client asked for the zone's expire timer (RFC 7314).
    pub expire: bool,
}

/// A query the answer path can work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query<'a> {
    pub id: u16,
    /// The query's flags word (QR clear, opcode QUERY).
    pub flags: u16,
    /// The question name as sent (case preserved), uncompressed wire format.
    pub qname: &'a [u8],
    pub qtype: u16,
    pub qclass: u16,
    pub edns: Option<Edns<'a>>,
}

/// The TSIG record of a signed query (RFC 8945 §4.2). We hold no keys, so every signed query is
/// answered NOTAUTH with TSIG error BADKEY; this is what that response echoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tsig<'a> {
    packet: &'a [u8],
    /// Where the record's owner, the key name, starts (it may be compressed).
    key_at: usize,
    /// Algorithm name, time signed and fudge, as sent.
    pub head: &'a [u8],
    /// The Original ID field.
    pub original_id: u16,
}

impl Tsig<'_> {
    /// The key name, uncompressed into `buf` (checked when the query was parsed).
    pub fn key<'b>(&self, buf: &'b mut [u8; MAX_NAME_LEN]) -> &'b [u8] {
        let len = compressed::expand(self.packet, self.key_at, buf).unwrap_or(0);
        &buf[..len]
    }
}

/// What a packet turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed<'a> {
    Query(Query<'a>),
    /// Not worth an answer: shorter than a header, or a response (QR=1).
    Drop,
    /// Answer with this rcode; the question is echoed when it could be read.
    Error {
        id: u16,
        flags: u16,
        rcode: u16,
        question: Option<(&'a [u8], u16, u16)>,
        edns: Option<Edns<'a>>,
        /// A TSIG record to answer with error BADKEY.
        tsig: Option<Tsig<'a>>,
    },
}

/// Parses a query packet.
pub fn parse(packet: &[u8]) -> Parsed<'_> {
    if packet.len() < 12 {
        return Parsed::Drop;
    }
    let id = u16::from_be_bytes([packet[0], packet[1]]);
    let flags = u16::from_be_bytes([packet[2], packet[3]]);
    if flags & flags::QR != 0 {
        return Parsed::Drop;
    }
    let count = |i: usize| u16::from_be_bytes([packet[4 + 2 * i], packet[5 + 2 * i]]);
    let (qdcount, ancount, nscount, arcount) = (count(0), count(1), count(2), count(3));
    let error = |rcode, question, edns| Parsed::Error {
        id,
        flags,
        rcode,
        question,
        edns,
        tsig: None,
    };
    // RFC 6891 §6.1.1: a query with an OPT record gets one back, errors included; when the
    // question cannot be used the OPT record is still looked for.
    let opcode = (flags & flags::OPCODE_MASK) >> 11;
    if opcode != 0 {
        return error(rcode::NOTIMP, None, find_opt(packet));
    }
    if qdcount != 1 {
        return error(rcode::FORMERR, None, find_opt(packet));
    }
    // The question name must be written whole: RFC 1035 §4.1.4 permits a pointer, but no real
    // client compresses a lone question and accepting them only widens the attack surface.
    let Some(qname_len) = wire_name_len(&packet[12..]) else {
        return error(rcode::FORMERR, None, None);
    };
    let qname = &packet[12..12 + qname_len];
    let mut pos = 12 + qname_len;
    let Some(fixed) = packet.get(pos..pos + 4) else {
        return error(rcode::FORMERR, None, None);
    };
    let qtype = u16::from_be_bytes([fixed[0], fixed[1]]);
    let qclass = u16::from_be_bytes([fixed[2], fixed[3]]);
    pos += 4;
    let question = Some((qname, qtype, qclass));

    // RFC 1995 §3: an IXFR query carries the client's SOA in AUTHORITY; other queries carry
    // no records there or in ANSWER.
    let ixfr_soa = qtype == rtype::IXFR && ancount == 0 && nscount == 1;
    if (ancount != 0 || nscount != 0) && !ixfr_soa {
        return error(rcode::FORMERR, question, find_opt(packet));
    }
    if ixfr_soa {
        match read_record(packet, pos) {
            Some(record) if record.rtype == rtype::SOA => pos = record.end,
            _ => return error(rcode::FORMERR, question, find_opt(packet)),
        }
    }
    let mut edns = None;
    for index in 0..arcount {
        let start = pos;
        let Some(record) = read_record(packet, pos) else {
            return error(rcode::FORMERR, question, edns);
        };
        pos = record.end;
        match record.rtype {
            rtype::OPT => {
                // RFC 6891 §6.1.1: one OPT, owned by the root; §7: a FORMERR for a bad OPT
                // record still carries an OPT record.
                if edns.is_some() {
                    return error(rcode::FORMERR, question, edns);
                }
                if !record.owner_is_root {
                    return error(rcode::FORMERR, question, Some(opt_fixed(&record)));
                }
                match parse_opt(&record) {
                    Some(opt) => edns = Some(opt),
                    None => return error(rcode::FORMERR, question, Some(opt_fixed(&record))),
                }
            }
            rtype::TSIG => {
                // TSIG must be the last record (RFC 8945 §5.1). We hold no keys: RFC 8945
                // §5.2.2, the answer is NOTAUTH with a TSIG record carrying error BADKEY.
                if index + 1 != arcount || pos != packet.len() {
                    return error(rcode::FORMERR, question, edns);
                }
                return match parse_tsig(packet, start, &record) {
                    Some(tsig) => Parsed::Error {
                        id,
                        flags,
                        rcode: rcode::NOTAUTH,
                        question,
                        edns,
                        tsig: Some(tsig),
                    },
                    None => error(rcode::FORMERR, question, edns),
                };
            }
            _ => {}
        }
    }
    if pos != packet.len() {
        return error(rcode::FORMERR, question, edns);
    }
    if let Some(opt) = edns
        && opt.version != 0
    {
        return error(rcode::BADVERS, question, edns);
    }
    if is_meta_type(qtype) {
        return error(rcode::FORMERR, question, edns);
    }
    Parsed::Query(Query {
        id,
        flags,
        qname,
        qtype,
        qclass,
        edns,
    })
}

/// Types that may never appear in a question (RFC 6895 §3.1: OPT; TSIG/TKEY are transaction
/// records, not data).
fn is_meta_type(qtype: u16) -> bool {
    matches!(qtype, rtype::OPT | rtype::TSIG | rtype::TKEY)
}

struct RawRecord<'a> {
    owner_is_root: bool,
    rtype: u16,
    class: u16,
    ttl: u32,
    rdata: &'a [u8],
    end: usize,
}

/// Reads one resource record at `pos`, skipping over its owner (compression allowed there).
fn read_record(packet: &[u8], pos: usize) -> Option<RawRecord<'_>> {
    let owner = compressed::skip(packet, pos)?;
    let (owner_end, owner_is_root) = (owner.end, owner.is_root(pos));
    let fixed = packet.get(owner_end..owner_end + 10)?;
    let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
    let class = u16::from_be_bytes([fixed[2], fixed[3]]);
    let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let rdlen = u16::from_be_bytes([fixed[8], fixed[9]]) as usize;
    let start = owner_end + 10;
    let rdata = packet.get(start..start + rdlen)?;
    Some(RawRecord {
        owner_is_root,
        rtype,
        class,
        ttl,
        rdata,
        end: start + rdlen,
    })
}

/// The fixed fields of an OPT record (payload size, version, DO), its options left out.
fn opt_fixed<'a>(record: &RawRecord<'a>) -> Edns<'a> {
    Edns {
        payload: record.class.max(512),
        version: ((record.ttl >> 16) & 0xFF) as u8,
        dnssec_ok: record.ttl & 0x8000 != 0,
        nsid: false,
        client_subnet: None,
        cookie: None,
        expire: false,
    }
}

/// The first OPT record of a message that could not be parsed as a query (another opcode, no
/// or several questions, records where a query has none): every section is walked record by
/// record; `None` when that fails or there is no OPT.
fn find_opt(packet: &[u8]) -> Option<Edns<'_>> {
    let count = |i: usize| usize::from(u16::from_be_bytes([packet[4 + 2 * i], packet[5 + 2 * i]]));
    let mut pos = 12;
    for _ in 0..count(0) {
        pos = compressed::skip(packet, pos)?.end + 4;
    }
    for _ in 0..count(1) + count(2) {
        pos = read_record(packet, pos)?.end;
    }
    for _ in 0..count(3) {
        let record = read_record(packet, pos)?;
        if record.rtype == rtype::OPT && record.owner_is_root {
            return Some(parse_opt(&record).unwrap_or_else(|| opt_fixed(&record)));
        }
        pos = record.end;
    }
    None
}

/// Reads a TSIG record whose owner starts at `start`: the owner (compression followed), the
/// algorithm name, time signed and fudge, and the original ID; `None` when malformed.
fn parse_tsig<'a>(packet: &'a [u8], start: usize, record: &RawRecord<'a>) -> Option<Tsig<'a>> {
    compressed::expand(packet, start, &mut [0u8; MAX_NAME_LEN])?;
    let rdata = record.rdata;
    let head_len = wire_name_len(rdata)? + 8;
    let mac_len = usize::from(u16::from_be_bytes(
        rdata.get(head_len..head_len + 2)?.try_into().ok()?,
    ));
    let id_at = head_len + 2 + mac_len;
    let fixed = rdata.get(id_at..id_at + 6)?;
    let other_len = usize::from(u16::from_be_bytes([fixed[4], fixed[5]]));
    if id_at + 6 + other_len != rdata.len() {
        return None;
    }
    Some(Tsig {
        packet,
        key_at: start,
        head: &rdata[..head_len],
        original_id: u16::from_be_bytes([fixed[0], fixed[1]]),
    })
}

/// Reads the OPT pseudo-record (RFC 6891 §6.1.2). Malformed options make the query FORMERR.
fn parse_opt<'a>(record: &RawRecord<'a>) -> Option<Edns<'a>> {
    let mut edns = opt_fixed(record);
    let mut rest = record.rdata;
    while !rest.is_empty() {
        let header = rest.get(..4)?;
        let code = u16::from_be_bytes([header[0], header[1]]);
        let len = u16::from_be_bytes([header[2], header[3]]) as usize;
        let data = rest.get(4..4 + len)?;
        match code {
            OPTION_NSID => edns.nsid = true,
            OPTION_EXPIRE => edns.expire = true,
            OPTION_CLIENT_SUBNET => {
                // A second ECS option is taken as a wrongly formatted one (RFC 7871 §7.2.1):
                // the echo §7.2.1 asks for cannot match both.
                if edns.client_subnet.is_some() {
                    return None;
                }
                edns.client_subnet = Some(data);
            }
            // Two COOKIE options cannot both be answered: FORMERR, as BIND does.
            OPTION_COOKIE if edns.cookie.is_some() => return None,
            OPTION_COOKIE => edns.cookie = Some(data),
            _ => {}
        }
        rest = &rest[4 + len..];
    }
    Some(edns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(qname: &[u8], qtype: u16, extra: &[u8], arcount: u16) -> Vec<u8> {
        let mut p = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0];
        p.extend_from_slice(&arcount.to_be_bytes());
        p.extend_from_slice(qname);
        p.extend_from_slice(&qtype.to_be_bytes());
        p.extend_from_slice(&1u16.to_be_bytes());
        p.extend_from_slice(extra);
        p
    }

    fn opt(payload: u16, ttl: u32, options: &[u8]) -> Vec<u8> {
        let mut o = vec![0, 0, 41];
        o.extend_from_slice(&payload.to_be_bytes());
        o.extend_from_slice(&ttl.to_be_bytes());
        o.extend_from_slice(&(options.len() as u16).to_be_bytes());
        o.extend_from_slice(options);
        o
    }

    #[test]
    fn plain_query() {
        let p = query(b"\x03www\x07example\x03com\x00", 1, &[], 0);
        let Parsed::Query(q) = parse(&p) else {
            panic!("not a query")
        };
        assert_eq!(q.id, 0x1234);
        assert_eq!(q.qname, b"\x03www\x07example\x03com\x00");
        assert_eq!((q.qtype, q.qclass), (1, 1));
        assert!(q.edns.is_none());
    }

    #[test]
    fn edns_with_options() {
        let ecs = [0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2];
        let mut options = vec![0, 3, 0, 0];
        options.extend_from_slice(&ecs);
        let p = query(b"\x00", 1, &opt(4096, 0x8000, &options), 1);
        let Parsed::Query(q) = parse(&p) else {
            panic!("not a query")
        };
        let edns = q.edns.unwrap();
        assert_eq!(edns.payload, 4096);
        assert!(edns.dnssec_ok && edns.nsid);
        assert_eq!(edns.client_subnet, Some(&ecs[4..]));
        assert_eq!(edns.cookie, None);
    }

    #[test]
    fn expire_option() {
        let p = query(b"\x00", 1, &opt(1232, 0, &[0, 9, 0, 0]), 1);
        let Parsed::Query(q) = parse(&p) else {
            panic!("not a query")
        };
        assert!(q.edns.unwrap().expire);
        let p = query(b"\x00", 1, &opt(1232, 0, &[]), 1);
        let Parsed::Query(q) = parse(&p) else {
            panic!("not a query")
        };
        assert!(!q.edns.unwrap().expire);
    }

    #[test]
    fn cookie_option() {
        let cookie = [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8];
        let p = query(b"\x00", 1, &opt(1232, 0, &cookie), 1);
        let Parsed::Query(q) = parse(&p) else {
            panic!("not a query")
        };
        assert_eq!(q.edns.unwrap().cookie, Some(&cookie[4..]));
        // Any length is read here; the answer path judges it.
        let odd = [0, 10, 0, 3, 1, 2, 3];
        let p = query(b"\x00", 1, &opt(1232, 0, &odd), 1);
        let Parsed::Query(q) = parse(&p) else {
            panic!("not a query")
        };
        assert_eq!(q.edns.unwrap().cookie, Some(&odd[4..]));
        // Two COOKIE options: FORMERR, the OPT's fixed fields kept.
        let two = query(b"\x00", 1, &opt(1232, 0, &[cookie, cookie].concat()), 1);
        assert!(matches!(
            parse(&two),
            Parsed::Error {
                rcode: rcode::FORMERR,
                edns: Some(Edns { cookie: None, .. }),
                ..
            }
        ));
        // BADVERS keeps the cookie, to be answered with one (RFC 7873 §5.4).
        let badvers = query(b"\x00", 1, &opt(1232, 0x0001_0000, &cookie), 1);
        assert!(matches!(
            parse(&badvers),
            Parsed::Error {
                rcode: rcode::BADVERS,
                edns: Some(Edns {
                    cookie: Some(_),
                    ..
                }),
                ..
            }
        ));
    }

    #[test]
    fn errors_keep_the_opt_record() {
        let edns = |parsed: Parsed<'_>| match parsed {
            Parsed::Error { rcode, edns, .. } => (rcode, edns.map(|e| (e.payload, e.dnssec_ok))),
            other => panic!("not an error: {other:?}"),
        };
        // An option running past the rdata: FORMERR, with the OPT's fixed fields (RFC 6891 §7).
        let short_option = query(b"\x00", 1, &opt(4096, 0x8000, &[0, 3, 0, 5, 1]), 1);
        assert_eq!(
            edns(parse(&short_option)),
            (rcode::FORMERR, Some((4096, true)))
        );
        // No question at all, then an OPT record (RFC 6891 §6.1.1).
        let mut no_question = vec![0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 1];
        no_question.extend_from_slice(&opt(1232, 0, &[]));
        assert_eq!(
            edns(parse(&no_question)),
            (rcode::FORMERR, Some((1232, false)))
        );
        // Another opcode: NOTIMP, still with OPT.
        let mut status = query(b"\x00", 1, &opt(1232, 0x8000, &[]), 1);
        status[2] |= 2 << 3;
        assert_eq!(edns(parse(&status)), (rcode::NOTIMP, Some((1232, true))));
        // Two OPT records: FORMERR with the first.
        let two = query(
            b"\x00",
            1,
            &[opt(1400, 0, &[]), opt(1232, 0, &[])].concat(),
            2,
        );
        assert_eq!(edns(parse(&two)), (rcode::FORMERR, Some((1400, false))));
        // Without OPT, none comes back.
        let plain_status = {
            let mut p = query(b"\x00", 1, &[], 0);
            p[2] |= 2 << 3;
            p
        };
        assert_eq!(edns(parse(&plain_status)), (rcode::NOTIMP, None));
    }

    #[test]
    fn errors_and_drops() {
        assert_eq!(parse(&[0; 11]), Parsed::Drop);
        let mut response = query(b"\x00", 1, &[], 0);
        response[2] |= 0x80;
        assert_eq!(parse(&response), Parsed::Drop);
        let mut notify = query(b"\x00", 6, &[], 0);
        notify[2] |= 4 << 3;
        assert!(matches!(
            parse(&notify),
            Parsed::Error {
                rcode: rcode::NOTIMP,
                ..
            }
        ));
        let bad_label = query(b"\x40aaaa", 1, &[], 0);
        assert!(matches!(
            parse(&bad_label),
            Parsed::Error {
                rcode: rcode::FORMERR,
                question: None,
                ..
            }
        ));
        let pointer = query(b"\xc0\x0c", 1, &[], 0);
        assert!(matches!(
            parse(&pointer),
            Parsed::Error {
                rcode: rcode::FORMERR,
                ..
            }
        ));
        let badvers = query(b"\x00", 1, &opt(1232, 0x0001_0000, &[]), 1);
        assert!(matches!(
            parse(&badvers),
            Parsed::Error {
                rcode: rcode::BADVERS,
                ..
            }
        ));
        let two_opts = query(
            b"\x00",
            1,
            &[opt(1232, 0, &[]), opt(1232, 0, &[])].concat(),
            2,
        );
        assert!(matches!(
            parse(&two_opts),
            Parsed::Error {
                rcode: rcode::FORMERR,
                ..
            }
        ));
        let trailing = query(b"\x00", 1, &[0], 0);
        assert!(matches!(
            parse(&trailing),
            Parsed::Error {
                rcode: rcode::FORMERR,
                ..
            }
        ));
        let short_option = query(b"\x00", 1, &opt(1232, 0, &[0, 3, 0, 5, 1]), 1);
        assert!(matches!(
            parse(&short_option),
            Parsed::Error {
                rcode: rcode::FORMERR,
                ..
            }
        ));
    }
}
