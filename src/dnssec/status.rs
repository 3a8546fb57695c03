//! The key lifecycle as an operator reads it: each key's tag, role, algorithm and state, the
//! next event and what it is, the DS change waiting for the parent. `/status`, `/metrics` and
//! `switchyard ctl status` show these; nothing here reads the clock.

use serde::Serialize;

use super::keydir::StoredKey;
use super::keyfile::KeyTimes;
use super::rollover::{DsState, KeyState, Plan};

/// One key of a signed zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyReport {
    pub tag: u16,
    /// `KSK`, `ZSK` or `CSK`.
    pub role: String,
    /// The registry mnemonic (`ECDSAP256SHA256`).
    pub algorithm: &'static str,
    /// `future`, `published`, `active`, `retired` or `removed`.
    pub state: &'static str,
    /// Where its DS is: `n/a` (a ZSK), `unconfirmed`, `submitted` (CDS published, waiting
    /// for the parent) or `seen`.
    pub ds: &'static str,
    pub signs_zone: bool,
    pub signs_keys: bool,
    /// Its CDS/CDNSKEY are published.
    pub cds: bool,
}

/// What happens next to the key set, and when (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextEvent {
    pub at: u64,
    /// `key 12345 activate`, or `ZSK 12345 lifetime ends (rollover starts)`.
    pub what: String,
}

/// The DS change the parent must make, by key tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DsChangeReport {
    pub add: Vec<u16>,
    pub remove: Vec<u16>,
}

pub fn state_name(state: KeyState) -> &'static str {
    match state {
        KeyState::Future => "future",
        KeyState::Published => "published",
        KeyState::Active => "active",
        KeyState::Retired => "retired",
        KeyState::Removed => "removed",
    }
}

fn ds_name(ds: DsState) -> &'static str {
    match ds {
        DsState::NotApplicable => "n/a",
        DsState::Unconfirmed => "unconfirmed",
        DsState::Submitted => "submitted",
        DsState::Seen => "seen",
    }
}

/// Every key of `keys` with its state in `plan` (planned over the same keys, in order).
pub fn keys(keys: &[StoredKey], plan: &Plan) -> Vec<KeyReport> {
    keys.iter()
        .zip(&plan.keys)
        .map(|(key, status)| KeyReport {
            tag: key.tag,
            role: status.role.to_string(),
            algorithm: key.algorithm.mnemonic(),
            state: state_name(status.state),
            ds: ds_name(status.ds),
            signs_zone: status.signs_zone,
            signs_keys: status.signs_keys,
            cds: status.cds,
        })
        .collect()
}

fn timed_fields(times: &KeyTimes) -> [(&'static str, Option<u64>); 6] {
    [
        ("publish", times.publish),
        ("activate", times.activate),
        ("inactive", times.inactive),
        ("delete", times.delete),
        ("publish CDS", times.sync_publish),
        ("remove CDS", times.sync_delete),
    ]
}

/// The plan's next event, worded: a key's time that comes then, or else the end of the
/// signing key's lifetime (a rollover starts).
pub fn next_event(keys: &[StoredKey], plan: &Plan) -> Option<NextEvent> {
    let at = plan.next_event_at?;
    let timed = keys.iter().find_map(|key| {
        timed_fields(&key.times)
            .into_iter()
            .find(|(_, time)| *time == Some(at))
            .map(|(field, _)| format!("key {} {field}", key.tag))
    });
    let what = timed.unwrap_or_else(|| {
        let signer = keys.iter().zip(&plan.keys).find(|(_, s)| s.signs_zone);
        match signer {
            Some((key, status)) => format!(
                "{} {} lifetime ends (rollover starts)",
                status.role, key.tag
            ),
            None => "key lifetime ends (rollover starts)".to_string(),
        }
    });
    Some(NextEvent { at, what })
}

/// The DS change waiting for the parent, if any.
pub fn ds_change(keys: &[StoredKey], plan: &Plan) -> Option<DsChangeReport> {
    let change = plan.ds_change.as_ref()?;
    let tags = |indices: &[usize]| {
        indices
            .iter()
            .filter_map(|&i| keys.get(i))
            .map(|k| k.tag)
            .collect()
    };
    Some(DsChangeReport {
        add: tags(&change.add),
        remove: tags(&change.remove),
    })
}
