use std::net::IpAddr;

use crate::geo::{
    ClientSubnet, EcsError, MAX_CLIENT_SUBNET_LEN, client_address, encode_client_subnet,
    mask_address, parse_client_subnet,
};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn parses_ipv4_and_ipv6_subnets() {
    let subnet = parse_client_subnet(&[0, 1, 24, 0, 192, 0, 2]).unwrap();
    assert_eq!(subnet, ClientSubnet::new(ip("192.0.2.0"), 24));
    assert_eq!((subnet.family, subnet.scope_prefix), (1, 0));

    let subnet = parse_client_subnet(&[0, 1, 25, 0, 192, 0, 2, 128]).unwrap();
    assert_eq!(subnet.address, ip("192.0.2.128"));
    assert_eq!(subnet.source_prefix, 25);

    let subnet = parse_client_subnet(&[0, 1, 32, 0, 198, 51, 100, 7]).unwrap();
    assert_eq!(subnet.address, ip("198.51.100.7"));

    let subnet = parse_client_subnet(&[0, 2, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 3]).unwrap();
    assert_eq!(subnet.address, ip("2001:db8:3::"));
    assert_eq!((subnet.family, subnet.source_prefix), (2, 48));

    let mut full = vec![0, 2, 128, 0];
    full.extend_from_slice(
        &"2001:db8::1"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()
            .octets(),
    );
    assert_eq!(
        parse_client_subnet(&full).unwrap().address,
        ip("2001:db8::1")
    );
}

#[test]
fn source_prefix_zero_means_do_not_use_my_address() {
    for family in [1u8, 2] {
        let subnet = parse_client_subnet(&[0, family, 0, 0]).unwrap();
        assert_eq!(subnet.source_prefix, 0);
        assert_eq!(client_address(Some(&subnet), ip("203.0.113.9")), None);
    }
    // dig +subnet=0 sends FAMILY 0 without address bits; accepted the same way.
    let subnet = parse_client_subnet(&[0, 0, 0, 0]).unwrap();
    assert_eq!((subnet.family, subnet.source_prefix), (0, 0));
    assert_eq!(client_address(Some(&subnet), ip("203.0.113.9")), None);
}

#[test]
fn malformed_options_are_errors() {
    let cases: [(&[u8], EcsError); 11] = [
        (&[], EcsError::Truncated(0)),
        (&[0, 1, 24], EcsError::Truncated(3)),
        (&[0, 3, 0, 0], EcsError::UnknownFamily(3)),
        (&[1, 1, 0, 0], EcsError::UnknownFamily(257)),
        (&[0, 0, 8, 0, 10], EcsError::PrefixWithoutFamily(8)),
        (
            &[0, 1, 33, 0, 1, 2, 3, 4, 5],
            EcsError::SourcePrefixTooLong {
                source_prefix: 33,
                max: 32,
            },
        ),
        (
            &[0, 2, 129, 0],
            EcsError::SourcePrefixTooLong {
                source_prefix: 129,
                max: 128,
            },
        ),
        // Too few and too many ADDRESS bytes for the prefix.
        (
            &[0, 1, 24, 0, 192, 0],
            EcsError::AddressLength {
                source_prefix: 24,
                expected: 3,
                actual: 2,
            },
        ),
        (
            &[0, 1, 24, 0, 192, 0, 2, 0],
            EcsError::AddressLength {
                source_prefix: 24,
                expected: 3,
                actual: 4,
            },
        ),
        (
            &[0, 1, 0, 0, 0],
            EcsError::AddressLength {
                source_prefix: 0,
                expected: 0,
                actual: 1,
            },
        ),
        // SCOPE PREFIX-LENGTH must be 0 in a query.
        (&[0, 1, 24, 16, 192, 0, 2], EcsError::ScopeInQuery(16)),
    ];
    for (bytes, expected) in cases {
        assert_eq!(parse_client_subnet(bytes), Err(expected), "{bytes:?}");
    }
    // 192.0.3.0/23: the last bit of the third byte is beyond the prefix.
    assert_eq!(
        parse_client_subnet(&[0, 1, 23, 0, 192, 0, 3]),
        Err(EcsError::BitsBeyondPrefix(23))
    );
    assert_eq!(
        parse_client_subnet(&[0, 2, 1, 0, 0xc0]),
        Err(EcsError::BitsBeyondPrefix(1))
    );
    assert!(
        EcsError::BitsBeyondPrefix(23)
            .to_string()
            .contains("beyond SOURCE PREFIX-LENGTH 23")
    );
}

