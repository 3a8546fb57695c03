//! The few fields of a record that steering uses, as borrowed serde structs, in the two layouts
//! Switchyard reads: GeoIP2's nested one (GeoIP2, GeoLite2, DB-IP) and ip-location-db's flat
//! one. Everything else in a record (names in eight languages, postal codes, time zones …) is
//! skipped without being decoded, which keeps a lookup several times cheaper than decoding a
//! full City record, and allocation-free. Also the load-time decoders: a whole record checked
//! value by value, and a record's top-level keys, to say what a database holds.

use std::cell::Cell;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};

use super::continents::continent_of;
use super::location::{Code2, SubdivisionCode};

/// A City or Country record. GeoIP2 layout: `continent.code`, `country.iso_code`,
/// `subdivisions[0].iso_code`, `location.latitude/longitude`. ip-location-db's flat layout:
/// `country_code`, and in its city files `latitude`/`longitude`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PlaceRecord<'a> {
    #[serde(borrow, default)]
    continent: Option<ContinentField<'a>>,
    #[serde(borrow, default)]
    country: Option<CountryField<'a>>,
    #[serde(default, deserialize_with = "first_subdivision")]
    subdivisions: Option<SubdivisionCode>,
    #[serde(default)]
    location: Option<CoordinatesField>,
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
    #[serde(default, deserialize_with = "float")]
    latitude: Option<f64>,
    #[serde(default, deserialize_with = "float")]
    longitude: Option<f64>,
}

/// Which layout a record is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RecordShape {
    /// `continent` or `country` maps (GeoIP2, GeoLite2, DB-IP).
    Nested,
    /// A top-level `country_code` (ip-location-db).
    Flat,
    /// Neither.
    Other,
}

#[derive(Debug, Deserialize)]
struct ContinentField<'a> {
    #[serde(borrow, default)]
    code: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct CountryField<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct SubdivisionField<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct CoordinatesField {
    #[serde(default)]
    latitude: Option<f64>,
    #[serde(default)]
    longitude: Option<f64>,
}

impl PlaceRecord<'_> {
    /// `continent.code`; a record with a country and no continent (the flat layout) gets the
    /// country's continent.
    pub(super) fn continent(&self) -> Option<Code2> {
        let given = self
            .continent
            .as_ref()
            .and_then(|c| c.code)
            .and_then(Code2::new);
        given.or_else(|| continent_of(self.country()?))
    }

    /// `country.iso_code`, else the flat layout's `country_code`.
    pub(super) fn country(&self) -> Option<Code2> {
        let nested = self.country.as_ref().and_then(|country| country.iso_code);
        nested.or(self.country_code).and_then(Code2::new)
    }

    pub(super) fn subdivision(&self) -> Option<SubdivisionCode> {
        self.subdivisions
    }

    /// Latitude and longitude when both are present, finite and in range: `location`'s, else
    /// the flat layout's.
    pub(super) fn coordinates(&self) -> Option<(f64, f64)> {
        let (latitude, longitude) = match &self.location {
            Some(location) => (location.latitude?, location.longitude?),
            None => (self.latitude?, self.longitude?),
        };
        let valid = (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude);
        valid.then_some((latitude, longitude))
    }

    pub(super) fn shape(&self) -> RecordShape {
        if self.continent.is_some() || self.country.is_some() {
            RecordShape::Nested
        } else if self.country_code.is_some() {
            RecordShape::Flat
        } else {
            RecordShape::Other
        }
    }
}

/// An ASN (or ISP) record: `autonomous_system_number`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct AsnRecord {
    #[serde(default)]
    pub(super) autonomous_system_number: Option<u32>,
}

/// A 32- or 64-bit float: ip-location-db writes its coordinates as 32-bit floats, which the
/// decoder does not turn into an `f64` by itself.
fn float<'de, D>(deserializer: D) -> Result<Option<f64>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Float;

    impl Visitor<'_> for Float {
        type Value = Option<f64>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a float")
        }

        fn visit_f32<E>(self, value: f32) -> Result<Option<f64>, E> {
            Ok(Some(f64::from(value)))
        }

        fn visit_f64<E>(self, value: f64) -> Result<Option<f64>, E> {
            Ok(Some(value))
        }
    }

    deserializer.deserialize_any(Float)
}

