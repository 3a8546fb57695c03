//! Answers a benchmark's query file in a loop, in process: the per-query work of a UDP worker
//! (`Shared::answer`: `respond` and the metrics) without the sockets, for instruction counts
//! under callgrind.
//!
//! Usage: respond_loop CONFIG QUERIES ROUNDS
//!   QUERIES is a dnsperf file: text ("name type" per line, sent without EDNS as dnsperf does)
//!   or, when it ends in `.bin`, dnsperf's -B format (2-byte length, then the raw query).
//!
//!   RESPOND_COOKIE=none, =client or =valid adds an OPT record to every query that has none:
//!   without options (the baseline), with a client cookie alone (the server makes a cookie: one SipHash), or a
//!   server cookie made for 127.0.0.1 with the configuration's secret (checked: one SipHash,
//!   echoed); without it, the queries as they are. The cost of DNS Cookies is the difference.
//!
//!   RESPOND_DO=1 sets the DNSSEC OK bit in every query (adding an OPT record without options to
//!   a query that has none), after RESPOND_COOKIE: DO=1 against DO=0 is the cost of signed
//!   answers (bench/dnssec.sh).
//!
//!   RESPOND_PAIRED=N measures DO=0 (with an OPT record, as RESPOND_COOKIE=none) against DO=1
//!   on the real CPU: the two query sets take turns, N times ROUNDS rounds each, in one process
//!   on one snapshot, and the fastest turn of each is printed with their ratio. Taking turns
//!   exposes both to the same disturbances of a shared machine, which separate runs are not.
//!
//!   RESPOND_WARM=1 answers every query once before the measured rounds, so that signatures
//!   made on a cache miss (steered variants) are cached when they run (and published, as the
//!   daemon does every second); count with
//!   `--toggle-collect='respond_loop::measured'`, which leaves the warm-up out.
//!
//! Under `valgrind --tool=callgrind --toggle-collect='*answer_all*'` only the answering is
//! counted: instructions ÷ (queries × ROUNDS) is the cost of one query (bench/profile.sh).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use std::sync::Arc;

