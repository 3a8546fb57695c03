//! DNS Cookies (RFC 7873) with interoperable server cookies (RFC 9018): owns reading the COOKIE
//! option of a query, checking a server cookie against the current and the previous secret, and
//! making the server cookie a response carries.
//!
//! A server cookie is 16 bytes: version 1, three reserved bytes, a 32-bit timestamp (seconds,
//! RFC 1982 arithmetic) and an 8-byte SipHash-2-4 of client cookie | version | reserved |
//! timestamp | client address, keyed with a 128-bit secret. Every node (and every other RFC 9018
//! server: BIND, Knot, PowerDNS) configured with the same secret makes and accepts the same
//! cookies, so a resolver that moves between the nodes of a fleet keeps a valid cookie. A
//! cookie is valid from 5 minutes in the future to 1 hour in the past, and renewed once it is
//! older than half an hour (RFC 9018 §4.3). Nothing here allocates or locks: the query path
//! calls [`Cookies::check`] and [`Cookies::reply`] for every query that carries the option.

pub mod secret;

use std::hash::Hasher;
use std::net::IpAddr;

use siphasher::sip::SipHasher24;

pub use secret::{SecretError, load_secret};

/// Length of a client cookie.
pub const CLIENT_COOKIE_LEN: usize = 8;
/// Length of an RFC 9018 server cookie.
pub const SERVER_COOKIE_LEN: usize = 16;
/// Length of the option data we send: client cookie then server cookie.
pub const REPLY_LEN: usize = CLIENT_COOKIE_LEN + SERVER_COOKIE_LEN;

/// Oldest acceptable server cookie, in seconds (RFC 9018 §4.3).
const MAX_AGE: u32 = 3600;
/// Furthest acceptable timestamp in the future.
const MAX_AHEAD: u32 = 300;
/// Age after which a valid cookie is replaced by a fresh one.
const RENEW_AGE: u32 = 1800;

/// A 128-bit cookie secret.
pub type Secret = [u8; 16];

/// What the COOKIE option of a query proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A client cookie alone: the client has not talked to us (or any node sharing the secret)
    /// yet, or does not keep server cookies.
    ClientOnly,
    /// A server cookie made with one of our secrets, for this client address, still fresh
    /// enough: the source address is not forged. `renew` when it is older than half an hour
    /// or made with the previous secret.
    Valid { renew: bool },
    /// A server cookie we did not make, made for another address, too old or from the future:
    /// answered as [`Verdict::ClientOnly`], with a fresh cookie (RFC 7873 §5.2.4).
    Invalid,
}

/// What the COOKIE option of one query turned out to be: counted in the metrics, and read by
/// RRL (a client with a valid server cookie is not rate limited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    ClientOnly = 0,
    Valid = 1,
    Invalid = 2,
    /// A length no COOKIE option has: the query got FORMERR.
    Malformed = 3,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::ClientOnly,
        Outcome::Valid,
        Outcome::Invalid,
        Outcome::Malformed,
    ];

    /// Label value for metrics.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::ClientOnly => "client-only",
            Outcome::Valid => "valid",
            Outcome::Invalid => "invalid",
            Outcome::Malformed => "malformed",
        }
    }
}

impl From<Verdict> for Outcome {
    fn from(verdict: Verdict) -> Outcome {
        match verdict {
            Verdict::ClientOnly => Outcome::ClientOnly,
            Verdict::Valid { .. } => Outcome::Valid,
            Verdict::Invalid => Outcome::Invalid,
        }
    }
}

/// The option's data could not be a COOKIE option (RFC 7873 §5.2.2): the query gets FORMERR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// The secrets this server makes and accepts cookies with.
#[derive(Clone, PartialEq, Eq)]
pub struct Cookies {
    /// Makes every new cookie, and checks.
    current: Secret,
    /// During a rollover: still accepted, never used to make a cookie.
    previous: Option<Secret>,
}

