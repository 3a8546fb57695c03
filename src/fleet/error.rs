//! Errors of the fleet: the shared secret and the gossip socket.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What stops the fleet from starting.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// The secret file could not be read.
    #[error("{path}: fleet.secret_file: cannot read: {source}")]
    SecretRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The secret file does not hold a usable secret.
    #[error("{path}: fleet.secret_file: {message}")]
    SecretContent { path: PathBuf, message: String },
    /// The gossip address could not be bound.
    #[error("fleet.listen: cannot bind {address}/UDP: {source}")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The gossip library refused to start.
    #[error("fleet: cannot start gossip: {0}")]
    Gossip(String),
}
