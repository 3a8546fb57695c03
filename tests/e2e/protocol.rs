//! Protocol rules: header flags and opcodes, malformed queries, EDNS (OPT, BADVERS, NSID),
//! truncation and TCP, CHAOS queries, and clean shutdown.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn edns_is_echoed_with_our_payload_size() {
    let server = example_server("");
    let query = QueryBuilder::new("mail.example.com", "A")
        .edns(4096)
        .dnssec_ok();
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    let edns = response.message.edns.as_ref().expect("OPT in response");
    assert_eq!(edns.max_payload(), 1232);
    assert_eq!(edns.version(), 0);
    assert!(edns.flags().dnssec_ok, "RFC 3225: DO is copied");
    // Unknown options are ignored, not echoed.
    let query = QueryBuilder::new("mail.example.com", "A").option(65001, b"xyz");
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(response.rcode(), 0);
    assert!(response.option(65001).is_none());
    // No OPT in the query: none in the response.
    assert!(server.ask("mail.example.com", "A").message.edns.is_none());
}

#[test]
fn edns_version_above_zero_is_badvers() {
    let server = example_server("");
    let query = QueryBuilder::new("mail.example.com", "A")
        .edns(1232)
        .edns_version(1);
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(response.rcode(), 16);
    assert!(response.answers().is_empty());
    assert_eq!(response.message.edns.as_ref().unwrap().version(), 0);
}

#[test]
fn nsid_is_sent_when_asked_for() {
    let server = example_server("");
    let query = QueryBuilder::new("mail.example.com", "A").option(3, b"");
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(response.option(3).as_deref(), Some(&b"ns1.example.com"[..]));
    let without = QueryBuilder::new("mail.example.com", "A").edns(1232);
    let response = Response::decode(&server.udp(&without.build()).unwrap());
    assert!(response.option(3).is_none());
}

#[test]
fn other_opcodes_are_notimp_and_bad_questions_formerr() {
    let server = example_server("");
    for opcode in [1u16, 2, 4, 5] {
        // RD (0x0100) and CD (0x0010) are defined for QUERY only: not echoed (genreport's
        // opcodeflg test).
        let query = QueryBuilder::new("example.com", "SOA").flags(opcode << 11 | 0x0110);
        let response = Response::decode(&server.udp(&query.build()).unwrap());
        assert_eq!(response.rcode(), 4, "opcode {opcode}");
        assert_eq!(response.flags() & 0x7800, opcode << 11, "opcode echoed");
        assert_eq!(
            response.flags() & 0x0110,
            0,
            "RD/CD echoed for opcode {opcode}"
        );
    }
    let query = QueryBuilder::new("example.com", "SOA").flags(0x0110);
    let response = Response::decode(&server.udp(&query.build()).unwrap());
    assert_eq!(
        response.flags() & 0x0110,
        0x0110,
        "RD and CD echoed for QUERY"
    );
    let mut two_questions = QueryBuilder::new("example.com", "SOA").build();
    two_questions[5] = 2;
    two_questions.extend_from_slice(&wire_name("example.com"));
    two_questions.extend_from_slice(&[0, 6, 0, 1]);
    assert_eq!(
        Response::decode(&server.udp(&two_questions).unwrap()).rcode(),
        1
    );
    let mut no_question = QueryBuilder::new("example.com", "SOA").build();
    no_question[5] = 0;
    no_question.truncate(12);
    assert_eq!(
        Response::decode(&server.udp(&no_question).unwrap()).rcode(),
        1
    );
    let bad_label = QueryBuilder::new("x", "A").raw_name(b"\x05abc");
    let raw = server.udp(&bad_label.build()).unwrap();
    assert_eq!(raw[3] & 0x0F, 1);
}

#[test]
fn responses_and_runts_get_no_answer() {
    let server = example_server("");
    let response_flag = QueryBuilder::new("example.com", "SOA").flags(0x8000);
    assert!(server.udp(&response_flag.build()).is_none());
    assert!(server.udp(&[1, 2, 3]).is_none());
    // The server is still fine.
    assert_eq!(server.ask("example.com", "SOA").rcode(), 0);
}

