//! Targets 2 to 5: zone file text, configuration TOML, Client Subnet option bytes and MMDB
//! bytes, each through the loader the server uses, with the invariants that must hold for
//! whatever it accepts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use super::{fixture, packet};
use crate::answer::Transport;
use crate::config::{self, Config};
use crate::geo::{
    ClientSubnet, GeoDatabase, MAX_CLIENT_SUBNET_LEN, encode_client_subnet, mask_address,
    max_prefix, parse_client_subnet,
};
use crate::metrics::Metrics;
use crate::snapshot::{self, LoadedZone, Settings, Snapshot};
use crate::wire::{Name, rtype};
use crate::zone::{ParseOptions, ZoneBuilder, parse_rdata_text, parse_zone_text, rdata_to_text};

/// Records of a fuzzed zone that are queried once it builds.
const QUERIED_RECORDS: usize = 16;

/// Target 2: zone file text (no `$INCLUDE`) → parser → zone tree → answers. Every record's rdata
/// printed as text parses back to the same bytes; a zone that builds answers queries for its
/// own names within every packet invariant.
pub fn zone_file(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(origin) = Name::parse("fuzz.test.", None) else {
        return;
    };
    let options = ParseOptions {
        allow_include: false,
        max_generate: 256,
        max_errors: 16,
        ..ParseOptions::default()
    };
    let file = Path::new("fuzz-input.zone");
    let Ok(records) = parse_zone_text(&text, file, &origin, &options) else {
        return;
    };
    for record in &records {
        let text = rdata_to_text(record.rtype, &record.rdata);
        if text.starts_with("\\#") {
            continue;
        }
        let back = parse_rdata_text(record.rtype, &text, &origin)
            .unwrap_or_else(|e| panic!("{} {text:?} does not parse back: {e}", record.rtype));
        assert_eq!(*back, *record.rdata, "{} {text:?} round trip", record.rtype);
    }
    let queries: Vec<(Vec<u8>, u16)> = records
        .iter()
        .take(QUERIED_RECORDS)
        .map(|r| (r.owner.as_wire().to_vec(), r.rtype))
        .collect();
    let mut builder = ZoneBuilder::new(&origin, file);
    builder.add_records(records);
    let Ok((mut zone, _warnings)) = builder.finish() else {
        return;
    };
    crate::dnssec::denial::index(&mut zone);
    crate::authoritative::prepared::prepare(&mut zone);
    let loaded = LoadedZone {
        zone,
        file: PathBuf::from(file),
        sources: Vec::new(),
        metric_id: 0,
        signatures: None,
        unavailable: false,
        last_contact: None,
        signature_expiry: None,
    };
    let snapshot = Snapshot::new(1, Settings::default(), vec![loaded], Vec::new(), None);
    let source = SocketAddr::new(packet::SOURCES[1], 40_000);
    for (i, (name, qtype)) in queries.iter().enumerate() {
        for qtype in [*qtype, rtype::ANY, rtype::A] {
            for (transport, edns) in [
                (Transport::Udp, None),
                (Transport::Udp, Some(1232)),
                (Transport::Tcp, None),
            ] {
                let query = build_query(i as u16, name, qtype, edns);
                packet::check_query(&snapshot, &query, source, transport);
            }
            // DO=1: signatures and denial proofs (whole or truncated) of a signed zone.
            for (transport, payload) in [(Transport::Udp, 512), (Transport::Tcp, 65535)] {
                let mut query = build_query(i as u16, name, qtype, Some(payload));
                let flags = query.len() - 4;
                query[flags] |= 0x80;
                packet::check_query(&snapshot, &query, source, transport);
            }
        }
    }
}

/// A query for `qname` (wire form) and `qtype`, class IN, with an OPT record when `edns` gives
/// a payload size.
pub fn build_query(id: u16, qname: &[u8], qtype: u16, edns: Option<u16>) -> Vec<u8> {
    let mut packet = Vec::with_capacity(12 + qname.len() + 4 + 11);
    packet.extend_from_slice(&id.to_be_bytes());
    packet.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, u8::from(edns.is_some())]);
    packet.extend_from_slice(qname);
    packet.extend_from_slice(&qtype.to_be_bytes());
    packet.extend_from_slice(&rtype::CLASS_IN.to_be_bytes());
    if let Some(payload) = edns {
        packet.extend_from_slice(&[0, 0, 41]);
        packet.extend_from_slice(&payload.to_be_bytes());
        packet.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    }
    packet
}

/// Files a fuzzed configuration may name for its snapshot to be built (relative to the fixture
/// directory). Anything else (`/dev/zero`, a directory, the fuzzer's own files) is not read.
const READABLE: &[&str] = &[
    "fuzz.test.zone",
    "../../zones/example.com.zone",
    "../../geoip/example-city.mmdb",
    "../../geoip/maxmind-test-data/GeoLite2-City-Test.mmdb",
    "../../geoip/maxmind-test-data/GeoLite2-ASN-Test.mmdb",
];

