//! The key lifecycle as a pure function of the key set, the policy and the time: which keys are
//! in the DNSKEY RRset, which sign what, which have CDS/CDNSKEY published, whether the parent's
//! DS set must change, what must be done now and when the next thing happens. No clock is read
//! and no file written here; the caller applies the [`Change`]s (making keys, rewriting times)
//! and plans again.
//!
//! The state lives in each key's BIND timing fields (`keyfile.rs`), so BIND reads it too:
//!
//! - Published from `Publish` (or `Activate`) until `Delete`; signing from `Activate` until
//!   `Inactive`. A key with no times at all (ldns-keygen's) is published and active.
//! - A KSK or CSK signs the DNSKEY, CDS and CDNSKEY RRsets while active. The zone's data is
//!   signed by the newest active ZSK or CSK only, so a new CSK takes over the data from its
//!   predecessor, which keeps signing the DNSKEY RRset for as long as the parent's DS may name it.
//! - CDS/CDNSKEY are published from `SyncPublish` until `SyncDelete`; `DSPublish` records the
//!   operator's (or a parent check's) confirmation that the parent's DS set names the key.
//!
//! Rolls: a ZSK (and, with a lifetime, a CSK) is rolled automatically by pre-publication; a
//! KSK or CSK roll can be started by command. A new key is published at once and active after
//! the DNSKEY TTL plus the propagation delay. A ZSK's predecessor stops signing then and leaves
//! the zone once the longest TTL plus the propagation delay has passed. A KSK or CSK gets its
//! CDS/CDNSKEY when it becomes active and the state is "DS change needed at the parent" until
//! [`ds_seen`]; its predecessor leaves after the parent's DS TTL plus the propagation delay (for
//! a CSK also after the zone's longest TTL since it last signed data).

use super::dnskey::{FLAG_SEP, Role};
use super::keyfile::KeyTimes;
pub use super::policy::{KeyPolicy, Layout};

/// What the planner needs to know of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyInfo {
    pub tag: u16,
    pub flags: u16,
    pub times: KeyTimes,
}

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// Not yet in the DNSKEY RRset.
    Future,
    /// In the DNSKEY RRset, not yet signing (pre-published).
    Published,
    /// Signing.
    Active,
    /// In the DNSKEY RRset, no longer signing.
    Retired,
    /// Gone from the zone.
    Removed,
}

/// Where a KSK's or CSK's DS is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsState {
    /// A ZSK: the parent does not name it.
    NotApplicable,
    /// Not confirmed at the parent, and no CDS asks for it (an imported key, say).
    Unconfirmed,
    /// CDS/CDNSKEY published; waiting for the parent (confirm with `keys ds-seen`).
    Submitted,
    /// Confirmed at the parent.
    Seen,
}

/// The state of one key at the planned time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyStatus {
    pub role: Role,
    pub state: KeyState,
    /// In the DNSKEY RRset.
    pub published: bool,
    /// Signs the zone's data (every RRset but DNSKEY, CDS and CDNSKEY).
    pub signs_zone: bool,
    /// Signs the DNSKEY, CDS and CDNSKEY RRsets.
    pub signs_keys: bool,
    /// Its CDS and CDNSKEY are published.
    pub cds: bool,
    pub ds: DsState,
}

/// The DS change the parent must make: add the DS of these keys, remove those (indices into
/// the planned key slice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsChange {
    pub add: Vec<usize>,
    pub remove: Vec<usize>,
}

/// A change to the key set, to apply before planning again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Make a key in this role with these times.
    Generate { role: Role, times: KeyTimes },
    /// Set the times of the key at this index.
    SetTimes { key: usize, times: KeyTimes },
}

/// The plan for the key set at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The state of each key, in the order given.
    pub keys: Vec<KeyStatus>,
    /// What must be done now.
    pub due: Vec<Change>,
    /// When the plan changes next by itself (a key's time or lifetime comes), if ever.
    pub next_event_at: Option<u64>,
    /// `Some` while the parent's DS set must change ("DS change needed at the parent").
    pub ds_change: Option<DsChange>,
}

