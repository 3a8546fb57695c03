//! RFC 1035 §5 master files ("zone files") to [`Record`]s, as BIND, Knot DNS and NSD read them.
//!
//! - Directives: `$ORIGIN`, `$TTL`, `$INCLUDE file [origin]` (relative to the including file,
//!   depth-limited, loops detected, each file read once), `$GENERATE` (BIND's syntax, see
//!   `generate.rs`).
//! - `@`, relative names, omitted owner / TTL / class, TTL and class in either order, TTL units
//!   (`1h30m`), parentheses, comments, quoted strings and escapes.
//! - Class IN only. Types: see [`parse_rdata_text`]; every type also in the RFC 3597 form, whose
//!   bytes must be valid rdata of the type when we know its layout.
//!   TXT-like strings over 255 bytes are split into 255-byte strings, as Knot DNS does.
//! - What is accepted, and where we are stricter than Knot DNS and why: docs/zone-files.md.
//! - Errors are collected (up to [`ParseOptions::max_errors`]), each at the first line of its
//!   record: `zones/example.com.zone:42: bad IPv4 address "10.0.0.300"`.
//!
//! The TTL rule for records that omit it is documented in `loader.rs`.

pub(crate) mod encoding;
mod generate;
mod lexer;
mod loader;
mod rdata;
mod text;

#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;

use crate::wire::Name;
use crate::zone::{Record, SourceLocation, ZoneError};

pub use text::{generic_text, rdata_to_text};

/// Limits and defaults for reading a zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// Whether `$INCLUDE` is honoured (default true).
    pub allow_include: bool,
    /// How many files deep `$INCLUDE` may nest (default 8).
    pub max_include_depth: usize,
    /// Errors collected before parsing stops (default 100).
    pub max_errors: usize,
    /// Records one `$GENERATE` may make (default 65536).
    pub max_generate: usize,
    /// TTL for records that state none when the file has no `$TTL` and no earlier explicit TTL;
    /// `None` falls back to the SOA MINIMUM.
    pub default_ttl: Option<u32>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            allow_include: true,
            max_include_depth: 8,
            max_errors: 100,
            max_generate: 65_536,
            default_ttl: None,
        }
    }
}

/// Reads and parses the zone file at `path` for the zone `origin`. A file that cannot be read
/// is one error at line 0.
pub fn parse_zone_file(
    path: &Path,
    origin: &Name,
    options: &ParseOptions,
) -> Result<Vec<Record>, Vec<ZoneError>> {
    let file: Arc<Path> = Arc::from(path);
    match std::fs::read(path) {
        Ok(bytes) => parse_bytes(&bytes, file, origin, options),
        Err(e) => Err(vec![ZoneError {
            location: SourceLocation { file, line: 0 },
            message: format!("cannot read zone file: {e}"),
        }]),
    }
}

/// Parses zone-file text. `file` names the text in errors and is the base for `$INCLUDE`.
pub fn parse_zone_text(
    text: &str,
    file: &Path,
    origin: &Name,
    options: &ParseOptions,
) -> Result<Vec<Record>, Vec<ZoneError>> {
    parse_bytes(text.as_bytes(), Arc::from(file), origin, options)
}

fn parse_bytes(
    bytes: &[u8],
    file: Arc<Path>,
    origin: &Name,
    options: &ParseOptions,
) -> Result<Vec<Record>, Vec<ZoneError>> {
    let mut loader = loader::Loader::new(options);
    if let Ok(canonical) = std::fs::canonicalize(&file) {
        loader.stack.push(canonical);
    }
    let mut state = loader::FileState {
        file,
        origin: origin.clone(),
        owner: None,
    };
    loader.load_text(bytes, &mut state, 0);
    loader.finish()
}

/// Parses one record's rdata from presentation format into uncompressed wire format; relative
/// names are completed with `origin`. Parentheses and line breaks are allowed.
///
/// Types: every type of IANA's registry that Knot DNS reads in presentation format (the list is
/// `rdata/layout.rs`; docs/zone-files.md shows each format), by mnemonic or as `TYPEnnn`; any
/// type as `\# LENGTH HEX` (RFC 3597), checked against the type's layout when it has one.
pub fn parse_rdata_text(rtype: u16, text: &str, origin: &Name) -> Result<Vec<u8>, String> {
    let tokens = lexer::tokens_of(text.as_bytes())?;
    let mut out = Vec::new();
    rdata::parse_rdata(rtype, &tokens, origin, &mut out)?;
    Ok(out)
}
