//! Checks the meaning of a parsed configuration and reports each problem with its key path.
//! Checks that need the zone files or the GeoIP database happen when the snapshot is built.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

use super::rules::GeoRule;
use super::types::{CheckType, Config, PolicyKind, ServiceConfig};
use crate::wire::Name;

/// Every problem as (key path, message).
pub fn validate(config: &Config) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut report = |key: String, message: String| problems.push((key, message));
    server(config, &mut report);
    if let Some(admin) = &config.admin
        && admin.listen.parse::<SocketAddr>().is_err()
    {
        report(
            "admin.listen".into(),
            format!(
                "{:?} is not an address with a port (e.g. 127.0.0.1:8053)",
                admin.listen
            ),
        );
    }
    super::zones::validate(
        &config.zones,
        &config.tsig,
        config.catalog.as_ref(),
        &mut report,
    );
    super::cookies::validate(&config.cookies, &mut report);
    for (name, datacenter) in &config.datacenters {
        if let Some([lat, lon]) = datacenter.location
            && (!(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon))
        {
            report(
                format!("datacenters.{name}.location"),
                format!("[{lat}, {lon}] is not [latitude -90..90, longitude -180..180]"),
            );
        }
    }
    checks(config, &mut report);
    if let Some(fleet) = &config.fleet {
        super::fleet::validate(fleet, &mut report);
    }
    let mut names = HashSet::new();
    for (i, service) in config.services.iter().enumerate() {
        if let Ok(name) = Name::parse(&service.name, None)
            && !names.insert(name.to_lowercase())
        {
            report(
                format!("services[{i}].name"),
                format!("{:?} is steered by an earlier service too", service.name),
            );
        }
        service_problems(config, i, service, &mut report);
    }
    if !(0.0..=1.0).contains(&config.log.sample) {
        report("log.sample".into(), "must be between 0 and 1".into());
    }
    if !matches!(config.log.format.as_str(), "text" | "json") {
        report("log.format".into(), "must be \"text\" or \"json\"".into());
    }
    if !crate::logging::valid_level(&config.log.level) {
        report(
            "log.level".into(),
            format!(
                "{:?} is not a level (error, warn, info, debug, trace) or a filter such as \"info,switchyard::health=debug\"",
                config.log.level
            ),
        );
    }
    let paths = [
        ("log.queries", config.log.queries.as_ref()),
        ("server.state_file", config.server.state_file.as_ref()),
        (
            "admin.token_file",
            config.admin.as_ref().and_then(|a| a.token_file.as_ref()),
        ),
    ];
    for (key, path) in paths {
        if path.is_some_and(|p| p.trim().is_empty()) {
            report(key.into(), "must not be empty".into());
        }
    }
    let rrl = &config.rrl;
    if rrl.enabled && !(1..=1_000_000).contains(&rrl.rate) {
        report(
            "rrl.rate".into(),
            "must be 1 to 1000000 responses per second".into(),
        );
    }
    if !super::types::RRL_TABLE_SIZES.contains(&rrl.table_size) {
        report(
            "rrl.table_size".into(),
            "must be 1024 to 67108864 buckets".into(),
        );
    }
    if rrl.window == 0 || rrl.window > 3600 {
        report("rrl.window".into(), "must be 1 to 3600 seconds".into());
    }
    if rrl.ipv4_prefix > 32 || rrl.ipv6_prefix > 128 {
        report(
            "rrl".into(),
            "ipv4_prefix must be 0..32 and ipv6_prefix 0..128".into(),
        );
    }
    problems
}

type Report<'a> = dyn FnMut(String, String) + 'a;

