//! Zone files and the zone tree.

pub mod record;

pub use record::{Record, SourceLocation, ZoneError};
