//! The types read in presentation format since the zone-file corpus test: their text form
//! round trips, their errors say what is wrong, and their RFC 3597 form is checked against the
//! same layout. Wire bytes against the independent readers: `corpus.rs`.

use super::{check, rdata, rdata_error};
use crate::wire::rtype::*;
use crate::zone::parse::rdata_to_text;

const EXAMPLE: &[u8] = b"\x07example\x03com\x00";

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn names_and_preferences() {
    check(
        MINFO,
        "rmail emailbx",
        &cat(&[b"\x05rmail", EXAMPLE, b"\x07emailbx", EXAMPLE]),
    );
    check(RP, ". .", b"\x00\x00");
    check(AFSDB, "1 afs", &cat(&[b"\x00\x01\x03afs", EXAMPLE]));
    check(RT, "10 relay.", b"\x00\x0a\x05relay\x00");
    check(KX, "10 .", b"\x00\x0a\x00");
    check(LP, "10 l64.", b"\x00\x0a\x03l64\x00");
    assert_eq!(rdata_error(MINFO, "a."), "missing MINFO error mailbox");
    assert_eq!(rdata_error(AFSDB, "x afs"), "bad AFSDB subtype \"x\"");
    assert_eq!(rdata_error(KX, "10"), "missing KX exchanger");
}

#[test]
fn locators_and_hardware_addresses() {
    check(L32, "10 10.1.2.0", b"\x00\x0a\x0a\x01\x02\x00");
    check(
        NID,
        "10 0014:4fff:ff20:ee64",
        b"\x00\x0a\x00\x14\x4f\xff\xff\x20\xee\x64",
    );
    check(
        L64,
        "10 2001:0DB8:1140:1000",
        b"\x00\x0a\x20\x01\x0d\xb8\x11\x40\x10\x00",
    );
    check(EUI48, "00-00-5e-00-53-2a", b"\x00\x00\x5e\x00\x53\x2a");
    check(
        EUI64,
        "00-00-5E-EF-10-00-00-2A",
        b"\x00\x00\x5e\xef\x10\x00\x00\x2a",
    );
    assert_eq!(
        rdata_to_text(EUI48, b"\x00\x00\x5e\x00\x53\x2a"),
        "00-00-5e-00-53-2a"
    );
    assert_eq!(
        rdata_to_text(NID, &rdata(NID, "1 0014:4FFF:ff20:ee64")),
        "1 0014:4fff:ff20:ee64"
    );
    for bad in [
        "00-00-5e-00-53",
        "00:00:5e:00:53:2a",
        "00-00-5e-00-53-2",
        "0-00-5e-00-53-2a0",
    ] {
        assert!(
            rdata_error(EUI48, bad).starts_with("bad EUI-48 address"),
            "{bad}"
        );
    }
    assert!(rdata_error(L64, "10 2001:db8:1140:1000").contains("four groups of four"));
    assert!(rdata_error(L32, "10 10.1.2").starts_with("bad L32 locator"));
}

#[test]
fn apl() {
    check(
        APL,
        "1:192.168.32.0/21 !1:192.168.38.0/28",
        b"\x00\x01\x15\x03\xc0\xa8\x20\x00\x01\x1c\x83\xc0\xa8\x26",
    );
    check(
        APL,
        "1:0.0.0.0/0 2:::/0",
        b"\x00\x01\x00\x00\x00\x02\x00\x00",
    );
    check(APL, "2:2001:db8::/32", b"\x00\x02\x20\x04\x20\x01\x0d\xb8");
    assert_eq!(rdata(APL, ""), b"");
    assert_eq!(rdata_to_text(APL, b""), "");
    assert_eq!(rdata(APL, "\\# 0"), b"");
    for bad in [
        "3:1.2.3.4/8",
        "1:1.2.3.4/33",
        "2:::/129",
        "1:2001:db8::/32",
        "1:1.2.3.4",
        "x",
    ] {
        assert!(rdata_error(APL, bad).starts_with("bad APL item"), "{bad}");
    }
    // Trailing zero bytes of an address are never sent (RFC 3123 §4).
    assert!(rdata_to_text(APL, b"\x00\x01\x08\x02\x0a\x00").starts_with("\\#"));
    assert!(rdata_error(APL, "\\# 6 000108020a00").contains("not valid APL"));
}

