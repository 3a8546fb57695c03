//! Every type's rdata: valid forms with their wire bytes and round trip, and invalid forms.

use super::{check, rdata, rdata_error};
use crate::wire::rtype::*;
use crate::zone::parse::rdata_to_text;

const EXAMPLE: &[u8] = b"\x07example\x03com\x00";

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn addresses() {
    check(A, "192.0.2.1", &[192, 0, 2, 1]);
    check(
        AAAA,
        "2001:db8::1",
        &[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    );
    check(
        AAAA,
        "::ffff:192.0.2.1",
        &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1],
    );
    assert_eq!(
        rdata_error(A, "10.0.0.300"),
        "bad IPv4 address \"10.0.0.300\""
    );
    assert_eq!(rdata_error(A, "10.0.0"), "bad IPv4 address \"10.0.0\"");
    assert_eq!(
        rdata_error(A, "010.0.0.1"),
        "bad IPv4 address \"010.0.0.1\""
    );
    assert_eq!(rdata_error(A, ""), "missing IPv4 address");
    assert_eq!(
        rdata_error(A, "1.2.3.4 5.6.7.8"),
        "unexpected \"5.6.7.8\" after the rdata"
    );
    assert_eq!(
        rdata_error(AAAA, "2001:db8::g"),
        "bad IPv6 address \"2001:db8::g\""
    );
    assert_eq!(
        rdata_error(AAAA, "192.0.2.1"),
        "bad IPv6 address \"192.0.2.1\""
    );
}

#[test]
fn single_names() {
    for t in [NS, CNAME, DNAME, PTR] {
        check(t, "ns1", b"\x03ns1\x07example\x03com\x00");
        check(t, "NS1.Other.NET.", b"\x03NS1\x05Other\x03NET\x00");
        check(t, "@", EXAMPLE);
        check(t, ".", b"\x00");
        check(t, "a\\.b", b"\x03a.b\x07example\x03com\x00");
        check(t, "\\065\\ x", b"\x03A x\x07example\x03com\x00");
    }
    assert!(rdata_error(NS, "a..b.").contains("empty label"));
    assert!(rdata_error(CNAME, &format!("{}.", "a".repeat(64))).contains("longer than 63"));
    let long = vec!["a".repeat(63); 4].join(".");
    assert!(rdata_error(PTR, &long).contains("longer than 255"));
    assert_eq!(rdata_error(NS, ""), "missing NS name server");
    assert!(rdata_error(NS, "a\\25").contains("bad escape"));
}

#[test]
fn soa() {
    let wire = cat(&[
        b"\x03ns1",
        EXAMPLE,
        b"\x0ahostmaster",
        EXAMPLE,
        &2024010101u32.to_be_bytes(),
        &7200u32.to_be_bytes(),
        &3600u32.to_be_bytes(),
        &1209600u32.to_be_bytes(),
        &300u32.to_be_bytes(),
    ]);
    check(
        SOA,
        "ns1 hostmaster 2024010101 7200 3600 1209600 300",
        &wire,
    );
    check(
        SOA,
        "ns1 hostmaster ( 2024010101 ; serial\n 2h 1H 2w 5m )",
        &wire,
    );
    assert_eq!(
        rdata_error(SOA, "ns1 hostmaster 1h 2 3 4 5"),
        "bad SOA serial \"1h\""
    );
    assert_eq!(
        rdata_error(SOA, "ns1 hostmaster 1 2 3 4"),
        "missing SOA minimum"
    );
    assert_eq!(
        rdata_error(SOA, "ns1 hostmaster 4294967296 2 3 4 5"),
        "bad SOA serial \"4294967296\""
    );
    assert_eq!(
        rdata_error(SOA, "ns1 hostmaster 1 2 3 4 5x"),
        "bad SOA minimum \"5x\""
    );
}

