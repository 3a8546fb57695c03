//! What `switchyard keys list | generate | ds | import | roll | ds-seen` does to a zone's key
//! directory, and [`apply_changes`], which carries a lifecycle plan's changes out on the files
//! (the daemon applies its plan's `due` changes the same way). Results are values that print
//! themselves; `main` prints them and the typed errors.

use std::fmt;
use std::path::PathBuf;

use super::algorithm::Algorithm;
use super::dnskey::Role;
use super::ds::{DigestType, ds_rdata, ds_text};
use super::keydir::{KeyError, StoredKey, create_key, import_pair, load_zone_keys, write_key};
use super::rollover::{self, Change, DsState, KeyInfo, KeyPolicy, Plan, RolloverError};
use super::time::format_iso;
use crate::config::LoadedConfig;
use crate::wire::Name;

/// A zone's keys: the directory that holds them, the zone, and the algorithm the zone signs
/// with (`None`: whatever the keys use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    pub dir: PathBuf,
    pub zone: Name,
    pub algorithm: Option<Algorithm>,
}

/// Why a key command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Keys(Vec<KeyError>),
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("{zone}: {error}")]
    Rollover { zone: Name, error: RolloverError },
    #[error("{}: no keys for zone {zone}", dir.display())]
    NoKeys { dir: PathBuf, zone: Name },
    #[error("{}: {key}: {what}", file.display())]
    Config {
        file: PathBuf,
        key: String,
        what: String,
    },
}

impl KeySet {
    /// The key set the configuration gives `zone`: its `[zones."<zone>".dnssec]` table's `keys`
    /// directory (relative to the configuration file) and `algorithm`.
    pub fn from_config(loaded: &LoadedConfig, zone: &Name) -> Result<KeySet, CommandError> {
        let entry = loaded.config.zones.iter().find(|(origin, _)| {
            Name::parse(origin, None).is_ok_and(|origin| origin.eq_ignore_case(zone))
        });
        let problem = |key: String, what: &str| CommandError::Config {
            file: loaded.path.clone(),
            key,
            what: what.to_string(),
        };
        let Some((origin, entry)) = entry else {
            return Err(problem(
                format!("zones.\"{zone}\""),
                "no such zone (or pass --dir)",
            ));
        };
        let Some(dnssec) = &entry.dnssec else {
            let key = format!("zones.\"{origin}\".dnssec");
            return Err(problem(
                key,
                "not set: the zone is not signed here (or pass --dir)",
            ));
        };
        Ok(KeySet {
            dir: loaded.resolve(&dnssec.keys),
            zone: zone.to_lowercase(),
            algorithm: Some(dnssec.algorithm.into()),
        })
    }

    /// Every key of the zone, checked (all problems reported).
    pub fn load(&self) -> Result<Vec<StoredKey>, CommandError> {
        load_zone_keys(&self.dir, &self.zone, self.algorithm).map_err(CommandError::Keys)
    }

    fn rollover_error(&self, error: RolloverError) -> CommandError {
        CommandError::Rollover {
            zone: self.zone.clone(),
            error,
        }
    }
}

/// What the lifecycle planner needs of each key.
pub fn key_infos(keys: &[StoredKey]) -> Vec<KeyInfo> {
    keys.iter()
        .map(|k| KeyInfo {
            tag: k.tag,
            flags: k.flags,
            times: k.times,
        })
        .collect()
}