fn server(config: &Config, report: &mut Report<'_>) {
    let server = &config.server;
    if server.listen.is_empty() {
        report(
            "server.listen".into(),
            "at least one address is needed".into(),
        );
    }
    for (i, listen) in server.listen.iter().enumerate() {
        if listen.parse::<SocketAddr>().is_err() {
            report(
                format!("server.listen[{i}]"),
                format!("{listen:?} is not an address with a port (e.g. 127.0.0.1:5300)"),
            );
        }
    }
    for (i, net) in server.trace_from.iter().enumerate() {
        if net.parse::<ipnet::IpNet>().is_err() && net.parse::<IpAddr>().is_err() {
            report(
                format!("server.trace_from[{i}]"),
                format!("{net:?} is not a network in CIDR form"),
            );
        }
    }
    if !(512..=4096).contains(&server.udp_payload) {
        report(
            "server.udp_payload".into(),
            "must be 512 to 4096 bytes".into(),
        );
    }
    if server.workers > 1024 {
        report(
            "server.workers".into(),
            "must be 0 (one per core) to 1024".into(),
        );
    }
    if let Some(identity) = &server.identity
        && (identity.is_empty() || identity.len() > 255)
    {
        report("server.identity".into(), "must be 1 to 255 bytes".into());
    }
    for (key, value) in [
        ("server.tcp_max_connections", server.tcp_max_connections),
        ("server.tcp_max_per_client", server.tcp_max_per_client),
        ("server.tcp_max_pipeline", server.tcp_max_pipeline),
    ] {
        if value == 0 {
            report(key.into(), "must be at least 1".into());
        }
    }
    for (key, value) in [
        ("server.tcp_idle_timeout", server.tcp_idle_timeout),
        ("server.tcp_query_timeout", server.tcp_query_timeout),
    ] {
        if value.get().is_zero() {
            report(key.into(), "must be longer than 0".into());
        }
    }
}

fn checks(config: &Config, report: &mut Report<'_>) {
    for (name, check) in &config.checks {
        let key = |field: &str| format!("checks.{name}.{field}");
        if check.port == 0 {
            report(key("port"), "must be 1 to 65535".into());
        }
        if check.interval.get().is_zero() {
            report(key("interval"), "must be longer than 0".into());
        }
        if check.timeout.get().is_zero() {
            report(key("timeout"), "must be longer than 0".into());
        }
        if check.timeout > check.interval {
            report(
                key("timeout"),
                "must not be longer than the interval".into(),
            );
        }
        if check.rise == 0 {
            report(key("rise"), "must be at least 1".into());
        }
        if check.fall == 0 {
            report(key("fall"), "must be at least 1".into());
        }
        if check.kind != CheckType::Tcp {
            if !check.path.starts_with('/') {
                report(key("path"), "must start with /".into());
            }
            if check.expect.is_empty() {
                report(key("expect"), "at least one status code is needed".into());
            }
            for code in &check.expect {
                if !(100..=599).contains(code) {
                    report(key("expect"), format!("{code} is not an HTTP status code"));
                }
            }
        }
        if check.kind != CheckType::Https && (check.insecure || check.ca_file.is_some()) {
            report(
                key("type"),
                "insecure and ca_file apply only to type = \"https\"".into(),
            );
        }
        if let Some(address) = &check.address
            && address.parse::<IpAddr>().is_err()
        {
            report(key("address"), format!("{address:?} is not an IP address"));
        }
    }
}

