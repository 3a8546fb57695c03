//! The type bitmaps of NSEC, NSEC3 and CSYNC records (RFC 4034 §4.1.2, RFC 5155 §3.2.1,
//! RFC 7477 §2.1.2): the 65536 possible types in 256 windows of 256, each window present only
//! when it has a type, written as `window, length, bits` with trailing zero bytes left out.
//!
//! [`encode`] builds the bytes from any list of types, [`encode_sorted`] from an ascending one
//! without allocating; [`validate`] checks bytes from elsewhere; [`iter`] lists the types of
//! valid bytes in ascending order and [`contains`] tests one type.

use thiserror::Error;

/// Why bytes are not a type bitmap.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TypeBitmapError {
    #[error("type bitmap is cut short in window {0}")]
    Truncated(u8),
    #[error("type bitmap window {window} follows window {previous}: windows must ascend")]
    WindowOrder { window: u8, previous: u8 },
    #[error("type bitmap window {window} has length {length}: it must be 1 to 32")]
    BadLength { window: u8, length: u8 },
    #[error("type bitmap window {0} ends in a zero byte, which must be left out")]
    TrailingZero(u8),
}

/// Appends the bitmap of `types` to `out`. The types may come in any order and repeat.
pub fn encode(types: impl IntoIterator<Item = u16>, out: &mut Vec<u8>) {
    let mut sorted: Vec<u16> = types.into_iter().collect();
    sorted.sort_unstable();
    sorted.dedup();
    encode_sorted(&sorted, out);
}

/// Appends the bitmap of `types`, which must ascend strictly (a type out of order or repeated
/// is left out).
pub fn encode_sorted(types: &[u16], out: &mut Vec<u8>) {
    let mut i = 0usize;
    while let Some(&first) = types.get(i) {
        let window = (first >> 8) as u8;
        let mut bits = [0u8; 32];
        let mut length = 0usize;
        let mut last: Option<u16> = None;
        while let Some(&t) = types.get(i) {
            if (t >> 8) as u8 != window {
                break;
            }
            if last.is_none_or(|l| t > l) {
                let low = usize::from(t as u8);
                bits[low / 8] |= 0x80 >> (low % 8);
                length = low / 8 + 1;
                last = Some(t);
            }
            i += 1;
        }
        out.push(window);
        out.push(length as u8);
        out.extend_from_slice(&bits[..length]);
        // Types of a later window that appear after a higher one are out of order: skip them.
        while types.get(i).is_some_and(|&t| ((t >> 8) as u8) < window) {
            i += 1;
        }
    }
}

/// Checks that `bytes` are a well-formed bitmap: windows ascending, each 1 to 32 bytes long and
/// not ending in a zero byte. Empty bytes are a valid bitmap with no types.
pub fn validate(bytes: &[u8]) -> Result<(), TypeBitmapError> {
    let mut pos = 0usize;
    let mut previous: Option<u8> = None;
    while let Some(&window) = bytes.get(pos) {
        if let Some(previous) = previous.filter(|&p| p >= window) {
            return Err(TypeBitmapError::WindowOrder { window, previous });
        }
        let &length = bytes
            .get(pos + 1)
            .ok_or(TypeBitmapError::Truncated(window))?;
        if length == 0 || length > 32 {
            return Err(TypeBitmapError::BadLength { window, length });
        }
        let block = bytes
            .get(pos + 2..pos + 2 + usize::from(length))
            .ok_or(TypeBitmapError::Truncated(window))?;
        if block.last() == Some(&0) {
            return Err(TypeBitmapError::TrailingZero(window));
        }
        previous = Some(window);
        pos += 2 + usize::from(length);
    }
    Ok(())
}

/// The types of a bitmap in ascending order, after checking it with [`validate`].
pub fn iter(bytes: &[u8]) -> Result<Types<'_>, TypeBitmapError> {
    validate(bytes)?;
    Ok(Types {
        bytes,
        pos: 0,
        bit: 0,
    })
}

