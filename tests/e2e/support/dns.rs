//! A small DNS client for tests: builds queries (also malformed ones), sends them over UDP or
//! TCP, and decodes responses with hickory-proto.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use hickory_proto::op::Message;

/// Sends one datagram and waits for its reply: a datagram from `server` with the query's ID.
/// Anything else that reaches the ephemeral port is ignored, as a resolver ignores it
/// (RFC 5452 §9.1): tests running beside this one send UDP to ports they picked earlier
/// (refresh queries to a stopped primary, NOTIFYs to a secondary not yet started), and such a
/// port may be the one this socket was given.
pub fn exchange_udp(server: SocketAddr, message: &[u8], timeout: Duration) -> Option<Vec<u8>> {
    try_exchange_udp(server, message, timeout).ok()
}

/// [`exchange_udp`], saying why no reply came.
pub fn try_exchange_udp(
    server: SocketAddr,
    message: &[u8],
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    socket
        .send_to(message, server)
        .map_err(|e| format!("send: {e}"))?;
    let deadline = std::time::Instant::now() + timeout;
    let mut buf = vec![0u8; 65535];
    loop {
        let left = deadline
            .checked_duration_since(std::time::Instant::now())
            .ok_or("timed out")?;
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .map_err(|e| format!("timeout: {e}"))?;
        let (len, from) = match socket.recv_from(&mut buf) {
            Ok(received) => received,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("receive: {e}")),
        };
        let same_id = message.len() < 2 || (len >= 2 && buf[..2] == message[..2]);
        if from == server && same_id {
            buf.truncate(len);
            return Ok(buf);
        }
    }
}

/// Sends one length-prefixed message over a new TCP connection and reads one reply.
pub fn exchange_tcp(server: SocketAddr, message: &[u8], timeout: Duration) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect_timeout(&server, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    write_framed(&mut stream, message).ok()?;
    read_framed(&mut stream)
}

/// Writes a 2-byte length prefix and the message.
pub fn write_framed(stream: &mut TcpStream, message: &[u8]) -> std::io::Result<()> {
    let mut framed = (message.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    stream.write_all(&framed)
}

/// Reads one length-prefixed message.
pub fn read_framed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).ok()?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut buf).ok()?;
    Some(buf)
}

/// Wire form of a presentation name.
pub fn wire_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// Type code from a mnemonic or `TYPEnnn`.
pub fn type_code(qtype: &str) -> u16 {
    switchyard::wire::rtype::type_from_str(qtype).unwrap_or_else(|| panic!("unknown type {qtype}"))
}

/// Builds query packets byte by byte so that tests control every field.
#[derive(Clone)]
pub struct QueryBuilder {
    pub id: u16,
    pub flags: u16,
    pub qname: Vec<u8>,
    pub qtype: u16,
    pub qclass: u16,
    pub edns: Option<EdnsBuilder>,
}

/// The OPT record of a query.
#[derive(Clone, Default)]
pub struct EdnsBuilder {
    pub payload: u16,
    pub version: u8,
    pub dnssec_ok: bool,
    pub options: Vec<(u16, Vec<u8>)>,
}

impl QueryBuilder {
    pub fn new(name: &str, qtype: &str) -> QueryBuilder {
        QueryBuilder {
            id: 0x4242,
            flags: 0x0100,
            qname: wire_name(name),
            qtype: type_code(qtype),
            qclass: 1,
            edns: None,
        }
    }

    /// The question name exactly as given on the wire.
    pub fn raw_name(mut self, wire: &[u8]) -> Self {
        self.qname = wire.to_vec();
        self
    }

    pub fn id(mut self, id: u16) -> Self {
        self.id = id;
        self
    }

    pub fn flags(mut self, flags: u16) -> Self {
        self.flags = flags;
        self
    }

    pub fn class(mut self, class: u16) -> Self {
        self.qclass = class;
        self
    }

    /// Adds EDNS(0) with this payload size.
    pub fn edns(mut self, payload: u16) -> Self {
        self.edns = Some(EdnsBuilder {
            payload,
            ..EdnsBuilder::default()
        });
        self
    }

    pub fn edns_version(mut self, version: u8) -> Self {
        self.edns.get_or_insert_with(default_edns).version = version;
        self
    }

    pub fn dnssec_ok(mut self) -> Self {
        self.edns.get_or_insert_with(default_edns).dnssec_ok = true;
        self
    }

    /// Adds an EDNS option (the OPT record is created with payload 1232 if missing).
    pub fn option(mut self, code: u16, data: &[u8]) -> Self {
        self.edns
            .get_or_insert_with(default_edns)
            .options
            .push((code, data.to_vec()));
        self
    }

