//! ASN databases in the layouts their publishers write (GeoLite2-ASN is MaxMind's own test
//! database, in maxmind.rs): DB-IP's ASN Lite and ip-location-db's per-family `asn` files, both
//! `{autonomous_system_number, autonomous_system_organization}`; an ASN database whose records
//! carry no number; and ip-location-db's combined IPv4+IPv6 country file.

use std::net::IpAddr;

use super::geoip_file;
use crate::geo::city_table::parse_city_table;
use crate::geo::encode::{TYPE_MAP, TYPE_UINT32, write_control, write_string, write_uint};
use crate::geo::writer::{WriteOptions, assemble, write_database};
use crate::geo::{Code2, GeoDatabase, GeoError, RecordLayout, build_database};

fn csv() -> String {
    std::fs::read_to_string(geoip_file("example-city.csv")).unwrap()
}

fn city() -> Vec<u8> {
    build_database(&csv(), RecordLayout::GeoIp2City, true).unwrap()
}

/// An ASN database of `networks` (`None`: a record with an organisation and no number), with
/// its publisher's `database_type`; `ip_version` 4 is ip-location-db's IPv4 file (an IPv4 tree
/// and an empty description, as its generator writes them).
fn asn_database(database_type: &str, ip_version: u16, networks: &[(&str, Option<u32>)]) -> Vec<u8> {
    let mut data = Vec::new();
    let mut placed = Vec::new();
    for (line, (network, number)) in networks.iter().enumerate() {
        let offset = data.len() as u32;
        write_control(&mut data, TYPE_MAP, 1 + usize::from(number.is_some()));
        if let Some(number) = number {
            write_string(&mut data, "autonomous_system_number");
            write_uint(&mut data, TYPE_UINT32, u64::from(*number));
        }
        write_string(&mut data, "autonomous_system_organization");
        write_string(&mut data, "Example Networks");
        placed.push((network.parse().unwrap(), offset, line + 1));
    }
    let mut options = WriteOptions::new(RecordLayout::GeoIp2City, database_type);
    if ip_version == 4 {
        options.ip_version = 4;
        options.ipv4_alias = false;
        options.description = None;
    }
    assemble(&placed, &data, &options).unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn dbip_asn_lite_gives_the_number_and_its_prefix_in_both_families() {
    let asn = asn_database(
        "DBIP-ASN-Lite (compat=GeoLite2-ASN)",
        6,
        &[
            ("192.0.2.0/24", Some(64496)),
            ("2001:db8:1::/48", Some(64497)),
        ],
    );
    let database = GeoDatabase::from_bytes(city(), Some(asn)).unwrap();
    assert_eq!(
        database.asn_database_type(),
        Some("DBIP-ASN-Lite (compat=GeoLite2-ASN)")
    );
    let amsterdam = database.locate(ip("192.0.2.1"));
    assert_eq!((amsterdam.asn, amsterdam.asn_prefix_len), (Some(64496), 24));
    assert_eq!(amsterdam.country, Code2::new("NL"));
    let v6 = database.locate(ip("2001:db8:1::1"));
    assert_eq!((v6.asn, v6.asn_prefix_len), (Some(64497), 48));
    assert_eq!(database.locate(ip("198.51.100.1")).asn, None);
    assert!(database.warnings().is_empty(), "{:?}", database.warnings());
}

#[test]
fn ip_location_db_asn_files_hold_one_family_and_say_so() {
    let asn = asn_database(
        "asn ipv4",
        4,
        &[("192.0.2.0/24", Some(64496)), ("10.0.0.0/8", Some(64498))],
    );
    let database = GeoDatabase::from_bytes(city(), Some(asn)).unwrap();
    let tokyo = database.locate(ip("10.20.30.40"));
    assert_eq!((tokyo.asn, tokyo.asn_prefix_len), (Some(64498), 8));
    assert_eq!(database.locate(ip("192.0.2.200")).asn, Some(64496));
    // An IPv6 client is in no network of the IPv4 file; the City database still locates it.
    let v6 = database.locate(ip("2001:db8:1::1"));
    assert_eq!((v6.asn, v6.asn_prefix_len), (None, 0));
    assert_eq!(v6.country, Code2::new("NL"));
    assert_eq!(
        database.warnings(),
        [
            "ASN database: no IPv6 network has data: IPv6 clients are not located (only net: \
             and default rules apply to them)"
        ]
    );
}

#[test]
fn an_asn_database_without_numbers_is_refused_with_what_its_records_hold() {
    let asn = asn_database("asn ipv4", 4, &[("192.0.2.0/24", None)]);
    let error = GeoDatabase::from_bytes(city(), Some(asn)).unwrap_err();
    assert!(matches!(error, GeoError::NothingToRead { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "ASN database: no record has an autonomous_system_number (records have \
         {autonomous_system_organization}: no layout Switchyard reads)"
    );
    // An ASN database given as the City/Country database: the wrong type, named.
    let asn = asn_database("asn ipv4", 4, &[("192.0.2.0/24", Some(64496))]);
    let error = GeoDatabase::from_bytes(asn, None).unwrap_err().to_string();
    assert!(
        error.starts_with(
            "City/Country database: database type \"asn ipv4\" cannot be the City/Country database"
        ),
        "{error}"
    );
}

#[test]
fn ip_location_db_combined_country_file_locates_both_families() {
    // ip-location-db also publishes each country database as one IPv4+IPv6 file: an IPv6 tree
    // with IPv4 at ::/96 (no ::ffff:0:0/96 alias) and an empty description.
    let options = WriteOptions {
        description: None,
        ipv4_alias: false,
        ..WriteOptions::new(RecordLayout::IpLocationCountry, "country")
    };
    let rows = parse_city_table(&csv()).unwrap();
    let database = GeoDatabase::from_bytes(write_database(&rows, &options).unwrap(), None).unwrap();
    let amsterdam = database.locate(ip("192.0.2.1"));
    assert_eq!(
        (amsterdam.continent, amsterdam.country, amsterdam.prefix_len),
        (Code2::new("EU"), Code2::new("NL"), 25)
    );
    let ashburn = database.locate(ip("2001:db8:2::1"));
    assert_eq!(
        (ashburn.continent, ashburn.country, ashburn.prefix_len),
        (Code2::new("NA"), Code2::new("US"), 48)
    );
    assert!(database.warnings().is_empty(), "{:?}", database.warnings());
}
