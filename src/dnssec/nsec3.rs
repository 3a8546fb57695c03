//! NSEC3 owner hashing (RFC 5155 §5): the raw SHA-1 hash of a name with a salt and a number of
//! extra iterations. Switchyard's own chains use 0 iterations and no salt (RFC 9276); zones
//! signed elsewhere may use others. Encoding the hash as an owner label (base32hex) is the
//! wire layer's business.

use ring::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY};

use crate::wire::name::MAX_NAME_LEN;

/// The NSEC3 hash algorithm number of SHA-1, the only one defined (RFC 5155 §11).
pub const SHA1: u8 = 1;
/// Length of a SHA-1 NSEC3 hash.
pub const HASH_LEN: usize = 20;

/// IH(salt, name, iterations) of RFC 5155 §5 for the valid wire name `name` (lowercased here,
/// as its canonical form requires).
pub fn nsec3_hash(name: &[u8], salt: &[u8], iterations: u16) -> [u8; HASH_LEN] {
    let mut lower = [0u8; MAX_NAME_LEN];
    let len = name.len().min(MAX_NAME_LEN);
    let lower = &mut lower[..len];
    lower.copy_from_slice(&name[..len]);
    lower.make_ascii_lowercase();
    let mut hash = digest(lower, salt);
    for _ in 0..iterations {
        hash = digest(&hash, salt);
    }
    hash
}

fn digest(data: &[u8], salt: &[u8]) -> [u8; HASH_LEN] {
    let mut context = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    context.update(data);
    context.update(salt);
    let mut out = [0u8; HASH_LEN];
    out.copy_from_slice(context.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Name;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn hash(name: &str, salt: &[u8], iterations: u16) -> String {
        hex(&nsec3_hash(
            Name::parse(name, None).unwrap().as_wire(),
            salt,
            iterations,
        ))
    }

    #[test]
    fn rfc_5155_appendix_a_hashes() {
        // Salt aabbccdd, 12 iterations; the RFC's base32hex owners decoded to hex
        // (0p9mhaveqvm6t7vbl5lop2u3t2rp3tom, 35mthgpgcu1qg68fab165klnsnk3dpvl, ...).
        let salt = [0xaa, 0xbb, 0xcc, 0xdd];
        for (name, expected) in [
            ("example.", "065368abeed7ec6e9feba96b8c8bc3e8b791f716"),
            ("a.example.", "196dd8c3306783a8190f52c262d2b7e5e836e7f5"),
            ("*.w.example.", "d946bd1d8c17bf6f2dfe2e196b1b2edf13da25d7"),
            ("xx.example.", "e988472f544ae4b65d4839212fecd3c4cc2b563f"),
            ("XX.Example.", "e988472f544ae4b65d4839212fecd3c4cc2b563f"),
        ] {
            assert_eq!(hash(name, &salt, 12), expected, "{name}");
        }
    }

    #[test]
    fn rfc_9276_parameters() {
        // `knsec3hash - 1 0 example.com.` prints onib9mgub9h0rml3cdf5bgrj59dkjhvk.
        assert_eq!(
            hash("example.com.", &[], 0),
            "c5e4b4da1e5a620ddaa3635e55c3732a5b49c7f4"
        );
    }
}
