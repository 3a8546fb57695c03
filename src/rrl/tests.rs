use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::answer::Summary;

fn settings(rate: u32, window: u32, slip: u32) -> Settings {
    Settings {
        rate,
        window,
        slip,
        ipv4_prefix: 24,
        ipv6_prefix: 56,
        table_size: 1024,
    }
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

#[test]
fn a_network_gets_rate_per_second_then_is_limited() {
    let limiter = Limiter::new(settings(5, 3, 0));
    let client = v4(192, 0, 2, 1);
    let sent = (0..20)
        .filter(|_| !limiter.is_limited(0, client, ResponseClass::Answer, &[1]))
        .count();
    assert_eq!(sent, 5);
    // The same /24, another address: the same bucket.
    assert!(limiter.is_limited(0, v4(192, 0, 2, 200), ResponseClass::Answer, &[1]));
    // Another network, another class, another name: their own buckets.
    assert!(!limiter.is_limited(0, v4(192, 0, 3, 1), ResponseClass::Answer, &[1]));
    assert!(!limiter.is_limited(0, client, ResponseClass::NxDomain, &[1]));
    assert!(!limiter.is_limited(0, client, ResponseClass::Answer, &[2]));
}

#[test]
fn debt_is_paid_back_within_the_window() {
    let limiter = Limiter::new(settings(10, 2, 0));
    let client = v4(198, 51, 100, 7);
    for _ in 0..1000 {
        limiter.is_limited(0, client, ResponseClass::Error, &[0]);
    }
    // Debt capped at window × rate = 20: after 1 s still in debt, after 3 s answered again.
    assert!(limiter.is_limited(1, client, ResponseClass::Error, &[0]));
    assert!(!limiter.is_limited(3, client, ResponseClass::Error, &[0]));
}

#[test]
fn ipv6_networks_are_grouped_by_prefix() {
    let limiter = Limiter::new(settings(1, 1, 0));
    let a: IpAddr = "2001:db8:0:ff::1".parse().unwrap();
    let same: IpAddr = "2001:db8:0:1::2".parse().unwrap();
    let other: IpAddr = "2001:db8:0:100::1".parse().unwrap();
    assert!(!limiter.is_limited(0, a, ResponseClass::Answer, &[0]));
    assert!(limiter.is_limited(0, same, ResponseClass::Answer, &[0]));
    assert!(!limiter.is_limited(0, other, ResponseClass::Answer, &[0]));
    // IPv4-mapped sources count as IPv4.
    let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 9).to_ipv6_mapped());
    assert!(!limiter.is_limited(0, mapped, ResponseClass::Answer, &[0]));
    assert!(limiter.is_limited(0, v4(192, 0, 2, 10), ResponseClass::Answer, &[0]));
}

#[test]
fn memory_stays_bounded_and_limited_networks_are_not_evicted() {
    let limiter = Limiter::new(settings(2, 5, 0));
    let victim = v4(203, 0, 113, 1);
    for _ in 0..10 {
        limiter.is_limited(0, victim, ResponseClass::Answer, &[7]);
    }
    // A million other networks pass through a table of 1024 buckets.
    for i in 0..1_000_000u32 {
        let [a, b, c, _] = i.to_be_bytes();
        limiter.is_limited(0, v4(10, a ^ b, c, 0), ResponseClass::Answer, &[7]);
    }
    assert_eq!(limiter.buckets.len(), 1024);
    assert!(limiter.is_limited(0, victim, ResponseClass::Answer, &[7]));
}

/// A response: header, question www.example.com A, one answer, OPT with an option.
fn response() -> Vec<u8> {
    let mut r = vec![0xab, 0xcd, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 1];
    r.extend_from_slice(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
    r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 1]);
    r.extend_from_slice(&[0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 4, 0, 3, 0, 0]);
    r
}

/// RRL at one response a second, with `slip`.
fn one_per_second(slip: u32) -> RrlConfig {
    RrlConfig {
        enabled: true,
        rate: 1,
        window: 1,
        slip,
        table_size: 1024,
        ..RrlConfig::default()
    }
}

/// The summary of [`response`]: an answer in zone 0.
fn answer_summary() -> Summary {
    Summary {
        len: response().len(),
        rcode: 0,
        qtype: 1,
        zone: Some(0),
        truncated: false,
        steering: None,
        cookie: None,
        ede: None,
    }
}

