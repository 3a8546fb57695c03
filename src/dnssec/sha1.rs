//! SHA-1's block function (FIPS 180-4 §6.1.2) for NSEC3 hashes (RFC 5155 §5), which the query
//! path runs once per NXDOMAIN and wildcard answer of an NSEC3 zone. One of three, chosen per
//! call from what the CPU has (std caches the detection):
//!
//! - with the SHA extensions, the `sha1` crate's, which uses them;
//! - on x86-64 with AVX2, BMI1 and BMI2 but no SHA extensions (Intel from Haswell to Cascade
//!   Lake), [`block_avx2`] here: the message schedule four words at a time, and the rounds with
//!   BMI's non-destructive rotate and and-not. About 1,060 instructions a block against the
//!   crate's portable 1,410 (callgrind, which runs this path, as valgrind has no SHA
//!   extensions; `bench/dnssec_profile.sh`);
//! - anywhere else, the `sha1` crate's portable code.
//!
//! Every way gives the same state; the tests compare this one with ring's SHA-1.

/// SHA-1's initial hash value H(0) (FIPS 180-4 §5.3.1), the state before the first block.
pub const INITIAL_STATE: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// Applies SHA-1's block function to `state` for each of `blocks` in turn.
#[inline]
pub fn compress(state: &mut [u32; 5], blocks: &[[u8; 64]]) {
    #[cfg(target_arch = "x86_64")]
    if avx2_without_sha() {
        for block in blocks {
            // SAFETY: the CPU has the features `block_avx2` is compiled for.
            unsafe { block_avx2(state, block) };
        }
        return;
    }
    ::sha1::block_api::compress(state, blocks);
}

/// Whether [`block_avx2`] is the way: the CPU has what it needs and no SHA extensions. Found
/// once, then read as one relaxed load.
#[cfg(target_arch = "x86_64")]
#[inline]
fn avx2_without_sha() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    /// 0 until found, then 1 (this way) or 2 (the crate's).
    static WAY: AtomicU8 = AtomicU8::new(0);
    match WAY.load(Ordering::Relaxed) {
        0 => {
            let avx2 = !std::is_x86_feature_detected!("sha")
                && std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("bmi1")
                && std::is_x86_feature_detected!("bmi2");
            WAY.store(if avx2 { 1 } else { 2 }, Ordering::Relaxed);
            avx2
        }
        way => way == 1,
    }
}

/// The round constants, one for each 20 rounds.
const K: [u32; 4] = [0x5A82_7999, 0x6ED9_EBA1, 0x8F1B_BCDC, 0xCA62_C1D6];

/// The round functions of rounds 0–19, 20–39 and 60–79, and 40–59.
#[inline(always)]
fn choose(b: u32, c: u32, d: u32) -> u32 {
    d ^ (b & (c ^ d))
}

#[inline(always)]
fn parity(b: u32, c: u32, d: u32) -> u32 {
    b ^ c ^ d
}

#[inline(always)]
fn majority(b: u32, c: u32, d: u32) -> u32 {
    (b & c) | (d & (b | c))
}