/// Carries `changes` (from [`rollover::plan`]'s `due`, [`rollover::start_roll`],
/// [`rollover::ds_seen`] or [`rollover::add_key`]) out on the key directory: new keys are
/// made and appended to `keys`, changed times are written. Returns one line per change.
pub fn apply_changes(
    set: &KeySet,
    keys: &mut Vec<StoredKey>,
    changes: Vec<Change>,
    algorithm: Algorithm,
) -> Result<Vec<String>, KeyError> {
    let mut done = Vec::new();
    for change in changes {
        match change {
            Change::Generate { role, times } => {
                let key = create_key(&set.dir, &set.zone, algorithm, role, times)?;
                let active = times
                    .activate
                    .map_or_else(String::new, |t| format!(", active from {}", format_iso(t)));
                done.push(format!("made {role} {} ({algorithm}{active})", key.stem));
                keys.push(key);
            }
            Change::SetTimes { key, times } => {
                let Some(stored) = keys.get_mut(key) else {
                    continue;
                };
                stored.times = times;
                write_key(&set.dir, stored)?;
                let leaves = times.delete.map_or_else(String::new, |t| {
                    format!(", leaves the zone at {}", format_iso(t))
                });
                done.push(format!("updated {}{leaves}", stored.stem));
            }
        }
    }
    Ok(done)
}

/// `keys list`: each key with its role, state, what it signs, its DS and its times; the DS
/// change needed, if any; the next event.
pub fn list(set: &KeySet, policy: &KeyPolicy, now: u64) -> Result<Listing, CommandError> {
    let keys = set.load()?;
    let plan = rollover::plan(&key_infos(&keys), policy, now);
    Ok(Listing {
        set: set.clone(),
        keys,
        plan,
    })
}

/// The output of `keys list`.
#[derive(Debug)]
pub struct Listing {
    set: KeySet,
    keys: Vec<StoredKey>,
    plan: Plan,
}

impl fmt::Display for Listing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (zone, dir) = (&self.set.zone, self.set.dir.display());
        if self.keys.is_empty() {
            return writeln!(f, "{zone}: no keys in {dir}");
        }
        writeln!(f, "{zone}: {} key(s) in {dir}", self.keys.len())?;
        for (key, status) in self.keys.iter().zip(&self.plan.keys) {
            let signs = match (status.signs_zone, status.signs_keys) {
                (true, true) => "signs zone and keys",
                (true, false) => "signs zone",
                (false, true) => "signs keys",
                (false, false) => "signs nothing",
            };
            let ds = match status.ds {
                DsState::NotApplicable => "",
                DsState::Unconfirmed => ", DS unconfirmed",
                DsState::Submitted => ", DS submitted (CDS published)",
                DsState::Seen => ", DS seen at the parent",
            };
            let state = format!("{:?}", status.state).to_lowercase();
            writeln!(
                f,
                "  {:>5} {} {} {state}, {signs}{ds}  {}",
                key.tag, status.role, key.algorithm, key.stem
            )?;
            let times: Vec<String> = key
                .times
                .fields()
                .into_iter()
                .filter_map(|(tag, time)| time.map(|t| format!("{tag} {}", format_iso(t))))
                .collect();
            if !times.is_empty() {
                writeln!(f, "        {}", times.join(", "))?;
            }
        }
        if let Some(change) = &self.plan.ds_change {
            let tags = |indices: &[usize]| -> String {
                let tags: Vec<String> = indices
                    .iter()
                    .map(|&i| self.keys[i].tag.to_string())
                    .collect();
                tags.join(", ")
            };
            write!(
                f,
                "DS change needed at the parent: add key {}",
                tags(&change.add)
            )?;
            if !change.remove.is_empty() {
                write!(f, ", remove key {}", tags(&change.remove))?;
            }
            writeln!(
                f,
                " (`switchyard keys ds` prints the DS records; confirm with `switchyard keys ds-seen`)"
            )?;
        }
        for change in &self.plan.due {
            match change {
                Change::Generate { role, .. } => writeln!(f, "due now: a new {role}")?,
                Change::SetTimes { key, .. } => {
                    writeln!(f, "due now: key {} retires", self.keys[*key].tag)?
                }
            }
        }
        if let Some(next) = self.plan.next_event_at {
            writeln!(f, "next change: {}", format_iso(next))?;
        }
        Ok(())
    }
}

