//! Copies a prepared answer into a response whose question is written, where the result is
//! byte for byte what the general path would write.

use super::Prepared;
use crate::authoritative::signed::ChainRecord;
use crate::wire::compare::eq_ignore_ascii_case;
use crate::wire::name::{label_above, labels};
use crate::wire::writer::{HEADER_LEN, MAX_COMPRESSION_TARGETS, NoSpace, Section, Writer};
use crate::zone::Zone;

/// Appends `prepared` after the question, which must be the only thing written and end in the
/// prepared answer's reference name. Returns false, writing nothing, when it does not fit or
/// when the general path would write other bytes: the question name compresses a name of the
/// answer further, or its labels push the compression targets past what the writer keeps.
#[inline]
pub fn apply(w: &mut Writer<'_>, prepared: &Prepared<'_>) -> bool {
    let Some(qname_len) = w.question_only() else {
        return false;
    };
    let Some(delta) = qname_len.checked_sub(usize::from(prepared.reference_len)) else {
        return false;
    };
    if (delta != 0 || !prepared.labels.is_empty())
        && !applies(&w.message()[HEADER_LEN..HEADER_LEN + qname_len], prepared)
    {
        return false;
    }
    let Some(written) = w.append_sections(prepared.bytes, prepared.counts) else {
        return false;
    };
    move_pointers(written, prepared, delta);
    true
}

/// [`apply`] for an answer of `zone` that more records follow: its names also become the
/// compression targets writing it here would have made them.
#[inline]
pub fn apply_open(w: &mut Writer<'_>, zone: &Zone, prepared: &Prepared<'_>) -> bool {
    let start = w.len();
    if !apply(w, prepared) {
        return false;
    }
    w.add_targets(start, prepared.name_targets(zone));
    true
}

/// What [`apply_then`] wrote.
pub(crate) enum Applied {
    /// Nothing: the general path writes the whole answer.
    No,
    /// The prepared answer, then the record (or `Err` when it did not fit after it, as the
    /// general path would leave the message).
    Done(Result<(), NoSpace>),
    /// The prepared answer, its names made compression targets as by [`apply_open`]: the
    /// record is for the general path to write after it.
    Open,
}

/// Question names shorter than this have fewer labels than the writer keeps compression
/// targets (each label takes two bytes at least), so all of them are targets.
const ALL_LABELS_TARGETS: usize = 2 * MAX_COMPRESSION_TARGETS;

/// [`apply`] for an answer of `zone` to a question name in it, followed by `record` (the one
/// record of a proof about the question name, nothing when `None`), where nothing with a name
/// to compress follows. An owner one label above the origin that no name of the message has
/// (neither the question's nor one of the answer's) is written by compression as that label
/// and a pointer to the origin in the question, the first name the message holds: so it is
/// written here, without searching the compression targets or adding the answer's.
#[inline]
pub(crate) fn apply_then(
    w: &mut Writer<'_>,
    zone: &Zone,
    prepared: &Prepared<'_>,
    record: Option<ChainRecord<'_>>,
) -> Applied {
    let Some(record) = record else {
        return match apply(w, prepared) {
            true => Applied::Done(Ok(())),
            false => Applied::No,
        };
    };
    let Some(qname_len) = w.question_only() else {
        return Applied::No;
    };
    let origin_len = zone.origin().as_wire().len();
    let owner = record.owner;
    let label_len = owner.len().saturating_sub(origin_len);
    let question = &w.message()[HEADER_LEN..HEADER_LEN + qname_len];
    let direct = origin_len > 1
        && qname_len < ALL_LABELS_TARGETS
        && label_len > 1
        && usize::from(owner[0]) + 1 == label_len
        && !label_above(question, origin_len)
            .is_some_and(|above| eq_ignore_ascii_case(above, &owner[..label_len]));
    let start = w.len();
    if !apply(w, prepared) {
        return Applied::No;
    }
    if !direct || w.len() > 0x3FFF || holds(w, zone, prepared, start, owner) {
        w.add_targets(start, prepared.name_targets(zone));
        return Applied::Open;
    }
    let origin = (HEADER_LEN + qname_len - origin_len) as u16;
    let label = &owner[..label_len];
    Applied::Done(w.rrsets_after_label(Section::Authority, label, origin, &record.sets))
}

/// Whether a name of `prepared`, written at `start`, is `owner` (a compression target of its
/// length is; the first two bytes, label length and first letter, tell most apart).
#[inline]
fn holds(w: &Writer<'_>, zone: &Zone, prepared: &Prepared<'_>, start: usize, owner: &[u8]) -> bool {
    if prepared.targets == 0 {
        return false;
    }
    let (message, first) = (w.message(), [owner[0], owner[1].to_ascii_lowercase()]);
    for (at, len, _) in prepared.name_targets(zone) {
        if usize::from(len) != owner.len() {
            continue;
        }
        let at = start + at;
        if let Some(&[length, letter]) = message.get(at..at + 2)
            && [length, letter.to_ascii_lowercase()] == first
            && w.name_at(at, owner)
        {
            return true;
        }
    }
    false
}

/// Moves the listed pointers of the answer just written by `delta` bytes.
#[inline]
fn move_pointers(written: &mut [u8], prepared: &Prepared<'_>, delta: usize) {
    if delta != 0 {
        for pair in prepared.pointers.chunks_exact(2) {
            let at = usize::from(u16::from_be_bytes([pair[0], pair[1]]));
            let pointer = u16::from_be_bytes([written[at], written[at + 1]]);
            let moved = pointer.wrapping_add(delta as u16);
            written[at..at + 2].copy_from_slice(&moved.to_be_bytes());
        }
    }
}

/// For a question name longer than the reference: its labels and the prepared names' targets
/// fit among the compression targets, and the label directly above the checked suffix is none
/// of those the prepared names have there.
fn applies(qname: &[u8], prepared: &Prepared<'_>) -> bool {
    let count = labels(qname).count();
    if count + usize::from(prepared.targets) >= MAX_COMPRESSION_TARGETS {
        return false;
    }
    let Some(above) = label_above(qname, usize::from(prepared.suffix_len)) else {
        return true;
    };
    // `labels` holds wire labels one after another, which `labels` walks like a name.
    !labels(prepared.labels).any(|l| eq_ignore_ascii_case(l, &above[1..]))
}
