//! `switchyard explain`: loads the configuration without probing (every target up, the `down`
//! datacenters drained), builds the snapshot and prints the decision trace of one question
//! ([`crate::answer::explain`], the walk that answers it, written by [`crate::explain::Trace`]).

use std::path::Path;

use crate::answer;
use crate::config;
use crate::explain::parse_client;
use crate::metrics::Metrics;
use crate::snapshot;
use crate::wire::{Name, Transport, rtype};

/// The trace's lines for `name` and `qtype` asked by `client`, or every error.
pub fn run(
    config_path: &Path,
    name: &str,
    qtype: &str,
    client: &str,
    down: &[String],
) -> Result<Vec<String>, Vec<String>> {
    let qtype =
        rtype::type_from_str(qtype).ok_or_else(|| vec![format!("unknown type {qtype:?}")])?;
    let name = Name::parse(name, Some(&Name::root())).map_err(|e| vec![e.to_string()])?;
    let client = parse_client(client).map_err(|e| vec![e])?;
    let loaded = config::load(config_path)
        .map_err(|errors| errors.0.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    for dc in down {
        if !loaded.config.datacenters.contains_key(dc) {
            return Err(vec![format!(
                "--down {dc}: no such datacenter in [datacenters]"
            )]);
        }
    }
    let metrics = Metrics::default();
    let (snapshot, _) = snapshot::build(&loaded, 1, &metrics, snapshot::Health::Offline { down })
        .map_err(|report| report.errors)?;
    // Over TCP: the whole answer, as no size limit cuts it short.
    Ok(answer::explain(
        &snapshot,
        name.to_lowercase().as_wire(),
        qtype,
        &client,
        Transport::Tcp,
    ))
}
