//! Fleets of real nodes: 3 to 5 `switchyard` processes, each in its own network namespace,
//! probing TCP backends in theirs, gossiping over a bridge. Routes inside a namespace make a
//! backend unreachable from one node only, or a node unreachable from its peers. Needs root
//! and `ip netns`; without them these tests print why and pass without running.
//!
//! Timing: gossip every 100 ms, probes every 200 ms (timeout 150 ms), rise 2, fall 2.

mod agreement;
mod backend;
mod bench;
mod example;
mod membership;
mod netns;
mod node;
mod overrides;
mod security;

use std::time::Duration;

pub use crate::support::eventually;

use backend::Backend;
use netns::{Host, Lab};
use node::Node;

use crate::support::Server;

/// The datacenters, in failover order, each with one backend.
pub const DATACENTERS: [(&str, u8); 3] = [("ams", 21), ("iad", 22), ("sin", 23)];
pub const GOSSIP_MS: u64 = 100;
pub const PROBE_MS: u64 = 200;
pub const FALL: u64 = 2;

/// A 32-character shared secret.
pub const SECRET: &str = "fleet-test-secret-0123456789abcdef";

/// The zone every node serves.
pub fn zone() -> String {
    "$ORIGIN example.net.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 1800 1209600 300\n\
     @ IN NS ns1\nns1 IN A 192.0.2.53\n"
        .to_string()
}

/// The backend address of a datacenter.
pub fn backend_address(datacenter: &str) -> String {
    let last = DATACENTERS
        .iter()
        .find(|(name, _)| *name == datacenter)
        .map(|(_, last)| *last)
        .expect("a lab datacenter");
    format!("198.18.0.{last}")
}

/// The configuration of node `index` (1-based) of `count`, gossiping every `gossip_ms`;
/// `extra_fleet` adds `[fleet]` keys.
pub fn config(index: usize, count: usize, gossip_ms: u64, extra_fleet: &str) -> String {
    let peers: Vec<String> = (1..=count)
        .map(|i| format!("\"{}:7946\"", node_address(i)))
        .collect();
    let targets: Vec<String> = DATACENTERS
        .iter()
        .map(|(name, _)| {
            format!(
                "  {{ datacenter = \"{name}\", address = \"{}\" }},",
                backend_address(name)
            )
        })
        .collect();
    format!(
        "[server]\nlisten = [\"127.0.0.1:5300\"]\nidentity = \"ns{index}\"\nstate_file = \"state.json\"\n\n\
         [admin]\nlisten = \"127.0.0.1:8053\"\n\n\
         [zones]\n\"example.net.\" = \"example.net.zone\"\n\n\
         [datacenters]\nams = {{}}\niad = {{}}\nsin = {{}}\n\n\
         [checks.web]\ntype = \"tcp\"\nport = {port}\ninterval = \"{PROBE_MS}ms\"\ntimeout = \"150ms\"\n\
         rise = 2\nfall = {FALL}\n\n\
         [[services]]\nname = \"www.example.net.\"\npolicy = \"failover\"\norder = [\"ams\", \"iad\", \"sin\"]\n\
         ttl = 30\ncheck = \"web\"\ntargets = [\n{targets}\n]\n\n\
         [fleet]\nnode = \"ns{index}\"\nlisten = \"{address}:7946\"\npeers = [{peers}]\n\
         secret_file = \"fleet.key\"\ngossip_interval = \"{gossip_ms}ms\"\n{extra_fleet}\n",
        port = backend::PORT,
        targets = targets.join("\n"),
        address = node_address(index),
        peers = peers.join(", "),
    )
}

fn node_address(index: usize) -> String {
    format!("198.18.0.{}", 10 + index)
}

/// One node on loopback (no namespaces needed), gossip on a port the kernel picks, seeds as
/// given.
pub fn loopback_node(name: &str, secret: &str, peers: &str) -> Server {
    let config = format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\n[admin]\nlisten = \"127.0.0.1:0\"\n\
         [zones]\n\"example.net.\" = \"example.net.zone\"\n\
         [fleet]\nnode = \"{name}\"\nlisten = \"127.0.0.1:0\"\npeers = [{peers}]\n\
         secret_file = \"fleet.key\"\ngossip_interval = \"100ms\"\n"
    );
    let zone = zone();
    Server::start(
        &config,
        &[("example.net.zone", zone.as_str()), ("fleet.key", secret)],
    )
}

/// A lab with `count` nodes and a backend per datacenter, all started.
pub struct Fleet {
    // Dropped in this order: nodes, backends, then the namespaces.
    pub nodes: Vec<Node>,
    pub backends: Vec<Backend>,
    pub lab: Lab,
}

impl Fleet {
    /// `None` where the machine cannot make namespaces (the reason is printed).
    pub fn start(count: usize, extra_fleet: &str) -> Option<Fleet> {
        Fleet::start_tuned(count, GOSSIP_MS, extra_fleet)
    }

    /// Like [`Fleet::start`], gossiping every `gossip_ms`.
    pub fn start_tuned(count: usize, gossip_ms: u64, extra_fleet: &str) -> Option<Fleet> {
        let mut lab = Lab::new()?;
        let backends_hosts: Vec<Host> = DATACENTERS
            .iter()
            .map(|(name, last)| lab.host(name, *last))
            .collect();
        let backends = backends_hosts.iter().map(Backend::start).collect();
        let hosts: Vec<Host> = (1..=count)
            .map(|i| lab.host(&format!("ns{i}"), 10 + i as u8))
            .collect();
        let zone = zone();
        let nodes = hosts
            .iter()
            .enumerate()
            .map(|(i, host)| {
                let config = config(i + 1, count, gossip_ms, extra_fleet);
                let files = [("example.net.zone", zone.as_str()), ("fleet.key", SECRET)];
                Node::start(&format!("ns{}", i + 1), host, &config, &files)
            })
            .collect();
        let fleet = Fleet {
            nodes,
            backends,
            lab,
        };
        fleet.wait_formed(count);
        Some(fleet)
    }

    /// Waits until every node sees `count` live members and has a verdict on every target.
    pub fn wait_formed(&self, count: usize) {
        let formed = eventually(Duration::from_secs(15), || {
            self.nodes.iter().all(|node| {
                let status = node.status();
                let live = status["fleet"]["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["live"] == true)
                    .count();
                let decided = status["targets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|t| t["fleet"]["verdict"].is_string());
                // A fleet of one never reaches another node: its own probes decide.
                let alone = count == 1 && status["fleet"]["members"].as_array().unwrap().len() == 1;
                alone || (live == count && decided && status["fleet"]["mode"] == "fleet")
            })
        });
        assert!(formed, "the fleet did not form:\n{}", self.nodes[0].log());
    }

    /// Cuts `node` off from every other node, both ways.
    pub fn partition(&self, node: usize) {
        for (i, other) in self.nodes.iter().enumerate() {
            if i != node {
                self.lab.cut(&self.nodes[node].host, other.host.address);
                self.lab.cut(&other.host, self.nodes[node].host.address);
            }
        }
    }

    /// Undoes [`Fleet::partition`].
    pub fn heal(&self, node: usize) {
        for (i, other) in self.nodes.iter().enumerate() {
            if i != node {
                self.lab.heal(&self.nodes[node].host, other.host.address);
                self.lab.heal(&other.host, self.nodes[node].host.address);
            }
        }
    }
}
