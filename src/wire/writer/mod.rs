//! Writes a response message into a caller-owned buffer, compressing names (RFC 1035 §4.1.4).
//!
//! The writer never allocates. Records arrive pre-encoded from the zone (type, class, TTL,
//! rdata length and rdata, without the owner); the writer adds the owner name, compressing it
//! against names already in the message, and compresses the names inside the rdata of the types
//! RFC 3597 §4 allows (NS, CNAME, SOA, PTR, MX). A record that does not fit under the size limit
//! is rolled back whole, so a message is always a set of complete RRsets.

pub(crate) use super::compression::MAX_COMPRESSION_TARGETS;
use super::compression::Targets;
use super::name::wire_name_len;
use super::rtype;
pub use rrsets::Suffix;

mod rrsets;

/// Header size.
pub const HEADER_LEN: usize = 12;

/// The record does not fit under the current size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSpace;

/// A response message being written.
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
    limit: usize,
    /// Where names already written start, for compressing later ones.
    targets: Targets,
    counts: [u16; 4],
}

/// Message sections, in wire order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Question = 0,
    Answer = 1,
    Authority = 2,
    Additional = 3,
}

/// A position to roll back to.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    len: usize,
    target_count: usize,
    counts: [u16; 4],
}

impl<'a> Writer<'a> {
    /// Starts a message in `buf`; nothing is written past `limit` (capped at the buffer length).
    pub fn new(buf: &'a mut [u8], limit: usize) -> Writer<'a> {
        let limit = limit.min(buf.len()).min(u16::MAX as usize);
        Writer {
            buf,
            len: 0,
            limit,
            targets: Targets::new(),
            counts: [0; 4],
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before anything is written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The size limit in force.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Changes the size limit (never above the buffer).
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.min(self.buf.len()).min(u16::MAX as usize);
    }

    /// Records written in a section.
    pub fn count(&self, section: Section) -> u16 {
        self.counts[section as usize]
    }

    /// The message so far, with the section counts patched into the header.
    pub fn finish(self) -> usize {
        if self.len >= HEADER_LEN {
            for (i, count) in self.counts.iter().enumerate() {
                self.buf[4 + 2 * i..6 + 2 * i].copy_from_slice(&count.to_be_bytes());
            }
        }
        self.len
    }

    /// A rollback point.
    pub fn mark(&self) -> Mark {
        Mark {
            len: self.len,
            target_count: self.targets.count(),
            counts: self.counts,
        }
    }

    /// Forgets everything written after `mark`.
    pub fn rollback(&mut self, mark: Mark) {
        self.len = mark.len;
        if mark.target_count == 0 && self.targets.count() > 0 && self.counts[0] > 0 {
            // The question's targets were added after the mark: they are pending again.
            let question_len = self.question_len();
            self.targets.defer_question(question_len);
        }
        self.targets.truncate(mark.target_count);
        self.counts = mark.counts;
    }

    /// Length of the question name written at the start of the message.
    fn question_len(&self) -> usize {
        let name = self.buf.get(HEADER_LEN..self.len).unwrap_or(&[]);
        wire_name_len(name).unwrap_or(0)
    }

    /// Writes the 12-byte header; counts are filled in by [`Writer::finish`].
    pub fn header(&mut self, id: u16, flags: u16) -> Result<(), NoSpace> {
        self.len = 0;
        self.put(&id.to_be_bytes())?;
        self.put(&flags.to_be_bytes())?;
        self.put(&[0u8; 8])
    }

    /// Sets the flags word of a header already written.
    pub fn set_flags(&mut self, flags: u16) {
        if self.len >= 4 {
            self.buf[2..4].copy_from_slice(&flags.to_be_bytes());
        }
    }

    /// The flags word as written so far.
    pub fn flags(&self) -> u16 {
        if self.len >= 4 {
            u16::from_be_bytes([self.buf[2], self.buf[3]])
        } else {
            0
        }
    }

    /// Writes the question with the name exactly as the client sent it (case preserved); its
    /// labels become compression targets.
    pub fn question(&mut self, qname: &[u8], qtype: u16, qclass: u16) -> Result<(), NoSpace> {
        let mark = self.mark();
        let start = self.len;
        let result = self.put(qname).and_then(|_| {
            self.put(&qtype.to_be_bytes())?;
            self.put(&qclass.to_be_bytes())
        });
        if result.is_err() {
            self.rollback(mark);
            return result;
        }
        if start == HEADER_LEN && self.targets.count() == 0 {
            self.targets.defer_question(qname.len());
        } else {
            self.targets.add(start, qname, qname.len(), true);
        }
        self.counts[Section::Question as usize] += 1;
        Ok(())
    }

    /// Writes one pre-encoded record (`TYPE CLASS TTL RDLENGTH RDATA`, no owner) with the given
    /// owner. Rolled back whole when it does not fit.
    pub fn record(
        &mut self,
        section: Section,
        owner: &[u8],
        encoded: &[u8],
    ) -> Result<(), NoSpace> {
        self.counted(section, |w| w.record_inner(owner, encoded))
    }

    /// Runs `write` (one record) and counts it in `section`, or rolls it back whole.
    #[inline]
    fn counted(
        &mut self,
        section: Section,
        write: impl FnOnce(&mut Self) -> Result<(), NoSpace>,
    ) -> Result<(), NoSpace> {
        let mark = self.mark();
        match write(self) {
            Ok(()) => {
                self.counts[section as usize] += 1;
                Ok(())
            }
            Err(e) => {
                self.rollback(mark);
                Err(e)
            }
        }
    }

    /// Writes every record of a pre-encoded RRset (a concatenation of `TYPE CLASS TTL RDLENGTH
    /// RDATA`), all or nothing.
    pub fn rrset(&mut self, section: Section, owner: &[u8], encoded: &[u8]) -> Result<(), NoSpace> {
        self.rrsets(section, owner, &[encoded])
    }

    /// The length of the question name while the message holds only the header and one
    /// question; `None` once any record is written.
    pub fn question_only(&self) -> Option<usize> {
        (self.counts == [1, 0, 0, 0]).then(|| self.len.saturating_sub(HEADER_LEN + 4))
    }

    /// The message written so far.
    pub fn message(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Appends records written for this message elsewhere (sections after the question, their
    /// names already compressed against it) and counts them in the answer, authority and
    /// additional sections; returns their bytes in the message for the caller to adjust, or
    /// `None`, writing nothing, when they do not fit. Their names are no compression targets
    /// for names written later. The prepared answers are applied through this.
    pub fn append_sections(&mut self, bytes: &[u8], counts: [u16; 3]) -> Option<&mut [u8]> {
        let start = self.len;
        self.put(bytes).ok()?;
        for (count, added) in self.counts[1..].iter_mut().zip(counts) {
            *count += added;
        }
        Some(&mut self.buf[start..self.len])
    }

    /// Compression targets held so far.
    pub(crate) fn target_count(&self) -> usize {
        self.targets.count()
    }

    /// The compression targets at offsets from `from` on (offset, uncompressed length, whether
    /// written without pointers), in the order they were added.
    pub(crate) fn targets_from(&self, from: usize) -> impl Iterator<Item = (u16, u8, bool)> + '_ {
        self.targets
            .entries(0)
            .filter(move |&(offset, _, _)| usize::from(offset) >= from)
    }

    /// After [`Writer::append_sections`]: makes the names of the appended bytes compression
    /// targets for names written later, as writing them here would have. `targets` are
    /// (offset from `base`, uncompressed length, literal) in the order they were added; the
    /// question's labels, still pending, come first, as the first compressed name adds them.
    pub(crate) fn add_targets(
        &mut self,
        base: usize,
        targets: impl Iterator<Item = (usize, u8, bool)>,
    ) {
        let mut targets = targets.peekable();
        if targets.peek().is_none() {
            return;
        }
        self.targets.add_pending_question(&self.buf[..self.len]);
        for (offset, len, literal) in targets {
            self.targets.push(base + offset, len, literal);
        }
    }

    /// Appends a record of `len` bytes that `fill` writes in place (every byte of the slice it
    /// is given), without a name to compress: the OPT record.
    pub fn raw_record_with(
        &mut self,
        section: Section,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<(), NoSpace> {
        let end = self.len + len;
        if end > self.limit {
            return Err(NoSpace);
        }
        fill(&mut self.buf[self.len..end]);
        self.len = end;
        self.counts[section as usize] += 1;
        Ok(())
    }

    fn record_inner(&mut self, owner: &[u8], encoded: &[u8]) -> Result<(), NoSpace> {
        if encoded.len() < 10 {
            return Err(NoSpace);
        }
        self.name(owner, true)?;
        self.body(encoded)
    }

    /// A record after its owner: the fixed fields and the rdata, its names compressed.
    fn body(&mut self, encoded: &[u8]) -> Result<(), NoSpace> {
        if encoded.len() < 10 {
            return Err(NoSpace);
        }
        let rtype = u16::from_be_bytes([encoded[0], encoded[1]]);
        let rdata = &encoded[10..];
        if !compressible(rtype) {
            return self.put(encoded);
        }
        self.put(&encoded[..8])?;
        let rdlen_at = self.len;
        self.put(&[0, 0])?;
        let rdata_start = self.len;
        self.compressed_rdata(rtype, rdata)?;
        let rdlen = (self.len - rdata_start) as u16;
        self.buf[rdlen_at..rdlen_at + 2].copy_from_slice(&rdlen.to_be_bytes());
        Ok(())
    }

    /// Writes rdata of a type whose embedded names may be compressed.
    fn compressed_rdata(&mut self, rtype: u16, rdata: &[u8]) -> Result<(), NoSpace> {
        match rtype {
            rtype::NS | rtype::CNAME | rtype::PTR => self.rdata_names(rdata, 1, 0),
            rtype::MX => {
                let pref = rdata.get(..2).ok_or(NoSpace)?;
                self.put(pref)?;
                self.rdata_names(&rdata[2..], 1, 0)
            }
            rtype::SOA => self.rdata_names(rdata, 2, 20),
            _ => self.put(rdata),
        }
    }

    /// Writes `names` names from the start of `rdata`, then exactly `tail` more bytes.
    fn rdata_names(&mut self, rdata: &[u8], names: usize, tail: usize) -> Result<(), NoSpace> {
        let mut pos = 0usize;
        for _ in 0..names {
            let len = wire_name_len(&rdata[pos..]).ok_or(NoSpace)?;
            self.name(&rdata[pos..pos + len], true)?;
            pos += len;
        }
        let rest = rdata.get(pos..).ok_or(NoSpace)?;
        if rest.len() != tail {
            return Err(NoSpace);
        }
        self.put(rest)
    }

    /// Writes a name, pointing back to the longest suffix already in the message.
    pub fn name(&mut self, name: &[u8], compress: bool) -> Result<(), NoSpace> {
        self.targets.add_pending_question(&self.buf[..self.len]);
        let start = self.len;
        let mut pos = 0usize;
        while pos < name.len() {
            let label_len = name[pos] as usize;
            if label_len == 0 {
                self.put(&[0])?;
                break;
            }
            if compress && let Some(target) = self.targets.find(&self.buf[..self.len], &name[pos..])
            {
                self.put(&(0xC000 | target).to_be_bytes())?;
                self.targets.add(start, &name[..pos], name.len(), false);
                return Ok(());
            }
            let end = (pos + 1 + label_len).min(name.len());
            self.put(&name[pos..end])?;
            pos = end;
        }
        self.targets.add(start, name, name.len(), true);
        Ok(())
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), NoSpace> {
        let end = self.len + bytes.len();
        if end > self.limit {
            return Err(NoSpace);
        }
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

/// True for the types whose rdata names may be compressed (RFC 3597 §4: the RFC 1035 types).
pub(crate) fn compressible(rtype: u16) -> bool {
    matches!(
        rtype,
        rtype::NS | rtype::CNAME | rtype::SOA | rtype::PTR | rtype::MX
    )
}

/// Splits a concatenation of pre-encoded records (`TYPE CLASS TTL RDLENGTH RDATA`).
#[derive(Clone)]
pub struct EncodedRecords<'a> {
    rest: &'a [u8],
}

impl<'a> EncodedRecords<'a> {
    pub fn new(encoded: &'a [u8]) -> EncodedRecords<'a> {
        EncodedRecords { rest: encoded }
    }
}

impl<'a> Iterator for EncodedRecords<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let header = self.rest.get(..10)?;
        let rdlen = u16::from_be_bytes([header[8], header[9]]) as usize;
        let record = self.rest.get(..10 + rdlen)?;
        self.rest = &self.rest[10 + rdlen..];
        Some(record)
    }
}

/// Encodes one record without its owner: `TYPE CLASS TTL RDLENGTH RDATA`.
pub fn encode_record(out: &mut Vec<u8>, rtype: u16, class: u16, ttl: u32, rdata: &[u8]) {
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&class.to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
}

#[cfg(test)]
mod tests;
