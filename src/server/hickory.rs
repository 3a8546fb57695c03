//! hickory-server as an alternative transport (`[server] engine = "hickory"`).
//!
//! hickory-server receives and frames the queries and calls our [`RequestHandler`], which runs
//! the same [`respond`] as the native transports and hands the response back as a hickory
//! message. It is the portable engine (no `recvmmsg`), and it shows that the DNS logic does not
//! depend on the transport. It lacks what the native engine adds: batched UDP, TCP connection
//! caps per client, the whole-query deadline and response rate limiting.

use std::iter;
use std::net::{TcpListener as StdTcpListener, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::time::Duration;

use hickory_server::net::runtime::Time;
use hickory_server::net::xfer::Protocol;
use hickory_server::proto::op::{Header, HeaderCounts, Message};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use tokio::sync::watch;

use super::Shared;
use crate::answer::{MAX_MESSAGE, Transport, respond};

/// Our answer path behind hickory-server's request handling.
pub struct Handler {
    shared: Arc<Shared>,
}

impl Handler {
    pub fn new(shared: Arc<Shared>) -> Handler {
        Handler { shared }
    }
}

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let transport = match request.protocol() {
            Protocol::Udp => Transport::Udp,
            _ => Transport::Tcp,
        };
        let query = crate::answer::Request {
            packet: request.as_slice(),
            source: request.src(),
            transport,
        };
        let mut buffer = vec![0u8; MAX_MESSAGE];
        let snapshot = self.shared.snapshot.load();
        let no_response = ResponseInfo::from(Header {
            metadata: request.metadata,
            counts: HeaderCounts::default(),
        });
        let Some(summary) = respond(&snapshot, &query, &mut buffer) else {
            return no_response;
        };
        self.shared.observe(&snapshot, &query, &summary);
        drop(snapshot);
        let Ok(message) = Message::from_vec(&buffer[..summary.len]) else {
            tracing::warn!("hickory engine: could not decode our own response");
            return no_response;
        };
        let response = MessageResponseBuilder::new(&request.queries, message.edns.as_ref()).build(
            message.metadata,
            message.answers.iter(),
            message.authorities.iter(),
            iter::empty(),
            message.additionals.iter(),
        );
        match response_handle.send_response(response).await {
            Ok(info) => info,
            Err(error) => {
                tracing::debug!(%error, "hickory engine: sending the response failed");
                no_response
            }
        }
    }
}

/// Serves one UDP socket and one TCP listener with hickory-server until `stop` turns true.
pub async fn serve(
    udp: StdUdpSocket,
    tcp: StdTcpListener,
    shared: Arc<Shared>,
    idle_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    udp.set_nonblocking(true)?;
    tcp.set_nonblocking(true)?;
    let mut server = hickory_server::Server::new(Handler::new(shared));
    server.register_socket(tokio::net::UdpSocket::from_std(udp)?);
    server.register_listener(
        tokio::net::TcpListener::from_std(tcp)?,
        idle_timeout,
        MAX_MESSAGE,
    );
    let _ = stop.changed().await;
    server
        .shutdown_gracefully()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
}
