//! A zone signed elsewhere, checked at build: its signatures must be valid now
//! (`dnssec::presigned`), and no steered name may sit in it, since a steered answer is made
//! per query and cannot carry a signature without the zone's key (that takes the zone's
//! `[zones."…".dnssec]` table, online signing).

use crate::dnssec::presigned::{invalid_signatures, is_presigned};
use crate::dnssec::time;
use crate::wire::Name;
use crate::zone::Record;

/// Every problem of the presigned zone `origin` (none when its `records` are not signed):
/// one per steered name among `services` (index and name), then one per invalid signature.
pub fn check<'s>(
    origin: &Name,
    records: &[Record],
    services: impl Iterator<Item = &'s (usize, Name)>,
    config_error: &mut dyn FnMut(String, String) -> String,
) -> Vec<String> {
    if !is_presigned(records, origin) {
        return Vec::new();
    }
    let mut problems: Vec<String> = services
        .map(|(i, name)| {
            config_error(
                format!("services[{i}].name"),
                format!(
                    "service {name} is steered inside zone {origin}, which is signed elsewhere \
                     (its SOA has an RRSIG): steered answers cannot be signed without \
                     the zone's key; sign the zone online with a [zones.\"{origin}\".dnssec] \
                     table, or move the service out of the zone"
                ),
            )
        })
        .collect();
    problems.extend(invalid_signatures(records, time::now()));
    problems
}
