//! The query path must not allocate: `locate`, `parse_client_subnet`, `encode_client_subnet`
//! and `client_address` are counted here with a test-only allocator that counts per thread.
//! The same allocator follows the heap a thread holds, to show that loading a database keeps
//! no copy of it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::IpAddr;

use super::{geoip_file, maxmind_file};
use crate::geo::{
    GeoDatabase, MAX_CLIENT_SUBNET_LEN, client_address, encode_client_subnet, parse_client_subnet,
};

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated minus bytes freed on this thread, and the highest value since reset.
    static HELD: Cell<(isize, isize)> = const { Cell::new((0, 0)) };
}

fn count_one() {
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

fn hold(bytes: isize) {
    let _ = HELD.try_with(|held| {
        let (now, peak) = held.get();
        held.set((now + bytes, peak.max(now + bytes)));
    });
}

/// Passes everything to the system allocator and counts allocations on the calling thread.
struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        hold(layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        hold(layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        hold(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        hold(-(layout.size() as isize));
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING_ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_during(work: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    work();
    ALLOCATIONS.with(Cell::get) - before
}

/// The most heap the calling thread held at once during `work`, beyond what it held before.
fn peak_heap_during<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let start = HELD.with(|held| {
        let (now, _) = held.get();
        held.set((now, now));
        now
    });
    let result = work();
    let (_, peak) = HELD.with(Cell::get);
    (result, (peak - start).max(0) as usize)
}

const ADDRESSES: [&str; 10] = [
    "81.2.69.160",
    "216.160.83.56",
    "175.16.199.0",
    "2001:218::",
    "89.160.20.112",
    "::ffff:81.2.69.160",
    "1.128.0.1",
    "10.0.0.1",
    "192.0.2.1",
    "2001:db8:3::1",
];

#[test]
fn locate_does_not_allocate() {
    let addresses: Vec<IpAddr> = ADDRESSES.iter().map(|text| text.parse().unwrap()).collect();
    let databases = [
        GeoDatabase::open(
            &maxmind_file("GeoLite2-City-Test.mmdb"),
            Some(&maxmind_file("GeoLite2-ASN-Test.mmdb")),
        )
        .unwrap(),
        GeoDatabase::open(&maxmind_file("GeoIP2-City-Test.mmdb"), None).unwrap(),
        GeoDatabase::open(&maxmind_file("GeoLite2-Country-Test.mmdb"), None).unwrap(),
        GeoDatabase::open(&geoip_file("example-city.mmdb"), None).unwrap(),
    ];
    for database in &databases {
        let mut located = 0;
        let count = allocations_during(|| {
            for &address in &addresses {
                located += usize::from(!database.locate(address).is_unknown());
            }
        });
        assert_eq!(count, 0, "{database:?}");
        assert!(located > 0, "{database:?}");
    }
}

#[test]
fn client_subnet_handling_does_not_allocate() {
    let options: [&[u8]; 4] = [
        &[0, 1, 24, 0, 192, 0, 2],
        &[0, 2, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 3],
        &[0, 0, 0, 0],
        &[0, 9, 0, 0],
    ];
    let source: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
    let mut out = [0u8; MAX_CLIENT_SUBNET_LEN];
    let mut written = 0;
    let count = allocations_during(|| {
        for option in options {
            let subnet = parse_client_subnet(option).ok();
            let _ = client_address(subnet.as_ref(), source);
            if let Some(subnet) = subnet {
                written += encode_client_subnet(&subnet, 16, &mut out);
            }
        }
    });
    assert_eq!(count, 0);
    assert!(written > 0);
}

#[test]
fn opening_a_database_keeps_no_copy_of_it_on_the_heap() {
    use crate::geo::city_table::parse_city_table;
    use crate::geo::writer::write_city_database;
    use std::fmt::Write;

    // 150,000 /24s scattered over IPv4 (the multiplier is odd: no two alike) and 500 places:
    // several MB, most of it search tree, as in real databases.
    let mut csv = String::from("network,continent,country,subdivision,latitude,longitude\n");
    let network =
        |index: u32| std::net::Ipv4Addr::from((index.wrapping_mul(0x9e37_79b1) & 0xff_ffff) << 8);
    for index in 0..150_000u32 {
        let network = network(index);
        let place = index % 500;
        let latitude = f64::from(place % 180) - 89.5;
        writeln!(csv, "{network}/24,EU,NL,{},{latitude},4.5", place % 900).unwrap();
    }
    let bytes = write_city_database(&parse_city_table(&csv).unwrap(), 24).unwrap();
    drop(csv);
    let size = bytes.len();
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("city.mmdb");
    std::fs::write(&path, bytes).unwrap();

    let (database, peak) = peak_heap_during(|| GeoDatabase::open(&path, None).unwrap());
    let inside = u32::from(network(7)) | 1;
    assert!(
        !database
            .locate(std::net::Ipv4Addr::from(inside).into())
            .is_unknown()
    );
    // The jump tables (640 KiB) and the load-time bookkeeping; a copy of the file alone would
    // be `size`.
    assert!(size > 4_000_000, "{size}");
    assert!(
        peak < size / 2,
        "opening a {size}-byte database held {peak} bytes of heap at once"
    );
}
