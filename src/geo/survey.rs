//! What the records of a database hold, counted once at load time: how many records carry each
//! field steering reads, which layout they are in, which top-level keys they have and which
//! address families hold data. `check` and reloads use it to refuse a database that cannot
//! serve the configured rules and to say what the database holds instead.

use std::collections::BTreeSet;
use std::fmt;

use super::record::{PlaceRecord, RecordShape};

/// A field of a City/Country record that a steering rule needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaceField {
    /// `continent:` rules.
    Continent,
    /// `country:` rules.
    Country,
    /// `subdivision:` rules.
    Subdivision,
    /// Policy `nearest`.
    Coordinates,
}

impl fmt::Display for PlaceField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PlaceField::Continent => "a continent code",
            PlaceField::Country => "a country code",
            PlaceField::Subdivision => "a subdivision code",
            PlaceField::Coordinates => "coordinates",
        })
    }
}

/// Records whose top-level keys are listed in messages.
const SAMPLED_RECORDS: usize = 16;

/// Counts over the distinct records of one database.
#[derive(Clone, Debug, Default)]
pub(super) struct Survey {
    pub(super) records: usize,
    continent: usize,
    country: usize,
    subdivision: usize,
    coordinates: usize,
    /// Records with an `autonomous_system_number` (ASN databases).
    pub(super) asn: usize,
    nested: usize,
    flat: usize,
    /// Top-level keys of the first [`SAMPLED_RECORDS`] records.
    keys: BTreeSet<String>,
    pub(super) ipv4_data: bool,
    pub(super) ipv6_data: bool,
}

impl Survey {
    /// Whether the keys of one more record should be sampled.
    pub(super) fn wants_keys(&self) -> bool {
        self.records < SAMPLED_RECORDS
    }

    pub(super) fn add_keys(&mut self, keys: Vec<String>) {
        self.keys.extend(keys);
    }

    /// Counts one City/Country record.
    pub(super) fn add_place(&mut self, record: &PlaceRecord<'_>) {
        self.records += 1;
        self.continent += usize::from(record.continent().is_some());
        self.country += usize::from(record.country().is_some());
        self.subdivision += usize::from(record.subdivision().is_some());
        self.coordinates += usize::from(record.coordinates().is_some());
        match record.shape() {
            RecordShape::Nested => self.nested += 1,
            RecordShape::Flat => self.flat += 1,
            RecordShape::Other => {}
        }
    }

    /// Counts one ASN record.
    pub(super) fn add_asn(&mut self, number: Option<u32>) {
        self.records += 1;
        self.asn += usize::from(number.is_some());
    }

    /// Records that carry `field`.
    pub(super) fn count(&self, field: PlaceField) -> usize {
        match field {
            PlaceField::Continent => self.continent,
            PlaceField::Country => self.country,
            PlaceField::Subdivision => self.subdivision,
            PlaceField::Coordinates => self.coordinates,
        }
    }

    /// Whether any record has any field steering reads.
    pub(super) fn locates_anything(&self) -> bool {
        self.continent + self.country + self.subdivision + self.coordinates > 0
    }

    /// The layout the records are in, for messages.
    fn layout(&self) -> &'static str {
        if self.asn > 0 {
            "the GeoIP2 ASN layout"
        } else if self.nested > 0 {
            "the GeoIP2 layout (GeoIP2, GeoLite2, DB-IP)"
        } else if self.flat > 0 {
            "the ip-location-db flat layout"
        } else {
            "no layout Switchyard reads"
        }
    }
}

impl fmt::Display for Survey {
    /// What the records hold: `records have {city, country_code}: the ip-location-db flat
    /// layout`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.records == 0 {
            return f.write_str("the search tree points to no record");
        }
        let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
        write!(f, "records have {{{}}}: {}", keys.join(", "), self.layout())
    }
}
