//! Knot DNS as a secondary of Switchyard: a config in a temporary directory that transfers the
//! zones from our server (with a TSIG key), accepts our NOTIFY, and lets the test read the zone
//! back by AXFR; stopped by PID when dropped. Also a small AXFR client for the tests.

use std::net::{SocketAddr, TcpStream};
use std::process::Child;
use std::time::{Duration, Instant};

use super::dns::{QueryBuilder, Response, exchange_udp, read_framed, write_framed};
pub use super::knot::free_port;
use super::knot::{current_user, knotd_path};

/// A TSIG key as both sides configure it.
pub struct TsigKey<'a> {
    pub name: &'a str,
    pub algorithm: &'a str,
    pub secret: &'a str,
}

/// A running `knotd` secondary.
pub struct KnotSecondary {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
}

/// What the secondary is set up with.
pub struct SecondarySetup<'a> {
    pub zones: &'a [&'a str],
    pub primary: SocketAddr,
    pub key: Option<&'a TsigKey<'a>>,
    /// Extra zone options (indented for a zone entry), e.g. `catalog-role: interpret`.
    pub zone_options: &'a str,
    /// The port to listen on (see [`free_port`]), known before the primary starts.
    pub port: u16,
}

fn config(dir: &std::path::Path, port: u16, setup: &SecondarySetup<'_>) -> String {
    let d = dir.display();
    let mut conf = format!(
        "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n  pidfile: {d}/knot.pid\n\
         \x20 udp-workers: 1\n  tcp-workers: 2\n  background-workers: 1\n"
    );
    if let Some(user) = current_user() {
        conf.push_str(&format!("  user: {user}\n"));
    }
    conf.push_str(&format!(
        "database:\n  storage: {d}\nlog:\n  - target: stderr\n    any: info\n"
    ));
    let key_ref = match setup.key {
        Some(key) => {
            conf.push_str(&format!(
                "key:\n  - id: {}\n    algorithm: {}\n    secret: {}\n",
                key.name, key.algorithm, key.secret
            ));
            format!("\n    key: {}", key.name)
        }
        None => String::new(),
    };
    let primary = setup.primary;
    conf.push_str(&format!(
        "remote:\n  - id: primary\n    address: {}@{}{key_ref}\n\
         acl:\n  - id: notify\n    address: 127.0.0.1{key_ref}\n    action: notify\n\
         \x20 - id: readback\n    address: 127.0.0.0/8\n    action: transfer\n\
         template:\n  - id: default\n    storage: {d}\n    zonefile-sync: -1\n\
         \x20   zonefile-load: none\n    master: primary\n    acl: [notify, readback]\n\
         zone:\n",
        primary.ip(),
        primary.port()
    ));
    for zone in setup.zones {
        conf.push_str(&format!("  - domain: \"{zone}\"\n{}", setup.zone_options));
    }
    conf
}

impl KnotSecondary {
    /// Starts knotd; `Ok(None)` when it is not installed.
    pub fn start(setup: &SecondarySetup<'_>) -> Result<Option<KnotSecondary>, String> {
        let Some(knotd) = knotd_path() else {
            return Ok(None);
        };
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let port = setup.port;
        let child = super::knot::spawn(&knotd, dir.path(), &config(dir.path(), port, setup))?;
        Ok(Some(KnotSecondary {
            child: Some(child),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
        }))
    }

    /// knotd's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("knotd.log")).unwrap_or_default()
    }

    /// The serial Knot serves for `zone`, if it serves it.
    pub fn serial(&self, zone: &str) -> Option<u32> {
        soa_serial(self.addr, zone)
    }

    /// Waits until Knot serves `zone` with a serial that `accept` likes.
    pub fn wait_serial(&self, zone: &str, limit: Duration, accept: impl Fn(u32) -> bool) -> u32 {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(serial) = self.serial(zone).filter(|s| accept(*s)) {
                return serial;
            }
            assert!(
                Instant::now() < deadline,
                "knotd did not get the wanted serial of {zone} (has {:?}):\n{}",
                self.serial(zone),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for KnotSecondary {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            super::knot::stop(child);
        }
    }
}

/// The SOA serial `server` answers for `zone` over UDP.
pub fn soa_serial(server: SocketAddr, zone: &str) -> Option<u32> {
    let query = QueryBuilder::new(zone, "SOA").build();
    let raw = exchange_udp(server, &query, Duration::from_millis(300))?;
    let response = Response::decode(&raw);
    response.message.answers.iter().find_map(|r| match &r.data {
        hickory_proto::rr::RData::SOA(soa) => Some(soa.serial),
        _ => None,
    })
}

/// An unsigned AXFR of `zone` from `server`, sent from `source` (an address in 127.0.0.0/8):
/// the response rcode and its records as lowercased text, sorted (the closing SOA left out).
pub fn axfr(server: SocketAddr, source: &str, zone: &str) -> (u16, Vec<String>) {
    let mut stream = connect_from(source, server);
    write_framed(&mut stream, &QueryBuilder::new(zone, "AXFR").build()).unwrap();
    let mut records = Vec::new();
    let mut soas = 0;
    loop {
        let Some(raw) = read_framed(&mut stream) else {
            panic!(
                "AXFR of {zone} from {server} ended early after {} records",
                records.len()
            );
        };
        let response = Response::decode(&raw);
        if response.rcode() != 0 {
            return (response.rcode(), Vec::new());
        }
        for record in response.message.answers.iter() {
            if record.record_type() == hickory_proto::rr::RecordType::SOA {
                soas += 1;
                if soas == 2 {
                    records.sort();
                    return (0, records);
                }
            }
            records.push(record.to_string().to_lowercase());
        }
    }
}

/// A TCP connection to `server` from `source` (an address in 127.0.0.0/8).
pub fn connect_from(source: &str, server: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let local: SocketAddr = format!("{source}:0").parse().unwrap();
    socket.bind(&local.into()).unwrap();
    socket
        .connect_timeout(&server.into(), Duration::from_secs(2))
        .unwrap();
    let stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}
