//! The catalog zone (RFC 9432): Knot DNS interpreting our catalog serves every zone we are
//! primary for, and a zone added to our configuration by a reload, with no change to Knot's.

use std::time::Duration;

use super::{KEY, zone};
use crate::support::secondary::{KnotSecondary, SecondarySetup, free_port, soa_serial};
use crate::support::*;

const CATALOG: &str = "catalog.switchyard.invalid.";

fn config(port: u16, zones: &[&str]) -> String {
    let mut text = String::from("[server]\nlisten = [\"127.0.0.1:0\"]\n\n");
    for origin in zones {
        text.push_str(&format!(
            "[zones.\"{origin}\"]\nfile = \"{origin}zone\"\nnotify = [\"127.0.0.1:{port}\"]\n\
             allow_transfer = [{{ network = \"127.0.0.1\", key = \"transfer\" }}]\n\n"
        ));
    }
    text.push_str(&format!(
        "[catalog]\nzone = \"{CATALOG}\"\nnotify = [\"127.0.0.1:{port}\"]\n\
         allow_transfer = [{{ network = \"127.0.0.1\", key = \"transfer\" }}]\n\n\
         [tsig.transfer]\nalgorithm = \"{}\"\nsecret = \"{}\"\n",
        KEY.algorithm, KEY.secret
    ));
    text
}

/// `zone()` moved to another origin.
fn zone_at(origin: &str, serial: u32) -> String {
    zone(serial, "").replace("example.net.", origin)
}

#[test]
fn knot_interpreting_our_catalog_serves_a_zone_added_by_reload() {
    let port = free_port();
    let server = Server::start(
        &config(port, &["example.net."]),
        &[("example.net.zone", &zone(1, ""))],
    );
    let setup = SecondarySetup {
        zones: &[CATALOG],
        primary: server.dns,
        key: Some(&KEY),
        zone_options: "    catalog-role: interpret\n    catalog-template: default\n",
        port,
    };
    let Some(knot) = KnotSecondary::start(&setup).expect("knotd starts") else {
        println!("SKIP: knotd is not installed");
        return;
    };
    // Knot does not answer queries for a catalog it interprets: its log shows the transfers.
    let first = soa_serial(server.dns, CATALOG).unwrap();
    knot.wait_serial("example.net.", Duration::from_secs(20), |s| s == 1);
    // Our catalog lists the zone, under its stable label.
    let ptr = server.ask(
        &format!("{}.zones.{CATALOG}", member("example.net.")),
        "PTR",
    );
    assert_eq!(ptr.answer_data(), ["example.net."]);
    assert_eq!(
        server
            .ask(&format!("version.{CATALOG}"), "TXT")
            .answer_data(),
        ["2"]
    );

    server.write("example.com.zone", &zone_at("example.com.", 5));
    server.write(
        "switchyard.toml",
        &config(port, &["example.net.", "example.com."]),
    );
    server.signal("HUP");
    knot.wait_serial("example.com.", Duration::from_secs(20), |s| s == 5);
    let now = soa_serial(server.dns, CATALOG).unwrap();
    assert_eq!(now, first + 1, "a new catalog serial when a zone is added");
    let log = knot.log();
    assert!(
        log.contains(&format!(
            "[{CATALOG}] refresh, remote 127.0.0.1@{}, zone updated",
            server.dns.port()
        )) && log.contains(&format!("serial {first} -> {now}")),
        "{log}"
    );
    assert!(
        log.contains("[example.com.] zone added from catalog"),
        "{log}"
    );
}

/// The member label our catalog uses (first 8 bytes of SHA-256 of the wire name, in hex).
fn member(origin: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, &wire_name(origin));
    digest.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
