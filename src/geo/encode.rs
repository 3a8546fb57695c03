//! The data section of the databases our writer produces (MaxMind DB format 2.0, "Output Data
//! Section"): the type and size encoding of every value, and one record per table row in each
//! of the record layouts Switchyard reads — GeoIP2/GeoLite2 City, DB-IP Lite City and Country,
//! and ip-location-db's flat country and city layouts — so that each can be tested with a
//! database of exactly that shape.

use super::city_table::{CONTINENTS, CityRow};

/// The shape of the records a database holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordLayout {
    /// GeoIP2/GeoLite2 City: `continent.code` (+ English name), `country.iso_code`,
    /// `location.latitude/longitude`, `subdivisions[0].iso_code`.
    GeoIp2City,
    /// DB-IP Lite City: as GeoIP2 City, with names beside the codes, but its `subdivisions`
    /// carry names only (no `iso_code`).
    DbIpCity,
    /// DB-IP Lite Country: `continent` and `country` only.
    DbIpCountry,
    /// ip-location-db country files: `{"country_code": "XX"}`, nothing else.
    IpLocationCountry,
    /// ip-location-db city files: flat `country_code`, `latitude`, `longitude` (32-bit floats),
    /// `state1`/`state2` as names, `city`, `postcode`, `timezone`.
    IpLocationCity,
}

// Data section types.
pub(super) const TYPE_STRING: u8 = 2;
const TYPE_DOUBLE: u8 = 3;
pub(super) const TYPE_UINT16: u8 = 5;
pub(super) const TYPE_UINT32: u8 = 6;
pub(super) const TYPE_MAP: u8 = 7;
pub(super) const TYPE_UINT64: u8 = 9;
pub(super) const TYPE_ARRAY: u8 = 11;
const TYPE_BOOLEAN: u8 = 14;
const TYPE_FLOAT: u8 = 15;

/// The record of `row` in `layout`. Keys in alphabetical order, like MaxMind's writer.
pub(super) fn encode_record(row: &CityRow, layout: RecordLayout) -> Vec<u8> {
    let mut out = Vec::new();
    match layout {
        RecordLayout::GeoIp2City => encode_geoip2_city(&mut out, row),
        RecordLayout::DbIpCity | RecordLayout::DbIpCountry => encode_dbip(&mut out, row, layout),
        RecordLayout::IpLocationCountry => {
            write_control(&mut out, TYPE_MAP, usize::from(row.country.is_some()));
            if let Some(country) = row.country {
                write_string(&mut out, "country_code");
                write_string(&mut out, country.as_str());
            }
        }
        RecordLayout::IpLocationCity => encode_ip_location_city(&mut out, row),
    }
    out
}

fn encode_geoip2_city(out: &mut Vec<u8>, row: &CityRow) {
    let fields = 1
        + usize::from(row.country.is_some())
        + usize::from(row.coordinates.is_some())
        + usize::from(row.subdivision.is_some());
    write_control(out, TYPE_MAP, fields);
    write_continent(out, row);
    if let Some(country) = row.country {
        write_string(out, "country");
        write_control(out, TYPE_MAP, 1);
        write_string(out, "iso_code");
        write_string(out, country.as_str());
    }
    write_location(out, row);
    if let Some(subdivision) = row.subdivision {
        write_string(out, "subdivisions");
        write_control(out, TYPE_ARRAY, 1);
        write_control(out, TYPE_MAP, 1);
        write_string(out, "iso_code");
        write_string(out, subdivision.as_str());
    }
}

/// DB-IP Lite: names beside every code (the code stands in for the name here); subdivisions
/// named but not coded; City adds `location` and `subdivisions`.
fn encode_dbip(out: &mut Vec<u8>, row: &CityRow, layout: RecordLayout) {
    let city = layout == RecordLayout::DbIpCity;
    let coordinates = city && row.coordinates.is_some();
    let subdivision = if city { row.subdivision } else { None };
    let fields = 1
        + usize::from(row.country.is_some())
        + usize::from(coordinates)
        + usize::from(subdivision.is_some());
    write_control(out, TYPE_MAP, fields);
    write_continent(out, row);
    if let Some(country) = row.country {
        write_string(out, "country");
        write_control(out, TYPE_MAP, 3);
        write_string(out, "is_in_european_union");
        write_control(
            out,
            TYPE_BOOLEAN,
            usize::from(row.continent.as_str() == "EU"),
        );
        write_string(out, "iso_code");
        write_string(out, country.as_str());
        write_names(out, country.as_str());
    }
    if coordinates {
        write_location(out, row);
    }
    if let Some(subdivision) = subdivision {
        write_string(out, "subdivisions");
        write_control(out, TYPE_ARRAY, 1);
        write_control(out, TYPE_MAP, 1);
        write_names(out, subdivision.as_str());
    }
}

