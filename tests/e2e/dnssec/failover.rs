//! A failover while a validating resolver is asking: a steered name of an online-signed zone
//! over two datacenters with real HTTP health backends, Unbound (our key as trust anchor,
//! answers cached for at most a second) asked in a loop while the first datacenter's backend
//! goes down and comes back. Every answer validates (AD=1), and the answer moves to the other
//! datacenter and back.

use std::time::{Duration, Instant};

use super::unbound::{Unbound, dnskey_line, validated};
use super::{key_files, online, serve};
use crate::support::*;

fn config(port: u16, denial: &str) -> String {
    let steering = format!(
        "[checks.web]\ntype = \"http\"\nport = {port}\npath = \"/health\"\n\
         interval = \"100ms\"\ntimeout = \"80ms\"\nrise = 2\nfall = 2\n\
         [datacenters.ams]\n[datacenters.iad]\n\
         [[services]]\nname = \"app.sig.test.\"\npolicy = \"failover\"\n\
         order = [\"ams\", \"iad\"]\nttl = 30\nmin_ttl = 5\ncheck = \"web\"\n\
         targets = [\n  {{ datacenter = \"ams\", address = \"127.0.0.11\" }},\n  \
         {{ datacenter = \"iad\", address = \"127.0.0.12\" }},\n]\n"
    );
    format!("{steering}{}", online::config_for("sig.test.", denial, ""))
}

/// Asks `app.sig.test A` through `unbound` until `want` is the answer or `limit` passes;
/// every answer on the way must validate. The answers seen, in order, without repeats.
fn ask_until(unbound: &Unbound, want: &str, limit: Duration) -> Vec<String> {
    let deadline = Instant::now() + limit;
    let mut seen: Vec<String> = Vec::new();
    loop {
        let response = unbound.ask("app.sig.test", "A", None);
        let data: Vec<String> = response
            .message
            .answers
            .iter()
            .filter(|r| r.record_type() == hickory_proto::rr::RecordType::A)
            .map(|r| r.data.to_string())
            .collect();
        assert!(
            validated(&response, 0) && data.len() == 1,
            "not validated: flags {:04x} rcode {} {:?} after {seen:?}\n{}",
            response.flags(),
            response.rcode(),
            response.answers(),
            unbound.log()
        );
        if seen.last() != Some(&data[0]) {
            seen.push(data[0].clone());
        }
        if data[0] == want {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "no {want} within {limit:?}: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn failover_stays_validated(denial: &str) {
    let port = free_port();
    let ams = Backend::start("127.0.0.11", port);
    let _iad = Backend::start("127.0.0.12", port);
    let server = Server::start(&config(port, denial), &[("sig.test.zone", serve::ZONE)]);
    let anchor = dnskey_line(&key_files(&server.path("keys"))[0]);
    let tmp = tempfile::tempdir().unwrap();
    let Some(unbound) = Unbound::start(tmp.path(), "sig.test.", server.dns, &[anchor]) else {
        return;
    };
    ask_until(&unbound, "127.0.0.11", Duration::from_secs(5));
    ams.set_healthy(false);
    let seen = ask_until(&unbound, "127.0.0.12", Duration::from_secs(10));
    assert_eq!(
        seen.first().map(String::as_str),
        Some("127.0.0.11"),
        "{seen:?}"
    );
    // Served by the server itself with DO=1: the steered answer and its signature.
    let direct = server.udp(
        &QueryBuilder::new("app.sig.test", "A")
            .edns(1232)
            .dnssec_ok()
            .build(),
    );
    let direct = Response::decode(&direct.expect("an answer"));
    assert_eq!(
        direct.answer_types(),
        ["A", "RRSIG"],
        "{:?}",
        direct.answers()
    );
    ams.set_healthy(true);
    let seen = ask_until(&unbound, "127.0.0.11", Duration::from_secs(10));
    assert_eq!(
        seen.first().map(String::as_str),
        Some("127.0.0.12"),
        "{seen:?}"
    );
}

#[test]
fn a_failover_seen_through_unbound_stays_validated_with_nsec() {
    failover_stays_validated("nsec");
}

#[test]
fn a_failover_seen_through_unbound_stays_validated_with_nsec3() {
    failover_stays_validated("nsec3");
}
