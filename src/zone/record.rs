//! A record as read from a zone file, before it is placed in the zone tree.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::wire::Name;

/// Where a record or an error comes from: `zones/example.com.zone:42`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    pub file: Arc<Path>,
    /// 1-based line of the record's first line; 0 when the error concerns the whole file.
    pub line: u32,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file.display())
        } else {
            write!(f, "{}:{}", self.file.display(), self.line)
        }
    }
}

/// One resource record with its rdata already in uncompressed wire format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Fully qualified owner, case as written in the file.
    pub owner: Name,
    pub class: u16,
    pub rtype: u16,
    pub ttl: u32,
    /// Uncompressed wire-format rdata.
    pub rdata: Box<[u8]>,
    pub source: SourceLocation,
}

/// An error or warning about a zone file, shown as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneError {
    pub location: SourceLocation,
    pub message: String,
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl std::error::Error for ZoneError {}
