//! The state file: drained datacenters and forced targets, kept across restarts.
//!
//! ```json
//! { "version": 1, "drained": ["ams"], "forced": { "192.0.2.10": "down" } }
//! ```
//! Written atomically: a temporary file in the same folder is written and fsynced, renamed over
//! the old one, then the folder is fsynced, so a crash leaves either the old or the new file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::HealthError;
use super::state::State;

const VERSION: u32 = 1;

/// Operator overrides: what the state file holds and what survives a reload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Overrides {
    /// Datacenters drained by an operator (may name datacenters no longer configured).
    pub drained: BTreeSet<String>,
    /// Addresses forced up or down (may name addresses no longer configured).
    pub forced: BTreeMap<IpAddr, State>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    version: u32,
    #[serde(default)]
    drained: BTreeSet<String>,
    #[serde(default)]
    forced: BTreeMap<IpAddr, State>,
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
    if file.version != VERSION {
        return Err(corrupt(format!(
            "version {} is not the version this build writes ({VERSION})",
            file.version
        )));
    }
    Ok(Overrides {
        drained: file.drained,
        forced: file.forced,
    })
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
        overrides.drained.insert("ams".into());
        overrides
            .forced
            .insert("192.0.2.10".parse().unwrap(), State::Down);
        overrides
            .forced
            .insert("2001:db8::10".parse().unwrap(), State::Up);
        save(&path, &overrides).unwrap();
        assert_eq!(load(&path).unwrap(), overrides);
        // A second save replaces the first.
        overrides.drained.clear();
        save(&path, &overrides).unwrap();
        assert_eq!(load(&path).unwrap(), overrides);
        let names: Vec<_> = fs::read_dir(dir.root())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"version\": 1"), "{text}");
        assert!(text.contains("\"2001:db8::10\": \"up\""), "{text}");
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = TempDir::new();
        let path = dir.path("state.json");
        let mut overrides = Overrides::default();
        overrides.drained.insert("ams".into());
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
