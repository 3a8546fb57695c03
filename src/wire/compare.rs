//! Case-insensitive equality of wire bytes, eight bytes at a time (SWAR: a word's ASCII
//! letters are lowercased together). Name compression compares every candidate suffix with
//! it, and the prepared answers compare labels of the question with it.

/// ASCII case-insensitive equality of two byte strings, eight bytes at a time: whole words,
/// then one word (or two half words for shorter strings) ending at the last byte, overlapping
/// bytes already compared. Strings under four bytes go byte by byte.
pub(crate) fn eq_ignore_ascii_case(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if n < 4 {
        return a.eq_ignore_ascii_case(b);
    }
    if n < 8 {
        return words_eq(half_at(a, 0), half_at(b, 0))
            && words_eq(half_at(a, n - 4), half_at(b, n - 4));
    }
    let mut i = 0;
    while i + 8 <= n {
        if !words_eq(word_at(a, i), word_at(b, i)) {
            return false;
        }
        i += 8;
    }
    i == n || words_eq(word_at(a, n - 8), word_at(b, n - 8))
}

/// Eight bytes from `i` (which the callers keep in bounds; out of bounds reads as zero).
fn word_at(s: &[u8], i: usize) -> u64 {
    s.get(i..i + 8)
        .and_then(|w| w.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// Four bytes from `i`, in the low half of a word (the high half zero, which lowercases to
/// itself).
fn half_at(s: &[u8], i: usize) -> u64 {
    s.get(i..i + 4)
        .and_then(|w| w.try_into().ok())
        .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
}

/// Equal words, ignoring ASCII case.
fn words_eq(x: u64, y: u64) -> bool {
    x == y || lowercase_word(x) == lowercase_word(y)
}

/// Lowercases the ASCII letters among eight bytes; every other byte is left as it is.
fn lowercase_word(x: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = x & LOW7;
    // Bit 7 of each byte: set when the byte is >= 'A', and when it is > 'Z' (no carries
    // cross bytes: each byte's low seven bits plus at most 0x3F stay below 0x100).
    let at_least_a = low + 0x3F3F_3F3F_3F3F_3F3F;
    let above_z = low + 0x2525_2525_2525_2525;
    let upper = at_least_a & !above_z & !x & HIGH;
    x | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_comparison_ignores_ascii_case_only() {
        for a in 0u8..=255 {
            for b in [
                a,
                a.to_ascii_lowercase(),
                a.to_ascii_uppercase(),
                a ^ 0x20,
                a ^ 0x80,
            ] {
                let x = [a, b'x', a, 0, a, b'Z', a, b'9', a];
                let y = [b, b'X', b, 0, b, b'z', b, b'9', b];
                assert_eq!(
                    eq_ignore_ascii_case(&x, &y),
                    x.eq_ignore_ascii_case(&y),
                    "{a:#x} {b:#x}"
                );
            }
        }
        assert!(!eq_ignore_ascii_case(b"abc", b"abcd"));
        // Every length and position of a difference, for the whole and overlapping words.
        let base = b"ab0-CdEfGhIjKlMnOpQrStUvWxYz.9_Z";
        for n in 0..=base.len() {
            let a = &base[..n];
            let upper = a.to_ascii_uppercase();
            assert!(eq_ignore_ascii_case(a, &upper), "{n}");
            for at in 0..n {
                for delta in [1u8, 0x20, 0x80] {
                    let mut b = upper.clone();
                    b[at] ^= delta;
                    assert_eq!(
                        eq_ignore_ascii_case(a, &b),
                        a.eq_ignore_ascii_case(&b),
                        "{n} {at} {delta:#x}"
                    );
                }
            }
        }
    }
}
