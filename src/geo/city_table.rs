//! The CSV source table of our own City databases (geoip/example-city.csv):
//!
//! ```text
//! # comment lines and blank lines are ignored
//! network,continent,country,subdivision,latitude,longitude
//! 192.0.2.0/25,EU,NL,NH,52.3676,4.9041
//! 203.0.113.0/24,AS,SG,,1.3521,103.8198
//! ```
//!
//! `network` is a CIDR with no host bits set; `continent` one of AF AN AS EU NA OC SA;
//! `country` an ISO 3166-1 alpha-2 code or empty; `subdivision` the ISO 3166-2 part after the
//! country ("VA" for US-VA) or empty; `latitude`/`longitude` decimal degrees, both or neither.
//! Networks may nest (the more specific one wins) but may not repeat.

use std::collections::HashMap;
use std::net::Ipv6Addr;

use ipnet::{IpNet, Ipv6Net};

use super::location::{Code2, SubdivisionCode};

/// The header line the table must start with.
pub(super) const HEADER: &str = "network,continent,country,subdivision,latitude,longitude";

/// The continent codes GeoIP2 uses, with their English names.
pub(super) const CONTINENTS: [(&str, &str); 7] = [
    ("AF", "Africa"),
    ("AN", "Antarctica"),
    ("AS", "Asia"),
    ("EU", "Europe"),
    ("NA", "North America"),
    ("OC", "Oceania"),
    ("SA", "South America"),
];

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CityRow {
    /// 1-based line number in the CSV, for error messages.
    pub(super) line: usize,
    pub(super) network: IpNet,
    pub(super) continent: Code2,
    pub(super) country: Option<Code2>,
    pub(super) subdivision: Option<SubdivisionCode>,
    pub(super) coordinates: Option<(f64, f64)>,
}

/// IPv6 space that the database keeps for IPv4 (`::/96`) and its IPv4-mapped alias
/// (`::ffff:0:0/96`); IPv4 networks are written in IPv4 form instead.
const RESERVED_FOR_IPV4: [IpNet; 2] = [
    IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 96)),
    IpNet::V6(Ipv6Net::new_assert(
        Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0),
        96,
    )),
];

/// Parses the table; errors name the line: `line 7: ...`.
pub(super) fn parse_city_table(csv: &str) -> Result<Vec<CityRow>, String> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    let mut lines_by_network: HashMap<IpNet, usize> = HashMap::new();
    for (index, raw) in csv.lines().enumerate() {
        let line = index + 1;
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        if !header_seen {
            if fields.join(",") != HEADER {
                return Err(format!(
                    "line {line}: expected the header line \"{HEADER}\""
                ));
            }
            header_seen = true;
            continue;
        }
        let row = parse_row(line, &fields).map_err(|error| format!("line {line}: {error}"))?;
        if let Some(first) = lines_by_network.insert(row.network, line) {
            return Err(format!(
                "line {line}: network {} is already on line {first}",
                row.network
            ));
        }
        rows.push(row);
    }
    if !header_seen {
        return Err(format!(
            "the table is empty: expected the header line \"{HEADER}\""
        ));
    }
    if rows.is_empty() {
        return Err("the table has no networks".to_string());
    }
    Ok(rows)
}

fn parse_row(line: usize, fields: &[&str]) -> Result<CityRow, String> {
    let &[
        network,
        continent,
        country,
        subdivision,
        latitude,
        longitude,
    ] = fields
    else {
        return Err(format!(
            "expected 6 fields ({HEADER}), found {}",
            fields.len()
        ));
    };
    let network: IpNet = network.parse().map_err(|_| {
        format!("invalid network {network:?}: expected a CIDR such as 192.0.2.0/24")
    })?;
    if network.trunc() != network {
        return Err(format!(
            "network {network} has host bits set; did you mean {}?",
            network.trunc()
        ));
    }
    if let IpNet::V6(_) = network
        && let Some(reserved) = RESERVED_FOR_IPV4
            .into_iter()
            .find(|reserved| reserved.contains(&network) || network.contains(reserved))
    {
        return Err(format!(
            "network {network} overlaps {reserved}, which the database keeps for IPv4; \
             write IPv4 networks in IPv4 form"
        ));
    }
    let continent = Code2::new(continent)
        .filter(|code| CONTINENTS.iter().any(|(known, _)| *known == code.as_str()))
        .ok_or_else(|| {
            format!("invalid continent {continent:?}: expected one of AF AN AS EU NA OC SA")
        })?;
    let country = match country {
        "" => None,
        code => Some(
            Code2::new(code)
                .filter(|parsed| parsed.as_str() == code)
                .ok_or_else(|| {
                    format!("invalid country {code:?}: expected an upper-case ISO 3166-1 code")
                })?,
        ),
    };
    let subdivision = match subdivision {
        "" => None,
        _ if country.is_none() => {
            return Err(format!("subdivision {subdivision:?} needs a country"));
        }
        code => Some(
            SubdivisionCode::new(code)
                .filter(|parsed| parsed.as_str() == code)
                .ok_or_else(|| {
                    format!(
                        "invalid subdivision {code:?}: expected 1-3 upper-case letters or digits"
                    )
                })?,
        ),
    };
    let coordinates = match (latitude, longitude) {
        ("", "") => None,
        (latitude, longitude) => Some((
            parse_degrees("latitude", latitude, 90.0)?,
            parse_degrees("longitude", longitude, 180.0)?,
        )),
    };
    Ok(CityRow {
        line,
        network,
        continent,
        country,
        subdivision,
        coordinates,
    })
}

