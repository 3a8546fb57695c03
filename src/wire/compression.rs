//! The writer's compression targets (RFC 1035 §4.1.4): where each name already in the message
//! starts, how long it is uncompressed and whether it was written without pointers, so that a
//! suffix is compared only with targets of its length, and with a literal target by one
//! comparison of the bytes.

use super::compare::eq_ignore_ascii_case;
use super::writer::HEADER_LEN;

/// Offsets of name positions the writer may point back to; more names are written uncompressed.
pub(crate) const MAX_COMPRESSION_TARGETS: usize = 48;

/// The names of a message that later names may point back to.
pub(super) struct Targets {
    offsets: [u16; MAX_COMPRESSION_TARGETS],
    /// Uncompressed length of the name at each target: only a target as long as a suffix can
    /// hold it, so most targets are passed over without reading the message.
    lens: [u8; MAX_COMPRESSION_TARGETS],
    /// Bit i: target i was written without pointers, so its bytes are the whole name.
    literal: u64,
    count: usize,
    /// Length of the question name whose labels are not yet targets: they are added when the
    /// first name is compressed, so an answer copied whole (a prepared answer) never pays for
    /// them. 0 when there is none pending.
    question_pending: usize,
}

impl Targets {
    pub(super) fn new() -> Targets {
        Targets {
            offsets: [0; MAX_COMPRESSION_TARGETS],
            lens: [0; MAX_COMPRESSION_TARGETS],
            literal: 0,
            count: 0,
            question_pending: 0,
        }
    }

    /// Targets held.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// Forgets the targets after the first `count`.
    pub(super) fn truncate(&mut self, count: usize) {
        self.count = count;
    }

    /// The question name (of `len` bytes, right after the header) becomes targets only when a
    /// name is first compressed.
    pub(super) fn defer_question(&mut self, len: usize) {
        self.question_pending = len;
    }

    /// Adds the pending question name's labels, if any, reading them in `message`.
    #[inline]
    pub(super) fn add_pending_question(&mut self, message: &[u8]) {
        if self.question_pending != 0 {
            self.add_question(message);
        }
    }

    /// Adds the pending question name's labels as targets (as [`Targets::add`] does for a
    /// literal name).
    fn add_question(&mut self, message: &[u8]) {
        let name_len = std::mem::take(&mut self.question_pending);
        let mut pos = 0usize;
        while pos < name_len && self.count < MAX_COMPRESSION_TARGETS {
            let label = usize::from(message[HEADER_LEN + pos]);
            if label == 0 {
                break;
            }
            let i = self.count;
            self.offsets[i] = (HEADER_LEN + pos) as u16;
            self.lens[i] = (name_len - pos).min(255) as u8;
            self.literal |= 1 << i;
            self.count += 1;
            pos += label + 1;
        }
    }

    /// Remembers the label positions of a name written literally at `start` (only the literal
    /// labels: `prefix` may stop before the end when the rest was a pointer, and then
    /// `literal` is false). `name_len` is the uncompressed length of the whole name.
    pub(super) fn add(&mut self, start: usize, prefix: &[u8], name_len: usize, literal: bool) {
        let mut pos = 0usize;
        while pos < prefix.len() && prefix[pos] != 0 {
            let offset = start + pos;
            if offset > 0x3FFF || self.count == MAX_COMPRESSION_TARGETS {
                return;
            }
            let i = self.count;
            self.offsets[i] = offset as u16;
            // Names are at most 255 bytes; a longer slice only makes the filter miss.
            self.lens[i] = name_len.saturating_sub(pos).min(255) as u8;
            if literal {
                self.literal |= 1 << i;
            } else {
                self.literal &= !(1 << i);
            }
            self.count += 1;
            pos += prefix[pos] as usize + 1;
        }
    }

    /// Adds one target as [`Targets::add`] records it: `offset` where a name's labels start,
    /// `len` its uncompressed length, `literal` when written without pointers.
    pub(super) fn push(&mut self, offset: usize, len: u8, literal: bool) {
        if offset > 0x3FFF || self.count == MAX_COMPRESSION_TARGETS {
            return;
        }
        let i = self.count;
        self.offsets[i] = offset as u16;
        self.lens[i] = len;
        if literal {
            self.literal |= 1 << i;
        } else {
            self.literal &= !(1 << i);
        }
        self.count += 1;
    }

    /// The targets from the `from`-th on: offset, uncompressed length, whether literal.
    pub(super) fn entries(&self, from: usize) -> impl Iterator<Item = (u16, u8, bool)> + '_ {
        (from..self.count).map(|i| (self.offsets[i], self.lens[i], self.literal & (1 << i) != 0))
    }

    /// An offset of `message` where `suffix` (uncompressed, non-root) is already written.
    pub(super) fn find(&self, message: &[u8], suffix: &[u8]) -> Option<u16> {
        (0..self.count)
            .filter(|&i| usize::from(self.lens[i]) == suffix.len())
            .map(|i| (i, self.offsets[i] as usize))
            .find(|&(i, offset)| {
                if self.literal & (1 << i) != 0 {
                    // The bytes at a literal target are the whole name; a label length never
                    // looks like a letter (lengths are at most 63), so comparing the wire
                    // names byte for byte, ignoring ASCII case, is exact.
                    message
                        .get(offset..offset + suffix.len())
                        .is_some_and(|bytes| eq_ignore_ascii_case(bytes, suffix))
                } else {
                    name_at_equals(message, offset, suffix)
                }
            })
            .map(|(_, offset)| offset as u16)
    }
}

/// Compares the (possibly compressed) name at `offset` in `message` with the uncompressed
/// `name`, case-insensitively. Pointers must go backwards, so the walk always ends.
pub(super) fn name_at_equals(message: &[u8], mut offset: usize, name: &[u8]) -> bool {
    let mut pos = 0usize;
    let mut hops = 0;
    loop {
        let Some(&len) = message.get(offset) else {
            return false;
        };
        if len & 0xC0 == 0xC0 {
            let Some(&low) = message.get(offset + 1) else {
                return false;
            };
            let target = (((len & 0x3F) as usize) << 8) | low as usize;
            if target >= offset || hops > 127 {
                return false;
            }
            hops += 1;
            offset = target;
            continue;
        }
        let len = len as usize;
        if name.get(pos) != Some(&(len as u8)) {
            return false;
        }
        if len == 0 {
            return pos + 1 == name.len();
        }
        let (Some(a), Some(b)) = (
            message.get(offset + 1..offset + 1 + len),
            name.get(pos + 1..pos + 1 + len),
        ) else {
            return false;
        };
        if !eq_ignore_ascii_case(a, b) {
            return false;
        }
        offset += 1 + len;
        pos += 1 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Name;

    fn wire(name: &str) -> Vec<u8> {
        name.parse::<Name>().unwrap().as_wire().to_vec()
    }

    #[test]
    fn name_comparison_follows_pointers_and_ignores_case() {
        let msg = b"\x00\x00\x03com\x00\x07example\xc0\x02";
        assert!(name_at_equals(msg, 7, &wire("EXAMPLE.com.")));
        assert!(!name_at_equals(msg, 7, &wire("example.org.")));
        // A pointer to itself never loops.
        let bad = b"\xc0\x00";
        assert!(!name_at_equals(bad, 0, &wire("a.")));
    }
}
