//! Writes the prepared answers of a zone once it is built (with its steered names).
//!
//! Each is produced by the same code that answers queries ([`crate::authoritative::answer`]),
//! for a question whose name is the reference name (the node, the zone cut, the origin), so a
//! prepared answer is byte for byte what the query path would write for that question. A real
//! question name that ends in the reference name but is longer moves everything after the
//! question; the pointers that must move with it are listed (see [`super::Prepared`]).
//! Steered answers are never prepared: the policy decides them per query. A signed zone's
//! answers with DO=1 are rendered by the same walk with DO=1.

use super::{DIRECTORY_ENTRY, NO_OFFSET, PREPARED_HEADER, What, tag};
use crate::authoritative::{self, NoRecord};
use crate::wire::compressed;
use crate::wire::rtype;
use crate::wire::writer::{HEADER_LEN, MAX_COMPRESSION_TARGETS, Section, Writer};
use crate::wire::{MAX_MESSAGE, name::MAX_NAME_LEN};
use crate::zone::{NodeId, NodeRef, Zone};

/// Longest prepared answer (bytes after the question). Longer answers, which only TCP can
/// carry, take the general path; the bound keeps every moved pointer under 0x3FFF.
const MAX_PREPARED: usize = 4096;
/// Query types prepared at a CNAME besides CNAME itself: the chain is followed for them.
const CHASED_TYPES: [u16; 2] = [rtype::A, rtype::AAAA];
/// Types (private use, RFC 6895 §3.1) one of which a node lacks, to render its NODATA with.
const NODATA_TYPES: [u16; 3] = [65_534, 65_533, 65_532];

/// What is being prepared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The answer at a node for the node's own name.
    Exact,
    /// The answer at a wildcard node, reused for every name it matches: pointers to the whole
    /// question name stay, all others move.
    Wildcard,
    /// Relative to a suffix of the question name: every pointer moves.
    Suffix,
}

/// Scratch space of [`prepare`]: the message being rendered, what it finds in it, and one
/// node's answers (offsets relative to its first answer) with their directory tags, which
/// are moved into the arena behind the node's directory.
#[derive(Default)]
struct Scratch {
    buf: Vec<u8>,
    found: Found,
    types: Vec<u16>,
    answers: Vec<u8>,
    index: Vec<((u16, u8), u32)>,
}

