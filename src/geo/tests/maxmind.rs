use std::net::IpAddr;
use std::path::Path;

use super::maxmind_file;
use crate::geo::{Code2, GeoDatabase, GeoError, Location, PlaceField};

fn open(city: &str, asn: Option<&str>) -> GeoDatabase {
    let asn = asn.map(maxmind_file);
    GeoDatabase::open(&maxmind_file(city), asn.as_deref()).unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn code(text: &str) -> Option<Code2> {
    Some(Code2::new(text).unwrap())
}

#[test]
fn city_database_locates_the_documented_addresses() {
    let database = open("GeoLite2-City-Test.mmdb", None);
    assert_eq!(database.database_type(), "GeoLite2-City");

    let london = database.locate(ip("81.2.69.160"));
    assert_eq!(london.continent, code("EU"));
    assert_eq!(london.country, code("GB"));
    assert_eq!(london.subdivision.unwrap().as_str(), "ENG");
    assert_eq!(london.coordinates, Some((51.5142, -0.0931)));
    assert_eq!(london.prefix_len, 27);
    assert_eq!(london.asn, None);
    assert_eq!(london.asn_prefix_len, 0);

    let washington = database.locate(ip("216.160.83.56"));
    assert_eq!(
        (washington.continent, washington.country),
        (code("NA"), code("US"))
    );
    assert_eq!(washington.subdivision.unwrap().as_str(), "WA");
    assert_eq!(washington.coordinates, Some((47.2513, -122.3149)));
    assert_eq!(washington.prefix_len, 29);

    let china = database.locate(ip("175.16.199.0"));
    assert_eq!((china.continent, china.country), (code("AS"), code("CN")));
    assert_eq!(china.prefix_len, 24);

    let japan = database.locate(ip("2001:218::"));
    assert_eq!((japan.continent, japan.country), (code("AS"), code("JP")));
    assert_eq!(japan.subdivision, None);
    assert_eq!(japan.prefix_len, 32);

    let sweden = database.locate(ip("89.160.20.112"));
    assert_eq!((sweden.continent, sweden.country), (code("EU"), code("SE")));
    assert_eq!(sweden.subdivision.unwrap().as_str(), "E");
    assert_eq!(sweden.prefix_len, 28);
}

#[test]
fn ipv4_in_the_ipv6_tree_reports_the_ipv4_prefix() {
    let database = open("GeoLite2-City-Test.mmdb", None);
    // Any address in 81.2.69.160/27 matches the same /27, in IPv4 terms.
    let inside = database.locate(ip("81.2.69.191"));
    assert_eq!(inside.country, code("GB"));
    assert_eq!(inside.prefix_len, 27);
    // The same address written IPv4-mapped is an IPv6 lookup: 96 + 27, through MaxMind's alias.
    let mapped = database.locate(ip("::ffff:81.2.69.160"));
    assert_eq!(mapped.country, code("GB"));
    assert_eq!(mapped.prefix_len, 123);
}

#[test]
fn an_address_in_no_network_has_no_data_but_a_prefix() {
    let database = open("GeoLite2-City-Test.mmdb", None);
    for address in ["10.0.0.1", "192.0.2.1", "::1", "2001:db8::1"] {
        let location = database.locate(ip(address));
        assert!(location.is_unknown(), "{address}: {location:?}");
        assert_eq!(
            Location {
                prefix_len: 0,
                ..location
            },
            Location::default()
        );
    }
    // The empty network around 10.0.0.1 still has a prefix, usable as an ECS scope.
    assert!(database.locate(ip("10.0.0.1")).prefix_len > 0);
}

#[test]
fn country_database_has_no_city_fields() {
    let database = open("GeoLite2-Country-Test.mmdb", None);
    let london = database.locate(ip("81.2.69.160"));
    assert_eq!((london.continent, london.country), (code("EU"), code("GB")));
    assert_eq!(london.subdivision, None);
    assert_eq!(london.coordinates, None);
    let japan = database.locate(ip("2001:218::1"));
    assert_eq!(japan.country, code("JP"));
    // What the rules may ask of it: continents and countries, not subdivisions or `nearest`.
    database.require(PlaceField::Continent, "a rule").unwrap();
    database.require(PlaceField::Country, "a rule").unwrap();
    for field in [PlaceField::Subdivision, PlaceField::Coordinates] {
        let error = database.require(field, "a rule").unwrap_err().to_string();
        assert!(
            error.contains("GeoLite2-Country-Test.mmdb: no record has")
                && error
                    .contains("the GeoIP2 layout (GeoIP2, GeoLite2, DB-IP)), which a rule needs"),
            "{error}"
        );
    }
    assert!(database.warnings().is_empty(), "{:?}", database.warnings());
}

#[test]
fn city_databases_serve_every_rule() {
    for name in ["GeoLite2-City-Test.mmdb", "GeoIP2-City-Test.mmdb"] {
        let database = open(name, Some("GeoLite2-ASN-Test.mmdb"));
        for field in [
            PlaceField::Continent,
            PlaceField::Country,
            PlaceField::Subdivision,
            PlaceField::Coordinates,
        ] {
            database.require(field, "a rule").unwrap();
        }
        assert!(database.warnings().is_empty(), "{:?}", database.warnings());
    }
}

#[test]
fn geoip2_city_database_reads_the_same_layout() {
    let database = open("GeoIP2-City-Test.mmdb", None);
    assert_eq!(database.database_type(), "GeoIP2-City");
    let location = database.locate(ip("81.2.69.160"));
    assert_eq!(
        (location.continent, location.country),
        (code("EU"), code("GB"))
    );
    assert!(location.coordinates.is_some());
}

#[test]
fn asn_database_adds_the_number_and_its_prefix() {
    let database = open("GeoLite2-City-Test.mmdb", Some("GeoLite2-ASN-Test.mmdb"));
    assert_eq!(database.asn_database_type(), Some("GeoLite2-ASN"));
    let telstra = database.locate(ip("1.128.0.1"));
    assert_eq!(telstra.asn, Some(1221));
    assert_eq!(telstra.asn_prefix_len, 11);
    let google = database.locate(ip("1.0.0.1"));
    assert_eq!((google.asn, google.asn_prefix_len), (Some(15169), 24));
    let att = database.locate(ip("12.81.92.7"));
    assert_eq!((att.asn, att.asn_prefix_len), (Some(7018), 22));
    // The City fields still come from the City database.
    let london = database.locate(ip("81.2.69.160"));
    assert_eq!((london.country, london.prefix_len), (code("GB"), 27));
    assert_eq!(london.asn, None);
}

#[test]
fn wrong_database_types_are_named() {
    let asn = maxmind_file("GeoLite2-ASN-Test.mmdb");
    let city = maxmind_file("GeoLite2-City-Test.mmdb");
    let error = GeoDatabase::open(&asn, None).unwrap_err();
    assert!(matches!(error, GeoError::WrongType { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("GeoLite2-ASN-Test.mmdb"), "{message}");
    assert!(message.contains("\"GeoLite2-ASN\" cannot be the City/Country database"));

    let error = GeoDatabase::open(&city, Some(&city))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("\"GeoLite2-City\" cannot be the ASN database"),
        "{error}"
    );
}

#[test]
fn files_that_are_not_databases_are_named() {
    let missing = Path::new("/nonexistent/GeoLite2-City.mmdb");
    let error = GeoDatabase::open(missing, None).unwrap_err().to_string();
    assert!(
        error.starts_with("/nonexistent/GeoLite2-City.mmdb: cannot read"),
        "{error}"
    );

    let directory = maxmind_file("bad-data");
    let error = GeoDatabase::open(&directory, None).unwrap_err();
    assert!(matches!(error, GeoError::NotAFile { .. }), "{error:?}");

    let licence = maxmind_file("LICENSE-MIT");
    let error = GeoDatabase::open(&licence, None).unwrap_err();
    assert!(matches!(error, GeoError::NotMaxMindDb { .. }), "{error:?}");
    assert!(error.to_string().contains("LICENSE-MIT: not a MaxMind DB"));

    let error = GeoDatabase::from_bytes(Vec::new(), None).unwrap_err();
    assert_eq!(
        error.to_string(),
        "City/Country database: file is empty, expected a MaxMind DB (.mmdb) database"
    );
}

#[test]
fn asn_numbers_through_the_jump_tables_and_cache_are_the_readers() {
    // Every network of the ASN test database, at its first address and one inside, looked up
    // twice (the second time from the per-thread cache), against the reader's own lookup.
    use maxminddb::Reader;

    use crate::geo::record::AsnRecord;

    let path = maxmind_file("GeoLite2-ASN-Test.mmdb");
    let database = open("GeoLite2-City-Test.mmdb", Some("GeoLite2-ASN-Test.mmdb"));
    let bytes = std::fs::read(&path).unwrap();
    let reader = Reader::from_source(&bytes[..]).unwrap();
    let mut addresses = Vec::new();
    for network in reader.networks(Default::default()).unwrap() {
        let first = network.unwrap().network().unwrap().network();
        let inside = match first {
            IpAddr::V4(v4) => IpAddr::from((u32::from(v4) | 1).to_be_bytes()),
            IpAddr::V6(v6) => IpAddr::from((u128::from(v6) | 1).to_be_bytes()),
        };
        addresses.extend([first, inside]);
    }
    let ipv4 = addresses.iter().filter(|ip| ip.is_ipv4()).count();
    assert!(
        ipv4 > 50 && addresses.len() - ipv4 > 50,
        "{ipv4} of {}",
        addresses.len()
    );
    let mut numbered = 0;
    for ip in addresses {
        let result = reader.lookup(ip).unwrap();
        let asn = result
            .decode::<AsnRecord>()
            .unwrap()
            .and_then(|record| record.autonomous_system_number);
        let prefix = match result.network() {
            Ok(network) if network.is_ipv4() == ip.is_ipv4() => network.prefix(),
            _ => 0,
        };
        for _ in 0..2 {
            let location = database.locate(ip);
            assert_eq!(
                (location.asn, location.asn_prefix_len),
                (asn, prefix),
                "{ip}"
            );
        }
        numbered += usize::from(asn.is_some());
    }
    assert!(numbered > 100, "{numbered}");
}
