//! Packed counter keys: every label of one counter in a single non-zero `u64`, so that the
//! query path adds to a counter with one hash-table probe and no allocation.
//!
//! | bits | query / truncated | steering |
//! |---|---|---|
//! | 60..64 | kind | kind |
//! | 32..56 / 40..60 | zone id | service id |
//! | 16..32 / 24..40 | qtype | datacenter id |
//! | 8..16 | rcode (low 8 bits) | reason |
//! | 0 | transport (1 = TCP) | ECS (1 = located by ECS) |

use crate::policy::Reason;
use crate::wire::Transport;

/// What a packed key counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Answered queries by zone, qtype, rcode and transport.
    Query,
    /// Truncated responses by zone and transport.
    Truncated,
    /// Steering decisions by service, datacenter, reason and ECS.
    Steering,
}

impl Kind {
    fn code(self) -> u64 {
        match self {
            Kind::Query => 1,
            Kind::Truncated => 2,
            Kind::Steering => 3,
        }
    }

    fn from_code(code: u64) -> Option<Kind> {
        match code {
            1 => Some(Kind::Query),
            2 => Some(Kind::Truncated),
            3 => Some(Kind::Steering),
            _ => None,
        }
    }
}

/// Labels of a query or truncation counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryKey {
    /// Stable zone id; 0 when the query matched no zone.
    pub zone: u32,
    /// 0 when the type is not one we name (keeps label cardinality bounded).
    pub qtype: u16,
    pub rcode: u16,
    pub transport: Transport,
}

/// Labels of a steering counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SteeringKey {
    /// Stable service id (1-based).
    pub service: u32,
    /// Stable datacenter id; 0 when no datacenter answered (fallback, no targets).
    pub datacenter: u32,
    pub reason: Reason,
    pub ecs: bool,
}

impl std::hash::Hash for SteeringKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.pack().hash(state);
    }
}

/// A counter's labels, unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Query(QueryKey),
    Truncated(QueryKey),
    Steering(SteeringKey),
}

impl QueryKey {
    /// The key of this counter as `kind` (Query or Truncated).
    #[inline]
    pub fn pack(&self, kind: Kind) -> u64 {
        (kind.code() << 60)
            | (u64::from(self.zone & 0xFF_FFFF) << 32)
            | (u64::from(self.qtype) << 16)
            | (u64::from(self.rcode & 0xFF) << 8)
            | match self.transport {
                Transport::Udp => 0,
                Transport::Tcp => 1,
            }
    }

    fn unpack(key: u64) -> QueryKey {
        QueryKey {
            zone: ((key >> 32) & 0xFF_FFFF) as u32,
            qtype: ((key >> 16) & 0xFFFF) as u16,
            rcode: ((key >> 8) & 0xFF) as u16,
            transport: if key & 1 == 1 {
                Transport::Tcp
            } else {
                Transport::Udp
            },
        }
    }
}

/// Every steering reason, in code order (code = index + 1).
pub const REASONS: [Reason; 7] = [
    Reason::Geo,
    Reason::Nearest,
    Reason::Failover,
    Reason::Weighted,
    Reason::Fallback,
    Reason::FailOpen,
    Reason::NoTargets,
];

fn reason_code(reason: Reason) -> u64 {
    match reason {
        Reason::Geo => 1,
        Reason::Nearest => 2,
        Reason::Failover => 3,
        Reason::Weighted => 4,
        Reason::Fallback => 5,
        Reason::FailOpen => 6,
        Reason::NoTargets => 7,
    }
}

impl SteeringKey {
    #[inline]
    pub fn pack(&self) -> u64 {
        (Kind::Steering.code() << 60)
            | (u64::from(self.service & 0xF_FFFF) << 40)
            | (u64::from(self.datacenter & 0xFFFF) << 24)
            | (reason_code(self.reason) << 8)
            | u64::from(self.ecs)
    }

    fn unpack(key: u64) -> Option<SteeringKey> {
        let reason = ((key >> 8) & 0xF) as usize;
        Some(SteeringKey {
            service: ((key >> 40) & 0xF_FFFF) as u32,
            datacenter: ((key >> 24) & 0xFFFF) as u32,
            reason: *REASONS.get(reason.checked_sub(1)?)?,
            ecs: key & 1 == 1,
        })
    }
}

impl Key {
    /// The labels of a packed key; `None` for a key this build never writes.
    pub fn unpack(key: u64) -> Option<Key> {
        match Kind::from_code(key >> 60)? {
            Kind::Query => Some(Key::Query(QueryKey::unpack(key))),
            Kind::Truncated => Some(Key::Truncated(QueryKey::unpack(key))),
            Kind::Steering => SteeringKey::unpack(key).map(Key::Steering),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let key = QueryKey {
            zone: 42,
            qtype: 28,
            rcode: 3,
            transport: Transport::Tcp,
        };
        assert_eq!(Key::unpack(key.pack(Kind::Query)), Some(Key::Query(key)));
        assert_eq!(
            Key::unpack(key.pack(Kind::Truncated)),
            Some(Key::Truncated(key))
        );
        for reason in REASONS {
            for ecs in [false, true] {
                let key = SteeringKey {
                    service: 0xF_FFFF,
                    datacenter: 7,
                    reason,
                    ecs,
                };
                assert_ne!(key.pack(), 0);
                assert_eq!(Key::unpack(key.pack()), Some(Key::Steering(key)));
            }
        }
        assert_eq!(Key::unpack(0), None);
        assert_eq!(Key::unpack(15 << 60), None);
    }
}
