//! Probe results and the default answer given to secondaries: they move it only for a service
//! that asks (`transfer_follows_health`), and then as a new serial; otherwise only drains do.

use std::time::Duration;

use super::READER;
use crate::support::secondary::{axfr, soa_serial};
use crate::support::*;

/// `example.net.` with serial policy `increment`, steering `api` by failover over iad
/// (127.0.0.11) then ams (127.0.0.12), probed on `port`; `follows` sets the opt-in.
fn config(port: u16, follows: bool) -> String {
    format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\n\
         [zones.\"example.net.\"]\nfile = \"example.net.zone\"\nserial = \"increment\"\n\
         allow_transfer = [{{ network = \"{READER}\" }}]\n\n\
         [checks.web]\ntype = \"http\"\nport = {port}\npath = \"/health\"\n\
         interval = \"100ms\"\ntimeout = \"80ms\"\nrise = 1\nfall = 1\n\n\
         [datacenters]\nams = {{}}\niad = {{}}\n\n\
         [[services]]\nname = \"api.example.net.\"\npolicy = \"failover\"\n\
         order = [\"iad\", \"ams\"]\nttl = 30\ncheck = \"web\"\n\
         transfer_follows_health = {follows}\n\
         targets = [\n  {{ datacenter = \"iad\", address = \"127.0.0.11\" }},\n  \
         {{ datacenter = \"ams\", address = \"127.0.0.12\" }},\n]\n"
    )
}

const ZONE: &str = "$ORIGIN example.net.\n$TTL 300\n\
    @ IN SOA ns1 hostmaster 1 7200 1800 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n";

/// The A records of api in a transfer from `server`.
fn transferred_api(server: &Server) -> Vec<String> {
    let (rcode, records) = axfr(server.dns, READER, "example.net.");
    assert_eq!(rcode, 0);
    records
        .into_iter()
        .filter(|r| r.starts_with("api.example.net. 30 in a "))
        .collect()
}

fn wait_serial(server: &Server, wanted: u32) {
    let reached = eventually(Duration::from_secs(5), || {
        soa_serial(server.dns, "example.net.") == Some(wanted)
    });
    assert!(
        reached,
        "serial {:?}, wanted {wanted}:\n{}",
        soa_serial(server.dns, "example.net."),
        server.log()
    );
}

#[test]
fn probe_results_move_the_transferred_default_only_when_the_service_asks() {
    let (port, backends) = backends_on(&["127.0.0.11", "127.0.0.12"]);
    let server = Server::start(&config(port, false), &[("example.net.zone", ZONE)]);
    assert!(eventually(Duration::from_secs(3), || {
        server.ask("api.example.net.", "A").answer_data() == ["127.0.0.11"]
    }));
    assert_eq!(
        transferred_api(&server),
        ["api.example.net. 30 in a 127.0.0.11"]
    );
    // iad fails: answers move to ams, the transferred default and the serial do not.
    backends[0].set_healthy(false);
    assert!(eventually(Duration::from_secs(3), || {
        server.ask("api.example.net.", "A").answer_data() == ["127.0.0.12"]
    }));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(soa_serial(server.dns, "example.net."), Some(1));
    assert_eq!(
        transferred_api(&server),
        ["api.example.net. 30 in a 127.0.0.11"]
    );
    // The service asks: the default follows the probes, as a new serial each way.
    server.write("switchyard.toml", &config(port, true));
    server.signal("HUP");
    wait_serial(&server, 2);
    assert_eq!(
        transferred_api(&server),
        ["api.example.net. 30 in a 127.0.0.12"]
    );
    backends[0].set_healthy(true);
    wait_serial(&server, 3);
    assert_eq!(
        transferred_api(&server),
        ["api.example.net. 30 in a 127.0.0.11"]
    );
}