#[test]
fn ipseckey() {
    let key = "AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==";
    let wire = rdata(IPSECKEY, &format!("10 1 2 192.0.2.38 {key}"));
    assert_eq!(wire[..7], [10, 1, 2, 192, 0, 2, 38]);
    check(IPSECKEY, &format!("10 1 2 192.0.2.38 {key}"), &wire);
    check(
        IPSECKEY,
        &format!("10 0 2 . {key}"),
        &rdata(IPSECKEY, &format!("10 0 2 . ( {key} )")),
    );
    check(
        IPSECKEY,
        &format!("10 3 2 gw. {key}"),
        &rdata(IPSECKEY, &format!("10 3 2 gw. {key}")),
    );
    check(
        IPSECKEY,
        "10 2 0 2001:db8::1",
        &rdata(IPSECKEY, "10 2 0 2001:db8::1"),
    );
    check(IPSECKEY, "10 1 0 192.0.2.3", &[10, 1, 0, 192, 0, 2, 3]);
    assert!(rdata_error(IPSECKEY, "10 4 2 . AQ==").contains("gateway type 4"));
    assert!(rdata_error(IPSECKEY, "10 0 2 1.2.3.4 AQ==").contains("gateway type 0 has no"));
    assert_eq!(
        rdata_error(IPSECKEY, "10 1 2 1.2.3.4"),
        "missing IPSECKEY public key"
    );
    assert!(rdata_error(IPSECKEY, "10 1 0 1.2.3.4 AQ==").contains("algorithm 0 means no"));
    assert!(rdata_error(IPSECKEY, "\\# 7 0a0100c0000203aa").contains("rdata length"));
    assert!(rdata_error(IPSECKEY, "\\# 8 0a0100c0000203aa").contains("not valid IPSECKEY"));
}

#[test]
fn keys_and_certificates() {
    check(KEY, "256 3 8 AAEC", b"\x01\x00\x03\x08\x00\x01\x02");
    check(CERT, "1 12345 8 AAEC", b"\x00\x01\x30\x39\x08\x00\x01\x02");
    assert_eq!(
        rdata(CERT, "PKIX 12345 RSASHA256 AAEC"),
        rdata(CERT, "1 12345 8 AAEC")
    );
    assert_eq!(rdata(CERT, "uri 0 0 AA=="), b"\x00\xfd\x00\x00\x00\x00");
    assert_eq!(rdata_error(CERT, "X 0 0 AA=="), "bad CERT type \"X\"");
    assert_eq!(rdata_error(CERT, "0 0 0"), "missing CERT certificate");
    check(
        DHCID,
        "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
        &rdata(DHCID, "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="),
    );
    check(
        ZONEMD,
        "2018031900 1 1 c680 90d9",
        b"\x78\x48\xb9\x1c\x01\x01\xc6\x80\x90\xd9",
    );
    assert_eq!(
        rdata_error(ZONEMD, "2018031900 1 1"),
        "missing ZONEMD digest"
    );
}

