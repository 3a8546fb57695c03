//! DNSSEC: keys and their files, signatures, DS records, NSEC3 hashing and the key lifecycle.
//!
//! Nothing here reads the clock except [`time::now`] or touches the answer path; the zone
//! builder and the daemon call in.

pub mod algorithm;
pub mod canonical;
pub mod command;
pub mod crypto;
pub mod denial;
pub mod dnskey;
pub mod ds;
pub mod keydir;
pub mod keyfile;
pub mod nsec3;
pub mod policy;
pub mod presigned;
pub mod rollover;
pub mod rrsig;
mod sha1;
pub mod sign;
pub mod status;
pub mod time;
pub mod validity;

pub use algorithm::Algorithm;
