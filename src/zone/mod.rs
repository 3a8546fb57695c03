//! Zone files and the zone tree.

pub mod parse;
pub mod record;

pub use parse::{ParseOptions, parse_rdata_text, parse_zone_file, parse_zone_text, rdata_to_text};
pub use record::{Record, SourceLocation, ZoneError};
