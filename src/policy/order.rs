//! The order of datacenters for a client: by geo rules (most specific wins), by great-circle
//! distance, or the configured failover order; and the ECS scope that order depends on.

use std::net::IpAddr;

use ipnet::IpNet;

use super::{Client, MAX_DATACENTERS, Recorder, Service};
use crate::config::{GeoRule, PolicyKind};
use crate::geo::{Code2, GeoDatabase, Location, SubdivisionCode};
use crate::trace_note;

/// Datacenter indices in order of preference.
pub type DatacenterList = Box<[u16]>;
/// A subdivision rule key: country and subdivision code.
pub type SubdivisionKey = (Code2, SubdivisionCode);

/// Geo rules of one service, grouped by kind and sorted for lookup.
#[derive(Debug, Default)]
pub struct Rules {
    /// Longest prefix first.
    pub nets: Vec<NetRule>,
    pub asns: Vec<(u32, DatacenterList)>,
    pub subdivisions: Vec<(SubdivisionKey, DatacenterList)>,
    pub countries: Vec<(Code2, DatacenterList)>,
    pub continents: Vec<(Code2, DatacenterList)>,
    pub default: Option<DatacenterList>,
}

impl Rules {
    /// Builds the tables from parsed rules.
    pub fn new(rules: Vec<(GeoRule, DatacenterList)>) -> Rules {
        let mut out = Rules::default();
        for (rule, datacenters) in rules {
            match rule {
                GeoRule::Net(net) => out.nets.push(NetRule::new(net, datacenters)),
                GeoRule::Asn(asn) => out.asns.push((asn, datacenters)),
                GeoRule::Subdivision(country, sub) => {
                    out.subdivisions.push(((country, sub), datacenters))
                }
                GeoRule::Country(code) => out.countries.push((code, datacenters)),
                GeoRule::Continent(code) => out.continents.push((code, datacenters)),
                GeoRule::Default => out.default = Some(datacenters),
            }
        }
        out.nets
            .sort_by_key(|r| std::cmp::Reverse(r.net.prefix_len()));
        out.asns.sort_by_key(|r| r.0);
        out.subdivisions.sort_by_key(|r| r.0);
        out.countries.sort_by_key(|r| r.0);
        out.continents.sort_by_key(|r| r.0);
        out
    }

    fn needs_location(&self) -> bool {
        !(self.asns.is_empty()
            && self.subdivisions.is_empty()
            && self.countries.is_empty()
            && self.continents.is_empty())
    }
}

/// A `net:` rule, its network also held as bits for matching on the query path.
#[derive(Debug)]
pub struct NetRule {
    pub net: IpNet,
    pub datacenters: DatacenterList,
    /// The network's address, left-aligned in 128 bits (IPv4 in the top 32), and its mask.
    bits: u128,
    mask: u128,
    v6: bool,
}

impl NetRule {
    pub fn new(net: IpNet, datacenters: DatacenterList) -> NetRule {
        let (v6, bits) = left_aligned(net.network());
        let prefix = u32::from(net.prefix_len());
        let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
        NetRule {
            net,
            datacenters,
            bits: bits & mask,
            mask,
            v6,
        }
    }

    /// True when the address (see [`left_aligned`]) lies in the network.
    #[inline]
    fn contains(&self, v6: bool, ip: u128) -> bool {
        self.v6 == v6 && ip & self.mask == self.bits
    }
}

/// An address as its family and its bits left-aligned in 128 bits.
#[inline]
fn left_aligned(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a)) << 96),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

/// A datacenter order held inline, with the ECS scope it depends on.
pub struct Ordering<'s> {
    borrowed: Option<&'s [u16]>,
    inline: [u16; MAX_DATACENTERS],
    len: usize,
    pub scope: u8,
}

impl<'s> Ordering<'s> {
    fn borrowed(order: &'s [u16], scope: u8) -> Ordering<'s> {
        Ordering {
            borrowed: Some(order),
            inline: [0; MAX_DATACENTERS],
            len: 0,
            scope,
        }
    }

    pub fn as_slice(&self) -> &[u16] {
        self.borrowed.unwrap_or(&self.inline[..self.len])
    }
}

/// Orders the service's datacenters for `client`.
pub fn datacenter_order<'s>(
    service: &'s Service,
    client: &Client,
    geo: Option<&GeoDatabase>,
    recorder: &mut impl Recorder,
) -> Ordering<'s> {
    match service.policy {
        PolicyKind::Failover | PolicyKind::Weighted => Ordering::borrowed(&service.order, 0),
        PolicyKind::Geo => geo_order(service, client, geo, recorder),
        PolicyKind::Nearest => nearest_order(service, client, geo, recorder),
    }
}

fn default_order(service: &Service) -> &[u16] {
    service.rules.default.as_deref().unwrap_or(&service.order)
}

