//! The response as RRL reads and rewrites it: its question (the key of an answer's bucket),
//! and the truncated reply a slipped response becomes.

use std::ops::Range;

use crate::answer::edns::{Ede, OPTION_EDE};
use crate::wire::compressed;
use crate::wire::name::{MAX_NAME_LEN, wire_name_len};
use crate::wire::query::flags;
use crate::wire::rtype;

/// The response's question name (lowercased) and type, written into `key`; empty without a
/// question.
pub(super) fn question_key<'k>(response: &[u8], key: &'k mut [u8; MAX_NAME_LEN + 2]) -> &'k [u8] {
    let Some(name_len) = response.get(12..).and_then(wire_name_len) else {
        return &[];
    };
    let Some(question) = response.get(12..14 + name_len) else {
        return &[];
    };
    let key = &mut key[..name_len + 2];
    key.copy_from_slice(question);
    key[..name_len].make_ascii_lowercase();
    key
}

fn word(message: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([
        *message.get(at)?,
        *message.get(at + 1)?,
    ]))
}

fn set_word(message: &mut [u8], at: usize, value: u16) {
    message[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

/// Rewrites the response in `out[..len]` as the truncated reply RRL slips: TC=1, header,
/// question and OPT record only, the OPT record given Extended DNS Error 0 "rate limited" when
/// `out` has room; returns its length.
pub fn truncate_to_question(out: &mut [u8], len: usize) -> usize {
    if len < 12 || out.len() < len {
        return len;
    }
    let message = &out[..len];
    let question_end = match word(message, 4) {
        Some(1) => match wire_name_len(&message[12..]) {
            Some(name) if 12 + name + 4 <= len => 12 + name + 4,
            _ => 12,
        },
        _ => 12,
    };
    let opt = opt_record(message);
    let mut end = question_end;
    if let Some(opt) = &opt {
        out.copy_within(opt.clone(), question_end);
        end += opt.len();
        end = add_ede(out, question_end, end, &Ede::RATE_LIMITED);
    }
    let flags = word(out, 2).unwrap_or(0) | flags::TC;
    set_word(out, 2, flags);
    set_word(out, 4, u16::from(question_end > 12));
    set_word(out, 6, 0);
    set_word(out, 8, 0);
    set_word(out, 10, u16::from(opt.is_some()));
    end
}

/// Appends `ede` to the OPT record at `out[opt..end]` (the last record) when there is room;
/// returns the new end. An EDE already there is left alone.
fn add_ede(out: &mut [u8], opt: usize, end: usize, ede: &Ede) -> usize {
    let Some(rdlen_at) = compressed::skip(out, opt).map(|owner| owner.end + 8) else {
        return end;
    };
    let Some(rdlen) = word(out, rdlen_at) else {
        return end;
    };
    let mut options = &out[rdlen_at + 2..end];
    while let [c0, c1, l0, l1, rest @ ..] = options {
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        if u16::from_be_bytes([*c0, *c1]) == OPTION_EDE {
            return end;
        }
        options = rest.get(len..).unwrap_or_default();
    }
    let added = 4 + ede.data_len();
    if out.len() < end + added || usize::from(rdlen) + added > usize::from(u16::MAX) {
        return end;
    }
    set_word(out, end, OPTION_EDE);
    set_word(out, end + 2, ede.data_len() as u16);
    ede.encode_data(&mut out[end + 4..]);
    set_word(out, rdlen_at, rdlen + added as u16);
    end + added
}

/// Byte range of the OPT record in the additional section of a well-formed message.
pub fn opt_record(message: &[u8]) -> Option<Range<usize>> {
    let count = |i: usize| word(message, 4 + 2 * i).map(usize::from);
    let (questions, answers, authority, additional) = (count(0)?, count(1)?, count(2)?, count(3)?);
    let mut pos = 12;
    for _ in 0..questions {
        pos = compressed::skip(message, pos)?.end + 4;
    }
    let additional_from = answers + authority;
    for index in 0..additional_from + additional {
        let start = pos;
        pos = compressed::skip(message, pos)?.end;
        let rtype = word(message, pos)?;
        let rdlen = usize::from(word(message, pos + 8)?);
        pos += 10 + rdlen;
        if pos > message.len() {
            return None;
        }
        if index >= additional_from && rtype == rtype::OPT {
            return Some(start..pos);
        }
    }
    None
}
