//! Operator overrides: drained datacenters and forced targets, each with the stamp of its
//! latest change so that a fleet of nodes converges on the same overrides whatever order the
//! changes reach them in (last writer wins: the later stamp, then the node name, decides).
//!
//! Undrains and `auto` are kept as changes too: an undrain made after a drain on another node
//! must win over that drain everywhere, even on a node that hears of the drain later.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::status::{Force, State};

/// What an override is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Subject {
    /// `drain:NAME`: a datacenter's drain.
    Datacenter(String),
    /// `force:ADDRESS`: the forced state of every target serving an address.
    Target(IpAddr),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Datacenter(name) => write!(f, "drain:{name}"),
            Subject::Target(address) => write!(f, "force:{address}"),
        }
    }
}

impl From<Subject> for String {
    fn from(subject: Subject) -> String {
        subject.to_string()
    }
}

impl TryFrom<String> for Subject {
    type Error = String;

    /// `drain:NAME` (letters, digits, `.`, `-`, `_`; at most 64) or `force:ADDRESS`.
    fn try_from(text: String) -> Result<Subject, String> {
        if let Some(name) = text.strip_prefix("drain:") {
            let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
            if !name.is_empty() && name.len() <= 64 && name.chars().all(allowed) {
                return Ok(Subject::Datacenter(name.to_string()));
            }
        } else if let Some(address) = text.strip_prefix("force:")
            && let Ok(address) = address.parse()
        {
            return Ok(Subject::Target(address));
        }
        Err(format!("{text:?} is not drain:DATACENTER or force:ADDRESS"))
    }
}

/// The value an operator set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Setting {
    Drained,
    Undrained,
    Up,
    Down,
    Auto,
}

impl Setting {
    /// Whether the setting applies to that kind of subject.
    pub fn fits(self, subject: &Subject) -> bool {
        match subject {
            Subject::Datacenter(_) => matches!(self, Setting::Drained | Setting::Undrained),
            Subject::Target(_) => matches!(self, Setting::Up | Setting::Down | Setting::Auto),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Setting::Drained => "drained",
            Setting::Undrained => "undrained",
            Setting::Up => "up",
            Setting::Down => "down",
            Setting::Auto => "auto",
        }
    }

    /// The forced state for a target setting.
    pub fn force(self) -> Force {
        match self {
            Setting::Up => Force::Up,
            Setting::Down => Force::Down,
            _ => Force::Auto,
        }
    }

    pub fn of_force(force: Force) -> Setting {
        match force {
            Force::Up => Setting::Up,
            Force::Down => Setting::Down,
            Force::Auto => Setting::Auto,
        }
    }

    pub fn parse(word: &str) -> Option<Setting> {
        Some(match word {
            "drained" => Setting::Drained,
            "undrained" => Setting::Undrained,
            "up" => Setting::Up,
            "down" => Setting::Down,
            "auto" => Setting::Auto,
            _ => return None,
        })
    }
}

/// The latest change of one subject: what was set, when (Unix milliseconds) and on which node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub setting: Setting,
    pub at_unix_ms: u64,
    /// The node the operator acted on (empty for changes from before stamps were kept).
    #[serde(default)]
    pub node: String,
}

impl Change {
    /// Last writer wins: the later stamp, then the greater node name, then the setting, so
    /// that every node picks the same change of two.
    pub fn supersedes(&self, other: &Change) -> bool {
        self.order(other) == Ordering::Greater
    }

    fn order(&self, other: &Change) -> Ordering {
        (self.at_unix_ms, &self.node, self.setting).cmp(&(
            other.at_unix_ms,
            &other.node,
            other.setting,
        ))
    }
}

/// Operator overrides: what the state file holds and what survives a reload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Overrides {
    /// Datacenters drained by an operator (may name datacenters no longer configured).
    pub drained: BTreeSet<String>,
    /// Addresses forced up or down (may name addresses no longer configured).
    pub forced: BTreeMap<IpAddr, State>,
    /// The latest change of each subject, undrains and `auto` included.
    pub changes: BTreeMap<Subject, Change>,
}

