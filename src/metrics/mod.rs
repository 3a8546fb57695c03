//! Counters for Prometheus, cheap enough for the query path.
//!
//! Every thread adds to its own shard of lock-free counter tables keyed by packed labels (see
//! [`keys`]); a scrape sums the shards. Zone, service and datacenter names get stable numeric
//! ids that survive reloads. Answer time is a histogram fed by one query in
//! [`histogram::TIME_ONE_IN`] per thread. Nothing here locks or allocates on the query path.

pub mod histogram;
pub mod keys;
pub mod table;
pub mod text;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::cookies::Outcome;
use crate::wire::rtype;
use histogram::{BOUNDS_NS, Histogram, HistogramValues};
pub use keys::{Key, Kind, QueryKey, SteeringKey};
use table::CounterTable;
use text::{TextWriter, Type};

/// Shards; threads beyond this share.
const SHARDS: usize = 32;
/// Type codes below this may be named; all named types are below it.
const NAMED_TYPES: usize = 258;

#[derive(Default)]
struct Shard {
    counters: CounterTable,
    answer_time: Histogram,
    /// Queries by what their COOKIE option proved ([`Outcome`] index), then BADCOOKIE sent.
    cookies: [AtomicU64; COOKIE_COUNTERS],
}

/// One counter per [`Outcome`], and one for BADCOOKIE responses.
const COOKIE_COUNTERS: usize = Outcome::ALL.len() + 1;

/// Names that labels refer to by id.
#[derive(Default)]
struct Labels {
    zones: HashMap<String, u32>,
    services: HashMap<String, u32>,
    datacenters: HashMap<String, u32>,
}

/// Counters outside the query path (one atomic each).
#[derive(Default)]
struct Events {
    tcp_refused: AtomicU64,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    query_log_written: AtomicU64,
    query_log_dropped: AtomicU64,
    udp_send_failures: AtomicU64,
}

struct Inner {
    shards: Box<[Shard]>,
    next_shard: AtomicUsize,
    events: Events,
    /// Whether a type code has a mnemonic (others count as type "other").
    named_types: [bool; NAMED_TYPES],
    labels: Mutex<Labels>,
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
                events: Events::default(),
                named_types: std::array::from_fn(|code| {
                    rtype::type_mnemonic(code as u16).is_some()
                }),
                labels: Mutex::new(Labels::default()),
            }),
        }
    }
}

