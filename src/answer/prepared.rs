//! Answers written at load time (RFC 1035 §4.1.4 compression included), so that the common
//! query is answered by copying bytes: positive answers and CNAME chains at every name,
//! wildcard answers, referrals, and the authority section of NXDOMAIN and NODATA.
//!
//! Each is produced by the same code that answers queries ([`super::authoritative`]), for a
//! question whose name is the reference name (the node, the zone cut, the origin), so a
//! prepared answer is byte for byte what the query path would write for that question. A real
//! question name that ends in the reference name but is longer moves everything after the
//! question; the pointers that must move with it are listed (see [`crate::zone::Prepared`]).
//! Steered answers are never prepared: the policy decides them per query.

use crate::wire::rtype;
use crate::wire::writer::{HEADER_LEN, MAX_COMPRESSION_TARGETS, Section, Writer};
use crate::zone::tree::{DIRECTORY_ENTRY, NO_PREPARED, PREPARED_HEADER, REFERRAL_KEY, flag};
use crate::zone::{NodeId, NodeRef, Zone};

/// Longest prepared answer (bytes after the question). Longer answers, which only TCP can
/// carry, take the general path; the bound keeps every moved pointer under 0x3FFF.
const MAX_PREPARED: usize = 4096;
/// Query types prepared at a CNAME besides CNAME itself: the chain is followed for them.
const CHASED_TYPES: [u16; 2] = [rtype::A, rtype::AAAA];

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

/// Prepares the answers of `zone` (built, with services attached) and stores them in it.
pub(crate) fn prepare(zone: &mut Zone) {
    let mut buf = vec![0u8; super::MAX_MESSAGE];
    let mut arena = Vec::new();
    // One node's answers as they are rendered (offsets relative to its first answer), and
    // which query type each answers; both are moved into `arena` behind the node's directory.
    let mut answers = Vec::new();
    let mut index: Vec<(u16, u32)> = Vec::new();
    let mut ranges: Vec<(u32, u16)> = Vec::with_capacity(zone.nodes.len());
    let mut pointers = Vec::new();
    let mut labels = Vec::new();
    let origin = zone.origin().as_wire().to_vec();
    let negative = render(
        &mut buf,
        &origin,
        rtype::SOA,
        Kind::Suffix,
        &mut pointers,
        &mut labels,
        |w| super::authoritative::negative(w, zone).is_ok(),
    )
    .map_or(NO_PREPARED, |r| store(&mut arena, &r, &pointers, &labels));
    let mut types: Vec<u16> = Vec::new();
    for id in 0..zone.nodes.len() as NodeId {
        answers.clear();
        index.clear();
        let node = &zone.nodes[id as usize];
        let name = zone.slice(node.name).to_vec();
        if node.flags & flag::OCCLUDED != 0 {
            // Below a cut: never found by a lookup, nothing to prepare.
        } else if node.flags & flag::DELEGATION != 0 {
            let cut = zone.node(id);
            let rendered = render(
                &mut buf,
                &name,
                rtype::A,
                Kind::Suffix,
                &mut pointers,
                &mut labels,
                |w| super::authoritative::referral(w, zone, cut).is_ok(),
            );
            if let Some(r) = rendered {
                index.push((REFERRAL_KEY, store(&mut answers, &r, &pointers, &labels)));
            }
        } else {
            types.clear();
            types.extend(zone.node(id).rrsets().map(|set| set.rtype()));
            if types.contains(&rtype::CNAME) {
                types.extend(CHASED_TYPES);
            }
            let kind = if name.starts_with(&[1, b'*']) {
                Kind::Wildcard
            } else {
                Kind::Exact
            };
            for &qtype in &types {
                if kind == Kind::Exact
                    && let Some(plain) = plain(zone.node(id), qtype, &name, &mut buf)
                {
                    index.push((qtype, store(&mut answers, &plain, &[], &[])));
                    continue;
                }
                let rendered = render(
                    &mut buf,
                    &name,
                    qtype,
                    kind,
                    &mut pointers,
                    &mut labels,
                    |w| {
                        let mut steered =
                            |_: &mut Writer<'_>, _: u32, _: &[u8], _: NodeRef<'_>| Ok(false);
                        let outcome = super::authoritative::answer(
                            w,
                            zone,
                            &name,
                            &name,
                            qtype,
                            false,
                            &mut steered,
                        );
                        outcome.rcode == crate::wire::rtype::rcode::NOERROR
                            && outcome.authoritative
                            && !outcome.truncated
                            && !outcome.steered
                    },
                );
                if let Some(r) = rendered {
                    index.push((qtype, store(&mut answers, &r, &pointers, &labels)));
                }
            }
        }
        // The directory, then the answers: a lookup reads the directory and its first answer
        // from the same or the next cache line.
        let start = arena.len() as u32;
        let first_answer = start as usize + index.len() * DIRECTORY_ENTRY;
        for &(qtype, offset) in &index {
            arena.extend_from_slice(&qtype.to_be_bytes());
            arena.extend_from_slice(&(first_answer as u32 + offset).to_be_bytes());
        }
        arena.extend_from_slice(&answers);
        ranges.push((start, index.len() as u16));
    }
    for (node, (start, len)) in zone.nodes.iter_mut().zip(ranges) {
        node.prepared_start = start;
        node.prepared_len = len;
    }
    arena.shrink_to_fit();
    zone.prepared = arena;
    zone.prepared_negative = negative;
}

