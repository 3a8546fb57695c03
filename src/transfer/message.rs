//! Reading whole DNS messages off the query path: transfer requests, NOTIFY, and the
//! responses of a primary. Every record is located (owner expanded, rdata left as sent) so that
//! TSIG can be found and stripped, IXFR's SOA read and a transfer's records checked. Names in
//! rdata are expanded only by [`expand_rdata`], for the types RFC 3597 §4 lets a sender
//! compress.

use crate::wire::name::MAX_NAME_LEN;
use crate::wire::rtype;

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("message shorter than its header")]
    Short,
    #[error("malformed name at offset {0}")]
    BadName(usize),
    #[error("record at offset {0} runs past the end of the message")]
    Truncated(usize),
    #[error("{0} bytes after the last record")]
    Trailing(usize),
    #[error("malformed rdata of type {0}")]
    BadRdata(u16),
}

/// One record as located in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef<'a> {
    /// Owner, uncompressed, case as sent.
    pub owner: Vec<u8>,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    /// Rdata as sent (names may be compressed).
    pub rdata: &'a [u8],
    /// Offset of the rdata in the message.
    pub rdata_at: usize,
    /// Offset of the owner in the message.
    pub start: usize,
}

/// A message walked to its end.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    pub bytes: &'a [u8],
    pub id: u16,
    pub flags: u16,
    /// The questions: name uncompressed (case as sent), type, class.
    pub questions: Vec<(Vec<u8>, u16, u16)>,
    pub answers: Vec<RecordRef<'a>>,
    pub authority: Vec<RecordRef<'a>>,
    pub additional: Vec<RecordRef<'a>>,
}

pub use crate::wire::query::OPTION_EXPIRE;

impl<'a> Message<'a> {
    /// Walks every section of `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Result<Message<'a>, MessageError> {
        if bytes.len() < 12 {
            return Err(MessageError::Short);
        }
        let word = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
        let mut pos = 12;
        let mut questions = Vec::new();
        for _ in 0..word(4) {
            let (name, end) = expand_name(bytes, pos)?;
            let fixed = bytes
                .get(end..end + 4)
                .ok_or(MessageError::Truncated(pos))?;
            questions.push((
                name,
                u16::from_be_bytes([fixed[0], fixed[1]]),
                u16::from_be_bytes([fixed[2], fixed[3]]),
            ));
            pos = end + 4;
        }
        let mut sections: [Vec<RecordRef<'a>>; 3] = Default::default();
        for (section, count) in sections.iter_mut().zip([word(6), word(8), word(10)]) {
            section.reserve(usize::from(count));
            for _ in 0..count {
                let record = read_record(bytes, pos)?;
                pos = record.rdata_at + record.rdata.len();
                section.push(record);
            }
        }
        if pos != bytes.len() {
            return Err(MessageError::Trailing(bytes.len() - pos));
        }
        let [answers, authority, additional] = sections;
        Ok(Message {
            bytes,
            id: word(0),
            flags: word(2),
            questions,
            answers,
            authority,
            additional,
        })
    }

    /// The opcode.
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xF) as u8
    }

    /// The rcode in the header (without the EDNS extension).
    pub fn rcode(&self) -> u16 {
        self.flags & 0xF
    }

    /// The OPT record, if any.
    pub fn opt(&self) -> Option<&RecordRef<'a>> {
        self.additional
            .iter()
            .find(|r| r.rtype == rtype::OPT && r.owner == [0])
    }

    /// Whether the OPT record carries option `code`.
    pub fn has_option(&self, code: u16) -> bool {
        let Some(opt) = self.opt() else {
            return false;
        };
        let mut rest = opt.rdata;
        while rest.len() >= 4 {
            let found = u16::from_be_bytes([rest[0], rest[1]]);
            let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
            if found == code {
                return true;
            }
            rest = rest.get(4 + len..).unwrap_or(&[]);
        }
        false
    }

    /// The TSIG record when it is the last record of the message (RFC 8945 §5.1 requires it
    /// there; one elsewhere is a format error the caller reports).
    pub fn tsig(&self) -> Option<&RecordRef<'a>> {
        self.additional.last().filter(|r| r.rtype == rtype::TSIG)
    }

    /// Whether a TSIG record sits anywhere but last.
    pub fn misplaced_tsig(&self) -> bool {
        let last = self.additional.len().saturating_sub(1);
        self.answers
            .iter()
            .chain(&self.authority)
            .chain(&self.additional[..last])
            .any(|r| r.rtype == rtype::TSIG)
    }
}

fn read_record(bytes: &[u8], start: usize) -> Result<RecordRef<'_>, MessageError> {
    let (owner, end) = expand_name(bytes, start)?;
    let fixed = bytes
        .get(end..end + 10)
        .ok_or(MessageError::Truncated(start))?;
    let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
    let rdata_at = end + 10;
    let rdata = bytes
        .get(rdata_at..rdata_at + rdlen)
        .ok_or(MessageError::Truncated(start))?;
    Ok(RecordRef {
        owner,
        rtype: u16::from_be_bytes([fixed[0], fixed[1]]),
        class: u16::from_be_bytes([fixed[2], fixed[3]]),
        ttl: u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]),
        rdata,
        rdata_at,
        start,
    })
}

