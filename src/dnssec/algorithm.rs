//! DNSSEC algorithm numbers (the IANA registry, RFC 8624) and what this server does with each:
//! it signs with ECDSAP256SHA256 (13, RFC 6605) and ED25519 (15, RFC 8080), and verifies those
//! and RSASHA256 (8), RSASHA512 (10) and ECDSAP384SHA384 (14), so that zones signed elsewhere
//! can be checked.

use std::fmt;
use std::str::FromStr;

use crate::config::zones::SigningAlgorithm;

/// An algorithm this server can sign or verify with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// RSA/SHA-256 (RFC 5702): verification only.
    RsaSha256,
    /// RSA/SHA-512 (RFC 5702): verification only.
    RsaSha512,
    /// ECDSA on P-256 with SHA-256 (RFC 6605): signing and verification; the default.
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384 (RFC 6605): verification only.
    EcdsaP384Sha384,
    /// Ed25519 (RFC 8080): signing and verification.
    Ed25519,
}

impl Algorithm {
    /// Every algorithm this server knows.
    pub const ALL: [Algorithm; 5] = [
        Algorithm::RsaSha256,
        Algorithm::RsaSha512,
        Algorithm::EcdsaP256Sha256,
        Algorithm::EcdsaP384Sha384,
        Algorithm::Ed25519,
    ];

    /// The number in DNSKEY, RRSIG and DS records.
    pub fn number(self) -> u8 {
        match self {
            Algorithm::RsaSha256 => 8,
            Algorithm::RsaSha512 => 10,
            Algorithm::EcdsaP256Sha256 => 13,
            Algorithm::EcdsaP384Sha384 => 14,
            Algorithm::Ed25519 => 15,
        }
    }

    /// The algorithm with this number, if this server knows it.
    pub fn from_number(number: u8) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.number() == number)
    }

    /// The registry mnemonic, as BIND writes it in key files (`ECDSAP256SHA256`).
    pub fn mnemonic(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "RSASHA256",
            Algorithm::RsaSha512 => "RSASHA512",
            Algorithm::EcdsaP256Sha256 => "ECDSAP256SHA256",
            Algorithm::EcdsaP384Sha384 => "ECDSAP384SHA384",
            Algorithm::Ed25519 => "ED25519",
        }
    }

    /// Whether this server can make keys and signatures with it (not only check them).
    pub fn can_sign(self) -> bool {
        matches!(self, Algorithm::EcdsaP256Sha256 | Algorithm::Ed25519)
    }

    /// The algorithms this server signs with, for error messages and help.
    pub fn signing_names() -> &'static str {
        "ecdsap256sha256, ed25519"
    }
}

impl From<SigningAlgorithm> for Algorithm {
    fn from(algorithm: SigningAlgorithm) -> Algorithm {
        match algorithm {
            SigningAlgorithm::Ecdsap256sha256 => Algorithm::EcdsaP256Sha256,
            SigningAlgorithm::Ed25519 => Algorithm::Ed25519,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.mnemonic())
    }
}

/// An algorithm name or number that is not one of [`Algorithm::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown DNSSEC algorithm {0:?} (known: rsasha256, rsasha512, ecdsap256sha256, ecdsap384sha384, ed25519)"
)]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// The mnemonic in any case (`ecdsap256sha256`, `ED25519`) or the number (`13`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let found = match text.parse::<u8>() {
            Ok(number) => Algorithm::from_number(number),
            Err(_) => Algorithm::ALL
                .into_iter()
                .find(|a| a.mnemonic().eq_ignore_ascii_case(text)),
        };
        found.ok_or_else(|| UnknownAlgorithm(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip() {
        for algorithm in Algorithm::ALL {
            assert_eq!(Algorithm::from_number(algorithm.number()), Some(algorithm));
            assert_eq!(algorithm.mnemonic().parse::<Algorithm>(), Ok(algorithm));
            let lower = algorithm.mnemonic().to_ascii_lowercase();
            assert_eq!(lower.parse::<Algorithm>(), Ok(algorithm));
        }
        assert_eq!("13".parse::<Algorithm>(), Ok(Algorithm::EcdsaP256Sha256));
        assert!("5".parse::<Algorithm>().is_err());
        assert!("rsasha1".parse::<Algorithm>().is_err());
        assert_eq!(Algorithm::from_number(5), None);
        assert!(Algorithm::Ed25519.can_sign());
        assert!(!Algorithm::RsaSha256.can_sign());
        assert_eq!(
            Algorithm::from(SigningAlgorithm::default()),
            Algorithm::EcdsaP256Sha256
        );
        assert_eq!(
            Algorithm::from(SigningAlgorithm::Ed25519),
            Algorithm::Ed25519
        );
    }
}