/// A zone with an RRset too big for 512 bytes.
fn big_zone_server() -> Server {
    let mut zone = example_zone();
    for i in 0..30 {
        zone.push_str(&format!(
            "big IN TXT \"record number {i:02} with some padding to make it long\"\n"
        ));
    }
    Server::start(&example_config(""), &[("example.com.zone", zone.as_str())])
}

#[test]
fn large_answers_truncate_over_udp_and_come_whole_over_tcp() {
    let server = big_zone_server();
    let plain = server.ask("big.example.com", "TXT");
    assert!(plain.tc(), "over 512 bytes without EDNS");
    assert!(plain.raw.len() <= 512);
    assert!(plain.answers().is_empty(), "whole RRsets only");
    let edns = QueryBuilder::new("big.example.com", "TXT").edns(1232);
    let response = Response::decode(&server.udp(&edns.build()).unwrap());
    assert!(response.tc());
    assert!(response.raw.len() <= 1232);
    assert!(response.message.edns.is_some(), "OPT survives truncation");
    let big_buffer = QueryBuilder::new("big.example.com", "TXT").edns(4096);
    let response = Response::decode(&server.udp(&big_buffer.build()).unwrap());
    assert!(response.tc(), "our own limit (1232) applies");
    let tcp = server.ask_tcp("big.example.com", "TXT");
    assert!(!tcp.tc());
    assert_eq!(tcp.answers().len(), 30);
}

#[test]
fn tcp_carries_several_pipelined_queries_per_connection() {
    let server = example_server("");
    let mut stream = TcpStream::connect(server.dns).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    for id in 1..=5u16 {
        write_framed(
            &mut stream,
            &QueryBuilder::new("mail.example.com", "A").id(id).build(),
        )
        .unwrap();
    }
    for id in 1..=5u16 {
        let response = Response::decode(&read_framed(&mut stream).expect("answer"));
        assert_eq!(response.id(), id);
        assert_eq!(response.answers().len(), 1);
    }
    // And one more after the pipeline drained.
    write_framed(
        &mut stream,
        &QueryBuilder::new("ns1.example.com", "A").id(9).build(),
    )
    .unwrap();
    assert_eq!(Response::decode(&read_framed(&mut stream).unwrap()).id(), 9);
}

#[test]
fn idle_tcp_connections_are_closed() {
    let server = example_server("tcp_idle_timeout = \"300ms\"");
    let mut stream = TcpStream::connect(server.dns).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let start = Instant::now();
    assert!(
        read_framed(&mut stream).is_none(),
        "closed without an answer"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn tcp_connection_cap_refuses_extra_connections_only() {
    let server = example_server("tcp_max_connections = 2\ntcp_idle_timeout = \"5s\"");
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(server.dns).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut extra = TcpStream::connect(server.dns).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let _ = write_framed(
        &mut extra,
        &QueryBuilder::new("mail.example.com", "A").build(),
    );
    assert!(
        read_framed(&mut extra).is_none(),
        "third connection is closed"
    );
    for stream in &mut held {
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        write_framed(stream, &QueryBuilder::new("mail.example.com", "A").build()).unwrap();
        assert!(
            read_framed(stream).is_some(),
            "held connections still answer"
        );
    }
    // UDP is unaffected.
    assert_eq!(server.ask("mail.example.com", "A").rcode(), 0);
}

#[test]
fn chaos_identity_and_hidden_version() {
    let server = example_server("");
    for name in ["id.server", "hostname.bind", "ID.SERVER"] {
        let query = QueryBuilder::new(name, "TXT").class(3);
        let response = Response::decode(&server.udp(&query.build()).unwrap());
        assert_eq!(response.rcode(), 0, "{name}");
        assert_eq!(response.answer_data(), vec!["ns1.example.com"], "{name}");
    }
    let version = QueryBuilder::new("version.bind", "TXT").class(3);
    assert_eq!(
        Response::decode(&server.udp(&version.build()).unwrap()).rcode(),
        5
    );
    let server = example_server("version = \"switchyard test\"");
    let response = Response::decode(&server.udp(&version.build()).unwrap());
    assert_eq!(response.answer_data(), vec!["switchyard test"]);
}

#[test]
fn sigterm_exits_cleanly() {
    let server = example_server("");
    assert_eq!(server.ask("example.com", "SOA").rcode(), 0);
    let status = server.stop();
    assert!(status.success(), "{status:?}");
}
