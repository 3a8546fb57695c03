//! The decision trace's view of answering: every step the walk takes (and the steering at a
//! steered name, and the query path around it) is handed to a [`Recorder`], so that `explain`
//! and `dig NAME CH TXT` describe the very walk that answers. The query path's recorder,
//! [`NoRecord`], takes nothing: every call is inlined away, as in [`crate::policy`], whose
//! [`policy::Recorder`] this extends.

use crate::policy::{self, Client, Decision, Service};
use crate::zone::{NodeRef, RRsetRef, Zone};

pub use crate::policy::NoRecord;

/// One step of answering a query, in the order they happen.
#[derive(Clone, Copy)]
pub enum Step<'a> {
    /// `name` (lowercased) is in `zone`, the zone with the longest origin above it.
    Zone { name: &'a [u8], zone: &'a Zone },
    /// `name` is in no zone served here (REFUSED).
    NoZone { name: &'a [u8] },
    /// A zone transfer was asked for: AXFR over UDP (REFUSED, RFC 5936 §4.2), a name below
    /// the apex (NOTAUTH, §2.2.1), or the apex (REFUSED here; over TCP, or IXFR over UDP, the
    /// transfer module then serves it to clients `allow_transfer` admits).
    Transfer { rcode: u16 },
    /// The name is synthesised from the wildcard `node` (RFC 4592).
    Wildcard { node: NodeRef<'a> },
    /// The name is below the zone cut `cut`: a referral.
    BelowCut { cut: NodeRef<'a> },
    /// `name` does not exist (NXDOMAIN).
    NxDomain { name: &'a [u8] },
    /// `name` is below the DNAME at `owner` and becomes `target` (RFC 6672).
    Dname {
        name: &'a [u8],
        owner: NodeRef<'a>,
        target: &'a [u8],
    },
    /// The DNAME at `owner` would make a name over 255 bytes (YXDOMAIN).
    DnameTooLong { owner: NodeRef<'a> },
    /// `node` is a zone cut: a referral.
    Delegation { node: NodeRef<'a> },
    /// `name` is an alias for `target`.
    Cname { name: &'a [u8], target: &'a [u8] },
    /// The chain came back to `name`, already answered: it stops here.
    Loop { name: &'a [u8] },
    /// The chain leads out of the zone to `target`: it ends here.
    OutsideZone { target: &'a [u8] },
    /// The chain reached its longest length and stops.
    ChainTooLong,
    /// A steered name asked for a type that is not steered (only A and AAAA are).
    NotSteered { qtype: u16 },
    /// Steering starts at a steered name: the service, the type and the client.
    Steered {
        service: &'a Service,
        qtype: u16,
        client: &'a Client,
    },
    /// What the steering decided, and the zone file's records it falls back to, if any.
    Decision {
        service: &'a Service,
        decision: &'a Decision,
        qtype: u16,
        fallback: Option<RRsetRef<'a>>,
    },
    /// The RRset `set` at `node` answers.
    Answer {
        zone: &'a Zone,
        node: NodeRef<'a>,
        set: RRsetRef<'a>,
    },
    /// ANY at `node`: every RRset, or over UDP one (RFC 8482).
    Any { node: NodeRef<'a>, udp: bool },
    /// `node` exists but has no records of `qtype` (NODATA).
    NoData { node: NodeRef<'a>, qtype: u16 },
    /// The answer did not fit: TC set.
    Truncated,
    /// The response as sent.
    Response { message: &'a [u8] },
}

/// Receives the steps of answering (and, as a [`policy::Recorder`], those of a steering
/// decision). Callers record only when [`policy::Recorder::enabled`] says so.
pub trait Recorder: policy::Recorder {
    fn step(&mut self, step: Step<'_>);
}

impl Recorder for NoRecord {
    #[inline(always)]
    fn step(&mut self, _step: Step<'_>) {}
}
