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

/// Load time, memory and lookup cost on a database about the size of GeoLite2-City (~3 million
/// networks, 28-bit records, ~60 MB), built by our writer since the real one is not in the
/// repository, opened from a file as the server opens it. Prints the figures; run by hand,
/// alone: `cargo test --release --lib report_load_cost -- --ignored --nocapture`.
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
    const IPV4_NETWORKS: u32 = 2_400_000;
    let mut rows = Vec::new();
    for index in 0..IPV4_NETWORKS {
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
        "built {:.1} MB in {:?}",
        bytes.len() as f64 / 1e6,
        started.elapsed()
    );
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("large-city.mmdb");
    std::fs::write(&path, &bytes).unwrap();
    drop(bytes);

    let before = memory();
    let started = Instant::now();
    let database = GeoDatabase::open(&path, None).unwrap();
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "GeoDatabase::open (all checks, {profile} build): {:?}",
        started.elapsed()
    );
    let after = memory();
    for (name, before, after) in [
        ("VmRSS", before.0, after.0),
        ("RssAnon", before.1, after.1),
        ("RssFile", before.2, after.2),
        ("VmHWM", before.3, after.3),
    ] {
        println!(
            "{name}: {:.1} MiB before, {:.1} MiB after (+{:.1})",
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            (after as f64 - before as f64) / 1024.0
        );
    }

    // Random clients over the whole table: most lookups walk cold parts of the tree and
    // decode a record the per-thread cache does not hold.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let addresses: Vec<IpAddr> = (0..1_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let offset = (state % (u64::from(IPV4_NETWORKS) << 8)) as u32;
            IpAddr::from((0x0100_0000 + offset).to_be_bytes())
        })
        .collect();
    assert!(!database.locate(addresses[0]).is_unknown());
    for round in ["first", "second"] {
        let started = Instant::now();
        for &address in &addresses {
            black_box(database.locate(black_box(address)));
        }
        let nanos = started.elapsed().as_nanos() / addresses.len() as u128;
        println!(
            "locate, random IPv4 over the large database ({round} pass): {nanos} ns per lookup"
        );
    }
}

/// VmRSS, RssAnon, RssFile and VmHWM of this process in KiB.
fn memory() -> (u64, u64, u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (
        field("VmRSS:"),
        field("RssAnon:"),
        field("RssFile:"),
        field("VmHWM:"),
    )
}
