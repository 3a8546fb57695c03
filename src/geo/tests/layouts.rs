//! Every record layout Switchyard reads, each in a database our writer builds from
//! geoip/example-city.csv with its publisher's metadata (DB-IP Lite City and Country,
//! ip-location-db's per-family country and city files): what a lookup finds, what a rule that
//! needs a field no record has is told, and which address families each file covers. Also a
//! database in a layout we do not read, and metadata with an empty `description`.

use std::net::IpAddr;

use super::geoip_file;
use crate::geo::city_table::parse_city_table;
use crate::geo::writer::{WriteOptions, write_database};
use crate::geo::{
    Code2, GeoDatabase, GeoError, Location, PlaceField, RecordLayout, build_database,
};

fn csv() -> String {
    std::fs::read_to_string(geoip_file("example-city.csv")).unwrap()
}

fn database(layout: RecordLayout, ipv6: bool) -> GeoDatabase {
    GeoDatabase::from_bytes(build_database(&csv(), layout, ipv6).unwrap(), None).unwrap()
}

fn locate(database: &GeoDatabase, address: &str) -> Location {
    database.locate(address.parse::<IpAddr>().unwrap())
}

fn code(text: &str) -> Option<Code2> {
    Some(Code2::new(text).unwrap())
}

/// `require`'s error for `field`, as text.
fn missing(database: &GeoDatabase, field: PlaceField) -> String {
    let needed_by = format!("the {field:?} test");
    let error = database.require(field, &needed_by).unwrap_err();
    assert!(matches!(error, GeoError::MissingField { .. }), "{error:?}");
    error.to_string()
}

#[test]
fn dbip_city_lite_has_coordinates_but_no_subdivision_codes() {
    let database = database(RecordLayout::DbIpCity, true);
    assert_eq!(database.database_type(), "DBIP-City-Lite");
    let amsterdam = locate(&database, "192.0.2.1");
    assert_eq!(
        (amsterdam.continent, amsterdam.country),
        (code("EU"), code("NL"))
    );
    assert_eq!(amsterdam.coordinates, Some((52.3676, 4.9041)));
    assert_eq!(amsterdam.prefix_len, 25);
    // DB-IP names subdivisions ("North Holland") but gives no ISO code.
    assert_eq!(amsterdam.subdivision, None);
    let ashburn = locate(&database, "2001:db8:2::1");
    assert_eq!(
        (ashburn.continent, ashburn.country),
        (code("NA"), code("US"))
    );
    for field in [
        PlaceField::Continent,
        PlaceField::Country,
        PlaceField::Coordinates,
    ] {
        database.require(field, "a rule").unwrap();
    }
    assert_eq!(
        missing(&database, PlaceField::Subdivision),
        "City/Country database: no record has a subdivision code (records have {continent, \
         country, location, subdivisions}: the GeoIP2 layout (GeoIP2, GeoLite2, DB-IP)), which \
         the Subdivision test needs"
    );
    assert!(database.warnings().is_empty(), "{:?}", database.warnings());
}

#[test]
fn dbip_country_lite_has_continents_and_countries_only() {
    let database = database(RecordLayout::DbIpCountry, true);
    assert_eq!(database.database_type(), "DBIP-Country-Lite");
    let singapore = locate(&database, "203.0.113.7");
    assert_eq!(
        (singapore.continent, singapore.country),
        (code("AS"), code("SG"))
    );
    assert_eq!((singapore.coordinates, singapore.prefix_len), (None, 24));
    database.require(PlaceField::Country, "a rule").unwrap();
    assert!(missing(&database, PlaceField::Coordinates).contains("no record has coordinates"));
    assert!(missing(&database, PlaceField::Subdivision).contains("{continent, country}"));
}

