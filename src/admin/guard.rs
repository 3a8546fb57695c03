//! Who may change things through the admin API: the bearer token (or, without a token file,
//! loopback peers only), and no request that a browser made on behalf of another site.
//!
//! A web page in the operator's browser can send a POST to `127.0.0.1:8053`; without a token
//! file the peer is loopback and would pass. So a mutating request is refused when a browser
//! says it comes from elsewhere: `Sec-Fetch-Site` other than `same-origin` or `none`, or an
//! `Origin` that is not this server's own (`http://` + the `Host` header). Without a token
//! file the `Host` must also be an IP address or `localhost`, which stops DNS rebinding (a
//! hostile name that resolves to 127.0.0.1 would otherwise be "same origin"). Clients that are
//! not browsers (curl, `switchyard ctl`, scripts) send none of these headers and are unaffected.

use std::net::{IpAddr, SocketAddr};

use hyper::header::{self, HeaderValue};
use hyper::{HeaderMap, Response, StatusCode};

use super::{Body, json};

/// The refusal of a mutating request, or `None` when it may proceed.
pub fn refuse(
    token: Option<&str>,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Option<Response<Body>> {
    if let Some(reason) = cross_site(headers, token.is_none()) {
        return Some(json(
            StatusCode::FORBIDDEN,
            &serde_json::json!({ "error": reason }),
        ));
    }
    match token {
        Some(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            if given.is_some_and(|given| same(given.as_bytes(), token.as_bytes())) {
                None
            } else {
                let mut response = json(
                    StatusCode::UNAUTHORIZED,
                    &serde_json::json!({"error": "a valid bearer token is required"}),
                );
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"switchyard\""),
                );
                Some(response)
            }
        }
        None if is_loopback(peer.ip()) => None,
        None => Some(json(
            StatusCode::FORBIDDEN,
            &serde_json::json!({
                "error": "changes are accepted from loopback only unless [admin] token_file is set"
            }),
        )),
    }
}

/// Why a request looks like one a browser sent for another site, if it does.
fn cross_site(headers: &HeaderMap, check_host: bool) -> Option<String> {
    let text = |name: header::HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site"))
        && site != "same-origin"
        && site != "none"
    {
        return Some(format!(
            "refused: a browser sent this request for another site (Sec-Fetch-Site: {site})"
        ));
    }
    let host = text(header::HOST).unwrap_or("");
    if let Some(origin) = text(header::ORIGIN) {
        let own = origin
            .strip_prefix("http://")
            .is_some_and(|rest| rest.eq_ignore_ascii_case(host));
        if !own {
            return Some(format!(
                "refused: the request comes from the page of another origin ({origin})"
            ));
        }
    }
    if check_host && !host.is_empty() && !literal_host(host) {
        return Some(format!(
            "refused: without [admin] token_file, changes need the server's address or \
             localhost as the Host, not {host:?}"
        ));
    }
    None
}

/// `127.0.0.1:8053`, `[::1]:8053`, `localhost:8053` (with or without the port).
fn literal_host(host: &str) -> bool {
    if host.parse::<SocketAddr>().is_ok() || host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let name = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            name
        } else {
            host
        }
    });
    name.eq_ignore_ascii_case("localhost")
}

pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
        v4 => v4.is_loopback(),
    }
}

/// Compares without stopping at the first difference (token checks leak no timing).
fn same(a: &[u8], b: &[u8]) -> bool {
    let mut difference = a.len() ^ b.len();
    for (i, &byte) in a.iter().enumerate() {
        difference |= usize::from(byte ^ b.get(i).copied().unwrap_or(0));
    }
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn helpers() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(!same(b"", b"x"));
        assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        assert!(!is_loopback("192.0.2.1".parse().unwrap()));
        for host in [
            "127.0.0.1:8053",
            "[::1]:8053",
            "localhost",
            "LOCALHOST:1",
            "::1",
        ] {
            assert!(literal_host(host), "{host}");
        }
        for host in ["evil.example:8053", "localhost.evil.example", "localhost:x"] {
            assert!(!literal_host(host), "{host}");
        }
    }

    #[test]
    fn browsers_acting_for_another_site_are_refused() {
        let plain = headers(&[("host", "127.0.0.1:8053")]);
        assert_eq!(cross_site(&plain, true), None, "curl");
        let own = headers(&[
            ("host", "127.0.0.1:8053"),
            ("origin", "http://127.0.0.1:8053"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(cross_site(&own, true), None, "the console");
        for bad in [
            headers(&[("host", "127.0.0.1:8053"), ("sec-fetch-site", "cross-site")]),
            headers(&[("host", "127.0.0.1:8053"), ("sec-fetch-site", "same-site")]),
            headers(&[
                ("host", "127.0.0.1:8053"),
                ("origin", "http://evil.example"),
            ]),
            headers(&[("host", "127.0.0.1:8053"), ("origin", "null")]),
            headers(&[
                ("host", "127.0.0.1:8053"),
                ("origin", "https://127.0.0.1:8053"),
            ]),
        ] {
            assert!(cross_site(&bad, false).is_some(), "{bad:?}");
        }
        let rebound = headers(&[
            ("host", "rebound.evil.example:8053"),
            ("origin", "http://rebound.evil.example:8053"),
        ]);
        assert!(cross_site(&rebound, true).is_some(), "DNS rebinding");
        assert_eq!(
            cross_site(&rebound, false),
            None,
            "with a token the name may be anything"
        );
    }
}