#[test]
fn rrsig() {
    let wire = rdata(
        RRSIG,
        "A 8 2 3600 20240201000000 20240101000000 12345 example.com. AAEC",
    );
    assert_eq!(
        wire,
        cat(&[
            b"\x00\x01\x08\x02\x00\x00\x0e\x10\x65\xba\xdf\x00\x65\x92\x00\x80\x30\x39",
            EXAMPLE,
            b"\x00\x01\x02"
        ])
    );
    check(
        RRSIG,
        "A 8 2 3600 20240201000000 20240101000000 12345 example.com. AAEC",
        &wire,
    );
    assert_eq!(
        rdata_to_text(RRSIG, &wire),
        "A 8 2 3600 20240201000000 20240101000000 12345 example.com. AAEC"
    );
    // Seconds since 1970 in place of dates, mnemonics, TYPEnnn.
    assert_eq!(
        rdata(
            RRSIG,
            "TYPE1 RSASHA256 2 3600 1706745600 1704067200 12345 @ AAEC"
        ),
        wire
    );
    assert_eq!(
        rdata_to_text(
            RRSIG,
            &rdata(RRSIG, "TYPE65280 13 0 0 0 4294967295 0 . AA==")
        ),
        "TYPE65280 13 0 0 19700101000000 21060207062815 0 . AA=="
    );
    let err = |t: &str| rdata_error(RRSIG, t);
    assert!(err("X 8 2 3600 1 1 1 . AA==").starts_with("bad RRSIG type covered \"X\""));
    assert!(
        err("A 8 2 3600 20240230000000 1 1 . AA==").starts_with("bad RRSIG signature expiration")
    );
    assert!(
        err("A 8 2 3600 1 202401010000000 1 . AA==").starts_with("bad RRSIG signature inception")
    );
    assert!(err("A 8 2 3600 1 4294967296 1 . AA==").starts_with("bad RRSIG signature inception"));
    assert_eq!(
        err("A 8 2 1h 1 1 1 . AA=="),
        "bad RRSIG original TTL \"1h\""
    );
    assert_eq!(err("A 8 2 3600 1 1 1 ."), "missing RRSIG signature");
    assert_eq!(err("\\# 0"), "RRSIG rdata cannot be empty (\\# 0)");
    assert_eq!(err("\\# 4 00010203"), "\\# rdata is not valid RRSIG rdata");
}

#[test]
fn nsec_and_bitmaps() {
    // RFC 4034 §4.3.
    let wire = rdata(NSEC, "host.example.com. A MX RRSIG NSEC TYPE1234");
    assert_eq!(wire[..18], *b"\x04host\x07example\x03com\x00");
    let mut bitmap = vec![0, 6, 0x40, 1, 0, 0, 0, 3, 4, 0x1b];
    bitmap.extend_from_slice(&[0; 26]);
    bitmap.push(0x20);
    assert_eq!(wire[18..], bitmap);
    check(NSEC, "host.example.com. A MX RRSIG NSEC TYPE1234", &wire);
    assert_eq!(
        rdata(NSEC, "host.example.com. TYPE1234 nsec rrsig mx a A"),
        wire
    );
    check(NSEC, "next.", b"\x04next\x00");
    assert_eq!(rdata_to_text(NSEC, b"\x04next\x00"), "next.");
    check(
        CSYNC,
        "66 3 A NS AAAA",
        b"\x00\x00\x00\x42\x00\x03\x00\x04\x60\x00\x00\x08",
    );
    check(CSYNC, "0 0", b"\x00\x00\x00\x00\x00\x00");
    assert_eq!(
        rdata_error(NSEC, "next. A BOGUS"),
        "bad NSEC type \"BOGUS\" in the type bitmap"
    );
    assert!(rdata_error(CSYNC, "0 0 TYPE65536").starts_with("bad CSYNC type"));
    // Bitmaps from elsewhere must be well formed.
    for bad in [
        "\\# 4 00000000",
        "\\# 3 000100",
        "\\# 4 00010002",
        "\\# 7 00010140000140",
    ] {
        assert_eq!(
            rdata_error(NSEC, bad),
            "\\# rdata is not valid NSEC rdata",
            "{bad}"
        );
    }
    assert!(rdata_to_text(NSEC, b"\x00\x00\x02\x40").starts_with("\\#"));
}

