//! `switchyard check`: validates the configuration and everything it names, printing every
//! error as `file:line: message` or `file: key.path: message`.

use std::path::Path;
use std::process::ExitCode;

use crate::config;
use crate::metrics::Metrics;
use crate::snapshot;

/// Runs the check and returns the process exit code.
pub fn run(config_path: &Path) -> ExitCode {
    let loaded = match config::load(config_path) {
        Ok(loaded) => loaded,
        Err(errors) => {
            for error in &errors.0 {
                eprintln!("{error}");
            }
            return ExitCode::FAILURE;
        }
    };
    if let Some(fleet) = &loaded.config.fleet
        && let Err(error) = crate::fleet::read_secret(&loaded.resolve(&fleet.secret_file))
    {
        eprintln!("{error}");
        return ExitCode::FAILURE;
    }
    match snapshot::build(
        &loaded,
        1,
        &Metrics::default(),
        snapshot::Health::Offline { down: &[] },
    ) {
        Ok((snapshot, report)) => {
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            let records: usize = snapshot.zones().iter().map(|z| z.zone.record_count()).sum();
            println!(
                "{}: ok ({} zones, {} records)",
                config_path.display(),
                snapshot.zones().len(),
                records
            );
            ExitCode::SUCCESS
        }
        Err(report) => {
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            for error in &report.errors {
                eprintln!("{error}");
            }
            ExitCode::FAILURE
        }
    }
}
