//! The sealed datagram every gossip message travels in: a header naming the sender and
//! numbering the message, the gossip message, and an HMAC-SHA256 of both under the fleet's
//! shared secret.
//!
//! ```text
//! "SYG1" | epoch u64 | counter u64 | sent_unix_ms u64 | name length u8 | name | message | MAC (32)
//! ```
//! All integers are big-endian. `epoch` is the sender's start time (Unix milliseconds), so
//! that `(epoch, counter)` never repeats for a sender; `counter` starts at 1.
//!
//! A datagram is dropped, and counted by reason, when it is not in this format (`malformed`),
//! its MAC does not verify (`mac`: sent from outside the fleet, or with another secret), it
//! was sent more than [`FRESHNESS`] away from our clock (`stale`), or its number was seen
//! before or is too old for the sender's window (`replay`: the last [`WINDOW`] numbers of the
//! sender's current epoch are remembered; an older epoch is refused). Nothing of a dropped
//! datagram reaches the gossip state.

use std::collections::HashMap;
use std::time::Duration;

use ring::hmac;

use crate::config::fleet::MAX_NODE_NAME;

const MAGIC: [u8; 4] = *b"SYG1";
const MAC_LEN: usize = 32;
/// Magic, epoch, counter, sending time and name length.
const FIXED: usize = 4 + 8 + 8 + 8 + 1;
/// The most bytes sealing adds to a message.
pub const OVERHEAD: usize = FIXED + MAX_NODE_NAME + MAC_LEN;
/// Datagrams sent further than this from our clock are dropped: fleet clocks must agree
/// within it (NTP), and a captured datagram cannot be replayed after it.
pub const FRESHNESS: Duration = Duration::from_secs(60);
/// Message numbers remembered per sender, for datagrams that arrive out of order.
pub const WINDOW: u64 = 64;
/// Senders remembered at once; the one heard from least recently is forgotten first.
const MAX_SENDERS: usize = 1024;

/// Why a datagram was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    Malformed,
    Mac,
    Stale,
    Replay,
    /// Authentic, but not a gossip message this build decodes.
    Undecodable,
}

impl Rejection {
    pub const ALL: [Rejection; 5] = [
        Rejection::Malformed,
        Rejection::Mac,
        Rejection::Stale,
        Rejection::Replay,
        Rejection::Undecodable,
    ];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Malformed => "malformed",
            Rejection::Mac => "mac",
            Rejection::Stale => "stale",
            Rejection::Replay => "replay",
            Rejection::Undecodable => "undecodable",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The shared secret as an HMAC key.
#[derive(Clone)]
pub struct Key(hmac::Key);

impl Key {
    pub fn new(secret: &[u8]) -> Key {
        Key(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

/// Seals this node's outgoing messages.
#[derive(Debug)]
pub struct Sealer {
    key: Key,
    name: String,
    epoch: u64,
    counter: u64,
}

impl Sealer {
    /// `name` must be a valid node name (at most [`MAX_NODE_NAME`] bytes); `epoch` this
    /// process's start time in Unix milliseconds.
    pub fn new(key: Key, name: &str, epoch: u64) -> Sealer {
        debug_assert!(!name.is_empty() && name.len() <= MAX_NODE_NAME);
        Sealer {
            key,
            name: name.to_string(),
            epoch,
            counter: 0,
        }
    }

    /// Writes the sealed datagram carrying `message` into `out` (replacing its contents).
    pub fn seal(&mut self, message: &[u8], now_unix_ms: u64, out: &mut Vec<u8>) {
        self.counter += 1;
        out.clear();
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&self.counter.to_be_bytes());
        out.extend_from_slice(&now_unix_ms.to_be_bytes());
        out.push(self.name.len() as u8);
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(message);
        let tag = hmac::sign(&self.key.0, out);
        out.extend_from_slice(tag.as_ref());
    }
}

/// A datagram that passed every check.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened<'a> {
    pub sender: &'a str,
    pub message: &'a [u8],
}

/// The numbers seen of one sender's current epoch.
#[derive(Debug, Clone, Copy)]
struct Window {
    epoch: u64,
    highest: u64,
    /// Bit `i`: number `highest - i` was seen.
    seen: u64,
    last_heard: u64,
}

impl Window {
    /// Accepts `(epoch, counter)` once; false for a repeat or anything older than the window.
    fn accept(&mut self, epoch: u64, counter: u64, now: u64) -> bool {
        if epoch < self.epoch {
            return false;
        }
        if epoch > self.epoch {
            *self = Window {
                epoch,
                highest: counter,
                seen: 1,
                last_heard: now,
            };
            return true;
        }
        if counter > self.highest {
            let shift = counter - self.highest;
            self.seen = if shift >= WINDOW {
                0
            } else {
                self.seen << shift
            };
            self.seen |= 1;
            self.highest = counter;
        } else {
            let offset = self.highest - counter;
            if offset >= WINDOW || self.seen & (1 << offset) != 0 {
                return false;
            }
            self.seen |= 1 << offset;
        }
        self.last_heard = now;
        true
    }
}

/// Checks incoming datagrams; remembers what each sender sent.
#[derive(Debug)]
pub struct Opener {
    key: Key,
    senders: HashMap<String, Window>,
}

impl Opener {
    pub fn new(key: Key) -> Opener {
        Opener {
            key,
            senders: HashMap::new(),
        }
    }

