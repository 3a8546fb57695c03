//! Checks of a zone signed elsewhere (presigned): every RRSIG it carries must be valid now.
//!
//! A zone is taken as signed when its SOA has an RRSIG, as `kzonecheck` decides. A signature
//! that has expired, or whose inception is still ahead, makes validating resolvers
//! answer SERVFAIL for its RRset; Knot's `kzonecheck` reports both as "no valid signature".
//! Loading such a zone would serve answers that fail validation, so the zone is rejected with
//! the record's `file:line` and the old data keeps serving.

use crate::dnssec::rrsig::Rrsig;
use crate::dnssec::time::{format_timestamp, from_serial};
use crate::wire::{Name, rtype};
use crate::zone::Record;

/// Whether `records` are the zone `origin` signed: its SOA has an RRSIG (how Knot's
/// `kzonecheck` decides to check DNSSEC; RRSIG records elsewhere alone do not make a zone
/// signed).
pub fn is_presigned(records: &[Record], origin: &Name) -> bool {
    records.iter().any(|r| {
        r.rtype == rtype::RRSIG
            && r.owner.eq_ignore_case(origin)
            && Rrsig::parse(&r.rdata).is_some_and(|sig| sig.type_covered == rtype::SOA)
    })
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::dnssec::time::parse_timestamp;
    use crate::zone::{ParseOptions, parse_zone_text};

    fn zone(expiration: &str, inception: &str) -> Vec<Record> {
        let text = format!(
            "@ 300 IN SOA ns hostmaster 1 2 3 4 5\n\
             @ 300 IN RRSIG SOA 13 1 300 {expiration} {inception} 1 example. AAAA\n\
             www 300 IN A 192.0.2.1\n\
             www 300 IN RRSIG A 13 2 300 {expiration} {inception} 1 example. AAAA\n"
        );
        let origin = Name::parse("example.", None).unwrap();
        parse_zone_text(&text, Path::new("z"), &origin, &ParseOptions::default()).unwrap()
    }

    #[test]
    fn a_signature_is_valid_from_inception_to_expiration_inclusive() {
        let records = zone("20300101000000", "20200101000000");
        let origin = Name::parse("example.", None).unwrap();
        assert!(is_presigned(&records, &origin));
        let from = parse_timestamp("20200101000000").unwrap();
        let to = parse_timestamp("20300101000000").unwrap();
        for now in [from, to] {
            assert!(invalid_signatures(&records, now).is_empty());
        }
        assert_eq!(
            invalid_signatures(&records[2..], to + 1),
            [
                "z:4: RRSIG of www.example. A expired at 20300101000000 (the zone must be signed again)"
            ]
        );
        assert_eq!(
            invalid_signatures(&records[2..], from - 1),
            [
                "z:4: RRSIG of www.example. A is not valid before its inception 20200101000000 (the signer's clock is ahead)"
            ]
        );
        assert_eq!(earliest_expiration(&records, from), Some(to));
        assert_eq!(invalid_signatures(&records, to + 1).len(), 2);
        // An RRSIG elsewhere than on the SOA does not make the zone signed.
        let unsigned = [&records[..1], &records[2..]].concat();
        assert!(!is_presigned(&unsigned, &origin));
        assert_eq!(earliest_expiration(&records[..1], from), None);
    }
}