#[test]
fn mx_srv_naptr_uri() {
    check(MX, "10 mail", &cat(&[b"\x00\x0a\x04mail", EXAMPLE]));
    check(MX, "0 .", b"\x00\x00\x00");
    assert_eq!(rdata_error(MX, "x mail"), "bad MX preference \"x\"");
    assert_eq!(rdata_error(MX, "65536 mail"), "bad MX preference \"65536\"");
    assert_eq!(rdata_error(MX, "10"), "missing MX exchange");
    check(
        SRV,
        "1 2 443 www",
        &cat(&[b"\x00\x01\x00\x02\x01\xbb\x03www", EXAMPLE]),
    );
    assert_eq!(rdata_error(SRV, "1 2 70000 www"), "bad SRV port \"70000\"");
    check(
        NAPTR,
        r#"100 10 "S" "SIP+D2U" "" _sip._udp"#,
        &cat(&[
            b"\x00\x64\x00\x0a\x01S\x07SIP+D2U\x00\x04_sip\x04_udp",
            EXAMPLE,
        ]),
    );
    check(
        NAPTR,
        r#"100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" ."#,
        &cat(&[b"\x00\x64\x00\x0a\x01u\x07E2U+sip\x1b!^.*$!sip:info@example.com!\x00"]),
    );
    assert_eq!(rdata_error(NAPTR, "100 10 S"), "missing NAPTR services");
    check(
        URI,
        r#"10 1 "ftp://ftp1.example.com/public""#,
        b"\x00\x0a\x00\x01ftp://ftp1.example.com/public",
    );
    assert_eq!(rdata_error(URI, "10 1 \"\""), "empty URI target");
}