/// The answer most names get, built directly: the RRset of a type whose rdata holds no name
/// to compress, with no additional records, each record's owner a pointer to the question
/// name (what [`render`] would write, at a fraction of the load time). `None` where anything
/// else applies: a CNAME or a steering service at the node, names in the rdata, additional
/// records.
fn plain<'b>(
    node: NodeRef<'_>,
    qtype: u16,
    name: &[u8],
    buf: &'b mut [u8],
) -> Option<Rendered<'b>> {
    if node.rrset(rtype::CNAME).is_some()
        || (node.service().is_some() && (qtype == rtype::A || qtype == rtype::AAAA))
        || crate::wire::writer::compressible(qtype)
    {
        return None;
    }
    let set = node.rrset(qtype)?;
    if !set.additional().is_empty() || set.len() > usize::from(u16::MAX) {
        return None;
    }
    let mut len = 0usize;
    for record in crate::wire::writer::EncodedRecords::new(set.encoded()) {
        let end = len + 2 + record.len();
        if end > MAX_PREPARED {
            return None;
        }
        buf[len..len + 2].copy_from_slice(&[0xC0, HEADER_LEN as u8]);
        buf[len + 2..end].copy_from_slice(record);
        len = end;
    }
    Some(Rendered {
        counts: [set.len() as u16, 0, 0],
        reference_len: name.len() as u8,
        targets: 0,
        suffix_len: name.len() as u8,
        bytes: &buf[..len],
    })
}

/// A rendered answer, as [`crate::zone::Prepared`] stores it.
struct Rendered<'b> {
    counts: [u16; 3],
    reference_len: u8,
    targets: u8,
    suffix_len: u8,
    bytes: &'b [u8],
}