#[test]
fn nsec3_and_nsec3param() {
    // RFC 5155 Appendix A.
    let text = "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG";
    let wire = rdata(NSEC3, text);
    assert_eq!(wire[..10], [1, 1, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd, 20]);
    assert_eq!(wire.len(), 10 + 20 + 9);
    check(NSEC3, text, &wire);
    assert_eq!(rdata(NSEC3, &text.to_uppercase()), wire);
    check(
        NSEC3,
        "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr",
        &rdata(NSEC3, "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR"),
    );
    check(
        NSEC3PARAM,
        "1 0 12 aabbccdd",
        &[1, 0, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd],
    );
    check(NSEC3PARAM, "1 0 0 -", &[1, 0, 0, 0, 0]);
    assert_eq!(rdata_to_text(NSEC3PARAM, &[1, 0, 0, 0, 0]), "1 0 0 -");
    let err = |t: &str| rdata_error(NSEC3, t);
    assert!(err("1 0 0 abc 2t7b4g4v").starts_with("bad NSEC3 salt"));
    assert!(err("1 0 0 - 04======").starts_with("bad NSEC3 next hashed owner name"));
    assert!(err("1 0 0 - 0").contains("cannot be whole bytes"));
    assert!(err("1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22boj!").contains("bad base32hex character"));
    assert_eq!(err("\\# 0"), "NSEC3 rdata cannot be empty (\\# 0)");
    assert_eq!(
        err("\\# 5 0100000000"),
        "\\# rdata is not valid NSEC3 rdata"
    );
    assert!(rdata_error(NSEC3PARAM, "1 0 0 - extra").starts_with("unexpected \"extra\""));
    assert_eq!(
        rdata_error(NSEC3PARAM, "\\# 0"),
        "NSEC3PARAM rdata cannot be empty (\\# 0)"
    );
}

#[test]
fn dsync_resinfo_wallet() {
    check(
        DSYNC,
        "CDS NOTIFY 5359 ds-scanner.",
        b"\x00\x3b\x01\x14\xef\x0ads-scanner\x00",
    );
    assert_eq!(
        rdata(DSYNC, "type59 notify 5359 ds-scanner."),
        rdata(DSYNC, "CDS 1 5359 ds-scanner.")
    );
    assert_eq!(
        rdata_to_text(DSYNC, b"\x00\x3b\x01\x14\xef\x00"),
        "CDS 1 5359 ."
    );
    assert_eq!(
        rdata_error(DSYNC, "JUNK NOTIFY 53 ."),
        "bad DSYNC type \"JUNK\": write a type mnemonic or TYPEnnn"
    );
    assert_eq!(
        rdata_error(DSYNC, "CDS JUNK 53 ."),
        "bad DSYNC scheme \"JUNK\""
    );
    assert_eq!(
        rdata_error(DSYNC, "CDS 1 65536 ."),
        "bad DSYNC port \"65536\""
    );
    for t in [RESINFO, WALLET] {
        check(
            t,
            "qnamemin \"exterr=15,16,17\"",
            b"\x08qnamemin\x0fexterr=15,16,17",
        );
        assert!(rdata_error(t, "").starts_with("missing text"));
    }
}

#[test]
fn every_known_type_checks_its_generic_form() {
    // Empty rdata in \# form is refused for every type whose rdata cannot be empty.
    for code in [
        A, NS, CNAME, SOA, PTR, HINFO, MINFO, MX, TXT, RP, AFSDB, RT, KEY, AAAA, LOC, SRV, NAPTR,
        KX, CERT, DNAME, DS, SSHFP, IPSECKEY, RRSIG, NSEC, DNSKEY, DHCID, NSEC3, NSEC3PARAM, TLSA,
        SMIMEA, CDS, CDNSKEY, OPENPGPKEY, CSYNC, ZONEMD, SVCB, HTTPS, DSYNC, SPF, NID, L32, L64,
        LP, EUI48, EUI64, URI, CAA, RESINFO, WALLET,
    ] {
        let err = rdata_error(code, "\\# 0");
        assert!(
            err.ends_with("rdata cannot be empty (\\# 0)"),
            "{}: {err}",
            type_to_string(code)
        );
    }
    // APL and types without a layout take anything.
    assert_eq!(rdata(APL, "\\# 0"), b"");
    assert_eq!(rdata(NULL, "\\# 0"), b"");
    assert_eq!(rdata(SIG, "\\# 2 0000"), b"\x00\x00");
    // A type known only by number is read in presentation form too.
    assert_eq!(
        rdata(46, "A 8 2 3600 1 1 1 . AA=="),
        rdata(RRSIG, "A 8 2 3600 1 1 1 . AA==")
    );
}
