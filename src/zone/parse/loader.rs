//! Turns entries into records: owners, TTL and class rules, directives and `$INCLUDE`.
//!
//! TTL of a record without one: the `$TTL` in force (RFC 2308 §4); before any `$TTL`, the last
//! TTL stated explicitly on a record (RFC 1035 §5.1, as BIND and NSD read it); before that,
//! `ParseOptions::default_ttl`; and with none of these, the MINIMUM field of the zone's first
//! SOA record (what BIND does, with a warning), filled in once the whole file is read.
//!
//! `$INCLUDE`: the included file starts with the including file's origin (or the one the
//! directive names), no current owner, and the `$TTL` in force; its `$ORIGIN`, owner and `$TTL`
//! end with it, and the including file goes on with its own (Knot DNS does the same). The last
//! explicit TTL follows the records in the order they are read, across files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ParseOptions;
use super::lexer::{Entry, Lexer, Token, show};
use super::rdata::fields::{MAX_TTL, name, ttl};
use super::rdata::parse_rdata;
use crate::wire::Name;
use crate::wire::rtype::{self, CLASS_IN, class_from_str, class_to_string, type_from_str};
use crate::zone::{Record, SourceLocation, ZoneError};

/// What one file's reading has as current state: RFC 1035 says an included file's `$ORIGIN`
/// and owner do not leak back into the file that included it.
pub(super) struct FileState {
    pub file: Arc<Path>,
    pub origin: Name,
    pub owner: Option<Name>,
}

/// TTL, class and type of a record line, as written.
pub(super) struct Header {
    pub ttl: Option<u32>,
    pub class: Option<u16>,
    pub rtype: u16,
}

/// Reads `[ttl] [class] type` (TTL and class in either order) and returns the rdata tokens.
pub(super) fn header<'t, 'a>(tokens: &'t [Token<'a>]) -> Result<(Header, &'t [Token<'a>]), String> {
    let mut ttl_value = None;
    let mut class = None;
    for (i, token) in tokens.iter().enumerate() {
        let text = token.text;
        if token.quoted {
            return Err(format!(
                "expected a TTL, class or type, found the quoted string \"{}\"",
                show(text)
            ));
        }
        if text.first().is_some_and(u8::is_ascii_digit) {
            if ttl_value.is_some() {
                return Err(format!("second TTL \"{}\" in one record", show(text)));
            }
            ttl_value = Some(ttl(text)?);
        } else if let Some(c) = class_of(text) {
            if class.is_some() {
                return Err(format!("second class \"{}\" in one record", show(text)));
            }
            class = Some(c);
        } else if let Some(rtype) = std::str::from_utf8(text).ok().and_then(type_from_str) {
            let header = Header {
                ttl: ttl_value,
                class,
                rtype,
            };
            return Ok((header, tokens.get(i + 1..).unwrap_or_default()));
        } else {
            return Err(format!("unknown record type \"{}\"", show(text)));
        }
    }
    Err("missing record type".into())
}

fn class_of(text: &[u8]) -> Option<u16> {
    if text.eq_ignore_ascii_case(b"IN") {
        return Some(CLASS_IN);
    }
    if text.len() > 12 {
        return None;
    }
    std::str::from_utf8(text).ok().and_then(class_from_str)
}

pub(super) struct Loader<'o> {
    pub options: &'o ParseOptions,
    pub records: Vec<Record>,
    pub errors: Vec<ZoneError>,
    /// The `$TTL` in force.
    dollar_ttl: Option<u32>,
    /// The last TTL written on a record.
    last_ttl: Option<u32>,
    /// Records whose TTL waits for the SOA MINIMUM.
    pending_ttl: Vec<usize>,
    soa_minimum: Option<u32>,
    /// File contents by canonical path: a file included twice is read once.
    cache: HashMap<PathBuf, Arc<[u8]>>,
    /// Canonical paths of the files being read, outermost first (loop detection).
    pub stack: Vec<PathBuf>,
    rdata: Vec<u8>,
    stopped: bool,
}

impl<'o> Loader<'o> {
    pub fn new(options: &'o ParseOptions) -> Self {
        Loader {
            options,
            records: Vec::new(),
            errors: Vec::new(),
            dollar_ttl: None,
            last_ttl: None,
            pending_ttl: Vec::new(),
            soa_minimum: None,
            cache: HashMap::new(),
            stack: Vec::new(),
            rdata: Vec::new(),
            stopped: false,
        }
    }