/// True when the (valid) bitmap has `rtype`.
pub fn contains(bytes: &[u8], rtype: u16) -> bool {
    let (window, low) = ((rtype >> 8) as u8, usize::from(rtype as u8));
    let mut pos = 0usize;
    while let (Some(&w), Some(&length)) = (bytes.get(pos), bytes.get(pos + 1)) {
        if w == window {
            return bytes
                .get(pos + 2..pos + 2 + usize::from(length))
                .and_then(|block| block.get(low / 8))
                .is_some_and(|b| b & (0x80 >> (low % 8)) != 0);
        }
        pos += 2 + usize::from(length);
    }
    false
}

/// Iterator over the types of a valid bitmap (see [`iter`]).
#[derive(Debug, Clone)]
pub struct Types<'a> {
    bytes: &'a [u8],
    /// Offset of the current window's header.
    pos: usize,
    /// Next bit to look at inside the current window's block.
    bit: usize,
}

impl Iterator for Types<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        loop {
            let window = *self.bytes.get(self.pos)?;
            let length = usize::from(*self.bytes.get(self.pos + 1)?);
            let block = self.bytes.get(self.pos + 2..self.pos + 2 + length)?;
            while self.bit < length * 8 {
                let bit = self.bit;
                self.bit += 1;
                if block
                    .get(bit / 8)
                    .is_some_and(|b| b & (0x80 >> (bit % 8)) != 0)
                {
                    return Some(u16::from(window) << 8 | bit as u16);
                }
            }
            self.pos += 2 + length;
            self.bit = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(types: &[u16]) -> Vec<u8> {
        let mut out = Vec::new();
        encode(types.iter().copied(), &mut out);
        out
    }

    #[test]
    fn rfc_4034_example() {
        // RFC 4034 §4.3: A MX RRSIG NSEC TYPE1234.
        let wire = bitmap(&[1, 15, 46, 47, 1234]);
        let mut expected = vec![0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03, 0x04, 0x1b];
        expected.extend_from_slice(&[0; 26]);
        expected.push(0x20);
        assert_eq!(wire, expected);
        assert_eq!(validate(&wire), Ok(()));
        assert_eq!(
            iter(&wire).unwrap().collect::<Vec<_>>(),
            [1, 15, 46, 47, 1234]
        );
        assert!(contains(&wire, 15) && contains(&wire, 1234));
        assert!(!contains(&wire, 2) && !contains(&wire, 1235) && !contains(&wire, 65535));
    }

    #[test]
    fn any_order_and_edges() {
        assert_eq!(bitmap(&[]), b"");
        assert_eq!(bitmap(&[2, 1, 2, 1]), bitmap(&[1, 2]));
        assert_eq!(bitmap(&[0]), [0, 1, 0x80]);
        assert_eq!(
            bitmap(&[65535]),
            [
                255, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 1
            ]
        );
        let all: Vec<u16> = (0..=u16::MAX).collect();
        let wire = bitmap(&all);
        assert_eq!(wire.len(), 256 * 34);
        assert_eq!(iter(&wire).unwrap().count(), 65536);
        let mut sorted = Vec::new();
        encode_sorted(&[1, 1, 2, 256, 3], &mut sorted);
        assert_eq!(iter(&sorted).unwrap().collect::<Vec<_>>(), [1, 2, 256]);
    }

    #[test]
    fn malformed() {
        use TypeBitmapError::*;
        assert_eq!(validate(&[0]), Err(Truncated(0)));
        assert_eq!(validate(&[0, 2, 0x40]), Err(Truncated(0)));
        assert_eq!(
            validate(&[0, 0]),
            Err(BadLength {
                window: 0,
                length: 0
            })
        );
        assert_eq!(
            validate(&[0, 33]),
            Err(BadLength {
                window: 0,
                length: 33
            })
        );
        assert_eq!(validate(&[0, 2, 0x40, 0]), Err(TrailingZero(0)));
        assert_eq!(
            validate(&[1, 1, 0x40, 1, 1, 0x40]),
            Err(WindowOrder {
                window: 1,
                previous: 1
            })
        );
        assert_eq!(
            validate(&[2, 1, 0x40, 1, 1, 0x40]),
            Err(WindowOrder {
                window: 1,
                previous: 2
            })
        );
        assert!(iter(&[0, 0]).is_err());
    }
}
