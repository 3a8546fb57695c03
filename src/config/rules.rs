//! Steering rule keys of `[services.geo]`: `net:CIDR`, `asn:N`, `country:XX`,
//! `subdivision:XX-YY`, `continent:XX` and `default`.

use std::fmt;

use ipnet::IpNet;

use crate::geo::{Code2, SubdivisionCode};

/// One rule key. Ordering of variants is specificity: earlier is more specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeoRule {
    Net(IpNet),
    Asn(u32),
    /// Country and subdivision codes, e.g. `US` and `WA` for `subdivision:US-WA`.
    Subdivision(Code2, SubdivisionCode),
    Country(Code2),
    Continent(Code2),
    Default,
}

impl GeoRule {
    /// Parses a rule key.
    pub fn parse(text: &str) -> Result<GeoRule, String> {
        if text == "default" {
            return Ok(GeoRule::Default);
        }
        let Some((kind, value)) = text.split_once(':') else {
            return Err(format!(
                "rule {text:?} is not one of net:CIDR, asn:N, country:XX, subdivision:XX-YY, continent:XX, default"
            ));
        };
        match kind {
            "net" => value
                .parse::<IpNet>()
                .map(|net| GeoRule::Net(net.trunc()))
                .map_err(|_| format!("rule {text:?}: {value:?} is not a network in CIDR form")),
            "asn" => value
                .trim_start_matches("AS")
                .parse::<u32>()
                .map(GeoRule::Asn)
                .map_err(|_| format!("rule {text:?}: {value:?} is not an AS number")),
            "country" => code2(value).map(GeoRule::Country).ok_or_else(|| {
                format!("rule {text:?}: country codes are two letters (ISO 3166-1)")
            }),
            "continent" => code2(value)
                .filter(|c| CONTINENTS.contains(&c.as_str()))
                .map(GeoRule::Continent)
                .ok_or_else(|| {
                    format!("rule {text:?}: continent codes are AF, AN, AS, EU, NA, OC, SA")
                }),
            "subdivision" => {
                let parsed = value.split_once('-').and_then(|(country, sub)| {
                    Some(GeoRule::Subdivision(
                        code2(country)?,
                        SubdivisionCode::new(sub)?,
                    ))
                });
                parsed.ok_or_else(|| {
                    format!(
                        "rule {text:?}: subdivisions are written XX-YYY (ISO 3166-2, e.g. US-WA)"
                    )
                })
            }
            _ => Err(format!(
                "rule {text:?}: unknown kind {kind:?} (net, asn, country, subdivision, continent, default)"
            )),
        }
    }

    /// Lower is more specific: net > asn > subdivision > country > continent > default.
    pub fn specificity(&self) -> u8 {
        match self {
            GeoRule::Net(_) => 0,
            GeoRule::Asn(_) => 1,
            GeoRule::Subdivision(..) => 2,
            GeoRule::Country(_) => 3,
            GeoRule::Continent(_) => 4,
            GeoRule::Default => 5,
        }
    }
}

const CONTINENTS: [&str; 7] = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

/// Two letters (GeoIP codes never use digits for countries or continents).
fn code2(text: &str) -> Option<Code2> {
    Code2::new(text).filter(|_| text.bytes().all(|b| b.is_ascii_alphabetic()))
}

impl fmt::Display for GeoRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoRule::Net(net) => write!(f, "net:{net}"),
            GeoRule::Asn(asn) => write!(f, "asn:{asn}"),
            GeoRule::Subdivision(country, sub) => write!(f, "subdivision:{country}-{sub}"),
            GeoRule::Country(code) => write!(f, "country:{code}"),
            GeoRule::Continent(code) => write!(f, "continent:{code}"),
            GeoRule::Default => write!(f, "default"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind() {
        assert_eq!(
            GeoRule::parse("net:10.1.2.3/8").unwrap(),
            GeoRule::Net("10.0.0.0/8".parse().unwrap())
        );
        assert_eq!(GeoRule::parse("asn:64500").unwrap(), GeoRule::Asn(64500));
        let code = |c: &str| Code2::new(c).unwrap();
        assert_eq!(
            GeoRule::parse("country:sg").unwrap(),
            GeoRule::Country(code("SG"))
        );
        assert_eq!(
            GeoRule::parse("subdivision:US-WA").unwrap(),
            GeoRule::Subdivision(code("US"), SubdivisionCode::new("WA").unwrap())
        );
        assert_eq!(
            GeoRule::parse("continent:EU").unwrap(),
            GeoRule::Continent(code("EU"))
        );
        assert_eq!(GeoRule::parse("default").unwrap(), GeoRule::Default);
        assert!(GeoRule::parse("continent:XX").is_err());
        assert!(GeoRule::parse("country:USA").is_err());
        assert!(GeoRule::parse("planet:earth").is_err());
        assert_eq!(
            GeoRule::parse("subdivision:us-wa").unwrap().to_string(),
            "subdivision:US-WA"
        );
    }
}