#[test]
fn ip_location_db_country_files_give_countries_and_derived_continents() {
    let ipv4 = database(RecordLayout::IpLocationCountry, false);
    assert_eq!(ipv4.database_type(), "country ipv4");
    for (address, continent, country, prefix_len) in [
        ("192.0.2.1", "EU", "NL", 25),
        ("192.0.2.200", "EU", "DE", 25),
        ("198.51.100.7", "NA", "US", 24),
        ("203.0.113.1", "AS", "SG", 24),
        ("198.19.255.255", "OC", "AU", 15),
    ] {
        let location = locate(&ipv4, address);
        assert_eq!(location.country, code(country), "{address}");
        assert_eq!(location.continent, code(continent), "{address}");
        assert_eq!(location.prefix_len, prefix_len, "{address}");
        assert_eq!((location.subdivision, location.coordinates), (None, None));
    }
    // The IPv4 file (ip_version 4) knows no IPv6 client; the check says so.
    assert!(locate(&ipv4, "2001:db8:1::1").is_unknown());
    assert_eq!(
        ipv4.warnings(),
        [
            "City/Country database: no IPv6 network has data: IPv6 clients are not located \
          (only net: and default rules apply to them)"
        ]
    );
    ipv4.require(PlaceField::Continent, "a rule").unwrap();
    ipv4.require(PlaceField::Country, "a rule").unwrap();
    let error = missing(&ipv4, PlaceField::Subdivision);
    assert!(
        error.contains(
            "no record has a subdivision code (records have {country_code}: the ip-location-db \
             flat layout)"
        ),
        "{error}"
    );
    assert!(missing(&ipv4, PlaceField::Coordinates).contains("no record has coordinates"));

    let ipv6 = database(RecordLayout::IpLocationCountry, true);
    assert_eq!(ipv6.database_type(), "country ipv6");
    let amsterdam = locate(&ipv6, "2001:db8:1::1");
    assert_eq!(
        (amsterdam.continent, amsterdam.country, amsterdam.prefix_len),
        (code("EU"), code("NL"), 48)
    );
    assert!(locate(&ipv6, "192.0.2.1").is_unknown());
    assert!(locate(&ipv6, "::ffff:192.0.2.1").is_unknown());
    assert_eq!(ipv6.warnings().len(), 1);
    assert!(ipv6.warnings()[0].contains("no IPv4 network has data"));
}

#[test]
fn ip_location_db_city_files_have_coordinates_and_no_subdivision_codes() {
    let database = database(RecordLayout::IpLocationCity, false);
    assert_eq!(database.database_type(), "city ipv4");
    let tokyo = locate(&database, "10.1.2.3");
    assert_eq!((tokyo.continent, tokyo.country), (code("AS"), code("JP")));
    // Written as 32-bit floats, as ip-location-db does.
    let expected = (f64::from(35.6762f32), f64::from(139.6503f32));
    assert_eq!(tokyo.coordinates, Some(expected));
    // state1 is a name, not an ISO code.
    assert_eq!(tokyo.subdivision, None);
    database.require(PlaceField::Coordinates, "a rule").unwrap();
    assert!(missing(&database, PlaceField::Subdivision).contains(
        "records have {city, country_code, latitude, longitude, postcode, state1, state2, \
         timezone}: the ip-location-db flat layout"
    ));
}

#[test]
fn continents_derived_from_countries_match_maxminds_where_both_are_given() {
    // Every record of MaxMind's City test database that has both: the derived continent is
    // the one MaxMind wrote.
    let bytes = std::fs::read(super::maxmind_file("GeoLite2-City-Test.mmdb")).unwrap();
    let reader = maxminddb::Reader::from_source(&bytes[..]).unwrap();
    let mut compared = 0;
    for network in reader.networks(Default::default()).unwrap() {
        let Ok(Some(city)) = network.unwrap().decode::<maxminddb::geoip2::City>() else {
            continue;
        };
        let (Some(continent), Some(country)) = (city.continent.code, city.country.iso_code) else {
            continue;
        };
        let derived = crate::geo::continents::continent_of(Code2::new(country).unwrap());
        assert_eq!(derived, code(continent), "{country}");
        compared += 1;
    }
    assert!(compared > 100, "{compared}");
}

