//! RFC 9018 Appendix A's examples, validity windows, secrets and the option checks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::secret::parse_secret;
use super::*;

const SECRET: Secret = [
    0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f, 0x48, 0xe7, 0xdc, 0x84, 0x9e, 0x37, 0xbf, 0xcf,
];
const CLIENT_1: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 100));
const CLIENT_2: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 203));
const CLIENT_6: IpAddr = IpAddr::V6(Ipv6Addr::new(
    0x2001, 0xdb8, 0x220, 0x1, 0x59de, 0xd0f4, 0x8769, 0x82b8,
));

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn a1_learning_a_new_server_cookie() {
    let cookies = Cookies::new(SECRET, None);
    let query = hex("2464c4abcf10c957");
    let verdict = cookies.check(&query, CLIENT_1, 1559731985);
    assert_eq!(verdict, Verdict::ClientOnly);
    let reply = cookies.reply(&query, verdict, CLIENT_1, 1559731985);
    assert_eq!(
        reply.to_vec(),
        hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480")
    );
}

#[test]
fn a2_a_cookie_older_than_half_an_hour_is_renewed() {
    let cookies = Cookies::new(SECRET, None);
    let query = hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480");
    let now = 1559734385;
    let verdict = cookies.check(&query, CLIENT_1, now);
    assert_eq!(verdict, Verdict::Valid { renew: true });
    let reply = cookies.reply(&query, verdict, CLIENT_1, now);
    assert_eq!(
        reply.to_vec(),
        hex("2464c4abcf10c957010000005cf7a871d4a564a1442aca77")
    );
}

#[test]
fn a3_reserved_bytes_are_hashed_as_sent() {
    let cookies = Cookies::new(SECRET, None);
    let query = hex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
    // The reserved bytes are not zero, yet the hash covers them as sent: valid.
    let verdict = cookies.check(&query, CLIENT_2, 1559727985 + 2000);
    assert_eq!(verdict, Verdict::Valid { renew: true });
    let reply = cookies.reply(&query, verdict, CLIENT_2, 1559734700);
    assert_eq!(
        reply.to_vec(),
        hex("fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e")
    );
}

#[test]
fn a4_ipv6_client_across_a_secret_rollover() {
    const OLD: Secret = [
        0xdd, 0x3b, 0xdf, 0x93, 0x44, 0xb6, 0x78, 0xb1, 0x85, 0xa6, 0xf5, 0xcb, 0x60, 0xfc, 0xa7,
        0x15,
    ];
    const NEW: Secret = [
        0x44, 0x55, 0x36, 0xbc, 0xd2, 0x51, 0x32, 0x98, 0x07, 0x5a, 0x5d, 0x37, 0x96, 0x63, 0xc9,
        0x62,
    ];
    let query = hex("22681ab97d52c298010000005cf7c57926556bd0934c72f8");
    let now = 1559741961;
    assert_eq!(
        Cookies::new(NEW, None).check(&query, CLIENT_6, now),
        Verdict::Invalid
    );
    let rolled = Cookies::new(NEW, Some(OLD));
    let verdict = rolled.check(&query, CLIENT_6, now);
    assert_eq!(
        verdict,
        Verdict::Valid { renew: true },
        "the previous secret is accepted"
    );
    let fresh = rolled.reply(&query, verdict, CLIENT_6, now);
    assert_eq!(
        fresh.to_vec(),
        hex("22681ab97d52c298010000005cf7c609a6bb79d16625507a")
    );
}

#[test]
fn validity_window_address_and_secret() {
    let cookies = Cookies::new(SECRET, None);
    let made = cookies.reply(
        &hex("0102030405060708"),
        Verdict::ClientOnly,
        CLIENT_1,
        1_000_000,
    );
    let at = |now| cookies.check(&made, CLIENT_1, now);
    assert_eq!(at(1_000_000), Verdict::Valid { renew: false });
    let echoed = cookies.reply(&made, at(1_000_100), CLIENT_1, 1_000_100);
    assert_eq!(
        echoed, made,
        "a young valid cookie goes back as it came, no hash computed"
    );
    assert_eq!(at(1_000_000 + 1800), Verdict::Valid { renew: false });
    assert_eq!(at(1_000_000 + 1801), Verdict::Valid { renew: true });
    assert_eq!(at(1_000_000 + 3600), Verdict::Valid { renew: true });
    assert_eq!(at(1_000_000 + 3601), Verdict::Invalid, "older than an hour");
    assert_eq!(at(1_000_000 - 300), Verdict::Valid { renew: false });
    assert_eq!(
        at(1_000_000 - 301),
        Verdict::Invalid,
        "more than 5 minutes ahead"
    );
    assert_eq!(cookies.check(&made, CLIENT_2, 1_000_000), Verdict::Invalid);
    let other = Cookies::new([7; 16], None);
    assert_eq!(other.check(&made, CLIENT_1, 1_000_000), Verdict::Invalid);
    let rolled = Cookies::new([7; 16], Some(SECRET));
    assert_eq!(
        rolled.check(&made, CLIENT_1, 1_000_000),
        Verdict::Valid { renew: true }
    );
    let fresh = rolled.reply(&made, Verdict::Invalid, CLIENT_1, 1_000_000);
    assert_eq!(
        other.check(&fresh, CLIENT_1, 1_000_000),
        Verdict::Valid { renew: false }
    );
    // Timestamps wrap (RFC 1982): a cookie made just before the wrap is valid just after.
    let wrap = cookies.reply(&made, Verdict::Invalid, CLIENT_1, u32::MAX - 10);
    assert_eq!(
        cookies.check(&wrap, CLIENT_1, 20),
        Verdict::Valid { renew: false }
    );
}

#[test]
fn lengths_and_foreign_cookies() {
    for len in [0, 1, 7, 9, 15, 41, 48] {
        assert_eq!(validate(&vec![0; len]), Err(Malformed), "length {len}");
    }
    for len in [8, 16, 24, 40] {
        assert_eq!(validate(&vec![0; len]), Ok(()), "length {len}");
    }
    let cookies = Cookies::new(SECRET, None);
    // A server cookie of another length or version is someone else's: answered with ours.
    assert_eq!(cookies.check(&[1; 16], CLIENT_1, 5), Verdict::Invalid);
    assert_eq!(cookies.check(&[1; 40], CLIENT_1, 5), Verdict::Invalid);
    let mut v2 = hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480");
    v2[8] = 2;
    assert_eq!(cookies.check(&v2, CLIENT_1, 1559731985), Verdict::Invalid);
}

#[test]
fn secret_files() {
    let secret = "e5e973e5a6b2a43f48e7dc849e37bfcf";
    assert_eq!(parse_secret(secret), Ok(SECRET));
    assert_eq!(
        parse_secret(&format!("# made 2026-12-05\n0x{secret}\n")),
        Ok(SECRET)
    );
    assert_eq!(parse_secret("").unwrap_err().0, 1);
    let (line, reason) = parse_secret("# c\nabcd\n").unwrap_err();
    assert_eq!(line, 2);
    assert!(reason.contains("32 hexadecimal digits"), "{reason}");
    let (line, reason) = parse_secret(&format!("{secret}\n{secret}\n")).unwrap_err();
    assert_eq!(
        (line, reason.as_str()),
        (2, "more than one secret in the file")
    );
    assert!(
        parse_secret(&"zz".repeat(16))
            .unwrap_err()
            .1
            .contains("not hexadecimal")
    );
}
