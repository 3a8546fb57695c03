//! Tests of the GEO module against MaxMind's own test databases (geoip/maxmind-test-data/) and
//! our example database (geoip/example-city.*).

mod ecs;
