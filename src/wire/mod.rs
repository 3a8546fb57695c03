//! DNS wire format pieces used on the query path: names, type codes, query parsing and the
//! response writer.

pub mod name;
pub mod rtype;

pub use name::{Name, NameError};
pub mod query;
pub mod writer;