impl Plan {
    fn indices(&self, test: impl Fn(&KeyStatus) -> bool) -> Vec<usize> {
        (0..self.keys.len())
            .filter(|&i| test(&self.keys[i]))
            .collect()
    }
    /// The keys in the DNSKEY RRset.
    pub fn publish(&self) -> Vec<usize> {
        self.indices(|k| k.published)
    }
    /// The keys that sign the zone's data.
    pub fn zone_signers(&self) -> Vec<usize> {
        self.indices(|k| k.signs_zone)
    }
    /// The keys that sign the DNSKEY, CDS and CDNSKEY RRsets.
    pub fn key_signers(&self) -> Vec<usize> {
        self.indices(|k| k.signs_keys)
    }
    /// The keys whose CDS and CDNSKEY are published.
    pub fn cds(&self) -> Vec<usize> {
        self.indices(|k| k.cds)
    }
    pub fn ds_change_needed(&self) -> bool {
        self.ds_change.is_some()
    }
}

/// Why a command cannot change the key set now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RolloverError {
    #[error("the zone has no active {0} to roll")]
    NoKey(Role),
    #[error("a {0} roll is already in progress")]
    InProgress(Role),
    #[error(
        "the parent's DS for key {0} is not confirmed yet (run `switchyard keys ds-seen` once the parent has it)"
    )]
    AwaitingParent(u16),
    #[error("the zone already has a {0} (key {1}); replace it with `switchyard keys roll`")]
    Exists(Role, u16),
    #[error("the zone has a ZSK (key {0}): add a KSK beside it, not a CSK")]
    CskBesideZsk(u16),
    #[error(
        "no DS change is waiting for the parent (no key has CDS published without a confirmed DS)"
    )]
    NothingSubmitted,
}

fn reached(time: Option<u64>, now: u64) -> bool {
    time.is_some_and(|t| t <= now)
}

fn no_times(times: &KeyTimes) -> bool {
    times.created.is_none() && times.publish.is_none() && times.activate.is_none()
}

fn is_published(times: &KeyTimes, now: u64) -> bool {
    let from = times.publish.or(times.activate);
    (no_times(times) || reached(from, now)) && !reached(times.delete, now)
}

fn is_active(times: &KeyTimes, now: u64) -> bool {
    (no_times(times) || reached(times.activate, now))
        && !reached(times.inactive, now)
        && !reached(times.delete, now)
}

/// The role of each key: a SEP key is a KSK while a ZSK is active, else a CSK (so a CSK hands
/// the zone's data over to a ZSK added beside it only once that ZSK is active).
fn roles(keys: &[KeyInfo], now: u64) -> Vec<Role> {
    let has_zsk = keys.iter().any(|k| {
        k.flags & FLAG_SEP == 0 && is_active(&k.times, now) && is_published(&k.times, now)
    });
    keys.iter().map(|k| Role::of(k.flags, has_zsk)).collect()
}

/// The newest active key in a zone-signing role: it alone signs the zone's data.
fn zone_signer(keys: &[KeyInfo], roles: &[Role], now: u64) -> Option<usize> {
    (0..keys.len())
        .filter(|&i| roles[i].signs_zone() && is_active(&keys[i].times, now))
        .filter(|&i| is_published(&keys[i].times, now))
        .max_by_key(|&i| (keys[i].times.activate, keys[i].times.created, keys[i].tag))
}

/// The state of every key at `now`.
pub fn statuses(keys: &[KeyInfo], now: u64) -> Vec<KeyStatus> {
    let roles = roles(keys, now);
    let zone_signer = zone_signer(keys, &roles, now);
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            let t = &key.times;
            let published = is_published(t, now);
            let active = is_active(t, now);
            let role = roles[i];
            let cds = published
                && role.signs_keys()
                && reached(t.sync_publish, now)
                && !reached(t.sync_delete, now);
            let ds = match (role.signs_keys(), t.ds_publish.is_some(), cds) {
                (false, _, _) => DsState::NotApplicable,
                (true, true, _) => DsState::Seen,
                (true, false, true) => DsState::Submitted,
                (true, false, false) => DsState::Unconfirmed,
            };
            let state = match (reached(t.delete, now), published, active) {
                (true, _, _) => KeyState::Removed,
                (false, false, _) => KeyState::Future,
                (false, true, true) => KeyState::Active,
                (false, true, false) if reached(t.inactive, now) => KeyState::Retired,
                (false, true, false) => KeyState::Published,
            };
            KeyStatus {
                role,
                state,
                published,
                signs_zone: zone_signer == Some(i),
                signs_keys: role.signs_keys() && active && published,
                cds,
                ds,
            }
        })
        .collect()
}

