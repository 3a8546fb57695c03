//! Locating clients: MaxMind DB lookups (a City or Country database plus an optional ASN
//! database), EDNS Client Subnet (RFC 7871) parsing, masking and encoding, and the writer of
//! our own small City databases (geoip/example-city.mmdb).
//!
//! Loading ([`GeoDatabase::open`]) verifies a database completely, off the query path; the
//! query path calls [`GeoDatabase::locate`], which decodes only the fields steering uses and
//! never allocates.

mod cache;
mod city_table;
mod database;
mod ecs;
mod location;
mod record;
mod tree;
mod tree_index;
mod writer;

pub use database::{GeoDatabase, GeoError};
pub use ecs::{
    CLIENT_SUBNET_OPTION_CODE, ClientSubnet, EcsError, MAX_CLIENT_SUBNET_LEN, client_address,
    encode_client_subnet, mask_address, max_prefix, parse_client_subnet,
};
pub use location::{Code2, InvalidCode, Location, SubdivisionCode};
pub use writer::{BUILD_EPOCH, DATABASE_TYPE, build_city_database};

#[cfg(test)]
mod tests;
