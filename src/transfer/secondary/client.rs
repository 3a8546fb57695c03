//! Talking to a primary: the SOA query of a refresh (UDP, RFC 1035 §4.3.5) and the transfer
//! itself (TCP: IXFR from our serial when we hold the zone, else AXFR), both signed when the
//! zone has a key, the transfer read by [`Reader`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use super::reader::{Reader, Rr, Transfer};
use crate::transfer::message::{Message, expand_rdata};
use crate::transfer::tsig::{self, Key, Session};
use crate::wire::rtype;

/// How long the primary has to answer the SOA query (asked twice).
pub const SOA_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the primary may take to connect or between two messages of a transfer.
pub const TRANSFER_TIMEOUT: Duration = Duration::from_secs(30);

/// A zone's primary and the key its messages are signed with.
#[derive(Clone)]
pub struct Primary {
    pub address: SocketAddr,
    pub key: Option<Arc<Key>>,
}

/// A request: `qtype` for `origin`, with `authority` (our SOA, for IXFR) when given.
pub fn request(id: u16, origin: &[u8], qtype: u16, authority: Option<&Rr>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 2 * origin.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, u8::from(authority.is_some()), 0, 0]);
    out.extend_from_slice(origin);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&rtype::CLASS_IN.to_be_bytes());
    if let Some(soa) = authority {
        out.extend_from_slice(&soa.owner);
        out.extend_from_slice(&rtype::SOA.to_be_bytes());
        out.extend_from_slice(&rtype::CLASS_IN.to_be_bytes());
        out.extend_from_slice(&soa.ttl.to_be_bytes());
        out.extend_from_slice(&(soa.rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(&soa.rdata);
    }
    out
}

fn signed(primary: &Primary, mut packet: Vec<u8>) -> (Vec<u8>, Option<Session>) {
    let session = primary
        .key
        .as_ref()
        .map(|key| Session::sign_request(key, &mut packet, tsig::now()));
    (packet, session)
}

/// The primary's SOA for `origin`.
pub async fn soa(primary: &Primary, origin: &[u8]) -> Result<Rr, String> {
    let bind: SocketAddr = match primary.address {
        SocketAddr::V4(_) => SocketAddr::from(([0, 0, 0, 0], 0)),
        SocketAddr::V6(_) => SocketAddr::from(([0u16; 8], 0)),
    };
    let socket = UdpSocket::bind(bind).await.map_err(|e| e.to_string())?;
    let mut why = String::from("no answer to the SOA query");
    for _ in 0..2 {
        let id = fastrand::u16(..);
        let (packet, session) = signed(primary, request(id, origin, rtype::SOA, None));
        socket
            .send_to(&packet, primary.address)
            .await
            .map_err(|e| e.to_string())?;
        match tokio::time::timeout(
            SOA_TIMEOUT,
            soa_answer(&socket, primary, origin, id, session),
        )
        .await
        {
            Ok(Ok(soa)) => return Ok(soa),
            Ok(Err(error)) => why = error,
            Err(_) => {}
        }
    }
    Err(why)
}

async fn soa_answer(
    socket: &UdpSocket,
    primary: &Primary,
    origin: &[u8],
    id: u16,
    mut session: Option<Session>,
) -> Result<Rr, String> {
    let mut buf = vec![0u8; 65_535];
    loop {
        let (len, from) = socket
            .recv_from(&mut buf)
            .await
            .map_err(|e| e.to_string())?;
        let Ok(message) = Message::parse(&buf[..len]) else {
            continue;
        };
        if from != primary.address || message.id != id || message.flags & 0x8000 == 0 {
            continue;
        }
        if let Some(session) = session.as_mut() {
            session.verify(&message, &mut Vec::new(), tsig::now())?;
        } else if message.tsig().is_some() {
            return Err("a signed answer, but no TSIG key is configured".into());
        }
        if message.rcode() != 0 {
            return Err(format!(
                "the SOA query was answered with rcode {}",
                message.rcode()
            ));
        }
        let record = message
            .answers
            .iter()
            .find(|r| r.rtype == rtype::SOA && r.owner.eq_ignore_ascii_case(origin))
            .ok_or("the answer to the SOA query holds no SOA")?;
        let rdata = expand_rdata(message.bytes, record).map_err(|e| e.to_string())?;
        return Ok(Rr {
            owner: origin.to_ascii_lowercase(),
            rtype: rtype::SOA,
            rdata,
            ttl: record.ttl,
        });
    }
}

/// Transfers `origin` from the primary: IXFR from `ours` when given, else AXFR.
pub async fn transfer(
    primary: &Primary,
    origin: &[u8],
    ours: Option<&Rr>,
) -> Result<Transfer, String> {
    let connect = TcpStream::connect(primary.address);
    let mut stream = tokio::time::timeout(TRANSFER_TIMEOUT, connect)
        .await
        .map_err(|_| "connecting timed out".to_string())?
        .map_err(|e| format!("cannot connect: {e}"))?;
    let id = fastrand::u16(..);
    let qtype = if ours.is_some() {
        rtype::IXFR
    } else {
        rtype::AXFR
    };
    let (packet, session) = signed(primary, request(id, origin, qtype, ours));
    let mut framed = (packet.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&packet);
    stream
        .write_all(&framed)
        .await
        .map_err(|e| format!("cannot send the request: {e}"))?;
    let mut reader = Reader::new(origin, id, qtype, ours.map(Rr::serial), session);
    let mut buf = vec![0u8; 65_535];
    loop {
        let mut len = [0u8; 2];
        let read = tokio::time::timeout(TRANSFER_TIMEOUT, stream.read_exact(&mut len)).await;
        match read {
            Err(_) => return Err("the primary stopped sending".into()),
            Ok(Err(_)) => return Err(reader.end().to_string()),
            Ok(Ok(_)) => {}
        }
        let message = &mut buf[..usize::from(u16::from_be_bytes(len))];
        let read = tokio::time::timeout(TRANSFER_TIMEOUT, stream.read_exact(message)).await;
        if !matches!(read, Ok(Ok(_))) {
            return Err(reader.end().to_string());
        }
        if let Some(transfer) = reader
            .feed(message, tsig::now())
            .map_err(|e| e.to_string())?
        {
            return Ok(transfer);
        }
    }
}
