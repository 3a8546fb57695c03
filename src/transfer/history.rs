//! IXFR history (RFC 1995): the differences between successive versions of each zone as
//! transferred, kept per zone up to [`MAX_DIFFS`] versions and [`MAX_RECORDS`] changed records;
//! an IXFR from a serial the history does not reach gets the whole zone instead.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use super::content::{Content, soa_serial};
use super::serial_newer;

/// Versions kept per zone.
pub const MAX_DIFFS: usize = 32;
/// Changed records kept per zone, all versions together.
pub const MAX_RECORDS: usize = 200_000;

/// A record as transfers carry it: owner (wire), `TYPE CLASS TTL RDLENGTH RDATA`.
pub type Item = (Vec<u8>, Vec<u8>);

/// One version step of a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// The SOA records before and after (owner, record).
    pub from_soa: Item,
    pub to_soa: Item,
    pub removed: Vec<Item>,
    pub added: Vec<Item>,
}

impl Diff {
    /// The records that turn `old` into `new` (SOA apart).
    pub fn between(old: &Content, new: &Content) -> Diff {
        let mut before: HashSet<Item> = HashSet::with_capacity(old.zone().record_count());
        old.for_each(|owner, record| {
            before.insert((owner.to_vec(), record.to_vec()));
        });
        let mut added = Vec::new();
        new.for_each(|owner, record| {
            let item = (owner.to_vec(), record.to_vec());
            if !before.remove(&item) {
                added.push(item);
            }
        });
        let mut removed: Vec<Item> = before.into_iter().collect();
        removed.sort();
        let origin = |c: &Content| c.zone().origin().as_wire().to_vec();
        Diff {
            from_soa: (origin(old), old.soa.clone()),
            to_soa: (origin(new), new.soa.clone()),
            removed,
            added,
        }
    }

    fn from(&self) -> u32 {
        soa_serial(&self.from_soa.1).unwrap_or(0)
    }

    fn to(&self) -> u32 {
        soa_serial(&self.to_soa.1).unwrap_or(0)
    }

    fn size(&self) -> usize {
        self.removed.len() + self.added.len()
    }
}

/// Every zone's recent differences, by origin.
#[derive(Default)]
pub struct History {
    zones: Mutex<HashMap<Vec<u8>, VecDeque<Arc<Diff>>>>,
}

impl History {
    /// Adds a version step of the zone `origin` (a step that does not follow the last one
    /// starts the history over).
    pub fn push(&self, origin: &[u8], diff: Diff) {
        let mut zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        let steps = zones.entry(origin.to_vec()).or_default();
        if steps.back().is_some_and(|last| last.to() != diff.from()) {
            steps.clear();
        }
        steps.push_back(Arc::new(diff));
        let mut total: usize = steps.iter().map(|d| d.size()).sum();
        while steps.len() > MAX_DIFFS || (total > MAX_RECORDS && steps.len() > 1) {
            if let Some(first) = steps.pop_front() {
                total -= first.size();
            }
        }
        if total > MAX_RECORDS {
            steps.clear();
        }
    }

    /// Forgets zones not in `origins` (removed by a reload).
    pub fn retain(&self, origins: &[Vec<u8>]) {
        let mut zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        zones.retain(|origin, _| origins.contains(origin));
    }

    /// The IXFR answer records bringing a secondary at `client` to `current` (owner, SOA):
    /// the current SOA alone when it is up to date, else every step in RFC 1995 §4 form;
    /// `None` when the history does not reach back to `client`.
    pub fn incremental(&self, origin: &[u8], client: u32, current: &Item) -> Option<Vec<Item>> {
        let serial = soa_serial(&current.1)?;
        if !serial_newer(serial, client) {
            return Some(vec![current.clone()]);
        }
        let zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        let steps = zones.get(origin)?;
        let start = steps.iter().position(|d| d.from() == client)?;
        let chain: Vec<Arc<Diff>> = steps.iter().skip(start).cloned().collect();
        drop(zones);
        if chain.last().map(|d| d.to()) != Some(serial) {
            return None;
        }
        let mut out = vec![current.clone()];
        for step in &chain {
            out.push(step.from_soa.clone());
            out.extend(step.removed.iter().cloned());
            out.push(step.to_soa.clone());
            out.extend(step.added.iter().cloned());
        }
        out.push(current.clone());
        Some(out)
    }
}
