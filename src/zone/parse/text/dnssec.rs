//! NSEC3 salts and hashes and type bitmaps to text.

use super::Reader;
use crate::wire::rtype::type_to_string;
use crate::wire::{base32hex, type_bitmap};
use crate::zone::parse::encoding::encode_hex;

/// A salt: `-` when empty, else hex.
pub(super) fn salt(r: &mut Reader, s: &mut String) -> Option<()> {
    let salt = r.string()?;
    if salt.is_empty() {
        s.push('-');
    } else {
        encode_hex(salt, s);
    }
    Some(())
}

/// A next hashed owner name: base32hex, never empty.
pub(super) fn hash(r: &mut Reader, s: &mut String) -> Option<()> {
    let hash = r.string().filter(|h| !h.is_empty())?;
    s.push_str(&base32hex::encode(hash));
    Some(())
}

/// A type bitmap as type mnemonics (`TYPEnnn` for the others); nothing when it is empty.
pub(super) fn bitmap(r: &mut Reader, s: &mut String) -> Option<()> {
    let bytes = r.rest();
    for (i, code) in type_bitmap::iter(bytes).ok()?.enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&type_to_string(code));
    }
    Some(())
}
