//! TCP probes: a connection accepted within the timeout is a success; it is closed at once.

use std::net::SocketAddr;

use tokio::net::TcpStream;

use super::probe::describe_error;

#[derive(Debug)]
pub(crate) struct TcpProbe {
    address: SocketAddr,
}

impl TcpProbe {
    pub(crate) fn new(address: SocketAddr) -> TcpProbe {
        TcpProbe { address }
    }

    /// One probe; the caller bounds it by the check's timeout.
    pub(crate) async fn probe(&self) -> Result<String, String> {
        match TcpStream::connect(self.address).await {
            Ok(stream) => {
                drop(stream);
                Ok("connected".to_string())
            }
            Err(e) => Err(describe_error(&e)),
        }
    }
}