/// Writes a message for `qname`/`qtype` whose sections `write` fills (returning whether it
/// is an answer worth keeping). Fills `pointers` with the positions of the pointers `kind`
/// must move and `labels` with the labels names of the answer have directly above the
/// checked suffix.
#[allow(clippy::too_many_arguments)]
fn render<'b>(
    buf: &'b mut [u8],
    qname: &[u8],
    qtype: u16,
    kind: Kind,
    pointers: &mut Vec<u16>,
    labels: &mut Vec<u8>,
    write: impl FnOnce(&mut Writer<'_>) -> bool,
) -> Option<Rendered<'b>> {
    let mut w = Writer::new(buf, super::MAX_MESSAGE);
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
    let end = w.finish();
    if end - question_end > MAX_PREPARED || all_targets >= MAX_COMPRESSION_TARGETS {
        return None;
    }
    let message = &buf[..end];
    let suffix = match kind {
        Kind::Wildcard => &qname[2..],
        Kind::Exact | Kind::Suffix => qname,
    };
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
fn store(arena: &mut Vec<u8>, rendered: &Rendered<'_>, pointers: &[u16], labels: &[u8]) -> u32 {
    let offset = arena.len() as u32;
    for count in rendered.counts {
        arena.extend_from_slice(&count.to_be_bytes());
    }
    arena.push(pointers.len() as u8);
    arena.extend_from_slice(&(rendered.bytes.len() as u16).to_be_bytes());
    arena.extend_from_slice(&[
        rendered.reference_len,
        rendered.targets,
        rendered.suffix_len,
        labels.len() as u8,
    ]);
    debug_assert_eq!(arena.len() - offset as usize, PREPARED_HEADER);
    for &at in pointers {
        arena.extend_from_slice(&at.to_be_bytes());
    }
    arena.extend_from_slice(labels);
    arena.extend_from_slice(rendered.bytes);
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

/// Records the name at `pos`; returns the position after it.
fn walk_name(
    message: &[u8],
    start: usize,
    owner: bool,
    found: &mut Vec<WrittenName>,
) -> Option<usize> {
    let mut pos = start;
    loop {
        let len = *message.get(pos)?;
        if len & 0xC0 == 0xC0 {
            let low = *message.get(pos + 1)?;
            found.push(WrittenName {
                start,
                pointer: Some((pos, (usize::from(len & 0x3F) << 8) | usize::from(low))),
                owner,
            });
            return Some(pos + 2);
        }
        if len == 0 {
            found.push(WrittenName {
                start,
                pointer: None,
                owner,
            });
            return Some(pos + 1);
        }
        pos += 1 + usize::from(len);
    }
}

/// The uncompressed, lowercased name at `pos` in `message`.
fn decompress(message: &[u8], mut pos: usize) -> Option<Vec<u8>> {
    let mut name = Vec::new();
    for _ in 0..128 {
        let len = *message.get(pos)?;
        if len & 0xC0 == 0xC0 {
            pos = (usize::from(len & 0x3F) << 8) | usize::from(*message.get(pos + 1)?);
            continue;
        }
        name.extend_from_slice(message.get(pos..pos + 1 + usize::from(len))?);
        if len == 0 {
            name.make_ascii_lowercase();
            return Some(name);
        }
        pos += 1 + usize::from(len);
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::wire::Name;
    use crate::wire::rtype;
    use crate::wire::writer::Writer;
    use crate::zone::tree::NO_PREPARED;
    use crate::zone::{NodeRef, ParseOptions, Zone, ZoneBuilder, parse_zone_text};

    const ZONE: &str = "$ORIGIN example.com.\n$TTL 300\n\
        @ SOA ns1 hostmaster 1 7200 1800 1209600 60\n@ NS ns1\n@ NS ns2.example.net.\n\
        @ MX 10 mail\n@ TXT \"apex\"\nns1 A 192.0.2.1\nns1 AAAA 2001:db8::1\n\
        mail A 192.0.2.2\nwww CNAME web\nweb A 192.0.2.3\nweb AAAA 2001:db8::3\n\
        chain CNAME www\nout CNAME elsewhere.example.net.\nloop1 CNAME loop2\nloop2 CNAME loop1\n\
        dangling CNAME nothing\n*.wild A 192.0.2.4\n*.wild MX 5 mail\n*.wild TXT \"w\"\n\
        *.wc CNAME web\n*.wm MX 1 host.wm\nhost.wm A 192.0.2.9\n\
        _sip._tcp SRV 10 60 5060 web\nsub NS ns.sub\nsub NS ns1\nns.sub A 192.0.2.5\n\
        other NS ns.example.net.\nold DNAME new.example.net.\nsteered TXT \"s\"\n\
        many A 192.0.2.10\nmany A 192.0.2.11\nmany A 192.0.2.12\nmany A 192.0.2.13\n\
        many A 192.0.2.14\nmany A 192.0.2.15\nmany A 192.0.2.16\nmany A 192.0.2.17\n\
        a.b.c PTR web\nlong TXT \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\" \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n";

    fn zone(prepared: bool) -> Zone {
        let origin: Name = "example.com.".parse().unwrap();
        let records =
            parse_zone_text(ZONE, Path::new("t.zone"), &origin, &ParseOptions::default()).unwrap();
        let mut builder = ZoneBuilder::new(&origin, Path::new("t.zone"));
        builder.add_records(records);
        builder.add_service(&"steered.example.com.".parse().unwrap(), 0);
        let mut zone = builder.finish().map_err(|p| p.errors).unwrap().0;
        if !prepared {
            zone.prepared_negative = NO_PREPARED;
            for node in &mut zone.nodes {
                node.prepared_start = 0;
                node.prepared_len = 0;
            }
        }
        zone
    }

    /// The message the query path writes for one question, with a steering stand-in.
    fn respond(zone: &Zone, qname: &[u8], qtype: u16, limit: usize) -> Vec<u8> {
        let mut buf = vec![0u8; crate::answer::MAX_MESSAGE];
        let mut w = Writer::new(&mut buf, limit);
        w.header(0x1234, 0x8400).unwrap();
        w.question(qname, qtype, rtype::CLASS_IN).unwrap();
        let mut lower = qname.to_vec();
        lower.make_ascii_lowercase();
        let mut steer = |w: &mut Writer<'_>, _: u32, owner: &[u8], _: NodeRef<'_>| {
            w.record(
                crate::wire::writer::Section::Answer,
                owner,
                &[0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 198, 51, 100, 1],
            )
            .map(|_| true)
        };
        let outcome = super::super::authoritative::answer(
            &mut w,
            zone,
            qname,
            &lower,
            qtype,
            limit < 1000,
            &mut steer,
        );
        let len = w.finish();
        let mut out = buf[..len].to_vec();
        out.extend_from_slice(&[outcome.rcode as u8, outcome.authoritative as u8]);
        out
    }

    /// Mixed case, so that the question is written as asked and compared without case.
    fn mixed(name: &[u8]) -> Vec<u8> {
        let mut out = name.to_vec();
        let mut upper = false;
        for byte in &mut out {
            if byte.is_ascii_lowercase() {
                if upper {
                    byte.make_ascii_uppercase();
                }
                upper = !upper;
            }
        }
        out
    }

    #[test]
    fn prepared_answers_are_byte_for_byte_those_of_the_general_path() {
        let (fast, slow) = (zone(true), zone(false));
        assert!(fast.prepared_negative != NO_PREPARED);
        assert!(fast.nodes.iter().any(|node| node.prepared_len > 0));
        let types = [
            rtype::A,
            rtype::AAAA,
            rtype::MX,
            rtype::TXT,
            rtype::NS,
            rtype::SOA,
            rtype::CNAME,
            rtype::SRV,
            rtype::PTR,
            rtype::DS,
            rtype::DNAME,
            rtype::ANY,
            0,
            99,
        ];
        let mut names = Vec::new();
        for id in 0..fast.node_count() as u32 {
            let name = fast.node(id).name().to_vec();
            let many_labels = b"\x01a".repeat(44);
            for prefix in [
                &b""[..],
                b"\x01x",
                b"\x0bsomewhere12\x02ab",
                b"\x02ns",
                &many_labels,
            ] {
                let mut full = prefix.to_vec();
                full.extend_from_slice(&name);
                names.push(full.clone());
                names.push(mixed(&full));
            }
        }
        let mut compared = 0;
        let mut used = 0;
        for name in &names {
            for &qtype in &types {
                for limit in [512, 1232, crate::answer::MAX_MESSAGE] {
                    let a = respond(&fast, name, qtype, limit);
                    let b = respond(&slow, name, qtype, limit);
                    assert_eq!(a, b, "{name:?} type {qtype} limit {limit}");
                    compared += 1;
                }
            }
        }
        for name in &names {
            let lower = name.to_ascii_lowercase();
            if let crate::zone::Lookup::Found(id) | crate::zone::Lookup::Wildcard(id) =
                fast.lookup(&lower)
                && fast.prepared(id, rtype::A).is_some()
            {
                used += 1;
            }
        }
        assert!(compared > 1000 && used > 10, "{compared} {used}");
    }

    #[test]
    fn steered_and_dynamic_answers_are_not_prepared() {
        let zone = zone(true);
        let steered = zone.find(b"\x07steered\x07example\x03com\x00").unwrap();
        assert!(zone.prepared(steered, rtype::A).is_none());
        assert!(zone.prepared(steered, rtype::AAAA).is_none());
        assert!(zone.prepared(steered, rtype::TXT).is_some());
        let sub = zone.find(b"\x03sub\x07example\x03com\x00").unwrap();
        assert!(
            zone.prepared(sub, 0).is_none(),
            "a referral is no positive answer"
        );
        assert!(zone.prepared_referral(sub).is_some());
        let many = zone.find(b"\x04many\x07example\x03com\x00").unwrap();
        assert_eq!(zone.prepared(many, rtype::A).unwrap().counts, [8, 0, 0]);
    }

    /// Whether the prepared answer is taken for a question: the moved-pointer and
    /// further-compression cases both occur in the comparison above.
    fn applies(prepared: crate::zone::Prepared<'_>, qname: &str) -> bool {
        let name: Name = qname.parse().unwrap();
        let mut buf = vec![0u8; 4096];
        let mut w = Writer::new(&mut buf, 4096);
        w.header(0, 0).unwrap();
        w.question(name.as_wire(), rtype::A, rtype::CLASS_IN)
            .unwrap();
        w.prepared(&prepared)
    }

    #[test]
    fn prepared_answers_stand_aside_where_the_question_compresses_better() {
        let zone = zone(true);
        let negative = zone.prepared_negative().unwrap();
        assert!(!negative.pointers.is_empty());
        assert!(applies(negative, "nothing.example.com."));
        assert!(applies(negative, "a.b.NOTHING.Example.com."));
        // The SOA names ns1 and hostmaster compress against such a question name.
        assert!(!applies(negative, "x.ns1.example.com."));
        assert!(!applies(negative, "x.HostMaster.example.com."));
        let sub = zone.find(b"\x03sub\x07example\x03com\x00").unwrap();
        let referral = zone.prepared_referral(sub).unwrap();
        assert!(applies(referral, "www.sub.example.com."));
        assert!(!applies(referral, "ns.sub.example.com."));
        let wild = zone.find(b"\x01*\x04wild\x07example\x03com\x00").unwrap();
        let mx = zone.prepared(wild, rtype::MX).unwrap();
        assert!(applies(mx, "x.wild.example.com."));
        assert!(applies(mx, "longer.wild.example.com."));
        let wm = zone.find(b"\x01*\x02wm\x07example\x03com\x00").unwrap();
        let mx = zone.prepared(wm, rtype::MX).unwrap();
        assert!(applies(mx, "other.wm.example.com."));
        assert!(!applies(mx, "host.wm.example.com."));
        // Over 48 labels in all: the general path would run out of compression targets.
        let long = format!("{}nothing.example.com.", "a.".repeat(50));
        assert!(!applies(negative, &long));
    }
}