fn encode_ip_location_city(out: &mut Vec<u8>, row: &CityRow) {
    let country = row.country.as_ref().map_or("", |country| country.as_str());
    let state = row
        .subdivision
        .as_ref()
        .map_or("", |subdivision| subdivision.as_str());
    write_control(
        out,
        TYPE_MAP,
        6 + 2 * usize::from(row.coordinates.is_some()),
    );
    write_string(out, "city");
    write_string(out, "");
    write_string(out, "country_code");
    write_string(out, country);
    if let Some((latitude, longitude)) = row.coordinates {
        write_string(out, "latitude");
        write_float(out, latitude as f32);
        write_string(out, "longitude");
        write_float(out, longitude as f32);
    }
    write_string(out, "postcode");
    write_string(out, "");
    write_string(out, "state1");
    write_string(out, state);
    write_string(out, "state2");
    write_string(out, "");
    write_string(out, "timezone");
    write_string(out, "");
}

/// `continent`: its code and English name.
fn write_continent(out: &mut Vec<u8>, row: &CityRow) {
    let continent = row.continent.as_str();
    let name = CONTINENTS
        .iter()
        .find(|(code, _)| *code == continent)
        .map_or(continent, |(_, name)| name);
    write_string(out, "continent");
    write_control(out, TYPE_MAP, 2);
    write_string(out, "code");
    write_string(out, continent);
    write_names(out, name);
}

/// `names: {en: name}`.
fn write_names(out: &mut Vec<u8>, name: &str) {
    write_string(out, "names");
    write_control(out, TYPE_MAP, 1);
    write_string(out, "en");
    write_string(out, name);
}

/// `location: {latitude, longitude}` as doubles, when the row has coordinates.
fn write_location(out: &mut Vec<u8>, row: &CityRow) {
    if let Some((latitude, longitude)) = row.coordinates {
        write_string(out, "location");
        write_control(out, TYPE_MAP, 2);
        write_string(out, "latitude");
        write_double(out, latitude);
        write_string(out, "longitude");
        write_double(out, longitude);
    }
}

/// The control byte (type in the top 3 bits, or 0 and an extended type byte for types above
/// 7) and the payload size, with the 29/30/31 size escapes.
pub(super) fn write_control(out: &mut Vec<u8>, type_number: u8, size: usize) {
    let (first, extended) = if type_number <= 7 {
        (type_number << 5, None)
    } else {
        (0, Some(type_number - 7))
    };
    let (size_bits, extra): (u8, &[u8]) = match size {
        0..29 => (size as u8, &[]),
        29..285 => (29, &[(size - 29) as u8]),
        285..65_821 => (30, &((size - 285) as u16).to_be_bytes()),
        _ => (31, &((size - 65_821) as u32).to_be_bytes()[1..]),
    };
    out.push(first | size_bits);
    out.extend(extended);
    out.extend_from_slice(extra);
}

pub(super) fn write_string(out: &mut Vec<u8>, text: &str) {
    write_control(out, TYPE_STRING, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn write_double(out: &mut Vec<u8>, value: f64) {
    write_control(out, TYPE_DOUBLE, 8);
    out.extend_from_slice(&value.to_be_bytes());
}

fn write_float(out: &mut Vec<u8>, value: f32) {
    write_control(out, TYPE_FLOAT, 4);
    out.extend_from_slice(&value.to_be_bytes());
}

/// An unsigned integer in as few big-endian bytes as it needs (0 takes none).
pub(super) fn write_uint(out: &mut Vec<u8>, type_number: u8, value: u64) {
    let bytes = value.to_be_bytes();
    let skip = (value.leading_zeros() / 8) as usize;
    write_control(out, type_number, bytes.len() - skip);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_follow_the_size_escapes() {
        let control = |type_number, size| {
            let mut out = Vec::new();
            write_control(&mut out, type_number, size);
            out
        };
        assert_eq!(control(TYPE_STRING, 3), [0x43]);
        assert_eq!(control(TYPE_STRING, 28), [0x5c]);
        assert_eq!(control(TYPE_STRING, 29), [0x5d, 0]);
        assert_eq!(control(TYPE_STRING, 284), [0x5d, 255]);
        assert_eq!(control(TYPE_STRING, 285), [0x5e, 0, 0]);
        assert_eq!(control(TYPE_STRING, 65_820), [0x5e, 255, 255]);
        assert_eq!(control(TYPE_STRING, 65_821), [0x5f, 0, 0, 0]);
        assert_eq!(control(TYPE_MAP, 2), [0xe2]);
        // Extended types: control byte type 0, then type - 7.
        assert_eq!(control(TYPE_ARRAY, 1), [0x01, 0x04]);
        assert_eq!(control(TYPE_UINT64, 30), [0x1d, 0x02, 1]);
        // A boolean's value is its size.
        assert_eq!(control(TYPE_BOOLEAN, 1), [0x01, 0x07]);
    }

    #[test]
    fn integers_use_the_fewest_bytes() {
        let uint = |type_number, value| {
            let mut out = Vec::new();
            write_uint(&mut out, type_number, value);
            out
        };
        assert_eq!(uint(TYPE_UINT16, 0), [0xa0]);
        assert_eq!(uint(TYPE_UINT16, 6), [0xa1, 6]);
        assert_eq!(uint(TYPE_UINT32, 0x0001_0203), [0xc3, 1, 2, 3]);
        assert_eq!(uint(TYPE_UINT64, 0), [0x00, 0x02]);
    }
}
