//! `$GENERATE start-stop[/step] lhs [ttl] [class] type rhs...` as BIND documents it.
//!
//! In `lhs` and every rhs word, `$` is the counter, `${offset[,width[,base]]}` formats it
//! (base `d`, `o`, `x`, `X`, or `n`/`N` for reversed nibbles as in ip6.arpa), `$$` is a literal
//! `$`, and a backslash escape (`\$`) is kept for the name or string parser to decode.

use std::fmt::Write as _;

use super::lexer::{Token, show};
use super::loader::{FileState, Loader, header};
use super::rdata::fields::{name, number};

/// Widest counter field: longer would not fit in a label anyway.
const MAX_WIDTH: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Decimal,
    Octal,
    Hex,
    HexUpper,
    Nibble,
    NibbleUpper,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a [u8]),
    Counter {
        offset: i64,
        width: usize,
        base: Base,
    },
}

/// Splits a template into literal parts and counter fields.
fn template(text: &[u8]) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut literal_start = 0usize;
    let mut i = 0usize;
    while let Some(&c) = text.get(i) {
        match c {
            b'\\' => i = (i + 2).min(text.len()),
            b'$' => {
                pieces.push(Piece::Literal(
                    text.get(literal_start..i).unwrap_or_default(),
                ));
                if text.get(i + 1) == Some(&b'$') {
                    pieces.push(Piece::Literal(b"$"));
                    i += 2;
                } else if text.get(i + 1) == Some(&b'{') {
                    let close = text
                        .get(i..)
                        .and_then(|rest| rest.iter().position(|&c| c == b'}'))
                        .ok_or("unclosed ${ in $GENERATE")?;
                    let inside = text.get(i + 2..i + close).unwrap_or_default();
                    pieces.push(modifier(inside)?);
                    i += close + 1;
                } else {
                    pieces.push(Piece::Counter {
                        offset: 0,
                        width: 0,
                        base: Base::Decimal,
                    });
                    i += 1;
                }
                literal_start = i;
            }
            _ => i += 1,
        }
    }
    pieces.push(Piece::Literal(
        text.get(literal_start..).unwrap_or_default(),
    ));
    pieces.retain(|p| p != &Piece::Literal(b""));
    Ok(pieces)
}

/// `offset[,width[,base]]`.
fn modifier(inside: &[u8]) -> Result<Piece<'static>, String> {
    let bad = || format!("bad $GENERATE modifier \"${{{}}}\"", show(inside));
    let mut parts = inside.split(|&c| c == b',');
    let offset_text = parts.next().unwrap_or_default();
    let (negative, digits) = match offset_text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, offset_text),
    };
    let magnitude: i64 = number::<u32>(digits).ok_or_else(bad)?.into();
    let offset = if negative { -magnitude } else { magnitude };
    let width = match parts.next() {
        Some(w) => number::<usize>(w).ok_or_else(bad)?,
        None => 0,
    };
    if width > MAX_WIDTH {
        return Err(format!("$GENERATE width {width} is more than {MAX_WIDTH}"));
    }
    let base = match parts.next() {
        None | Some(b"d") => Base::Decimal,
        Some(b"o") => Base::Octal,
        Some(b"x") => Base::Hex,
        Some(b"X") => Base::HexUpper,
        Some(b"n") => Base::Nibble,
        Some(b"N") => Base::NibbleUpper,
        Some(_) => return Err(bad()),
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(Piece::Counter {
        offset,
        width,
        base,
    })
}

/// Reversed nibbles, `.`-separated, padded so that the text is at least `width` characters
/// (BIND's algorithm: the width counts the dots too).
fn nibbles(mut value: u64, mut width: usize, upper: bool, out: &mut String) {
    loop {
        let digit = (value & 0x0f) as u32;
        let c = char::from_digit(digit, 16).unwrap_or('0');
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        value >>= 4;
        width = width.saturating_sub(1);
        if width > 0 || value != 0 {
            out.push('.');
            width = width.saturating_sub(1);
        }
        if value == 0 && width == 0 {
            break;
        }
    }
}

