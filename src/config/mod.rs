//! The configuration file: serde types, loading and validation.

pub mod duration;
pub mod types;

pub use duration::Duration;
pub use types::*;
