//! TCP and UDP limits: idle connections by the thousand, slow clients, connection caps, and the
//! parts of a packet the server ignores.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

use crate::support::*;

/// A TCP connection to `server` from the local address `source`.
fn connect_from(source: &str, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    let local: SocketAddr = format!("{source}:0").parse().unwrap();
    socket.bind(&local.into())?;
    socket.connect_timeout(&server.into(), Duration::from_secs(2))?;
    Ok(socket.into())
}

/// True when the server closed (or reset) the connection within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 512];
    match stream.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

/// Resident memory of a process, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Raises this process's descriptor limit to the hard limit (inherited by the server it starts),
/// so that a thousand connections fit where the soft limit is 1024.
fn raise_descriptor_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[test]
fn a_thousand_idle_connections_do_not_stop_new_clients() {
    raise_descriptor_limit();
    let server = example_server("tcp_idle_timeout = \"30s\"");
    // 50 connections from each of 20 addresses: under the per-client cap (64) each.
    let idle: Vec<TcpStream> = (0..1000)
        .map(|i| {
            let source = format!("127.0.0.{}", 2 + i / 50);
            connect_from(&source, server.dns).expect("idle connection")
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // Idle connections cost little memory (buffers are not touched until a query arrives).
    let rss_kib = resident_kib(server.pid());
    assert!(
        rss_kib < 128 * 1024,
        "{rss_kib} KiB resident with 1000 idle connections"
    );
    let start = Instant::now();
    let tcp = server.ask_tcp("mail.example.com", "A");
    assert_eq!(tcp.answers().len(), 1);
    let udp = server.ask("mail.example.com", "AAAA");
    assert_eq!(udp.answers().len(), 1);
    assert!(start.elapsed() < Duration::from_secs(2));
    // The idle connections are still open and still served.
    let mut last = idle.into_iter().last().unwrap();
    last.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    write_framed(
        &mut last,
        &QueryBuilder::new("ns1.example.com", "A").build(),
    )
    .unwrap();
    assert!(read_framed(&mut last).is_some());
}

#[test]
fn a_client_over_its_connection_cap_is_refused_without_hurting_others() {
    let server = example_server("tcp_max_per_client = 3\ntcp_idle_timeout = \"10s\"");
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| connect_from("127.0.0.5", server.dns).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut extra = connect_from("127.0.0.5", server.dns).unwrap();
    let _ = write_framed(
        &mut extra,
        &QueryBuilder::new("mail.example.com", "A").build(),
    );
    assert!(
        closed_within(&mut extra, Duration::from_secs(2)),
        "fourth connection kept"
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
    let mut other = connect_from("127.0.0.6", server.dns).unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    write_framed(
        &mut other,
        &QueryBuilder::new("mail.example.com", "A").build(),
    )
    .unwrap();
    assert!(
        read_framed(&mut other).is_some(),
        "another client is served"
    );
}

#[test]
fn a_query_trickled_one_byte_at_a_time_is_cut_at_the_deadline() {
    let server = example_server("tcp_query_timeout = \"800ms\"\ntcp_idle_timeout = \"10s\"");
    let query = QueryBuilder::new("mail.example.com", "A").build();
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&query);
    let mut slow = TcpStream::connect(server.dns).unwrap();
    slow.set_nodelay(true).unwrap();
    let start = Instant::now();
    let mut cut_after = None;
    for byte in &framed {
        if slow.write_all(&[*byte]).is_err() {
            cut_after = Some(start.elapsed());
            break;
        }
        // Meanwhile other clients are answered.
        if start.elapsed() < Duration::from_millis(300) {
            assert_eq!(server.ask("mail.example.com", "A").answers().len(), 1);
        }
        std::thread::sleep(Duration::from_millis(100));
        if closed_within(&mut slow, Duration::from_millis(1)) {
            cut_after = Some(start.elapsed());
            break;
        }
    }
    let cut_after = cut_after.expect("the whole query was accepted byte by byte");
    assert!(
        cut_after >= Duration::from_millis(700) && cut_after < Duration::from_millis(2500),
        "cut after {cut_after:?}; the deadline is 800 ms"
    );
}

#[test]
fn responses_are_ignored_over_tcp_and_the_connection_goes_on() {
    let server = example_server("");
    let mut stream = TcpStream::connect(server.dns).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let response = QueryBuilder::new("mail.example.com", "A")
        .id(1)
        .flags(0x8400);
    write_framed(&mut stream, &response.build()).unwrap();
    write_framed(
        &mut stream,
        &QueryBuilder::new("ns1.example.com", "A").id(2).build(),
    )
    .unwrap();
    let answer = Response::decode(&read_framed(&mut stream).unwrap());
    assert_eq!(answer.id(), 2, "the response got an answer");
}

/// `query` with one more additional record appended (ARCOUNT raised).
fn with_additional(query: &[u8], record: &[u8]) -> Vec<u8> {
    let mut packet = query.to_vec();
    let count = u16::from_be_bytes([packet[10], packet[11]]) + 1;
    packet[10..12].copy_from_slice(&count.to_be_bytes());
    packet.extend_from_slice(record);
    packet
}

#[test]
fn only_opt_and_tsig_of_the_additional_section_are_looked_at() {
    let server = example_server("");
    let query = QueryBuilder::new("mail.example.com", "A")
        .edns(1232)
        .build();
    // An A record whose owner is a compression loop, and garbage rdata of another type.
    let looped = with_additional(
        &query,
        &[0xc0, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4],
    );
    let looped = with_additional(&looped, &[0, 0, 99, 0, 1, 0, 0, 0, 0, 0, 2, 0xff, 0xff]);
    let response = Response::decode(&server.udp(&looped).expect("answered"));
    assert_eq!(response.rcode(), 0);
    assert_eq!(response.answers().len(), 1);
    assert!(response.message.edns.is_some(), "the OPT record was read");
    // A TSIG record last: NOTAUTH (no keys); anywhere else: FORMERR.
    // A well-formed TSIG record: algorithm, time signed, fudge, empty MAC, original ID, error,
    // no other data (RFC 8945 §4.2).
    let mut rdata = b"\x0bhmac-sha256\x00".to_vec();
    rdata.extend_from_slice(&[0, 0, 0x65, 0, 0, 0, 1, 44, 0, 0, 0x42, 0x42, 0, 0, 0, 0]);
    let mut tsig = b"\x03key\x00".to_vec();
    tsig.extend_from_slice(&[0, 250, 0, 255, 0, 0, 0, 0]);
    tsig.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    tsig.extend_from_slice(&rdata);
    let signed = with_additional(&query, &tsig);
    assert_eq!(Response::decode(&server.udp(&signed).unwrap()).rcode(), 9);
    let plain = QueryBuilder::new("mail.example.com", "A").build();
    let misplaced = with_additional(
        &with_additional(&plain, &tsig),
        &[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0],
    );
    assert_eq!(
        Response::decode(&server.udp(&misplaced).unwrap()).rcode(),
        1
    );
}
