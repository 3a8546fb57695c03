//! The strict reader of an incoming zone transfer (AXFR, RFC 5936; IXFR, RFC 1995): the
//! primary's messages in order, each checked (ID, response, rcode, question, TSIG chain), every
//! record checked (class IN, owner inside the zone, names in rdata expanded), and the sequence
//! checked as a whole (the zone's SOA first and last; IXFR's chain of serials from ours to the
//! primary's). Anything wrong rejects the whole transfer with the reason; nothing is applied
//! before the closing SOA.

use super::super::message::{Message, MessageError, RecordRef, expand_rdata};
use super::super::serial_newer;
use super::super::tsig::Session;
use crate::wire::query::flags;
use crate::wire::rtype;

/// Most records one transfer may carry.
pub const MAX_RECORDS: usize = 20_000_000;

/// One record of a transfer: owner in lowercase wire form, rdata uncompressed (class IN).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rr {
    pub owner: Vec<u8>,
    pub rtype: u16,
    pub rdata: Vec<u8>,
    pub ttl: u32,
}

impl Rr {
    /// The SOA serial (0 for other types).
    pub fn serial(&self) -> u32 {
        self.soa_field(0)
    }

    /// Field `n` of an SOA's fixed part: 0 serial, 1 refresh, 2 retry, 3 expire, 4 minimum.
    pub fn soa_field(&self, n: usize) -> u32 {
        let Some(at) = self.rdata.len().checked_sub(20) else {
            return 0;
        };
        let bytes = &self.rdata[at + 4 * n..at + 4 * n + 4];
        u32::from_be_bytes(bytes.try_into().unwrap_or_default())
    }
}

/// One IXFR difference: from serial `from`, these records removed, then `to` (the new SOA)
/// and these records added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub from: u32,
    pub removed: Vec<Rr>,
    pub to: Rr,
    pub added: Vec<Rr>,
}

/// What a complete transfer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transfer {
    /// IXFR answered with the SOA alone: nothing newer than ours.
    UpToDate { serial: u32 },
    /// The whole zone: its SOA and every other record.
    Full { soa: Rr, records: Vec<Rr> },
    /// Differences from our serial to `soa`'s.
    Incremental { soa: Rr, steps: Vec<Step> },
}

