//! GeoIP databases of every layout against the real binary: ip-location-db's flat country
//! files steer by country and by the continent derived from it; `check` and reloads refuse a
//! database whose records lack what a rule needs, naming the file and the layout found; a
//! database replaced by rename is picked up by a reload, and the old one serves until then and
//! is released by it (one copy of the database in memory, not two).

use std::path::Path;
use std::process::Command;

use switchyard::geo::{RecordLayout, build_database};

use crate::support::*;

/// geoip/example-city.csv as a database in `layout` (ip-location-db: the IPv4 file).
fn database(layout: RecordLayout) -> Vec<u8> {
    let csv = std::fs::read_to_string(repo().join("geoip/example-city.csv")).unwrap();
    build_database(&csv, layout, false).unwrap()
}

/// Writes `bytes` beside `path` and renames it over `path`, as an operator replaces a database.
fn replace(path: &Path, bytes: &[u8]) {
    let temporary = path.with_extension("mmdb.new");
    std::fs::write(&temporary, bytes).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

const SERVICES: &str = r#"
[datacenters]
ams = { location = [52.37, 4.90] }
iad = { location = [38.95, -77.45] }
sin = { location = [1.35, 103.82] }

[[services]]
name = "www.example.com."
policy = "geo"
ttl = 30
targets = [
  { datacenter = "ams", address = "192.0.2.10" },
  { datacenter = "iad", address = "198.51.100.10" },
  { datacenter = "sin", address = "203.0.113.10" },
]
[services.geo]
"country:SG" = ["sin"]
"continent:EU" = ["ams"]
"continent:NA" = ["iad"]
default = ["iad", "ams"]
"#;

/// A second service, steered by distance: it needs coordinates.
const NEAREST: &str = r#"
[[services]]
name = "near.example.com."
policy = "nearest"
targets = [
  { datacenter = "ams", address = "192.0.2.11" },
  { datacenter = "sin", address = "203.0.113.11" },
]
"#;

/// The example table with 192.0.2.0/25 moved from Amsterdam to Ashburn, as a later release.
fn moved_table() -> String {
    let csv = std::fs::read_to_string(repo().join("geoip/example-city.csv")).unwrap();
    csv.replace("192.0.2.0/25,EU,NL,NH", "192.0.2.0/25,NA,US,VA")
}

/// A directory with the example zone, `geo.mmdb` holding `layout` and a configuration that
/// uses it with `services` (and an admin server).
fn prepare(layout: RecordLayout, services: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("example.com.zone"), example_zone()).unwrap();
    std::fs::write(dir.path().join("geo.mmdb"), database(layout)).unwrap();
    let config =
        example_config("\n[admin]\nlisten = \"127.0.0.1:0\"\n\n[geoip]\ndatabase = \"geo.mmdb\"\n");
    std::fs::write(
        dir.path().join("switchyard.toml"),
        format!("{config}\n{services}"),
    )
    .unwrap();
    dir
}

/// `switchyard check` on the prepared directory: (success, stderr).
fn check(dir: &Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["check", "--config"])
        .arg(dir.join("switchyard.toml"))
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The A answer for an ECS subnet and the scope of the echoed option.
fn steer(server: &Server, subnet: &str) -> (Vec<String>, Option<u8>) {
    let query = QueryBuilder::new("www.example.com", "A").client_subnet(subnet);
    let response = Response::decode(&server.udp(&query.build()).expect("an answer"));
    assert_eq!(response.rcode(), 0, "{subnet}");
    (
        response.answer_data(),
        response.option(8).map(|data| data[3]),
    )
}

#[test]
fn an_ip_location_db_country_file_steers_by_country_and_derived_continent() {
    let dir = prepare(RecordLayout::IpLocationCountry, SERVICES);
    let (ok, stderr) = check(dir.path());
    assert!(ok, "{stderr}");
    // One file per family: the check says which clients it cannot locate.
    assert!(
        stderr.contains("geo.mmdb: no IPv6 network has data: IPv6 clients are not located"),
        "{stderr}"
    );
    let server = Server::spawn(dir).unwrap();
    for (subnet, answer, scope) in [
        ("192.0.2.1/32", "192.0.2.10", 25),       // NL → EU (derived)
        ("192.0.2.129/32", "192.0.2.10", 25),     // DE → EU
        ("198.51.100.7/32", "198.51.100.10", 24), // US → NA
        ("203.0.113.9/32", "203.0.113.10", 24),   // SG: the country rule
        ("198.18.0.1/32", "198.51.100.10", 15),   // AU → OC: no rule, default
    ] {
        let (answers, got_scope) = steer(&server, subnet);
        assert_eq!(answers, vec![answer], "{subnet}");
        assert_eq!(got_scope, Some(scope), "{subnet}");
    }
    // An IPv6 client is not in the IPv4 file: the default rule, for every IPv6 client (scope 0).
    assert_eq!(
        steer(&server, "2001:db8:1::/48"),
        (vec!["198.51.100.10".to_string()], Some(0))
    );
}

