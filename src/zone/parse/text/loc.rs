//! LOC rdata (RFC 1876) to text.

use std::fmt::Write as _;

use super::Reader;
use crate::zone::parse::rdata::loc::{ALTITUDE_BASE, EQUATOR};

/// A precision byte as centimetres; `None` for a mantissa or exponent above 9, or a zero
/// mantissa with a non-zero exponent (not what the parser writes).
fn centimetres(byte: u8) -> Option<i64> {
    let (mantissa, exponent) = (byte >> 4, byte & 0x0f);
    (mantissa <= 9 && exponent <= 9 && (mantissa > 0 || exponent == 0))
        .then(|| i64::from(mantissa) * 10i64.pow(exponent.into()))
}

fn coordinate(value: u32, max_degrees: i64, letters: [char; 2], s: &mut String) -> Option<()> {
    let offset = i64::from(value) - EQUATOR;
    if offset.abs() > max_degrees * 3_600_000 {
        return None;
    }
    let letter = if offset < 0 { letters[1] } else { letters[0] };
    let millis = offset.abs();
    let (degrees, minutes) = (millis / 3_600_000, millis / 60_000 % 60);
    let (seconds, thousandths) = (millis / 1000 % 60, millis % 1000);
    write!(s, "{degrees} {minutes} {seconds}.{thousandths:03} {letter}").ok()
}

fn metres(cm: i64, s: &mut String) {
    let sign = if cm < 0 { "-" } else { "" };
    let _ = write!(s, "{sign}{}.{:02}m", cm.abs() / 100, cm.abs() % 100);
}

pub(super) fn decode(r: &mut Reader, s: &mut String) -> Option<()> {
    if r.u8()? != 0 {
        return None; // only version 0 is defined
    }
    let sizes = [
        centimetres(r.u8()?)?,
        centimetres(r.u8()?)?,
        centimetres(r.u8()?)?,
    ];
    coordinate(r.u32()?, 90, ['N', 'S'], s)?;
    s.push(' ');
    coordinate(r.u32()?, 180, ['E', 'W'], s)?;
    s.push(' ');
    metres(i64::from(r.u32()?) - ALTITUDE_BASE, s);
    for cm in sizes {
        s.push(' ');
        metres(cm, s);
    }
    Some(())
}
