//! LOC (RFC 1876): `d1 [m1 [s1]] N|S d2 [m2 [s2]] E|W alt[m] [siz[m] [hp[m] [vp[m]]]]`.

use super::fields::{Fields, number};
use crate::zone::parse::lexer::show;

/// 2^31: the equator and the prime meridian on the wire.
pub(crate) const EQUATOR: i64 = 1 << 31;
/// Altitude 0 on the wire is 100 000 m below the reference spheroid, in centimetres.
pub(crate) const ALTITUDE_BASE: i64 = 10_000_000;

/// A decimal with at most `scale` fractional digits, as an integer scaled by 10^scale.
fn decimal(text: &[u8], scale: u32, signed: bool) -> Option<i64> {
    let (negative, text) = match text.strip_prefix(b"-") {
        Some(rest) if signed => (true, rest),
        _ => (false, text),
    };
    let mut parts = text.splitn(2, |&c| c == b'.');
    let whole: i64 = number::<u32>(parts.next()?)?.into();
    let mut value = whole.checked_mul(10i64.pow(scale))?;
    if let Some(frac) = parts.next() {
        if frac.is_empty() || frac.len() > scale as usize {
            return None;
        }
        let digits: i64 = number::<u32>(frac)?.into();
        value += digits * 10i64.pow(scale - frac.len() as u32);
    }
    Some(if negative { -value } else { value })
}

fn meters(text: &[u8], signed: bool) -> Option<i64> {
    let text = text
        .strip_suffix(b"m")
        .or_else(|| text.strip_suffix(b"M"))
        .unwrap_or(text);
    decimal(text, 2, signed)
}

/// Precision or size in centimetres as RFC 1876's mantissa/exponent byte.
fn precision(cm: i64) -> u8 {
    let mut exponent = 0u8;
    let mut power = 1i64;
    while exponent < 9 && cm >= power * 10 {
        power *= 10;
        exponent += 1;
    }
    let mantissa = (cm / power).min(9) as u8;
    mantissa << 4 | exponent
}

/// One coordinate: degrees [minutes [seconds]] then a hemisphere letter; thousandths of an arc
/// second from the equator or meridian.
fn coordinate(
    f: &mut Fields,
    what: &str,
    max_degrees: i64,
    hemispheres: [u8; 2],
) -> Result<i64, String> {
    let bad = |t: &[u8]| format!("bad LOC {what} \"{}\"", show(t));
    let token = f.next(what)?;
    let degrees: i64 = number::<u32>(token.text)
        .ok_or_else(|| bad(token.text))?
        .into();
    let mut minutes = 0i64;
    let mut millis = 0i64;
    let mut step = 0;
    let sign = loop {
        let token = f.next(&format!("LOC {what} hemisphere"))?;
        if let [c] = token.text {
            let c = c.to_ascii_uppercase();
            if c == hemispheres[0] {
                break 1;
            }
            if c == hemispheres[1] {
                break -1;
            }
        }
        match step {
            0 => {
                minutes = number::<u32>(token.text)
                    .ok_or_else(|| bad(token.text))?
                    .into()
            }
            1 => millis = decimal(token.text, 3, false).ok_or_else(|| bad(token.text))?,
            _ => return Err(bad(token.text)),
        }
        step += 1;
    };
    if degrees > max_degrees || minutes > 59 || millis >= 60_000 {
        return Err(format!("LOC {what} out of range"));
    }
    let value = (degrees * 3600 + minutes * 60) * 1000 + millis;
    if value > max_degrees * 3_600_000 {
        return Err(format!("LOC {what} out of range"));
    }
    Ok(sign * value)
}

pub(super) fn loc(f: &mut Fields, out: &mut Vec<u8>) -> Result<(), String> {
    let latitude = coordinate(f, "latitude", 90, [b'N', b'S'])?;
    let longitude = coordinate(f, "longitude", 180, [b'E', b'W'])?;
    let token = f.next("LOC altitude")?;
    let altitude = meters(token.text, true)
        .filter(|a| (-ALTITUDE_BASE..=i64::from(u32::MAX) - ALTITUDE_BASE).contains(a))
        .ok_or_else(|| format!("bad LOC altitude \"{}\"", show(token.text)))?;
    let mut sizes = [100i64, 1_000_000, 1_000]; // 1 m, 10 km, 10 m in centimetres
    for (i, what) in ["size", "horizontal precision", "vertical precision"]
        .iter()
        .enumerate()
    {
        let Some(token) = f.peek() else { break };
        let _ = f.next(what);
        let cm = meters(token.text, false)
            .filter(|&v| v <= 9_000_000_000)
            .ok_or_else(|| format!("bad LOC {what} \"{}\"", show(token.text)))?;
        if let Some(slot) = sizes.get_mut(i) {
            *slot = cm;
        }
    }
    out.push(0); // version
    out.extend(sizes.iter().map(|&cm| precision(cm)));
    out.extend_from_slice(&((EQUATOR + latitude) as u32).to_be_bytes());
    out.extend_from_slice(&((EQUATOR + longitude) as u32).to_be_bytes());
    out.extend_from_slice(&((altitude + ALTITUDE_BASE) as u32).to_be_bytes());
    Ok(())
}
