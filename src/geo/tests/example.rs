//! geoip/example-city.mmdb: built from geoip/example-city.csv by our writer, committed, and
//! checked here for drift and for a faithful round trip.

use std::net::IpAddr;

use ipnet::IpNet;

use super::geoip_file;
use crate::geo::city_table::{CityRow, parse_city_table};
use crate::geo::writer::write_city_database;
use crate::geo::{Code2, GeoDatabase, build_city_database};

const REGENERATE: &str = "SWITCHYARD_REGENERATE_GEOIP";

fn example_csv() -> String {
    std::fs::read_to_string(geoip_file("example-city.csv")).unwrap()
}

#[test]
fn committed_example_database_matches_its_table() {
    let built = build_city_database(&example_csv()).unwrap();
    let path = geoip_file("example-city.mmdb");
    if std::env::var_os(REGENERATE).is_some() {
        std::fs::write(&path, &built).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == built,
        "geoip/example-city.mmdb differs from what geoip/example-city.csv builds; regenerate it \
         with `{REGENERATE}=1 cargo test --lib geo::tests::example` (or `switchyard geoip-build \
         --csv geoip/example-city.csv --out geoip/example-city.mmdb`) and commit both"
    );
}

#[test]
fn building_is_deterministic() {
    let csv = example_csv();
    assert_eq!(
        build_city_database(&csv).unwrap(),
        build_city_database(&csv).unwrap()
    );
}

/// The most specific row whose network holds `address`.
fn expected_row(rows: &[CityRow], address: IpAddr) -> &CityRow {
    rows.iter()
        .filter(|row| row.network.contains(&address))
        .max_by_key(|row| row.network.prefix_len())
        .unwrap()
}

fn assert_round_trip(csv: &str) {
    let rows = parse_city_table(csv).unwrap();
    let database = GeoDatabase::from_bytes(build_city_database(csv).unwrap(), None).unwrap();
    assert_eq!(database.database_type(), "Switchyard-City");
    assert_eq!(database.build_epoch(), crate::geo::BUILD_EPOCH);
    let reader = maxminddb::Reader::from_source(build_city_database(csv).unwrap()).unwrap();
    for row in &rows {
        let nested = rows
            .iter()
            .any(|other| other.network != row.network && row.network.contains(&other.network));
        for address in [row.network.network(), row.network.broadcast()] {
            let expected = expected_row(&rows, address);
            let location = database.locate(address);
            let context = format!("line {}: {address}", row.line);
            assert_eq!(location.continent, Some(expected.continent), "{context}");
            assert_eq!(location.country, expected.country, "{context}");
            assert_eq!(location.subdivision, expected.subdivision, "{context}");
            assert_eq!(location.coordinates, expected.coordinates, "{context}");
            if !nested {
                assert_eq!(location.prefix_len, row.network.prefix_len(), "{context}");
            }
            // The full GeoIP2 City schema of the maxminddb crate reads it too.
            let city: maxminddb::geoip2::City =
                reader.lookup(address).unwrap().decode().unwrap().unwrap();
            assert_eq!(
                city.continent.code,
                Some(expected.continent.as_str()),
                "{context}"
            );
            assert_eq!(
                city.country.iso_code,
                expected.country.as_ref().map(Code2::as_str)
            );
        }
    }
}

#[test]
fn every_row_of_the_example_table_reads_back() {
    assert_round_trip(&example_csv());
}

#[test]
fn example_database_shows_each_region() {
    let database = GeoDatabase::open(&geoip_file("example-city.mmdb"), None).unwrap();
    let cases = [
        ("192.0.2.1", "EU", "NL", 25),
        ("192.0.2.200", "EU", "DE", 25),
        ("198.51.100.10", "NA", "US", 24),
        ("203.0.113.10", "AS", "SG", 24),
        ("10.1.2.3", "AS", "JP", 8),
        ("198.19.0.1", "OC", "AU", 15),
        ("2001:db8:1::1", "EU", "NL", 48),
        ("2001:db8:2:ff::1", "NA", "US", 48),
        ("2001:db8:3::", "AS", "SG", 48),
        ("2001:db8:4::1", "AS", "JP", 48),
        ("2001:db8:5::1", "OC", "AU", 48),
        // IPv4-mapped addresses reach the IPv4 networks (prefix in IPv6 terms).
        ("::ffff:198.51.100.10", "NA", "US", 120),
    ];
    for (address, continent, country, prefix) in cases {
        let location = database.locate(address.parse().unwrap());
        assert_eq!(location.continent, Code2::new(continent), "{address}");
        assert_eq!(location.country, Code2::new(country), "{address}");
        assert_eq!(location.prefix_len, prefix, "{address}");
    }
    let virginia = database.locate("198.51.100.1".parse().unwrap());
    assert_eq!(virginia.subdivision.unwrap().as_str(), "VA");
    assert_eq!(virginia.coordinates, Some((39.0438, -77.4874)));
    let amsterdam = database.locate("192.0.2.1".parse().unwrap());
    assert_eq!(amsterdam.coordinates, Some((52.3676, 4.9041)));
    // Outside the table: nothing.
    assert!(database.locate("8.8.8.8".parse().unwrap()).is_unknown());
    assert!(
        database
            .locate("2001:db8:9::1".parse().unwrap())
            .is_unknown()
    );
}

