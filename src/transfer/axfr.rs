//! The messages of one outgoing transfer (RFC 5936 AXFR, RFC 1995 IXFR): the question in the
//! first message only, records packed up to the TCP message size with names compressed, the
//! OPT record (with EDNS EXPIRE when asked, RFC 7314) in every message when the request had
//! EDNS, and every message signed when the request was (RFC 8945 §5.3.1).

use super::content::{Content, Cursor};
use super::message::OPTION_EXPIRE;
use super::tsig::{self, Session};
use crate::wire::query::flags;
use crate::wire::rtype;
use crate::wire::writer::{Section, Writer};

/// The records a transfer sends, in order.
pub enum Records {
    /// A whole zone: SOA, every other record, SOA.
    Zone {
        content: Content,
        cursor: Cursor,
        /// 0: first SOA, 1: the body, 2: last SOA, 3: done.
        phase: u8,
    },
    /// A prepared list of (owner, record) (IXFR sequences, single SOA answers).
    List {
        items: Vec<(Vec<u8>, Vec<u8>)>,
        next: usize,
    },
}

impl Records {
    /// Offers the next record to `write`; moves past it when `write` returns true. `None` at the
    /// end, else whether it was taken.
    fn offer(&mut self, mut write: impl FnMut(&[u8], &[u8]) -> bool) -> Option<bool> {
        match self {
            Records::Zone {
                content,
                cursor,
                phase,
            } => loop {
                match *phase {
                    0 | 2 => {
                        let origin = content.zone().origin().as_wire();
                        let taken = write(origin, &content.soa);
                        if taken {
                            *phase += 1;
                        }
                        return Some(taken);
                    }
                    1 => {
                        let saved = *cursor;
                        let mut taken = true;
                        match content
                            .next(cursor, &mut |owner, record| taken = write(owner, record))
                        {
                            None => *phase = 2,
                            Some(()) => {
                                if !taken {
                                    *cursor = saved;
                                }
                                return Some(taken);
                            }
                        }
                    }
                    _ => return None,
                }
            },
            Records::List { items, next } => {
                let (owner, record) = items.get(*next)?;
                let taken = write(owner, record);
                if taken {
                    *next += 1;
                }
                Some(taken)
            }
        }
    }
}

/// An outgoing transfer, message by message.
pub struct Outgoing {
    pub id: u16,
    /// Echoed in the first message.
    question: Option<(Vec<u8>, u16, u16)>,
    /// EDNS: our payload size and the EXPIRE value, when the request had EDNS.
    edns: Option<(u16, Option<u32>)>,
    records: Records,
    tsig: Option<Session>,
    started: bool,
    flags: u16,
}

impl Outgoing {
    pub fn new(
        id: u16,
        question: (Vec<u8>, u16, u16),
        edns: Option<(u16, Option<u32>)>,
        records: Records,
        tsig: Option<Session>,
    ) -> Outgoing {
        Outgoing {
            id,
            question: Some(question),
            edns,
            records,
            tsig,
            started: false,
            flags: flags::QR | flags::AA,
        }
    }

    /// The header flags (QR and AA unless set otherwise), rcode included.
    pub fn set_flags(&mut self, flags: u16) {
        self.flags = flags;
    }

    /// The next message, or `None` when everything was sent. `scratch` is at least
    /// [`crate::answer::MAX_MESSAGE`] bytes.
    pub fn next_message(&mut self, scratch: &mut [u8]) -> Option<Vec<u8>> {
        if self.started && self.question.is_none() && self.records.offer(|_, _| false).is_none() {
            return None;
        }
        self.started = true;
        let reserve = tsig::MAX_RECORD + if self.edns.is_some() { 11 + 8 } else { 0 };
        let mut w = Writer::new(scratch, crate::answer::MAX_MESSAGE - reserve);
        let _ = w.header(self.id, self.flags);
        if let Some((name, qtype, qclass)) = self.question.take() {
            let _ = w.question(&name, qtype, qclass);
        }
        let mut wrote = 0usize;
        while let Some(taken) = self
            .records
            .offer(|owner, record| w.record(Section::Answer, owner, record).is_ok())
        {
            if !taken {
                if wrote == 0 {
                    // A record larger than a message: nothing can carry it.
                    return None;
                }
                break;
            }
            wrote += 1;
        }
        w.set_limit(crate::answer::MAX_MESSAGE - tsig::MAX_RECORD);
        if let Some((payload, expire)) = self.edns {
            let len = 11 + if expire.is_some() { 8 } else { 0 };
            let _ = w.raw_record_with(Section::Additional, len, |out| {
                write_opt(out, payload, expire)
            });
        }
        let len = w.finish();
        let mut message = scratch[..len].to_vec();
        if let Some(session) = self.tsig.as_mut() {
            session.sign(&mut message, tsig::now());
        }
        Some(message)
    }
}

/// An OPT record: root owner, our payload size, no flags, EXPIRE when given.
fn write_opt(out: &mut [u8], payload: u16, expire: Option<u32>) {
    out[0] = 0;
    out[1..3].copy_from_slice(&rtype::OPT.to_be_bytes());
    out[3..5].copy_from_slice(&payload.to_be_bytes());
    out[5..9].fill(0);
    let rdlen: u16 = if expire.is_some() { 8 } else { 0 };
    out[9..11].copy_from_slice(&rdlen.to_be_bytes());
    if let Some(expire) = expire {
        out[11..13].copy_from_slice(&OPTION_EXPIRE.to_be_bytes());
        out[13..15].copy_from_slice(&4u16.to_be_bytes());
        out[15..19].copy_from_slice(&expire.to_be_bytes());
    }
}
