//! `switchyard check`: validates the configuration and everything it names. Every error reads
//! `file:line: message` or `file: key.path: message`; `main.rs` prints them.

use std::path::Path;

use crate::config;
use crate::metrics::Metrics;
use crate::snapshot;

/// What the check found.
#[derive(Debug)]
pub struct Checked {
    /// Warnings, printed first (`warning: …`).
    pub warnings: Vec<String>,
    /// The summary line (`FILE: ok (N zones, M records)`), or every error.
    pub result: Result<String, Vec<String>>,
}

/// Checks the configuration at `config_path` as a start would load it, without serving.
pub fn run(config_path: &Path) -> Checked {
    let loaded = match config::load(config_path) {
        Ok(loaded) => loaded,
        Err(errors) => {
            return Checked {
                warnings: Vec::new(),
                result: Err(errors.0.iter().map(ToString::to_string).collect()),
            };
        }
    };
    if let Some(fleet) = &loaded.config.fleet
        && let Err(error) = crate::fleet::read_secret(&loaded.resolve(&fleet.secret_file))
    {
        return Checked {
            warnings: Vec::new(),
            result: Err(vec![error.to_string()]),
        };
    }
    match snapshot::build(
        &loaded,
        1,
        &Metrics::default(),
        snapshot::Health::Offline { down: &[] },
    ) {
        Ok((snapshot, report)) => {
            let records: usize = snapshot.zones().iter().map(|z| z.zone.record_count()).sum();
            Checked {
                warnings: report.warnings,
                result: Ok(format!(
                    "{}: ok ({} zones, {} records)",
                    config_path.display(),
                    snapshot.zones().len(),
                    records
                )),
            }
        }
        Err(report) => Checked {
            warnings: report.warnings,
            result: Err(report.errors),
        },
    }
}
