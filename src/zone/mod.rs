//! Zone files and the zone tree.

pub mod build;
pub mod index;
pub mod parse;
pub mod record;
pub mod signed;
pub mod tree;

#[cfg(test)]
mod tests;

pub use build::{ZoneBuilder, ZoneProblems};
pub use parse::{ParseOptions, parse_rdata_text, parse_zone_file, parse_zone_text, rdata_to_text};
pub use record::{Record, SourceLocation, ZoneError};
pub use signed::{Nsec3Ref, Signed};
pub use tree::{Lookup, NodeId, NodeRef, RRsetRef, Zone};
