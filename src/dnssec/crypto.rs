//! Private keys and the signature primitives, over `ring`: making a key, building one from the
//! raw parts stored in a key file (the ECDSA scalar or the Ed25519 seed, and the public key as
//! DNSKEY carries it), signing, and verifying a signature with a DNSKEY's public key.
//!
//! Formats as DNSSEC writes them: an ECDSA public key is `x || y` without the `0x04` prefix
//! (RFC 6605 §4) and a signature is `r || s`; Ed25519 keys and signatures are the RFC 8032 bytes
//! (RFC 8080 §3); an RSA public key is RFC 3110's exponent length, exponent, modulus.

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self as ring_sig, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};

use super::algorithm::Algorithm;

/// Length of an ECDSA P-256 scalar and of an Ed25519 seed, the two private keys we hold.
pub const PRIVATE_KEY_LEN: usize = 32;

/// The PKCS#8 document `ring` makes for a new P-256 key is a fixed template:
/// prefix ‖ scalar ‖ middle ‖ uncompressed public point. These are the prefix and middle of
/// ring's `ecPublicKey_p256_pkcs8_v1_template.der`; a document that does not start with them
/// is refused rather than read at the wrong place.
const P256_PKCS8_PREFIX: [u8; 36] = [
    0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x6d, 0x30, 0x6b, 0x02,
    0x01, 0x01, 0x04, 0x20,
];
const P256_PKCS8_MIDDLE: [u8; 5] = [0xa1, 0x44, 0x03, 0x42, 0x00];

/// Why a key could not be made, read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("{0} keys cannot sign here (signing algorithms: {names})", names = Algorithm::signing_names())]
    CannotSign(Algorithm),
    #[error("{what} is {found} bytes; {algorithm} needs {expected}")]
    WrongLength {
        what: &'static str,
        algorithm: Algorithm,
        expected: usize,
        found: usize,
    },
    #[error("the private key does not match the public key")]
    Mismatch,
    #[error("the key is not valid for {0}: {1}")]
    Rejected(Algorithm, String),
    #[error("no random numbers from the system")]
    Random,
}

/// Why a signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFailure {
    #[error("the public key is malformed")]
    BadPublicKey,
    #[error("the signature does not match")]
    BadSignature,
}

enum Pair {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key that signs: the key pair `ring` uses, plus the raw private bytes for the key
/// file and the public key as DNSKEY carries it. Safe to share between threads; `Debug` shows
/// no secret.
pub struct SigningKey {
    algorithm: Algorithm,
    pair: Pair,
    private: [u8; PRIVATE_KEY_LEN],
    public: Vec<u8>,
    rng: SystemRandom,
}

impl SigningKey {
    /// A new key from the system's random numbers.
    pub fn generate(algorithm: Algorithm) -> Result<SigningKey, CryptoError> {
        let rng = SystemRandom::new();
        match algorithm {
            Algorithm::EcdsaP256Sha256 => {
                let signing = &ring_sig::ECDSA_P256_SHA256_FIXED_SIGNING;
                let document =
                    EcdsaKeyPair::generate_pkcs8(signing, &rng).map_err(|_| CryptoError::Random)?;
                let (private, public) = p256_parts(document.as_ref())
                    .ok_or_else(|| rejected(algorithm, "unexpected PKCS#8 layout from ring"))?;
                SigningKey::from_parts(algorithm, private, public)
            }
            Algorithm::Ed25519 => {
                let mut seed = [0u8; PRIVATE_KEY_LEN];
                rng.fill(&mut seed).map_err(|_| CryptoError::Random)?;
                let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
                    .map_err(|e| rejected(algorithm, &e.to_string()))?;
                let public = pair.public_key().as_ref().to_vec();
                SigningKey::from_parts(algorithm, &seed, &public)
            }
            other => Err(CryptoError::CannotSign(other)),
        }
    }

