//! DNS Cookies (RFC 7873, RFC 9018) and Extended DNS Errors against the real binary: `dig
//! +cookie`, a cookie made by one node accepted by another sharing the secret, secret rollover
//! through a reload, malformed cookies, BADCOOKIE under `require`, RRL exempting a client with a
//! valid cookie while a spoofed flood from its network is limited, and the EDNS behaviour ISC's
//! compliance tests (genreport) expect with cookies.

use std::net::IpAddr;
use std::process::Command;
use std::time::Duration;

use switchyard::cookies::{Cookies, Verdict, now};

use crate::hostile::{exchange_from, udp_from};
use crate::support::*;

const SECRET: &str = "00112233445566778899aabbccddeeff";
const NEXT_SECRET: &str = "ffeeddccbbaa99887766554433221100";
const CLIENT: [u8; 8] = *b"clientck";
const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn secret(hex: &str) -> [u8; 16] {
    std::array::from_fn(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
}

/// The example zone with `[cookies]` set to `cookies` and the admin API on.
fn cookie_server(cookies: &str, files: &[(&str, &str)]) -> Server {
    let zone = example_zone();
    let config = example_config(&format!(
        "\n[admin]\nlisten = \"127.0.0.1:0\"\n[cookies]\n{cookies}\n"
    ));
    let mut all = vec![("example.com.zone", zone.as_str())];
    all.extend_from_slice(files);
    Server::start(&config, &all)
}

fn with_cookie(name: &str, cookie: &[u8]) -> Vec<u8> {
    QueryBuilder::new(name, "SOA")
        .edns(1232)
        .option(10, cookie)
        .build()
}

fn ask_udp(server: &Server, query: &[u8]) -> Response {
    Response::decode(&server.udp(query).expect("a UDP answer"))
}

/// `true` when `cookie` holds a server cookie made with `secret` for the loopback address.
fn verifies(cookie: &[u8], secret: &str) -> bool {
    matches!(
        Cookies::new(self::secret(secret), None).check(cookie, LOOPBACK, now()),
        Verdict::Valid { .. }
    )
}

fn cookie_count(server: &Server, outcome: &str) -> f64 {
    server
        .metrics()
        .count("switchyard_cookie_queries_total", &[("cookie", outcome)])
}

/// Runs dig with `args` against `server`; `None` (and a SKIP line) without dig.
fn dig(server: &Server, args: &[&str]) -> Option<String> {
    let output = Command::new("dig")
        .arg(format!("@{}", server.dns.ip()))
        .args(["-p", &server.dns.port().to_string(), "+norec", "+tries=1"])
        .args(args)
        .output();
    match output {
        Ok(output) => Some(String::from_utf8_lossy(&output.stdout).into_owned()),
        Err(_) => {
            eprintln!("SKIP: dig not installed, the dig part of the cookie test is skipped");
            None
        }
    }
}

/// The `; COOKIE: <hex> (good)` line of dig's output: the cookie and whether dig liked it.
fn dig_cookie(output: &str) -> Option<(String, bool)> {
    let line = output.lines().find(|l| l.starts_with("; COOKIE: "))?;
    let mut words = line["; COOKIE: ".len()..].split_whitespace();
    let cookie = words.next()?.to_string();
    Some((cookie, words.next() == Some("(good)")))
}

#[test]
fn dig_gets_a_server_cookie_that_another_node_with_the_secret_accepts() {
    let a = cookie_server(
        "secret_file = \"cookie.secret\"",
        &[("cookie.secret", SECRET)],
    );
    let b = cookie_server(
        "secret_file = \"cookie.secret\"",
        &[("cookie.secret", SECRET)],
    );
    // Hand-built: a client cookie to A, the server cookie back to B, echoed as it is.
    let first = ask_udp(&a, &with_cookie("example.com", &CLIENT));
    let cookie = first.option(10).expect("a server cookie");
    assert_eq!((cookie.len(), &cookie[..8]), (24, &CLIENT[..]));
    assert!(verifies(&cookie, SECRET));
    let at_b = ask_udp(&b, &with_cookie("example.com", &cookie));
    assert_eq!(at_b.rcode(), 0);
    assert_eq!(at_b.answers().len(), 1);
    assert_eq!(at_b.option(10), Some(cookie.clone()));
    assert_eq!(cookie_count(&b, "valid"), 1.0);
    assert_eq!(cookie_count(&a, "client-only"), 1.0);

    // dig: +cookie gets a server cookie (and dig checks the client half)...
    let Some(output) = dig(&a, &["+cookie", "example.com", "SOA"]) else {
        return;
    };
    let (from_a, good) = dig_cookie(&output).unwrap_or_else(|| panic!("no COOKIE:\n{output}"));
    assert!(good, "{output}");
    assert_eq!(from_a.len(), 48, "{output}");
    // ...which B accepts: the same cookie comes back, counted valid.
    let output = dig(&b, &[&format!("+cookie={from_a}"), "example.com", "SOA"]).unwrap();
    let (from_b, good) = dig_cookie(&output).unwrap_or_else(|| panic!("no COOKIE:\n{output}"));
    assert!(good, "{output}");
    assert_eq!(from_b, from_a, "{output}");
    assert!(output.contains("status: NOERROR"), "{output}");
    assert_eq!(cookie_count(&b, "valid"), 2.0);
}

#[test]
fn the_previous_secret_is_accepted_after_a_rollover_by_reload() {
    let server = cookie_server(
        "secret_file = \"current.secret\"",
        &[("current.secret", SECRET), ("next.secret", NEXT_SECRET)],
    );
    let old = ask_udp(&server, &with_cookie("example.com", &CLIENT))
        .option(10)
        .expect("a cookie");
    assert!(verifies(&old, SECRET));
    let reload = |cookies: &str, generation: f64| {
        server.write(
            "switchyard.toml",
            &example_config(&format!(
                "\n[admin]\nlisten = \"127.0.0.1:0\"\n[cookies]\n{cookies}\n"
            )),
        );
        server.signal("HUP");
        let applied = eventually(Duration::from_secs(10), || {
            server.metrics().count("switchyard_config_generation", &[]) >= generation
        });
        assert!(applied, "reload not applied:\n{}", server.log());
    };
    // Roll: the new secret makes cookies, the old one is still accepted and renewed.
    reload(
        "secret_file = \"next.secret\"\nprevious_secret_file = \"current.secret\"",
        2.0,
    );
    let renewed = ask_udp(&server, &with_cookie("example.com", &old));
    assert_eq!(cookie_count(&server, "valid"), 1.0);
    let renewed = renewed.option(10).expect("a cookie");
    assert_ne!(renewed, old);
    assert!(verifies(&renewed, NEXT_SECRET));
    // The old secret retired: its cookies are invalid, answered with a fresh one.
    reload("secret_file = \"next.secret\"", 3.0);
    let after = ask_udp(&server, &with_cookie("example.com", &old));
    assert_eq!(after.answers().len(), 1);
    assert_eq!(cookie_count(&server, "invalid"), 1.0);
    assert!(verifies(&after.option(10).unwrap(), NEXT_SECRET));
}

#[test]
fn malformed_cookies_get_formerr_with_an_extended_error() {
    let server = cookie_server("", &[]);
    for len in [1usize, 7, 9, 15, 41] {
        let response = ask_udp(&server, &with_cookie("example.com", &vec![9; len]));
        assert_eq!(response.rcode(), 1, "length {len}");
        let ede = response.option(15).expect("an Extended DNS Error");
        assert_eq!(&ede[..], b"\0\0malformed COOKIE option");
    }
    assert_eq!(cookie_count(&server, "malformed"), 5.0);
}

#[test]
fn require_sends_badcookie_over_udp_and_answers_over_tcp() {
    let server = cookie_server(
        "secret_file = \"cookie.secret\"\nrequire = true",
        &[("cookie.secret", SECRET)],
    );
    let query = with_cookie("example.com", &CLIENT);
    let bad = ask_udp(&server, &query);
    assert_eq!(bad.rcode(), 23, "BADCOOKIE");
    assert!(bad.answers().is_empty());
    let fresh = bad.option(10).expect("a fresh cookie");
    assert!(verifies(&fresh, SECRET));
    let retried = ask_udp(&server, &with_cookie("example.com", &fresh));
    assert_eq!((retried.rcode(), retried.answers().len()), (0, 1));
    let tcp = Response::decode(&server.tcp(&query).expect("a TCP answer"));
    assert_eq!((tcp.rcode(), tcp.answers().len()), (0, 1));
    // Without any cookie (an older resolver), answered as usual.
    let plain = server.ask("example.com", "SOA");
    assert_eq!((plain.rcode(), plain.answers().len()), (0, 1));
    let metrics = server.metrics();
    assert_eq!(metrics.count("switchyard_cookie_badcookie_total", &[]), 1.0);
}

#[test]
fn rrl_keeps_answering_a_cookie_client_while_a_spoofed_flood_from_its_network_is_limited() {
    let server = cookie_server(
        "secret_file = \"cookie.secret\"\n[rrl]\nenabled = true\nrate = 5\nwindow = 1\nslip = 0",
        &[("cookie.secret", SECRET)],
    );
    let resolver = udp_from("127.0.0.1");
    let first = exchange_from(&resolver, server.dns, &with_cookie("example.com", &CLIENT))
        .expect("answered");
    let cookie = Response::decode(&first).option(10).expect("a cookie");
    // A flood without server cookies from the same /24 (as spoofed packets would come).
    let flooder = udp_from("127.0.0.77");
    for id in 0..200u16 {
        let query = QueryBuilder::new("example.com", "SOA").id(id).build();
        flooder.send_to(&query, server.dns).unwrap();
    }
    let answered = (0..30)
        .filter(|_| {
            exchange_from(&resolver, server.dns, &with_cookie("example.com", &cookie))
                .map(|raw| Response::decode(&raw))
                .is_some_and(|r| r.answers().len() == 1 && !r.tc())
        })
        .count();
    assert_eq!(answered, 30, "the client with a valid cookie was limited");
    let metrics = server.metrics();
    let exempt = metrics.count("switchyard_rrl_cookie_exempt_total", &[("class", "answer")]);
    assert_eq!(exempt, 30.0);
    let dropped = metrics.count(
        "switchyard_rrl_responses_total",
        &[("class", "answer"), ("action", "dropped")],
    );
    assert!(
        dropped >= 150.0,
        "only {dropped} of the flood's responses limited"
    );
}

#[test]
fn edns_with_cookies_behaves_as_isc_compliance_tests_expect() {
    let server = cookie_server("", &[]);
    // Cookie echoed with a server cookie (genreport "cookie").
    let plain = ask_udp(&server, &with_cookie("example.com", &CLIENT));
    assert_eq!((plain.rcode(), plain.answers().len()), (0, 1));
    assert_eq!(plain.option(10).map(|c| c.len()), Some(24));
    // An unknown option beside it is ignored, not echoed (genreport "optlist").
    let unknown = QueryBuilder::new("example.com", "SOA")
        .edns(1232)
        .option(100, b"")
        .option(10, &CLIENT)
        .build();
    let unknown = ask_udp(&server, &unknown);
    assert_eq!((unknown.rcode(), unknown.answers().len()), (0, 1));
    assert_eq!(unknown.option(100), None);
    assert_eq!(
        unknown.option(10).map(|c| c[..8].to_vec()),
        Some(CLIENT.to_vec())
    );
    // EDNS version 1: BADVERS, version 0 in the reply, no answer, and the cookie (RFC 7873
    // §5.4: a server cookie goes with every response to a cookie).
    let version1 = QueryBuilder::new("example.com", "SOA")
        .edns(1232)
        .edns_version(1)
        .option(10, &CLIENT)
        .build();
    let badvers = ask_udp(&server, &version1);
    assert_eq!(badvers.rcode(), 16);
    assert!(badvers.answers().is_empty());
    assert_eq!(badvers.message.edns.as_ref().map(|e| e.version()), Some(0));
    assert_eq!(badvers.option(10).map(|c| c.len()), Some(24));
    // REFUSED outside our zones says why: Extended DNS Error 20 (Not Authoritative).
    let refused = ask_udp(&server, &with_cookie("example.org", &CLIENT));
    assert_eq!(refused.rcode(), 5);
    assert_eq!(refused.option(15), Some(vec![0, 20]));
}
