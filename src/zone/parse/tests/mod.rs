//! Tests of the zone-file parser.

mod corpus;
mod generate;
mod hickory;
mod knot;
mod new_types;
mod quotes;
mod rdata;
mod robustness;
mod speed;
mod zone_file;

use std::path::Path;

use super::{ParseOptions, parse_rdata_text, parse_zone_text, rdata_to_text};
use crate::wire::Name;
use crate::zone::{Record, ZoneError};

pub(super) fn origin() -> Name {
    "example.com.".parse().unwrap()
}

pub(super) fn parse_with(
    text: &str,
    options: &ParseOptions,
) -> Result<Vec<Record>, Vec<ZoneError>> {
    parse_zone_text(text, Path::new("test.zone"), &origin(), options)
}

/// The records of `text`; panics with the errors shown as `file:line: message`.
pub(super) fn records(text: &str) -> Vec<Record> {
    match parse_with(text, &ParseOptions::default()) {
        Ok(records) => records,
        Err(errors) => panic!("unexpected errors: {:#?}", shown(&errors)),
    }
}

pub(super) fn shown(errors: &[ZoneError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

/// The errors of `text` as `test.zone:LINE: message`.
pub(super) fn errors(text: &str) -> Vec<String> {
    match parse_with(text, &ParseOptions::default()) {
        Ok(records) => panic!("expected errors, got {records:#?}"),
        Err(errors) => shown(&errors),
    }
}

pub(super) fn rdata(rtype: u16, text: &str) -> Vec<u8> {
    parse_rdata_text(rtype, text, &origin()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub(super) fn rdata_error(rtype: u16, text: &str) -> String {
    match parse_rdata_text(rtype, text, &origin()) {
        Ok(wire) => panic!("{text}: expected an error, got {wire:02x?}"),
        Err(e) => e,
    }
}

/// Parses `text`, checks the wire bytes, and checks that the text form parses back to them.
pub(super) fn check(rtype: u16, text: &str, wire: &[u8]) {
    let parsed = rdata(rtype, text);
    assert_eq!(parsed, wire, "{text}");
    let shown = rdata_to_text(rtype, &parsed);
    assert!(
        !shown.starts_with("\\#"),
        "{text} shown generically: {shown}"
    );
    assert_eq!(
        rdata(rtype, &shown),
        wire,
        "round trip of {text} via {shown}"
    );
}
