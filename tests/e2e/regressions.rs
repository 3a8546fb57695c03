//! Regression tests for bugs the differential test against Knot DNS found, each named after the
//! RFC rule it guards. They run against the second test zone (tests/e2e/zones/example.net.zone).

use crate::support::*;

/// A server for tests/e2e/zones/example.net.zone (and the bundled example.com).
fn test_zone_server() -> Server {
    let net = std::fs::read_to_string(repo().join("tests/e2e/zones/example.net.zone")).unwrap();
    let com = example_zone();
    Server::start(
        "[server]\nlisten = [\"127.0.0.1:0\"]\nidentity = \"ns1.example.com\"\n\n[zones]\n\
         \"example.com.\" = \"example.com.zone\"\n\"example.net.\" = \"example.net.zone\"\n",
        &[("example.com.zone", &com), ("example.net.zone", &net)],
    )
}

/// RFC 1034 §4.3.2 step 3b, RFC 9471 §3.1: a referral whose required glue does not fit is sent
/// with TC set, and it is still a referral: AA stays clear.
#[test]
fn truncated_referral_is_not_authoritative() {
    let server = test_zone_server();
    for name in ["host.big-deleg.example.net", "big-deleg.example.net"] {
        let udp = server.ask(name, "A");
        assert!(udp.tc(), "{name}: required glue does not fit in 512 bytes");
        assert!(
            !udp.aa(),
            "{name}: a truncated referral is not authoritative"
        );
        let tcp = server.ask_tcp(name, "A");
        assert!(!tcp.tc() && !tcp.aa(), "{name}");
        assert_eq!(tcp.authority().len(), 8, "{name}");
        assert_eq!(tcp.additional().len(), 16, "{name}: all glue over TCP");
    }
}

/// RFC 6891 §6.1.1 and §7: a query with an OPT record gets an OPT record back, also when it is
/// answered FORMERR (a bad option, no question) or NOTIMP (another opcode).
#[test]
fn error_responses_keep_the_opt_record() {
    let server = example_server("");
    let opt = |rdata: &[u8]| {
        let mut o = vec![0, 0, 41, 0x10, 0x00, 0, 0, 0x80, 0];
        o.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        o.extend_from_slice(rdata);
        o
    };
    let mut bad_option = QueryBuilder::new("example.com", "SOA").build();
    bad_option[11] = 1;
    bad_option.extend_from_slice(&opt(&[0, 8, 0, 9, 0, 1]));
    let mut no_question = vec![0x77, 0x77, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 1];
    no_question.extend_from_slice(&opt(&[]));
    let mut other_opcode = QueryBuilder::new("example.com", "SOA").build();
    other_opcode[2] |= 2 << 3;
    other_opcode[11] = 1;
    other_opcode.extend_from_slice(&opt(&[]));
    for (what, packet, rcode) in [
        ("option cut short", bad_option, 1),
        ("no question", no_question, 1),
        ("opcode 2", other_opcode, 4),
    ] {
        for raw in [server.udp(&packet), server.tcp(&packet)] {
            let response = Response::decode(&raw.expect(what));
            assert_eq!(response.rcode(), rcode, "{what}");
            let edns = response
                .message
                .edns
                .as_ref()
                .unwrap_or_else(|| panic!("{what}: no OPT"));
            assert_eq!(edns.max_payload(), 1232, "{what}");
            assert!(edns.flags().dnssec_ok, "{what}: DO copied");
        }
    }
}

/// RFC 1995 §3: an IXFR query carries the client's SOA in AUTHORITY. It is a well-formed query,
/// refused like AXFR (no `allow_transfer` for this zone), not a format error.
#[test]
fn ixfr_with_its_soa_is_refused_not_formerr() {
    let server = example_server("");
    let mut ixfr = QueryBuilder::new("example.com", "IXFR").build();
    ixfr[9] = 1; // NSCOUNT
    let mut soa = wire_name("example.com");
    soa.extend_from_slice(&[0, 6, 0, 1, 0, 0, 0, 0]);
    let mut rdata = wire_name("ns1.example.com");
    rdata.extend_from_slice(&wire_name("hostmaster.example.com"));
    rdata.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    soa.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    soa.extend_from_slice(&rdata);
    ixfr.extend_from_slice(&soa);
    for raw in [server.udp(&ixfr), server.tcp(&ixfr)] {
        let response = Response::decode(&raw.expect("an answer"));
        assert_eq!(response.rcode(), 5, "REFUSED");
        assert_eq!(response.question_wire(), &wire_name("example.com")[..]);
        assert!(response.answers().is_empty());
    }
    // Any other record where a query has none is still a format error.
    let mut a_in_authority = QueryBuilder::new("example.com", "A").build();
    a_in_authority[9] = 1;
    a_in_authority.extend_from_slice(&wire_name("example.com"));
    a_in_authority.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1]);
    let response = Response::decode(&server.udp(&a_in_authority).unwrap());
    assert_eq!(response.rcode(), 1);
}