#[test]
fn every_short_input_is_handled_without_panicking() {
    // All 1- to 5-byte inputs over a few interesting byte values.
    let values = [0u8, 1, 2, 8, 24, 32, 33, 128, 129, 255];
    let mut input = Vec::new();
    for len in 0..=5 {
        let combinations = values.len().pow(len as u32);
        for mut index in 0..combinations {
            input.clear();
            for _ in 0..len {
                input.push(values[index % values.len()]);
                index /= values.len();
            }
            if let Ok(subnet) = parse_client_subnet(&input) {
                let mut out = [0u8; MAX_CLIENT_SUBNET_LEN];
                let written = encode_client_subnet(&subnet, 0, &mut out);
                assert_eq!(&out[..written], &input[..], "a valid option round-trips");
            }
        }
    }
}

#[test]
fn encoding_echoes_the_query_with_the_scope_capped_at_the_source() {
    let mut out = [0u8; MAX_CLIENT_SUBNET_LEN];
    let subnet = parse_client_subnet(&[0, 1, 24, 0, 192, 0, 2]).unwrap();
    let len = encode_client_subnet(&subnet, 16, &mut out);
    assert_eq!(&out[..len], &[0, 1, 24, 16, 192, 0, 2]);
    // A scope wider than the source is capped at the source.
    let len = encode_client_subnet(&subnet, 27, &mut out);
    assert_eq!(&out[..len], &[0, 1, 24, 24, 192, 0, 2]);

    let subnet = ClientSubnet::new(ip("2001:db8:3:4::1"), 56);
    assert_eq!(subnet.address, ip("2001:db8:3::"));
    let len = encode_client_subnet(&subnet, 48, &mut out);
    assert_eq!(
        &out[..len],
        &[0, 2, 56, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 3, 0]
    );

    // Unmasked input is masked and truncated to ceil(source / 8) bytes.
    let unmasked = ClientSubnet {
        address: ip("198.51.100.77"),
        source_prefix: 20,
        scope_prefix: 0,
        family: 1,
    };
    let len = encode_client_subnet(&unmasked, 0, &mut out);
    assert_eq!(&out[..len], &[0, 1, 20, 0, 198, 51, 96]);

    // FAMILY 0 is echoed as it came.
    let unspecified = parse_client_subnet(&[0, 0, 0, 0]).unwrap();
    let len = encode_client_subnet(&unspecified, 0, &mut out);
    assert_eq!(&out[..len], &[0, 0, 0, 0]);

    // A buffer too short gets nothing.
    let mut short = [0u8; 6];
    assert_eq!(encode_client_subnet(&subnet, 0, &mut short), 0);
    assert_eq!(short, [0; 6]);
}

#[test]
fn client_address_prefers_the_subnet_then_the_packet_source() {
    let subnet = ClientSubnet::new(ip("198.51.100.0"), 24);
    assert_eq!(
        client_address(Some(&subnet), ip("192.0.2.1")),
        Some(ip("198.51.100.0"))
    );
    assert_eq!(client_address(None, ip("192.0.2.1")), Some(ip("192.0.2.1")));
    // A dual-stack socket reports IPv4 clients as IPv4-mapped IPv6.
    assert_eq!(
        client_address(None, ip("::ffff:192.0.2.1")),
        Some(ip("192.0.2.1"))
    );
    assert_eq!(
        client_address(None, ip("2001:db8::1")),
        Some(ip("2001:db8::1"))
    );
}

#[test]
fn mask_address_clears_bits_after_the_prefix() {
    assert_eq!(mask_address(ip("192.0.2.255"), 25), ip("192.0.2.128"));
    assert_eq!(mask_address(ip("192.0.2.255"), 0), ip("0.0.0.0"));
    assert_eq!(mask_address(ip("192.0.2.255"), 32), ip("192.0.2.255"));
    assert_eq!(mask_address(ip("192.0.2.255"), 200), ip("192.0.2.255"));
    assert_eq!(
        mask_address(ip("2001:db8:ffff::1"), 36),
        ip("2001:db8:f000::")
    );
    assert_eq!(mask_address(ip("2001:db8::1"), 128), ip("2001:db8::1"));
    assert_eq!(mask_address(ip("2001:db8::1"), 0), ip("::"));
}
