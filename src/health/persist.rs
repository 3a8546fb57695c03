//! The state file: drained datacenters and forced targets, kept across restarts, with the
//! stamp of each one's latest change (what a fleet of nodes merges, last writer wins).
//!
//! ```json
//! { "version": 2, "drained": ["ams"], "forced": { "192.0.2.10": "down" },
//!   "changes": {
//!     "drain:ams": { "setting": "drained", "at_unix_ms": 1767225600000, "node": "ns1" },
//!     "drain:iad": { "setting": "undrained", "at_unix_ms": 1767225700000, "node": "ns2" },
//!     "force:192.0.2.10": { "setting": "down", "at_unix_ms": 1767225800000, "node": "ns1" } } }
//! ```
//! `changes` holds the latest change of each subject, undrains and `auto` included; where it
//! disagrees with `drained` or `forced` (a file edited by hand), the change wins. Version 1
//! files (no `changes`) are still read: their drains and forced states get stamp 0 with no
//! node, older than any change made since, and the next write turns them into version 2.
//! Written atomically: a temporary file in the same folder is written and fsynced, renamed over
//! the old one, then the folder is fsynced, so a crash leaves either the old or the new file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::HealthError;
use super::overrides::{Change, Overrides, Setting, Subject};
use super::status::State;

/// The version this build writes.
const VERSION: u32 = 2;
/// The version before stamps were kept; still read.
const VERSION_UNSTAMPED: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    version: u32,
    #[serde(default)]
    drained: BTreeSet<String>,
    #[serde(default)]
    forced: BTreeMap<IpAddr, State>,
    #[serde(default)]
    changes: BTreeMap<Subject, Change>,
}

