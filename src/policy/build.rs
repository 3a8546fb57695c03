//! Prepares a [`Service`] from its configuration: datacenter indices, geo rule tables and the
//! health handles of its targets.

use std::net::IpAddr;
use std::sync::Arc;

use super::{Address, Datacenter, MAX_DATACENTERS, Rules, Service, Target, pick::MAX_CANDIDATES};
use crate::config::{Config, GeoRule, PolicyKind, ServiceConfig};
use crate::health::{DatacenterHealth, TargetHealth};
use crate::wire::Name;

/// Builds a service. `target_health(i)` and `datacenter_health(name)` give the shared state of
/// target `i` and of a datacenter. Errors are (key path, message).
pub fn build_service(
    index: usize,
    service: &ServiceConfig,
    config: &Config,
    target_health: &mut dyn FnMut(usize) -> Arc<TargetHealth>,
    datacenter_health: &mut dyn FnMut(&str) -> Arc<DatacenterHealth>,
) -> Result<Service, (String, String)> {
    let key = |field: &str| format!("services[{index}].{field}");
    let name = Name::parse(&service.name, None).map_err(|e| (key("name"), e.to_string()))?;
    if service.targets.len() > MAX_CANDIDATES {
        return Err((
            key("targets"),
            format!("at most {MAX_CANDIDATES} targets per service"),
        ));
    }
    // Datacenters in the order their first target appears.
    let mut names: Vec<&str> = Vec::new();
    for target in &service.targets {
        if !names.contains(&target.datacenter.as_str()) {
            names.push(&target.datacenter);
        }
    }
    if names.len() > MAX_DATACENTERS {
        return Err((
            key("targets"),
            format!("at most {MAX_DATACENTERS} datacenters per service"),
        ));
    }
    let dc_index = |name: &str| names.iter().position(|n| *n == name).map(|i| i as u16);
    let mut datacenters: Vec<Datacenter> = names
        .iter()
        .map(|name| Datacenter {
            name: name.to_string(),
            location: config
                .datacenters
                .get(*name)
                .and_then(|d| d.location)
                .map(|[lat, lon]| (lat, lon)),
            health: datacenter_health(name),
            targets: Vec::new(),
        })
        .collect();
    let mut targets = Vec::with_capacity(service.targets.len());
    for (t, target) in service.targets.iter().enumerate() {
        let address = match (&target.address, &target.cname) {
            (Some(address), _) => match address.parse::<IpAddr>() {
                Ok(IpAddr::V4(a)) => Address::V4(a),
                Ok(IpAddr::V6(a)) => Address::V6(a),
                Err(_) => {
                    return Err((
                        key(&format!("targets[{t}].address")),
                        "not an IP address".into(),
                    ));
                }
            },
            (None, Some(cname)) => Address::Cname(
                Name::parse(cname, None)
                    .map_err(|e| (key(&format!("targets[{t}].cname")), e.to_string()))?,
            ),
            (None, None) => {
                return Err((
                    key(&format!("targets[{t}]")),
                    "give an address or a cname".into(),
                ));
            }
        };
        let datacenter = dc_index(&target.datacenter).unwrap_or(0);
        datacenters[datacenter as usize].targets.push(t as u16);
        targets.push(Target::new(
            datacenter,
            address,
            target.weight.max(1),
            target_health(t),
        ));
    }
    let to_indices =
        |list: &[String]| -> Box<[u16]> { list.iter().filter_map(|name| dc_index(name)).collect() };
    let mut rules = Vec::new();
    for (rule, list) in &service.geo {
        let parsed = GeoRule::parse(rule).map_err(|e| (key(&format!("geo.{rule:?}")), e))?;
        rules.push((parsed, to_indices(list)));
    }
    let order = match service.policy {
        PolicyKind::Failover => to_indices(&service.order).into_vec(),
        _ => (0..datacenters.len() as u16).collect(),
    };
    Ok(Service {
        name,
        policy: service.policy,
        ttl: service.ttl,
        min_ttl: service.min_ttl,
        answers: service.answers,
        sticky: service.sticky,
        transfer_follows_health: service.transfer_follows_health,
        datacenters,
        targets,
        rules: Rules::new(rules),
        order,
    })
}
