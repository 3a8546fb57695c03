//! The few fields of a GeoIP2 / GeoLite2 / DB-IP record that steering uses, as borrowed serde
//! structs. Everything else in a record (names in eight languages, postal codes, time zones …) is
//! skipped without being decoded, which keeps a lookup several times cheaper than decoding a
//! full City record, and allocation-free.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};

use super::location::{Code2, SubdivisionCode};

/// A City or Country record: `continent.code`, `country.iso_code`, `subdivisions[0].iso_code`,
/// `location.latitude/longitude`.
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
    pub(super) fn continent(&self) -> Option<Code2> {
        self.continent.as_ref()?.code.and_then(Code2::new)
    }

    pub(super) fn country(&self) -> Option<Code2> {
        self.country.as_ref()?.iso_code.and_then(Code2::new)
    }

    pub(super) fn subdivision(&self) -> Option<SubdivisionCode> {
        self.subdivisions
    }

    /// Latitude and longitude when both are present, finite and in range.
    pub(super) fn coordinates(&self) -> Option<(f64, f64)> {
        let location = self.location.as_ref()?;
        let (latitude, longitude) = (location.latitude?, location.longitude?);
        let valid = (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude);
        valid.then_some((latitude, longitude))
    }
}

/// An ASN (or ISP) record: `autonomous_system_number`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct AsnRecord {
    #[serde(default)]
    pub(super) autonomous_system_number: Option<u32>,
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
        deserializer.deserialize_any(CheckedValue::root())?;
        Ok(CheckedRecord)
    }
}
