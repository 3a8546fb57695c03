//! A fleet node: the real binary started inside a lab host, talked to on that host's loopback
//! (DNS and admin listen on 127.0.0.1 there; gossip on the host's address).

use std::time::Duration;

use serde_json::Value;

use super::netns::Host;
use crate::support::admin::{Exposition, Http};
use crate::support::*;

pub struct Node {
    pub name: String,
    pub host: Host,
    server: Option<Server>,
}

impl Node {
    /// Writes `config` as `switchyard.toml` and `files` into a fresh folder and starts the
    /// binary inside `host`.
    pub fn start(name: &str, host: &Host, config: &str, files: Files<'_>) -> Node {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, contents) in files {
            std::fs::write(dir.path().join(path), contents).unwrap();
        }
        std::fs::write(dir.path().join("switchyard.toml"), config).unwrap();
        let server = Server::spawn_with(dir, |command| host.inside(command))
            .unwrap_or_else(|e| panic!("{name} did not start: {e}"));
        Node {
            name: name.to_string(),
            host: host.clone(),
            server: Some(server),
        }
    }

    fn server(&self) -> &Server {
        self.server.as_ref().expect("node is stopped")
    }

    /// `GET /status`.
    pub fn status(&self) -> Value {
        self.host.enter(|| self.server().get("/status").json())
    }

    /// The messages of `GET /events` of `kind`, oldest first.
    pub fn events(&self, kind: &str) -> Vec<String> {
        let events = self.host.enter(|| self.server().get("/events").json());
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| e["message"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> Http {
        self.host.enter(|| self.server().post(path, ""))
    }

    pub fn metrics(&self) -> Exposition {
        self.host.enter(|| self.server().metrics())
    }

    /// What `www.example.net A` answers.
    pub fn www(&self) -> Vec<String> {
        self.answer("www.example.net")
    }

    /// What `name A` answers.
    pub fn answer(&self, name: &str) -> Vec<String> {
        self.host.enter(|| {
            let query = QueryBuilder::new(name, "A").build();
            let reply =
                exchange_udp(self.server().dns, &query, Duration::from_secs(2)).expect("no answer");
            Response::decode(&reply).answer_data()
        })
    }

    /// The CH TXT decision trace of `www.example.net`.
    pub fn trace(&self) -> String {
        self.host.enter(|| {
            let query = QueryBuilder::new("www.example.net", "TXT").class(3).build();
            let reply =
                exchange_udp(self.server().dns, &query, Duration::from_secs(2)).expect("no answer");
            Response::decode(&reply).answer_data().join("\n")
        })
    }

    pub fn log(&self) -> String {
        self.server().log()
    }

    /// `/status`'s fleet mode.
    pub fn mode(&self) -> String {
        self.status()["fleet"]["mode"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Whether `/status` shows `datacenter` drained.
    pub fn drained(&self, datacenter: &str) -> bool {
        self.status()["datacenters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == datacenter && d["drained"] == true)
    }

    /// The names of the members this node sees live.
    pub fn live_members(&self) -> Vec<String> {
        self.status()["fleet"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["live"] == true)
            .map(|m| m["node"].as_str().unwrap().to_string())
            .collect()
    }

    /// `/status`'s entry for the target at `address`.
    pub fn target(&self, address: &str) -> Value {
        let status = self.status();
        status["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["address"] == address)
            .unwrap_or_else(|| panic!("no target {address} in {status}"))
            .clone()
    }

    /// SIGKILL: no goodbye to the fleet.
    pub fn kill(&mut self) {
        if let Some(server) = self.server.take() {
            server.signal("KILL");
            drop(server);
        }
    }

    /// SIGTERM without waiting: the node tells its peers it is leaving while the test watches;
    /// the returned server reaps it (`stop`).
    pub fn terminate(&mut self) -> Server {
        let server = self.server.take().expect("node is stopped");
        server.signal("TERM");
        server
    }

    /// SIGTERM (must exit 0) and start again on the same folder, in the same host.
    pub fn restart(&mut self) {
        let server = self.server.take().expect("node is stopped");
        let host = self.host.clone();
        self.server = Some(server.restart_with(|command| host.inside(command)));
    }
}
