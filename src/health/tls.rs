//! TLS client settings for https probes: the platform's roots plus an optional `ca_file`, or no
//! verification at all when a check says `insecure = true`. Always the ring provider.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use rustls_platform_verifier::Verifier;

use crate::config::{CheckConfig, CheckType};

use super::error::HealthError;

/// How a check verifies servers; checks with equal keys share one [`ClientConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum TlsKey {
    /// Plain http: the TLS settings are never used (reqwest still wants a backend).
    Plain,
    /// https without verification.
    Insecure,
    /// https verified against the platform roots, plus the PEM certificates of `ca_file`.
    Verified { ca_file: Option<String> },
}

impl TlsKey {
    pub(crate) fn of(check: &CheckConfig) -> TlsKey {
        match check.kind {
            CheckType::Https if check.insecure => TlsKey::Insecure,
            CheckType::Https => TlsKey::Verified {
                ca_file: check.ca_file.clone(),
            },
            CheckType::Http | CheckType::Tcp => TlsKey::Plain,
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// Builds the rustls settings for a check (`name` only labels errors). Reads `ca_file` and the
/// platform's root store, so call it off the query path.
pub(crate) fn client_config(name: &str, key: &TlsKey) -> Result<ClientConfig, HealthError> {
    let provider = provider();
    let verifier: Arc<dyn ServerCertVerifier> = match key {
        TlsKey::Plain | TlsKey::Insecure => Arc::new(NoVerification(provider.clone())),
        TlsKey::Verified { ca_file } => {
            let extra = match ca_file {
                Some(path) => read_ca_file(name, Path::new(path))?,
                None => Vec::new(),
            };
            let verifier =
                Verifier::new_with_extra_roots(extra, provider.clone()).map_err(|source| {
                    HealthError::Tls {
                        check: name.to_string(),
                        source,
                    }
                })?;
            Arc::new(verifier)
        }
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|source| HealthError::Tls {
            check: name.to_string(),
            source,
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // HTTP/1.1 only: probes are one request on a fresh connection.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Reads every certificate in a PEM file; a file without one is an error.
fn read_ca_file(name: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, HealthError> {
    let bytes = std::fs::read(path).map_err(|source| HealthError::CaFileRead {
        check: name.to_string(),
        path: path.to_path_buf(),
        source,
    })?;
    let content_error = |message: String| HealthError::CaFileContent {
        check: name.to_string(),
        path: path.to_path_buf(),
        message,
    };
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| content_error(format!("bad PEM: {e}")))?;
    if certs.is_empty() {
        return Err(content_error("no PEM CERTIFICATE in the file".into()));
    }
    Ok(certs)
}

/// Reads the files a check names (today its `ca_file`) and builds its TLS settings, so
/// `switchyard check` reports an unreadable or empty CA file before serving.
pub fn validate_check_files(name: &str, check: &CheckConfig) -> Result<(), HealthError> {
    client_config(name, &TlsKey::of(check)).map(|_| ())
}

/// Accepts any certificate (`insecure = true`) but still checks the handshake signatures, so
/// the connection is at least made with the key the server presented.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