    pub fn error(&mut self, file: &Arc<Path>, line: u32, message: String) {
        if self.errors.len() < self.options.max_errors {
            self.errors.push(ZoneError {
                location: SourceLocation {
                    file: file.clone(),
                    line,
                },
                message,
            });
        }
        if self.errors.len() >= self.options.max_errors {
            self.stopped = true;
        }
    }

    /// Reads every entry of `text`.
    pub fn load_text(&mut self, text: &[u8], state: &mut FileState, depth: usize) {
        let mut lexer = Lexer::new(text);
        let mut tokens = Vec::new();
        while !self.stopped {
            let Some(entry) = lexer.next_entry(&mut tokens) else {
                break;
            };
            let result = match entry {
                Ok(entry) => self.entry(&tokens, entry, state, depth),
                Err(e) => Err((e.line, e.message)),
            };
            if let Err((line, message)) = result {
                self.error(&state.file.clone(), line, message);
            }
        }
    }

    fn entry(
        &mut self,
        tokens: &[Token],
        entry: Entry,
        state: &mut FileState,
        depth: usize,
    ) -> Result<(), (u32, String)> {
        let at = |message| (entry.line, message);
        let Some((first, rest)) = tokens.split_first() else {
            return Ok(());
        };
        if !entry.blank_owner && !first.quoted && first.text.first() == Some(&b'$') {
            return self.directive(first.text, rest, entry, state, depth);
        }
        let (owner, rest) = if entry.blank_owner {
            let owner = state.owner.clone().ok_or_else(|| {
                at(
                    "no owner name: the first record must name its owner (a line that starts \
                    with a blank repeats the previous owner)"
                        .to_string(),
                )
            })?;
            (owner, tokens)
        } else {
            let owner = if first.is("@") {
                state.origin.clone()
            } else {
                name(first.text, &state.origin).map_err(|e| at(format!("bad owner name: {e}")))?
            };
            state.owner = Some(owner.clone());
            (owner, rest)
        };
        let (header, rdata) = header(rest).map_err(at)?;
        self.add(owner, &header, rdata, state, entry.line)
            .map_err(at)
    }

    /// Adds one record: class and TTL rules, rdata parsing.
    pub fn add(
        &mut self,
        owner: Name,
        header: &Header,
        rdata: &[Token],
        state: &FileState,
        line: u32,
    ) -> Result<(), String> {
        if let Some(class) = header.class.filter(|&c| c != CLASS_IN) {
            return Err(format!(
                "class {} is not supported: zone data must be class IN",
                class_to_string(class)
            ));
        }
        parse_rdata(header.rtype, rdata, &state.origin, &mut self.rdata)?;
        let ttl = match header.ttl {
            Some(t) => {
                self.last_ttl = Some(t);
                Some(t)
            }
            None => self
                .dollar_ttl
                .or(self.last_ttl)
                .or(self.options.default_ttl),
        };
        if header.rtype == rtype::SOA && self.soa_minimum.is_none() {
            let minimum = self
                .rdata
                .rchunks_exact(4)
                .next()
                .and_then(|b| b.try_into().ok());
            self.soa_minimum = minimum.map(|b| u32::from_be_bytes(b).min(MAX_TTL));
        }
        if ttl.is_none() {
            self.pending_ttl.push(self.records.len());
        }
        self.records.push(Record {
            owner,
            class: CLASS_IN,
            rtype: header.rtype,
            ttl: ttl.unwrap_or(0),
            rdata: self.rdata.as_slice().into(),
            source: SourceLocation {
                file: state.file.clone(),
                line,
            },
        });
        Ok(())
    }

