//! A strict structural check of a response, independent of hickory-proto: every name (owner or
//! inside the rdata of the types whose names we compress) is well formed, compression pointers
//! point backwards and never loop, each rdata fits, the OPT record is unique, at the root and in
//! the additional section, and the records end exactly where the message does.

use crate::wire::rtype;

/// What the walk found beyond validity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// A record (other than OPT) has empty rdata: valid (RFC 3597 `\# 0`), but hickory-proto
    /// refuses it outside UPDATE messages.
    pub empty_rdata: bool,
    pub records: usize,
}

fn word(message: &[u8], at: usize) -> Result<u16, String> {
    match message.get(at..at + 2) {
        Some(bytes) => Ok(u16::from_be_bytes([bytes[0], bytes[1]])),
        None => Err(format!("cut short at {at}")),
    }
}

/// Reads the name at `pos`; returns where it ends in place. Pointers must point before the
/// name that holds them; the whole name is at most 255 bytes.
fn name(message: &[u8], start: usize) -> Result<usize, String> {
    let mut pos = start;
    let mut end = None;
    let mut length = 0usize;
    let mut limit = start;
    for _ in 0..256 {
        let len = *message
            .get(pos)
            .ok_or_else(|| format!("name at {start} cut short"))?;
        match len & 0xC0 {
            0x00 if len == 0 => {
                return if length < 255 {
                    Ok(end.unwrap_or(pos + 1))
                } else {
                    Err(format!("name at {start} over 255 bytes"))
                };
            }
            0x00 => {
                length += 1 + usize::from(len);
                pos += 1 + usize::from(len);
            }
            0xC0 => {
                let target = usize::from(word(message, pos)? & 0x3FFF);
                if target >= limit {
                    return Err(format!("pointer at {pos} to {target} is not backwards"));
                }
                end.get_or_insert(pos + 2);
                limit = target;
                pos = target;
            }
            _ => return Err(format!("reserved label type at {pos}")),
        }
    }
    Err(format!("name at {start} has too many labels"))
}

/// Checks the structure of `message`.
pub fn check_structure(message: &[u8]) -> Result<Shape, String> {
    walk(message, &mut |_, _| {})
}

/// A copy of a well-formed `message` with the type of every record but OPT replaced by a
/// private-use type (65280), so that a decoder reads each rdata as opaque bytes.
pub fn opaque_rdata(message: &[u8]) -> Vec<u8> {
    let mut copy = message.to_vec();
    let _ = walk(message, &mut |type_at, rtype| {
        if rtype != rtype::OPT {
            copy[type_at..type_at + 2].copy_from_slice(&65280u16.to_be_bytes());
        }
    });
    copy
}

/// Walks `message`, calling `record(offset of the TYPE field, type)` for each record.
fn walk(message: &[u8], record: &mut dyn FnMut(usize, u16)) -> Result<Shape, String> {
    let counts = [
        word(message, 4)?,
        word(message, 6)?,
        word(message, 8)?,
        word(message, 10)?,
    ];
    let mut pos = 12;
    for _ in 0..counts[0] {
        pos = name(message, pos)? + 4;
    }
    let mut shape = Shape::default();
    let mut opt = false;
    let additional_from = usize::from(counts[1]) + usize::from(counts[2]);
    for index in 0..additional_from + usize::from(counts[3]) {
        let owner = pos;
        pos = name(message, pos)?;
        let rtype = word(message, pos)?;
        record(pos, rtype);
        let rdlen = usize::from(word(message, pos + 8)?);
        let rdata = pos + 10;
        let end = rdata + rdlen;
        if end > message.len() {
            return Err(format!("rdata of record {index} runs past the end"));
        }
        if rtype == rtype::OPT {
            if opt || index < additional_from || message[owner] != 0 {
                return Err("OPT twice, outside additional or not at the root".into());
            }
            opt = true;
        } else if rdlen == 0 {
            shape.empty_rdata = true;
        }
        let names_end = match rtype {
            rtype::NS | rtype::CNAME | rtype::PTR | rtype::DNAME => Some(name(message, rdata)?),
            rtype::MX => Some(name(message, rdata + 2)?),
            rtype::SOA => Some(name(message, name(message, rdata)?)? + 20),
            _ => None,
        };
        if names_end.is_some_and(|names_end| names_end != end) {
            return Err(format!("rdata of record {index} does not match its length"));
        }
        pos = end;
        shape.records += 1;
    }
    if pos != message.len() {
        return Err(format!(
            "{} bytes after the last record",
            message.len() - pos
        ));
    }
    Ok(shape)
}
