//! The optional query log (`[log] queries = "path"`): one JSON line per sampled query.
//!
//! The answer path never waits for it. A sampled query costs a random draw, a clock read, a
//! copy of the query's bytes (at most [`PACKET_COPY`]) into a fixed-size entry and a `try_send`
//! into a bounded channel whose slots were allocated up front (no allocation, no lock held
//! while waiting); when the channel is full the entry is dropped and counted. A writer thread decodes the entry (name, type, ECS), formats the line
//! and writes it through a buffer, flushing whenever it has caught up.
//!
//! ```json
//! {"time":"2026-01-02T03:04:05.678Z","client":"192.0.2.1","transport":"udp",
//!  "ecs":"198.51.100.0/24","name":"www.example.com.","type":"A","rcode":"noerror",
//!  "service":"www.example.com.","datacenter":"ams","reason":"geo","scope":24}
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use crate::answer::{Request, Summary, Transport};
use crate::geo::parse_client_subnet;
use crate::metrics::Metrics;
use crate::snapshot::Snapshot;
use crate::wire::query::{self, Parsed};
use crate::wire::rtype;

/// Bytes of a query kept for the log; names and ECS fit in far less.
pub const PACKET_COPY: usize = 512;
/// Entries waiting for the writer before new ones are dropped (slots allocated up front).
const CAPACITY: usize = 2048;
/// How long the idle writer sleeps between checks for shutdown.
const IDLE_TICK: Duration = Duration::from_millis(200);

/// One sampled query, as the answer path hands it over.
pub struct Entry {
    time: SystemTime,
    client: SocketAddr,
    transport: Transport,
    packet: [u8; PACKET_COPY],
    len: u16,
    summary: Summary,
    /// Only for steered answers: resolves the service and datacenter names.
    snapshot: Option<Arc<Snapshot>>,
}