impl Scratch {
    /// Renders with `write` and keeps the result under `tag`.
    fn keep(
        &mut self,
        tag: (u16, u8),
        qname: &[u8],
        qtype: u16,
        kind: Kind,
        write: impl FnOnce(&mut Writer<'_>) -> bool,
    ) {
        let found = &mut self.found;
        if let Some(r) = render(&mut self.buf, qname, qtype, kind, found, write) {
            let offset = store(&mut self.answers, &r, found);
            self.index.push((tag, offset));
        }
    }
}

/// Prepares the answers of `zone` (built, with its steered names) and stores them in it: the
/// DO=0 set, and for a signed zone the DO=1 set.
pub fn prepare(zone: &mut Zone) {
    let mut s = Scratch {
        buf: vec![0u8; MAX_MESSAGE],
        ..Scratch::default()
    };
    let mut arena = Vec::new();
    let mut ranges: Vec<(u32, u16)> = Vec::with_capacity(zone.node_count());
    let sets: &[bool] = if zone.is_signed() {
        &[false, true]
    } else {
        &[false]
    };
    let origin = zone.origin().as_wire().to_vec();
    // The zone's entry: negative answers' authority sections with DO=0 and DO=1, and with
    // DO=1 an NXDOMAIN's at the apex without the proof about the name.
    let mut negative = [NO_OFFSET; 3];
    for (slot, dnssec) in [(0, false), (1, true), (2, true)] {
        if dnssec && !zone.is_signed() {
            continue;
        }
        let rendered = render(
            &mut s.buf,
            &origin,
            rtype::SOA,
            Kind::Suffix,
            &mut s.found,
            |w| {
                authoritative::negative(w, zone, dnssec).is_ok()
                    && (slot != 2
                        || authoritative::nxdomain_encloser(w, zone, zone.apex().id()).is_ok())
            },
        );
        if let Some(r) = rendered {
            negative[slot] = store(&mut arena, &r, &s.found);
        }
    }
    let zone_entry = arena.len() as u32;
    for offset in negative {
        arena.extend_from_slice(&offset.to_be_bytes());
    }
    for id in 0..zone.node_count() as NodeId {
        s.answers.clear();
        s.index.clear();
        let node = zone.node(id);
        // Below a cut: never found by a lookup, nothing to prepare.
        if !node.is_occluded() {
            for &dnssec in sets {
                node_answers(zone, node, dnssec, &mut s);
            }
        }
        // The directory, then the answers: a lookup reads the directory and its first answer
        // from the same or the next cache line.
        let start = arena.len() as u32;
        let first_answer = start as usize + s.index.len() * DIRECTORY_ENTRY;
        for &((key, what), offset) in &s.index {
            arena.extend_from_slice(&key.to_be_bytes());
            arena.push(what);
            arena.extend_from_slice(&(first_answer as u32 + offset).to_be_bytes());
        }
        arena.extend_from_slice(&s.answers);
        ranges.push((start, s.index.len() as u16));
    }
    arena.shrink_to_fit();
    zone.set_prepared(arena, &ranges, Some(zone_entry));
}

/// Prepares node `node`'s answers of one set (DO=1 when `dnssec`): its referral, or its
/// positive answers and, with DO=1, its NODATA. With DO=1 a wildcard's answers are those to
/// its own name: the walk adds the proof about the question name.
fn node_answers(zone: &Zone, node: NodeRef<'_>, dnssec: bool, s: &mut Scratch) {
    let name = node.name();
    if node.is_delegation() {
        let tag = tag(What::Referral, 0, dnssec);
        s.keep(tag, name, rtype::A, Kind::Suffix, |w| {
            authoritative::referral(w, zone, node, dnssec).is_ok()
        });
        return;
    }
    let kind = if name.starts_with(&[1, b'*']) {
        Kind::Wildcard
    } else {
        Kind::Exact
    };
    let mut types = std::mem::take(&mut s.types);
    types.clear();
    types.extend(node.rrsets().map(|set| set.rtype()));
    if types.contains(&rtype::CNAME) {
        types.extend(CHASED_TYPES);
    }
    for &qtype in &types {
        let tag = tag(What::Answer, qtype, dnssec);
        // With DO=1 the walk writes these from the zone's bytes.
        if dnssec && kind == Kind::Exact && super::plain_rrset(node, qtype).is_some() {
            continue;
        }
        if kind == Kind::Exact
            && let Some(plain) = plain(node, qtype, dnssec, &mut s.buf)
        {
            s.index
                .push((tag, store(&mut s.answers, &plain, &Found::default())));
            continue;
        }
        // With DO=1 the walk writes a wildcard's proof after the copied answer: only an answer
        // section can come before it.
        let proof_follows = dnssec && kind == Kind::Wildcard;
        s.keep(tag, name, qtype, kind, |w| {
            answered_whole(w, zone, name, qtype, dnssec)
                .is_some_and(|counts| !proof_follows || counts[1..] == [0, 0])
        });
    }
    // NODATA, for a type the node lacks (what it is does not change the bytes after the
    // question): the walk takes it only where the node has no RRset of the query type.
    if dnssec
        && kind == Kind::Exact
        && let Some(&absent) = NODATA_TYPES.iter().find(|&&t| !types.contains(&t))
    {
        s.keep(tag(What::NoData, 0, true), name, absent, kind, |w| {
            answered_whole(w, zone, name, absent, true).is_some_and(|counts| counts[0] == 0)
        });
    }
    s.types = types;
}

/// Writes the general path's answer for `qtype` at `name` (its own name), with DO=1 when
/// `dnssec`; the counts of its answer, authority and additional sections when it is one to
/// prepare: a whole, authoritative NOERROR answer from zone data, not a steering decision.
fn answered_whole(
    w: &mut Writer<'_>,
    zone: &Zone,
    name: &[u8],
    qtype: u16,
    dnssec: bool,
) -> Option<[u16; 3]> {
    let mut steered =
        |_: &mut Writer<'_>, _: u32, _: &[u8], _: NodeRef<'_>, _: &mut NoRecord| Ok(false);
    let outcome = authoritative::answer(
        w,
        zone,
        name,
        name,
        qtype,
        false,
        dnssec,
        &mut steered,
        &mut NoRecord,
    );
    let whole = outcome.rcode == rtype::rcode::NOERROR
        && outcome.authoritative
        && !outcome.truncated
        && !outcome.steered;
    whole.then(|| {
        [Section::Answer, Section::Authority, Section::Additional].map(|section| w.count(section))
    })
}

/// The answer most names get ([`super::plain_rrset`]), built directly: each record's owner a
/// pointer to the question name, followed with DO=1 by its RRSIGs written alike (what
/// [`render`] would write, at a fraction of the load time).
fn plain<'b>(
    node: NodeRef<'_>,
    qtype: u16,
    dnssec: bool,
    buf: &'b mut [u8],
) -> Option<Rendered<'b>> {
    let set = super::plain_rrset(node, qtype)?;
    let signatures = if dnssec { set.signatures() } else { &[] };
    let mut len = 0usize;
    let mut count = 0u16;
    for encoded in [set.encoded(), signatures] {
        for record in crate::wire::writer::EncodedRecords::new(encoded) {
            let end = len + 2 + record.len();
            if end > MAX_PREPARED {
                return None;
            }
            buf[len..len + 2].copy_from_slice(&[0xC0, HEADER_LEN as u8]);
            buf[len + 2..end].copy_from_slice(record);
            len = end;
            count = count.checked_add(1)?;
        }
    }
    let name = node.name();
    Some(Rendered {
        counts: [count, 0, 0],
        reference_len: name.len() as u8,
        targets: 0,
        suffix_len: name.len() as u8,
        bytes: &buf[..len],
    })
}

