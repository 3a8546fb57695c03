//! HTTP and HTTPS probes: one GET on a fresh connection, judged by its status code.
//!
//! - Every probe opens a new connection (no pool, `Connection: close`): a backend whose accept
//!   loop or TLS handshake is broken must fail even if an old kept-alive connection still works.
//! - Redirects are never followed; a 3xx is a status like any other, accepted only if listed.
//! - At most [`BODY_LIMIT`] bytes of body are read, then the connection is dropped. A listed
//!   status is the backend's answer; an endless or huge body after it is still a success once
//!   the bound is read, and memory stays bounded. A body that breaks off (reset, garbage chunk
//!   encoding) before the bound or its end is a failure.
//! - The caller bounds the whole exchange (connect, TLS, headers, body) by the check's timeout.

use reqwest::header::{CONNECTION, HOST, HeaderValue};
use reqwest::{Client, Url, redirect};

use super::error::HealthError;
use super::probe::describe_error;
use super::spec::CheckSpec;
use crate::config::CheckType;

/// Body bytes read after an accepted status before the probe stops reading.
pub(crate) const BODY_LIMIT: usize = 4096;

/// The User-Agent every HTTP probe sends.
pub const USER_AGENT: &str = concat!("Switchyard-HealthCheck/", env!("CARGO_PKG_VERSION"));

/// A built HTTP(S) probe for one target.
#[derive(Debug)]
pub(crate) struct HttpProbe {
    client: Client,
    url: Url,
    host: Option<HeaderValue>,
    expect: Vec<u16>,
}

impl HttpProbe {
    /// Builds the client for one target. `tls` is shared by every target of the same check.
    ///
    /// With a `host`, the URL names the host (so SNI and certificate checks use it) and the
    /// client resolves that name to this target's probe address only; without one, the URL
    /// holds the address itself.
    pub(crate) fn build(spec: &CheckSpec, tls: rustls::ClientConfig) -> Result<Self, HealthError> {
        let config = &spec.config;
        let scheme = match config.kind {
            CheckType::Https => "https",
            CheckType::Http | CheckType::Tcp => "http",
        };
        let invalid = |message: String| HealthError::InvalidCheck {
            check: spec.name.clone(),
            message,
        };
        let address = spec.socket_address();
        let host = config
            .host
            .as_deref()
            .map(|h| h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase());
        let url = match &host {
            Some(host) => format!("{scheme}://{host}:{}{}", address.port(), config.path),
            None => format!("{scheme}://{address}{}", config.path),
        };
        let url = Url::parse(&url).map_err(|e| invalid(format!("cannot form URL {url:?}: {e}")))?;
        let header = match &host {
            Some(host) => Some(
                HeaderValue::from_str(host)
                    .map_err(|_| invalid(format!("host: {host:?} is not a header value")))?,
            ),
            None => None,
        };

        let timeout = config.timeout.get();
        let mut builder = Client::builder()
            .tls_backend_preconfigured(tls)
            .http1_only()
            .redirect(redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .no_proxy()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .connect_timeout(timeout)
            .tcp_nodelay(true)
            .referer(false);
        if let Some(host) = &host {
            builder = builder.resolve(host, address);
        }
        let client = builder.build().map_err(|source| HealthError::HttpClient {
            check: spec.name.clone(),
            source,
        })?;
        Ok(HttpProbe {
            client,
            url,
            host: header,
            expect: config.expect.clone(),
        })
    }

    /// One probe: `Ok` with what was seen (`status 200`) or `Err` with why it failed.
    pub(crate) async fn probe(&self) -> Result<String, String> {
        let mut request = self
            .client
            .get(self.url.clone())
            .header(CONNECTION, "close");
        if let Some(host) = &self.host {
            request = request.header(HOST, host.clone());
        }
        let mut response = request.send().await.map_err(|e| describe_error(&e))?;
        let status = response.status().as_u16();
        if !self.expect.contains(&status) {
            return Err(format!("status {status}"));
        }
        let mut read = 0;
        while read < BODY_LIMIT {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) => break,
                Err(e) => return Err(format!("status {status}, then {}", describe_error(&e))),
            }
        }
        Ok(format!("status {status}"))
    }
}