impl std::fmt::Debug for Cookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cookies")
            .field("previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}

/// Checks the length of a COOKIE option's data: 8 bytes (client cookie), or 16 to 40 (client
/// cookie and a server cookie of 8 to 32 bytes).
pub fn validate(option: &[u8]) -> Result<(), Malformed> {
    match option.len() {
        CLIENT_COOKIE_LEN | 16..=40 => Ok(()),
        _ => Err(Malformed),
    }
}

impl Cookies {
    pub fn new(current: Secret, previous: Option<Secret>) -> Self {
        Cookies { current, previous }
    }

    /// A random secret, for a server given none: cookies then work for clients that stay with
    /// this node until it restarts.
    pub fn random() -> Self {
        let mut secret = [0u8; 16];
        secret[..8].copy_from_slice(&fastrand::u64(..).to_le_bytes());
        secret[8..].copy_from_slice(&fastrand::u64(..).to_le_bytes());
        Cookies::new(secret, None)
    }

    /// This process's random secret, made on first use and kept until it exits (reloads keep
    /// it, so a server without `secret_file` does not invalidate its clients' cookies).
    pub fn process_random() -> &'static Cookies {
        static SECRET: std::sync::OnceLock<Cookies> = std::sync::OnceLock::new();
        SECRET.get_or_init(Cookies::random)
    }

    /// What the option (already [`validate`]d) proves about a query from `client` at `now`
    /// (seconds since the Unix epoch, truncated to 32 bits).
    pub fn check(&self, option: &[u8], client: IpAddr, now: u32) -> Verdict {
        let Some((client_cookie, server)) = split(option) else {
            return Verdict::ClientOnly;
        };
        let Ok(server) = <&[u8; SERVER_COOKIE_LEN]>::try_from(server) else {
            return Verdict::Invalid;
        };
        if server[0] != 1 {
            return Verdict::Invalid;
        }
        let stamp = u32::from_be_bytes([server[4], server[5], server[6], server[7]]);
        let age = now.wrapping_sub(stamp);
        let ahead = stamp.wrapping_sub(now);
        if age > MAX_AGE && ahead > MAX_AHEAD {
            return Verdict::Invalid;
        }
        let head: &[u8; 8] = server[..8].try_into().expect("16-byte cookie");
        let made_here = |secret: &Secret| hash(secret, client_cookie, head, client) == server[8..];
        if made_here(&self.current) {
            Verdict::Valid {
                renew: age <= MAX_AGE && age > RENEW_AGE,
            }
        } else if self.previous.as_ref().is_some_and(made_here) {
            // Made with the secret being retired: accepted, and replaced by one made with the
            // current secret, so clients move over before the old one goes.
            Verdict::Valid { renew: true }
        } else {
            Verdict::Invalid
        }
    }

    /// The option data of the response: the client cookie and a server cookie, the query's own
    /// when it is valid and young (no hash to compute), else a fresh one stamped `now`.
    pub fn reply(&self, option: &[u8], verdict: Verdict, client: IpAddr, now: u32) -> [u8; 24] {
        let mut out = [0u8; REPLY_LEN];
        out[..CLIENT_COOKIE_LEN].copy_from_slice(&option[..CLIENT_COOKIE_LEN]);
        if verdict == (Verdict::Valid { renew: false }) {
            out[CLIENT_COOKIE_LEN..].copy_from_slice(&option[CLIENT_COOKIE_LEN..REPLY_LEN]);
            return out;
        }
        let client_cookie: &[u8; 8] = option[..8].try_into().expect("validated option");
        out[8..].copy_from_slice(&self.make(client_cookie, client, now));
        out
    }

    /// A fresh server cookie for `client_cookie` from `client`, stamped `now`.
    pub fn make(&self, client_cookie: &[u8; 8], client: IpAddr, now: u32) -> [u8; 16] {
        let mut cookie = [0u8; SERVER_COOKIE_LEN];
        cookie[0] = 1;
        cookie[4..8].copy_from_slice(&now.to_be_bytes());
        let head: [u8; 8] = cookie[..8].try_into().expect("16-byte cookie");
        cookie[8..].copy_from_slice(&hash(&self.current, client_cookie, &head, client));
        cookie
    }
}

/// Client cookie and server cookie of a validated option; `None` for a client cookie alone.
fn split(option: &[u8]) -> Option<(&[u8; 8], &[u8])> {
    if option.len() <= CLIENT_COOKIE_LEN {
        return None;
    }
    let client = option[..CLIENT_COOKIE_LEN].try_into().ok()?;
    Some((client, &option[CLIENT_COOKIE_LEN..]))
}

/// RFC 9018 §4.4: SipHash-2-4 over client cookie, version, reserved, timestamp and address;
/// the 64-bit result in little-endian byte order.
fn hash(secret: &Secret, client_cookie: &[u8; 8], head: &[u8; 8], client: IpAddr) -> [u8; 8] {
    let mut hasher = SipHasher24::new_with_key(secret);
    hasher.write(client_cookie);
    hasher.write(head);
    match client {
        IpAddr::V4(a) => hasher.write(&a.octets()),
        IpAddr::V6(a) => hasher.write(&a.octets()),
    }
    hasher.finish().to_le_bytes()
}

/// Seconds since the Unix epoch as a cookie timestamp (wraps in 2106, as RFC 1982 allows).
pub fn now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

#[cfg(test)]
mod tests;
