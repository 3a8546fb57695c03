//! Hostile input and floods against the running binary: a soak of malformed packets, response
//! rate limiting, TCP connection limits and slow clients, and what the server refuses to look at.

mod limits;
mod rrl;
mod soak;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// A UDP socket bound to `source` (any 127.0.0.0/8 address is local on Linux).
pub fn udp_from(source: &str) -> UdpSocket {
    let socket = UdpSocket::bind(format!("{source}:0")).expect("bind a loopback source");
    socket
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    socket
}

/// Sends one query from `socket` and waits for its reply.
pub fn exchange_from(socket: &UdpSocket, server: SocketAddr, query: &[u8]) -> Option<Vec<u8>> {
    socket.send_to(query, server).ok()?;
    let mut buf = vec![0u8; 65535];
    let (len, _) = socket.recv_from(&mut buf).ok()?;
    buf.truncate(len);
    Some(buf)
}
