//! Soak: 100,000 hostile packets (truncated headers, compression loops, bad label lengths, huge
//! counts, bad OPT and Client Subnet options, responses, random bytes) fired at the running
//! server over UDP and a few thousand over TCP; then ordinary queries must all be answered
//! correctly, by the same process.

use std::io::Read;
use std::net::{TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use switchyard::fuzzing::hostile_packet;

use crate::support::*;

const UDP_PACKETS: usize = 100_000;
const TCP_CONNECTIONS: usize = 8;
const TCP_PACKETS_EACH: usize = 250;
/// Datagrams sent before waiting for the server to catch up.
const CHUNK: usize = 250;

/// True when the server must answer this packet (a query header from a real port).
fn deserves_answer(packet: &[u8]) -> bool {
    packet.len() >= 12 && packet[2] & 0x80 == 0
}

fn steered_server() -> Server {
    let geoip = repo().join("geoip/example-city.mmdb");
    let config = format!(
        r#"[server]
listen = ["127.0.0.1:0"]
identity = "ns1.example.com"
[geoip]
database = "{}"
[zones]
"example.com." = "example.com.zone"
[datacenters]
ams = {{ location = [52.37, 4.90] }}
sin = {{ location = [1.35, 103.82] }}
[[services]]
name = "www.example.com."
policy = "geo"
targets = [
  {{ datacenter = "ams", address = "192.0.2.10" }},
  {{ datacenter = "sin", address = "203.0.113.10" }},
]
[services.geo]
"country:SG" = ["sin"]
default = ["ams"]
"#,
        geoip.display()
    );
    Server::start(&config, &[("example.com.zone", example_zone().as_str())])
}

/// Counts replies on `socket` until `stop`; panics on a reply that is not a response or is
/// larger than the server's UDP payload.
fn count_replies(socket: UdpSocket, replies: Arc<AtomicUsize>, stop: Arc<AtomicBool>) {
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = vec![0u8; 65535];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((len, _)) => {
                assert!((12..=1232).contains(&len), "reply of {len} bytes");
                assert!(buf[2] & 0x80 != 0, "reply without QR");
                replies.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) if stop.load(Ordering::Relaxed) => return,
            Err(_) => {}
        }
    }
}

fn udp_flood(server: &Server, rng: &mut fastrand::Rng) -> (usize, usize) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let replies = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let receiver = {
        let (socket, replies, stop) = (socket.try_clone().unwrap(), replies.clone(), stop.clone());
        std::thread::spawn(move || count_replies(socket, replies, stop))
    };
    let mut expected = 0;
    for chunk in 0..UDP_PACKETS / CHUNK {
        for _ in 0..CHUNK {
            let packet = hostile_packet(rng);
            expected += usize::from(deserves_answer(&packet));
            let _ = socket.send_to(&packet, server.dns);
        }
        // Keep at most a few chunks in flight so that the flood is processed, not dropped by
        // the kernel; a lost datagram only costs the wait.
        let deadline = Instant::now() + Duration::from_millis(200);
        while replies.load(Ordering::Relaxed) + 2 * CHUNK < expected && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
        if chunk % 40 == 0 {
            assert_eq!(
                server.ask("mail.example.com", "A").answers().len(),
                1,
                "not answering during the flood"
            );
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    receiver.join().expect("a reply broke an invariant");
    (expected, replies.load(Ordering::Relaxed))
}

/// Hostile packets pipelined over a few connections; every one that deserves an answer gets
/// one, in order, on a connection that stays open.
fn tcp_flood(server: &Server, rng: &mut fastrand::Rng) {
    for _ in 0..TCP_CONNECTIONS {
        let mut stream = TcpStream::connect(server.dns).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut expected = 0;
        for _ in 0..TCP_PACKETS_EACH {
            let packet = hostile_packet(rng);
            expected += usize::from(deserves_answer(&packet));
            write_framed(&mut stream, &packet).unwrap();
        }
        for i in 0..expected {
            let reply = read_framed(&mut stream)
                .unwrap_or_else(|| panic!("reply {i} of {expected} missing over TCP"));
            assert!(reply.len() >= 12 && reply[2] & 0x80 != 0);
        }
    }
    // Broken framing: a length longer than what follows, then the client goes away; and bytes
    // that are not DNS at all.
    let mut short = TcpStream::connect(server.dns).unwrap();
    let _ = std::io::Write::write_all(&mut short, &[0xff, 0xff, 1, 2, 3]);
    drop(short);
    let mut http = TcpStream::connect(server.dns).unwrap();
    let _ = std::io::Write::write_all(&mut http, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    http.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let _ = http.read(&mut [0u8; 16]);
}

fn is_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
    })
}

#[test]
fn a_hundred_thousand_hostile_packets_leave_the_server_answering() {
    let server = steered_server();
    let pid = server.pid();
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let start = Instant::now();
    let (expected, replies) = udp_flood(&server, &mut rng);
    eprintln!(
        "soak: {UDP_PACKETS} UDP packets in {:?}, {replies} replies ({expected} deserved one)",
        start.elapsed()
    );
    assert!(
        replies * 10 >= expected * 9,
        "{replies} replies to {expected} packets that deserve one"
    );
    tcp_flood(&server, &mut rng);

    // Ordinary queries, all answered correctly.
    for id in 0..200u16 {
        let query = QueryBuilder::new("mail.example.com", "A").id(id).build();
        let response = Response::decode(&server.udp(&query).expect("answer after the soak"));
        assert_eq!(response.id(), id);
        assert_eq!(
            response.answers(),
            vec!["mail.example.com. 3600 in a 192.0.2.25"]
        );
    }
    let steered = QueryBuilder::new("www.example.com", "A").client_subnet("203.0.113.0/24");
    let response = Response::decode(&server.udp(&steered.build()).unwrap());
    assert_eq!(response.answer_data(), vec!["203.0.113.10"]);
    assert_eq!(server.ask("nothing.example.com", "A").rcode(), 3);
    assert_eq!(server.ask_tcp("example.com", "SOA").answers().len(), 1);
    assert_eq!(
        server.ask_tcp("www.example.com", "A").answer_data(),
        vec!["192.0.2.10"]
    );

    assert_eq!(server.pid(), pid);
    assert!(is_alive(pid), "the server process is gone");
    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");
}