#[test]
fn check_refuses_rules_that_no_record_can_match_and_names_the_layout() {
    let services = SERVICES.replace(
        "\"country:SG\" = [\"sin\"]",
        "\"country:SG\" = [\"sin\"]\n\"subdivision:US-VA\" = [\"iad\"]",
    ) + NEAREST;
    let dir = prepare(RecordLayout::IpLocationCountry, &services);
    let (ok, stderr) = check(dir.path());
    assert!(!ok, "{stderr}");
    let file = dir.path().join("geo.mmdb");
    let found = "(records have {country_code}: the ip-location-db flat layout)";
    for expected in [
        format!(
            "{}: no record has a subdivision code {found}, which \
             services[0].geo.\"subdivision:US-VA\" needs",
            file.display()
        ),
        format!(
            "{}: no record has coordinates {found}, which services[1].policy = \"nearest\" needs",
            file.display()
        ),
    ] {
        assert!(stderr.contains(&expected), "{expected}\n---\n{stderr}");
    }
    // The country and continent rules are satisfied: no error names them.
    assert!(!stderr.contains("country:SG"), "{stderr}");
    assert!(!stderr.contains("continent:"), "{stderr}");
    // A DB-IP Lite City database has the coordinates but no subdivision codes either.
    std::fs::write(&file, database(RecordLayout::DbIpCity)).unwrap();
    let (ok, stderr) = check(dir.path());
    assert!(!ok);
    assert!(
        stderr.contains("no record has a subdivision code"),
        "{stderr}"
    );
    assert!(!stderr.contains("no record has coordinates"), "{stderr}");
}

#[test]
fn reloads_pick_up_a_database_replaced_by_rename_and_refuse_one_that_cannot_serve() {
    let services = SERVICES.to_string() + NEAREST;
    let dir = prepare(RecordLayout::DbIpCity, &services);
    let server = Server::spawn(dir).unwrap();
    let file = server.path("geo.mmdb");
    let nearest = |subnet: &str| {
        let query = QueryBuilder::new("near.example.com", "A").client_subnet(subnet);
        Response::decode(&server.udp(&query.build()).unwrap()).answer_data()
    };
    assert_eq!(nearest("203.0.113.0/24"), vec!["203.0.113.11"]);
    assert_eq!(steer(&server, "192.0.2.1/32").0, vec!["192.0.2.10"]);

    // A country file has no coordinates for `nearest`: the reload is refused, naming the file,
    // and the loaded database keeps answering.
    replace(&file, &database(RecordLayout::IpLocationCountry));
    let refused = server.post("/reload", "");
    assert_eq!(refused.status, 422, "{}", refused.body);
    let expected = format!(
        "{}: no record has coordinates (records have {{country_code}}: the ip-location-db flat \
         layout), which services[1].policy = \\\"nearest\\\" needs",
        file.display()
    );
    assert!(refused.body.contains(&expected), "{}", refused.body);
    assert_eq!(nearest("203.0.113.0/24"), vec!["203.0.113.11"]);

    // The next City release, renamed over the file: 192.0.2.0/25 now lies in the US.
    replace(
        &file,
        &build_database(&moved_table(), RecordLayout::DbIpCity, false).unwrap(),
    );
    let accepted = server.post("/reload", "");
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(steer(&server, "192.0.2.1/32").0, vec!["198.51.100.10"]);
    assert_eq!(nearest("203.0.113.0/24"), vec!["203.0.113.11"]);
    let status = server.stop();
    assert!(status.success(), "{status:?}");
}

/// The server's mappings of `file` (/proc/PID/maps): the live file by its path, and a replaced
/// one still mapped as `path (deleted)`.
fn mappings_of(server: &Server, file: &Path) -> Vec<String> {
    let file = std::fs::canonicalize(file).unwrap();
    let deleted = format!("{} (deleted)", file.display());
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", server.pid())).unwrap();
    maps.lines()
        .filter(|line| {
            let path = line
                .splitn(6, char::is_whitespace)
                .nth(5)
                .unwrap_or("")
                .trim();
            path == file.to_str().unwrap() || path == deleted
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn a_reload_that_swaps_the_database_leaves_one_copy_of_it() {
    // The first snapshot used to stay referenced for the life of the process: after the first
    // swap the old database (and zones) stayed in memory beside the new ones.
    let dir = prepare(RecordLayout::DbIpCity, SERVICES);
    let server = Server::spawn(dir).unwrap();
    let file = server.path("geo.mmdb");
    let mapped = mappings_of(&server, &file);
    assert_eq!(mapped.len(), 1, "{mapped:?}");
    let csv = std::fs::read_to_string(repo().join("geoip/example-city.csv")).unwrap();
    let releases = [moved_table(), csv, moved_table()];
    for (release, answer) in releases
        .iter()
        .zip(["198.51.100.10", "192.0.2.10", "198.51.100.10"])
    {
        replace(
            &file,
            &build_database(release, RecordLayout::DbIpCity, false).unwrap(),
        );
        let reloaded = server.post("/reload", "");
        assert_eq!(reloaded.status, 200, "{}", reloaded.body);
        assert_eq!(steer(&server, "192.0.2.1/32").0, vec![answer]);
        // The replaced file is unmapped by the time the reload answers: no `(deleted)` mapping.
        let mapped = mappings_of(&server, &file);
        assert_eq!(mapped.len(), 1, "{mapped:?}");
        assert!(!mapped[0].ends_with("(deleted)"), "{mapped:?}");
    }
    let status = server.stop();
    assert!(status.success(), "{status:?}");
}
