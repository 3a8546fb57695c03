//! Cross-check against hickory-proto 0.26.3: for each sample, our wire rdata must equal what
//! hickory's own zone parser makes of the same text (emitted uncompressed), and hickory's
//! decoder must read our bytes back to the same value.
//!
//! hickory (built without its DNSSEC feature) has no DS, DNSKEY, CDS, CDNSKEY, DNAME, URI, SPF
//! or LOC; those are checked against Knot DNS vectors in `rdata.rs` instead.

use hickory_proto::rr::{Name as HickoryName, RData, RecordType};
use hickory_proto::serialize::binary::{
    BinDecoder, BinEncodable, BinEncoder, NameEncoding, Restrict,
};
use hickory_proto::serialize::txt::Parser;

use super::rdata;
use crate::wire::rtype::*;

/// hickory's rdata for `TYPE text` in zone `example.com.`, emitted without compression.
fn hickory_wire(rtype: &str, text: &str) -> Result<(RData, Vec<u8>), String> {
    let zone = format!("@ 3600 IN {rtype} {text}\n");
    let origin = HickoryName::from_ascii("example.com.").unwrap();
    let (_, sets) = Parser::new(zone, None, Some(origin))
        .parse()
        .map_err(|e| e.to_string())?;
    let set = sets.values().next().ok_or("no record")?;
    let record = set.records_without_rrsigs().next().ok_or("no record")?;
    let data = record.data.clone();
    let wire = emit(&data);
    Ok((data, wire))
}

fn emit(data: &RData) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut encoder = BinEncoder::new(&mut buf);
    encoder.set_name_encoding(NameEncoding::Uncompressed);
    data.emit(&mut encoder).expect("hickory emits");
    buf
}

fn hickory_read(code: u16, wire: &[u8]) -> Result<RData, String> {
    let mut decoder = BinDecoder::new(wire);
    let len = u16::try_from(wire.len()).unwrap();
    RData::read(&mut decoder, RecordType::from(code), Restrict::new(len)).map_err(|e| e.to_string())
}

/// Our bytes must equal hickory's, and hickory must decode ours to the value it parsed.
fn same(code: u16, text: &str) {
    let ours = rdata(code, text);
    let name = type_to_string(code);
    let (theirs, their_wire) = hickory_wire(&name, text)
        .unwrap_or_else(|e| panic!("hickory cannot parse {name} {text}: {e}"));
    assert_eq!(
        ours, their_wire,
        "{name} {text}: wire differs from hickory's"
    );
    let read = hickory_read(code, &ours)
        .unwrap_or_else(|e| panic!("hickory cannot read {name} {text}: {e}"));
    assert_eq!(
        emit(&read),
        emit(&theirs),
        "{name} {text}: hickory reads our bytes differently"
    );
}

#[test]
fn common_types_match_hickory() {
    same(A, "192.0.2.1");
    same(AAAA, "2001:db8::53");
    same(NS, "ns1");
    same(CNAME, "www.example.org.");
    same(PTR, "host.example.com.");
    same(SOA, "ns1 hostmaster 2024010101 7200 3600 1209600 300");
    same(
        SOA,
        "ns1.example.com. hostmaster.example.com. 1 2h 1h 2w 5m",
    );
    same(MX, "10 mail");
    same(MX, "0 .");
    same(SRV, "1 2 443 target.example.net.");
    same(TXT, "\"hello world\" \"second\"");
    same(TXT, "\"a\\\"b\\\\c\"");
    same(TXT, "unquoted words");
    same(HINFO, "\"Generic PC\" \"Linux\"");
    same(NAPTR, "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp");
    same(
        NAPTR,
        "100 50 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
    );
    same(CAA, "0 issue \"letsencrypt.org\"");
    same(CAA, "128 iodef \"mailto:security@example.com\"");
    same(
        SSHFP,
        "4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    same(
        TLSA,
        "3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    );
    same(SMIMEA, "3 0 1 0123456789ABCDEF");
    same(
        OPENPGPKEY,
        "mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YhvyDMXjq",
    );
}

#[test]
fn svcb_matches_hickory() {
    same(HTTPS, "1 . alpn=h2,h3 port=443");
    same(HTTPS, "0 pool.svc.example.");
    same(
        SVCB,
        "1 svc.example.net. ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1",
    );
    same(
        HTTPS,
        "1 . mandatory=port alpn=h2 port=8443 ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA",
    );
    same(
        SVCB,
        "16 foo.example.org. alpn=h2 no-default-alpn key667=hello",
    );
    // RFC 9460 §2.1 allows params in any order in presentation format; hickory's parser refuses
    // them out of order ("SvcParams out of order"), so only our sorting is checked here.
    assert_eq!(
        rdata(SVCB, "1 . port=53 ipv4hint=192.0.2.1 alpn=h2"),
        rdata(SVCB, "1 . alpn=h2 port=53 ipv4hint=192.0.2.1")
    );
    same(SVCB, "1 . alpn=h2 port=53 ipv4hint=192.0.2.1");
}

#[test]
fn decimal_escapes_follow_rfc_1035() {
    // RFC 1035 §5.1: \DDD is the byte with decimal value DDD. hickory's zone parser turns
    // "\065" into U+0605 (two UTF-8 bytes) instead of "A"; we follow the RFC.
    assert_eq!(rdata(TXT, "\"\\065\""), b"\x01A");
    let (_, theirs) = hickory_wire("TXT", "\"\\065\"").unwrap();
    assert_ne!(theirs, b"\x01A");
}

#[test]
fn names_keep_their_case() {
    // hickory's zone parser lowercases names in rdata; we keep the case as written (the answer
    // path may lowercase for comparison, never for output). Equal but for case:
    let ours = rdata(NS, "NS1.Example.NET.");
    let (_, theirs) = hickory_wire("NS", "NS1.Example.NET.").unwrap();
    assert_ne!(ours, theirs);
    assert!(ours.eq_ignore_ascii_case(&theirs));
    assert_eq!(ours, b"\x03NS1\x07Example\x03NET\x00");
}

#[test]
fn hickory_reads_our_other_types() {
    // Types hickory parses from text differently or not at all: it must still decode our bytes.
    for (code, text, shown) in [
        (CAA, "0 issue \";\"", "0 issue \";\""),
        (CAA, "0 tbs \"Unknown\"", "0 tbs \"Unknown\""),
        // hickory shows keyNNNNN as "unknownNNNNN" with a trailing comma; RFC 9460 says keyNNNNN.
        (HTTPS, "1 . key65000=abc", "1 . unknown65000=\"abc\","),
    ] {
        let ours = rdata(code, text);
        let read = hickory_read(code, &ours).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(read.to_string(), shown, "{text}");
    }
}