    fn directive(
        &mut self,
        directive: &[u8],
        args: &[Token],
        entry: Entry,
        state: &mut FileState,
        depth: usize,
    ) -> Result<(), (u32, String)> {
        let at = |message| (entry.line, message);
        let one_arg = |what: &str| match args {
            [arg] => Ok(*arg),
            [] => Err(at(format!("missing {what} after {}", show(directive)))),
            [_, extra, ..] => Err(at(format!(
                "unexpected \"{}\" after {}",
                show(extra.text),
                show(directive)
            ))),
        };
        if directive.eq_ignore_ascii_case(b"$ORIGIN") {
            let arg = one_arg("a name")?;
            state.origin =
                name(arg.text, &state.origin).map_err(|e| at(format!("bad $ORIGIN: {e}")))?;
        } else if directive.eq_ignore_ascii_case(b"$TTL") {
            let arg = one_arg("a TTL")?;
            self.dollar_ttl = Some(ttl(arg.text).map_err(at)?);
        } else if directive.eq_ignore_ascii_case(b"$INCLUDE") {
            self.include(args, state, depth).map_err(at)?;
        } else if directive.eq_ignore_ascii_case(b"$GENERATE") {
            super::generate::generate(self, args, state, entry.line).map_err(at)?;
        } else {
            return Err(at(format!("unknown directive \"{}\"", show(directive))));
        }
        Ok(())
    }

    fn include(&mut self, args: &[Token], state: &FileState, depth: usize) -> Result<(), String> {
        if !self.options.allow_include {
            return Err("$INCLUDE is not allowed".into());
        }
        let (file, origin) = match args {
            [file] => (file, state.origin.clone()),
            [file, origin] => (
                file,
                name(origin.text, &state.origin)
                    .map_err(|e| format!("bad $INCLUDE origin: {e}"))?,
            ),
            [] => return Err("missing a file name after $INCLUDE".into()),
            [_, _, extra, ..] => {
                return Err(format!(
                    "unexpected \"{}\" after $INCLUDE",
                    show(extra.text)
                ));
            }
        };
        let mut decoded = Vec::new();
        super::encoding::unescape_into(file.text, &mut decoded)?;
        let written = String::from_utf8(decoded)
            .map_err(|_| format!("$INCLUDE file name \"{}\" is not UTF-8", show(file.text)))?;
        let path = match state.file.parent() {
            Some(dir) if Path::new(&written).is_relative() => dir.join(&written),
            _ => PathBuf::from(&written),
        };
        if depth >= self.options.max_include_depth {
            return Err(format!(
                "$INCLUDE nested more than {} deep: {}",
                self.options.max_include_depth,
                path.display()
            ));
        }
        let canonical = std::fs::canonicalize(&path)
            .map_err(|e| format!("cannot read included file {}: {e}", path.display()))?;
        if self.stack.contains(&canonical) {
            return Err(format!("$INCLUDE loop: {}", path.display()));
        }
        let text = match self.cache.get(&canonical) {
            Some(text) => text.clone(),
            None => {
                let bytes = std::fs::read(&canonical)
                    .map_err(|e| format!("cannot read included file {}: {e}", path.display()))?;
                let text: Arc<[u8]> = bytes.into();
                self.cache.insert(canonical.clone(), text.clone());
                text
            }
        };
        let mut child = FileState {
            file: Arc::from(path.as_path()),
            origin,
            owner: None,
        };
        self.stack.push(canonical);
        // A `$TTL` set inside the included file ends with it, as its `$ORIGIN` does (Knot DNS).
        let dollar_ttl = self.dollar_ttl;
        self.load_text(&text, &mut child, depth + 1);
        self.dollar_ttl = dollar_ttl;
        self.stack.pop();
        Ok(())
    }

    /// Fills TTLs that waited for the SOA MINIMUM and returns the records or the errors.
    pub fn finish(mut self) -> Result<Vec<Record>, Vec<ZoneError>> {
        let pending = std::mem::take(&mut self.pending_ttl);
        match self.soa_minimum {
            Some(minimum) => {
                for i in pending {
                    if let Some(record) = self.records.get_mut(i) {
                        record.ttl = minimum;
                    }
                }
            }
            None => {
                for i in pending {
                    if let Some(record) = self.records.get(i) {
                        let (file, line) = (record.source.file.clone(), record.source.line);
                        self.error(
                            &file,
                            line,
                            "no TTL for this record: write one, or a $TTL directive, or an SOA \
                             record whose MINIMUM can serve"
                                .into(),
                        );
                    }
                }
            }
        }
        if self.errors.is_empty() {
            Ok(self.records)
        } else {
            Err(self.errors)
        }
    }
}
