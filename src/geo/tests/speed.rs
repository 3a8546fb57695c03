//! Rough cost of one lookup, printed for the record (`cargo test --lib geo::tests::speed --
//! --nocapture`). Nothing is asserted about time: speed is measured in bench/.

use std::hint::black_box;
use std::net::IpAddr;
use std::time::Instant;

use super::maxmind_file;
use crate::geo::GeoDatabase;

#[test]
fn report_lookup_cost() {
    let database = GeoDatabase::open(
        &maxmind_file("GeoLite2-City-Test.mmdb"),
        Some(&maxmind_file("GeoLite2-ASN-Test.mmdb")),
    )
    .unwrap();
    let city_only = GeoDatabase::open(&maxmind_file("GeoLite2-City-Test.mmdb"), None).unwrap();
    let addresses: Vec<IpAddr> = [
        "81.2.69.160",
        "216.160.83.56",
        "175.16.199.0",
        "89.160.20.112",
        "2001:218::",
        "2a02:ffc0::1",
        "10.0.0.1",
        "1.128.0.1",
    ]
    .iter()
    .map(|text| text.parse().unwrap())
    .collect();
    let rounds = 2_000;
    for (name, database) in [("city", &city_only), ("city+asn", &database)] {
        let started = Instant::now();
        for _ in 0..rounds {
            for &address in &addresses {
                black_box(database.locate(black_box(address)));
            }
        }
        let lookups = rounds * addresses.len();
        let nanos = started.elapsed().as_nanos() / lookups as u128;
        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        println!("locate ({name}, GeoLite2-City-Test, {profile} build): {nanos} ns per lookup");
    }
}
