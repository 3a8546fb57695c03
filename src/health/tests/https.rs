//! HTTPS probes: certificates verified against the roots plus `ca_file`, with SNI from `host`.

use std::net::IpAddr;
use std::time::Duration;

use super::backend::{Backend, Behavior};
use super::certs::{ServerCert, TestCa};
use super::{TempDir, assert_failed_within, check_for, eventually, probe_once};
use crate::config::{CheckConfig, CheckType};
use crate::health::{HealthError, validate_check_files};

fn localhost() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

async fn tls_backend(cert: &ServerCert) -> Backend {
    Backend::start_on(
        "127.0.0.1:0".parse().unwrap(),
        Behavior::Normal,
        Some(cert.acceptor()),
    )
    .await
    .expect("bind")
}

/// An https check of `backend` for `host`, trusting the test CA written to `dir`.
fn https_check(backend: &Backend, host: &str, ca: &TestCa, dir: &TempDir) -> CheckConfig {
    let ca_file = dir.path("ca.pem");
    std::fs::write(&ca_file, &ca.pem).unwrap();
    let mut config = check_for(CheckType::Https, backend.addr);
    config.host = Some(host.into());
    config.ca_file = Some(ca_file.to_string_lossy().into_owned());
    config
}

#[tokio::test]
async fn https_with_a_certificate_from_ca_file_passes() {
    let ca = TestCa::new();
    let backend = tls_backend(&ca.issue("backend.test", false)).await;
    let dir = TempDir::new();
    let config = https_check(&backend, "backend.test", &ca, &dir);

    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Ok("status 200".to_string()));
    let head = backend.requests()[0].to_ascii_lowercase();
    assert!(head.contains("\r\nhost: backend.test\r\n"), "{head}");

    backend.set_status(500);
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Err("status 500".to_string()));
}

#[tokio::test]
async fn https_without_the_ca_fails() {
    let ca = TestCa::new();
    let backend = tls_backend(&ca.issue("backend.test", false)).await;
    let mut config = check_for(CheckType::Https, backend.addr);
    config.host = Some("backend.test".into());
    let Ok(()) = validate_check_files("test", &config) else {
        eprintln!("no system roots here; the ca_file tests cover verification");
        return;
    };
    let outcome = probe_once(&config, localhost()).await;
    let reason = assert_failed_within(&outcome, &config);
    assert!(reason.starts_with("TLS error: "), "{reason}");
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[tokio::test]
async fn https_self_signed_fails_unless_insecure() {
    let ca = TestCa::new();
    let backend = tls_backend(&ServerCert::self_signed("backend.test")).await;
    let dir = TempDir::new();
    let mut config = https_check(&backend, "backend.test", &ca, &dir);

    let outcome = probe_once(&config, localhost()).await;
    let reason = assert_failed_within(&outcome, &config);
    assert!(reason.starts_with("TLS error: "), "{reason}");
    assert_eq!(
        backend.request_count(),
        0,
        "no request over an untrusted connection"
    );
    let refused = eventually(Duration::from_secs(1), || backend.tls_failures() >= 1).await;
    assert!(refused, "the backend saw the handshake fail");

    config.insecure = true;
    config.ca_file = None;
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Ok("status 200".to_string()));
}

#[tokio::test]
async fn https_expired_certificate_fails() {
    let ca = TestCa::new();
    let backend = tls_backend(&ca.issue("backend.test", true)).await;
    let dir = TempDir::new();
    let config = https_check(&backend, "backend.test", &ca, &dir);

    let outcome = probe_once(&config, localhost()).await;
    let reason = assert_failed_within(&outcome, &config);
    assert!(reason.starts_with("TLS error: "), "{reason}");
    assert!(reason.contains("certificate expired"), "{reason}");
    assert_eq!(backend.request_count(), 0);
}

#[tokio::test]
async fn https_wrong_name_fails() {
    let ca = TestCa::new();
    let backend = tls_backend(&ca.issue("backend.test", false)).await;
    let dir = TempDir::new();
    let config = https_check(&backend, "other.test", &ca, &dir);

    let outcome = probe_once(&config, localhost()).await;
    let reason = assert_failed_within(&outcome, &config);
    assert!(reason.starts_with("TLS error: "), "{reason}");
    assert!(
        reason.contains("not valid for name \"other.test\""),
        "{reason}"
    );
    assert_eq!(backend.request_count(), 0);
}

#[tokio::test]
async fn https_to_the_address_without_host_checks_the_address() {
    // The certificate names a host, the probe names only an address: verification fails.
    let ca = TestCa::new();
    let backend = tls_backend(&ca.issue("backend.test", false)).await;
    let dir = TempDir::new();
    let mut config = https_check(&backend, "backend.test", &ca, &dir);
    config.host = None;
    let outcome = probe_once(&config, localhost()).await;
    let reason = assert_failed_within(&outcome, &config);
    assert!(reason.starts_with("TLS error: "), "{reason}");

    // A certificate for the address itself passes.
    let backend = tls_backend(&ca.issue("127.0.0.1", false)).await;
    let mut config = https_check(&backend, "backend.test", &ca, &dir);
    config.host = None;
    let outcome = probe_once(&config, localhost()).await;
    assert_eq!(outcome.result, Ok("status 200".to_string()));
}

#[test]
fn unreadable_or_empty_ca_files_are_errors() {
    let dir = TempDir::new();
    let mut config = check_for(CheckType::Https, "127.0.0.1:443".parse().unwrap());
    config.ca_file = Some(dir.path("missing.pem").to_string_lossy().into_owned());
    let error = validate_check_files("web", &config).unwrap_err();
    assert!(matches!(error, HealthError::CaFileRead { .. }), "{error}");
    assert!(error.to_string().contains("missing.pem"), "{error}");

    let empty = dir.path("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    config.ca_file = Some(empty.to_string_lossy().into_owned());
    let error = validate_check_files("web", &config).unwrap_err();
    assert!(
        matches!(error, HealthError::CaFileContent { .. }),
        "{error}"
    );
}