impl Overrides {
    /// Takes `change` when it is newer than what is known of `subject` (and fits it); returns
    /// whether it was taken.
    pub fn merge(&mut self, subject: &Subject, change: Change) -> bool {
        if !change.setting.fits(subject) {
            return false;
        }
        if let Some(known) = self.changes.get(subject)
            && !change.supersedes(known)
        {
            return false;
        }
        self.set(subject, change.setting);
        self.changes.insert(subject.clone(), change);
        true
    }

    /// What is in force for `subject`: drained or not, the forced state or none.
    pub fn effective(&self, subject: &Subject) -> (bool, Option<State>) {
        match subject {
            Subject::Datacenter(name) => (self.drained.contains(name), None),
            Subject::Target(address) => (false, self.forced.get(address).copied()),
        }
    }

    /// The newest stamp known, for making the next local change later than all of them.
    pub fn latest_stamp(&self) -> u64 {
        self.changes
            .values()
            .map(|c| c.at_unix_ms)
            .max()
            .unwrap_or(0)
    }

    /// Puts `drained` and `forced` in line with `setting`.
    pub(crate) fn set(&mut self, subject: &Subject, setting: Setting) {
        match subject {
            Subject::Datacenter(name) => {
                if setting == Setting::Drained {
                    self.drained.insert(name.clone());
                } else {
                    self.drained.remove(name);
                }
            }
            Subject::Target(address) => match setting.force().state() {
                Some(state) => {
                    self.forced.insert(*address, state);
                }
                None => {
                    self.forced.remove(address);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(setting: Setting, at: u64, node: &str) -> Change {
        Change {
            setting,
            at_unix_ms: at,
            node: node.into(),
        }
    }

    #[test]
    fn later_changes_win_in_any_order() {
        let ams = Subject::Datacenter("ams".into());
        let drain = change(Setting::Drained, 10, "ns1");
        let undrain = change(Setting::Undrained, 11, "ns2");
        let mut one = Overrides::default();
        assert!(one.merge(&ams, drain.clone()));
        assert!(one.merge(&ams, undrain.clone()));
        let mut other = Overrides::default();
        assert!(other.merge(&ams, undrain.clone()));
        assert!(!other.merge(&ams, drain));
        assert_eq!(one, other);
        assert!(one.drained.is_empty());
        assert_eq!(one.changes[&ams], undrain);
        // Same millisecond: the node name decides, the same way everywhere.
        let a = change(Setting::Drained, 20, "ns1");
        let b = change(Setting::Undrained, 20, "ns3");
        assert!(b.supersedes(&a) && !a.supersedes(&b));
        assert!(!a.supersedes(&a));
    }

    #[test]
    fn settings_must_fit_their_subject() {
        let target = Subject::Target("192.0.2.1".parse().unwrap());
        let mut overrides = Overrides::default();
        assert!(!overrides.merge(&target, change(Setting::Drained, 1, "ns1")));
        assert!(overrides.merge(&target, change(Setting::Down, 1, "ns1")));
        assert_eq!(overrides.forced[&"192.0.2.1".parse().unwrap()], State::Down);
        assert!(overrides.merge(&target, change(Setting::Auto, 2, "ns1")));
        assert!(overrides.forced.is_empty());
        assert_eq!(overrides.latest_stamp(), 2);
    }

    #[test]
    fn subjects_are_words() {
        for text in ["drain:ams", "force:192.0.2.1", "force:2001:db8::1"] {
            let subject = Subject::try_from(text.to_string()).unwrap();
            assert_eq!(subject.to_string(), text);
        }
        for text in ["drain:", "drain:a b", "force:nope", "other:x", ""] {
            assert!(Subject::try_from(text.to_string()).is_err(), "{text}");
        }
        assert_eq!(Setting::parse("undrained"), Some(Setting::Undrained));
        assert_eq!(Setting::parse("sideways"), None);
    }
}
