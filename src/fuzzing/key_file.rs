//! Target 6: a DNSSEC key pair as BIND writes it, the `.key` text, a NUL byte, then the
//! `.private` text (no NUL: both texts are the input). Each file parses or is refused with a
//! reason; what parses is written back and reads as the same value; a pair that is accepted
//! whole signs an RRset that its own DNSKEY verifies.

use std::path::Path;

use crate::dnssec::dnskey::{Dnskey, key_tag};
use crate::dnssec::keydir::{StoredKey, parse_pair};
use crate::dnssec::keyfile::{file_stem, parse_private, parse_public, write_private, write_public};
use crate::dnssec::rrsig::{RrsetHeader, SignScratch, Validity, verify_rrsig};
use crate::dnssec::validity::SignatureWindow;
use crate::wire::rtype;

/// A fixed time inside the signature window used below.
const NOW: u64 = 1_800_000_000;

/// The fuzz body (see the module doc).
pub fn key_file(data: &[u8]) {
    let (key_bytes, private_bytes) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, data),
    };
    let key_text = String::from_utf8_lossy(key_bytes);
    let private_text = String::from_utf8_lossy(private_bytes);
    let (key_path, private_path) = (Path::new("K.key"), Path::new("K.private"));

    let public = parse_public(&key_text, key_path);
    if let Ok(public) = &public {
        let times = parse_private(&private_text)
            .map(|p| p.times)
            .unwrap_or_default();
        let again = parse_public(&write_public(public, &times), key_path);
        assert_eq!(
            again.as_ref(),
            Ok(public),
            "the .key file written back reads differently"
        );
    }
    let private = parse_private(&private_text);
    if let Ok(private) = &private {
        let again = parse_private(&write_private(private));
        assert_eq!(
            again.as_ref(),
            Ok(private),
            "the .private file written back reads differently"
        );
    }
    // Named as the public key says, so that the pair is judged on its contents.
    let stem = public
        .as_ref()
        .ok()
        .and_then(|p| {
            let dnskey = crate::dnssec::dnskey::Dnskey::parse(&p.dnskey)?;
            file_stem(
                &p.owner,
                dnskey.algorithm,
                crate::dnssec::dnskey::key_tag(&p.dnskey),
            )
        })
        .unwrap_or_else(|| "Kfuzz.test.+013+00000".to_string());
    let Ok(key) = parse_pair(&stem, &key_text, &private_text, key_path, private_path) else {
        return;
    };
    signs_and_verifies(&key);
}

/// The pair in `data` when it is accepted whole, as [`key_file`] reads it.
pub fn accepted_pair(data: &[u8]) -> Option<StoredKey> {
    let at = data.iter().position(|&b| b == 0)?;
    let public = parse_public(&String::from_utf8_lossy(&data[..at]), Path::new("K.key")).ok()?;
    let dnskey = Dnskey::parse(&public.dnskey)?;
    let stem = file_stem(&public.owner, dnskey.algorithm, key_tag(&public.dnskey))?;
    let (key_text, private_text) = (
        String::from_utf8_lossy(&data[..at]),
        String::from_utf8_lossy(&data[at + 1..]),
    );
    let paths = (Path::new("K.key"), Path::new("K.private"));
    parse_pair(&stem, &key_text, &private_text, paths.0, paths.1).ok()
}

fn signs_and_verifies(key: &StoredKey) {
    let header = RrsetHeader {
        owner: &key.zone,
        class: rtype::CLASS_IN,
        rtype: rtype::A,
        ttl: 300,
    };
    let rdatas: [&[u8]; 2] = [&[192, 0, 2, 1], &[192, 0, 2, 2]];
    let window = SignatureWindow {
        inception: NOW - 3600,
        expiration: NOW + 86_400,
    };
    let mut scratch = SignScratch::default();
    let rrsig = key
        .signer()
        .sign(&header, rdatas, Validity::Window(window), &mut scratch)
        .expect("an accepted key signs");
    let verified = verify_rrsig(
        &rrsig,
        &header,
        rdatas,
        [key.dnskey.as_slice()],
        NOW,
        &mut scratch,
    );
    assert_eq!(
        verified,
        Ok(()),
        "a signature of an accepted key fails its own DNSKEY"
    );
}