#[test]
fn text_strings() {
    check(TXT, r#""hello world""#, b"\x0bhello world");
    check(TXT, "one two", b"\x03one\x03two");
    check(
        TXT,
        r#""a\"b" "c\\d" "\065\010""#,
        b"\x03a\"b\x03c\\d\x02A\n",
    );
    check(TXT, r#""""#, b"\x00");
    check(
        TXT,
        "( \"part one\"\n \"part two\" )",
        b"\x08part one\x08part two",
    );
    check(TXT, "semi\\;colon", b"\x0asemi;colon");
    check(SPF, r#""v=spf1 -all""#, b"\x0bv=spf1 -all");
    check(
        TXT,
        &format!("\"{}\"", "x".repeat(255)),
        &cat(&[b"\xff", "x".repeat(255).as_bytes()]),
    );
    // Longer strings are split at 255 bytes, as Knot DNS does.
    let long = rdata(
        TXT,
        &format!("\"{}\" \"\\065{}\"", "x".repeat(256), "y".repeat(600)),
    );
    let expected = cat(&[
        b"\xff",
        "x".repeat(255).as_bytes(),
        b"\x01x",
        b"\xffA",
        "y".repeat(254).as_bytes(),
        b"\xff",
        "y".repeat(255).as_bytes(),
        b"\x5b",
        "y".repeat(91).as_bytes(),
    ]);
    assert_eq!(long, expected);
    let hinfo = rdata_error(HINFO, &format!("\"{}\" linux", "x".repeat(256)));
    assert!(hinfo.contains("longer than 255 bytes (256)"), "{hinfo}");
    assert!(rdata_error(TXT, "").starts_with("missing text"));
    assert!(rdata_error(TXT, r#""bad \25 escape""#).contains("bad escape"));
    check(HINFO, r#""Generic PC" "Linux""#, b"\x0aGeneric PC\x05Linux");
    assert_eq!(rdata_error(HINFO, r#""PC""#), "missing HINFO OS");
    assert_eq!(rdata_to_text(TXT, b"\x03a\"b\x01\xff"), r#""a\"b" "\255""#);
}

#[test]
fn caa() {
    check(
        CAA,
        r#"0 issue "letsencrypt.org""#,
        b"\x00\x05issueletsencrypt.org",
    );
    check(
        CAA,
        r#"128 iodef "mailto:a@example.com""#,
        b"\x80\x05iodefmailto:a@example.com",
    );
    check(CAA, "0 issuewild \";\"", b"\x00\x09issuewild;");
    check(CAA, r#"0 issue """#, b"\x00\x05issue");
    check(CAA, "0 Tag15CharsLongX x", b"\x00\x0fTag15CharsLongXx");
    // RFC 8659 §4.1 asks for at least one character; the length byte allows 255.
    check(CAA, "0 tag16charactersX x", b"\x00\x10tag16charactersXx");
    let longest = "t".repeat(255);
    assert_eq!(rdata(CAA, &format!("0 {longest} x"))[1], 255);
    assert!(rdata_error(CAA, &format!("0 {longest}t x")).contains("1 to 255 characters"));
    assert!(rdata_error(CAA, "0 is-sue x").contains("only ASCII letters and digits"));
    assert!(rdata_error(CAA, r#"0 "" x"#).contains("1 to 255"));
    assert_eq!(rdata_error(CAA, "256 issue x"), "bad CAA flags \"256\"");
    assert_eq!(rdata_error(CAA, "0 issue"), "missing CAA value");
}

#[test]
fn keys_and_fingerprints() {
    check(SSHFP, "4 2 0a0B 0c", b"\x04\x02\x0a\x0b\x0c");
    assert!(rdata_error(SSHFP, "4 2 abc").contains("odd number of hex digits"));
    assert_eq!(rdata_error(SSHFP, "4 2"), "missing SSHFP fingerprint");
    check(TLSA, "3 1 1 00ff", b"\x03\x01\x01\x00\xff");
    check(SMIMEA, "3 1 1 ( 00\n ff )", b"\x03\x01\x01\x00\xff");
    assert!(rdata_error(TLSA, "3 1 1 0g").contains("bad hex digit 'g'"));
    check(DS, "12345 8 2 ABCD", b"\x30\x39\x08\x02\xab\xcd");
    check(CDS, "0 0 0 00", b"\x00\x00\x00\x00\x00");
    assert_eq!(
        rdata(DS, "12345 RSASHA256 2 ABCD"),
        b"\x30\x39\x08\x02\xab\xcd"
    );
    assert_eq!(rdata(DS, "1 ecdsap256sha256 2 00"), b"\x00\x01\x0d\x02\x00");
    assert_eq!(
        rdata_error(DS, "12345 RSA 2 ABCD"),
        "bad DS algorithm \"RSA\""
    );
    check(
        DNSKEY,
        "257 3 13 AAEC AwQ=",
        b"\x01\x01\x03\x0d\x00\x01\x02\x03\x04",
    );
    check(CDNSKEY, "0 3 0 AA==", b"\x00\x00\x03\x00\x00");
    assert!(rdata_error(DNSKEY, "257 3 13 AAE").contains("bad DNSKEY public key"));
    assert_eq!(rdata_error(DNSKEY, "257 3 13"), "missing DNSKEY public key");
    check(OPENPGPKEY, "AAEC AwQ=", b"\x00\x01\x02\x03\x04");
    assert_eq!(rdata_error(OPENPGPKEY, ""), "missing OpenPGP key");
}

#[test]
fn loc() {
    // RFC 1876 style example: values checked against Knot DNS (kdig +generic).
    let wire = rdata(LOC, "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m");
    assert_eq!(
        wire,
        [
            0x00, 0x00, 0x16, 0x13, 0x8b, 0x3c, 0xf0, 0x18, 0x81, 0x0c, 0xbc, 0xe0, 0x00, 0x98,
            0x95, 0xb8
        ]
    );
    check(
        LOC,
        "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
        &wire,
    );
    check(
        LOC,
        "42 21 54 N 71 06 18 W -24m 30m",
        &rdata(LOC, "42 21 54.000 N 71 6 18.000 W -24.00m 30.00m"),
    );
    check(
        LOC,
        "0 S 0 W 0",
        &rdata(LOC, "0 0 0 N 0 0 0 E 0m 1m 10000m 10m"),
    );
    assert!(rdata_error(LOC, "91 N 0 E 0").contains("latitude out of range"));
    assert!(rdata_error(LOC, "52 61 N 0 E 0").contains("out of range"));
    assert!(rdata_error(LOC, "52 N 181 E 0").contains("longitude out of range"));
    assert!(rdata_error(LOC, "52 X 0 E 0").contains("bad LOC latitude"));
    assert!(rdata_error(LOC, "52 N 0 E").contains("missing LOC altitude"));
}

#[test]
fn svcb_and_https() {
    check(
        HTTPS,
        "0 pool.svc",
        &cat(&[b"\x00\x00\x04pool\x03svc", EXAMPLE]),
    );
    check(SVCB, "1 .", b"\x00\x01\x00");
    check(
        HTTPS,
        "1 . alpn=h2,h3",
        b"\x00\x01\x00\x00\x01\x00\x06\x02h2\x02h3",
    );
    check(
        HTTPS,
        "1 . alpn=\"h2,h3\"",
        b"\x00\x01\x00\x00\x01\x00\x06\x02h2\x02h3",
    );
    // RFC 9460 Appendix D.2, figure 11: escaped commas and backslashes in alpn.
    check(
        SVCB,
        r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#,
        b"\x00\x10\x03foo\x07example\x03org\x00\x00\x01\x00\x0c\x08f\\oo,bar\x02h2",
    );
    assert_eq!(
        rdata(SVCB, r"16 foo.example.org. alpn=f\\\092oo\092,bar,h2"),
        rdata(SVCB, r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#)
    );
    // Params are sorted on the wire; figure 10 of Appendix D.2.
    check(
        SVCB,
        "16 foo.example.org. (key667=hello mandatory=alpn,ipv4hint alpn=h2 ipv4hint=192.0.2.1 port=53 )",
        b"\x00\x10\x03foo\x07example\x03org\x00\
          \x00\x00\x00\x04\x00\x01\x00\x04\
          \x00\x01\x00\x03\x02h2\
          \x00\x03\x00\x02\x00\x35\
          \x00\x04\x00\x04\xc0\x00\x02\x01\
          \x02\x9b\x00\x05hello",
    );
    check(
        HTTPS,
        "1 . ipv6hint=2001:db8::1,2001:db8::53:1 no-default-alpn alpn=h2 ech=AAEC",
        &cat(&[
            b"\x00\x01\x00\x00\x01\x00\x03\x02h2\x00\x02\x00\x00\x00\x05\x00\x03\x00\x01\x02\x00\x06\x00\x20",
            &rdata(AAAA, "2001:db8::1"),
            &rdata(AAAA, "2001:db8::53:1"),
        ]),
    );
    check(
        SVCB,
        "1 . key65000 key3=443 dohpath=\"/q{?dns}\" ohttp",
        &rdata(SVCB, "1 . port=443 dohpath=/q{?dns} ohttp key65000"),
    );
    check(
        SVCB,
        "1 . key123=\"a\\\"b\\000\"",
        b"\x00\x01\x00\x00\x7b\x00\x04a\"b\x00",
    );
    let err = |t| rdata_error(HTTPS, t);
    assert_eq!(err("1 . alpn=h2 alpn=h3"), "duplicate SvcParamKey \"alpn\"");
    assert_eq!(err("1 . port=1 key3=2"), "duplicate SvcParamKey \"port\"");
    assert!(err("0 . alpn=h2").starts_with("AliasMode (SvcPriority 0) must have no SvcParams"));
    assert_eq!(err("1 . foo=bar"), "unknown SvcParamKey \"foo\"");
    assert_eq!(
        err("1 . key65535"),
        "SvcParamKey \"key65535\" is reserved (RFC 9460 §14.3.2: the invalid key) and cannot be \
         used"
    );
    assert!(err("1 . mandatory=key65535 alpn=h2").contains("is reserved"));
    // A list-level backslash may escape only a comma or a backslash (RFC 9460 Appendix A.1).
    for bad in [r"1 . alpn=a\\b", r"1 . alpn=a\\092,b", r#"1 . alpn="a\\b""#] {
        assert!(err(bad).contains("in the list only"), "{bad}: {}", err(bad));
    }
    assert_eq!(err(r"1 . alpn=a\\"), "alpn value ends in a backslash");
    assert_eq!(
        err("1 . mandatory=port"),
        "mandatory SvcParamKey \"port\" is not present"
    );
    assert_eq!(
        err("1 . mandatory=mandatory"),
        "mandatory must not list itself"
    );
    assert_eq!(
        err("1 . no-default-alpn"),
        "no-default-alpn requires alpn (RFC 9460 §7.1.1)"
    );
    assert_eq!(
        err("1 . no-default-alpn=x alpn=h2"),
        "SvcParam no-default-alpn takes no value"
    );
    assert_eq!(err("1 . port"), "SvcParam port needs a value");
    assert_eq!(err("1 . port=99999"), "bad SvcParam port \"99999\"");
    assert_eq!(
        err("1 . alpn=h2,,h3"),
        "alpn protocol ids must be 1 to 255 bytes long"
    );
    assert_eq!(
        err("1 . ipv4hint=1.2.3"),
        "bad IPv4 address \"1.2.3\" in ipv4hint"
    );
    assert_eq!(
        err("1 . ipv6hint=::1,"),
        "bad IPv6 address \"\" in ipv6hint"
    );
    assert!(err("1 . ech=AAE").starts_with("bad ech"));
    assert_eq!(err("1"), "missing SVCB target name");
}

#[test]
fn generic_form() {
    check(A, "\\# 4 0a000001", &[10, 0, 0, 1]);
    assert_eq!(rdata(65280, "\\# 4 0a000001"), [10, 0, 0, 1]);
    assert_eq!(rdata(65280, "\\# 0"), b"");
    assert_eq!(rdata(65280, "\\# 3 ( 0a\n 0000 )"), [10, 0, 0]);
    assert_eq!(rdata(TXT, "\\# 3 026869"), b"\x02hi");
    assert_eq!(rdata_to_text(65280, &[10, 0, 0, 1]), "\\# 4 0A000001");
    assert_eq!(rdata_to_text(65280, &[]), "\\# 0");
    assert_eq!(rdata_to_text(A, &[1, 2, 3]), "\\# 3 010203");
    assert_eq!(
        rdata_error(65280, "\\# 4 0a0000"),
        "\\# rdata length is 4 but 3 bytes of hex follow"
    );
    assert_eq!(
        rdata_error(65280, "\\# 0 00"),
        "\\# rdata length is 0 but 1 bytes of hex follow"
    );
    assert_eq!(
        rdata_error(65280, "\\# x"),
        "bad rdata length \"x\" after \\#"
    );
    assert_eq!(
        rdata_error(65280, "\\# 70000"),
        "bad rdata length \"70000\" after \\#"
    );
    assert_eq!(
        rdata_error(A, "\\# 3 0a0000"),
        "\\# rdata is not valid A rdata"
    );
    assert_eq!(
        rdata_error(NS, "\\# 2 0161"),
        "\\# rdata is not valid NS rdata"
    );
    assert_eq!(
        rdata_error(65280, "0a000001"),
        "TYPE65280 rdata must be written in the RFC 3597 form: \\# LENGTH HEX"
    );
    assert_eq!(
        rdata_error(OPT, "\\# 0"),
        "type OPT cannot appear in zone data"
    );
    assert_eq!(
        rdata_error(ANY, "\\# 0"),
        "type ANY cannot appear in zone data"
    );
    assert_eq!(rdata(NULL, "\\# 2 abcd"), [0xab, 0xcd]);
}

#[test]
fn wire_to_text_is_strict() {
    // A name cut short, a trailing byte, bad SVCB ordering: all fall back to \#.
    assert!(rdata_to_text(NS, b"\x03abc").starts_with("\\#"));
    assert!(rdata_to_text(MX, b"\x00\x01\x00\x00").starts_with("\\#"));
    assert!(
        rdata_to_text(
            SVCB,
            b"\x00\x01\x00\x00\x03\x00\x02\x00\x35\x00\x01\x00\x03\x02h2"
        )
        .starts_with("\\#")
    );
    assert!(rdata_to_text(CAA, b"\x00\x00").starts_with("\\#"));
    assert_eq!(
        rdata_to_text(SOA, &rdata(SOA, "a. b. 1 2 3 4 5")),
        "a. b. 1 2 3 4 5"
    );
    assert_eq!(
        rdata_to_text(HTTPS, &rdata(HTTPS, "1 . port=443 alpn=h2")),
        "1 . alpn=\"h2\" port=443"
    );
}