fn parse_degrees(name: &str, text: &str, limit: f64) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value.abs() <= limit => Ok(value),
        _ if text.is_empty() => Err(format!(
            "{name} is empty; give both latitude and longitude or neither"
        )),
        _ => Err(format!(
            "invalid {name} {text:?}: expected decimal degrees between -{limit} and {limit}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &str) -> String {
        format!("# example\n\n{HEADER}\n{rows}")
    }

    #[test]
    fn parses_rows_with_optional_fields() {
        let rows = parse_city_table(&table(
            "192.0.2.0/25, EU, NL, NH, 52.37, 4.90\n2001:db8:3::/48,AS,SG,,,\n",
        ))
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 4);
        assert_eq!(rows[0].network.to_string(), "192.0.2.0/25");
        assert_eq!(rows[0].subdivision.unwrap().as_str(), "NH");
        assert_eq!(rows[0].coordinates, Some((52.37, 4.90)));
        assert_eq!(rows[1].country.unwrap().as_str(), "SG");
        assert_eq!(rows[1].subdivision, None);
        assert_eq!(rows[1].coordinates, None);
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let cases = [
            (
                "10.0.0.1/8,EU,NL,,,",
                "line 4: network 10.0.0.1/8 has host bits set",
            ),
            ("10.0.0.0/33,EU,NL,,,", "line 4: invalid network"),
            ("10.0.0.0/8,XX,NL,,,", "line 4: invalid continent \"XX\""),
            ("10.0.0.0/8,EU,nl,,,", "line 4: invalid country \"nl\""),
            (
                "10.0.0.0/8,EU,,VA,,",
                "line 4: subdivision \"VA\" needs a country",
            ),
            (
                "10.0.0.0/8,EU,US,VIRG,,",
                "line 4: invalid subdivision \"VIRG\"",
            ),
            ("10.0.0.0/8,EU,NL,,52,", "line 4: longitude is empty"),
            ("10.0.0.0/8,EU,NL,,91,0", "line 4: invalid latitude \"91\""),
            (
                "10.0.0.0/8,EU,NL,,0,NaN",
                "line 4: invalid longitude \"NaN\"",
            ),
            ("10.0.0.0/8,EU,NL", "line 4: expected 6 fields"),
            (
                "::ffff:0:0/104,EU,NL,,,",
                "overlaps ::ffff:0.0.0.0/96, which the database keeps",
            ),
            ("::/0,EU,NL,,,", "overlaps ::/96"),
            (
                "10.0.0.0/8,EU,NL,,,\n10.0.0.0/8,EU,DE,,,",
                "line 5: network 10.0.0.0/8 is already on line 4",
            ),
        ];
        for (rows, expected) in cases {
            let error = parse_city_table(&table(rows)).unwrap_err();
            assert!(error.contains(expected), "{rows:?}: {error}");
        }
    }

    #[test]
    fn requires_the_header_and_at_least_one_row() {
        assert!(parse_city_table("").unwrap_err().contains("empty"));
        assert!(
            parse_city_table("10.0.0.0/8,EU,NL,,,")
                .unwrap_err()
                .contains("line 1: expected the header line")
        );
        assert!(
            parse_city_table(HEADER)
                .unwrap_err()
                .contains("no networks")
        );
    }
}
