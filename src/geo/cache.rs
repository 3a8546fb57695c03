//! A per-thread cache of decoded City/Country records, keyed by where the record lies in the
//! database's data section.
//!
//! Decoding a record (walking its maps, skipping the names in eight languages) costs more than
//! finding it in the search tree, and many networks share one record (a city, a country). Each
//! thread keeps the last decoded record for each of [`SLOTS`] slots; a record found again is
//! copied instead of decoded. Keys include the database's id, so a reloaded database never
//! meets another's records. The slots live in the thread's static storage: nothing is
//! allocated, and a lookup's result is the same as decoding every time.

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

#[derive(Clone, Copy)]
struct Slot {
    /// The database's id (0: empty slot) and the record's data-section offset.
    database: u64,
    offset: usize,
    /// `None` when the record did not decode as a place.
    place: Option<Place>,
}

const EMPTY: Slot = Slot {
    database: 0,
    offset: 0,
    place: None,
};

thread_local! {
    static SLOTS_OF_THREAD: RefCell<[Slot; SLOTS]> = const { RefCell::new([EMPTY; SLOTS]) };
}

/// A fresh id for a loaded database (never 0).
pub(super) fn next_database_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The place decoded from the record at `offset` of database `database`, decoding it with
/// `decode` only when this thread has not kept it.
#[inline]
pub(super) fn place(
    database: u64,
    offset: usize,
    decode: impl FnOnce() -> Option<Place>,
) -> Option<Place> {
    let index = ((offset as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize % SLOTS;
    let cached = SLOTS_OF_THREAD
        .try_with(|slots| {
            let slot = slots.borrow()[index];
            (slot.database == database && slot.offset == offset).then_some(slot.place)
        })
        .ok()
        .flatten();
    if let Some(place) = cached {
        return place;
    }
    let place = decode();
    let _ = SLOTS_OF_THREAD.try_with(|slots| {
        slots.borrow_mut()[index] = Slot {
            database,
            offset,
            place,
        };
    });
    place
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
        assert_eq!(place(first, 4096, || at(1.0)), at(1.0));
        assert_eq!(place(first, 4096, || panic!("decoded twice")), at(1.0));
        // Same offset, another database: its own record, which then takes the slot.
        assert_eq!(place(second, 4096, || at(2.0)), at(2.0));
        assert_eq!(place(first, 4096, || at(1.0)), at(1.0));
        // A record that did not decode is remembered as such.
        assert_eq!(place(first, 8192, || None), None);
        assert_eq!(place(first, 8192, || panic!("decoded twice")), None);
    }
}
