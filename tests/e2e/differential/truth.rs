//! The zones as the reference server loaded them, fetched by AXFR from the one address its ACL
//! lets transfer. The corpus is generated from it (every owner, every empty non-terminal,
//! every wildcard) and some allowed differences are checked against it.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use super::message::{Message, Rr};
use crate::support::knot::TRANSFER_SOURCE;
use crate::support::{QueryBuilder, wire_name};

/// One zone's records.
pub struct ZoneData {
    /// Lowercased wire form of the apex.
    pub origin: Vec<u8>,
    pub records: Vec<Rr>,
}

/// Every zone served.
pub struct Truth {
    pub zones: Vec<ZoneData>,
}

/// Strips the first label of a wire name.
pub fn parent(name: &[u8]) -> Option<&[u8]> {
    let len = usize::from(*name.first()?);
    (len > 0).then(|| &name[1 + len..])
}

/// True when `name` is `ancestor` or below it (both lowercased wire names).
pub fn is_at_or_below(name: &[u8], ancestor: &[u8]) -> bool {
    let mut cur = Some(name);
    while let Some(n) = cur {
        if n == ancestor {
            return true;
        }
        cur = parent(n);
    }
    false
}

impl Truth {
    /// Transfers each zone from the reference server.
    pub fn transfer(server: SocketAddr, origins: &[&str]) -> Truth {
        let zones = origins
            .iter()
            .map(|origin| ZoneData {
                origin: wire_name(origin).to_ascii_lowercase(),
                records: axfr(server, origin)
                    .unwrap_or_else(|e| panic!("AXFR of {origin} from knotd: {e}")),
            })
            .collect();
        Truth { zones }
    }

    /// The zone a name falls in (longest origin).
    pub fn zone_of(&self, name: &[u8]) -> Option<&ZoneData> {
        let lower = name.to_ascii_lowercase();
        self.zones
            .iter()
            .filter(|z| is_at_or_below(&lower, &z.origin))
            .max_by_key(|z| z.origin.len())
    }

    /// The records of one RRset.
    pub fn rrset(&self, owner: &[u8], rtype: u16) -> Vec<Rr> {
        let lower = owner.to_ascii_lowercase();
        self.zone_of(&lower).map_or_else(Vec::new, |z| {
            z.records
                .iter()
                .filter(|r| r.owner == lower && r.rtype == rtype)
                .cloned()
                .collect()
        })
    }

    /// The types present at a name.
    pub fn types_at(&self, owner: &[u8]) -> Vec<u16> {
        let lower = owner.to_ascii_lowercase();
        let mut types: Vec<u16> = self
            .zone_of(&lower)
            .map(|z| {
                z.records
                    .iter()
                    .filter(|r| r.owner == lower)
                    .map(|r| r.rtype)
                    .collect()
            })
            .unwrap_or_default();
        types.sort_unstable();
        types.dedup();
        types
    }

    /// Every owner name, each once, zone by zone.
    pub fn owners(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for zone in &self.zones {
            for rr in &zone.records {
                if !out.contains(&rr.owner) {
                    out.push(rr.owner.clone());
                }
            }
        }
        out
    }

    /// Names that exist only because something lives below them.
    pub fn empty_non_terminals(&self) -> Vec<Vec<u8>> {
        let owners = self.owners();
        let mut out: Vec<Vec<u8>> = Vec::new();
        for owner in &owners {
            let Some(zone) = self.zone_of(owner) else {
                continue;
            };
            let mut cur = parent(owner);
            while let Some(name) = cur {
                if name.len() <= zone.origin.len() {
                    break;
                }
                if !owners.iter().any(|o| o == name) && !out.iter().any(|o| o == name) {
                    out.push(name.to_vec());
                }
                cur = parent(name);
            }
        }
        out
    }

    /// Owners of DNAME records.
    pub fn dnames(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for zone in &self.zones {
            for rr in &zone.records {
                if rr.rtype == 39 && !out.contains(&rr.owner) {
                    out.push(rr.owner.clone());
                }
            }
        }
        out
    }

    /// Zone cuts: owners of NS records other than an apex.
    pub fn cuts(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for zone in &self.zones {
            for rr in &zone.records {
                if rr.rtype == 2 && rr.owner != zone.origin && !out.contains(&rr.owner) {
                    out.push(rr.owner.clone());
                }
            }
        }
        out
    }
}

fn axfr(server: SocketAddr, origin: &str) -> Result<Vec<Rr>, String> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .map_err(|e| e.to_string())?;
    let source: SocketAddr = format!("{TRANSFER_SOURCE}:0").parse().unwrap();
    socket
        .bind(&source.into())
        .map_err(|e| format!("bind {source}: {e}"))?;
    socket
        .connect_timeout(&server.into(), Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    let mut stream: std::net::TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let query = QueryBuilder::new(origin, "AXFR").build();
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&query);
    stream.write_all(&framed).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    let mut soas = 0;
    while soas < 2 {
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut buf).map_err(|e| e.to_string())?;
        let message = Message::decode(&buf)?;
        if message.rcode() != 0 {
            return Err(format!("rcode {}", message.rcode()));
        }
        for rr in message.answer {
            if rr.rtype == 6 {
                soas += 1;
                if soas == 2 {
                    break;
                }
            }
            records.push(rr);
        }
    }
    Ok(records)
}
