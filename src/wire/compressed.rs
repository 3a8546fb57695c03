//! Names inside a message, where they may end in a compression pointer (RFC 1035 §4.1.4): the
//! one reader that skips over such a name and the one that copies it out whole. Query parsing,
//! response rate limiting and the prepared answers all read names through these.

use super::name::MAX_NAME_LEN;

/// A name read in place, its pointer (if any) not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// The position after the name.
    pub end: usize,
    /// Where the pointer that ends the name sits and the offset it leads to; `None` for a name
    /// written without one.
    pub pointer: Option<(usize, usize)>,
}

impl Skipped {
    /// True for the root name written as its one zero byte (a pointer is two bytes long).
    pub fn is_root(&self, start: usize) -> bool {
        self.end == start + 1
    }
}

/// Skips the possibly compressed name at `pos` of `message` without following its pointer.
/// `None` when the bytes there are no name: a reserved label type, a label or pointer cut
/// short, or labels over 255 bytes before the end or the pointer.
#[inline]
pub fn skip(message: &[u8], mut pos: usize) -> Option<Skipped> {
    let start = pos;
    loop {
        let len = *message.get(pos)?;
        match len & 0xC0 {
            0x00 => {
                if len == 0 {
                    return Some(Skipped {
                        end: pos + 1,
                        pointer: None,
                    });
                }
                pos += 1 + usize::from(len);
                if pos - start > MAX_NAME_LEN {
                    return None;
                }
            }
            0xC0 => {
                let low = *message.get(pos + 1)?;
                return Some(Skipped {
                    end: pos + 2,
                    pointer: Some((pos, (usize::from(len & 0x3F) << 8) | usize::from(low))),
                });
            }
            _ => return None,
        }
    }
}

/// Copies the possibly compressed name at `pos` of `message` into `out`, uncompressed; its
/// length, or `None` for a bad name. Pointers must lead backwards, so the walk ends.
pub fn expand(message: &[u8], mut pos: usize, out: &mut [u8; MAX_NAME_LEN]) -> Option<usize> {
    let mut len = 0usize;
    loop {
        let label = *message.get(pos)?;
        match label & 0xC0 {
            0x00 => {
                let end = pos + 1 + usize::from(label);
                let bytes = message.get(pos..end)?;
                out.get_mut(len..len + bytes.len())?.copy_from_slice(bytes);
                len += bytes.len();
                if label == 0 {
                    return Some(len);
                }
                pos = end;
            }
            0xC0 => {
                let target = (usize::from(label & 0x3F) << 8) | usize::from(*message.get(pos + 1)?);
                if target >= pos {
                    return None;
                }
                pos = target;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipping_stops_at_the_pointer_or_the_root() {
        let message = b"\x00\x00\x03com\x00\x07example\xc0\x02\x00";
        assert_eq!(
            skip(message, 2),
            Some(Skipped {
                end: 7,
                pointer: None
            })
        );
        assert_eq!(
            skip(message, 7),
            Some(Skipped {
                end: 17,
                pointer: Some((15, 2))
            })
        );
        assert!(skip(message, 17).unwrap().is_root(17));
        assert!(!skip(message, 7).unwrap().is_root(7));
        // A pointer cut short, a reserved label type, a label past the end.
        assert_eq!(skip(b"\x03www\xc0", 0), None);
        assert_eq!(skip(b"\x40", 0), None);
        assert_eq!(skip(b"\x05ab", 0), None);
        // Labels over 255 bytes.
        let long = [&b"\x3f"[..], &[b'a'; 63]].concat().repeat(5);
        assert_eq!(skip(&long, 0), None);
    }

    #[test]
    fn expanding_follows_backward_pointers_only() {
        let message = b"\x00\x00\x03com\x00\x07example\xc0\x02";
        let mut out = [0u8; MAX_NAME_LEN];
        let len = expand(message, 7, &mut out).unwrap();
        assert_eq!(&out[..len], b"\x07example\x03com\x00");
        assert_eq!(expand(b"\xc0\x00", 0, &mut out), None);
        assert_eq!(expand(b"\x01a\xc0\x05\x00\x00", 0, &mut out), None);
    }
}
