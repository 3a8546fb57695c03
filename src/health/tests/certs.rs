//! Certificates for the https tests, made with rcgen: a test CA and what it signs, an expired
//! certificate, and a self-signed one.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// A certificate authority for tests.
pub(crate) struct TestCa {
    pub pem: String,
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

/// A server certificate chain and its key.
pub(crate) struct ServerCert {
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

impl TestCa {
    pub(crate) fn new() -> TestCa {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Switchyard Test CA");
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).expect("CA certificate");
        TestCa {
            pem: cert.pem(),
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate for `name`, valid now (or expired in 2021 when `expired`).
    pub(crate) fn issue(&self, name: &str, expired: bool) -> ServerCert {
        let key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(vec![name.to_string()]).expect("server params");
        params.distinguished_name.push(DnType::CommonName, name);
        if expired {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        }
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        ServerCert {
            chain: vec![cert.der().clone(), self.der.clone()],
            key: key.serialize_der(),
        }
    }
}

impl ServerCert {
    /// A self-signed certificate for `name`, trusted by no one.
    pub(crate) fn self_signed(name: &str) -> ServerCert {
        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(vec![name.to_string()]).expect("params");
        let cert = params.self_signed(&key).expect("self-signed");
        ServerCert {
            chain: vec![cert.der().clone()],
            key: key.serialize_der(),
        }
    }

    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(self.chain.clone(), key)
        .expect("server config");
        TlsAcceptor::from(Arc::new(config))
    }
}
