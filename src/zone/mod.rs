//! Zone files and the zone tree.

pub mod build;
pub mod record;
pub mod tree;

pub use build::{ZoneBuilder, ZoneProblems};
pub use record::{Record, SourceLocation, ZoneError};
pub use tree::{Lookup, NodeId, NodeRef, RRsetRef, Zone};
