//! Validation of `[fleet]`: the node's name, gossip addresses, seeds, observers, agreement and
//! gossip interval, each problem reported with its key path.

use std::net::SocketAddr;

use super::types::FleetConfig;

/// The longest node name (it travels in every gossip datagram).
pub const MAX_NODE_NAME: usize = 64;
/// The most observers per target.
pub const MAX_OBSERVERS: usize = 64;

/// Reports every problem of `[fleet]` as (key path, message).
pub fn validate(fleet: &FleetConfig, report: &mut dyn FnMut(String, String)) {
    if let Err(message) = check_node_name(&fleet.node) {
        report("fleet.node".into(), message);
    }
    match fleet.listen.parse::<SocketAddr>() {
        Err(_) => report(
            "fleet.listen".into(),
            format!(
                "{:?} is not an address with a port (e.g. 127.0.0.1:7946)",
                fleet.listen
            ),
        ),
        Ok(listen) if listen.ip().is_unspecified() && fleet.advertise.is_none() => report(
            "fleet.advertise".into(),
            format!(
                "needed when listen is a wildcard address ({listen}): the address peers reach this node at"
            ),
        ),
        Ok(_) => {}
    }
    if let Some(advertise) = &fleet.advertise {
        match advertise.parse::<SocketAddr>() {
            Ok(address) if !address.ip().is_unspecified() && address.port() != 0 => {}
            _ => report(
                "fleet.advertise".into(),
                format!("{advertise:?} is not a specific address with a port"),
            ),
        }
    }
    for (i, peer) in fleet.peers.iter().enumerate() {
        if let Err(message) = check_peer(peer) {
            report(format!("fleet.peers[{i}]"), message);
        }
    }
    if fleet.secret_file.trim().is_empty() {
        report("fleet.secret_file".into(), "must not be empty".into());
    }
    if !(1..=MAX_OBSERVERS).contains(&fleet.observers) {
        report(
            "fleet.observers".into(),
            format!("must be 1 to {MAX_OBSERVERS}"),
        );
    }
    if !(0.0..1.0).contains(&fleet.agreement) {
        report(
            "fleet.agreement".into(),
            "must be at least 0 and less than 1 (a target is down when more than this share of its observers see it down)".into(),
        );
    }
    let interval = fleet.gossip_interval.get();
    if interval < std::time::Duration::from_millis(10)
        || interval > std::time::Duration::from_secs(60)
    {
        report("fleet.gossip_interval".into(), "must be 10ms to 60s".into());
    }
}

/// Node names travel in gossip and label metrics: letters, digits, `.`, `-`, `_`.
pub fn check_node_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if name.is_empty() || name.len() > MAX_NODE_NAME || !name.chars().all(allowed) {
        return Err(format!(
            "{name:?} must be 1 to {MAX_NODE_NAME} letters, digits, '.', '-' or '_'"
        ));
    }
    Ok(())
}

/// A seed is `ip:port` or `host:port` (names are resolved again every minute).
fn check_peer(peer: &str) -> Result<(), String> {
    if peer.parse::<SocketAddr>().is_ok() {
        return Ok(());
    }
    let bad =
        || format!("{peer:?} is not an address or host name with a port (e.g. 192.0.2.2:7946)");
    let (host, port) = peer.rsplit_once(':').ok_or_else(bad)?;
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    match port.parse::<u16>() {
        Ok(port) if port != 0 && host_ok => Ok(()),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn problems(text: &str) -> Vec<(String, String)> {
        let config: Config = toml::from_str(text).unwrap();
        let mut found = Vec::new();
        validate(config.fleet.as_ref().unwrap(), &mut |key, message| {
            found.push((key, message))
        });
        found
    }

    #[test]
    fn the_design_example_is_valid() {
        let text = "[fleet]\nnode = \"ns1\"\nlisten = \"127.0.0.1:7946\"\n\
                    peers = [\"127.0.0.1:7947\", \"ns3.example.net:7946\"]\n\
                    secret_file = \"keys/fleet.key\"\nobservers = 3\nagreement = 0.5\n";
        assert_eq!(problems(text), vec![]);
        let config: Config = toml::from_str(text).unwrap();
        let fleet = config.fleet.unwrap();
        assert_eq!(
            fleet.gossip_interval.get(),
            std::time::Duration::from_secs(1)
        );
    }

    #[test]
    fn defaults_and_bad_values_name_their_keys() {
        let config: Config = toml::from_str(
            "[fleet]\nnode = \"ns1\"\nlisten = \"127.0.0.1:7946\"\nsecret_file = \"k\"\n",
        )
        .unwrap();
        let fleet = config.fleet.unwrap();
        assert_eq!((fleet.observers, fleet.agreement), (3, 0.5));
        assert!(fleet.peers.is_empty());

        let keys: Vec<String> = problems(
            "[fleet]\nnode = \"ns 1\"\nlisten = \"0.0.0.0:7946\"\npeers = [\"nope\", \"a:0\"]\n\
             secret_file = \" \"\nobservers = 0\nagreement = 1.0\ngossip_interval = \"5ms\"\n",
        )
        .into_iter()
        .map(|(key, _)| key)
        .collect();
        assert_eq!(
            keys,
            [
                "fleet.node",
                "fleet.advertise",
                "fleet.peers[0]",
                "fleet.peers[1]",
                "fleet.secret_file",
                "fleet.observers",
                "fleet.agreement",
                "fleet.gossip_interval"
            ]
        );
        assert_eq!(
            problems(
                "[fleet]\nnode = \"ns1\"\nlisten = \"0.0.0.0:7946\"\nadvertise = \"192.0.2.1:7946\"\nsecret_file = \"k\"\n"
            ),
            vec![]
        );
        assert!(toml::from_str::<Config>("[fleet]\nnode = \"a\"\nlisten = \"127.0.0.1:1\"\nsecret_file = \"k\"\nsurprise = 1\n").is_err());
    }
}
