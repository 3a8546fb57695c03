//! Answers from zone data, following RFC 1034 §4.3.2: exact matches, CNAME chains inside the
//! zone, DNAME substitution (RFC 6672), wildcards (RFC 4592), referrals at zone cuts, NXDOMAIN
//! and NODATA with the SOA (RFC 2308), the additional section, and minimal ANY over UDP
//! (RFC 8482).
//!
//! | file | concept |
//! |---|---|
//! | `mod.rs` | [`ZoneOutcome`] and [`SteerHook`]: what the walk reports and asks of its caller |
//! | `walk.rs` | [`answer`]: the walk from the question name along CNAME and DNAME chains |
//! | `dname.rs` | DNAME substitution (RFC 6672): the DNAME and the CNAME synthesised from it |
//! | `sections.rs` | the negative SOA, ANY, referrals with their glue, additional addresses |
//! | `recorder.rs` | [`Recorder`]: the steps of the walk, for the decision trace |
//! | `signed.rs` | DO=1: RRSIGs with every RRset, NSEC/NSEC3 denial of existence |
//! | `prepared/` | answers written by [`answer`] at load time and copied at query time |
//!
//! This layer reads a zone and writes a message; it knows nothing of snapshots, steering
//! policies or transports (a steered name is answered through the caller's [`SteerHook`]).

mod dname;
pub mod prepared;
mod recorder;
mod sections;
mod signed;
mod walk;

pub use recorder::{NoRecord, Recorder, Step};
pub(crate) use sections::{negative, referral};
pub(crate) use signed::nxdomain_encloser;
pub use walk::answer;

use crate::wire::writer::{NoSpace, Writer};
use crate::zone::NodeRef;

/// How the zone answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneOutcome {
    pub rcode: u16,
    pub authoritative: bool,
    pub truncated: bool,
    /// The answer came from a steered name.
    pub steered: bool,
}

/// Answers A/AAAA at a steered name: given the writer, the service, the owner to write, the
/// node (for zone-file fallback records) and the recorder, writes the answer and says whether
/// it wrote any.
pub type SteerHook<'h, R> =
    dyn FnMut(&mut Writer<'_>, u32, &[u8], NodeRef<'_>, &mut R) -> Result<bool, NoSpace> + 'h;