use switchyard::answer::{Request, Transport};
use switchyard::config;
use switchyard::daemon::tcp_limits;
use switchyard::metrics::Metrics;
use switchyard::server::Shared;
use switchyard::snapshot::{self, Health, Snapshot};
use switchyard::wire::{Name, rtype};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: respond_loop CONFIG QUERIES ROUNDS");
        return ExitCode::FAILURE;
    }
    let loaded = match config::load(Path::new(&args[1])) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e:?}");
            return ExitCode::FAILURE;
        }
    };
    let metrics = Metrics::default();
    let snapshot = match snapshot::build(&loaded, 1, &metrics, Health::Offline { down: &[] }) {
        Ok((snapshot, _)) => snapshot,
        Err(report) => {
            for error in report.errors {
                eprintln!("{error}");
            }
            return ExitCode::FAILURE;
        }
    };
    let cookie = std::env::var("RESPOND_COOKIE").ok();
    let dnssec_ok = std::env::var("RESPOND_DO").as_deref() == Ok("1");
    let paired = std::env::var("RESPOND_PAIRED").ok();
    let raw = match read_queries(&args[2]) {
        Ok(queries) => queries,
        Err(e) => {
            eprintln!("{}: {e}", args[2]);
            return ExitCode::FAILURE;
        }
    };
    // Paired, the queries warmed up and measured are the DO=1 ones, and the DO=0 ones beside.
    let base = paired
        .is_some()
        .then(|| with_cookies(raw.clone(), &snapshot, Some("none")));
    let queries = match paired {
        Some(_) => with_do(raw, true),
        None => with_do(with_cookies(raw, &snapshot, cookie.as_deref()), dnssec_ok),
    };
    let rounds: usize = args[3].parse().unwrap_or(1);
    let mut out = vec![0u8; 65535];
    let snapshot = Arc::new(snapshot);
    let shared = Shared::new(snapshot.clone(), metrics, tcp_limits(&loaded.config.server));
    // RESPOND_WARM=1: every query answered once before the measured loop, so that signatures
    // made on a cache miss (steered variants) are cached when it runs.
    if std::env::var("RESPOND_WARM").as_deref() == Ok("1") {
        answer_all(&shared, &snapshot, &queries, 1, &mut out);
        // What the daemon does every second (`daemon::watch`): the signatures made by the
        // warm-up leave the locked parked map for the published one the queries read.
        let now = switchyard::dnssec::time::now();
        for zone in snapshot.zones() {
            if let Some(signed) = &zone.signatures {
                signed.publish_variants(now);
            }
        }
    }
    if let (Some(turns), Some(base)) = (paired, base) {
        let turns: usize = turns.parse().unwrap_or(1);
        let (mut fastest, total) = ([f64::MAX; 2], (rounds * base.len()).max(1) as f64);
        for _ in 0..turns {
            for (i, set) in [&base, &queries].into_iter().enumerate() {
                let started = Instant::now();
                measured(&shared, &snapshot, set, rounds, &mut out);
                let ns = started.elapsed().as_nanos() as f64 / total;
                fastest[i] = fastest[i].min(ns);
            }
        }
        println!(
            "DO=0 ns/query {:.1} DO=1 ns/query {:.1} ratio {:.3}",
            fastest[0],
            fastest[1],
            fastest[1] / fastest[0]
        );
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let (answered, bytes) = measured(&shared, &snapshot, &queries, rounds, &mut out);
    let elapsed = started.elapsed();
    let total = rounds * queries.len();
    // RESPOND_DUMP=FILE: every response (2-byte length, then the bytes), to check that a
    // change to the answer path leaves each response byte as it was. Weighted picks draw from
    // the thread's random generator, seeded here so that two runs pick alike.
    if let Some(path) = std::env::var_os("RESPOND_DUMP") {
        fastrand::seed(1);
        let mut dump = Vec::new();
        for packet in &queries {
            let request = Request {
                packet,
                source: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 40000),
                transport: Transport::Udp,
            };
            let len = shared
                .answer(&snapshot, &request, &mut out[..1232])
                .map_or(0, |summary| summary.len);
            dump.extend_from_slice(&(len as u16).to_be_bytes());
            dump.extend_from_slice(&out[..len]);
        }
        if let Err(e) = std::fs::write(&path, dump) {
            eprintln!("{}: {e}", path.to_string_lossy());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "queries {total} answered {answered} response bytes {bytes} ns/query {:.1}",
        elapsed.as_nanos() as f64 / total.max(1) as f64
    );
    ExitCode::SUCCESS
}

/// The queries with a COOKIE option as `RESPOND_COOKIE` (`kind`) asks (see the module
/// comment).
fn with_cookies(queries: Vec<Vec<u8>>, snapshot: &Snapshot, kind: Option<&str>) -> Vec<Vec<u8>> {
    let Some(kind) = kind else {
        return queries;
    };
    let client = *b"benchcli";
    let mut option = if kind == "none" {
        Vec::new()
    } else {
        client.to_vec()
    };
    if kind == "valid" {
        let cookies = &snapshot
            .settings
            .cookies
            .as_ref()
            .expect("[cookies] on")
            .secrets;
        let now = switchyard::cookies::now();
        option.extend_from_slice(&cookies.make(&client, IpAddr::V4(Ipv4Addr::LOCALHOST), now));
    }
    queries
        .into_iter()
        .map(|mut query| {
            if query.len() < 12 || query[10..12] != [0, 0] {
                return query;
            }
            query[11] = 1;
            query.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0]);
            if option.is_empty() {
                query.extend_from_slice(&[0, 0]);
                return query;
            }
            query.extend_from_slice(&(4 + option.len() as u16).to_be_bytes());
            query.extend_from_slice(&[0, 10, 0, option.len() as u8]);
            query.extend_from_slice(&option);
            query
        })
        .collect()
}