/// A rendered answer, as [`super::Prepared`] reads it.
struct Rendered<'b> {
    counts: [u16; 3],
    reference_len: u8,
    targets: u8,
    suffix_len: u8,
    bytes: &'b [u8],
}

/// What [`render`] finds in a rendered answer besides its bytes: the positions of the
/// pointers its kind must move, the labels its names have directly above the checked suffix,
/// and the compression targets its names add (as [`super::Prepared`] keeps them).
#[derive(Default)]
struct Found {
    pointers: Vec<u16>,
    labels: Vec<u8>,
    names: Vec<(u16, u8, bool)>,
}

/// Writes a message for `qname`/`qtype` whose sections `write` fills (returning whether it
/// is an answer worth keeping), and fills `found` for it.
fn render<'b>(
    buf: &'b mut [u8],
    qname: &[u8],
    qtype: u16,
    kind: Kind,
    found: &mut Found,
    write: impl FnOnce(&mut Writer<'_>) -> bool,
) -> Option<Rendered<'b>> {
    let mut w = Writer::new(buf, MAX_MESSAGE);
    w.header(0, 0).ok()?;
    w.question(qname, qtype, rtype::CLASS_IN).ok()?;
    let question_end = w.len();
    let question_targets = w.target_count();
    if !write(&mut w) {
        return None;
    }
    let counts = [
        w.count(Section::Answer),
        w.count(Section::Authority),
        w.count(Section::Additional),
    ];
    let all_targets = w.target_count();
    found.names.clear();
    found.names.extend(
        w.targets_from(question_end)
            .map(|(offset, len, literal)| (offset - question_end as u16, len, literal)),
    );
    let end = w.finish();
    if end - question_end > MAX_PREPARED || all_targets >= MAX_COMPRESSION_TARGETS {
        return None;
    }
    let message = &buf[..end];
    let suffix = match kind {
        Kind::Wildcard => &qname[2..],
        Kind::Exact | Kind::Suffix => qname,
    };
    let Found {
        pointers, labels, ..
    } = found;
    pointers.clear();
    labels.clear();
    let total = counts.iter().map(|&c| usize::from(c)).sum();
    let names = find_names(message, question_end, total)?;
    for name in names {
        if let Some((at, target)) = name.pointer {
            let moves = match kind {
                Kind::Exact => false,
                // The whole question name: the owner of the synthesised records. Anywhere
                // else a pointer to it would stand for the wildcard name itself, which
                // cannot move.
                Kind::Wildcard if target == HEADER_LEN => {
                    if !name.owner {
                        return None;
                    }
                    false
                }
                Kind::Wildcard | Kind::Suffix => true,
            };
            if moves {
                pointers.push((at - question_end) as u16);
            }
        }
        if kind != Kind::Exact {
            let full = decompress(message, name.start)?;
            if full.ends_with(suffix)
                && let Some(label) = crate::wire::name::label_above(&full, suffix.len())
                && !crate::wire::name::labels(labels).any(|l| l == &label[1..])
            {
                labels.extend_from_slice(label);
            }
        }
    }
    if pointers.len() > usize::from(u8::MAX) || labels.len() > usize::from(u8::MAX) {
        return None;
    }
    Some(Rendered {
        counts,
        reference_len: qname.len() as u8,
        targets: (all_targets - question_targets) as u8,
        suffix_len: suffix.len() as u8,
        bytes: &buf[question_end..end],
    })
}