/// The name at `pos`, uncompressed, and the offset just after it where it was written.
/// Pointers must point backwards (so the walk ends) and the name must fit 255 bytes.
pub fn expand_name(bytes: &[u8], pos: usize) -> Result<(Vec<u8>, usize), MessageError> {
    let mut out = Vec::with_capacity(32);
    let mut at = pos;
    let mut end = None;
    let mut floor = pos;
    loop {
        let label = *bytes.get(at).ok_or(MessageError::BadName(pos))?;
        match label & 0xC0 {
            0x00 => {
                let stop = at + 1 + usize::from(label);
                let part = bytes.get(at..stop).ok_or(MessageError::BadName(pos))?;
                out.extend_from_slice(part);
                if out.len() > MAX_NAME_LEN {
                    return Err(MessageError::BadName(pos));
                }
                if label == 0 {
                    return Ok((out, end.unwrap_or(stop)));
                }
                at = stop;
            }
            0xC0 => {
                let low = *bytes.get(at + 1).ok_or(MessageError::BadName(pos))?;
                let target = usize::from(u16::from_be_bytes([label & 0x3F, low]));
                end.get_or_insert(at + 2);
                if target >= floor {
                    return Err(MessageError::BadName(pos));
                }
                floor = target;
                at = target;
            }
            _ => return Err(MessageError::BadName(pos)),
        }
    }
}

/// The rdata of `record` with the names a sender may compress (RFC 3597 §4 and the types
/// it lists as decompressed by receivers) written out uncompressed; other types as sent.
pub fn expand_rdata(bytes: &[u8], record: &RecordRef<'_>) -> Result<Vec<u8>, MessageError> {
    use rtype::*;
    const MD: u16 = 3;
    const MF: u16 = 4;
    const MB: u16 = 7;
    const MG: u16 = 8;
    const MR: u16 = 9;
    const PX: u16 = 26;
    // (fixed bytes before the names, names, fixed bytes after)
    let (before, names, after): (usize, usize, Option<usize>) = match record.rtype {
        NS | CNAME | PTR | DNAME | MB | MG | MR | MD | MF => (0, 1, Some(0)),
        SOA => (0, 2, Some(20)),
        MX | AFSDB | RT | KX => (2, 1, Some(0)),
        MINFO | RP => (0, 2, Some(0)),
        SRV => (6, 1, Some(0)),
        PX => (2, 2, Some(0)),
        _ => return Ok(record.rdata.to_vec()),
    };
    let bad = || MessageError::BadRdata(record.rtype);
    let end = record.rdata_at + record.rdata.len();
    let mut out = Vec::with_capacity(record.rdata.len() + 32);
    let mut at = record.rdata_at;
    out.extend_from_slice(bytes.get(at..at + before).ok_or_else(bad)?);
    at += before;
    for _ in 0..names {
        if at >= end {
            return Err(bad());
        }
        let (name, next) = expand_name(&bytes[..end], at).map_err(|_| bad())?;
        out.extend_from_slice(&name);
        at = next;
    }
    match after {
        Some(n) if at + n == end => out.extend_from_slice(&bytes[at..end]),
        _ => return Err(bad()),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_must_point_backwards() {
        let mut packet = vec![0u8; 12];
        packet.extend_from_slice(b"\xc0\x0c");
        assert!(expand_name(&packet, 12).is_err());
        let mut packet = vec![0u8; 12];
        packet.extend_from_slice(b"\x01a\x00\xc0\x0c");
        assert_eq!(
            expand_name(&packet, 15).unwrap(),
            (b"\x01a\x00".to_vec(), 17)
        );
    }

    #[test]
    fn counts_must_match_the_records() {
        let mut packet = vec![0u8; 12];
        packet[7] = 1; // one answer, none present
        assert!(matches!(
            Message::parse(&packet),
            Err(MessageError::Truncated(12) | MessageError::BadName(12))
        ));
        let mut packet = vec![0u8; 12];
        packet.push(0);
        assert_eq!(
            Message::parse(&packet).unwrap_err(),
            MessageError::Trailing(1)
        );
    }

    #[test]
    fn soa_names_are_expanded() {
        let mut packet = vec![0u8; 12];
        packet.extend_from_slice(b"\x07example\x00"); // offset 12
        packet.extend_from_slice(&[0, 6, 0, 1, 0, 0, 0, 60]);
        let rdata = [b"\x02ns\xc0\x0c".as_slice(), b"\xc0\x0c", &[0u8; 20]].concat();
        packet.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        packet.extend_from_slice(&rdata);
        packet[7] = 1;
        let message = Message::parse(&packet).unwrap();
        let soa = &message.answers[0];
        let expanded = expand_rdata(&packet, soa).unwrap();
        assert_eq!(
            expanded,
            [
                b"\x02ns\x07example\x00".as_slice(),
                b"\x07example\x00",
                &[0u8; 20]
            ]
            .concat()
        );
    }
}