    /// Adds an ECS option for `address/prefix` (address bits beyond the prefix are cleared).
    pub fn client_subnet(self, subnet: &str) -> Self {
        let net: ipnet::IpNet = subnet.parse().expect("subnet");
        let (family, bytes): (u16, Vec<u8>) = match net.trunc().addr() {
            std::net::IpAddr::V4(a) => (1, a.octets().to_vec()),
            std::net::IpAddr::V6(a) => (2, a.octets().to_vec()),
        };
        let prefix = net.prefix_len();
        let mut data = family.to_be_bytes().to_vec();
        data.push(prefix);
        data.push(0);
        data.extend_from_slice(&bytes[..(prefix as usize).div_ceil(8)]);
        self.option(8, &data)
    }

    pub fn build(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(64);
        p.extend_from_slice(&self.id.to_be_bytes());
        p.extend_from_slice(&self.flags.to_be_bytes());
        p.extend_from_slice(&[0, 1, 0, 0, 0, 0]);
        p.extend_from_slice(&(u16::from(self.edns.is_some())).to_be_bytes());
        p.extend_from_slice(&self.qname);
        p.extend_from_slice(&self.qtype.to_be_bytes());
        p.extend_from_slice(&self.qclass.to_be_bytes());
        if let Some(edns) = &self.edns {
            p.push(0);
            p.extend_from_slice(&41u16.to_be_bytes());
            p.extend_from_slice(&edns.payload.to_be_bytes());
            let ttl = (u32::from(edns.version) << 16) | if edns.dnssec_ok { 0x8000 } else { 0 };
            p.extend_from_slice(&ttl.to_be_bytes());
            let rdlen: usize = edns.options.iter().map(|(_, d)| 4 + d.len()).sum();
            p.extend_from_slice(&(rdlen as u16).to_be_bytes());
            for (code, data) in &edns.options {
                p.extend_from_slice(&code.to_be_bytes());
                p.extend_from_slice(&(data.len() as u16).to_be_bytes());
                p.extend_from_slice(data);
            }
        }
        p
    }
}

fn default_edns() -> EdnsBuilder {
    EdnsBuilder {
        payload: 1232,
        ..EdnsBuilder::default()
    }
}

/// A decoded response with helpers for assertions.
pub struct Response {
    pub raw: Vec<u8>,
    pub message: Message,
}

impl Response {
    pub fn decode(raw: &[u8]) -> Response {
        let message = Message::from_vec(raw)
            .unwrap_or_else(|e| panic!("response does not parse: {e}: {raw:02x?}"));
        Response {
            raw: raw.to_vec(),
            message,
        }
    }

    pub fn id(&self) -> u16 {
        u16::from_be_bytes([self.raw[0], self.raw[1]])
    }

    pub fn flags(&self) -> u16 {
        u16::from_be_bytes([self.raw[2], self.raw[3]])
    }

    /// Full rcode: header bits plus the OPT record's upper bits.
    pub fn rcode(&self) -> u16 {
        let high = self
            .message
            .edns
            .as_ref()
            .map_or(0, |e| u16::from(e.rcode_high()));
        (high << 4) | u16::from(self.raw[3] & 0x0F)
    }

    pub fn aa(&self) -> bool {
        self.flags() & 0x0400 != 0
    }

    pub fn tc(&self) -> bool {
        self.flags() & 0x0200 != 0
    }

    pub fn rd(&self) -> bool {
        self.flags() & 0x0100 != 0
    }

    pub fn ra(&self) -> bool {
        self.flags() & 0x0080 != 0
    }

    /// The question name exactly as echoed (wire bytes).
    pub fn question_wire(&self) -> &[u8] {
        let len = switchyard::wire::name::wire_name_len(&self.raw[12..]).expect("question name");
        &self.raw[12..12 + len]
    }

    fn render(records: &[hickory_proto::rr::Record]) -> Vec<String> {
        records
            .iter()
            .map(|r| r.to_string().to_lowercase())
            .collect()
    }

    /// Answer records as `name ttl class type rdata`, lowercased.
    pub fn answers(&self) -> Vec<String> {
        Self::render(&self.message.answers)
    }

    pub fn authority(&self) -> Vec<String> {
        Self::render(&self.message.authorities)
    }

    pub fn additional(&self) -> Vec<String> {
        Self::render(&self.message.additionals)
    }

    /// Types of the answer records, in order.
    pub fn answer_types(&self) -> Vec<String> {
        self.message
            .answers
            .iter()
            .map(|r| r.record_type().to_string())
            .collect()
    }

    /// Data of the answer records (the rdata as text).
    pub fn answer_data(&self) -> Vec<String> {
        self.message
            .answers
            .iter()
            .map(|r| r.data.to_string())
            .collect()
    }

    /// The raw data of an EDNS option in the response.
    pub fn option(&self, code: u16) -> Option<Vec<u8>> {
        let edns = self.message.edns.as_ref()?;
        let code = hickory_proto::rr::rdata::opt::EdnsCode::from(code);
        let option = edns.option(code)?;
        Vec::<u8>::try_from(option).ok()
    }
}