#[test]
fn nested_networks_and_record_sharing_read_back() {
    let csv = "network,continent,country,subdivision,latitude,longitude\n\
               10.0.0.0/8,EU,NL,,,\n\
               10.1.0.0/16,NA,US,VA,39.0,-77.5\n\
               10.1.2.0/24,EU,NL,,,\n\
               0.0.0.0/1,AF,ZA,,,\n\
               2001:db8::/32,AS,SG,,1.35,103.82\n\
               2001:db8:ffff:ffff::/64,AS,SG,,1.35,103.82\n\
               255.255.255.255/32,AN,AQ,,-75.25,-0.07\n";
    assert_round_trip(csv);
    let database = GeoDatabase::from_bytes(build_city_database(csv).unwrap(), None).unwrap();
    // Outside 10.1.0.0/16 the /8 answers, with the prefix of the piece the split left.
    let location = database.locate("10.128.0.1".parse().unwrap());
    assert_eq!(
        (location.country, location.prefix_len),
        (Code2::new("NL"), 9)
    );
    let location = database.locate("10.1.3.1".parse().unwrap());
    assert_eq!(
        (location.country, location.prefix_len),
        (Code2::new("US"), 24)
    );
}

#[test]
fn wider_records_read_back_the_same() {
    let csv = example_csv();
    let rows = parse_city_table(&csv).unwrap();
    let narrow = GeoDatabase::from_bytes(build_city_database(&csv).unwrap(), None).unwrap();
    for record_size in [28, 32] {
        let bytes = write_city_database(&rows, record_size).unwrap();
        let reader = maxminddb::Reader::from_source(bytes.clone()).unwrap();
        assert_eq!(reader.metadata().record_size, record_size);
        let wide = GeoDatabase::from_bytes(bytes, None).unwrap();
        for row in &rows {
            for address in [row.network.network(), row.network.broadcast()] {
                assert_eq!(wide.locate(address), narrow.locate(address), "{address}");
            }
        }
    }
}

#[test]
fn many_records_are_deduplicated_and_found() {
    let mut csv = String::from("network,continent,country,subdivision,latitude,longitude\n");
    for index in 0..5_000u32 {
        let network =
            IpNet::new(IpAddr::from((0x0a00_0000 | (index << 8)).to_be_bytes()), 24).unwrap();
        // 100 distinct records, each shared by 50 networks.
        let latitude = f64::from(index % 100) - 45.0;
        csv.push_str(&format!("{network},EU,NL,,{latitude},5\n"));
    }
    let bytes = build_city_database(&csv).unwrap();
    assert!(
        bytes.len() < 5_000 * 2 * 6 + 100 * 120 + 1_000,
        "{} bytes",
        bytes.len()
    );
    let database = GeoDatabase::from_bytes(bytes, None).unwrap();
    let location = database.locate("10.0.19.9".parse().unwrap());
    assert_eq!(location.coordinates, Some((19.0 - 45.0, 5.0)));
    assert_eq!(location.prefix_len, 24);
}

/// libmaxminddb's reader (Debian package mmdb-bin) reads our database the same way; skipped
/// where mmdblookup is not installed.
#[test]
fn mmdblookup_reads_the_example_database() {
    let path = geoip_file("example-city.mmdb");
    let rows = parse_city_table(&example_csv()).unwrap();
    for row in &rows {
        let address = row.network.network().to_string();
        let output = match std::process::Command::new("mmdblookup")
            .args([
                "--file",
                path.to_str().unwrap(),
                "--ip",
                &address,
                "country",
                "iso_code",
            ])
            .output()
        {
            Ok(output) => output,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                println!("mmdblookup not installed; skipped");
                return;
            }
            Err(error) => panic!("mmdblookup: {error}"),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let country = row.country.unwrap();
        assert!(
            output.status.success() && stdout.contains(&format!("\"{country}\"")),
            "line {}: {address}: {stdout}{}",
            row.line,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn table_errors_name_the_line() {
    let csv = "# comment\nnetwork,continent,country,subdivision,latitude,longitude\n\
               192.0.2.0/24,EU,NL,,,\n192.0.2.0/24,EU,DE,,,\n";
    assert_eq!(
        build_city_database(csv).unwrap_err(),
        "line 4: network 192.0.2.0/24 is already on line 3"
    );
}
