//! The event log: the latest health state changes, operator actions (drains, forced states),
//! reloads and fleet changes, kept in memory in a bounded ring for `GET /events` and the admin
//! console.
//!
//! Only code off the query path writes here (probers, the health registry, reloads, the
//! fleet's rounds); a write
//! takes a short lock and drops the oldest event once [`CAPACITY`] are kept.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Events kept; older ones are dropped.
pub const CAPACITY: usize = 200;

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A target's probe state changed (rise/fall completed).
    Health,
    /// An operator drained or undrained a datacenter.
    Drain,
    /// An operator forced a target up or down, or gave it back to its probes.
    Force,
    /// A reload was applied or rejected.
    Reload,
    /// With `[fleet]`: the fleet's verdict on a target changed, a member joined or left, or this
    /// node's mode changed.
    Fleet,
}

/// One event, as `/events` serves it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Increases by one per event, from 1; `/events?after=` resumes from it.
    pub seq: u64,
    /// RFC 3339, UTC.
    pub time: String,
    pub unix_ms: u64,
    pub kind: EventKind,
    /// The target's address, the datacenter's name, or the configuration file.
    pub subject: String,
    /// The datacenter concerned, when there is one.
    pub datacenter: Option<String>,
    /// The new state: `up`, `down`, `auto`, `drained`, `undrained`, `applied`, `rejected`,
    /// or for the fleet `joined`, `left`, `joining`, `fleet`, `degraded`.
    pub state: String,
    /// A sentence for people.
    pub message: String,
}

/// The bounded, shared event log.
#[derive(Debug, Default)]
pub struct EventLog {
    inner: Mutex<Ring>,
}

#[derive(Debug, Default)]
struct Ring {
    last_seq: u64,
    events: VecDeque<Event>,
}

impl EventLog {
    /// Appends an event stamped now.
    pub fn record(
        &self,
        kind: EventKind,
        subject: &str,
        datacenter: Option<&str>,
        state: &str,
        message: String,
    ) {
        let now = SystemTime::now();
        let unix_ms = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let mut ring = self.lock();
        ring.last_seq += 1;
        let event = Event {
            seq: ring.last_seq,
            time: crate::logging::rfc3339(now),
            unix_ms,
            kind,
            subject: subject.to_string(),
            datacenter: datacenter.map(str::to_string),
            state: state.to_string(),
            message,
        };
        if ring.events.len() == CAPACITY {
            ring.events.pop_front();
        }
        ring.events.push_back(event);
    }

    /// The events kept with a sequence number above `after`, oldest first, and the latest
    /// sequence number (0 before the first event).
    pub fn after(&self, after: u64) -> (Vec<Event>, u64) {
        let ring = self.lock();
        let events = ring
            .events
            .iter()
            .filter(|e| e.seq > after)
            .cloned()
            .collect();
        (events, ring.last_seq)
    }

    fn lock(&self) -> MutexGuard<'_, Ring> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_events_in_order_and_resumes_after_a_sequence_number() {
        let log = EventLog::default();
        assert_eq!(log.after(0), (Vec::new(), 0));
        for i in 0..CAPACITY + 5 {
            log.record(
                EventKind::Health,
                "192.0.2.1",
                Some("ams"),
                "down",
                format!("event {i}"),
            );
        }
        let (all, last) = log.after(0);
        assert_eq!(last, CAPACITY as u64 + 5);
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(all[0].seq, 6, "the oldest five were dropped");
        assert_eq!(
            all.last().unwrap().message,
            format!("event {}", CAPACITY + 4)
        );
        let (newer, _) = log.after(last - 2);
        assert_eq!(
            newer.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [last - 1, last]
        );
        let json = serde_json::to_value(&newer[0]).unwrap();
        assert_eq!(json["kind"], "health");
        assert_eq!(json["datacenter"], "ams");
        assert!(json["time"].as_str().unwrap().ends_with('Z'));
    }
}