/// One block, with the message schedule W(t) + K(t) of all 80 rounds computed first, four
/// words at a time (`W(t) = ROTL1(W(t-3) ^ W(t-8) ^ W(t-14) ^ W(t-16))`; the fourth word of
/// each four needs the first, so it is mended after), then the rounds unrolled.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2")]
fn block_avx2(state: &mut [u32; 5], block: &[u8; 64]) {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_castpd_si128, _mm_castsi128_pd, _mm_or_si128, _mm_set_epi32,
        _mm_set1_epi32, _mm_setzero_si128, _mm_shuffle_pd, _mm_slli_epi32, _mm_slli_si128,
        _mm_srli_epi32, _mm_srli_si128, _mm_xor_si128,
    };
    #[target_feature(enable = "avx2")]
    #[inline]
    fn rotl1(x: __m128i) -> __m128i {
        _mm_or_si128(_mm_slli_epi32::<1>(x), _mm_srli_epi32::<31>(x))
    }
    // W(t..t+4) from the four words before: w16 = W(t-16..t-12), w12, w8, w4 = W(t-4..t).
    #[target_feature(enable = "avx2")]
    #[inline]
    fn next(w16: __m128i, w12: __m128i, w8: __m128i, w4: __m128i) -> __m128i {
        // W(t-14..t-10): the upper half of w16, the lower of w12.
        let w14 = _mm_castpd_si128(_mm_shuffle_pd::<0b01>(
            _mm_castsi128_pd(w16),
            _mm_castsi128_pd(w12),
        ));
        // W(t-3..t), and 0 for W(t), not known yet.
        let w3 = _mm_srli_si128::<4>(w4);
        let r = rotl1(_mm_xor_si128(
            _mm_xor_si128(w16, w14),
            _mm_xor_si128(w8, w3),
        ));
        // W(t+3) lacks ROTL1(W(t)), which is lane 0 of `r` now.
        _mm_xor_si128(r, rotl1(_mm_slli_si128::<12>(r)))
    }
    let word =
        |i: usize| u32::from_be_bytes([block[i], block[i + 1], block[i + 2], block[i + 3]]) as i32;
    let load = |i: usize| _mm_set_epi32(word(i + 12), word(i + 8), word(i + 4), word(i));
    let mut w = [_mm_setzero_si128(); 20];
    w[..4].copy_from_slice(&[load(0), load(16), load(32), load(48)]);
    // Unrolled, so that the words stay in registers.
    macro_rules! schedule {
        ($($t:literal)*) => { $( w[$t] = next(w[$t - 4], w[$t - 3], w[$t - 2], w[$t - 1]); )* };
    }
    schedule!(4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19);
    for (t, words) in w.iter_mut().enumerate() {
        *words = _mm_add_epi32(*words, _mm_set1_epi32(K[t / 5] as i32));
    }
    // SAFETY: twenty vectors of four u32 are eighty u32, any bits valid in both.
    let wk: [u32; 80] = unsafe { std::mem::transmute(w) };

    let [mut a, mut b, mut c, mut d, mut e] = *state;
    macro_rules! round {
        ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $t:expr) => {
            $e = $e
                .wrapping_add($a.rotate_left(5))
                .wrapping_add($f($b, $c, $d))
                .wrapping_add(wk[$t]);
            $b = $b.rotate_left(30);
        };
    }
    // Five rounds, the roles of the five words turning once.
    macro_rules! five {
        ($f:ident, $t:expr) => {
            round!(a, b, c, d, e, $f, $t);
            round!(e, a, b, c, d, $f, $t + 1);
            round!(d, e, a, b, c, $f, $t + 2);
            round!(c, d, e, a, b, $f, $t + 3);
            round!(b, c, d, e, a, $f, $t + 4);
        };
    }
    five!(choose, 0);
    five!(choose, 5);
    five!(choose, 10);
    five!(choose, 15);
    five!(parity, 20);
    five!(parity, 25);
    five!(parity, 30);
    five!(parity, 35);
    five!(majority, 40);
    five!(majority, 45);
    five!(majority, 50);
    five!(majority, 55);
    five!(parity, 60);
    five!(parity, 65);
    five!(parity, 70);
    five!(parity, 75);
    for (word, add) in state.iter_mut().zip([a, b, c, d, e]) {
        *word = word.wrapping_add(add);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_sha1(data: &[u8]) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data)
            .as_ref()
            .to_vec()
    }

    /// SHA-1 of `data` through `block`, padded here.
    fn sha1_with(data: &[u8], block: impl Fn(&mut [u32; 5], &[u8; 64])) -> Vec<u8> {
        let mut padded = data.to_vec();
        padded.push(0x80);
        while padded.len() % 64 != 56 {
            padded.push(0);
        }
        padded.extend_from_slice(&(data.len() as u64 * 8).to_be_bytes());
        let mut state = INITIAL_STATE;
        for chunk in padded.chunks_exact(64) {
            block(&mut state, chunk.try_into().unwrap());
        }
        state.iter().flat_map(|w| w.to_be_bytes()).collect()
    }

    fn inputs() -> impl Iterator<Item = Vec<u8>> {
        (0..300usize).map(|len| {
            (0..len)
                .map(|i| (i.wrapping_mul(131) ^ len.wrapping_mul(7)) as u8)
                .collect()
        })
    }

    #[test]
    fn the_chosen_way_agrees_with_ring() {
        for data in inputs() {
            let ours = sha1_with(&data, |state, block| compress(state, &[*block]));
            assert_eq!(ours, ring_sha1(&data), "{} bytes", data.len());
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_way_agrees_with_ring_where_the_cpu_can_run_it() {
        if !(std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2"))
        {
            eprintln!("skipped: this CPU lacks AVX2, BMI1 or BMI2");
            return;
        }
        for data in inputs() {
            // SAFETY: the features are checked above.
            let ours = sha1_with(&data, |state, block| unsafe { block_avx2(state, block) });
            assert_eq!(ours, ring_sha1(&data), "{} bytes", data.len());
        }
    }
}
