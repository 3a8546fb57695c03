//! Signing and verifying RRSIGs: known answers from RFC 6605 and RFC 8080, round trips, and
//! each reason a signature is refused.

use super::*;
use crate::dnssec::dnskey::dnskey_rdata;
use crate::dnssec::keyfile::decode_base64;
use crate::wire::rtype;

fn name(text: &str) -> Name {
    text.parse().unwrap()
}

/// An IN RRset header.
fn rrset(owner: &Name, rtype: u16, ttl: u32) -> RrsetHeader<'_> {
    RrsetHeader {
        owner,
        class: rtype::CLASS_IN,
        rtype,
        ttl,
    }
}

fn mx(preference: u16, exchange: &str) -> Vec<u8> {
    [&preference.to_be_bytes()[..], name(exchange).as_wire()].concat()
}

/// RFC 8080 §6.1: the Ed25519 key of example.com. (tag 3613) and its MX RRset.
fn rfc8080_key() -> (SigningKey, Vec<u8>) {
    let private = decode_base64("ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=").unwrap();
    let public = decode_base64("l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=").unwrap();
    let key = SigningKey::from_parts(Algorithm::Ed25519, &private, &public).unwrap();
    (key, dnskey_rdata(257, 15, &public))
}

#[test]
fn ed25519_signature_of_rfc_8080_is_reproduced_exactly() {
    let (key, dnskey) = rfc8080_key();
    assert_eq!(crate::dnssec::dnskey::key_tag(&dnskey), 3613);
    let zone = name("example.com.");
    let signer = Signer {
        key: &key,
        tag: 3613,
        zone: &zone,
    };
    let header = rrset(&zone, rtype::MX, 3600);
    let window = SignatureWindow {
        inception: 1_438_207_200,
        expiration: 1_440_021_600,
    };
    let exchange = mx(10, "mail.example.com.");
    let mut scratch = SignScratch::default();
    let rrsig = signer
        .sign(
            &header,
            [exchange.as_slice()],
            Validity::Window(window),
            &mut scratch,
        )
        .unwrap();
    let parsed = Rrsig::parse(&rrsig).unwrap();
    assert_eq!(
        (parsed.type_covered, parsed.algorithm, parsed.labels),
        (rtype::MX, 15, 2)
    );
    assert_eq!((parsed.original_ttl, parsed.key_tag), (3600, 3613));
    assert_eq!(
        (parsed.inception, parsed.expiration),
        (1_438_207_200, 1_440_021_600)
    );
    // Ed25519 is deterministic: the RFC's signature (as corrected in its errata), to the byte.
    let expected = decode_base64(
        "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==",
    )
    .unwrap();
    assert_eq!(parsed.signature, expected.as_slice());
    verify_rrsig(
        &rrsig,
        &header,
        [exchange.as_slice()],
        [dnskey.as_slice()],
        1_439_000_000,
        &mut scratch,
    )
    .unwrap();
}

#[test]
fn ecdsa_signature_of_rfc_6605_verifies() {
    // RFC 6605 §6.1: www.example.net. A 192.0.2.1 signed by the P-256 key with tag 55648.
    let public = decode_base64(
        "GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
    )
    .unwrap();
    let dnskey = dnskey_rdata(257, 13, &public);
    assert_eq!(crate::dnssec::dnskey::key_tag(&dnskey), 55648);
    let signature = decode_base64(
        "qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==",
    )
    .unwrap();
    let zone = name("example.net.");
    let mut rrsig = vec![0, 1, 13, 3, 0, 0, 0x0e, 0x10];
    rrsig.extend_from_slice(&1_284_026_679u32.to_be_bytes()); // 20100909100439
    rrsig.extend_from_slice(&1_281_607_479u32.to_be_bytes()); // 20100812100439
    rrsig.extend_from_slice(&55648u16.to_be_bytes());
    rrsig.extend_from_slice(zone.as_wire());
    rrsig.extend_from_slice(&signature);
    let owner = name("www.example.net.");
    let header = rrset(&owner, rtype::A, 3600);
    let mut scratch = SignScratch::default();
    let address: &[u8] = &[192, 0, 2, 1];
    verify_rrsig(
        &rrsig,
        &header,
        [address],
        [dnskey.as_slice()],
        1_282_000_000,
        &mut scratch,
    )
    .unwrap();
    let other: &[u8] = &[192, 0, 2, 2];
    assert_eq!(
        verify_rrsig(
            &rrsig,
            &header,
            [other],
            [dnskey.as_slice()],
            1_282_000_000,
            &mut scratch
        ),
        Err(VerifyError::BadSignature)
    );
}

