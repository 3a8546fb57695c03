//! Target 6: an incoming zone transfer. The input is a control byte (bit 0: IXFR from serial
//! 1, else AXFR) and then messages, each a 2-byte length and its bytes, as a primary sends
//! them over TCP; the request ID is the first message's. Invariants for whatever the reader
//! accepts: the SOA is the zone's and every record lies in the zone; an IXFR chain runs from
//! our serial to the SOA's, each step moving the serial on; applying it and writing the
//! zone file text never panic, and text that parses back gives the same records.

use std::path::Path;

use crate::transfer::secondary::reader::{Reader, Rr, Transfer};
use crate::transfer::secondary::store::Copy;
use crate::transfer::serial_newer;
use crate::wire::{Name, rtype};
use crate::zone::{ParseOptions, parse_zone_text};

const ORIGIN: &[u8] = b"\x04fuzz\x04test\x00";

/// Most messages read from one input.
const MAX_MESSAGES: usize = 64;

/// The fuzz body.
pub fn transfer(data: &[u8]) {
    let Some((&control, mut rest)) = data.split_first() else {
        return;
    };
    let (qtype, ours) = if control & 1 == 1 {
        (rtype::IXFR, Some(1))
    } else {
        (rtype::AXFR, None)
    };
    let id = match rest {
        [_, _, a, b, ..] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    };
    let mut reader = Reader::new(ORIGIN, id, qtype, ours, None);
    for _ in 0..MAX_MESSAGES {
        let [a, b, tail @ ..] = rest else {
            return;
        };
        let len = usize::from(u16::from_be_bytes([*a, *b])).min(tail.len());
        let (message, after) = tail.split_at(len);
        rest = after;
        match reader.feed(message, 0) {
            Ok(Some(transfer)) => return check(transfer, ours),
            Ok(None) => {}
            Err(_) => return,
        }
    }
}

fn in_zone(rr: &Rr) -> bool {
    crate::wire::name::is_subdomain(&rr.owner, ORIGIN) && rr.owner == rr.owner.to_ascii_lowercase()
}

fn check(transfer: Transfer, ours: Option<u32>) {
    let soa_ok = |soa: &Rr| soa.rtype == rtype::SOA && soa.owner == ORIGIN;
    match transfer {
        Transfer::UpToDate { serial } => {
            assert!(ours.is_some_and(|ours| !serial_newer(serial, ours)));
        }
        Transfer::Full { soa, records } => {
            assert!(soa_ok(&soa));
            assert!(records.iter().all(|r| in_zone(r) && r.rtype != rtype::SOA));
            round_trip(&Copy::full(soa, records));
        }
        Transfer::Incremental { soa, steps } => {
            assert!(soa_ok(&soa));
            let mut serial = ours.expect("IXFR only");
            for step in &steps {
                assert_eq!(step.from, serial);
                assert!(serial_newer(step.to.serial(), serial));
                assert!(soa_ok(&step.to));
                assert!(step.removed.iter().chain(&step.added).all(in_zone));
                serial = step.to.serial();
            }
            assert_eq!(serial, soa.serial());
            let mut base = Copy::full(steps[0].to.clone(), Vec::new());
            if let Some(soa) = base.soa.as_mut() {
                set_serial(soa, 1);
            }
            let _ = base.apply(steps);
        }
    }
}

fn set_serial(soa: &mut Rr, serial: u32) {
    if let Some(at) = soa.rdata.len().checked_sub(20) {
        soa.rdata[at..at + 4].copy_from_slice(&serial.to_be_bytes());
    }
}

/// The zone file text of `copy`, when it parses, holds the same records.
fn round_trip(copy: &Copy) {
    let Some(origin) = Name::from_wire(ORIGIN) else {
        return;
    };
    let text = copy.text(&origin, "fuzz");
    let options = ParseOptions {
        allow_include: false,
        ..ParseOptions::default()
    };
    let Ok(records) = parse_zone_text(&text, Path::new("fuzz.zone"), &origin, &options) else {
        return;
    };
    let back = Copy::from_records(records);
    assert_eq!(back.soa, copy.soa, "{text}");
    assert_eq!(back.records, copy.records, "{text}");
}