fn geo_order<'s>(
    service: &'s Service,
    client: &Client,
    geo: Option<&GeoDatabase>,
    recorder: &mut impl Recorder,
) -> Ordering<'s> {
    let rules = &service.rules;
    if !client.use_address {
        trace_note!(recorder, "ECS source prefix 0: the default rule applies");
        return Ordering::borrowed(default_order(service), 0);
    }
    let ip = client.address;
    let (v6, bits) = left_aligned(ip);
    if let Some(rule) = rules.nets.iter().find(|rule| rule.contains(v6, bits)) {
        let scope = refine_scope(rule.net.prefix_len(), ip, &rules.nets);
        trace_note!(recorder, "rule net:{} matched {ip}", rule.net);
        return Ordering::borrowed(&rule.datacenters, scope);
    }
    let location = match geo {
        Some(db) if rules.needs_location() => db.locate(ip),
        _ => Location::default(),
    };
    let base = location.prefix_len.max(location.asn_prefix_len);
    if recorder.enabled() {
        recorder.note(describe_location(ip, &location));
    }
    let scope = refine_scope(base, ip, &rules.nets);
    rule_order(service, &location, scope, recorder)
}

/// The order of the most specific location rule that matches, else the default rule's.
fn rule_order<'s>(
    service: &'s Service,
    location: &Location,
    scope: u8,
    recorder: &mut impl Recorder,
) -> Ordering<'s> {
    match match_location(&service.rules, location) {
        Some((rule, order)) => {
            trace_note!(recorder, "rule {rule} matched");
            Ordering::borrowed(order, scope)
        }
        None => {
            trace_note!(recorder, "no rule matched: default");
            Ordering::borrowed(default_order(service), scope)
        }
    }
}

/// Orders the service's datacenters for a location given directly rather than looked up
/// (see [`super::select_at`]): location rules for `geo`, distance for `nearest`.
pub fn location_order<'s>(
    service: &'s Service,
    location: &Location,
    recorder: &mut impl Recorder,
) -> Ordering<'s> {
    if recorder.enabled() {
        recorder.note(format!("location: {}", describe_fields(location)));
    }
    match service.policy {
        PolicyKind::Failover | PolicyKind::Weighted => Ordering::borrowed(&service.order, 0),
        PolicyKind::Geo => rule_order(service, location, 0, recorder),
        PolicyKind::Nearest => distance_order(service, location, 0, recorder),
    }
}

/// The most specific location rule that matches: asn > subdivision > country > continent.
fn match_location<'r>(rules: &'r Rules, location: &Location) -> Option<(GeoRule, &'r [u16])> {
    if let Some(asn) = location.asn
        && let Ok(i) = rules.asns.binary_search_by_key(&asn, |r| r.0)
    {
        return Some((GeoRule::Asn(asn), &rules.asns[i].1));
    }
    if let (Some(country), Some(sub)) = (location.country, location.subdivision)
        && let Ok(i) = rules
            .subdivisions
            .binary_search_by_key(&(country, sub), |r| r.0)
    {
        return Some((GeoRule::Subdivision(country, sub), &rules.subdivisions[i].1));
    }
    if let Some(country) = location.country
        && let Ok(i) = rules.countries.binary_search_by_key(&country, |r| r.0)
    {
        return Some((GeoRule::Country(country), &rules.countries[i].1));
    }
    if let Some(continent) = location.continent
        && let Ok(i) = rules.continents.binary_search_by_key(&continent, |r| r.0)
    {
        return Some((GeoRule::Continent(continent), &rules.continents[i].1));
    }
    None
}

/// Deepens `scope` so that the network it describes around `ip` holds no other `net:` rule
/// (a resolver caching the answer for that network must not reuse it for a client that a more
/// specific rule sends elsewhere).
fn refine_scope(mut scope: u8, ip: IpAddr, nets: &[NetRule]) -> u8 {
    let (v6, bits) = left_aligned(ip);
    for rule in nets {
        if rule.v6 != v6 || rule.contains(v6, bits) {
            continue;
        }
        // Leading bits shared with the rule's network (below its prefix, as it does not hold
        // the address).
        let common = (bits ^ rule.bits).leading_zeros() as u8;
        if common >= scope && common < rule.net.prefix_len() {
            scope = common + 1;
        }
    }
    scope
}

fn nearest_order<'s>(
    service: &'s Service,
    client: &Client,
    geo: Option<&GeoDatabase>,
    recorder: &mut impl Recorder,
) -> Ordering<'s> {
    let location = match (geo, client.use_address) {
        (Some(db), true) => db.locate(client.address),
        _ => Location::default(),
    };
    if recorder.enabled() && client.use_address {
        recorder.note(describe_location(client.address, &location));
    }
    let scope = if client.use_address {
        location.prefix_len
    } else {
        0
    };
    distance_order(service, &location, scope, recorder)
}