fn sign_a(
    key: &SigningKey,
    dnskey: &[u8],
    owner: &Name,
    rdatas: &[&[u8]],
    window: SignatureWindow,
) -> Vec<u8> {
    let zone = name("example.com.");
    let tag = crate::dnssec::dnskey::key_tag(dnskey);
    let signer = Signer {
        key,
        tag,
        zone: &zone,
    };
    let header = RrsetHeader {
        owner,
        class: rtype::CLASS_IN,
        rtype: rtype::A,
        ttl: 300,
    };
    signer
        .sign(
            &header,
            rdatas.iter().copied(),
            Validity::Window(window),
            &mut SignScratch::default(),
        )
        .unwrap()
}

const WINDOW: SignatureWindow = SignatureWindow {
    inception: 1_000_000,
    expiration: 2_000_000,
};

#[test]
fn order_duplicates_case_and_ttl_of_the_rrset_do_not_matter() {
    for algorithm in [Algorithm::EcdsaP256Sha256, Algorithm::Ed25519] {
        let key = SigningKey::generate(algorithm).unwrap();
        let dnskey = dnskey_rdata(257, algorithm.number(), key.public_key());
        let owner = name("WWW.Example.com.");
        let (one, two): (&[u8], &[u8]) = (&[192, 0, 2, 1], &[192, 0, 2, 2]);
        let rrsig = sign_a(&key, &dnskey, &owner, &[two, one, two], WINDOW);
        let lower = name("www.example.com.");
        let header = rrset(&lower, rtype::A, 60);
        let mut scratch = SignScratch::default();
        verify_rrsig(
            &rrsig,
            &header,
            [one, two],
            [dnskey.as_slice()],
            1_500_000,
            &mut scratch,
        )
        .unwrap();
        assert_eq!(
            verify_rrsig(
                &rrsig,
                &header,
                [one],
                [dnskey.as_slice()],
                1_500_000,
                &mut scratch
            ),
            Err(VerifyError::BadSignature),
            "{algorithm}"
        );
    }
}

#[test]
fn wildcard_expansions_verify_with_the_wildcard_owner() {
    let key = SigningKey::generate(Algorithm::Ed25519).unwrap();
    let dnskey = dnskey_rdata(256, 15, key.public_key());
    let wildcard = name("*.example.com.");
    assert_eq!(rrsig_labels(&wildcard), 2);
    let address: &[u8] = &[192, 0, 2, 9];
    let rrsig = sign_a(&key, &dnskey, &wildcard, &[address], WINDOW);
    assert_eq!(Rrsig::parse(&rrsig).unwrap().labels, 2);
    let mut scratch = SignScratch::default();
    for expanded in ["a.example.com.", "deep.Below.example.com."] {
        let owner = name(expanded);
        let header = rrset(&owner, rtype::A, 300);
        verify_rrsig(
            &rrsig,
            &header,
            [address],
            [dnskey.as_slice()],
            1_500_000,
            &mut scratch,
        )
        .unwrap();
    }
    let apex = name("example.com.");
    let header = rrset(&apex, rtype::A, 300);
    assert!(matches!(
        verify_rrsig(
            &rrsig,
            &header,
            [address],
            [dnskey.as_slice()],
            1_500_000,
            &mut scratch
        ),
        Err(VerifyError::BadSignature)
    ));
}

#[test]
fn each_reason_for_refusal() {
    let key = SigningKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
    let dnskey = dnskey_rdata(256, 13, key.public_key());
    let owner = name("www.example.com.");
    let address: &[u8] = &[192, 0, 2, 1];
    let rrsig = sign_a(&key, &dnskey, &owner, &[address], WINDOW);
    let header = rrset(&owner, rtype::A, 300);
    let mut scratch = SignScratch::default();
    let mut check = |rrsig: &[u8], header: &RrsetHeader<'_>, keys: &[&[u8]], now: u64| {
        verify_rrsig(
            rrsig,
            header,
            [address],
            keys.iter().copied(),
            now,
            &mut scratch,
        )
    };
    let keys: &[&[u8]] = &[&dnskey];
    assert_eq!(
        check(&rrsig, &header, keys, 2_000_001),
        Err(VerifyError::Expired(2_000_000))
    );
    assert_eq!(
        check(&rrsig, &header, keys, 999_999),
        Err(VerifyError::NotYetValid(1_000_000))
    );
    assert_eq!(
        check(&rrsig[..20], &header, keys, 1_500_000),
        Err(VerifyError::MalformedRrsig)
    );
    let aaaa = RrsetHeader {
        rtype: rtype::AAAA,
        ..header
    };
    assert!(matches!(
        check(&rrsig, &aaaa, keys, 1_500_000),
        Err(VerifyError::WrongType { .. })
    ));
    let other_zone = name("www.example.org.");
    let elsewhere = RrsetHeader {
        owner: &other_zone,
        ..header
    };
    assert_eq!(
        check(&rrsig, &elsewhere, keys, 1_500_000),
        Err(VerifyError::SignerNotAncestor)
    );
    let short = name("com.");
    let above = RrsetHeader {
        owner: &short,
        ..header
    };
    assert!(matches!(
        check(&rrsig, &above, keys, 1_500_000),
        Err(VerifyError::TooManyLabels { .. })
    ));
    let other_key = SigningKey::generate(Algorithm::EcdsaP256Sha256).unwrap();
    let other = dnskey_rdata(256, 13, other_key.public_key());
    assert!(matches!(
        check(&rrsig, &header, &[&other], 1_500_000),
        Err(VerifyError::NoKey { .. })
    ));
    // A key with the right tag but without the Zone Key bit is not used (RFC 4035 §5.3.1).
    let not_zone = [&[0u8, 0][..], &dnskey[2..]].concat();
    assert!(matches!(
        check(&rrsig, &header, &[&not_zone], 1_500_000),
        Err(VerifyError::NoKey { .. })
    ));
    let mut bad = rrsig.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert_eq!(
        check(&bad, &header, keys, 1_500_000),
        Err(VerifyError::BadSignature)
    );
    let mut unknown = rrsig.clone();
    unknown[2] = 5;
    assert_eq!(
        check(&unknown, &header, keys, 1_500_000),
        Err(VerifyError::UnsupportedAlgorithm(5))
    );
}

