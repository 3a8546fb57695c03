//! The services of a snapshot: a probe spec per target that has an address to probe, then each
//! service's policy built over the health state those specs get (the running server's probers,
//! or fixed states for `check` and `explain`).

use std::sync::Arc;

use super::build::Health;
use crate::config::{CheckConfig, LoadedConfig};
use crate::health::{DatacenterHealth, ProbeSpec, TargetHealth};
use crate::policy::{self, Service};

/// Prepares every service; with live health, registers the targets' probes.
pub(super) fn build_services(
    loaded: &LoadedConfig,
    health: Health<'_>,
) -> Result<Vec<Service>, Vec<String>> {
    let config = &loaded.config;
    let config_file = loaded.path.display().to_string();
    // One probe spec per (service, target) that has an address to probe.
    let mut specs: Vec<ProbeSpec> = Vec::new();
    let mut spec_of: Vec<Vec<Option<usize>>> = Vec::new();
    let mut errors = Vec::new();
    for (i, service) in config.services.iter().enumerate() {
        let mut row = Vec::with_capacity(service.targets.len());
        for (t, target) in service.targets.iter().enumerate() {
            let check_name = target.check.as_ref().or(service.check.as_ref());
            let check = check_name.and_then(|name| config.checks.get(name).map(|c| (name, c)));
            let served = target.address.as_ref().and_then(|a| a.parse().ok());
            let probe_address = served.or_else(|| {
                check
                    .and_then(|(_, c)| c.address.as_ref())
                    .and_then(|a| a.parse().ok())
            });
            let Some(address) = probe_address else {
                row.push(None);
                continue;
            };
            let spec = match check {
                Some((name, check)) => ProbeSpec::checked(
                    address,
                    &target.datacenter,
                    name,
                    &resolved_check(loaded, check),
                )
                .map_err(|e| format!("{config_file}: services[{i}].targets[{t}]: {e}")),
                None => Ok(ProbeSpec::unchecked(address, &target.datacenter)),
            };
            match spec {
                Ok(spec) => {
                    row.push(Some(specs.len()));
                    specs.push(spec);
                }
                Err(e) => {
                    errors.push(e);
                    row.push(None);
                }
            }
        }
        spec_of.push(row);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let datacenter_names: Vec<String> = config.datacenters.keys().cloned().collect();
    if matches!(health, Health::Live(_)) {
        // Check every policy before the registry starts or stops probers: a configuration
        // rejected here must leave the running targets exactly as they were.
        let offline = Health::Offline { down: &[] };
        assemble(loaded, &specs, &spec_of, &datacenter_names, offline)?;
    }
    assemble(loaded, &specs, &spec_of, &datacenter_names, health)
}

/// Builds every service with the health state `health` hands out for the probe specs.
fn assemble(
    loaded: &LoadedConfig,
    specs: &[ProbeSpec],
    spec_of: &[Vec<Option<usize>>],
    datacenter_names: &[String],
    health: Health<'_>,
) -> Result<Vec<Service>, Vec<String>> {
    let config = &loaded.config;
    let config_file = loaded.path.display().to_string();
    let mut errors = Vec::new();
    let (target_states, datacenter_states): (Vec<Arc<TargetHealth>>, Vec<Arc<DatacenterHealth>>) =
        match health {
            Health::Live(registry) => {
                let reconciled = registry
                    .reconcile(specs, datacenter_names)
                    .map_err(|e| vec![format!("{config_file}: {e}")])?;
                (reconciled.targets, reconciled.datacenters)
            }
            Health::Offline { down } => (
                specs
                    .iter()
                    .map(|s| Arc::new(TargetHealth::standalone(s.address, &s.datacenter, true)))
                    .collect(),
                datacenter_names
                    .iter()
                    .map(|name| Arc::new(DatacenterHealth::new(name, down.contains(name))))
                    .collect(),
            ),
        };
    let mut services = Vec::with_capacity(config.services.len());
    for (i, service) in config.services.iter().enumerate() {
        let mut target_health = |t: usize| match spec_of[i][t] {
            Some(s) => target_states[s].clone(),
            None => Arc::new(TargetHealth::standalone(
                std::net::IpAddr::from([0, 0, 0, 0]),
                &service.targets[t].datacenter,
                true,
            )),
        };
        let mut datacenter_health = |name: &str| {
            datacenter_names
                .iter()
                .position(|n| n == name)
                .map(|d| datacenter_states[d].clone())
                .unwrap_or_else(|| Arc::new(DatacenterHealth::new(name, false)))
        };
        match policy::build::build_service(
            i,
            service,
            config,
            &mut target_health,
            &mut datacenter_health,
        ) {
            Ok(built) => services.push(built),
            Err((key, message)) => errors.push(format!("{config_file}: {key}: {message}")),
        }
    }
    if errors.is_empty() {
        Ok(services)
    } else {
        Err(errors)
    }
}

/// The check with its file paths resolved against the configuration's directory.
fn resolved_check(loaded: &LoadedConfig, check: &CheckConfig) -> CheckConfig {
    let mut check = check.clone();
    if let Some(ca) = &check.ca_file {
        check.ca_file = Some(loaded.resolve(ca).display().to_string());
    }
    check
}
