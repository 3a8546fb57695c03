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

/// Load-time cost on a database about the size of GeoLite2-City (~3 million networks, 28-bit
/// records), built by our writer since the real one is not in the repository. Prints the
/// times; run by hand: `cargo test --lib report_load_cost -- --ignored --nocapture`.
#[test]
#[ignore = "builds a large database (about a minute in a debug build); run by hand"]
fn report_load_cost_of_a_large_database() {
    use crate::geo::city_table::CityRow;
    use crate::geo::writer::write_city_database;
    use crate::geo::{Code2, SubdivisionCode};
    use ipnet::IpNet;

    let continents = ["EU", "NA", "AS", "OC", "AF", "SA"].map(|code| Code2::new(code).unwrap());
    let row = |line: usize, network: IpNet| {
        let kind = line % 200_000;
        CityRow {
            line,
            network,
            continent: continents[kind % continents.len()],
            country: Code2::new(&format!(
                "{}{}",
                (b'A' + (kind % 26) as u8) as char,
                (b'A' + (kind / 26 % 26) as u8) as char
            )),
            subdivision: SubdivisionCode::new(&format!("{}", kind % 1000)),
            coordinates: Some(((kind % 180) as f64 - 89.5, (kind % 360) as f64 - 179.5)),
        }
    };
    let mut rows = Vec::new();
    for index in 0..2_400_000u32 {
        let address = IpAddr::from((0x0100_0000 + (index << 8)).to_be_bytes());
        rows.push(row(rows.len(), IpNet::new(address, 24).unwrap()));
    }
    for index in 0..600_000u128 {
        let address = IpAddr::from(((0x2400u128 << 112) | (index << 80)).to_be_bytes());
        rows.push(row(rows.len(), IpNet::new(address, 48).unwrap()));
    }
    let started = Instant::now();
    let bytes = write_city_database(&rows, 28).unwrap();
    drop(rows);
    println!(
        "built {} MB in {:?}",
        bytes.len() / 1_000_000,
        started.elapsed()
    );

    let started = Instant::now();
    let reader = maxminddb::Reader::from_source(&bytes[..]).unwrap();
    reader.verify().unwrap();
    println!("maxminddb verify() alone: {:?}", started.elapsed());

    let started = Instant::now();
    let database = GeoDatabase::from_bytes(bytes, None).unwrap();
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "GeoDatabase::from_bytes (all checks, {profile} build): {:?}",
        started.elapsed()
    );
    assert!(!database.locate("1.2.3.4".parse().unwrap()).is_unknown());
}