/// Target 3: configuration TOML → parse and validation. A configuration that validates and
/// names only fixture files is built into a snapshot (offline health), and each steered name
/// is asked for A and AAAA within every packet invariant.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let path = fixture::config_path();
    let Ok(loaded) = config::parse(&text, &path) else {
        return;
    };
    if !only_fixture_files(&loaded.config) {
        return;
    }
    let down = ["ams".to_string()];
    let Ok((snapshot, _)) = snapshot::build(
        &loaded,
        1,
        &Metrics::default(),
        snapshot::Health::Offline { down: &down },
    ) else {
        return;
    };
    for (i, service) in snapshot.services().iter().take(8).enumerate() {
        for qtype in [rtype::A, rtype::AAAA] {
            let query = build_query(i as u16, service.name.as_wire(), qtype, None);
            for source in [packet::SOURCES[0], packet::SOURCES[5]] {
                let source = SocketAddr::new(source, 40_000);
                packet::check_query(&snapshot, &query, source, Transport::Udp);
            }
        }
    }
}

fn only_fixture_files(config: &Config) -> bool {
    let readable = |path: &String| READABLE.contains(&path.as_str());
    config
        .zones
        .values()
        .all(|zone| zone.file.as_ref().is_some_and(readable))
        && config.geoip.as_ref().is_none_or(|geoip| {
            readable(&geoip.database) && geoip.asn_database.as_ref().is_none_or(readable)
        })
        && config.checks.values().all(|check| check.ca_file.is_none())
}

/// Target 4: Client Subnet option data. What parses is canonical: encoded again with scope 0 it
/// is the same bytes, any scope is echoed capped at the source prefix, and the address carries
/// no bits beyond the prefix. Then the bytes as an address and prefix make a subnet that
/// survives encode and parse.
pub fn client_subnet(data: &[u8]) {
    let mut out = [0u8; MAX_CLIENT_SUBNET_LEN];
    if let Ok(subnet) = parse_client_subnet(data) {
        assert!(subnet.source_prefix <= max_prefix(subnet.address));
        assert_eq!(
            mask_address(subnet.address, subnet.source_prefix),
            subnet.address
        );
        let len = encode_client_subnet(&subnet, 0, &mut out);
        assert_eq!(&out[..len], data, "re-encoded option differs");
        for scope in [1, subnet.source_prefix, 200, 255] {
            let len = encode_client_subnet(&subnet, scope, &mut out);
            assert_eq!(len, data.len());
            assert_eq!(out[3], scope.min(subnet.source_prefix), "scope not capped");
        }
    }
    let Some((&prefix, rest)) = data.split_first() else {
        return;
    };
    let address = if prefix & 0x80 == 0 {
        let mut octets = [0u8; 4];
        octets.iter_mut().zip(rest).for_each(|(o, b)| *o = *b);
        IpAddr::V4(Ipv4Addr::from(octets))
    } else {
        let mut octets = [0u8; 16];
        octets.iter_mut().zip(rest).for_each(|(o, b)| *o = *b);
        IpAddr::V6(Ipv6Addr::from(octets))
    };
    let subnet = ClientSubnet::new(address, prefix & 0x7F);
    let len = encode_client_subnet(&subnet, 0, &mut out);
    assert!(len >= 4, "a subnet did not encode");
    let back = parse_client_subnet(&out[..len])
        .unwrap_or_else(|e| panic!("{subnet:?} encoded as {:02x?}: {e}", &out[..len]));
    assert_eq!(back, subnet, "subnet round trip");
}

/// The example database, the place database when the input is tried as an ASN database.
const EXAMPLE_CITY: &[u8] = include_bytes!("../../geoip/example-city.mmdb");

/// Target 5: MMDB bytes → loader (as the City/Country database, and as the ASN database beside
/// the example one) → lookups of fixed addresses and of addresses made from the input.
pub fn mmdb(data: &[u8]) {
    let mut addresses: Vec<IpAddr> = vec![
        IpAddr::V4(Ipv4Addr::new(81, 2, 69, 160)),
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        IpAddr::V4(Ipv4Addr::new(1, 0, 0, 1)),
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V4(Ipv4Addr::BROADCAST),
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1)),
        IpAddr::V6(Ipv6Addr::new(0x2a02, 0xd8c0, 0, 0, 0, 0, 0, 0)),
        IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        IpAddr::V6(Ipv6Addr::from(u128::MAX)),
    ];
    let mut octets = [0u8; 16];
    for chunk in data.chunks(16).take(4) {
        octets.iter_mut().zip(chunk).for_each(|(o, b)| *o ^= *b);
        addresses.push(IpAddr::V6(Ipv6Addr::from(octets)));
        addresses.push(IpAddr::V4(Ipv4Addr::new(
            octets[0], octets[1], octets[2], octets[3],
        )));
    }
    for database in [
        GeoDatabase::from_bytes(data.to_vec(), None),
        GeoDatabase::from_bytes(EXAMPLE_CITY.to_vec(), Some(data.to_vec())),
    ]
    .into_iter()
    .flatten()
    {
        let _ = (database.database_type(), database.build_epoch());
        let _ = format!("{database:?}");
        for &address in &addresses {
            let location = database.locate(address);
            let max = max_prefix(address);
            assert!(
                location.prefix_len <= max,
                "{address} in a /{}",
                location.prefix_len
            );
            assert!(
                location.asn_prefix_len <= max,
                "{address} in ASN /{}",
                location.asn_prefix_len
            );
        }
    }
}