/// A running query log: the sending side and the writer thread.
pub struct QueryLog {
    path: PathBuf,
    /// Device and inode of the file written (a renamed file is reopened on reload).
    file_id: (u64, u64),
    /// Probability that a query is logged, as a threshold on a random `u64`.
    threshold: AtomicU64,
    sender: SyncSender<Entry>,
    writer: Option<JoinHandle<()>>,
    metrics: Metrics,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot open the query log: {source}")]
pub struct QueryLogError {
    path: String,
    #[source]
    source: io::Error,
}

impl QueryLog {
    /// Opens (appending to) `path` and starts the writer thread.
    pub fn open(path: &Path, sample: f64, metrics: Metrics) -> Result<QueryLog, QueryLogError> {
        let error = |source| QueryLogError {
            path: path.display().to_string(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(error)?;
        let file_id = file.metadata().map(|m| (m.dev(), m.ino())).map_err(error)?;
        let (sender, receiver) = sync_channel(CAPACITY);
        let writer_metrics = metrics.clone();
        let writer = std::thread::Builder::new()
            .name("switchyard-querylog".into())
            .spawn(move || write_loop(receiver, BufWriter::new(file), writer_metrics))
            .map_err(error)?;
        Ok(QueryLog {
            path: path.to_path_buf(),
            file_id,
            threshold: AtomicU64::new(threshold(sample)),
            sender,
            writer: Some(writer),
            metrics,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `path` still names the file being written (not renamed away by rotation).
    pub fn writes_to(&self, path: &Path) -> bool {
        self.path == path
            && std::fs::metadata(path).is_ok_and(|m| (m.dev(), m.ino()) == self.file_id)
    }

    /// Changes the fraction of queries logged (`[log] sample`, on reload).
    pub fn set_sample(&self, sample: f64) {
        self.threshold.store(threshold(sample), Ordering::Relaxed);
    }

    /// Whether this query is one of the sample (a thread-local random draw).
    #[inline]
    pub fn sampled(&self) -> bool {
        let threshold = self.threshold.load(Ordering::Relaxed);
        threshold == u64::MAX || fastrand::u64(..) < threshold
    }

    /// Hands one answered query to the writer; drops it (counted) when the writer is behind.
    pub fn record(&self, snapshot: &Arc<Snapshot>, request: &Request<'_>, summary: &Summary) {
        let len = request.packet.len().min(PACKET_COPY);
        let mut entry = Entry {
            time: SystemTime::now(),
            client: request.source,
            transport: request.transport,
            packet: [0; PACKET_COPY],
            len: len as u16,
            summary: *summary,
            snapshot: summary.steering.map(|_| snapshot.clone()),
        };
        entry.packet[..len].copy_from_slice(&request.packet[..len]);
        match self.sender.try_send(entry) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.metrics.query_log(0, 1);
            }
        }
    }
}

impl QueryLog {
    /// Stops the log and waits until the writer has written everything queued. (Dropping a
    /// `QueryLog` instead lets the writer finish on its own, without waiting: the last
    /// reference may be dropped on the answer path.)
    pub fn close(mut self) {
        let writer = self.writer.take();
        drop(self);
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

fn threshold(sample: f64) -> u64 {
    if sample >= 1.0 {
        u64::MAX
    } else if sample <= 0.0 || sample.is_nan() {
        0
    } else {
        (sample * u64::MAX as f64) as u64
    }
}

fn write_loop(receiver: Receiver<Entry>, mut out: BufWriter<File>, metrics: Metrics) {
    let mut line = String::with_capacity(256);
    let mut written = 0u64;
    let mut failed = false;
    loop {
        let first = match receiver.recv_timeout(IDLE_TICK) {
            Ok(entry) => entry,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Write everything queued, then flush: lines become visible as soon as the writer
        // has caught up, and a burst costs one flush.
        let mut next = Some(first);
        while let Some(entry) = next {
            line.clear();
            format_entry(&entry, &mut line);
            drop(entry);
            match out.write_all(line.as_bytes()) {
                Ok(()) => written += 1,
                Err(e) => report_failure(&e, &mut failed, &metrics),
            }
            if written >= 4096 {
                flush(&mut out, &metrics, &mut written, &mut failed);
            }
            next = receiver.try_recv().ok();
        }
        flush(&mut out, &metrics, &mut written, &mut failed);
    }
    flush(&mut out, &metrics, &mut written, &mut failed);
}

fn flush(out: &mut BufWriter<File>, metrics: &Metrics, written: &mut u64, failed: &mut bool) {
    if let Err(e) = out.flush() {
        report_failure(&e, failed, metrics);
    }
    if *written > 0 {
        metrics.query_log(*written, 0);
        *written = 0;
    }
}

/// Logs the first write failure (not every line's).
fn report_failure(error: &io::Error, failed: &mut bool, metrics: &Metrics) {
    metrics.query_log(0, 1);
    if !*failed {
        *failed = true;
        tracing::error!(error = %error, "query log write failed; entries are being dropped");
    }
}

/// One JSON line for `entry`.
pub fn format_entry(entry: &Entry, line: &mut String) {
    let packet = &entry.packet[..usize::from(entry.len)];
    let (name, ecs) = match query::parse(packet) {
        Parsed::Query(q) => {
            let ecs = q
                .edns
                .and_then(|e| e.client_subnet)
                .and_then(|data| parse_client_subnet(data).ok())
                .map(|s| format!("{}/{}", s.address, s.source_prefix));
            (presentation(q.qname), ecs)
        }
        Parsed::Error {
            question: Some((qname, _, _)),
            ..
        } => (presentation(qname), None),
        _ => (String::new(), None),
    };
    let steering = entry.summary.steering.and_then(|s| {
        let service = entry.snapshot.as_ref()?.service(s.service)?;
        let datacenter = s
            .datacenter
            .and_then(|d| service.datacenters.get(usize::from(d)))
            .map(|d| d.name.clone());
        Some((
            service.name.to_string(),
            datacenter,
            s.reason.as_str(),
            s.scope,
        ))
    });
    let mut value = serde_json::json!({
        "time": crate::logging::rfc3339(entry.time),
        "client": entry.client.ip().to_string(),
        "transport": entry.transport.name(),
        "ecs": ecs,
        "name": name,
        "type": rtype::type_to_string(entry.summary.qtype),
        "rcode": rtype::rcode::name(entry.summary.rcode),
    });
    if let (Some(map), Some((service, datacenter, reason, scope))) =
        (value.as_object_mut(), steering)
    {
        map.insert("service".into(), service.into());
        map.insert("datacenter".into(), datacenter.into());
        map.insert("reason".into(), reason.into());
        map.insert("scope".into(), scope.into());
    }
    line.push_str(&value.to_string());
    line.push('\n');
}

fn presentation(wire: &[u8]) -> String {
    let mut text = String::new();
    let _ = crate::wire::name::write_presentation(wire, &mut text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_become_json_lines() {
        // www.example.com A with ECS 198.51.100.0/24.
        let mut packet = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1];
        packet.extend_from_slice(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
        packet.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 11]);
        packet.extend_from_slice(&[0, 8, 0, 7, 0, 1, 24, 0, 198, 51, 100]);
        let mut entry = Entry {
            time: std::time::UNIX_EPOCH,
            client: "192.0.2.1:5353".parse().unwrap(),
            transport: Transport::Udp,
            packet: [0; PACKET_COPY],
            len: packet.len() as u16,
            summary: Summary {
                len: 0,
                rcode: 3,
                qtype: 1,
                zone: None,
                truncated: false,
                steering: None,
                cookie: None,
                ede: None,
            },
            snapshot: None,
        };
        entry.packet[..packet.len()].copy_from_slice(&packet);
        let mut line = String::new();
        format_entry(&entry, &mut line);
        assert!(line.ends_with('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "time": "1970-01-01T00:00:00.000Z",
                "client": "192.0.2.1",
                "transport": "udp",
                "ecs": "198.51.100.0/24",
                "name": "www.example.com.",
                "type": "A",
                "rcode": "nxdomain",
            })
        );
        // A runt still gives a line, with what could be read.
        entry.len = 5;
        line.clear();
        format_entry(&entry, &mut line);
        assert!(line.contains("\"name\":\"\""), "{line}");
    }

    #[test]
    fn thresholds() {
        assert_eq!(threshold(1.0), u64::MAX);
        assert_eq!(threshold(0.0), 0);
        let half = threshold(0.5);
        assert!(half > u64::MAX / 3 && half < u64::MAX / 3 * 2);
    }
}