fn service_problems(config: &Config, i: usize, service: &ServiceConfig, report: &mut Report<'_>) {
    let key = |field: &str| format!("services[{i}].{field}");
    if let Err(e) = Name::parse(&service.name, None) {
        report(key("name"), format!("bad name: {e}"));
    }
    if service.ttl > 0x7FFF_FFFF {
        report(key("ttl"), "must be at most 2147483647".into());
    }
    if service.min_ttl > service.ttl {
        report(key("min_ttl"), "must not exceed ttl".into());
    }
    if service.answers == 0 || service.answers > 16 {
        report(key("answers"), "must be 1 to 16".into());
    }
    if let Some(check) = &service.check
        && !config.checks.contains_key(check)
    {
        report(
            key("check"),
            format!("no check named {check:?} in [checks]"),
        );
    }
    if service.targets.is_empty() {
        report(key("targets"), "at least one target is needed".into());
    }
    for (t, target) in service.targets.iter().enumerate() {
        let tkey = |field: &str| format!("services[{i}].targets[{t}].{field}");
        if !config.datacenters.contains_key(&target.datacenter) {
            report(
                tkey("datacenter"),
                format!(
                    "no datacenter named {:?} in [datacenters]",
                    target.datacenter
                ),
            );
        }
        match (&target.address, &target.cname) {
            (Some(address), None) => {
                if address.parse::<IpAddr>().is_err() {
                    report(tkey("address"), format!("{address:?} is not an IP address"));
                }
            }
            (None, Some(cname)) => {
                if let Err(e) = Name::parse(cname, None) {
                    report(
                        tkey("cname"),
                        format!("bad name (write it fully qualified): {e}"),
                    );
                }
            }
            _ => report(
                format!("services[{i}].targets[{t}]"),
                "give exactly one of address or cname".into(),
            ),
        }
        if target.weight == 0 || target.weight > 65535 {
            report(tkey("weight"), "must be 1 to 65535".into());
        }
        if let Some(check) = &target.check
            && !config.checks.contains_key(check)
        {
            report(
                tkey("check"),
                format!("no check named {check:?} in [checks]"),
            );
        }
    }
    let used: HashSet<&str> = service
        .targets
        .iter()
        .map(|t| t.datacenter.as_str())
        .collect();
    let datacenter_list = |field: String, list: &[String], report: &mut Report<'_>| {
        if list.is_empty() {
            report(field.clone(), "at least one datacenter is needed".into());
        }
        for dc in list {
            if !config.datacenters.contains_key(dc) {
                report(
                    field.clone(),
                    format!("no datacenter named {dc:?} in [datacenters]"),
                );
            } else if !used.contains(dc.as_str()) {
                report(
                    field.clone(),
                    format!("datacenter {dc:?} has no target in this service"),
                );
            }
        }
    };
    match service.policy {
        PolicyKind::Failover => {
            datacenter_list(key("order"), &service.order, report);
        }
        _ if !service.order.is_empty() => {
            report(
                key("order"),
                "order applies only to policy = \"failover\"".into(),
            );
        }
        _ => {}
    }
    let mut has_default = false;
    for (rule, list) in &service.geo {
        let field = format!("services[{i}].geo.{rule:?}");
        match GeoRule::parse(rule) {
            Ok(GeoRule::Default) => has_default = true,
            Ok(GeoRule::Asn(_))
                if config
                    .geoip
                    .as_ref()
                    .and_then(|g| g.asn_database.as_ref())
                    .is_none() =>
            {
                report(field.clone(), "asn: rules need [geoip] asn_database".into());
            }
            Ok(parsed) => {
                if service.policy == PolicyKind::Nearest {
                    report(
                        field.clone(),
                        format!("policy nearest uses only the default rule, not {parsed}"),
                    );
                }
            }
            Err(e) => report(field.clone(), e),
        }
        datacenter_list(field, list, report);
    }
    match service.policy {
        PolicyKind::Geo if !has_default => {
            report(key("geo"), "policy geo needs a default rule".into());
        }
        PolicyKind::Weighted | PolicyKind::Failover if !service.geo.is_empty() => {
            report(
                key("geo"),
                "geo rules apply only to policies geo and nearest".into(),
            );
        }
        PolicyKind::Nearest => {
            for dc in &used {
                let located = config
                    .datacenters
                    .get(*dc)
                    .is_some_and(|d| d.location.is_some());
                if !located {
                    report(
                        key("policy"),
                        format!("policy nearest needs a location for datacenter {dc:?}"),
                    );
                }
            }
        }
        _ => {}
    }
    if matches!(service.policy, PolicyKind::Geo | PolicyKind::Nearest) && config.geoip.is_none() {
        report(
            key("policy"),
            "policies geo and nearest need a [geoip] database".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(String, String)> {
        validate(&toml::from_str::<Config>(text).unwrap())
    }

    #[test]
    fn operations_keys() {
        assert!(problems("[log]\nlevel = \"info,switchyard::health=debug\"").is_empty());
        let keys: Vec<String> = problems(
            "[server]\nstate_file = \"\"\n[admin]\nlisten = \"127.0.0.1:0\"\ntoken_file = \" \"\n\
             [log]\nlevel = \"info,[[[\"\nqueries = \"\"\nsample = 2.0\n",
        )
        .into_iter()
        .map(|(key, _)| key)
        .collect();
        assert_eq!(
            keys,
            [
                "log.sample",
                "log.level",
                "log.queries",
                "server.state_file",
                "admin.token_file"
            ]
        );
    }
}
