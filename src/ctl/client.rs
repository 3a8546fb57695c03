//! A small HTTP/1.1 client for the admin API (one request per connection, hyper's client
//! connection over a tokio TCP stream on a current-thread runtime), with the bearer token.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;

use super::CtlError;

/// How long one request may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Largest response read.
const MAX_RESPONSE: usize = 16 << 20;

/// An answer from the admin API.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The server's `error` field, else the body as text.
    pub fn error_text(&self) -> String {
        match self.json().get("error").and_then(|e| e.as_str()) {
            Some(error) => error.to_string(),
            None => String::from_utf8_lossy(&self.body).trim().to_string(),
        }
    }
}

/// Where the admin API is and how to authenticate.
#[derive(Debug, Clone)]
pub struct AdminClient {
    /// `host:port`.
    pub address: String,
    pub token: Option<String>,
}

impl AdminClient {
    pub fn get(&self, path: &str) -> Result<Reply, CtlError> {
        self.send(Method::GET, path, None)
    }

    pub fn post(&self, path: &str, body: Option<&str>) -> Result<Reply, CtlError> {
        self.send(Method::POST, path, body)
    }

    fn send(&self, method: Method, path: &str, body: Option<&str>) -> Result<Reply, CtlError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CtlError::Http(format!("cannot start the client: {e}")))?;
        let exchange = self.exchange(method, path, body);
        runtime
            .block_on(async { tokio::time::timeout(TIMEOUT, exchange).await })
            .map_err(|_| CtlError::Timeout {
                address: self.address.clone(),
                seconds: TIMEOUT.as_secs(),
            })?
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Result<Reply, CtlError> {
        let stream = tokio::net::TcpStream::connect(&self.address)
            .await
            .map_err(|source| CtlError::Connect {
                address: self.address.clone(),
                source,
            })?;
        let http = |e: hyper::Error| CtlError::Http(format!("{}: {e}", self.address));
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(http)?;
        tokio::spawn(connection);
        let body = body.unwrap_or("").to_string();
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.address)
            .header(
                header::USER_AGENT,
                concat!("switchyard-ctl/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| CtlError::Usage(format!("bad request {path:?}: {e}")))?;
        if let Some(token) = &self.token {
            let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                CtlError::Usage("the token holds characters a header cannot".into())
            })?;
            request.headers_mut().insert(header::AUTHORIZATION, value);
        }
        let response = sender.send_request(request).await.map_err(http)?;
        let status = response.status().as_u16();
        let limited = http_body_util::Limited::new(response.into_body(), MAX_RESPONSE);
        let body = limited
            .collect()
            .await
            .map_err(|e| CtlError::Http(format!("{}: reading the answer: {e}", self.address)))?
            .to_bytes()
            .to_vec();
        Ok(Reply { status, body })
    }
}

/// Escapes a path segment or query value (everything but unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_segments_and_values() {
        assert_eq!(super::encode("ams"), "ams");
        assert_eq!(super::encode("2001:db8::1"), "2001%3Adb8%3A%3A1");
        assert_eq!(super::encode("192.0.2.0/24"), "192.0.2.0%2F24");
        assert_eq!(super::encode("a b&c"), "a%20b%26c");
    }
}