/// RFC 8945 §5.2.2: a query signed with a key the server does not know is answered NOTAUTH with
/// a TSIG record carrying error BADKEY; §5.3.2: that record is unsigned (MAC size 0) and echoes
/// the algorithm, time signed, fudge and original ID; §5.1: it is the last record.
#[test]
fn unknown_tsig_key_gets_badkey() {
    let server = example_server("");
    let mut rdata = wire_name("hmac-sha256.");
    let head_len = rdata.len() + 8;
    rdata.extend_from_slice(&[0, 0, 0x65, 0x43, 0x21, 0x00, 0x01, 0x2C]); // time, fudge 300
    rdata.extend_from_slice(&32u16.to_be_bytes());
    rdata.extend_from_slice(&[0x5A; 32]);
    rdata.extend_from_slice(&[0xAB, 0xCD, 0, 0, 0, 0]); // original ID, error, other length
    let mut tsig = wire_name("Some-Key.");
    tsig.extend_from_slice(&[0, 250, 0, 255, 0, 0, 0, 0]);
    tsig.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    tsig.extend_from_slice(&rdata);
    let mut expected = rdata[..head_len].to_vec();
    expected.extend_from_slice(&[0, 0, 0xAB, 0xCD, 0, 17, 0, 0]);
    for edns in [false, true] {
        let mut query = QueryBuilder::new("www.example.com", "A").id(0xABCD);
        if edns {
            query = query.edns(1232);
        }
        let mut packet = query.build();
        packet[11] += 1;
        packet.extend_from_slice(&tsig);
        for raw in [server.udp(&packet), server.tcp(&packet)] {
            let raw = raw.expect("an answer");
            let response = Response::decode(&raw);
            assert_eq!(response.rcode(), 9, "NOTAUTH");
            assert!(response.answers().is_empty());
            assert_eq!(response.message.edns.is_some(), edns, "OPT as asked");
            // The TSIG record is the last thing in the message: owner, fixed part, rdata.
            let tail = &raw[raw.len() - expected.len() - 10..];
            assert_eq!(&tail[..8], &[0, 250, 0, 255, 0, 0, 0, 0], "TSIG ANY, TTL 0");
            assert_eq!(
                &tail[10..],
                &expected[..],
                "BADKEY, unsigned, fields echoed"
            );
        }
    }
}

/// RFC 9460 §4.1: answers to SVCB and HTTPS queries carry the addresses of their TargetNames in
/// the zone in the additional section; in ServiceMode the target "." is the owner itself.
#[test]
fn svcb_targets_get_additional_addresses() {
    let server = test_zone_server();
    let svcb = server.ask("svcb.example.net", "SVCB");
    assert_eq!(
        svcb.additional(),
        vec!["target.example.net. 600 in a 192.0.2.2"]
    );
    let alias = server.ask("svcb-alias.example.net", "SVCB");
    assert_eq!(alias.additional(), svcb.additional(), "AliasMode too");
    let mut own = server.ask("many.example.net", "HTTPS").additional();
    own.sort();
    assert_eq!(
        own,
        vec![
            "many.example.net. 600 in a 192.0.2.95",
            "many.example.net. 600 in aaaa 2001:db8::95"
        ]
    );
    // The owner of this ServiceMode "." record has no addresses.
    assert!(
        server
            .ask("https.example.net", "HTTPS")
            .additional()
            .is_empty()
    );
}

/// RFC 6672 §3.2: a name below a DNAME owner is answered with the DNAME and a CNAME synthesised
/// from it (TTL of the DNAME), followed inside the zone; a substitution longer than 255 bytes
/// is YXDOMAIN (§2.2). The DNAME owner itself keeps its data.
#[test]
fn names_below_a_dname_are_redirected() {
    let server = test_zone_server();
    // (hickory shows DNAME rdata as opaque bytes: the type is checked, not the text.)
    let out_of_zone = server.ask("Host.dname.example.net", "A");
    assert_eq!(out_of_zone.rcode(), 0);
    assert!(out_of_zone.aa());
    assert_eq!(out_of_zone.answer_types(), vec!["DNAME", "CNAME"]);
    assert!(out_of_zone.answers()[0].starts_with("dname.example.net. 600 in dname"));
    assert_eq!(
        out_of_zone.answers()[1],
        "host.dname.example.net. 600 in cname host.example.com."
    );
    assert!(out_of_zone.authority().is_empty());
    // Into this zone, onto the wildcard *.w.
    let in_zone = server.ask_tcp("a.b.dname-in.example.net", "A");
    assert_eq!(in_zone.answer_types(), vec!["DNAME", "CNAME", "A"]);
    assert_eq!(
        in_zone.answers()[1..],
        [
            "a.b.dname-in.example.net. 600 in cname a.b.w.example.net.",
            "a.b.w.example.net. 600 in a 192.0.2.1"
        ]
    );
    // A CNAME question stops at the synthesised CNAME.
    let cname = server.ask("host.dname-in.example.net", "CNAME");
    assert_eq!(cname.answer_types(), vec!["DNAME", "CNAME"]);
    assert!(cname.authority().is_empty());
    // The owner itself.
    let owner = server.ask("dname.example.net", "DNAME");
    assert_eq!(owner.answer_types(), vec!["DNAME"]);
    assert_eq!(owner.answers()[0], out_of_zone.answers()[0]);
    // Too long once substituted.
    let mut long = wire_name("dname-long.example.net");
    while long.len() + 64 <= 255 {
        let mut label = vec![63u8];
        label.extend_from_slice(&[b'l'; 63]);
        label.extend_from_slice(&long);
        long = label;
    }
    let query = QueryBuilder::new("x", "A").raw_name(&long).build();
    let too_long = Response::decode(&server.udp(&query).unwrap());
    assert_eq!(too_long.rcode(), 6, "YXDOMAIN");
    assert_eq!(too_long.answer_types(), vec!["DNAME"]);
}
