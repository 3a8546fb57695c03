//! Cross-check against Knot DNS: the same zone is parsed by us and served by `knotd`; every
//! record's TTL and rdata (read with `kdig +generic`) must match ours byte for byte.
//! Run by hand: `cargo test --lib zone::parse::tests::knot -- --ignored --nocapture`
//! (needs the Debian packages `knot` and `knot-dnsutils`).

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::origin;
use crate::wire::rtype::type_to_string;
use crate::zone::parse::{ParseOptions, parse_zone_text};

/// One record per owner so that each query returns exactly one.
pub(super) const ZONE: &str = r#"$ORIGIN example.com.
$TTL 100
@ 3600 IN SOA ns1 hostmaster ( 2024010101 2h 1h 2w 5m )
@ NS ns1
ns1 A 192.0.2.53
ttl-explicit 5 A 192.0.2.1
ttl-dollar A 192.0.2.2
aaaa AAAA 2001:db8::1:0:0:1
aaaa-v4 AAAA ::ffff:192.0.2.1
cname CNAME Target.Example.NET.
dname DNAME other.test.
ptr PTR host
mx MX 10 mail
txt TXT "hello world" unquoted "a\"b\\c" "\065\010\255" ""
txt-parens TXT ( "one"
   "two" ) ; comment
txt-long TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
spf SPF "v=spf1 -all"
srv SRV 1 2 443 target
caa CAA 0 issue "letsencrypt.org; validationmethods=dns-01"
caa-iodef CAA 128 iodef "mailto:security@example.com"
naptr NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp
naptr-re NAPTR 100 50 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .
hinfo HINFO "Generic PC" Linux
uri URI 10 1 "ftp://ftp1.example.com/public"
loc LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
loc2 LOC 42 21 54 N 71 06 18 W -24m 30m
loc3 LOC 0 S 0 W 0
sshfp SSHFP 4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
tlsa TLSA 3 1 1 ( 0123456789ABCDEF0123456789ABCDEF
   0123456789ABCDEF0123456789ABCDEF )
smimea SMIMEA 3 0 1 00ff
ds DS 12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7D8A2C7D1A4F9B9C0F7E1F12
ds-mnemonic DS 12345 ECDSAP256SHA256 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE7D8A2C7D1A4F9B9C0F7E1F12
cds CDS 0 0 0 00
dnskey DNSKEY 257 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0d
   xCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== )
cdnskey CDNSKEY 0 3 0 AA==
openpgpkey OPENPGPKEY mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YhvyDMXjq
https HTTPS 1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1,192.0.2.2
https-alias HTTPS 0 pool.svc
svcb SVCB 16 foo.example.org. ( key667=hello mandatory=alpn,ipv4hint alpn=h2 ipv4hint=192.0.2.1 port=53 )
svcb-escaped SVCB 16 foo.example.org. alpn="f\\\\oo\\,bar,h2"
svcb-ech SVCB 1 . ipv6hint=2001:db8::1,2001:db8::53:1 no-default-alpn alpn=h2 ech=AAEC
generic TYPE65280 \# 4 0a000001
generic-empty TYPE65281 \# 0
generic-a A \# 4 C0000201
escaped\.label A 192.0.2.3
"#;

fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn kdig(port: u16, owner: &str, rtype: &str) -> String {
    let out = Command::new("kdig")
        .args([
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            "+generic",
            "+noall",
            "+answer",
            "+tcp",
            owner,
            rtype,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
#[ignore = "needs knotd and kdig; run by hand"]
fn rdata_matches_knot() {
    let dir = std::env::temp_dir().join(format!("switchyard-knot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("example.com.zone"), ZONE).unwrap();
    let port = free_port();
    let conf = format!(
        "server:\n  listen: 127.0.0.1@{port}\n  rundir: {d}\n  user: root\n\
         database:\n  storage: {d}\n\
         log:\n  - target: stderr\n    any: info\n\
         zone:\n  - domain: example.com\n    storage: {d}\n    file: example.com.zone\n",
        d = dir.display()
    );
    std::fs::write(dir.join("knot.conf"), conf).unwrap();
    let mut knotd = Command::new("knotd")
        .args(["-c", &dir.join("knot.conf").to_string_lossy()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("knotd");
    let start = Instant::now();
    while kdig(port, "example.com.", "SOA").is_empty() && start.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    let records = parse_zone_text(
        ZONE,
        Path::new("example.com.zone"),
        &origin(),
        &ParseOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e:#?}"));
    let mut failures = Vec::new();
    for record in &records {
        let owner = record.owner.to_string();
        let rtype = type_to_string(record.rtype);
        let answer = kdig(port, &owner, &rtype);
        // `owner TTL IN TYPE \# LEN HEX...`
        let fields: Vec<&str> = answer.split_whitespace().collect();
        let theirs_ttl: Option<u32> = fields.get(1).and_then(|t| t.parse().ok());
        let theirs_hex: String = fields
            .iter()
            .skip(6)
            .copied()
            .collect::<String>()
            .to_ascii_uppercase();
        let mut ours_hex = String::new();
        crate::zone::parse::encoding::encode_hex(&record.rdata, &mut ours_hex);
        // Knot lowercases names inside rdata (CNAME targets and the like); we keep the case as
        // written, as BIND does. Such a record matches once our bytes are lowercased.
        let mut lower_hex = String::new();
        crate::zone::parse::encoding::encode_hex(
            &record.rdata.to_ascii_lowercase(),
            &mut lower_hex,
        );
        let has_names =
            ["NS", "CNAME", "DNAME", "PTR", "MX", "SRV", "SOA", "NAPTR"].contains(&rtype.as_str());
        let case_only = has_names && theirs_hex != ours_hex && theirs_hex == lower_hex;
        let ok = theirs_ttl == Some(record.ttl) && (theirs_hex == ours_hex || case_only);
        let verdict = match (ok, case_only) {
            (false, _) => "DIFF",
            (true, true) => "same but for case",
            (true, false) => "same",
        };
        println!(
            "{verdict}: {owner} {rtype}: ttl {} rdata {ours_hex}",
            record.ttl
        );
        if !ok {
            failures.push(format!(
                "{owner} {rtype}: ours {} {ours_hex}, knot: {answer}",
                record.ttl
            ));
        }
    }
    let _ = knotd.kill();
    let _ = knotd.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{failures:#?}");
}
