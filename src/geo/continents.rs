//! The continent of each country, for databases whose records carry a country code and no
//! continent (ip-location-db's flat `{"country_code": "XX"}` layout), so that `continent:`
//! rules work with them as with GeoIP2 databases.
//!
//! The assignment is GeoNames' (countryInfo.txt), which MaxMind's and DB-IP's databases use:
//! Turkey, Georgia, Armenia and Azerbaijan are in Asia, Cyprus and Russia in Europe, Timor-Leste
//! in Oceania. Every ISO 3166-1 alpha-2 code is listed, plus `XK` (Kosovo, used by GeoNames and
//! MaxMind) and the two pseudo-countries some databases use: `EU` (European Union) and `AP`
//! (Asia/Pacific).

use super::location::Code2;

/// Each continent code with its countries.
const MEMBERS: [(&str, &str); 7] = [
    (
        "AF",
        "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA \
         MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW",
    ),
    ("AN", "AQ BV GS HM TF"),
    (
        "AS",
        "AE AF AM AP AZ BD BH BN BT CC CN CX GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA \
         LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TM TR TW UZ VN YE",
    ),
    (
        "EU",
        "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES EU FI FO FR GB GG GI GR HR HU IE IM IS IT \
         JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK",
    ),
    (
        "NA",
        "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX \
         NI PA PM PR SV SX TC TT US VC VG VI",
    ),
    ("SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE"),
    (
        "OC",
        "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TL TO TV UM VU WF WS",
    ),
];

/// For each two-letter code (26 × 26), 1 + the index of its continent in [`MEMBERS`], or 0.
const TABLE: [u8; 26 * 26] = build_table();

const fn build_table() -> [u8; 26 * 26] {
    let mut table = [0u8; 26 * 26];
    let mut continent = 0;
    while continent < MEMBERS.len() {
        let list = MEMBERS[continent].1.as_bytes();
        let mut at = 0;
        while at + 1 < list.len() {
            if list[at].is_ascii_uppercase() && list[at + 1].is_ascii_uppercase() {
                let index = (list[at] - b'A') as usize * 26 + (list[at + 1] - b'A') as usize;
                table[index] = continent as u8 + 1;
                at += 2;
            } else {
                at += 1;
            }
        }
        continent += 1;
    }
    table
}

/// The continent code (AF, AN, AS, EU, NA, OC, SA) of `country`, or `None` for a code that
/// names no country (such as `ZZ`, "unknown").
pub(super) fn continent_of(country: Code2) -> Option<Code2> {
    let [first, second] = *country.as_str().as_bytes() else {
        return None;
    };
    if !first.is_ascii_uppercase() || !second.is_ascii_uppercase() {
        return None;
    }
    let index = (first - b'A') as usize * 26 + (second - b'A') as usize;
    let continent = TABLE[index].checked_sub(1)?;
    Code2::new(MEMBERS[usize::from(continent)].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> Code2 {
        Code2::new(text).unwrap()
    }

    #[test]
    fn every_iso_country_has_one_continent() {
        // The 249 ISO 3166-1 codes as tzdata lists them (when the system has it), each once.
        let mut seen = std::collections::HashSet::new();
        for (_, list) in MEMBERS {
            for country in list.split_whitespace() {
                assert!(seen.insert(country), "{country} listed twice");
            }
        }
        assert_eq!(seen.len(), 249 + 3, "ISO codes plus XK, EU and AP");
        if let Ok(table) = std::fs::read_to_string("/usr/share/zoneinfo/iso3166.tab") {
            for line in table.lines().filter(|line| !line.starts_with('#')) {
                let country = &line[..2];
                assert!(continent_of(code(country)).is_some(), "{country}");
            }
        }
    }

    #[test]
    fn follows_the_geonames_assignment() {
        for (country, continent) in [
            ("US", "NA"),
            ("MX", "NA"),
            ("PA", "NA"),
            ("BR", "SA"),
            ("GF", "SA"),
            ("GB", "EU"),
            ("RU", "EU"),
            ("CY", "EU"),
            ("XK", "EU"),
            ("TR", "AS"),
            ("GE", "AS"),
            ("SG", "AS"),
            ("EG", "AF"),
            ("AU", "OC"),
            ("TL", "OC"),
            ("AQ", "AN"),
            ("EU", "EU"),
        ] {
            assert_eq!(
                continent_of(code(country)),
                Some(code(continent)),
                "{country}"
            );
        }
        for unknown in ["ZZ", "XX", "A1", "11"] {
            assert_eq!(continent_of(code(unknown)), None, "{unknown}");
        }
    }
}
