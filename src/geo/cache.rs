//! A per-thread cache of decoded records (City/Country places, ASN numbers), keyed by where
//! the record lies in the database's data section.
//!
//! Decoding a record (walking its maps, skipping the names in eight languages) costs more than
//! finding it in the search tree, and many networks share one record (a city, a country, an
//! autonomous system). Each thread keeps the last decoded record for each of [`SLOTS`] slots; a
//! record found again is copied instead of decoded. Keys include the database's id, so a
//! reloaded database never meets another's records. The slots live in the thread's static
//! storage: nothing is allocated, and a lookup's result is the same as decoding every time.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use super::location::{Code2, SubdivisionCode};

/// Direct-mapped slots per thread (a power of two).
const SLOTS: usize = 1024;

/// The fields of a City/Country record that steering uses.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Place {
    pub continent: Option<Code2>,
    pub country: Option<Code2>,
    pub subdivision: Option<SubdivisionCode>,
    pub coordinates: Option<(f64, f64)>,
}

/// What a record decoded to; `None` inside when it did not decode as that kind of record.
#[derive(Clone, Copy)]
pub(super) enum Decoded {
    Place(Option<Place>),
    Asn(Option<u32>),
}

/// A value the cache keeps: one of the kinds in [`Decoded`].
pub(super) trait Cached: Copy {
    fn wrap(value: Option<Self>) -> Decoded;
    /// `None` when the slot holds another kind (never for one database, which has one role).
    fn unwrap(decoded: Decoded) -> Option<Option<Self>>;
}

impl Cached for Place {
    fn wrap(value: Option<Place>) -> Decoded {
        Decoded::Place(value)
    }
    fn unwrap(decoded: Decoded) -> Option<Option<Place>> {
        match decoded {
            Decoded::Place(place) => Some(place),
            Decoded::Asn(_) => None,
        }
    }
}

/// An autonomous system number.
impl Cached for u32 {
    fn wrap(value: Option<u32>) -> Decoded {
        Decoded::Asn(value)
    }
    fn unwrap(decoded: Decoded) -> Option<Option<u32>> {
        match decoded {
            Decoded::Asn(asn) => Some(asn),
            Decoded::Place(_) => None,
        }
    }
}

#[derive(Clone, Copy)]
struct Slot {
    /// The database's id (0: empty slot) and the record's data-section offset.
    database: u64,
    offset: usize,
    value: Decoded,
}

const EMPTY: Slot = Slot {
    database: 0,
    offset: 0,
    value: Decoded::Place(None),
};

thread_local! {
    static SLOTS_OF_THREAD: RefCell<[Slot; SLOTS]> = const { RefCell::new([EMPTY; SLOTS]) };
}

/// A fresh id for a loaded database (never 0).
pub(super) fn next_database_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The value decoded from the record at `offset` of database `database`, decoding it with
/// `decode` only when this thread has not kept it.
#[inline]
pub(super) fn get<T: Cached>(
    database: u64,
    offset: usize,
    decode: impl FnOnce() -> Option<T>,
) -> Option<T> {
    let index = ((offset as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize % SLOTS;
    let cached = SLOTS_OF_THREAD
        .try_with(|slots| {
            let slot = slots.borrow()[index];
            (slot.database == database && slot.offset == offset)
                .then(|| T::unwrap(slot.value))
                .flatten()
        })
        .ok()
        .flatten();
    if let Some(value) = cached {
        return value;
    }
    let value = decode();
    let _ = SLOTS_OF_THREAD.try_with(|slots| {
        slots.borrow_mut()[index] = Slot {
            database,
            offset,
            value: T::wrap(value),
        };
    });
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(latitude: f64) -> Option<Place> {
        Some(Place {
            coordinates: Some((latitude, 0.0)),
            ..Place::default()
        })
    }

    #[test]
    fn a_record_is_decoded_once_per_thread_and_never_shared_between_databases() {
        let (first, second) = (next_database_id(), next_database_id());
        assert_eq!(get(first, 4096, || at(1.0)), at(1.0));
        assert_eq!(get(first, 4096, || panic!("decoded twice")), at(1.0));
        // Same offset, another database: its own record, which then takes the slot.
        assert_eq!(get(second, 4096, || at(2.0)), at(2.0));
        assert_eq!(get(first, 4096, || at(1.0)), at(1.0));
        // A record that did not decode is remembered as such.
        assert_eq!(get::<Place>(first, 8192, || None), None);
        assert_eq!(get::<Place>(first, 8192, || panic!("decoded twice")), None);
    }

    #[test]
    fn numbers_are_kept_beside_places_and_never_read_as_one() {
        let (places, numbers) = (next_database_id(), next_database_id());
        assert_eq!(get(numbers, 64, || Some(15169u32)), Some(15169));
        assert_eq!(get(numbers, 64, || panic!("decoded twice")), Some(15169u32));
        assert_eq!(get::<u32>(numbers, 128, || None), None);
        assert_eq!(get::<u32>(numbers, 128, || panic!("decoded twice")), None);
        // A slot holding a number for this key is no place: decoded, then kept as a place.
        assert_eq!(get(numbers, 64, || at(3.0)), at(3.0));
        assert_eq!(get(numbers, 64, || Some(7018u32)), Some(7018));
        assert_eq!(get(places, 64, || at(4.0)), at(4.0));
    }
}