/// The plan at `now`: each key's state, the changes due, the next event, the DS change.
pub fn plan(keys: &[KeyInfo], policy: &KeyPolicy, now: u64) -> Plan {
    let keys_status = statuses(keys, now);
    let mut due = initial_keys(keys, &keys_status, policy, now);
    let mut next = next_time(keys, now);
    for role in [Role::Zsk, Role::Csk] {
        let lifetime = match role {
            Role::Zsk => policy.zsk_lifetime,
            _ => policy.csk_lifetime,
        };
        let Some(lifetime) = lifetime else { continue };
        let Some(current) = current_key(keys, &keys_status, role) else {
            continue;
        };
        if busy(keys, &keys_status, role).is_some() {
            continue;
        }
        let times = &keys[current].times;
        // A key with no times (made elsewhere, age unknown) is not rolled automatically.
        let Some(activated) = times.activate.or(times.created) else {
            continue;
        };
        let ends = activated.saturating_add(lifetime);
        if ends <= now {
            due.extend(successor(keys, current, role, policy, now));
        } else {
            next = earliest(next, Some(ends));
        }
    }
    let add: Vec<usize> = (0..keys.len())
        .filter(|&i| keys_status[i].ds == DsState::Submitted)
        .collect();
    let ds_change = (!add.is_empty()).then(|| DsChange {
        remove: replaced_by_ds_change(keys, &keys_status, &add),
        add,
    });
    Plan {
        keys: keys_status,
        due,
        next_event_at: next,
        ds_change,
    }
}

/// The first keys of a zone, or a KSK for a zone left with only ZSKs: active at once, CDS
/// published at once for the key the parent will name.
fn initial_keys(
    keys: &[KeyInfo],
    status: &[KeyStatus],
    policy: &KeyPolicy,
    now: u64,
) -> Vec<Change> {
    let (sep, zsk) = live_keys(keys, status);
    let generate = |role: Role| Change::Generate {
        role,
        times: first_times(role, now, now),
    };
    match (sep, zsk) {
        (None, None) if policy.layout == Layout::Csk => vec![generate(Role::Csk)],
        (None, None) => vec![generate(Role::Ksk), generate(Role::Zsk)],
        (None, Some(_)) => vec![generate(Role::Ksk)],
        (Some(_), _) => Vec::new(),
    }
}

/// A live (not removed) SEP key and a live ZSK, if any: their tags.
fn live_keys(keys: &[KeyInfo], status: &[KeyStatus]) -> (Option<u16>, Option<u16>) {
    let live = |sep: bool| {
        (0..keys.len())
            .find(|&i| {
                status[i].state != KeyState::Removed && (keys[i].flags & FLAG_SEP != 0) == sep
            })
            .map(|i| keys[i].tag)
    };
    (live(true), live(false))
}

fn first_times(role: Role, now: u64, active: u64) -> KeyTimes {
    KeyTimes {
        created: Some(now),
        publish: Some(now),
        activate: Some(active),
        sync_publish: role.signs_keys().then_some(active),
        ..KeyTimes::default()
    }
}

/// A key added by hand (`keys generate`) to a zone that lacks one of its kind: a CSK or KSK
/// when the zone has no KSK or CSK, a ZSK when it has no ZSK. A ZSK joining keys that already
/// sign is pre-published (active after the DNSKEY TTL and the propagation delay); the CSK it
/// joins becomes a KSK then. Replacing a key is a roll ([`start_roll`]).
pub fn add_key(
    keys: &[KeyInfo],
    role: Role,
    policy: &KeyPolicy,
    now: u64,
) -> Result<Change, RolloverError> {
    let status = statuses(keys, now);
    let (sep, zsk) = live_keys(keys, &status);
    match (role, sep, zsk) {
        (Role::Csk, _, Some(tag)) => return Err(RolloverError::CskBesideZsk(tag)),
        (Role::Csk | Role::Ksk, Some(tag), _) => return Err(RolloverError::Exists(role, tag)),
        (Role::Zsk, _, Some(tag)) => return Err(RolloverError::Exists(role, tag)),
        _ => {}
    }
    let active = if role == Role::Zsk && sep.is_some() {
        now + policy.publish_safety()
    } else {
        now
    };
    Ok(Change::Generate {
        role,
        times: first_times(role, now, active),
    })
}

/// The key of `role` a roll would replace: the newest active one not already retiring.
fn current_key(keys: &[KeyInfo], status: &[KeyStatus], role: Role) -> Option<usize> {
    (0..keys.len())
        .filter(|&i| status[i].role == role && status[i].state == KeyState::Active)
        .filter(|&i| keys[i].times.inactive.is_none() && keys[i].times.delete.is_none())
        .max_by_key(|&i| (keys[i].times.activate, keys[i].times.created, keys[i].tag))
}

