//! Response rate limiting: a flood from one network is limited (dropped, every `slip`-th
//! response sent truncated) while other networks, other names and TCP are answered normally.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use super::{exchange_from, udp_from};
use crate::support::*;

/// Sends `queries` from `socket` as fast as it can, then collects replies until none arrives
/// for 500 ms.
fn flood(socket: &UdpSocket, server: &Server, queries: &[Vec<u8>]) -> Vec<Response> {
    for query in queries {
        socket.send_to(query, server.dns).unwrap();
    }
    let mut replies = Vec::new();
    let mut buf = vec![0u8; 65535];
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    while let Ok((len, _)) = socket.recv_from(&mut buf) {
        replies.push(Response::decode(&buf[..len]));
    }
    replies
}

fn rrl_server(keys: &str) -> Server {
    example_server(&format!(
        "\n[admin]\nlisten = \"127.0.0.1:0\"\n[rrl]\nenabled = true\n{keys}\n"
    ))
}

#[test]
fn a_flood_from_one_network_is_limited_and_slips_while_others_are_answered() {
    let server = rrl_server("rate = 5\nwindow = 1\nslip = 2");
    let flooder = udp_from("127.0.0.1");
    let queries: Vec<Vec<u8>> = (0..200u16)
        .map(|id| QueryBuilder::new("mail.example.com", "A").id(id).build())
        .collect();
    let dns = server.dns;
    // Another /24 asks during the flood: the flooded name and others, each under the rate.
    let bystander = std::thread::spawn(move || {
        let socket = udp_from("127.0.1.1");
        let names = [
            "mail.example.com",
            "ns1.example.com",
            "ns2.example.com",
            "sip.example.com",
        ];
        names
            .iter()
            .cycle()
            .take(16)
            .filter(|name| {
                let query = QueryBuilder::new(name, "A").build();
                exchange_from(&socket, dns, &query)
                    .map(|raw| Response::decode(&raw))
                    .is_some_and(|r| !r.tc() && r.answers().len() == 1)
            })
            .count()
    });
    let replies = flood(&flooder, &server, &queries);
    let full = replies.iter().filter(|r| !r.tc()).count();
    let slipped: Vec<&Response> = replies.iter().filter(|r| r.tc()).collect();
    assert!(
        (1..=10).contains(&full),
        "{full} full answers to a flood limited to 5 per second"
    );
    assert!(
        slipped.len() >= 40,
        "only {} truncated replies to ~195 limited responses with slip = 2",
        slipped.len()
    );
    for reply in &slipped {
        assert!(reply.answers().is_empty() && reply.authority().is_empty());
        assert_eq!(reply.question_wire(), &wire_name("mail.example.com")[..]);
        assert!(reply.id() < 200);
    }
    assert!(
        replies.len() < 150,
        "{} replies: limited responses were not dropped",
        replies.len()
    );
    assert_eq!(bystander.join().unwrap(), 16, "another network was limited");
    // The limited responses are counted in /metrics.
    let text = admin::request(server.admin.unwrap(), "GET", "/metrics", &[], "").body;
    let metrics = admin::parse_prometheus(&text).unwrap();
    let counted = |action: &str| {
        metrics.count(
            "switchyard_rrl_responses_total",
            &[("class", "answer"), ("action", action)],
        )
    };
    assert!(counted("slipped") >= slipped.len() as f64, "{text}");
    assert!(counted("dropped") >= 1.0, "{text}");
    assert_eq!(metrics.count("switchyard_rrl_enabled", &[]), 1.0);
    // TCP is never limited, even from the flooding network.
    let tcp = server.ask_tcp("mail.example.com", "A");
    assert_eq!(tcp.answers().len(), 1);
    assert!(server.log().find("panicked").is_none());
}

#[test]
fn slip_zero_drops_everything_limited_and_classes_are_separate() {
    let server = rrl_server("rate = 3\nwindow = 2\nslip = 0");
    let socket = udp_from("127.0.0.1");
    // NXDOMAIN is limited per zone: random names share one bucket.
    let nxdomain: Vec<Vec<u8>> = (0..60u16)
        .map(|id| {
            QueryBuilder::new(&format!("nope-{id}.example.com"), "A")
                .id(id)
                .build()
        })
        .collect();
    let start = Instant::now();
    let replies = flood(&socket, &server, &nxdomain);
    assert!(replies.iter().all(|r| !r.tc() && r.rcode() == 3));
    let seconds = start.elapsed().as_secs() as usize + 1;
    assert!(
        (1..=3 * (seconds + 1)).contains(&replies.len()),
        "{} NXDOMAIN answers at 3 per second",
        replies.len()
    );
    // Positive answers from the same network are another bucket.
    let answer = exchange_from(
        &socket,
        server.dns,
        &QueryBuilder::new("ns1.example.com", "A").build(),
    )
    .map(|raw| Response::decode(&raw))
    .expect("answers are limited apart from NXDOMAIN");
    assert_eq!(answer.answers().len(), 1);
    // Errors (REFUSED for a zone we do not serve) too, and nothing is slipped.
    let refused: Vec<Vec<u8>> = (0..30u16)
        .map(|id| QueryBuilder::new("example.org", "A").id(id).build())
        .collect();
    let replies = flood(&socket, &server, &refused);
    assert!(
        !replies.is_empty() && replies.len() <= 9,
        "{} REFUSED",
        replies.len()
    );
    assert!(replies.iter().all(|r| r.rcode() == 5 && !r.tc()));
}

#[test]
fn rate_limiting_is_off_by_default() {
    let server = example_server("");
    let socket = udp_from("127.0.0.1");
    let queries: Vec<Vec<u8>> = (0..100u16)
        .map(|id| QueryBuilder::new("mail.example.com", "A").id(id).build())
        .collect();
    let replies = flood(&socket, &server, &queries);
    assert_eq!(replies.len(), 100);
    assert!(replies.iter().all(|r| !r.tc()));
}
