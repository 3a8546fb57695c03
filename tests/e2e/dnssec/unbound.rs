//! Unbound as a validating resolver in front of the server: a stub zone pointing at it, our
//! key as trust anchor, `subnetcache` forwarding the clients' ECS. Positive answers, a CNAME
//! chain, wildcards, NXDOMAIN, NODATA, an empty non-terminal and the DS (or its absence) at
//! secure and insecure delegations come back with AD=1 from a zone signed by
//! `dnssec-signzone` and from a zone signed by the server, NSEC and NSEC3; steered names
//! answer each region's datacenter, validated; a tampered signature is SERVFAIL.
//!
//! [`Unbound`] is shared by the failover and rollover tests.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{installed, key_files, online, serve};
use crate::support::knot::free_port;
use crate::support::*;

const RD: u16 = 0x0100;
const AD: u16 = 0x0020;
const NXDOMAIN: u16 = 3;
const SERVFAIL: u16 = 2;

/// A running Unbound, stopped by PID when dropped.
pub struct Unbound {
    child: Option<Child>,
    pub address: SocketAddr,
    log: PathBuf,
}

/// The anchor line of a `.key` file (`zone. IN DNSKEY 257 3 13 ...`).
pub fn dnskey_line(key_file: &Path) -> String {
    let key = std::fs::read_to_string(key_file).unwrap();
    key.lines()
        .find(|l| !l.starts_with(';') && !l.trim().is_empty())
        .unwrap()
        .to_string()
}

impl Unbound {
    /// Starts Unbound in `dir` with `zone` as a stub zone at `server` and `anchors` (DNSKEY or
    /// DS lines) as trust anchors; `None` (and a SKIP line) when it is not installed.
    pub fn start(
        dir: &Path,
        zone: &str,
        server: SocketAddr,
        anchors: &[String],
    ) -> Option<Unbound> {
        if Command::new("unbound").arg("-h").output().is_err() {
            eprintln!("SKIP: unbound is not installed (Debian: unbound)");
            return None;
        }
        let port = free_port();
        let log = dir.join("unbound.log");
        let anchors: String = anchors
            .iter()
            .map(|a| format!("  trust-anchor: \"{a}\"\n"))
            .collect();
        // The zone's parents are unsigned and unknown: insecure, not bogus.
        let conf = format!(
            "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-daemonize: no\n  \
             chroot: \"\"\n  username: \"\"\n  directory: \"{dir}\"\n  pidfile: \"\"\n  \
             use-syslog: no\n  logfile: \"{log}\"\n  verbosity: 1\n  val-log-level: 2\n  \
             do-not-query-localhost: no\n  \
             module-config: \"subnetcache validator iterator\"\n  \
             send-client-subnet: 127.0.0.1\n  client-subnet-always-forward: yes\n  \
             max-client-subnet-ipv4: 24\n  max-client-subnet-ipv6: 56\n  \
             access-control: 127.0.0.0/8 allow\n  qname-minimisation: no\n  \
             local-zone: \"test.\" nodefault\n  domain-insecure: \".\"\n  \
             cache-max-ttl: 1\n  cache-max-negative-ttl: 1\n  \
             infra-host-ttl: 1\n{anchors}\
             remote-control:\n  control-enable: no\n\
             stub-zone:\n  name: \"{zone}\"\n  stub-addr: {}@{}\n",
            server.ip(),
            server.port(),
            dir = dir.display(),
            log = log.display(),
        );
        let path = dir.join("unbound.conf");
        std::fs::write(&path, conf).unwrap();
        let check = Command::new("unbound-checkconf").arg(&path).output();
        if let Ok(out) = check {
            assert!(
                out.status.success(),
                "unbound-checkconf: {}",
                super::text(&out)
            );
        }
        let child = Command::new("unbound")
            .arg("-d")
            .arg("-c")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("unbound");
        let unbound = Unbound {
            child: Some(child),
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        let ready = eventually(Duration::from_secs(10), || {
            unbound.log().contains("start of service")
        });
        assert!(ready, "unbound did not start: {}", unbound.log());
        Some(unbound)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Asks with RD and DO, from `subnet` (ECS) when given.
    pub fn ask(&self, name: &str, qtype: &str, subnet: Option<&str>) -> Response {
        let mut query = QueryBuilder::new(name, qtype)
            .flags(RD)
            .edns(1232)
            .dnssec_ok();
        if let Some(subnet) = subnet {
            query = query.client_subnet(subnet);
        }
        let message = query.build();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(raw) = exchange_udp(self.address, &message, Duration::from_secs(3)) {
                return Response::decode(&raw);
            }
            assert!(
                Instant::now() < deadline,
                "unbound: no answer to {name} {qtype}"
            );
        }
    }
}

impl Drop for Unbound {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            crate::support::knot::stop(child);
        }
    }
}