fn expand(pieces: &[Piece], counter: i64, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    let mut text = String::new();
    for piece in pieces {
        match *piece {
            Piece::Literal(bytes) => out.extend_from_slice(bytes),
            Piece::Counter {
                offset,
                width,
                base,
            } => {
                let value = counter + offset;
                text.clear();
                let unsigned = u64::try_from(value);
                let _ = match (base, unsigned) {
                    (Base::Decimal, _) => write!(text, "{value:0width$}"),
                    (Base::Octal, Ok(v)) => write!(text, "{v:0width$o}"),
                    (Base::Hex, Ok(v)) => write!(text, "{v:0width$x}"),
                    (Base::HexUpper, Ok(v)) => write!(text, "{v:0width$X}"),
                    (Base::Nibble | Base::NibbleUpper, Ok(v)) => {
                        nibbles(v, width, base == Base::NibbleUpper, &mut text);
                        Ok(())
                    }
                    (_, Err(_)) => {
                        return Err(format!("$GENERATE value {value} is negative"));
                    }
                };
                out.extend_from_slice(text.as_bytes());
            }
        }
    }
    Ok(())
}

/// `start-stop[/step]`.
fn range(text: &[u8], max: usize) -> Result<(u32, u32, u32), String> {
    let bad = || {
        format!(
            "bad $GENERATE range \"{}\" (write start-stop or start-stop/step)",
            show(text)
        )
    };
    let (bounds, step) = match text.iter().position(|&c| c == b'/') {
        Some(i) => (text.get(..i).unwrap_or_default(), text.get(i + 1..)),
        None => (text, None),
    };
    let dash = bounds.iter().position(|&c| c == b'-').ok_or_else(bad)?;
    let start: u32 = number(bounds.get(..dash).unwrap_or_default()).ok_or_else(bad)?;
    let stop: u32 = number(bounds.get(dash + 1..).unwrap_or_default()).ok_or_else(bad)?;
    let step: u32 = match step {
        Some(s) => number(s).filter(|&s| s > 0).ok_or_else(bad)?,
        None => 1,
    };
    if start > stop || stop > i32::MAX as u32 {
        return Err(bad());
    }
    let count = (stop - start) / step + 1;
    if count as usize > max {
        return Err(format!(
            "$GENERATE would make {count} records, more than the limit of {max}"
        ));
    }
    Ok((start, stop, step))
}

pub(super) fn generate(
    loader: &mut Loader,
    args: &[Token],
    state: &FileState,
    line: u32,
) -> Result<(), String> {
    let [range_token, lhs, rest @ ..] = args else {
        return Err("$GENERATE needs a range, an owner, a type and rdata".into());
    };
    let (start, stop, step) = range(range_token.text, loader.options.max_generate)?;
    let lhs_pieces = template(lhs.text)?;
    let (header, rhs) = header(rest)?;
    if rhs.is_empty() {
        return Err("missing $GENERATE rdata".into());
    }
    let rhs_pieces = rhs
        .iter()
        .map(|t| template(t.text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut owner_text = Vec::new();
    let mut buffers: Vec<Vec<u8>> = vec![Vec::new(); rhs.len()];
    for counter in (start..=stop).step_by(step as usize) {
        let counter = i64::from(counter);
        let fail = |e: String| format!("$GENERATE at {counter}: {e}");
        expand(&lhs_pieces, counter, &mut owner_text).map_err(fail)?;
        let owner = if owner_text == b"@" {
            state.origin.clone()
        } else {
            name(&owner_text, &state.origin).map_err(|e| fail(format!("bad owner name: {e}")))?
        };
        for (buffer, pieces) in buffers.iter_mut().zip(&rhs_pieces) {
            expand(pieces, counter, buffer).map_err(fail)?;
        }
        let tokens: Vec<Token> = buffers
            .iter()
            .zip(rhs)
            .map(|(b, t)| Token {
                text: b,
                quoted: t.quoted,
            })
            .collect();
        loader
            .add(owner, &header, &tokens, state, line)
            .map_err(fail)?;
    }
    Ok(())
}
