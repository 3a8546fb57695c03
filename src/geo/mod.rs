//! Locating clients: MaxMind DB lookups (a City or Country database plus an optional ASN
//! database), EDNS Client Subnet (RFC 7871) parsing, masking and encoding, and the writer of
//! our own databases (geoip/example-city.mmdb, and test databases in every layout we read).
//!
//! Loading ([`GeoDatabase::open`]) maps a database's file and verifies it completely, off the
//! query path; the query path calls [`GeoDatabase::locate`], which decodes only the fields
//! steering uses and never allocates.

mod cache;
mod city_table;
mod continents;
mod database;
mod ecs;
mod encode;
mod location;
mod mapped;
mod record;
mod source;
mod survey;
mod tree;
mod tree_index;
mod verify;
mod writer;

pub use database::{GeoDatabase, GeoError};
pub use ecs::{
    CLIENT_SUBNET_OPTION_CODE, ClientSubnet, EcsError, MAX_CLIENT_SUBNET_LEN, client_address,
    encode_client_subnet, mask_address, max_prefix, parse_client_subnet,
};
pub use encode::RecordLayout;
pub use location::{Code2, InvalidCode, Location, SubdivisionCode};
pub use survey::PlaceField;
pub use writer::{BUILD_EPOCH, DATABASE_TYPE, build_city_database, build_database};

#[cfg(test)]
mod tests;
