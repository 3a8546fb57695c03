//! What the metrics cost the query path, per query, on one core: the counter tables and the
//! answer-time sampling exactly as `src/metrics` has them (the files are included as they are).
//!
//! ```sh
//! rustc --edition 2024 -O -C target-cpu=native bench/metrics_cost.rs -o /tmp/metrics_cost
//! /tmp/metrics_cost
//! ```
//!
//! Each line prints nanoseconds per query for one variant; compare "counters + sampled timer"
//! (what `Shared::answer` does) with "timer on every query" (what sampling avoids).

#[path = "../src/metrics/histogram.rs"]
#[allow(dead_code)]
mod histogram;
#[path = "../src/metrics/table.rs"]
#[allow(dead_code)]
mod table;

use std::cell::Cell;
use std::hint::black_box;
use std::time::Instant;

const QUERIES: u64 = 50_000_000;

struct Shard {
    counters: table::CounterTable,
    answer_time: histogram::Histogram,
}

thread_local! {
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The shard lookup `Metrics::shard` does: a thread-local read.
#[inline(always)]
fn shard(shards: &[Shard]) -> &Shard {
    let index = SHARD.with(|cell| {
        let mut index = cell.get();
        if index == usize::MAX {
            index = 0;
            cell.set(index);
        }
        index
    });
    &shards[index % shards.len()]
}

/// Query keys as `QueryKey::pack` makes them: a handful of label sets, as real traffic has.
#[inline(always)]
fn key(i: u64) -> u64 {
    (1 << 60) | (1 << 32) | ((1 + (i & 3)) << 16) | ((i >> 2) & 1)
}

fn run(name: &str, shards: &[Shard], step: impl Fn(&[Shard], u64)) {
    // Warm up the table slots.
    for i in 0..1_000_000 {
        step(shards, i);
    }
    let started = Instant::now();
    for i in 0..QUERIES {
        step(shards, black_box(i));
    }
    let ns = started.elapsed().as_nanos() as f64 / QUERIES as f64;
    println!("{name:<44} {ns:6.2} ns/query");
}

fn main() {
    let shards: Vec<Shard> = (0..32)
        .map(|_| Shard {
            counters: table::CounterTable::default(),
            answer_time: histogram::Histogram::default(),
        })
        .collect();
    run("nothing (loop overhead)", &shards, |_, i| {
        black_box(i);
    });
    run("query counter", &shards, |s, i| {
        shard(s).counters.add(key(i), 1);
    });
    run("query + steering counters", &shards, |s, i| {
        let shard = shard(s);
        shard.counters.add(key(i), 1);
        shard.counters.add((3 << 60) | (1 << 40) | (2 << 24) | (3 << 8), 1);
    });
    run("sampled timer (countdown only, 1 in 64)", &shards, |s, _| {
        if let Some(started) = histogram::start_timer() {
            let ns = started.elapsed().as_nanos() as u64;
            shard(s).answer_time.observe_ns(ns);
        }
    });
    run("query counter + sampled timer", &shards, |s, i| {
        let timer = histogram::start_timer();
        shard(s).counters.add(key(i), 1);
        if let Some(started) = timer {
            let ns = started.elapsed().as_nanos() as u64;
            shard(s).answer_time.observe_ns(ns);
        }
    });
    run("query counter + timer on every query", &shards, |s, i| {
        let started = Instant::now();
        shard(s).counters.add(key(i), 1);
        let ns = started.elapsed().as_nanos() as u64;
        shard(s).answer_time.observe_ns(ns);
    });
}