/// Why a roll of `role` cannot start now: a key of that role waits to become active or to
/// leave, or waits for the parent's DS.
fn busy(keys: &[KeyInfo], status: &[KeyStatus], role: Role) -> Option<RolloverError> {
    let of_role = |i: &usize| status[*i].role == role && status[*i].state != KeyState::Removed;
    let mut indices = (0..keys.len()).filter(of_role);
    if let Some(i) = indices
        .clone()
        .find(|&i| status[i].ds == DsState::Submitted)
    {
        return Some(RolloverError::AwaitingParent(keys[i].tag));
    }
    let moving = indices.any(|i| {
        let t = &keys[i].times;
        match status[i].state {
            KeyState::Future | KeyState::Published | KeyState::Retired => true,
            KeyState::Active => t.inactive.is_some() || t.delete.is_some(),
            KeyState::Removed => false,
        }
    });
    moving.then_some(RolloverError::InProgress(role))
}

/// The changes that start replacing key `old` (of `role`) at `now`.
fn successor(
    keys: &[KeyInfo],
    old: usize,
    role: Role,
    policy: &KeyPolicy,
    now: u64,
) -> Vec<Change> {
    let active = now + policy.publish_safety();
    let new = first_times(role, now, active);
    let mut changes = vec![Change::Generate { role, times: new }];
    if role == Role::Zsk {
        let times = KeyTimes {
            inactive: Some(active),
            delete: Some(active + policy.signature_safety()),
            ..keys[old].times
        };
        changes.push(Change::SetTimes { key: old, times });
    }
    changes
}

/// The KSKs and CSKs whose DS leaves the parent when the `added` keys' DS sets replace it.
fn replaced_by_ds_change(keys: &[KeyInfo], status: &[KeyStatus], added: &[usize]) -> Vec<usize> {
    (0..keys.len())
        .filter(|i| !added.contains(i))
        .filter(|&i| status[i].role.signs_keys() && status[i].state != KeyState::Removed)
        .filter(|&i| keys[i].times.inactive.is_none() && keys[i].times.delete.is_none())
        .collect()
}

fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The first key time after `now`.
fn next_time(keys: &[KeyInfo], now: u64) -> Option<u64> {
    keys.iter()
        .flat_map(|k| {
            let t = &k.times;
            [
                t.publish,
                t.activate,
                t.inactive,
                t.delete,
                t.sync_publish,
                t.sync_delete,
            ]
        })
        .flatten()
        .filter(|&t| t > now)
        .min()
}

/// Starts a roll of the zone's `role` key (by command): the successor is published now.
pub fn start_roll(
    keys: &[KeyInfo],
    role: Role,
    policy: &KeyPolicy,
    now: u64,
) -> Result<Vec<Change>, RolloverError> {
    let status = statuses(keys, now);
    let current = current_key(keys, &status, role).ok_or(RolloverError::NoKey(role))?;
    if let Some(error) = busy(keys, &status, role) {
        return Err(error);
    }
    Ok(successor(keys, current, role, policy, now))
}

/// The parent's DS set now names the keys whose CDS is published (confirmed by the operator or
/// by a check of the parent): they are marked seen and their CDS withdrawn, and the KSKs and
/// CSKs they replace leave once the old DS can no longer be cached.
pub fn ds_seen(
    keys: &[KeyInfo],
    policy: &KeyPolicy,
    now: u64,
) -> Result<Vec<Change>, RolloverError> {
    let status = statuses(keys, now);
    let added: Vec<usize> = (0..keys.len())
        .filter(|&i| status[i].ds == DsState::Submitted)
        .collect();
    if added.is_empty() {
        return Err(RolloverError::NothingSubmitted);
    }
    let mut changes = Vec::new();
    for &i in &added {
        let times = KeyTimes {
            ds_publish: Some(now),
            sync_delete: Some(now),
            ..keys[i].times
        };
        changes.push(Change::SetTimes { key: i, times });
    }
    // A replaced CSK made its last signature over the zone's data when the newest added key
    // became active and took the data over.
    let took_over = added
        .iter()
        .filter_map(|&i| keys[i].times.activate)
        .max()
        .unwrap_or(now);
    for old in replaced_by_ds_change(keys, &status, &added) {
        let mut leaves = now + policy.ds_safety();
        if status[old].role == Role::Csk {
            leaves = leaves.max(took_over + policy.signature_safety());
        }
        let times = KeyTimes {
            inactive: Some(leaves),
            delete: Some(leaves),
            ..keys[old].times
        };
        changes.push(Change::SetTimes { key: old, times });
    }
    Ok(changes)
}

#[cfg(test)]
#[path = "tests/rollover.rs"]
mod tests;