/// Appends a prepared answer to the arena; returns its offset.
fn store(arena: &mut Vec<u8>, rendered: &Rendered<'_>, found: &Found) -> u32 {
    let offset = arena.len() as u32;
    for count in rendered.counts {
        arena.extend_from_slice(&count.to_be_bytes());
    }
    arena.push(found.pointers.len() as u8);
    arena.extend_from_slice(&(rendered.bytes.len() as u16).to_be_bytes());
    arena.extend_from_slice(&[
        rendered.reference_len,
        rendered.targets,
        rendered.suffix_len,
        found.labels.len() as u8,
        found.names.len() as u8,
    ]);
    debug_assert_eq!(arena.len() - offset as usize, PREPARED_HEADER);
    for &at in &found.pointers {
        arena.extend_from_slice(&at.to_be_bytes());
    }
    arena.extend_from_slice(&found.labels);
    arena.extend_from_slice(rendered.bytes);
    for &(at, len, literal) in &found.names {
        arena.extend_from_slice(&at.to_be_bytes());
        arena.extend_from_slice(&[len, u8::from(literal)]);
    }
    offset
}

/// A name written in the answer.
struct WrittenName {
    /// Message offset where it starts.
    start: usize,
    /// Message offset of the pointer that ends it, and where that pointer leads.
    pointer: Option<(usize, usize)>,
    /// The owner of a record (not a name inside rdata).
    owner: bool,
}

/// Every name in the `records` resource records that start at `from` in `message`, as our
/// writer wrote them: it compresses owners and the rdata names of NS, CNAME, PTR, MX and SOA
/// only, so those are the names a pointer can end.
fn find_names(message: &[u8], from: usize, records: usize) -> Option<Vec<WrittenName>> {
    let mut found = Vec::new();
    let mut pos = from;
    for _ in 0..records {
        pos = walk_name(message, pos, true, &mut found)?;
        let fixed = message.get(pos..pos + 10)?;
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        pos += 10;
        let end = pos + rdlen;
        let names = match rtype {
            rtype::NS | rtype::CNAME | rtype::PTR => Some((pos, 1)),
            rtype::MX => Some((pos + 2, 1)),
            rtype::SOA => Some((pos, 2)),
            _ => None,
        };
        if let Some((mut at, count)) = names {
            for _ in 0..count {
                at = walk_name(message, at, false, &mut found)?;
            }
        }
        pos = end;
    }
    (pos == message.len()).then_some(found)
}

/// Records the name at `start` (read with the one reader of compressed names,
/// [`compressed::skip`]); returns the position after it.
fn walk_name(
    message: &[u8],
    start: usize,
    owner: bool,
    found: &mut Vec<WrittenName>,
) -> Option<usize> {
    let name = compressed::skip(message, start)?;
    found.push(WrittenName {
        start,
        pointer: name.pointer,
        owner,
    });
    Some(name.end)
}

/// The uncompressed, lowercased name at `pos` in `message`.
fn decompress(message: &[u8], pos: usize) -> Option<Vec<u8>> {
    let mut name = [0u8; MAX_NAME_LEN];
    let len = compressed::expand(message, pos, &mut name)?;
    let mut name = name[..len].to_vec();
    name.make_ascii_lowercase();
    Some(name)
}