    /// The key from its raw parts: the private scalar (ECDSA) or seed (Ed25519), and the public
    /// key as DNSKEY carries it. Refuses parts of the wrong length and parts that do not belong
    /// together.
    pub fn from_parts(
        algorithm: Algorithm,
        private: &[u8],
        public: &[u8],
    ) -> Result<SigningKey, CryptoError> {
        let expected_public = match algorithm {
            Algorithm::EcdsaP256Sha256 => 64,
            Algorithm::Ed25519 => 32,
            other => return Err(CryptoError::CannotSign(other)),
        };
        let wrong_length = || CryptoError::WrongLength {
            what: "the private key",
            algorithm,
            expected: PRIVATE_KEY_LEN,
            found: private.len(),
        };
        // An ECDSA scalar is a number: BIND and OpenSSL write it without its leading zero
        // bytes (one key in 256 has a 31-byte one), so a short one is padded back.
        let mut padded = [0u8; PRIVATE_KEY_LEN];
        let private: [u8; PRIVATE_KEY_LEN] = match algorithm {
            Algorithm::EcdsaP256Sha256
                if !private.is_empty() && private.len() < PRIVATE_KEY_LEN =>
            {
                padded[PRIVATE_KEY_LEN - private.len()..].copy_from_slice(private);
                padded
            }
            _ => private.try_into().map_err(|_| wrong_length())?,
        };
        if public.len() != expected_public {
            return Err(CryptoError::WrongLength {
                what: "the public key",
                algorithm,
                expected: expected_public,
                found: public.len(),
            });
        }
        let pair = if algorithm == Algorithm::Ed25519 {
            ed25519_pair(&private, public)
        } else {
            ecdsa_pair(&private, public)
        };
        let pair = pair.map_err(|reason| match reason.as_str() {
            "InconsistentComponents" => CryptoError::Mismatch,
            _ => CryptoError::Rejected(algorithm, reason),
        })?;
        Ok(SigningKey {
            algorithm,
            pair,
            private,
            public: public.to_vec(),
            rng: SystemRandom::new(),
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The public key as the DNSKEY record carries it.
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }

    /// The private scalar or seed, as BIND's `PrivateKey:` field holds it.
    pub fn private_key(&self) -> &[u8] {
        &self.private
    }

    /// Signs `message`: 64 bytes for both algorithms (`r || s` for ECDSA). ECDSA signatures are
    /// randomised; Ed25519 signatures are the same for the same message.
    pub fn sign(&self, message: &[u8]) -> Result<ring_sig::Signature, CryptoError> {
        match &self.pair {
            Pair::Ecdsa(pair) => pair
                .sign(&self.rng, message)
                .map_err(|_| CryptoError::Random),
            Pair::Ed25519(pair) => Ok(pair.sign(message)),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn rejected(algorithm: Algorithm, reason: &str) -> CryptoError {
    CryptoError::Rejected(algorithm, reason.to_string())
}

/// The scalar and the public key (`x || y`) in a PKCS#8 document of ring's P-256 template.
fn p256_parts(document: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = document.strip_prefix(&P256_PKCS8_PREFIX[..])?;
    let (scalar, rest) = rest.split_at_checked(PRIVATE_KEY_LEN)?;
    let point = rest.strip_prefix(&P256_PKCS8_MIDDLE[..])?;
    let xy = point.strip_prefix(&[0x04][..])?;
    (xy.len() == 64).then_some((scalar, xy))
}

fn ecdsa_pair(private: &[u8], public: &[u8]) -> Result<Pair, String> {
    let mut point = [0u8; 65];
    point[0] = 0x04;
    point[1..].copy_from_slice(public);
    EcdsaKeyPair::from_private_key_and_public_key(
        &ring_sig::ECDSA_P256_SHA256_FIXED_SIGNING,
        private,
        &point,
        &SystemRandom::new(),
    )
    .map(Pair::Ecdsa)
    .map_err(|e| e.to_string())
}

fn ed25519_pair(private: &[u8], public: &[u8]) -> Result<Pair, String> {
    Ed25519KeyPair::from_seed_and_public_key(private, public)
        .map(Pair::Ed25519)
        .map_err(|e| e.to_string())
}

/// Checks `signature` over `message` with a DNSKEY's public key field.
pub fn verify(
    algorithm: Algorithm,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyFailure> {
    let checked = match algorithm {
        Algorithm::EcdsaP256Sha256 => ecdsa_verify(
            &ring_sig::ECDSA_P256_SHA256_FIXED,
            64,
            public_key,
            message,
            signature,
        )?,
        Algorithm::EcdsaP384Sha384 => ecdsa_verify(
            &ring_sig::ECDSA_P384_SHA384_FIXED,
            96,
            public_key,
            message,
            signature,
        )?,
        Algorithm::Ed25519 => {
            if public_key.len() != 32 {
                return Err(VerifyFailure::BadPublicKey);
            }
            ring_sig::UnparsedPublicKey::new(&ring_sig::ED25519, public_key)
                .verify(message, signature)
        }
        Algorithm::RsaSha256 | Algorithm::RsaSha512 => {
            let (e, n) = rsa_components(public_key).ok_or(VerifyFailure::BadPublicKey)?;
            let parameters = if algorithm == Algorithm::RsaSha256 {
                &ring_sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
            } else {
                &ring_sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
            };
            ring_sig::RsaPublicKeyComponents { n, e }.verify(parameters, message, signature)
        }
    };
    checked.map_err(|_| VerifyFailure::BadSignature)
}

fn ecdsa_verify(
    parameters: &'static ring_sig::EcdsaVerificationAlgorithm,
    key_len: usize,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<Result<(), ring::error::Unspecified>, VerifyFailure> {
    if public_key.len() != key_len {
        return Err(VerifyFailure::BadPublicKey);
    }
    let mut point = [0u8; 97];
    point[0] = 0x04;
    point[1..=key_len].copy_from_slice(public_key);
    Ok(ring_sig::UnparsedPublicKey::new(parameters, &point[..=key_len]).verify(message, signature))
}

/// RFC 3110 §2: the exponent's length in one byte (or, when that byte is 0, in the next two),
/// the exponent, then the modulus. Leading zero bytes of the modulus are dropped for ring.
fn rsa_components(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = key.split_first()?;
    let (exponent_len, rest) = if first == 0 {
        let (len, rest) = rest.split_at_checked(2)?;
        (usize::from(u16::from_be_bytes([len[0], len[1]])), rest)
    } else {
        (usize::from(first), rest)
    };
    let (exponent, modulus) = rest.split_at_checked(exponent_len)?;
    let start = modulus.iter().position(|&b| b != 0)?;
    Some((exponent, &modulus[start..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_sign_and_verify() {
        for algorithm in [Algorithm::EcdsaP256Sha256, Algorithm::Ed25519] {
            let key = SigningKey::generate(algorithm).unwrap();
            let signature = key.sign(b"message").unwrap();
            assert_eq!(signature.as_ref().len(), 64);
            verify(algorithm, key.public_key(), b"message", signature.as_ref()).unwrap();
            assert_eq!(
                verify(algorithm, key.public_key(), b"massage", signature.as_ref()),
                Err(VerifyFailure::BadSignature)
            );
            // Rebuilt from what a key file keeps, it makes signatures the original accepts.
            let again =
                SigningKey::from_parts(algorithm, key.private_key(), key.public_key()).unwrap();
            let signature = again.sign(b"other").unwrap();
            verify(algorithm, key.public_key(), b"other", signature.as_ref()).unwrap();
            assert!(!format!("{key:?}").contains(&format!("{:?}", key.private_key())));
        }
    }

    #[test]
    fn parts_that_do_not_belong_together_are_refused() {
        for algorithm in [Algorithm::EcdsaP256Sha256, Algorithm::Ed25519] {
            let one = SigningKey::generate(algorithm).unwrap();
            let two = SigningKey::generate(algorithm).unwrap();
            let mixed = SigningKey::from_parts(algorithm, one.private_key(), two.public_key());
            assert_eq!(mixed.unwrap_err(), CryptoError::Mismatch, "{algorithm}");
            // A short ECDSA scalar is padded (key files drop its leading zeros), so it only
            // fails as not belonging to the public key; an Ed25519 seed has no such form.
            let short = SigningKey::from_parts(algorithm, &[1; 31], one.public_key());
            if algorithm == Algorithm::Ed25519 {
                assert!(matches!(
                    short,
                    Err(CryptoError::WrongLength { found: 31, .. })
                ));
            } else {
                assert_eq!(short.unwrap_err(), CryptoError::Mismatch);
            }
            let long = SigningKey::from_parts(algorithm, &[1; 33], one.public_key());
            assert!(matches!(
                long,
                Err(CryptoError::WrongLength { found: 33, .. })
            ));
            let long_public = [one.public_key(), &[0]].concat();
            let long = SigningKey::from_parts(algorithm, one.private_key(), &long_public);
            assert!(matches!(long, Err(CryptoError::WrongLength { .. })));
        }
        // A P-256 scalar of zero (or above the group order) is no key.
        let key = SigningKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
        let zero = SigningKey::from_parts(Algorithm::EcdsaP256Sha256, &[0; 32], key.public_key());
        assert!(zero.is_err());
        let rsa = SigningKey::from_parts(Algorithm::RsaSha256, &[0; 32], &[0; 64]);
        assert_eq!(
            rsa.unwrap_err(),
            CryptoError::CannotSign(Algorithm::RsaSha256)
        );
    }

    #[test]
    fn malformed_public_keys_do_not_verify() {
        for (algorithm, key) in [
            (Algorithm::EcdsaP256Sha256, &[4u8; 63][..]),
            (Algorithm::EcdsaP384Sha384, &[4u8; 64][..]),
            (Algorithm::Ed25519, &[1u8; 31][..]),
            (Algorithm::RsaSha256, &[][..]),
            (Algorithm::RsaSha256, &[3, 1, 0][..]),
            (Algorithm::RsaSha512, &[0, 0][..]),
        ] {
            assert_eq!(
                verify(algorithm, key, b"m", &[0; 64]),
                Err(VerifyFailure::BadPublicKey),
                "{algorithm} {key:?}"
            );
        }
        assert_eq!(
            rsa_components(&[1, 3, 0, 0xc5]),
            Some((&[3u8][..], &[0xc5u8][..]))
        );
        assert_eq!(
            rsa_components(&[0, 0, 1, 3, 0xc5]),
            Some((&[3u8][..], &[0xc5u8][..]))
        );
    }
}
