use std::net::IpAddr;

use super::maxmind_file;
use crate::geo::{GeoDatabase, GeoError};

/// Every corrupt database MaxMind ships for reader tests, and what our error says about it.
const BAD_DATABASES: [(&str, &str); 21] = [
    (
        "MaxMind-DB-test-broken-pointers-24.mmdb",
        "search tree node 36: left record 100232 points past the end of the 65-byte data section",
    ),
    (
        "MaxMind-DB-test-broken-search-tree-24.mmdb",
        "112 of the 164 search tree nodes are unreachable from the root",
    ),
    (
        "bad-unicode-in-map-key.mmdb",
        "search tree node 2: left record 13882323 points past the end",
    ),
    ("cyclic-data-structure.mmdb", "metadata: invalid database"),
    (
        "invalid-bytes-length.mmdb",
        "metadata: invalid database at offset 32: unexpected end of buffer",
    ),
    (
        "invalid-data-record-offset.mmdb",
        "metadata: invalid database at offset 47: double of size 6",
    ),
    ("invalid-map-key-length.mmdb", "metadata: invalid database"),
    (
        "invalid-string-length.mmdb",
        "metadata: invalid database at offset 187: unexpected end of buffer",
    ),
    (
        "libmaxminddb-corrupt-search-tree.mmdb",
        "99 of the 100 search tree nodes are unreachable from the root",
    ),
    (
        "libmaxminddb-deep-array-nesting.mmdb",
        "decoding error: data nested deeper than 32 levels",
    ),
    (
        "libmaxminddb-deep-nesting.mmdb",
        "decoding error: data nested deeper than 32 levels",
    ),
    (
        "libmaxminddb-metadata-marker-only.mmdb",
        "metadata: invalid database at offset 14: unexpected end of buffer",
    ),
    (
        "libmaxminddb-offset-integer-overflow.mmdb",
        "metadata: invalid database at offset 4294967496",
    ),
    (
        "libmaxminddb-oversized-array.mmdb",
        "record for 0.0.0.0/1: resource limit exceeded",
    ),
    (
        "libmaxminddb-oversized-map.mmdb",
        "record for 0.0.0.0/1: resource limit exceeded",
    ),
    (
        "libmaxminddb-separator-record-max-left.mmdb",
        "search tree node 0: left record 16 points into the 16-byte separator",
    ),
    (
        "libmaxminddb-separator-record-min-left.mmdb",
        "search tree node 0: left record 2 points into the 16-byte separator",
    ),
    (
        "libmaxminddb-separator-record-min-right.mmdb",
        "search tree node 0: right record 2 points into the 16-byte separator",
    ),
    (
        "libmaxminddb-uint64-max-epoch.mmdb",
        "build_epoch - Unix timestamp is too large",
    ),
    (
        "metadata-is-an-uint128.mmdb",
        "metadata: decoding error at offset 2: expected map",
    ),
    (
        "unexpected-bytes.mmdb",
        "metadata: decoding error at offset 262: expected array",
    ),
];

/// The files of bad-data/ that are sound databases: an empty `description` map (the format
/// allows it) last in the metadata, which once made libmaxminddb read past the end; it opens
/// them and looks 1.2.3.4 up. They pass every check and are refused only for their type.
const SOUND_DATABASES: [&str; 2] = [
    "libmaxminddb-empty-array-last-in-metadata.mmdb",
    "libmaxminddb-empty-map-last-in-metadata.mmdb",
];

#[test]
fn every_bad_database_gives_a_clear_error_naming_the_file() {
    let directory = maxmind_file("bad-data");
    let mut on_disk: Vec<String> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = BAD_DATABASES
        .iter()
        .map(|(name, _)| name.to_string())
        .chain(SOUND_DATABASES.map(String::from))
        .collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every file in bad-data/ is listed here");

    for (name, expected) in BAD_DATABASES {
        let path = directory.join(name);
        let error = GeoDatabase::open(&path, None).unwrap_err();
        let message = error.to_string();
        println!("{message}");
        assert!(
            matches!(error, GeoError::Corrupt { .. }),
            "{name}: {message}"
        );
        let prefix = format!("{}: corrupt MaxMind DB database: ", path.display());
        assert!(message.starts_with(&prefix), "{name}: {message}");
        assert!(message.contains(expected), "{name}: {message}");
        // The same corruption as the ASN database.
        let city = maxmind_file("GeoLite2-City-Test.mmdb");
        assert!(
            GeoDatabase::open(&city, Some(&path)).is_err(),
            "{name} as ASN"
        );
    }
}

#[test]
fn an_empty_description_last_in_the_metadata_is_no_corruption() {
    for name in SOUND_DATABASES {
        let path = maxmind_file("bad-data").join(name);
        let error = GeoDatabase::open(&path, None).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, GeoError::WrongType { .. }),
            "{name}: {message}"
        );
        assert!(message.contains("database type \"Test\""), "{message}");
        // The reader itself looks 1.2.3.4 up in it, as libmaxminddb's test does.
        let reader = maxminddb::Reader::open_readfile(&path).unwrap();
        assert!(reader.metadata().description.is_empty());
        assert!(reader.lookup("1.2.3.4".parse().unwrap()).is_ok());
    }
}

#[test]
fn every_truncation_of_a_good_database_is_an_error() {
    let bytes = std::fs::read(maxmind_file("GeoLite2-City-Test.mmdb")).unwrap();
    for len in (0..bytes.len()).step_by(7) {
        let result = GeoDatabase::from_bytes(bytes[..len].to_vec(), None);
        assert!(result.is_err(), "truncated to {len} bytes");
    }
}

/// A small deterministic generator (xorshift64*), so that failures reproduce.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[test]
fn corrupted_bytes_never_panic_at_load_or_lookup() {
    let original = std::fs::read(maxmind_file("GeoLite2-City-Test.mmdb")).unwrap();
    let addresses: Vec<IpAddr> = [
        "81.2.69.160",
        "216.160.83.56",
        "175.16.199.0",
        "2001:218::",
        "::ffff:89.160.20.112",
        "10.0.0.1",
        "::",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]
    .iter()
    .map(|text| text.parse().unwrap())
    .collect();
    let mut state = 0x5eed_u64;
    let (mut loaded, mut rejected) = (0, 0);
    for _ in 0..400 {
        let mut bytes = original.clone();
        for _ in 0..1 + next(&mut state) % 4 {
            let at = (next(&mut state) % bytes.len() as u64) as usize;
            bytes[at] = next(&mut state) as u8;
        }
        match GeoDatabase::from_bytes(bytes, None) {
            Ok(database) => {
                loaded += 1;
                for &address in &addresses {
                    let _ = database.locate(address);
                }
            }
            Err(_) => rejected += 1,
        }
    }
    // Most single-byte changes land in names the checks cannot tell from real ones.
    assert!(
        loaded > 0 && rejected > 0,
        "loaded {loaded}, rejected {rejected}"
    );
}
