//! Regression tests for bugs the differential test against Knot DNS found, each named after the
//! RFC rule it guards. They run against the second test zone (tests/e2e/zones/example.net.zone).

use crate::support::*;

/// A server for tests/e2e/zones/example.net.zone (and the bundled example.com).
fn test_zone_server() -> Server {
    let net = std::fs::read_to_string(repo().join("tests/e2e/zones/example.net.zone")).unwrap();
    let com = example_zone();
    Server::start(
        "[server]\nlisten = [\"127.0.0.1:0\"]\nidentity = \"ns1.example.com\"\n\n[zones]\n\
         \"example.com.\" = \"example.com.zone\"\n\"example.net.\" = \"example.net.zone\"\n",
        &[("example.com.zone", &com), ("example.net.zone", &net)],
    )
}

/// RFC 1034 §4.3.2 step 3b, RFC 9471 §3.1: a referral whose required glue does not fit is sent
/// with TC set, and it is still a referral: AA stays clear.
#[test]
fn truncated_referral_is_not_authoritative() {
    let server = test_zone_server();
    for name in ["host.big-deleg.example.net", "big-deleg.example.net"] {
        let udp = server.ask(name, "A");
        assert!(udp.tc(), "{name}: required glue does not fit in 512 bytes");
        assert!(!udp.aa(), "{name}: a truncated referral is not authoritative");
        let tcp = server.ask_tcp(name, "A");
        assert!(!tcp.tc() && !tcp.aa(), "{name}");
        assert_eq!(tcp.authority().len(), 8, "{name}");
        assert_eq!(tcp.additional().len(), 16, "{name}: all glue over TCP");
    }
}
