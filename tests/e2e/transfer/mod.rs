//! Zone transfers with real secondaries: Knot DNS (and BIND, NSD where installed) transfer our
//! zones with TSIG and must end up with exactly our records, the documented default at steered
//! names; transfers are refused without the key; many transfers run while UDP is answered.

mod catalog;
mod health;
mod others;
mod primary;
mod secondary;

use crate::support::secondary::TsigKey;

/// The key both sides use.
pub const KEY: TsigKey<'static> = TsigKey {
    name: "transfer",
    algorithm: "hmac-sha256",
    secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=",
};

/// Where the test's own unsigned AXFR comes from (allowed without a key).
pub const READER: &str = "127.0.0.3";

/// A zone of `example.net.` with `extra` records, serial `serial`.
pub fn zone(serial: u32, extra: &str) -> String {
    format!(
        "$ORIGIN example.net.\n$TTL 300\n\
         @ IN SOA ns1 hostmaster {serial} 7200 1800 1209600 300\n\
         @ IN NS ns1\n@ IN NS ns2.example.org.\n@ IN MX 10 mail\n\
         ns1 IN A 192.0.2.53\nmail IN AAAA 2001:db8::25\n\
         www IN A 192.0.2.80\n\
         sub IN NS ns.sub\nns.sub IN A 192.0.2.54\n\
         txt IN TXT \"hello\" \"world\"\n\
         srv._tcp IN SRV 1 2 3 mail\n{extra}"
    )
}

/// A configuration serving `example.net.` to secondaries at `notify`, steering `api` (no zone
/// file records: its transfer default comes from `iad`, then `ams`) and `www` (its file record
/// is the default).
pub fn config(server: &str, notify: &str, zone_keys: &str) -> String {
    format!(
        "[server]\nlisten = [\"127.0.0.1:0\"]\n{server}\n\
         [admin]\nlisten = \"127.0.0.1:0\"\n\n\
         [zones.\"example.net.\"]\nfile = \"example.net.zone\"\nnotify = [{notify}]\n\
         allow_transfer = [{{ network = \"127.0.0.1\", key = \"transfer\" }}, \
         {{ network = \"{READER}\" }}]\n{zone_keys}\n\
         [tsig.transfer]\nalgorithm = \"{}\"\nsecret = \"{}\"\n\n\
         [datacenters]\nams = {{}}\niad = {{}}\n\n\
         [[services]]\nname = \"api.example.net.\"\npolicy = \"failover\"\n\
         order = [\"iad\", \"ams\"]\nttl = 30\n\
         targets = [\n  {{ datacenter = \"ams\", address = \"192.0.2.10\" }},\n  \
         {{ datacenter = \"iad\", address = \"198.51.100.10\" }},\n  \
         {{ datacenter = \"iad\", address = \"2001:db8::100\" }},\n]\n\n\
         [[services]]\nname = \"www.example.net.\"\npolicy = \"failover\"\n\
         order = [\"ams\"]\nttl = 30\n\
         targets = [{{ datacenter = \"ams\", address = \"192.0.2.11\" }}]\n",
        KEY.algorithm, KEY.secret
    )
}