/// Why a transfer was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("malformed message: {0}")]
    Malformed(#[from] MessageError),
    #[error("a message that is not a response to our request")]
    NotOurs,
    #[error("the primary answered with rcode {0}")]
    Rcode(u16),
    #[error("a truncated message (TC) in a transfer")]
    Truncated,
    #[error("the question is not the one asked")]
    Question,
    #[error("TSIG: {0}")]
    Tsig(String),
    #[error("a signed message, but no TSIG key is configured for the zone")]
    UnexpectedTsig,
    #[error("the transfer does not start with the zone's SOA")]
    NoSoa,
    #[error("a record outside the zone: {0}")]
    OutOfZone(String),
    #[error("a record of class {0}, not IN")]
    Class(u16),
    #[error("malformed rdata of type {0}")]
    Rdata(u16),
    #[error("bad IXFR sequence: {0}")]
    Sequence(&'static str),
    #[error("an SOA inside the zone's records")]
    InnerSoa,
    #[error("records after the closing SOA")]
    AfterEnd,
    #[error("more than {MAX_RECORDS} records")]
    TooLarge,
    #[error("the transfer ended before its closing SOA")]
    Incomplete,
}

enum State {
    Start,
    /// The opening SOA seen; the second record tells AXFR-style from incremental.
    Opened {
        soa: Rr,
    },
    Body {
        soa: Rr,
        records: Vec<Rr>,
    },
    Removing {
        soa: Rr,
        steps: Vec<Step>,
        from: u32,
        removed: Vec<Rr>,
    },
    Adding {
        soa: Rr,
        steps: Vec<Step>,
        step: Step,
    },
    Done,
}

/// Reads one transfer, message by message.
pub struct Reader {
    origin: Vec<u8>,
    id: u16,
    qtype: u16,
    /// Our serial, for IXFR.
    ours: Option<u32>,
    session: Option<Session>,
    pending: Vec<u8>,
    count: usize,
    state: State,
}

impl Reader {
    /// A reader for the answer to request `id` of type `qtype` (AXFR or IXFR) for the zone at
    /// `origin` (wire form); `ours` is the serial an IXFR asked from; `session` checks TSIG.
    pub fn new(
        origin: &[u8],
        id: u16,
        qtype: u16,
        ours: Option<u32>,
        session: Option<Session>,
    ) -> Reader {
        Reader {
            origin: origin.to_ascii_lowercase(),
            id,
            qtype,
            ours,
            session,
            pending: Vec::new(),
            count: 0,
            state: State::Start,
        }
    }

    /// Reads the next message; `Some` once the transfer is complete (no message may follow).
    pub fn feed(&mut self, bytes: &[u8], now: u64) -> Result<Option<Transfer>, Rejected> {
        if matches!(self.state, State::Done) {
            return Err(Rejected::AfterEnd);
        }
        let message = Message::parse(bytes)?;
        self.check_header(&message, now)?;
        let mut done = None;
        for record in &message.answers {
            if done.is_some() {
                return Err(Rejected::AfterEnd);
            }
            self.count += 1;
            if self.count > MAX_RECORDS {
                return Err(Rejected::TooLarge);
            }
            let rr = self.record(bytes, record)?;
            done = self.next(rr)?;
        }
        if let (None, State::Opened { soa }) = (&done, &self.state)
            && self.qtype == rtype::IXFR
            && self.count == 1
            && !self
                .ours
                .is_some_and(|ours| serial_newer(soa.serial(), ours))
        {
            done = Some(Transfer::UpToDate {
                serial: soa.serial(),
            });
        }
        if done.is_some() {
            if self.session.is_some() && !self.pending.is_empty() {
                return Err(Rejected::Tsig("the last message is not signed".into()));
            }
            self.state = State::Done;
        }
        Ok(done)
    }

    /// The stream ended (the primary closed the connection).
    pub fn end(&self) -> Rejected {
        Rejected::Incomplete
    }

    fn check_header(&mut self, message: &Message<'_>, now: u64) -> Result<(), Rejected> {
        if message.id != self.id || message.flags & flags::QR == 0 || message.opcode() != 0 {
            return Err(Rejected::NotOurs);
        }
        if message.rcode() != 0 {
            return Err(Rejected::Rcode(message.rcode()));
        }
        if message.flags & flags::TC != 0 {
            return Err(Rejected::Truncated);
        }
        match message.questions.as_slice() {
            [] if self.count > 0 => {}
            [(name, qtype, class)]
                if name.eq_ignore_ascii_case(&self.origin)
                    && *qtype == self.qtype
                    && *class == rtype::CLASS_IN => {}
            _ => return Err(Rejected::Question),
        }
        if message.misplaced_tsig() {
            return Err(Rejected::Tsig("a TSIG record that is not last".into()));
        }
        match self.session.as_mut() {
            Some(session) => session
                .verify(message, &mut self.pending, now)
                .map_err(Rejected::Tsig),
            None if message.tsig().is_some() => Err(Rejected::UnexpectedTsig),
            None => Ok(()),
        }
    }

    fn record(&self, bytes: &[u8], record: &RecordRef<'_>) -> Result<Rr, Rejected> {
        if record.class != rtype::CLASS_IN {
            return Err(Rejected::Class(record.class));
        }
        let owner = record.owner.to_ascii_lowercase();
        if !crate::wire::name::is_subdomain(&owner, &self.origin) {
            let name =
                crate::wire::Name::from_wire(&owner).map_or(String::new(), |n| n.to_string());
            return Err(Rejected::OutOfZone(name));
        }
        let rdata = expand_rdata(bytes, record).map_err(|_| Rejected::Rdata(record.rtype))?;
        if matches!(
            record.rtype,
            rtype::OPT | rtype::TSIG | rtype::AXFR | rtype::IXFR
        ) || (record.rtype == rtype::SOA && owner != self.origin)
        {
            return Err(Rejected::Rdata(record.rtype));
        }
        Ok(Rr {
            owner,
            rtype: record.rtype,
            rdata,
            ttl: record.ttl,
        })
    }

    /// Moves the state on by one record; the transfer when it is complete.
    fn next(&mut self, rr: Rr) -> Result<Option<Transfer>, Rejected> {
        let is_soa = rr.rtype == rtype::SOA;
        let state = std::mem::replace(&mut self.state, State::Done);
        self.state = match state {
            State::Start if is_soa => State::Opened { soa: rr },
            State::Start => return Err(Rejected::NoSoa),
            State::Opened { soa } if is_soa && rr.serial() == soa.serial() => {
                return Ok(Some(Transfer::Full {
                    soa,
                    records: Vec::new(),
                }));
            }
            State::Opened { soa } if is_soa => {
                let from = rr.serial();
                if self.qtype != rtype::IXFR {
                    return Err(Rejected::InnerSoa);
                }
                if Some(from) != self.ours {
                    return Err(Rejected::Sequence(
                        "the first difference is not from our serial",
                    ));
                }
                State::Removing {
                    soa,
                    steps: Vec::new(),
                    from,
                    removed: Vec::new(),
                }
            }
            State::Opened { soa } => State::Body {
                soa,
                records: vec![rr],
            },
            State::Body { soa, records } if is_soa => {
                if rr.serial() != soa.serial() {
                    return Err(Rejected::InnerSoa);
                }
                return Ok(Some(Transfer::Full { soa, records }));
            }
            State::Body { soa, mut records } => {
                records.push(rr);
                State::Body { soa, records }
            }
            State::Removing {
                soa,
                steps,
                from,
                removed,
            } if is_soa => {
                if !serial_newer(rr.serial(), from) {
                    return Err(Rejected::Sequence(
                        "a difference does not move the serial on",
                    ));
                }
                let step = Step {
                    from,
                    removed,
                    to: rr,
                    added: Vec::new(),
                };
                State::Adding { soa, steps, step }
            }
            State::Removing {
                soa,
                steps,
                from,
                mut removed,
            } => {
                removed.push(rr);
                State::Removing {
                    soa,
                    steps,
                    from,
                    removed,
                }
            }
            State::Adding {
                soa,
                mut steps,
                step,
            } if is_soa => {
                let reached = step.to.serial();
                steps.push(step);
                if reached == soa.serial() && rr.serial() == soa.serial() {
                    return Ok(Some(Transfer::Incremental { soa, steps }));
                }
                if rr.serial() != reached {
                    return Err(Rejected::Sequence(
                        "a difference does not start where the one before ended",
                    ));
                }
                State::Removing {
                    soa,
                    steps,
                    from: reached,
                    removed: Vec::new(),
                }
            }
            State::Adding {
                soa,
                steps,
                mut step,
            } => {
                step.added.push(rr);
                State::Adding { soa, steps, step }
            }
            State::Done => return Err(Rejected::AfterEnd),
        };
        Ok(None)
    }
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