/// The queries with the DO bit set when `on` (`RESPOND_DO=1`, see the module comment). A
/// query's OPT record is its only additional record, right after the one question.
fn with_do(queries: Vec<Vec<u8>>, on: bool) -> Vec<Vec<u8>> {
    if !on {
        return queries;
    }
    queries
        .into_iter()
        .map(|mut query| {
            if query.len() < 12 {
                return query;
            }
            if query[10..12] == [0, 0] {
                query[11] = 1;
                query.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
            }
            // The question: labels up to the root, then type and class.
            let mut pos = 12;
            while pos < query.len() && query[pos] != 0 {
                pos += 1 + usize::from(query[pos]);
            }
            // Root owner (1), type (2), class (2), extended rcode and version (2), flags.
            let flags = pos + 1 + 4 + 1 + 2 + 2 + 2;
            if flags < query.len()
                && query[flags - 7] == 0
                && query[flags - 6..flags - 4] == [0, 41]
            {
                query[flags] |= 0x80;
            }
            query
        })
        .collect()
}

/// The measured rounds, apart from the warm-up (`--toggle-collect=*measured*`).
#[inline(never)]
fn measured(
    shared: &Shared,
    snapshot: &Arc<Snapshot>,
    queries: &[Vec<u8>],
    rounds: usize,
    out: &mut [u8],
) -> (usize, usize) {
    answer_all(shared, snapshot, queries, rounds, out)
}

/// The measured loop; callgrind collects only inside it (`--toggle-collect=*answer_all*`).
#[inline(never)]
fn answer_all(
    shared: &Shared,
    snapshot: &Arc<Snapshot>,
    queries: &[Vec<u8>],
    rounds: usize,
    out: &mut [u8],
) -> (usize, usize) {
    let source = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 40000);
    let mut answered = 0usize;
    let mut bytes = 0usize;
    for _ in 0..rounds {
        for packet in queries {
            let request = Request {
                packet,
                source,
                transport: Transport::Udp,
            };
            if let Some(summary) = shared.answer(snapshot, &request, &mut out[..1232]) {
                answered += 1;
                bytes += summary.len;
            }
        }
    }
    (answered, bytes)
}

fn read_queries(path: &str) -> Result<Vec<Vec<u8>>, String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut queries = Vec::new();
    if path.ends_with(".bin") {
        let mut rest = &data[..];
        while rest.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            let packet = rest.get(2..2 + len).ok_or("truncated packet")?;
            queries.push(packet.to_vec());
            rest = &rest[2 + len..];
        }
        return Ok(queries);
    }
    let text = String::from_utf8(data).map_err(|e| e.to_string())?;
    for (i, line) in text.lines().enumerate() {
        let mut fields = line.split_whitespace();
        let (Some(name), Some(qtype)) = (fields.next(), fields.next()) else {
            continue;
        };
        // dnsperf treats every name as absolute.
        let name = Name::parse(&format!("{}.", name.trim_end_matches('.')), None)
            .map_err(|e| format!("line {}: {e}", i + 1))?;
        let qtype = rtype::type_from_str(qtype).ok_or(format!("line {}: type", i + 1))?;
        // Header: ID, RD set (as dnsperf sends it), one question.
        let id = (i as u16).wrapping_add(1);
        let mut packet = Vec::with_capacity(12 + name.len() + 4);
        packet.extend_from_slice(&id.to_be_bytes());
        packet.extend_from_slice(&[1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        packet.extend_from_slice(name.as_wire());
        packet.extend_from_slice(&qtype.to_be_bytes());
        packet.extend_from_slice(&rtype::CLASS_IN.to_be_bytes());
        queries.push(packet);
    }
    Ok(queries)
}