/// `keys generate`: a new key of `role` for a zone that lacks one (see [`rollover::add_key`]).
pub fn generate(
    set: &KeySet,
    role: Role,
    policy: &KeyPolicy,
    now: u64,
) -> Result<Vec<String>, CommandError> {
    change_keys(set, |keys| {
        rollover::add_key(keys, role, policy, now).map(|change| vec![change])
    })
}

/// `keys ds`: the DS records (SHA-256 and SHA-384) to give the parent: for the keys a DS change
/// waits for when there is one, else for the keys that sign the DNSKEY RRset and are not
/// leaving.
pub fn ds(set: &KeySet, policy: &KeyPolicy, now: u64) -> Result<Vec<String>, CommandError> {
    let keys = set.load()?;
    if keys.is_empty() {
        return Err(CommandError::NoKeys {
            dir: set.dir.clone(),
            zone: set.zone.clone(),
        });
    }
    let plan = rollover::plan(&key_infos(&keys), policy, now);
    let chosen: Vec<usize> = match &plan.ds_change {
        Some(change) => change.add.clone(),
        None => plan
            .key_signers()
            .into_iter()
            .filter(|&i| keys[i].times.inactive.is_none() && keys[i].times.delete.is_none())
            .collect(),
    };
    let mut lines = Vec::new();
    for i in chosen {
        for digest in DigestType::ALL {
            let ds = ds_rdata(&keys[i].zone, &keys[i].dnskey, digest);
            lines.push(ds_text(&keys[i].zone, &ds));
        }
    }
    Ok(lines)
}

/// `keys import`: copies BIND key pairs (each named by its `.key`, its `.private` or their
/// stem) into the key directory once each is read and checked for this zone and algorithm.
pub fn import(set: &KeySet, files: &[PathBuf]) -> Result<Vec<String>, CommandError> {
    let mut errors = Vec::new();
    let mut done = Vec::new();
    for file in files {
        match import_pair(&set.dir, file, &set.zone, set.algorithm) {
            Ok(key) => done.push(format!(
                "imported {} (tag {}, {}, flags {})",
                key.stem, key.tag, key.algorithm, key.flags
            )),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(CommandError::Keys(errors));
    }
    // The directory as a whole must still load (no second algorithm, say).
    set.load()?;
    Ok(done)
}

/// `keys roll`: starts a roll of the zone's `role` key now.
pub fn roll(
    set: &KeySet,
    role: Role,
    policy: &KeyPolicy,
    now: u64,
) -> Result<Vec<String>, CommandError> {
    change_keys(set, |keys| rollover::start_roll(keys, role, policy, now))
}

/// `keys ds-seen`: the parent's DS set now names the keys whose CDS is published.
pub fn ds_seen(set: &KeySet, policy: &KeyPolicy, now: u64) -> Result<Vec<String>, CommandError> {
    change_keys(set, |keys| rollover::ds_seen(keys, policy, now))
}

/// Loads the zone's keys, asks `changes` what to do with them and does it.
fn change_keys(
    set: &KeySet,
    changes: impl FnOnce(&[KeyInfo]) -> Result<Vec<Change>, RolloverError>,
) -> Result<Vec<String>, CommandError> {
    let mut keys = set.load()?;
    let changes = changes(&key_infos(&keys)).map_err(|e| set.rollover_error(e))?;
    let algorithm = algorithm_of(set, &keys);
    Ok(apply_changes(set, &mut keys, changes, algorithm)?)
}

/// The algorithm new keys get: the set's, else that of the newest key, else the default.
fn algorithm_of(set: &KeySet, keys: &[StoredKey]) -> Algorithm {
    set.algorithm
        .or_else(|| keys.last().map(|k| k.algorithm))
        .unwrap_or(Algorithm::EcdsaP256Sha256)
}

#[cfg(test)]
#[path = "tests/command.rs"]
mod tests;