/// Whether `response` validated: AD set and the rcode `rcode`.
pub fn validated(response: &Response, rcode: u16) -> bool {
    response.flags() & AD != 0 && response.rcode() == rcode
}

/// Asks every query of [`serve::POSITIVE`] and [`serve::NEGATIVE`] through `unbound`; the
/// lines of those that did not validate.
fn failures(unbound: &Unbound, label: &str) -> Vec<String> {
    let mut failures = Vec::new();
    let queries = serve::POSITIVE.iter().map(|q| (q, false));
    for (&(name, qtype), negative) in queries.chain(serve::NEGATIVE.iter().map(|q| (q, true))) {
        let response = unbound.ask(name, qtype, None);
        let nxdomain = negative && name.starts_with("nope");
        let rcode = if nxdomain { NXDOMAIN } else { 0 };
        let answered = !response.answers().is_empty();
        if !validated(&response, rcode) || answered == negative {
            failures.push(format!(
                "{label} {name} {qtype}: flags {:04x} rcode {} answers {:?}",
                response.flags(),
                response.rcode(),
                response.answers()
            ));
        }
    }
    failures
}

/// A zone `dnssec-signzone` signed, served, and asked through Unbound; then the same zone
/// with one signature changed: SERVFAIL there, the rest still validated.
fn presigned(nsec3: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (zone, _) = serve::signed(&dir.join("keys"), nsec3);
    let anchor = dnskey_line(&key_files(&dir.join("keys"))[0]);
    let config = "[server]\nlisten = [\"127.0.0.1:0\"]\n\n[zones]\n\"sig.test.\" = \"sig.zone\"\n";
    let server = Server::start(config, &[("sig.zone", &zone)]);
    let Some(unbound) = Unbound::start(dir, "sig.test.", server.dns, std::slice::from_ref(&anchor))
    else {
        return;
    };
    let label = if nsec3 {
        "presigned NSEC3"
    } else {
        "presigned NSEC"
    };
    let failures = failures(&unbound, label);
    assert!(
        failures.is_empty(),
        "{}\n{}",
        failures.join("\n"),
        unbound.log()
    );
    drop(unbound);

    let broken = Server::start(
        config,
        &[("sig.zone", &serve::tamper(&zone, "www.sig.test.", "A"))],
    );
    let bad = tempfile::tempdir().unwrap();
    let unbound = Unbound::start(bad.path(), "sig.test.", broken.dns, &[anchor]).unwrap();
    let response = unbound.ask("www.sig.test", "A", None);
    assert_eq!(
        response.rcode(),
        SERVFAIL,
        "{label}: {:?}",
        response.answers()
    );
    let response = unbound.ask("www.sig.test", "AAAA", None);
    assert!(validated(&response, 0), "{label}: {:?}", response.answers());
}

#[test]
fn unbound_validates_a_zone_signed_by_dnssec_signzone_with_nsec() {
    if installed("dnssec-signzone") {
        presigned(false);
    }
}

#[test]
fn unbound_validates_a_zone_signed_by_dnssec_signzone_with_nsec3() {
    if installed("dnssec-signzone") {
        presigned(true);
    }
}

