//! Database files on disk: a loaded database whose file is replaced by rename keeps answering
//! from its own (now unlinked) file, and one whose file is written into is noticed.

use std::io::Write;
use std::net::IpAddr;

use super::geoip_file;
use crate::geo::{Code2, GeoDatabase, build_city_database};

fn country(database: &GeoDatabase, address: &str) -> Option<Code2> {
    database.locate(address.parse::<IpAddr>().unwrap()).country
}

#[test]
fn a_database_replaced_by_rename_keeps_serving_and_one_written_into_is_noticed() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("city.mmdb");
    std::fs::copy(geoip_file("example-city.mmdb"), &path).unwrap();
    let loaded = GeoDatabase::open(&path, None).unwrap();
    assert_eq!(country(&loaded, "192.0.2.1"), Code2::new("NL"));

    // The next release moves 192.0.2.0/25 to Belgium; it is written beside and renamed over.
    let csv = std::fs::read_to_string(geoip_file("example-city.csv")).unwrap();
    let moved = csv.replace("192.0.2.0/25,EU,NL,", "192.0.2.0/25,EU,BE,");
    let temporary = directory.path().join("city.mmdb.tmp");
    std::fs::write(&temporary, build_city_database(&moved).unwrap()).unwrap();
    std::fs::rename(&temporary, &path).unwrap();
    assert_eq!(country(&loaded, "192.0.2.1"), Code2::new("NL"));
    assert!(loaded.rewritten_in_place().is_empty());
    let reloaded = GeoDatabase::open(&path, None).unwrap();
    assert_eq!(country(&reloaded, "192.0.2.1"), Code2::new("BE"));
    assert!(reloaded.rewritten_in_place().is_empty());

    // Written into instead (here: a byte appended, which leaves the database readable).
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(&[0]).unwrap();
    drop(file);
    let warnings = reloaded.rewritten_in_place();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let expected = format!("{}: the file was written into while loaded", path.display());
    assert!(warnings[0].starts_with(&expected), "{}", warnings[0]);
    assert!(warnings[0].contains("renaming a complete new file over the old one (mv)"));
    assert!(loaded.rewritten_in_place().is_empty());
    assert_eq!(country(&reloaded, "192.0.2.1"), Code2::new("BE"));
}
