//! Authoritative answers from the bundled example zone, over UDP and TCP, against the real
//! binary: flags, NXDOMAIN vs NODATA, wildcards, CNAME chains, referrals, additional data.

use crate::support::*;

#[test]
fn positive_answer_is_authoritative_and_echoes_the_query() {
    let server = example_server("");
    let query = QueryBuilder::new("MaIl.ExAmPlE.cOm", "A").id(0xBEEF);
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(response.id(), 0xBEEF);
    assert!(response.aa() && response.rd() && !response.ra() && !response.tc());
    assert_eq!(response.rcode(), 0);
    assert_eq!(response.question_wire(), &wire_name("MaIl.ExAmPlE.cOm")[..]);
    assert_eq!(
        response.answers(),
        vec!["mail.example.com. 3600 in a 192.0.2.25"]
    );
    // RD clear in the query stays clear in the response.
    let query = QueryBuilder::new("mail.example.com", "A").flags(0);
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert!(!response.rd());
    let tcp = server.ask_tcp("mail.example.com", "AAAA");
    assert_eq!(
        tcp.answers(),
        vec!["mail.example.com. 3600 in aaaa 2001:db8::25"]
    );
}

#[test]
fn nxdomain_and_nodata_carry_the_soa_with_the_negative_ttl() {
    let server = example_server("");
    let soa = "example.com. 300 in soa ns1.example.com. hostmaster.example.com. 2026112201 7200 1800 1209600 300";
    let nx = server.ask("nothing.example.com", "A");
    assert_eq!(nx.rcode(), 3);
    assert!(nx.aa());
    assert!(nx.answers().is_empty());
    assert_eq!(nx.authority(), vec![soa]);
    for (name, qtype) in [
        ("ns2.example.com", "AAAA"),
        ("b.c.example.com", "A"),
        ("c.example.com", "TXT"),
        ("example.com", "SRV"),
    ] {
        let nodata = server.ask(name, qtype);
        assert_eq!(nodata.rcode(), 0, "{name} {qtype}");
        assert!(nodata.aa(), "{name} {qtype}");
        assert!(nodata.answers().is_empty(), "{name} {qtype}");
        assert_eq!(nodata.authority(), vec![soa], "{name} {qtype}");
    }
}

#[test]
fn wildcards_follow_rfc_4592() {
    let server = example_server("");
    let hit = server.ask("anything.wild.example.com", "A");
    assert_eq!(hit.rcode(), 0);
    assert!(hit.aa());
    assert_eq!(
        hit.answers(),
        vec!["anything.wild.example.com. 3600 in a 192.0.2.100"]
    );
    let deeper = server.ask("a.b.wild.example.com", "TXT");
    assert_eq!(
        deeper.answers(),
        vec!["a.b.wild.example.com. 3600 in txt wildcard"]
    );
    // No synthesis at an existing name...
    let existing = server.ask("x.wild.example.com", "A");
    assert_eq!(existing.rcode(), 0);
    assert!(existing.answers().is_empty());
    // ...nor below it (the closest encloser x.wild has no wildcard child).
    let below = server.ask("y.x.wild.example.com", "A");
    assert_eq!(below.rcode(), 3);
    // A type the wildcard lacks: NODATA from the wildcard.
    let nodata = server.ask("other.wild.example.com", "MX");
    assert_eq!(nodata.rcode(), 0);
    assert!(nodata.answers().is_empty());
    assert_eq!(nodata.authority().len(), 1);
}

#[test]
fn cname_chains_are_followed_inside_the_zone() {
    let server = example_server("");
    let chain = server.ask("blog.example.com", "A");
    assert_eq!(
        chain.answers(),
        vec![
            "blog.example.com. 3600 in cname alias1.example.com.",
            "alias1.example.com. 3600 in cname alias2.example.com.",
            "alias2.example.com. 3600 in a 192.0.2.81",
        ]
    );
    assert!(chain.aa());
    let outside = server.ask("docs.example.com", "A");
    assert_eq!(
        outside.answers(),
        vec!["docs.example.com. 3600 in cname docs.example.net."]
    );
    assert!(outside.authority().is_empty());
    let cname_itself = server.ask("blog.example.com", "CNAME");
    assert_eq!(cname_itself.answers().len(), 1);
    let any = server.ask_tcp("blog.example.com", "ANY");
    assert_eq!(any.answer_types(), vec!["CNAME"]);
}

