//! The configuration file: serde types, loading and validation.

pub mod cookies;
pub mod duration;
pub mod fleet;
pub mod load;
pub mod rules;
pub mod types;
pub mod validate;
pub mod zones;

pub use cookies::CookiesConfig;
pub use duration::Duration;
pub use load::{ConfigError, ConfigErrors, LoadedConfig, load, parse};
pub use rules::GeoRule;
pub use types::*;
pub use zones::{
    CatalogConfig, Denial, DnssecConfig, SerialPolicy, SigningAlgorithm, TransferAcl,
    TsigAlgorithm, TsigConfig, ZoneConfig, ZoneEntry,
};
