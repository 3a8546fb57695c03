//! Steering rule keys of `[services.geo]`: `net:CIDR`, `asn:N`, `country:XX`,
//! `subdivision:XX-YY`, `continent:XX` and `default`.

use std::fmt;

use ipnet::IpNet;

/// One rule key. Ordering of variants is specificity: earlier is more specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeoRule {
    Net(IpNet),
    Asn(u32),
    /// Country and subdivision codes, e.g. `US` and `WA` for `subdivision:US-WA`.
    Subdivision([u8; 2], [u8; 3]),
    Country([u8; 2]),
    Continent([u8; 2]),
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
            "country" => code2(value)
                .map(GeoRule::Country)
                .ok_or_else(|| format!("rule {text:?}: country codes are two letters (ISO 3166-1)")),
            "continent" => code2(value)
                .filter(|c| CONTINENTS.contains(&c.as_slice()))
                .map(GeoRule::Continent)
                .ok_or_else(|| {
                    format!("rule {text:?}: continent codes are AF, AN, AS, EU, NA, OC, SA")
                }),
            "subdivision" => {
                let parsed = value.split_once('-').and_then(|(country, sub)| {
                    let country = code2(country)?;
                    let bytes = sub.as_bytes();
                    if bytes.is_empty()
                        || bytes.len() > 3
                        || !bytes.iter().all(u8::is_ascii_alphanumeric)
                    {
                        return None;
                    }
                    let mut code = [0u8; 3];
                    code[..bytes.len()].copy_from_slice(&bytes.to_ascii_uppercase());
                    Some(GeoRule::Subdivision(country, code))
                });
                parsed.ok_or_else(|| {
                    format!("rule {text:?}: subdivisions are written XX-YYY (ISO 3166-2, e.g. US-WA)")
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

const CONTINENTS: [&[u8]; 7] = [b"AF", b"AN", b"AS", b"EU", b"NA", b"OC", b"SA"];

fn code2(text: &str) -> Option<[u8; 2]> {
    let bytes = text.as_bytes();
    (bytes.len() == 2 && bytes.iter().all(u8::is_ascii_alphabetic))
        .then(|| [bytes[0].to_ascii_uppercase(), bytes[1].to_ascii_uppercase()])
}

impl fmt::Display for GeoRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |code: &[u8]| {
            String::from_utf8_lossy(code)
                .trim_end_matches('\0')
                .to_string()
        };
        match self {
            GeoRule::Net(net) => write!(f, "net:{net}"),
            GeoRule::Asn(asn) => write!(f, "asn:{asn}"),
            GeoRule::Subdivision(country, sub) => {
                write!(f, "subdivision:{}-{}", text(country), text(sub))
            }
            GeoRule::Country(code) => write!(f, "country:{}", text(code)),
            GeoRule::Continent(code) => write!(f, "continent:{}", text(code)),
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
        assert_eq!(GeoRule::parse("country:sg").unwrap(), GeoRule::Country(*b"SG"));
        assert_eq!(
            GeoRule::parse("subdivision:US-WA").unwrap(),
            GeoRule::Subdivision(*b"US", *b"WA\0")
        );
        assert_eq!(GeoRule::parse("continent:EU").unwrap(), GeoRule::Continent(*b"EU"));
        assert_eq!(GeoRule::parse("default").unwrap(), GeoRule::Default);
        assert!(GeoRule::parse("continent:XX").is_err());
        assert!(GeoRule::parse("country:USA").is_err());
        assert!(GeoRule::parse("planet:earth").is_err());
        assert_eq!(GeoRule::parse("subdivision:us-wa").unwrap().to_string(), "subdivision:US-WA");
    }
}