/// Reads `subdivisions` (an array ordered from the largest region to the smallest, e.g. ENG then
/// a county) keeping only the first entry's `iso_code`, the region `subdivision:` rules name;
/// the rest are skipped without decoding and without allocating a `Vec`.
fn first_subdivision<'de, D>(deserializer: D) -> Result<Option<SubdivisionCode>, D::Error>
where
    D: Deserializer<'de>,
{
    struct FirstSubdivision;

    impl<'de> Visitor<'de> for FirstSubdivision {
        type Value = Option<SubdivisionCode>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("an array of subdivisions")
        }

        fn visit_seq<A>(self, mut sequence: A) -> Result<Self::Value, A::Error>
        where
            A: SeqAccess<'de>,
        {
            let first = sequence
                .next_element::<SubdivisionField<'de>>()?
                .and_then(|subdivision| subdivision.iso_code)
                .and_then(SubdivisionCode::new);
            while sequence.next_element::<IgnoredAny>()?.is_some() {}
            Ok(first)
        }
    }

    deserializer.deserialize_seq(FirstSubdivision)
}

/// Deepest nesting accepted when checking a whole record at load time; GeoIP2 records nest about
/// four levels. Bounds the recursion long before it could threaten the loading thread's stack.
const MAX_CHECKED_DEPTH: u32 = 32;

thread_local! {
    /// Values [`CheckedValue`] may still decode on this thread (see [`with_check_budget`]).
    static CHECK_BUDGET: Cell<u64> = const { Cell::new(u64::MAX) };
}

/// Runs `check` allowing [`CheckedValue`] to decode at most `values` values in all. Records
/// may share data through pointers, so a crafted file could make a few records expand to an
/// astronomical number of values; the budget turns that into an error instead of a hang.
pub(super) fn with_check_budget<T>(values: u64, check: impl FnOnce() -> T) -> T {
    let previous = CHECK_BUDGET.replace(values);
    let result = check();
    CHECK_BUDGET.set(previous);
    result
}

/// Takes one value from the budget.
fn charge<E: serde::de::Error>() -> Result<(), E> {
    let left = CHECK_BUDGET.get();
    if left == 0 {
        return Err(E::custom(
            "the records expand to more values than the whole data section could hold \
             (pointers that share data in a loop-like pattern)",
        ));
    }
    CHECK_BUDGET.set(left - 1);
    Ok(())
}

/// Decodes any value completely, following every pointer and validating every string, to prove
/// at load time that a record is well formed. Keeps nothing.
#[derive(Clone, Copy)]
pub(super) struct CheckedValue {
    depth: u32,
}

impl CheckedValue {
    pub(super) fn root() -> CheckedValue {
        CheckedValue { depth: 0 }
    }

    fn child<E: serde::de::Error>(self) -> Result<CheckedValue, E> {
        if self.depth >= MAX_CHECKED_DEPTH {
            return Err(E::custom(format_args!(
                "data nested deeper than {MAX_CHECKED_DEPTH} levels"
            )));
        }
        Ok(CheckedValue {
            depth: self.depth + 1,
        })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for CheckedValue {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        charge::<D::Error>()?;
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CheckedValue {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any MaxMind DB value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_i128<E>(self, _: i128) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u128<E>(self, _: u128) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self.child()?)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<(), A::Error> {
        let child = self.child()?;
        while sequence.next_element_seed(child)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let child = self.child()?;
        while map.next_entry_seed(child, child)?.is_some() {}
        Ok(())
    }
}

/// A whole record decoded with [`CheckedValue`].
pub(super) struct CheckedRecord;

impl<'de> Deserialize<'de> for CheckedRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CheckedRecord, D::Error> {
        serde::de::DeserializeSeed::deserialize(CheckedValue::root(), deserializer)?;
        Ok(CheckedRecord)
    }
}

/// The keys of a record's top-level map, its values skipped: what an operator is told a
/// database holds when it is not in a layout Switchyard reads. Empty for a record that is not a
/// map.
pub(super) struct TopLevelKeys(pub(super) Vec<String>);

impl<'de> Deserialize<'de> for TopLevelKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TopLevelKeys, D::Error> {
        struct Keys;

        impl<'de> Visitor<'de> for Keys {
            type Value = TopLevelKeys;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a map")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<TopLevelKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(TopLevelKeys(keys))
            }
        }

        deserializer.deserialize_map(Keys)
    }
}
