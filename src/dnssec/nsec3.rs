//! NSEC3 owner hashing (RFC 5155 §5): the raw SHA-1 hash of a name with a salt and a number of
//! extra iterations. Switchyard's own chains use 0 iterations and no salt (RFC 9276); zones
//! signed elsewhere may use others. Encoding the hash as an owner label (base32hex) is the
//! wire layer's business.

use crate::wire::name::MAX_NAME_LEN;

/// The NSEC3 hash algorithm number of SHA-1, the only one defined (RFC 5155 §11).
pub const SHA1: u8 = 1;
/// Length of a SHA-1 NSEC3 hash.
pub const HASH_LEN: usize = 20;

/// IH(salt, name, iterations) of RFC 5155 §5 for the valid wire name `name` (lowercased here,
/// as its canonical form requires).
pub fn nsec3_hash(name: &[u8], salt: &[u8], iterations: u16) -> [u8; HASH_LEN] {
    let name = &name[..name.len().min(MAX_NAME_LEN)];
    let mut hash = digest(name, salt, true);
    for _ in 0..iterations {
        hash = digest(&hash, salt, false);
    }
    hash
}

/// Blocks that hold a name and a salt (at most 255 bytes each) with SHA-1's padding.
const MAX_BLOCKS: usize = (2 * 255 + 9usize).div_ceil(64);

/// SHA-1 of `data` (ASCII-lowercased when `lowercase`) followed by `salt`.
fn digest(data: &[u8], salt: &[u8], lowercase: bool) -> [u8; HASH_LEN] {
    if data.len() + salt.len() + 9 <= 64 {
        // A name of up to 55 bytes with no salt, the common case: one block.
        digest_in::<1>(data, salt, lowercase)
    } else {
        digest_in::<MAX_BLOCKS>(data, salt, lowercase)
    }
}

/// [`digest`] padded in `N` blocks on the stack (enough for the input) and hashed in one call
/// to the block function: no allocation, no per-call set-up beyond the padding.
fn digest_in<const N: usize>(data: &[u8], salt: &[u8], lowercase: bool) -> [u8; HASH_LEN] {
    let mut blocks = [[0u8; 64]; N];
    let len = data.len() + salt.len();
    let used = (len + 9).div_ceil(64);
    let bytes = blocks[..used].as_flattened_mut();
    if lowercase {
        for (to, from) in bytes.iter_mut().zip(data) {
            *to = from.to_ascii_lowercase();
        }
    } else {
        bytes[..data.len()].copy_from_slice(data);
    }
    if !salt.is_empty() {
        bytes[data.len()..len].copy_from_slice(salt);
    }
    bytes[len] = 0x80;
    let total = bytes.len();
    bytes[total - 8..].copy_from_slice(&(len as u64 * 8).to_be_bytes());
    let mut state = super::sha1::INITIAL_STATE;
    super::sha1::compress(&mut state, &blocks[..used]);
    let mut out = [0u8; HASH_LEN];
    for (word, bytes) in state.iter().zip(out.chunks_exact_mut(4)) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
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

    #[test]
    fn padding_at_every_block_boundary_agrees_with_ring() {
        // Inputs of every length a name and a salt can make together, across the one-block
        // fast path and the several-block path, against ring's SHA-1.
        let reference = |data: &[u8], salt: &[u8]| {
            let mut context = ring::digest::Context::new(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY);
            context.update(&data.to_ascii_lowercase());
            context.update(salt);
            context.finish().as_ref().to_vec()
        };
        let data: Vec<u8> = (0..255u32).map(|i| b"AbC-9"[(i % 5) as usize]).collect();
        let salt: Vec<u8> = (0..255u32).map(|i| (i * 7) as u8).collect();
        for data_len in 0..=255 {
            for salt_len in [0, 1, 4, 8, 9, 55, 56, 64, 255] {
                let (d, s) = (&data[..data_len], &salt[..salt_len]);
                assert_eq!(
                    digest(d, s, true).to_vec(),
                    reference(d, s),
                    "{data_len} {salt_len}"
                );
            }
        }
    }
}