/// Datacenters nearest to the location first; the default order when it has no coordinates
/// (with `unknown_scope` as the scope).
fn distance_order<'s>(
    service: &'s Service,
    location: &Location,
    unknown_scope: u8,
    recorder: &mut impl Recorder,
) -> Ordering<'s> {
    let Some((lat, lon)) = location.coordinates else {
        trace_note!(recorder, "no coordinates for the client: default order");
        return Ordering::borrowed(default_order(service), unknown_scope);
    };
    let mut ordering = Ordering {
        borrowed: None,
        inline: [0; MAX_DATACENTERS],
        len: 0,
        scope: location.prefix_len,
    };
    let mut distances = [0f64; MAX_DATACENTERS];
    for (i, dc) in service.datacenters.iter().enumerate().take(MAX_DATACENTERS) {
        let Some((dlat, dlon)) = dc.location else {
            continue;
        };
        let distance = great_circle_km(lat, lon, dlat, dlon);
        // Insertion sort: a handful of datacenters.
        let mut at = ordering.len;
        while at > 0 && distances[at - 1] > distance {
            distances[at] = distances[at - 1];
            ordering.inline[at] = ordering.inline[at - 1];
            at -= 1;
        }
        distances[at] = distance;
        ordering.inline[at] = i as u16;
        ordering.len += 1;
    }
    if recorder.enabled() {
        let list: Vec<String> = (0..ordering.len)
            .map(|i| {
                format!(
                    "{} ({:.0} km)",
                    service.datacenters[ordering.inline[i] as usize].name, distances[i]
                )
            })
            .collect();
        recorder.note(format!("nearest first: {}", list.join(", ")));
    }
    ordering
}

/// Distance between two points on the Earth in kilometres (haversine).
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

fn describe_location(ip: IpAddr, location: &Location) -> String {
    let network = ipnet::IpNet::new(ip, location.prefix_len)
        .map(|n| n.trunc().to_string())
        .unwrap_or_else(|_| ip.to_string());
    if location.is_unknown() {
        return format!("GeoIP: {network} is not in the database");
    }
    format!("GeoIP: {network}: {}", describe_fields(location))
}

/// "continent EU, country NL, at 52.3676, 4.9041", for the trace.
fn describe_fields(location: &Location) -> String {
    let mut parts = Vec::new();
    if let Some(c) = location.continent {
        parts.push(format!("continent {}", c.as_str()));
    }
    if let Some(c) = location.country {
        parts.push(format!("country {}", c.as_str()));
    }
    if let Some(s) = location.subdivision {
        parts.push(format!("subdivision {}", s.as_str()));
    }
    if let Some((lat, lon)) = location.coordinates {
        parts.push(format!("at {lat:.4}, {lon:.4}"));
    }
    if let Some(asn) = location.asn {
        parts.push(format!("AS{asn} (/{})", location.asn_prefix_len));
    }
    if parts.is_empty() {
        return "unknown".to_string();
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<NetRule> {
        let mut v: Vec<_> = list
            .iter()
            .map(|n| NetRule::new(n.parse().unwrap(), vec![0u16].into_boxed_slice()))
            .collect();
        v.sort_by_key(|r| std::cmp::Reverse(r.net.prefix_len()));
        v
    }

    #[test]
    fn scope_excludes_more_specific_rules() {
        let rules = nets(&["10.0.0.0/8", "10.1.0.0/16"]);
        // 10.2.3.4 matches the /8; the /16 lies inside, so the scope must not cover it.
        let ip: IpAddr = "10.2.3.4".parse().unwrap();
        assert_eq!(refine_scope(8, ip, &rules), 15);
        // An MMDB network of /24 already excludes it.
        assert_eq!(refine_scope(24, ip, &rules), 24);
        // Far away: no change.
        let far: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(refine_scope(16, far, &rules), 16);
        // Rules of the other family never matter; IPv6 rules refine IPv6 scopes alike.
        let rules = nets(&["10.0.0.0/8", "2001:db8::/32", "2001:db8:1::/48"]);
        let v6: IpAddr = "2001:db8:2::1".parse().unwrap();
        assert_eq!(refine_scope(32, v6, &rules), 47);
        assert_eq!(refine_scope(56, v6, &rules), 56);
        assert_eq!(refine_scope(0, "2001:db9::1".parse().unwrap(), &rules), 32);
        assert_eq!(refine_scope(0, "11.0.0.1".parse().unwrap(), &rules), 8);
        assert!(rules[0].contains(true, left_aligned("2001:db8:1:ff::1".parse().unwrap()).1));
        assert!(!rules[0].contains(false, left_aligned("10.0.0.1".parse().unwrap()).1));
        assert!(rules[2].contains(false, left_aligned("10.255.0.1".parse().unwrap()).1));
    }

    #[test]
    fn distances() {
        let ams_sin = great_circle_km(52.37, 4.90, 1.35, 103.82);
        assert!((ams_sin - 10_500.0).abs() < 200.0, "{ams_sin}");
        assert_eq!(great_circle_km(1.0, 2.0, 1.0, 2.0), 0.0);
    }
}