#[test]
fn cname_loops_and_dangling_targets() {
    let zone = "$ORIGIN loop.test.\n$TTL 60\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n\
                a CNAME b\nb CNAME a\ndangling CNAME missing\n";
    let config = "[server]\nlisten = [\"127.0.0.1:0\"]\n[zones]\n\"loop.test.\" = \"loop.zone\"\n";
    let server = Server::start(config, &[("loop.zone", zone)]);
    let looped = server.ask("a.loop.test", "A");
    assert_eq!(looped.rcode(), 0);
    assert_eq!(looped.answer_types(), vec!["CNAME", "CNAME"]);
    let dangling = server.ask("dangling.loop.test", "A");
    assert_eq!(
        dangling.rcode(),
        3,
        "RFC 6604: the rcode is that of the last name"
    );
    assert_eq!(dangling.answer_types(), vec!["CNAME"]);
    assert_eq!(dangling.authority().len(), 1);
}

#[test]
fn referrals_at_and_below_a_zone_cut() {
    let server = example_server("");
    for name in [
        "www.sub.example.com",
        "sub.example.com",
        "ns1.sub.example.com",
    ] {
        let referral = server.ask(name, "A");
        assert_eq!(referral.rcode(), 0, "{name}");
        assert!(!referral.aa(), "{name}: referrals are not authoritative");
        assert!(referral.answers().is_empty(), "{name}");
        let mut authority = referral.authority();
        authority.sort();
        assert_eq!(
            authority,
            vec![
                "sub.example.com. 3600 in ns ns.example.net.",
                "sub.example.com. 3600 in ns ns1.sub.example.com.",
            ],
            "{name}"
        );
        assert_eq!(
            referral.additional(),
            vec!["ns1.sub.example.com. 3600 in a 192.0.2.54"],
            "{name}"
        );
    }
    // DS at the cut is answered from the parent side, authoritatively.
    let ds = server.ask("sub.example.com", "DS");
    assert!(ds.aa());
    assert_eq!(ds.answer_types(), vec!["DS"]);
}

#[test]
fn additional_section_holds_in_zone_targets() {
    let server = example_server("");
    let mx = server.ask("example.com", "MX");
    assert_eq!(mx.answers().len(), 2);
    let mut additional = mx.additional();
    additional.sort();
    assert_eq!(
        additional,
        vec![
            "mail.example.com. 3600 in a 192.0.2.25",
            "mail.example.com. 3600 in aaaa 2001:db8::25",
        ]
    );
    let ns = server.ask("example.com", "NS");
    assert_eq!(ns.additional().len(), 3);
    let srv = server.ask("_sip._tcp.example.com", "SRV");
    assert_eq!(
        srv.additional(),
        vec!["sip.example.com. 3600 in a 192.0.2.60"]
    );
}

#[test]
fn names_outside_every_zone_are_refused() {
    let server = example_server("");
    let refused = server.ask("www.example.org", "A");
    assert_eq!(refused.rcode(), 5);
    assert!(!refused.aa());
    assert!(refused.answers().is_empty() && refused.authority().is_empty());
}

#[test]
fn any_is_minimal_over_udp_and_full_over_tcp() {
    let server = example_server("");
    let udp = server.ask("example.com", "ANY");
    assert_eq!(udp.rcode(), 0);
    assert_eq!(udp.answers().len(), 1, "RFC 8482: one RRset over UDP");
    let tcp = server.ask_tcp("example.com", "ANY");
    let mut types = tcp.answer_types();
    types.dedup();
    assert_eq!(types, vec!["A", "NS", "SOA", "MX", "TXT", "AAAA", "CAA"]);
}

#[test]
fn every_record_type_is_served() {
    let server = example_server("");
    for (name, qtype, data) in [
        (
            "long.example.com",
            "TXT",
            "part one of a long text record, part two of a long text record",
        ),
        ("example.com", "CAA", "0 issue \"letsencrypt.org\""),
        ("_443._tcp.www.example.com", "TLSA", ""),
        ("svc.example.com", "HTTPS", ""),
        ("host.example.com", "SSHFP", ""),
        ("sip-naptr.example.com", "NAPTR", ""),
        ("unknown.example.com", "TYPE65280", ""),
    ] {
        let response = server.ask(name, qtype);
        assert_eq!(response.rcode(), 0, "{name} {qtype}");
        assert_eq!(response.answers().len(), 1, "{name} {qtype}");
        if !data.is_empty() {
            let got = response.answer_data()[0]
                .replace('"', "")
                .replace("\" \"", "");
            assert!(
                got.contains(&data.replace('"', ""))
                    || got.replace(' ', "").contains(&data.replace([' ', '"'], "")),
                "{name} {qtype}: {got}"
            );
        }
    }
    let unknown = server.ask("unknown.example.com", "TYPE65280");
    assert!(
        unknown
            .raw
            .ends_with(&[0xFF, 0x00, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 10, 0, 0, 1])
    );
}
