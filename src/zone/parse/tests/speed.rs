//! One timing check, run by hand in a release build:
//! `cargo test --release --lib zone::parse::tests::speed -- --ignored --nocapture`

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use super::origin;
use crate::zone::parse::{ParseOptions, parse_zone_text};

#[test]
#[ignore = "timing check, run by hand in a release build"]
fn million_records() {
    let mut zone = String::with_capacity(40 << 20);
    zone.push_str(
        "$ORIGIN example.com.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n",
    );
    for i in 0..1_000_000u32 {
        let _ = match i % 5 {
            0 => writeln!(
                zone,
                "host{i} A 10.{}.{}.{}",
                i >> 16 & 255,
                i >> 8 & 255,
                i & 255
            ),
            1 => writeln!(
                zone,
                "host{i} 300 IN AAAA 2001:db8::{:x}:{:x}",
                i >> 16,
                i & 0xffff
            ),
            2 => writeln!(zone, "alias{i} CNAME host{i}"),
            3 => writeln!(zone, "mx{i} MX 10 mail{i}.example.net."),
            _ => writeln!(
                zone,
                "txt{i} TXT \"v=spf1 ip4:192.0.2.0/24 -all\" \"id {i}\""
            ),
        };
    }
    let start = Instant::now();
    let records = parse_zone_text(
        &zone,
        Path::new("million.zone"),
        &origin(),
        &ParseOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{}", e[0]));
    let elapsed = start.elapsed();
    println!(
        "{} records ({} MB) in {:.2?}: {:.0} records/s",
        records.len(),
        zone.len() >> 20,
        elapsed,
        records.len() as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(records.len(), 1_000_002);
}