/// Reads the state file; a missing file means no overrides (first start).
pub(crate) fn load(path: &Path) -> Result<Overrides, HealthError> {
    let text = match fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Overrides::default()),
        Err(source) => {
            return Err(HealthError::StateFileRead {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let corrupt = |message: String| HealthError::StateFileCorrupt {
        path: path.to_path_buf(),
        message,
    };
    let file: FileFormat = serde_json::from_slice(&text).map_err(|e| corrupt(e.to_string()))?;
    if file.version != VERSION && file.version != VERSION_UNSTAMPED {
        return Err(corrupt(format!(
            "version {} is not one this build reads ({VERSION_UNSTAMPED} or {VERSION})",
            file.version
        )));
    }
    if file.version == VERSION_UNSTAMPED && !file.changes.is_empty() {
        return Err(corrupt("version 1 has no changes".into()));
    }
    let unstamped = |setting| Change {
        setting,
        at_unix_ms: 0,
        node: String::new(),
    };
    let mut overrides = Overrides::default();
    for name in file.drained {
        overrides.merge(&Subject::Datacenter(name), unstamped(Setting::Drained));
    }
    for (address, state) in file.forced {
        let setting = Setting::of_force(state.into());
        overrides.merge(&Subject::Target(address), unstamped(setting));
    }
    for (subject, change) in file.changes {
        if !change.setting.fits(&subject) {
            return Err(corrupt(format!(
                "changes: {subject}: {} does not apply to it",
                change.setting.as_str()
            )));
        }
        overrides.set(&subject, change.setting);
        overrides.changes.insert(subject, change);
    }
    Ok(overrides)
}

/// Replaces the state file atomically with `overrides`.
pub(crate) fn save(path: &Path, overrides: &Overrides) -> Result<(), HealthError> {
    write_atomically(path, overrides).map_err(|source| HealthError::StateFileWrite {
        path: path.to_path_buf(),
        source,
    })
}

fn write_atomically(path: &Path, overrides: &Overrides) -> io::Result<()> {
    let file = FileFormat {
        version: VERSION,
        drained: overrides.drained.clone(),
        forced: overrides.forced.clone(),
        changes: overrides.changes.clone(),
    };
    let mut text = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
    text.push(b'\n');

    let temporary = temporary_path(path)?;
    let written = (|| {
        let mut out = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temporary)?;
        out.write_all(&text)?;
        out.sync_all()?;
        drop(out);
        fs::rename(&temporary, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(e);
    }
    // Make the rename itself durable.
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(folder)?.sync_all()
}

/// `folder/.name.tmp`, next to the state file so the rename stays on one filesystem.
fn temporary_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "state file path has no file name",
        )
    })?;
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(".tmp");
    Ok(path.with_file_name(temporary))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::tests::TempDir;

    #[test]
    fn missing_file_means_no_overrides() {
        let dir = TempDir::new();
        assert_eq!(load(&dir.path("state.json")).unwrap(), Overrides::default());
    }

    #[test]
    fn round_trip_and_no_temporary_left_behind() {
        let dir = TempDir::new();
        let path = dir.path("state.json");
        let mut overrides = Overrides::default();
        let stamp = |setting, at| Change {
            setting,
            at_unix_ms: at,
            node: "ns1".into(),
        };
        let ams = Subject::Datacenter("ams".into());
        overrides.merge(&ams, stamp(Setting::Drained, 5));
        overrides.merge(
            &Subject::Target("192.0.2.10".parse().unwrap()),
            stamp(Setting::Down, 6),
        );
        overrides.merge(
            &Subject::Target("2001:db8::10".parse().unwrap()),
            stamp(Setting::Up, 7),
        );
        save(&path, &overrides).unwrap();
        assert_eq!(load(&path).unwrap(), overrides);
        // A second save replaces the first.
        overrides.merge(&ams, stamp(Setting::Undrained, 8));
        assert!(overrides.drained.is_empty());
        save(&path, &overrides).unwrap();
        assert_eq!(load(&path).unwrap(), overrides);
        let names: Vec<_> = fs::read_dir(dir.root())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"version\": 2"), "{text}");
        assert!(text.contains("\"2001:db8::10\": \"up\""), "{text}");
        assert!(text.contains("\"drain:ams\": {"), "{text}");
        assert!(text.contains("\"setting\": \"undrained\""), "{text}");
    }

    #[test]
    fn version_1_files_are_read_with_stamp_0() {
        let dir = TempDir::new();
        let path = dir.path("state.json");
        fs::write(
            &path,
            r#"{"version": 1, "drained": ["ams"], "forced": {"192.0.2.10": "down"}}"#,
        )
        .unwrap();
        let overrides = load(&path).unwrap();
        assert!(overrides.drained.contains("ams"));
        assert_eq!(overrides.forced.len(), 1);
        let drain = &overrides.changes[&Subject::Datacenter("ams".into())];
        assert_eq!(
            (drain.setting, drain.at_unix_ms, drain.node.as_str()),
            (Setting::Drained, 0, "")
        );
        // Any change made since is newer.
        let mut merged = overrides.clone();
        let undrain = Change {
            setting: Setting::Undrained,
            at_unix_ms: 1,
            node: "ns2".into(),
        };
        assert!(merged.merge(&Subject::Datacenter("ams".into()), undrain));
        assert!(merged.drained.is_empty());
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = TempDir::new();
        let path = dir.path("state.json");
        let mut overrides = Overrides::default();
        let drain = Change {
            setting: Setting::Drained,
            at_unix_ms: 1,
            node: "ns1".into(),
        };
        overrides.merge(&Subject::Datacenter("ams".into()), drain);
        save(&path, &overrides).unwrap();
        // The temporary path is taken by a folder: the write fails before the rename.
        fs::create_dir(dir.path(".state.json.tmp")).unwrap();
        let error = save(&path, &Overrides::default()).unwrap_err();
        assert!(
            matches!(error, HealthError::StateFileWrite { .. }),
            "{error}"
        );
        assert_eq!(load(&path).unwrap(), overrides);
    }

    #[test]
    fn corrupt_files_are_clear_errors() {
        let dir = TempDir::new();
        let path = dir.path("state.json");
        for text in [
            "",
            "{",
            "not json",
            r#"{"version": 1, "drained": "ams"}"#,
            r#"{"version": 1, "forced": {"not-an-ip": "down"}}"#,
            r#"{"version": 1, "forced": {"192.0.2.1": "sideways"}}"#,
            r#"{"version": 1, "surprise": true}"#,
            r#"{"version": 99}"#,
            r#"{"drained": []}"#,
            r#"{"version": 1, "changes": {"drain:ams": {"setting": "drained", "at_unix_ms": 1}}}"#,
            r#"{"version": 2, "changes": {"drain:ams": {"setting": "down", "at_unix_ms": 1}}}"#,
            r#"{"version": 2, "changes": {"nope": {"setting": "down", "at_unix_ms": 1}}}"#,
            r#"{"version": 2, "changes": {"force:192.0.2.1": {"setting": "up"}}}"#,
        ] {
            fs::write(&path, text).unwrap();
            let error = load(&path).unwrap_err();
            assert!(
                matches!(error, HealthError::StateFileCorrupt { .. }),
                "{text}: {error}"
            );
            assert!(error.to_string().contains("state.json: corrupt"), "{error}");
        }
    }
}
