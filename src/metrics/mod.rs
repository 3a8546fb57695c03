//! Counters for Prometheus, cheap enough for the query path.
//!
//! Every thread adds to its own shard of lock-free counter tables keyed by packed labels; a
//! scrape sums the shards. Zone names get stable numeric ids that survive reloads.

pub mod table;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::answer::{Request, Summary, Transport};
use crate::wire::rtype;
use table::CounterTable;

/// Shards; threads beyond this share.
const SHARDS: usize = 32;

/// What a packed key counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Kind {
    /// Answered queries by zone, qtype, rcode and transport.
    Query = 1,
    /// Truncated responses by zone and transport.
    Truncated = 2,
}

/// Labels of one query counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryKey {
    pub zone: u32,
    /// 0 when the type is not one we name (keeps label cardinality bounded).
    pub qtype: u16,
    pub rcode: u16,
    pub transport: Transport,
}

impl QueryKey {
    fn pack(&self, kind: Kind) -> u64 {
        ((kind as u64) << 60)
            | (u64::from(self.zone & 0xFF_FFFF) << 32)
            | (u64::from(self.qtype) << 16)
            | (u64::from(self.rcode & 0xFF) << 8)
            | match self.transport {
                Transport::Udp => 0,
                Transport::Tcp => 1,
            }
    }

    fn unpack(key: u64) -> (u64, QueryKey) {
        (
            key >> 60,
            QueryKey {
                zone: ((key >> 32) & 0xFF_FFFF) as u32,
                qtype: ((key >> 16) & 0xFFFF) as u16,
                rcode: ((key >> 8) & 0xFF) as u16,
                transport: if key & 1 == 1 {
                    Transport::Tcp
                } else {
                    Transport::Udp
                },
            },
        )
    }
}

#[derive(Default)]
struct Shard {
    counters: CounterTable,
}

struct Inner {
    shards: Box<[Shard]>,
    next_shard: AtomicUsize,
    tcp_refused: AtomicU64,
    zone_ids: Mutex<HashMap<String, u32>>,
}

/// The process's counters; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            inner: Arc::new(Inner {
                shards: (0..SHARDS).map(|_| Shard::default()).collect(),
                next_shard: AtomicUsize::new(0),
                tcp_refused: AtomicU64::new(0),
                zone_ids: Mutex::new(HashMap::new()),
            }),
        }
    }
}

thread_local! {
    static SHARD: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

impl Metrics {
    fn shard(&self) -> &Shard {
        let index = SHARD.with(|cell| {
            let mut index = cell.get();
            if index == usize::MAX {
                index = self.inner.next_shard.fetch_add(1, Ordering::Relaxed) % SHARDS;
                cell.set(index);
            }
            index
        });
        &self.inner.shards[index % SHARDS]
    }

    /// A stable id for a zone name (1-based; 0 means "no zone").
    pub fn zone_id(&self, zone: &str) -> u32 {
        let mut ids = self
            .inner
            .zone_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let next = ids.len() as u32 + 1;
        *ids.entry(zone.to_string()).or_insert(next)
    }

    /// Zone names by id.
    pub fn zone_names(&self) -> HashMap<u32, String> {
        let ids = self
            .inner
            .zone_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        ids.iter().map(|(name, id)| (*id, name.clone())).collect()
    }

    /// Counts one answered query; `zone_id` is the zone's metric id (0 for none).
    pub fn observe_query(&self, zone_id: u32, request: &Request<'_>, summary: &Summary) {
        let key = QueryKey {
            zone: zone_id,
            qtype: if rtype::type_mnemonic(summary.qtype).is_some() {
                summary.qtype
            } else {
                0
            },
            rcode: summary.rcode,
            transport: request.transport,
        };
        let shard = self.shard();
        shard.counters.add(key.pack(Kind::Query), 1);
        if summary.truncated {
            let key = QueryKey {
                qtype: 0,
                rcode: 0,
                ..key
            };
            shard.counters.add(key.pack(Kind::Truncated), 1);
        }
    }

    /// Counts a TCP connection refused by a connection cap.
    pub fn tcp_refused(&self) {
        self.inner.tcp_refused.fetch_add(1, Ordering::Relaxed);
    }

    pub fn tcp_refused_total(&self) -> u64 {
        self.inner.tcp_refused.load(Ordering::Relaxed)
    }

    /// Sums every shard: (kind, labels) → count.
    pub fn query_counts(&self) -> HashMap<(u64, QueryKey), u64> {
        let mut totals = HashMap::new();
        for shard in self.inner.shards.iter() {
            shard.counters.for_each(|key, count| {
                let (kind, labels) = QueryKey::unpack(key);
                *totals.entry((kind, labels)).or_insert(0) += count;
            });
        }
        totals
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
        assert_eq!(QueryKey::unpack(key.pack(Kind::Query)), (1, key));
    }
}
