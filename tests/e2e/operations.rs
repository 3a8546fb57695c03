//! Operating the real binary: reloads under load, the admin API, metrics, the query log,
//! file watching, listen address changes and shutdown.

mod admin_api;
mod console_api;
mod lifecycle;
mod metrics;
mod reload;

use crate::support::*;

/// The zone every operations test serves: `probe` answers `probe_address`, `big` has more TXT
/// than fits in 512 bytes.
pub fn zone(serial: u32, probe_address: &str) -> String {
    let mut zone = format!(
        "$ORIGIN example.net.\n$TTL 300\n\
         @ IN SOA ns1 hostmaster {serial} 7200 1800 1209600 300\n\
         @ IN NS ns1\n\
         ns1 IN A 192.0.2.53\n\
         mail IN AAAA 2001:db8::25\n\
         probe IN A {probe_address}\n"
    );
    for i in 0..30 {
        zone.push_str(&format!(
            "big IN TXT \"record number {i:02} with some padding to make it long\"\n"
        ));
    }
    zone
}

/// Pieces of a configuration that tests vary.
#[derive(Default, Clone)]
pub struct Parts<'a> {
    /// Extra `[server]` keys.
    pub server: &'a str,
    /// `listen` value (default `["127.0.0.1:0"]`).
    pub listen: Option<&'a str>,
    /// Extra `[admin]` keys.
    pub admin: &'a str,
    /// Extra top-level tables (`[log]`, `[checks.x]`) placed before `[zones]`.
    pub tables: &'a str,
    /// Extra keys of the steered service.
    pub service: &'a str,
}

/// A configuration serving `example.net.` with `www.example.net.` steered by failover over
/// ams (192.0.2.10), iad (198.51.100.10) and sin (203.0.113.10), admin on port 0.
pub fn config(parts: &Parts<'_>) -> String {
    format!(
        "[server]\nlisten = {}\n{}\n\n[admin]\nlisten = \"127.0.0.1:0\"\n{}\n\n{}\n\n\
         [zones]\n\"example.net.\" = \"example.net.zone\"\n\n\
         [datacenters]\nams = {{}}\niad = {{}}\nsin = {{}}\n\n\
         [[services]]\nname = \"www.example.net.\"\npolicy = \"failover\"\n\
         order = [\"ams\", \"iad\", \"sin\"]\nttl = 30\n{}\n\
         targets = [\n  {{ datacenter = \"ams\", address = \"192.0.2.10\" }},\n  \
         {{ datacenter = \"iad\", address = \"198.51.100.10\" }},\n  \
         {{ datacenter = \"sin\", address = \"203.0.113.10\" }},\n]\n",
        parts.listen.unwrap_or("[\"127.0.0.1:0\"]"),
        parts.server,
        parts.admin,
        parts.tables,
        parts.service,
    )
}

/// Starts a server with [`config`] and [`zone`] (serial 1, probe 10.0.0.1) plus `files`.
pub fn start(parts: &Parts<'_>, files: Files<'_>) -> Server {
    let zone = zone(1, "10.0.0.1");
    let mut all: Vec<(&str, &str)> = vec![("example.net.zone", zone.as_str())];
    all.extend_from_slice(files);
    Server::start(&config(parts), &all)
}

/// The addresses `www.example.net A` answers with.
pub fn www(server: &Server) -> Vec<String> {
    server.ask("www.example.net", "A").answer_data()
}

#[test]
fn the_production_example_config_validates() {
    let path = repo().join("contrib/production.toml");
    if let Err(errors) = switchyard::config::load(&path) {
        panic!("{errors}");
    }
}