    /// Checks `datagram` as received at `now_unix_ms`; on success the sender's number is
    /// remembered, so the same datagram is refused next time.
    pub fn open<'a>(
        &mut self,
        datagram: &'a [u8],
        now_unix_ms: u64,
    ) -> Result<Opened<'a>, Rejection> {
        let header = parse_header(datagram)?;
        let (signed, tag) = datagram.split_at(datagram.len() - MAC_LEN);
        hmac::verify(&self.key.0, signed, tag).map_err(|_| Rejection::Mac)?;
        let freshness = FRESHNESS.as_millis() as u64;
        if header.sent.abs_diff(now_unix_ms) > freshness {
            return Err(Rejection::Stale);
        }
        let sender = std::str::from_utf8(header.name).map_err(|_| Rejection::Malformed)?;
        if !self.remember(sender, header.epoch, header.counter, now_unix_ms) {
            return Err(Rejection::Replay);
        }
        Ok(Opened {
            sender,
            message: &signed[header.message_start..],
        })
    }

    fn remember(&mut self, sender: &str, epoch: u64, counter: u64, now: u64) -> bool {
        if let Some(window) = self.senders.get_mut(sender) {
            return window.accept(epoch, counter, now);
        }
        if self.senders.len() >= MAX_SENDERS
            && let Some(oldest) = self
                .senders
                .iter()
                .min_by_key(|(_, w)| w.last_heard)
                .map(|(name, _)| name.clone())
        {
            self.senders.remove(&oldest);
        }
        let window = Window {
            epoch,
            highest: counter,
            seen: 1,
            last_heard: now,
        };
        self.senders.insert(sender.to_string(), window);
        true
    }
}

struct Header<'a> {
    epoch: u64,
    counter: u64,
    sent: u64,
    name: &'a [u8],
    message_start: usize,
}