#[test]
fn a_database_in_another_layout_says_what_its_records_hold() {
    // ip-location-db's layout with its one key renamed: nothing steering reads.
    let mut bytes = build_database(&csv(), RecordLayout::IpLocationCountry, false).unwrap();
    let (from, to) = (b"country_code", b"region__code");
    let mut renamed = 0;
    for at in 0..bytes.len() - from.len() {
        if &bytes[at..at + from.len()] == from {
            bytes[at..at + from.len()].copy_from_slice(to);
            renamed += 1;
        }
    }
    assert!(renamed > 0);
    let error = GeoDatabase::from_bytes(bytes, None).unwrap_err();
    assert!(matches!(error, GeoError::NothingToRead { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(
            "City/Country database: no record has a continent, country, subdivision or coordinates"
        ),
        "{message}"
    );
    assert!(
        message.ends_with("(records have {region__code}: no layout Switchyard reads)"),
        "{message}"
    );
}

/// The example table as a database with an empty `description` (as ip-location-db's generator
/// writes it) and `data` instead of the table's records when given: every network points to
/// offset 0 of `data`.
fn without_description(data: Option<&[u8]>) -> Vec<u8> {
    let options = WriteOptions {
        description: None,
        ..WriteOptions::city(24)
    };
    let rows = parse_city_table(&csv()).unwrap();
    match data {
        None => write_database(&rows, &options).unwrap(),
        Some(data) => {
            let networks: Vec<_> = rows.iter().map(|row| (row.network, 0, row.line)).collect();
            crate::geo::writer::assemble(&networks, data, &options).unwrap()
        }
    }
}

#[test]
fn an_empty_description_is_accepted_and_the_records_are_still_checked() {
    let database = GeoDatabase::from_bytes(without_description(None), None).unwrap();
    assert_eq!(locate(&database, "192.0.2.1").country, code("NL"));

    // A map whose value is not UTF-8: the query path skips the unknown key without reading it,
    // so only the complete check at load can find it, and it must without a description too.
    let bad_string = [
        0xe2, 0x43, b'b', b'a', b'd', 0x42, 0xff, 0xfe, 0x43, b'c', b'c', b'c', 0x41, b'x',
    ];
    let error = GeoDatabase::from_bytes(without_description(Some(&bad_string)), None)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("City/Country database: corrupt MaxMind DB database: record for "),
        "{error}"
    );
}

#[test]
fn records_that_share_data_beyond_any_real_database_are_refused() {
    // Value k is {a: →k-1, b: →k-1}: value 13 expands to some 30,000 values from 119 bytes,
    // under the reader's limit for one record. 600 records, each {x: →value 13}: 18 million
    // values to decode from under 4 KB. The crate's verifier visits each shared value once;
    // our check of a database without a description counts every visit and stops at its
    // budget instead of running on (a crafted file of real size could take hours).
    let mut data = vec![0x41, b'x'];
    let pointer = |offset: usize| [0x20 | (offset >> 8) as u8, offset as u8];
    let mut top = 0usize;
    for _ in 0..13 {
        let at = data.len();
        data.extend_from_slice(&[0xe2, 0x41, b'a']);
        data.extend_from_slice(&pointer(top));
        data.extend_from_slice(&[0x41, b'b']);
        data.extend_from_slice(&pointer(top));
        top = at;
    }
    let mut networks = Vec::new();
    for index in 0..600u32 {
        let offset = data.len() as u32;
        data.extend_from_slice(&[0xe1, 0x41, b'x']);
        data.extend_from_slice(&pointer(top));
        let network = std::net::Ipv4Addr::from(0x6440_0000 + (index << 8));
        networks.push((ipnet::IpNet::new(network.into(), 24).unwrap(), offset, 0));
    }
    let options = WriteOptions {
        description: None,
        ..WriteOptions::city(24)
    };
    let bytes = crate::geo::writer::assemble(&networks, &data, &options).unwrap();
    let error = GeoDatabase::from_bytes(bytes, None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("expand to more values"), "{error}");
}