thread_local! {
    static SHARD: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// The id of `name` in `ids`, assigned on first use (1-based; 0 means none).
fn intern(ids: &mut HashMap<String, u32>, name: &str) -> u32 {
    if let Some(&id) = ids.get(name) {
        return id;
    }
    let id = ids.len() as u32 + 1;
    ids.insert(name.to_string(), id);
    id
}

fn names(ids: &HashMap<String, u32>) -> HashMap<u32, String> {
    ids.iter().map(|(name, id)| (*id, name.clone())).collect()
}

impl Metrics {
    #[inline]
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

    fn labels(&self) -> MutexGuard<'_, Labels> {
        self.inner.labels.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A stable id for a zone name (1-based; 0 means "no zone").
    pub fn zone_id(&self, zone: &str) -> u32 {
        intern(&mut self.labels().zones, zone)
    }

    /// A stable id for a steered name.
    pub fn service_id(&self, service: &str) -> u32 {
        intern(&mut self.labels().services, service)
    }

    /// A stable id for a datacenter name.
    pub fn datacenter_id(&self, datacenter: &str) -> u32 {
        intern(&mut self.labels().datacenters, datacenter)
    }

    /// Zone names by id.
    pub fn zone_names(&self) -> HashMap<u32, String> {
        names(&self.labels().zones)
    }

    /// Counts one answered query, and its response when it was `truncated`. A type without a
    /// mnemonic is counted as type 0 ("other"), which keeps the label's values bounded.
    #[inline]
    pub fn observe_query(&self, key: QueryKey, truncated: bool) {
        let named = self
            .inner
            .named_types
            .get(usize::from(key.qtype))
            .copied()
            .unwrap_or(false);
        let key = QueryKey {
            qtype: if named { key.qtype } else { 0 },
            ..key
        };
        let shard = self.shard();
        shard.counters.add(key.pack(Kind::Query), 1);
        if truncated {
            let key = QueryKey {
                qtype: 0,
                rcode: 0,
                ..key
            };
            shard.counters.add(key.pack(Kind::Truncated), 1);
        }
    }

    /// Counts a query's COOKIE option, and the BADCOOKIE response when one was sent.
    #[inline]
    pub fn observe_cookie(&self, outcome: Outcome, badcookie: bool) {
        let cookies = &self.shard().cookies;
        cookies[outcome as usize].fetch_add(1, Ordering::Relaxed);
        if badcookie {
            cookies[Outcome::ALL.len()].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Queries by COOKIE outcome ([`Outcome`] index), then BADCOOKIE responses, all shards.
    pub fn cookie_counts(&self) -> [u64; COOKIE_COUNTERS] {
        let mut total = [0; COOKIE_COUNTERS];
        for shard in self.inner.shards.iter() {
            for (sum, counter) in total.iter_mut().zip(&shard.cookies) {
                *sum += counter.load(Ordering::Relaxed);
            }
        }
        total
    }

    /// Counts one steering decision.
    #[inline]
    pub fn observe_steering(&self, key: SteeringKey) {
        self.shard().counters.add(key.pack(), 1);
    }

    /// The start time when this query is one to time (see [`histogram`]).
    #[inline]
    pub fn start_timer(&self) -> Option<Instant> {
        histogram::start_timer()
    }

    /// Records the time spent answering a timed query.
    pub fn observe_answer_time(&self, started: Instant) {
        let ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.shard().answer_time.observe_ns(ns);
    }

    /// Counts a TCP connection refused by a connection cap.
    pub fn tcp_refused(&self) {
        self.inner
            .events
            .tcp_refused
            .fetch_add(1, Ordering::Relaxed);
    }

    pub fn tcp_refused_total(&self) -> u64 {
        self.inner.events.tcp_refused.load(Ordering::Relaxed)
    }

    /// Counts a reload, applied or rejected.
    pub fn reload(&self, ok: bool) {
        let events = &self.inner.events;
        let counter = if ok {
            &events.reloads_ok
        } else {
            &events.reloads_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts query-log lines written, and entries dropped because the writer was behind.
    pub fn query_log(&self, written: u64, dropped: u64) {
        let events = &self.inner.events;
        events
            .query_log_written
            .fetch_add(written, Ordering::Relaxed);
        events
            .query_log_dropped
            .fetch_add(dropped, Ordering::Relaxed);
    }

    /// Counts a UDP reply the kernel refused to send (the query goes unanswered).
    pub fn udp_send_failed(&self) {
        let events = &self.inner.events;
        events.udp_send_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Sums every shard: labels → count.
    pub fn counts(&self) -> HashMap<Key, u64> {
        let mut totals = HashMap::new();
        for shard in self.inner.shards.iter() {
            shard.counters.for_each(|key, count| {
                if let Some(key) = Key::unpack(key) {
                    *totals.entry(key).or_insert(0) += count;
                }
            });
        }
        totals
    }

    /// The answer-time histogram, all shards together.
    pub fn answer_time(&self) -> HistogramValues {
        let mut total = HistogramValues::default();
        for shard in self.inner.shards.iter() {
            total.add(&shard.answer_time.values());
        }
        total
    }

    /// Writes every family this module counts.
    pub fn render(&self, w: &mut TextWriter) {
        let (zones, services, datacenters) = {
            let labels = self.labels();
            (
                names(&labels.zones),
                names(&labels.services),
                names(&labels.datacenters),
            )
        };
        let name_of = |ids: &HashMap<u32, String>, id: u32| -> String {
            ids.get(&id).cloned().unwrap_or_default()
        };
        let mut queries: BTreeMap<[String; 4], u64> = BTreeMap::new();
        let mut truncated: BTreeMap<[String; 2], u64> = BTreeMap::new();
        let mut steering: BTreeMap<[String; 4], u64> = BTreeMap::new();
        for (key, count) in self.counts() {
            match key {
                Key::Query(q) => {
                    let qtype = if q.qtype == 0 {
                        "other".to_string()
                    } else {
                        rtype::type_to_string(q.qtype)
                    };
                    let labels = [
                        name_of(&zones, q.zone),
                        qtype,
                        rtype::rcode::name(q.rcode).to_string(),
                        q.transport.name().to_string(),
                    ];
                    *queries.entry(labels).or_insert(0) += count;
                }
                Key::Truncated(q) => {
                    let labels = [name_of(&zones, q.zone), q.transport.name().to_string()];
                    *truncated.entry(labels).or_insert(0) += count;
                }
                Key::Steering(s) => {
                    let labels = [
                        name_of(&services, s.service),
                        name_of(&datacenters, s.datacenter),
                        s.reason.as_str().to_string(),
                        s.ecs.to_string(),
                    ];
                    *steering.entry(labels).or_insert(0) += count;
                }
            }
        }
        let name = "switchyard_queries_total";
        w.family(
            name,
            Type::Counter,
            "Queries answered, by zone (empty: none matched), type, rcode and transport.",
        );
        for ([zone, qtype, rcode, transport], count) in &queries {
            let labels = [
                ("zone", zone.as_str()),
                ("type", qtype.as_str()),
                ("rcode", rcode.as_str()),
                ("transport", transport.as_str()),
            ];
            w.sample(name, &labels, *count);
        }
        let name = "switchyard_responses_truncated_total";
        w.family(
            name,
            Type::Counter,
            "Responses sent with TC=1, by zone and transport.",
        );
        for ([zone, transport], count) in &truncated {
            let labels = [("zone", zone.as_str()), ("transport", transport.as_str())];
            w.sample(name, &labels, *count);
        }
        let name = "switchyard_steering_decisions_total";
        w.family(
            name,
            Type::Counter,
            "Steered answers, by service, answering datacenter (empty: none), reason \
             (geo, nearest, failover, weighted, fallback, fail-open, no-targets) and whether \
             the client was located by EDNS Client Subnet.",
        );
        for ([service, datacenter, reason, ecs], count) in &steering {
            let labels = [
                ("service", service.as_str()),
                ("datacenter", datacenter.as_str()),
                ("reason", reason.as_str()),
                ("ecs", ecs.as_str()),
            ];
            w.sample(name, &labels, *count);
        }
        self.render_answer_time(w);
        self.render_cookies(w);
        self.render_events(w);
    }

    fn render_answer_time(&self, w: &mut TextWriter) {
        let values = self.answer_time();
        let name = "switchyard_answer_duration_seconds";
        w.family(
            name,
            Type::Histogram,
            &format!(
                "Time spent answering a query (parse to response written into the buffer), \
                 sampled: one query in {} per thread.",
                histogram::TIME_ONE_IN
            ),
        );
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0;
        for (i, count) in values.buckets.iter().enumerate() {
            cumulative += count;
            let le = match BOUNDS_NS.get(i) {
                Some(ns) => text::float(*ns as f64 / 1e9),
                None => "+Inf".to_string(),
            };
            w.sample(&bucket, &[("le", le.as_str())], cumulative);
        }
        w.sample(&format!("{name}_sum"), &[], values.sum_ns as f64 / 1e9);
        w.sample(&format!("{name}_count"), &[], cumulative);
    }

    fn render_cookies(&self, w: &mut TextWriter) {
        let counts = self.cookie_counts();
        let name = "switchyard_cookie_queries_total";
        w.family(
            name,
            Type::Counter,
            "Queries with a COOKIE option, by what it proved: client-only (no server cookie), \
             valid (a server cookie we made for that address), invalid (answered with a fresh \
             one), malformed (FORMERR).",
        );
        for outcome in Outcome::ALL {
            w.sample(
                name,
                &[("cookie", outcome.name())],
                counts[outcome as usize],
            );
        }
        let name = "switchyard_cookie_badcookie_total";
        w.family(
            name,
            Type::Counter,
            "BADCOOKIE responses sent ([cookies] require: UDP queries without a valid server \
             cookie).",
        );
        w.sample(name, &[], counts[Outcome::ALL.len()]);
    }

    fn render_events(&self, w: &mut TextWriter) {
        let events = &self.inner.events;
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let name = "switchyard_tcp_connections_refused_total";
        w.family(
            name,
            Type::Counter,
            "TCP connections closed at once because a connection cap was reached.",
        );
        w.sample(name, &[], load(&events.tcp_refused));
        let name = "switchyard_reloads_total";
        w.family(
            name,
            Type::Counter,
            "Configuration reloads, by result (ok: applied; failed: rejected, old one kept).",
        );
        w.sample(name, &[("result", "ok")], load(&events.reloads_ok));
        w.sample(name, &[("result", "failed")], load(&events.reloads_failed));
        let name = "switchyard_query_log_lines_total";
        w.family(
            name,
            Type::Counter,
            "Query log entries, by outcome (written; dropped because the writer was behind).",
        );
        w.sample(
            name,
            &[("outcome", "written")],
            load(&events.query_log_written),
        );
        w.sample(
            name,
            &[("outcome", "dropped")],
            load(&events.query_log_dropped),
        );
        let name = "switchyard_udp_send_failures_total";
        w.family(
            name,
            Type::Counter,
            "UDP replies the kernel refused to send; their queries went unanswered.",
        );
        w.sample(name, &[], load(&events.udp_send_failures));
        let overflow: u64 = self
            .inner
            .shards
            .iter()
            .map(|s| s.counters.overflow())
            .sum();
        let name = "switchyard_metrics_overflow_total";
        w.family(
            name,
            Type::Counter,
            "Counts not kept because a counter table was full (should stay 0).",
        );
        w.sample(name, &[], overflow);
    }
}
