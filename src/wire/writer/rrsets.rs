//! Records written under an owner the writer knows more about than a name to compress: an
//! RRset and its RRSIGs under one owner compressed once ([`Writer::rrsets`]), records at the
//! question's name after a pointer to it, and records one label below a name already in the
//! message ([`Writer::rrsets_below`], the NSEC and NSEC3 records of a denial of existence; or
//! [`Writer::rrsets_after_label`] where the caller knows where compression points, with no
//! search at all). Each writes exactly the bytes the general path ([`Writer::record`] record by
//! record) writes, with fewer searches of the compression targets.

use super::{EncodedRecords, NoSpace, Section, Writer, compressible};
use super::{HEADER_LEN, MAX_COMPRESSION_TARGETS};
use crate::wire::compare::eq_ignore_ascii_case;
use crate::wire::compression::name_at_equals;

/// A name already in the message (a zone's origin) that later owners end in, with where
/// compression points it: found once for several records ([`Writer::suffix`]).
#[derive(Debug, Clone, Copy)]
pub struct Suffix<'n> {
    name: &'n [u8],
    offset: u16,
}

impl Writer<'_> {
    /// Writes every record of pre-encoded RRsets (an RRset and its RRSIGs) under one owner,
    /// all or nothing. The owner is compressed once: each later record starts with the pointer
    /// compression would find for it (the first record's own pointer, or a pointer to where
    /// the first record's owner starts), the same bytes without the search.
    pub fn rrsets(
        &mut self,
        section: Section,
        owner: &[u8],
        sets: &[&[u8]],
    ) -> Result<(), NoSpace> {
        let mark = self.mark();
        let mut repeat: Option<[u8; 2]> = None;
        for record in sets.iter().flat_map(|set| EncodedRecords::new(set)) {
            let written = match repeat {
                Some(pointer) => self.record_after_pointer(section, pointer, record),
                None => {
                    let (start, targets) = (self.len, self.targets.count());
                    let written = self.record(section, owner, record);
                    repeat = self.owner_pointer(start, targets);
                    written
                }
            };
            if let Err(e) = written {
                self.rollback(mark);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The pointer that compresses the owner of a record written at `start`, when targets
    /// numbered from `targets` on were added since: the owner's own pointer when it was one,
    /// else a pointer to its first label if that became a target (the first one compression
    /// finds, as any earlier match would have been used for the owner itself).
    fn owner_pointer(&self, start: usize, targets: usize) -> Option<[u8; 2]> {
        let first = *self.buf.get(start)?;
        if first & 0xC0 == 0xC0 {
            return Some([first, self.buf[start + 1]]);
        }
        match self.targets.entries(targets).next() {
            Some((offset, _, _)) if usize::from(offset) == start => {
                Some((0xC000 | offset).to_be_bytes())
            }
            _ => None,
        }
    }

    /// Writes one pre-encoded record whose owner is written as `pointer`; rolled back whole
    /// when it does not fit.
    fn record_after_pointer(
        &mut self,
        section: Section,
        pointer: [u8; 2],
        encoded: &[u8],
    ) -> Result<(), NoSpace> {
        self.counted(section, |w| w.put(&pointer).and_then(|()| w.body(encoded)))
    }

    /// True when `owner` is the question's name (ignoring case) and not the root: a record it
    /// owns starts with a pointer to the question, exactly as [`Writer::record`] compresses it.
    pub fn owned_by_question(&self, owner: &[u8]) -> bool {
        self.counts[Section::Question as usize] == 1
            && owner.len() > 1
            && self
                .buf
                .get(HEADER_LEN..HEADER_LEN + owner.len())
                .is_some_and(|question| eq_ignore_ascii_case(question, owner))
    }

    /// Writes one pre-encoded record whose owner is the question's name (checked with
    /// [`Writer::owned_by_question`]) and whose type has no compressible name in its rdata:
    /// the bytes [`Writer::record`] writes, without searching the compression targets.
    pub fn record_at_question(&mut self, section: Section, encoded: &[u8]) -> Result<(), NoSpace> {
        debug_assert!(encoded.len() >= 10);
        debug_assert!(!compressible(u16::from_be_bytes([encoded[0], encoded[1]])));
        let end = self.len + 2 + encoded.len();
        if end > self.limit {
            return Err(NoSpace);
        }
        let at = self.len;
        self.buf[at..at + 2].copy_from_slice(&(0xC000 | HEADER_LEN as u16).to_be_bytes());
        self.buf[at + 2..end].copy_from_slice(encoded);
        self.len = end;
        self.counts[section as usize] += 1;
        Ok(())
    }

    /// Writes every record of pre-encoded record sets whose owner is the question's name and
    /// whose types have no compressible name in their rdata, each after a pointer to the
    /// question, as [`Writer::record_at_question`]; all or nothing.
    pub fn records_at_question(&mut self, section: Section, sets: &[&[u8]]) -> Result<(), NoSpace> {
        let question = (0xC000 | HEADER_LEN as u16).to_be_bytes();
        let (end, count) = self.after_pointers(self.len, question, question, sets)?;
        self.len = end;
        self.counts[section as usize] += count;
        Ok(())
    }

    /// Writes the records of `sets` (types with no name to compress) from `at` on, the first
    /// after the pointer `first`, each later one after `repeat`; returns where they end and
    /// how many there are, for the caller to count them written.
    #[inline]
    fn after_pointers(
        &mut self,
        mut at: usize,
        first: [u8; 2],
        repeat: [u8; 2],
        sets: &[&[u8]],
    ) -> Result<(usize, u16), NoSpace> {
        let (mut pointer, mut count) = (first, 0u16);
        for &set in sets {
            for record in EncodedRecords::new(set) {
                debug_assert!(!compressible(u16::from_be_bytes([record[0], record[1]])));
                let end = at + 2 + record.len();
                if end > self.limit {
                    // Nothing counts as written until `len` moves.
                    return Err(NoSpace);
                }
                self.buf[at..at + 2].copy_from_slice(&pointer);
                self.buf[at + 2..end].copy_from_slice(record);
                at = end;
                count += 1;
                pointer = repeat;
            }
        }
        Ok((at, count))
    }

    /// Where compression would point `name` (uncompressed, not the root) if it is already in
    /// the message; later records keep finding it there, as targets are only added after it.
    pub fn suffix<'n>(&mut self, name: &'n [u8]) -> Option<Suffix<'n>> {
        self.targets.add_pending_question(&self.buf[..self.len]);
        let offset = self.targets.find(&self.buf[..self.len], name)?;
        Some(Suffix { name, offset })
    }

    /// [`Writer::rrsets`] for an owner at or below `suffix`, of records whose types have no
    /// name to compress (NSEC, NSEC3, RRSIG): the same bytes, with one search of the targets
    /// per label above the suffix and one size check. The owner is written as compression
    /// would write it (its labels up to the longest suffix already in the message, then a
    /// pointer there), and each later record after the pointer compression finds for it. Any
    /// other case (a compressible type, no room for one more compression target) takes the
    /// general path.
    pub fn rrsets_below(
        &mut self,
        section: Section,
        owner: &[u8],
        suffix: Suffix<'_>,
        sets: &[&[u8]],
    ) -> Result<(), NoSpace> {
        let start = self.len;
        let Some(above) = owner.len().checked_sub(suffix.name.len()) else {
            return self.rrsets(section, owner, sets);
        };
        if !eq_ignore_ascii_case(&owner[above..], suffix.name)
            || start > 0x3FFF
            || self.targets.count() == MAX_COMPRESSION_TARGETS
        {
            return self.rrsets(section, owner, sets);
        }
        // The labels compression writes: up to the longest suffix already in the message.
        let (mut literal, mut target) = (0usize, suffix.offset);
        while literal < above {
            if let Some(found) = self.targets.find(&self.buf[..start], &owner[literal..]) {
                target = found;
                break;
            }
            literal += usize::from(owner[literal]) + 1;
        }
        if literal > above {
            // `suffix` does not start at a label of the owner.
            return self.rrsets(section, owner, sets);
        }
        let records = sets.iter().flat_map(|set| EncodedRecords::new(set));
        let (mut count, mut total) = (0usize, literal);
        for record in records.clone() {
            if compressible(u16::from_be_bytes([record[0], record[1]])) {
                return self.rrsets(section, owner, sets);
            }
            total += 2 + record.len();
            count += 1;
        }
        if count == 0 {
            return Ok(());
        }
        if start + total > self.limit {
            return Err(NoSpace);
        }
        let first = (0xC000 | target).to_be_bytes();
        let repeat = match literal {
            0 => first,
            _ => (0xC000 | start as u16).to_be_bytes(),
        };
        self.buf[start..start + literal].copy_from_slice(&owner[..literal]);
        let mut at = start + literal;
        for (i, record) in records.enumerate() {
            let pointer = if i == 0 { first } else { repeat };
            self.buf[at..at + 2].copy_from_slice(&pointer);
            self.buf[at + 2..at + 2 + record.len()].copy_from_slice(record);
            at += 2 + record.len();
        }
        self.len = at;
        self.targets
            .add(start, &owner[..literal], owner.len(), false);
        self.counts[section as usize] += count as u16;
        Ok(())
    }

    /// Whether the name at `offset` of the message (a label start, maybe compressed) is
    /// `name` (uncompressed), ignoring ASCII case.
    pub fn name_at(&self, offset: usize, name: &[u8]) -> bool {
        name_at_equals(&self.buf[..self.len], offset, name)
    }

    /// Writes every record of pre-encoded RRsets whose types have no name to compress (NSEC,
    /// NSEC3, RRSIG) under the owner `label` (one wire label) followed by the name at `suffix`
    /// in the message: the label, a pointer to `suffix`, each later record after a pointer to
    /// the label; all or nothing. These are the bytes compression writes where that owner is
    /// nowhere in the message and `suffix` is the first place compression finds the rest of
    /// it: the caller knows both (what else the message holds), as no target is searched; and
    /// it checks that the message so far is within a pointer's reach (0x3FFF). Nor is the
    /// label made a target: no name to compress may follow.
    pub fn rrsets_after_label(
        &mut self,
        section: Section,
        label: &[u8],
        suffix: u16,
        sets: &[&[u8]],
    ) -> Result<(), NoSpace> {
        let start = self.len;
        debug_assert!(start <= 0x3FFF);
        let at = start + label.len();
        if at > self.limit {
            return Err(NoSpace);
        }
        self.buf[start..at].copy_from_slice(label);
        let first = (0xC000 | suffix).to_be_bytes();
        let repeat = (0xC000 | start as u16).to_be_bytes();
        let (at, count) = self.after_pointers(at, first, repeat, sets)?;
        self.len = at;
        self.counts[section as usize] += count;
        Ok(())
    }
}
