//! HTTP and TCP probes against healthy local backends.

use std::net::{IpAddr, SocketAddr};

use super::backend::{Backend, Behavior};
use super::{assert_failed_within, check_for, probe_once};
use crate::config::CheckType;
use crate::health::USER_AGENT;

fn localhost() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

#[tokio::test]
async fn http_up_by_listed_status_and_down_otherwise() {
    let backend = Backend::start(Behavior::Normal).await;
    let config = check_for(CheckType::Http, backend.addr);

    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Ok("status 200".to_string()));

    backend.set_status(503);
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(assert_failed_within(&outcome, &config), "status 503");

    backend.set_status(204);
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Err("status 204".to_string()));

    let mut listed = config.clone();
    listed.expect = vec![200, 204];
    let outcome = probe_once(&listed, localhost()).await;
    assert_eq!(outcome.result, Ok("status 204".to_string()));

    // Any code can be listed, even an error: some endpoints answer 503 when draining on purpose.
    backend.set_status(418);
    let mut teapot = config.clone();
    teapot.expect = vec![418];
    assert!(probe_once(&teapot, localhost()).await.result.is_ok());
}

#[tokio::test]
async fn http_sends_host_user_agent_and_path() {
    let backend = Backend::start(Behavior::Normal).await;
    let mut config = check_for(CheckType::Http, backend.addr);
    config.path = "/healthz?deep=1".into();
    config.host = Some("www.example.com".into());

    let outcome = probe_once(&config, localhost()).await;
    assert!(outcome.result.is_ok(), "{outcome:?}");

    let requests = backend.requests();
    assert_eq!(requests.len(), 1);
    let head = requests[0].to_ascii_lowercase();
    assert!(
        head.starts_with("get /healthz?deep=1 http/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nhost: www.example.com\r\n"), "{head}");
    let agent = format!("\r\nuser-agent: {}\r\n", USER_AGENT.to_ascii_lowercase());
    assert!(head.contains(&agent), "{head}");
    assert!(USER_AGENT.starts_with("Switchyard-HealthCheck/"));
    assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
}

#[tokio::test]
async fn http_without_host_names_the_probe_address() {
    let backend = Backend::start(Behavior::Normal).await;
    let config = check_for(CheckType::Http, backend.addr);
    assert!(probe_once(&config, localhost()).await.result.is_ok());
    let head = backend.requests()[0].to_ascii_lowercase();
    let host = format!("\r\nhost: 127.0.0.1:{}\r\n", backend.addr.port());
    assert!(head.contains(&host), "{head}");
}

#[tokio::test]
async fn each_probe_uses_a_fresh_connection() {
    let backend = Backend::start(Behavior::Normal).await;
    let config = check_for(CheckType::Http, backend.addr);
    for _ in 0..3 {
        assert!(probe_once(&config, localhost()).await.result.is_ok());
    }
    assert_eq!(backend.request_count(), 3);
}

#[tokio::test]
async fn http_probes_ipv6_addresses() {
    let any: SocketAddr = "[::1]:0".parse().unwrap();
    let Ok(backend) = Backend::start_on(any, Behavior::Normal, None).await else {
        eprintln!("no IPv6 loopback here; skipping");
        return;
    };
    let mut config = check_for(CheckType::Http, backend.addr);
    let outcome = probe_once(&config, "::1".parse().unwrap()).await;
    assert_eq!(outcome.result, Ok("status 200".to_string()));
    let head = backend.requests()[0].to_ascii_lowercase();
    let host = format!("\r\nhost: [::1]:{}\r\n", backend.addr.port());
    assert!(head.contains(&host), "{head}");

    // The check's `address` replaces the served one.
    config.address = Some("::1".into());
    let outcome = probe_once(&config, "2001:db8::10".parse().unwrap()).await;
    assert!(outcome.result.is_ok(), "{outcome:?}");
}

#[tokio::test]
async fn http_to_a_closed_port_is_refused() {
    let closed = closed_port().await;
    let config = check_for(CheckType::Http, closed);
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(
        assert_failed_within(&outcome, &config),
        "connection refused"
    );
}

#[tokio::test]
async fn tcp_up_with_a_listener_and_down_without() {
    let backend = Backend::start(Behavior::Silent).await;
    let config = check_for(CheckType::Tcp, backend.addr);
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Ok("connected".to_string()));

    let closed = closed_port().await;
    let config = check_for(CheckType::Tcp, closed);
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(
        assert_failed_within(&outcome, &config),
        "connection refused"
    );
}

/// A local port with nothing listening on it.
pub(super) async fn closed_port() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}