#[test]
fn signing_refuses_what_it_cannot_sign() {
    let key = SigningKey::generate(Algorithm::Ed25519).unwrap();
    let zone = name("example.com.");
    let signer = Signer {
        key: &key,
        tag: 1,
        zone: &zone,
    };
    let owner = name("www.example.org.");
    let header = rrset(&owner, rtype::A, 300);
    let mut scratch = SignScratch::default();
    let address: &[u8] = &[192, 0, 2, 1];
    let outside = signer.sign(&header, [address], Validity::Window(WINDOW), &mut scratch);
    assert!(matches!(outside, Err(SignError::OutsideZone { .. })));
    let www = name("www.example.com.");
    let ns = RrsetHeader {
        owner: &www,
        rtype: rtype::NS,
        ..header
    };
    let cut: &[u8] = b"\x05abc";
    let malformed = signer.sign(&ns, [cut], Validity::Window(WINDOW), &mut scratch);
    assert!(matches!(malformed, Err(SignError::Malformed(_))));
    let empty = signer.sign(
        &ns,
        std::iter::empty::<&[u8]>(),
        Validity::Window(WINDOW),
        &mut scratch,
    );
    assert!(matches!(empty, Err(SignError::Malformed(_))));
}

#[test]
fn every_signer_chooses_the_same_window() {
    // Two "nodes" with the same key sign the same RRset at different moments of one bucket.
    let (key, _) = rfc8080_key();
    let zone = name("example.com.");
    let signer = Signer {
        key: &key,
        tag: 3613,
        zone: &zone,
    };
    let timing = SignatureTiming::default();
    let header = rrset(&zone, rtype::MX, 3600);
    let exchange = mx(10, "mail.example.com.");
    let day = 1_796_428_800u64; // a midnight
    let mut scratch = SignScratch::default();
    let mut sign_at = |now: u64, rdata: &[u8]| {
        signer
            .sign(
                &header,
                [rdata],
                Validity::Timing {
                    timing: &timing,
                    now,
                },
                &mut scratch,
            )
            .unwrap()
    };
    let first = sign_at(day + 10, &exchange);
    let second = sign_at(day + 80_000, &exchange);
    assert_eq!(
        first, second,
        "Ed25519 over the same data and window: the same RRSIG"
    );
    let window = Rrsig::parse(&first).unwrap();
    assert!(u64::from(window.inception) <= day - 3600);
    let other = sign_at(day + 10, &mx(20, "mail.example.com."));
    assert_ne!(Rrsig::parse(&other).unwrap().expiration, 0);
}

#[test]
fn ecdsa_private_keys_written_without_leading_zeros_are_read() {
    // BIND writes the scalar as a number: one key in 256 has a 31-byte private key.
    let key = (0..20_000)
        .map(|_| SigningKey::generate(Algorithm::EcdsaP256Sha256).unwrap())
        .find(|k| k.private_key()[0] == 0)
        .expect("a scalar with a leading zero byte in 20,000 keys");
    let short = &key.private_key()[1..];
    let read = SigningKey::from_parts(Algorithm::EcdsaP256Sha256, short, key.public_key()).unwrap();
    assert_eq!(read.private_key(), key.private_key());
    assert!(SigningKey::from_parts(Algorithm::Ed25519, &[1; 31], &[0; 32]).is_err());
}
