//! DNS wire format pieces used on the query path: names, type codes, query parsing and the
//! response writer; and the codecs DNSSEC records share (type bitmaps, base32hex).

pub mod base32hex;
pub mod name;
pub mod rtype;
pub mod type_bitmap;

pub use name::{Name, NameError};
pub mod query;
pub mod writer;
