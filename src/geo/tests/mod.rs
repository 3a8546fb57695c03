//! Tests of the GEO module against MaxMind's own test databases (geoip/maxmind-test-data/) and
//! our example database (geoip/example-city.*).

mod allocation;
mod asn_layouts;
mod bad_databases;
mod ecs;
mod example;
mod files;
mod layouts;
mod maxmind;
mod speed;

use std::path::PathBuf;

/// A file under geoip/.
pub(super) fn geoip_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("geoip")
        .join(name)
}

/// A file under geoip/maxmind-test-data/.
pub(super) fn maxmind_file(name: &str) -> PathBuf {
    geoip_file("maxmind-test-data").join(name)
}