fn parse_header(datagram: &[u8]) -> Result<Header<'_>, Rejection> {
    if datagram.len() < FIXED + 1 + MAC_LEN || datagram[..4] != MAGIC {
        return Err(Rejection::Malformed);
    }
    let number = |at: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&datagram[at..at + 8]);
        u64::from_be_bytes(bytes)
    };
    let name_len = usize::from(datagram[FIXED - 1]);
    let message_start = FIXED + name_len;
    if name_len == 0 || name_len > MAX_NODE_NAME || message_start + MAC_LEN > datagram.len() {
        return Err(Rejection::Malformed);
    }
    Ok(Header {
        epoch: number(4),
        counter: number(12),
        sent: number(20),
        name: &datagram[FIXED..message_start],
        message_start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_767_225_600_000;

    fn pair() -> (Sealer, Opener) {
        let key = Key::new(b"a fleet secret of thirty-two bytes!");
        (
            Sealer::new(key.clone(), "ns1", NOW - 5_000),
            Opener::new(key),
        )
    }

    fn sealed(sealer: &mut Sealer, message: &[u8], at: u64) -> Vec<u8> {
        let mut out = Vec::new();
        sealer.seal(message, at, &mut out);
        out
    }

    #[test]
    fn a_sealed_message_opens_once() {
        let (mut sealer, mut opener) = pair();
        let datagram = sealed(&mut sealer, b"hello", NOW);
        assert_eq!(datagram.len(), FIXED + 3 + 5 + MAC_LEN);
        assert_eq!(
            opener.open(&datagram, NOW + 10),
            Ok(Opened {
                sender: "ns1",
                message: b"hello"
            })
        );
        assert_eq!(opener.open(&datagram, NOW + 20), Err(Rejection::Replay));
    }

    #[test]
    fn tampering_and_other_secrets_fail_the_mac() {
        let (mut sealer, mut opener) = pair();
        let datagram = sealed(&mut sealer, b"hello", NOW);
        for i in 0..datagram.len() {
            let mut bad = datagram.clone();
            bad[i] ^= 0x01;
            let rejection = opener.open(&bad, NOW).unwrap_err();
            assert!(
                matches!(rejection, Rejection::Mac | Rejection::Malformed),
                "byte {i}: {rejection:?}"
            );
        }
        let mut outsider = Sealer::new(Key::new(b"another secret"), "ns1", NOW);
        let foreign = sealed(&mut outsider, b"hello", NOW);
        assert_eq!(opener.open(&foreign, NOW), Err(Rejection::Mac));
        // None of them spent the number: the genuine datagram still opens.
        assert!(opener.open(&datagram, NOW).is_ok());
    }

    #[test]
    fn garbage_is_malformed() {
        let (_, mut opener) = pair();
        for datagram in [&b""[..], b"SYG1", &[0u8; 200], &[0xffu8; 80]] {
            assert_eq!(opener.open(datagram, NOW), Err(Rejection::Malformed));
        }
        let (mut sealer, _) = pair();
        let mut datagram = sealed(&mut sealer, b"x", NOW);
        datagram[FIXED - 1] = 200; // name longer than the datagram
        assert_eq!(opener.open(&datagram, NOW), Err(Rejection::Malformed));
    }

    #[test]
    fn old_or_future_datagrams_are_stale() {
        let (mut sealer, mut opener) = pair();
        let window = FRESHNESS.as_millis() as u64;
        let old = sealed(&mut sealer, b"x", NOW - window - 1);
        assert_eq!(opener.open(&old, NOW), Err(Rejection::Stale));
        let future = sealed(&mut sealer, b"x", NOW + window + 1);
        assert_eq!(opener.open(&future, NOW), Err(Rejection::Stale));
        let edge = sealed(&mut sealer, b"x", NOW - window);
        assert!(opener.open(&edge, NOW).is_ok());
    }

    #[test]
    fn reordering_inside_the_window_is_accepted_and_older_epochs_refused() {
        let (mut sealer, mut opener) = pair();
        let datagrams: Vec<Vec<u8>> = (0..70).map(|_| sealed(&mut sealer, b"m", NOW)).collect();
        assert!(opener.open(&datagrams[69], NOW).is_ok());
        assert!(
            opener.open(&datagrams[10], NOW).is_ok(),
            "59 behind: in the window"
        );
        assert_eq!(opener.open(&datagrams[10], NOW), Err(Rejection::Replay));
        assert_eq!(
            opener.open(&datagrams[2], NOW),
            Err(Rejection::Replay),
            "67 behind: out of the window"
        );
        // The sender restarts: a later epoch resets its window, the earlier one is refused.
        let key = Key::new(b"a fleet secret of thirty-two bytes!");
        let mut restarted = Sealer::new(key, "ns1", NOW);
        assert!(opener.open(&sealed(&mut restarted, b"m", NOW), NOW).is_ok());
        assert_eq!(opener.open(&datagrams[68], NOW), Err(Rejection::Replay));
    }

    #[test]
    fn senders_are_forgotten_oldest_first() {
        let key = Key::new(b"k");
        let mut opener = Opener::new(key.clone());
        for i in 0..MAX_SENDERS + 1 {
            let mut sealer = Sealer::new(key.clone(), &format!("n{i}"), NOW);
            assert!(
                opener
                    .open(&sealed(&mut sealer, b"m", NOW), NOW + i as u64)
                    .is_ok()
            );
        }
        assert_eq!(opener.senders.len(), MAX_SENDERS);
        assert!(!opener.senders.contains_key("n0"));
    }
}