/// Steered names of an online-signed zone: a datacenter per continent, and a `net:` rule.
pub const STEERED: &str = r#"
[datacenters.ams]
[datacenters.iad]
[datacenters.sin]
[[services]]
name = "svc.sig.test."
policy = "geo"
ttl = 30
targets = [
  { datacenter = "ams", address = "192.0.2.201" },
  { datacenter = "ams", address = "2001:db8::201" },
  { datacenter = "iad", address = "192.0.2.202" },
  { datacenter = "iad", address = "2001:db8::202" },
  { datacenter = "sin", address = "192.0.2.203" },
]
[services.geo]
"continent:EU" = ["ams", "iad"]
"continent:NA" = ["iad", "ams"]
"continent:AS" = ["sin", "iad"]
"net:10.2.0.0/16" = ["sin"]
default = ["iad", "ams"]
[[services]]
name = "cdn.sig.test."
policy = "geo"
ttl = 30
targets = [
  { datacenter = "ams", cname = "www.sig.test." },
  { datacenter = "iad", cname = "alias.sig.test." },
]
[services.geo]
"continent:EU" = ["ams"]
default = ["iad"]
"#;

/// (client subnet, name, type, the address the answer must hold).
pub const REGIONS: &[(&str, &str, &str, &str)] = &[
    ("192.0.2.0/25", "svc.sig.test", "A", "192.0.2.201"),
    ("198.51.100.0/24", "svc.sig.test", "A", "192.0.2.202"),
    ("203.0.113.0/24", "svc.sig.test", "A", "192.0.2.203"),
    ("10.2.3.0/24", "svc.sig.test", "A", "192.0.2.203"),
    ("198.18.0.0/24", "svc.sig.test", "A", "192.0.2.202"),
    ("2001:db8:1::/48", "svc.sig.test", "AAAA", "2001:db8::201"),
    ("2001:db8:2::/48", "svc.sig.test", "AAAA", "2001:db8::202"),
    // Singapore has no IPv6 target: the next datacenter, iad.
    ("2001:db8:3::/48", "svc.sig.test", "AAAA", "2001:db8::202"),
    // A steered CNAME, followed by the resolver to the zone's records.
    ("192.0.2.0/25", "cdn.sig.test", "A", "192.0.2.10"),
    ("198.51.100.0/24", "cdn.sig.test", "AAAA", "2001:db8::10"),
];

/// The configuration of an online-signed sig.test. with [`STEERED`] and the bundled GeoIP
/// database.
pub fn steered_config(denial: &str, extra: &str) -> String {
    let database = repo().join("geoip/example-city.mmdb");
    let geoip = format!("[geoip]\ndatabase = {:?}\n", database.display().to_string());
    format!(
        "{geoip}{STEERED}{}",
        online::config_for("sig.test.", denial, extra)
    )
}

fn online_signed(denial: &str) {
    let server = Server::start(
        &steered_config(denial, ""),
        &[("sig.test.zone", serve::ZONE)],
    );
    let anchor = dnskey_line(&key_files(&server.path("keys"))[0]);
    let tmp = tempfile::tempdir().unwrap();
    let Some(unbound) = Unbound::start(tmp.path(), "sig.test.", server.dns, &[anchor]) else {
        return;
    };
    let mut failures = failures(&unbound, denial);
    for &(subnet, name, qtype, address) in REGIONS {
        let response = unbound.ask(name, qtype, Some(subnet));
        let answers = response.answers();
        if !validated(&response, 0) || !answers.iter().any(|a| a.ends_with(address)) {
            failures.push(format!(
                "{denial} {name} {qtype} from {subnet}: flags {:04x} rcode {} {answers:?}",
                response.flags(),
                response.rcode(),
            ));
        }
    }
    // The steered name has no TXT: NODATA, proven by the chain that lists it.
    let response = unbound.ask("svc.sig.test", "TXT", Some("192.0.2.0/25"));
    if !validated(&response, 0) || !response.answers().is_empty() {
        failures.push(format!("{denial} svc TXT: {:04x}", response.flags()));
    }
    assert!(
        failures.is_empty(),
        "{}\n{}",
        failures.join("\n"),
        unbound.log()
    );
}

#[test]
fn unbound_validates_an_online_signed_zone_and_steered_answers_with_nsec() {
    online_signed("nsec");
}

#[test]
fn unbound_validates_an_online_signed_zone_and_steered_answers_with_nsec3() {
    online_signed("nsec3");
}