#[test]
fn slipped_replies_keep_header_question_and_opt() {
    let mut out = response();
    out.extend_from_slice(&[0xee; 16]);
    let original = out.len() - 16;
    let len = truncate_to_question(&mut out, original);
    let slipped = &out[..len];
    let expected_question = &response()[12..33];
    assert_eq!(&slipped[..2], &[0xab, 0xcd]);
    assert_eq!(u16::from_be_bytes([slipped[2], slipped[3]]), 0x8600);
    assert_eq!(&slipped[4..12], &[0, 1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(&slipped[12..33], expected_question);
    // The OPT record, its rdata length grown by the "rate limited" EDE appended to it.
    let mut opt = response()[49..].to_vec();
    opt[10] += 18;
    opt.extend_from_slice(&[0, 15, 0, 14, 0, 0]);
    opt.extend_from_slice(b"rate limited");
    assert_eq!(&slipped[33..], &opt[..]);
    assert_eq!(opt_record(slipped), Some(33..len));
    // Without room for it, the reply goes without the EDE.
    let mut tight = response();
    let len = truncate_to_question(&mut tight, 64);
    assert_eq!(&tight[33..len], &response()[49..]);
}

#[test]
fn clients_with_a_valid_cookie_are_not_limited_and_counted_apart() {
    let rrl = Rrl::default();
    rrl.configure(&one_per_second(0));
    let limiter = rrl.limiter().clone().expect("enabled");
    let mut worker = rrl.worker();
    let summary = |cookie| Summary {
        cookie,
        ..answer_summary()
    };
    let client = v4(192, 0, 2, 1);
    let mut apply = |cookie| worker.apply(&limiter, 0, client, &summary(cookie), &mut response());
    // The spoofable flood uses the one response a second the network gets...
    let spoofed: Vec<_> = (0..5).map(|_| apply(None)).collect();
    assert_eq!(spoofed.iter().filter(|sent| sent.is_some()).count(), 1);
    let client_only = apply(Some(crate::cookies::Outcome::ClientOnly));
    assert_eq!(client_only, None);
    // ...while the client with a valid server cookie keeps getting answers.
    for _ in 0..10 {
        assert_eq!(apply(Some(crate::cookies::Outcome::Valid)), Some(64));
    }
    let stats = rrl.stats();
    assert_eq!(stats.exempt, [10, 0, 0]);
    assert_eq!(stats.dropped, [5, 0, 0]);
}

#[test]
fn opt_record_is_found_only_in_additional() {
    let r = response();
    assert_eq!(opt_record(&r), Some(49..r.len()));
    assert_eq!(opt_record(&r[..40]), None);
    let mut no_opt = r[..49].to_vec();
    no_opt[11] = 0;
    assert_eq!(opt_record(&no_opt), None);
}

#[test]
fn workers_slip_every_nth_limited_response_and_count() {
    let rrl = Rrl::default();
    rrl.configure(&one_per_second(3));
    let limiter = rrl.limiter().clone().expect("enabled");
    let mut worker = rrl.worker();
    let summary = answer_summary();
    let mut verdicts = Vec::new();
    for _ in 0..7 {
        let mut out = response();
        verdicts.push(worker.apply(&limiter, 0, v4(192, 0, 2, 1), &summary, &mut out));
    }
    let full = Some(response().len());
    let slipped = Some(49 - 16 + 15);
    assert_eq!(verdicts, [full, None, None, slipped, None, None, slipped]);
    let stats = rrl.stats();
    assert_eq!(stats.dropped, [4, 0, 0]);
    assert_eq!(stats.slipped, [2, 0, 0]);
    // Reconfiguring with the same settings keeps the table; turning it off removes it.
    rrl.configure(&one_per_second(3));
    assert!(Arc::ptr_eq(&limiter, rrl.limiter().as_ref().unwrap()));
    rrl.configure(&RrlConfig::default());
    assert!(rrl.limiter().is_none());
}

/// Cost of rate limiting one response (hash of network, class and name, one compare-and-swap),
/// printed, not asserted: `cargo test --release --lib rrl::tests::cost -- --ignored --nocapture`.
#[test]
#[ignore]
fn cost_per_response() {
    let rrl = Rrl::default();
    rrl.configure(&RrlConfig {
        enabled: true,
        rate: 1_000_000,
        ..RrlConfig::default()
    });
    let limiter = rrl.limiter().clone().expect("enabled");
    let mut worker = rrl.worker();
    let template = response();
    let summary = answer_summary();
    let mut out = template.clone();
    for (label, clients) in [("one client", 1u32), ("100,000 clients", 100_000)] {
        let rounds = 2_000_000u32;
        let start = std::time::Instant::now();
        let now = limiter.now();
        let mut sent = 0usize;
        for i in 0..rounds {
            let client = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + ((i % clients) << 8)));
            sent += worker
                .apply(&limiter, now, client, &summary, &mut out)
                .is_some() as usize;
        }
        let per = start.elapsed() / rounds;
        eprintln!("{label}: {per:?} per response ({sent} sent)");
    }
    // For scale: answering one query from the fuzz fixture.
    let snapshot = crate::fuzzing::fixture::snapshot();
    let query = crate::fuzzing::inputs::build_query(1, b"\x04mail\x04fuzz\x04test\x00", 1, None);
    let request = crate::answer::Request {
        packet: &query,
        source: "192.0.2.1:5353".parse().unwrap(),
        transport: crate::answer::Transport::Udp,
    };
    let mut buffer = vec![0u8; 1232];
    let rounds = 1_000_000u32;
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        crate::answer::respond(snapshot, &request, &mut buffer).expect("answered");
    }
    eprintln!("respond(): {:?} per query", start.elapsed() / rounds);
}
