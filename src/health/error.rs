//! Errors of the health module: bad check settings, TLS setup, the state file, operator actions.

use std::net::IpAddr;
use std::path::PathBuf;

/// What can go wrong while setting up probes or changing operator state.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// Probers are tokio tasks; the registry must be created inside a runtime.
    #[error("health probes need a tokio runtime; create the registry inside one")]
    NoRuntime,
    /// A check's settings cannot be probed as written.
    #[error("check {check:?}: {message}")]
    InvalidCheck { check: String, message: String },
    /// The check's `ca_file` could not be read.
    #[error("check {check:?}: ca_file {path}: {source}")]
    CaFileRead {
        check: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The check's `ca_file` holds no usable PEM certificate.
    #[error("check {check:?}: ca_file {path}: {message}")]
    CaFileContent {
        check: String,
        path: PathBuf,
        message: String,
    },
    /// The TLS client configuration could not be built (for example no trusted roots at all).
    #[error("check {check:?}: TLS setup: {source}")]
    Tls {
        check: String,
        #[source]
        source: rustls::Error,
    },
    /// The HTTP client could not be built.
    #[error("check {check:?}: HTTP client: {source}")]
    HttpClient {
        check: String,
        #[source]
        source: reqwest::Error,
    },
    /// The state file exists but could not be read.
    #[error("state file {path}: cannot read: {source}")]
    StateFileRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The state file is not what this version writes.
    #[error("state file {path}: corrupt: {message}")]
    StateFileCorrupt { path: PathBuf, message: String },
    /// The state file could not be written; the operator action was not applied.
    #[error("state file {path}: cannot write, change not applied: {source}")]
    StateFileWrite {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Drain or undrain of a datacenter the configuration does not name.
    #[error("unknown datacenter {0:?}")]
    UnknownDatacenter(String),
    /// Force of an address that no configured target serves.
    #[error("no target serves address {0}")]
    UnknownTarget(IpAddr),
}
