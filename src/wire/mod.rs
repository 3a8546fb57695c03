//! DNS wire format pieces used on the query path: names (whole, and inside a message where
//! they may be compressed), type codes, query parsing and the response writer; and the codecs
//! DNSSEC records share (type bitmaps, base32hex).
//!
//! | file | concept |
//! |---|---|
//! | `name.rs` | uncompressed names: [`Name`], the length of a wire name, labels |
//! | `compressed.rs` | names inside a message: skipping and expanding compressed names |
//! | `rtype.rs` | type, class and rcode numbers and their mnemonics |
//! | `query.rs` | parsing a query: header, question, OPT, TSIG |
//! | `writer/` | writing a response: sections, whole RRsets, size limit |
//! | `compression.rs` | the writer's compression targets (RFC 1035 §4.1.4) |
//! | `compare.rs` | case-insensitive comparison of wire bytes, a word at a time |
//! | `type_bitmap.rs`, `base32hex.rs` | codecs of NSEC/NSEC3/CSYNC type bitmaps and NSEC3 hashes |

pub mod base32hex;
pub(crate) mod compare;
pub mod compressed;
mod compression;
pub mod name;
pub mod rtype;
pub mod type_bitmap;

pub use name::{Name, NameError};
pub mod query;
pub mod writer;

/// Largest DNS message (the TCP length field; RFC 1035 §4.2.2).
pub const MAX_MESSAGE: usize = 65535;

/// How a query arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }
}
