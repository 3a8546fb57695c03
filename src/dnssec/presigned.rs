//! Checks of a zone signed elsewhere (presigned): every RRSIG it carries must be valid now.
//!
//! A signature that has expired, or whose inception is still ahead, makes validating resolvers
//! answer SERVFAIL for its RRset; Knot's `kzonecheck` reports both as "no valid signature".
//! Loading such a zone would serve answers that fail validation, so the zone is rejected with
//! the record's `file:line` and the old data keeps serving.

use crate::dnssec::rrsig::Rrsig;
use crate::dnssec::time::{format_timestamp, from_serial};
use crate::wire::rtype;
use crate::zone::Record;

/// Whether `records` are a signed zone: they hold DNSKEY or RRSIG records.
pub fn is_presigned(records: &[Record]) -> bool {
    records
        .iter()
        .any(|r| r.rtype == rtype::DNSKEY || r.rtype == rtype::RRSIG)
}

/// One line per RRSIG of `records` not valid at `now` (expired, or inception in the future),
/// as `file:line: RRSIG of OWNER TYPE …`.
pub fn invalid_signatures(records: &[Record], now: u64) -> Vec<String> {
    let mut problems = Vec::new();
    for record in records.iter().filter(|r| r.rtype == rtype::RRSIG) {
        let Some(sig) = Rrsig::parse(&record.rdata) else {
            continue; // the parser checked the rdata's form
        };
        let what = format!(
            "RRSIG of {} {}",
            record.owner,
            rtype::type_to_string(sig.type_covered)
        );
        let expiration = from_serial(sig.expiration, now);
        let inception = from_serial(sig.inception, now);
        if expiration < now {
            problems.push(format!(
                "{}: {what} expired at {} (the zone must be signed again)",
                record.source,
                format_timestamp(expiration)
            ));
        } else if inception > now {
            problems.push(format!(
                "{}: {what} is not valid before its inception {} (the signer's clock is ahead)",
                record.source,
                format_timestamp(inception)
            ));
        }
    }
    problems
}

/// The earliest expiration of the RRSIGs of `records`, read near `now`.
pub fn earliest_expiration(records: &[Record], now: u64) -> Option<u64> {
    records
        .iter()
        .filter(|r| r.rtype == rtype::RRSIG)
        .filter_map(|r| Rrsig::parse(&r.rdata))
        .map(|sig| from_serial(sig.expiration, now))
        .min()
}
