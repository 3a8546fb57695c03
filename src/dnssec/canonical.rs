//! The DNSSEC canonical forms (RFC 4034 §6): canonical name order (§6.1), canonical rdata
//! (§6.2: names in the rdata of the types listed there lowercased, with RFC 6840 §5.1's
//! correction that NSEC's next name is left as it is), and an RRset put in canonical order with
//! duplicates removed (§6.3), the form that RRSIG signatures cover.

use std::cmp::Ordering;

use crate::wire::name::{MAX_NAME_LEN, wire_name_len};

/// Rdata that does not have its type's layout (a name cut short, a field missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed rdata for type {0}")]
pub struct MalformedRdata(pub u16);

/// A piece of rdata, for the types whose rdata holds names that canonical form lowercases.
#[derive(Clone, Copy)]
enum Field {
    Name,
    Fixed(usize),
    /// A character string: a length byte and that many bytes.
    String,
}

use Field::{Fixed, Name, String as Str};

/// The fields up to the last name, for each type of RFC 4034 §6.2 item 3 (less NSEC, RFC 6840
/// §5.1); whatever follows the last name is copied as it is. A6 is handled apart.
fn layout(rtype: u16) -> Option<&'static [Field]> {
    Some(match rtype {
        // NS, MD, MF, CNAME, MB, MG, MR, PTR, DNAME; NXT (name then a bitmap).
        2 | 3 | 4 | 5 | 7 | 8 | 9 | 12 | 39 | 30 => &[Name],
        // SOA (then five numbers), MINFO, RP.
        6 | 14 | 17 => &[Name, Name],
        // MX, AFSDB, RT, KX.
        15 | 18 | 21 | 36 => &[Fixed(2), Name],
        // PX.
        26 => &[Fixed(2), Name, Name],
        // SRV.
        33 => &[Fixed(6), Name],
        // NAPTR.
        35 => &[Fixed(4), Str, Str, Str, Name],
        // SIG, RRSIG: the signer's name after 18 fixed bytes, then the signature.
        24 | 46 => &[Fixed(18), Name],
        _ => return None,
    })
}

/// Whether `rtype`'s canonical rdata can differ from its rdata.
pub fn has_names(rtype: u16) -> bool {
    rtype == A6 || layout(rtype).is_some()
}

const A6: u16 = 38;

/// Appends the canonical form of `rdata` of type `rtype` to `out`.
pub fn canonical_rdata_into(
    rtype: u16,
    rdata: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), MalformedRdata> {
    let start = out.len();
    out.extend_from_slice(rdata);
    let written = &mut out[start..];
    let mut lower = |pos: usize| -> Result<usize, MalformedRdata> {
        let len = written
            .get(pos..)
            .and_then(wire_name_len)
            .ok_or(MalformedRdata(rtype))?;
        written[pos..pos + len].make_ascii_lowercase();
        Ok(pos + len)
    };
    if rtype == A6 {
        // Prefix length, the address bits below it, then the prefix name when it is not 0.
        let prefix = *rdata.first().ok_or(MalformedRdata(rtype))?;
        if prefix > 128 {
            return Err(MalformedRdata(rtype));
        }
        let suffix = (128 - usize::from(prefix)).div_ceil(8);
        if prefix > 0 {
            lower(1 + suffix)?;
        }
        return Ok(());
    }
    let Some(fields) = layout(rtype) else {
        return Ok(());
    };
    let mut pos = 0usize;
    for field in fields {
        pos = match field {
            Name => lower(pos)?,
            Fixed(n) => pos + n,
            Str => pos + 1 + usize::from(*rdata.get(pos).ok_or(MalformedRdata(rtype))?),
        };
    }
    Ok(())
}

/// Canonical name order (RFC 4034 §6.1) of two valid uncompressed wire names: label by label
/// from the rightmost, each label compared as lowercase bytes, an absent label first.
pub fn canonical_name_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let (a_starts, a_count) = label_starts(a);
    let (b_starts, b_count) = label_starts(b);
    for i in 1..=a_count.min(b_count) {
        let left = label(a, a_starts[a_count - i]);
        let right = label(b, b_starts[b_count - i]);
        let order = left
            .iter()
            .map(u8::to_ascii_lowercase)
            .cmp(right.iter().map(u8::to_ascii_lowercase));
        if order != Ordering::Equal {
            return order;
        }
    }
    a_count.cmp(&b_count)
}

/// The longest [`canonical_key`]: each byte of a name's labels may take two bytes, and each
/// label ends in one.
pub const CANONICAL_KEY_MAX: usize = 2 * MAX_NAME_LEN;

/// Writes into `out` a key of the valid uncompressed wire name `name` less its last
/// `suffix_len` bytes (a zone's origin, which all its names share; 1 for the root), whose byte
/// order is canonical name order ([`canonical_name_cmp`]) among names with that suffix, so
/// that a sorted list of names is searched with plain slice comparisons; the key's length.
/// The labels from the rightmost, each lowercased and ended by 0; bytes 0 and 1 inside a label
/// are written 1 1 and 1 2, so that a label's end sorts before any byte of a longer label and
/// the order of bytes is kept.
pub fn canonical_key(name: &[u8], suffix_len: usize, out: &mut [u8; CANONICAL_KEY_MAX]) -> usize {
    let end = name.len().saturating_sub(suffix_len);
    if end > 1 && usize::from(name[0]) + 1 == end {
        // One label above the suffix, the usual case: no labels to reverse.
        return push_label(out, 0, &name[1..end]);
    }
    let (starts, count) = label_starts(name);
    let mut len = 0usize;
    for &start in starts[..count].iter().rev() {
        if usize::from(start) < end {
            len = push_label(out, len, label(name, start));
        }
    }
    len
}

/// Appends `label` to the key in `out` at `len` (lowercased, bytes 0 and 1 escaped, ended by
/// 0): the key's new length.
fn push_label(out: &mut [u8; CANONICAL_KEY_MAX], mut len: usize, label: &[u8]) -> usize {
    let dst = &mut out[len..len + label.len()];
    for (d, &b) in dst.iter_mut().zip(label) {
        *d = b.to_ascii_lowercase();
    }
    if label.iter().any(|&b| b <= 1) {
        // Rare: bytes to escape.
        for &b in label {
            if b <= 1 {
                out[len] = 1;
                out[len + 1] = b + 1;
                len += 2;
            } else {
                out[len] = b.to_ascii_lowercase();
                len += 1;
            }
        }
    } else {
        len += label.len();
    }
    out[len] = 0;
    len + 1
}

fn label(name: &[u8], start: u8) -> &[u8] {
    let start = usize::from(start);
    let len = usize::from(name[start]);
    &name[start + 1..start + 1 + len]
}

/// Offsets of each label of a wire name (root excluded), and how many there are.
fn label_starts(name: &[u8]) -> ([u8; MAX_NAME_LEN / 2], usize) {
    let mut starts = [0u8; MAX_NAME_LEN / 2];
    let mut count = 0usize;
    let mut pos = 0usize;
    while let Some(&len) = name.get(pos) {
        if len == 0 || count == starts.len() {
            break;
        }
        starts[count] = pos as u8;
        count += 1;
        pos += 1 + usize::from(len);
    }
    (starts, count)
}

/// Reusable buffers for putting RRsets in canonical order; one per thread, so that signing
/// allocates nothing once they have grown.
#[derive(Debug, Default)]
pub struct CanonicalRrset {
    bytes: Vec<u8>,
    spans: Vec<(u32, u32)>,
}

impl CanonicalRrset {
    /// Fills the buffers with the canonical rdata of each record, sorted (RFC 4034 §6.3) and
    /// without duplicates. `Err` on rdata that does not fit its type, or an empty RRset.
    pub fn fill<'r>(
        &mut self,
        rtype: u16,
        rdatas: impl IntoIterator<Item = &'r [u8]>,
    ) -> Result<(), MalformedRdata> {
        self.bytes.clear();
        self.spans.clear();
        for rdata in rdatas {
            if rdata.len() > usize::from(u16::MAX) {
                return Err(MalformedRdata(rtype));
            }
            let start = self.bytes.len();
            canonical_rdata_into(rtype, rdata, &mut self.bytes)?;
            self.spans.push((start as u32, rdata.len() as u32));
        }
        if self.spans.is_empty() {
            return Err(MalformedRdata(rtype));
        }
        let bytes = &self.bytes;
        let slice = |&(start, len): &(u32, u32)| &bytes[start as usize..(start + len) as usize];
        self.spans.sort_unstable_by(|a, b| slice(a).cmp(slice(b)));
        self.spans.dedup_by(|a, b| slice(a) == slice(b));
        Ok(())
    }

    /// The canonical rdatas in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.spans
            .iter()
            .map(|&(start, len)| &self.bytes[start as usize..(start + len) as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Name;
    use crate::zone::signed::sort_prefix;

    fn wire(name: &str) -> Vec<u8> {
        Name::parse(name, None).unwrap().as_wire().to_vec()
    }

    fn canonical(rtype: u16, rdata: &[u8]) -> Result<Vec<u8>, MalformedRdata> {
        let mut out = vec![0xee];
        canonical_rdata_into(rtype, rdata, &mut out).map(|()| out[1..].to_vec())
    }

    #[test]
    fn names_in_listed_types_are_lowercased() {
        let mx = [&[0, 10][..], &wire("Mail.EXAMPLE.com.")].concat();
        assert_eq!(
            canonical(15, &mx).unwrap(),
            [&[0, 10][..], &wire("mail.example.com.")].concat()
        );
        let soa = [
            wire("NS.Example."),
            wire("Host.Master.Example."),
            vec![0xAB; 20],
        ]
        .concat();
        let expected = [
            wire("ns.example."),
            wire("host.master.example."),
            vec![0xAB; 20],
        ]
        .concat();
        assert_eq!(canonical(6, &soa).unwrap(), expected);
        let naptr = [&[0, 1, 0, 2, 1, b'U', 2, b'E', b'2', 0][..], &wire("X.Y.")].concat();
        let lowered = [&[0, 1, 0, 2, 1, b'U', 2, b'E', b'2', 0][..], &wire("x.y.")].concat();
        assert_eq!(canonical(35, &naptr).unwrap(), lowered);
        let rrsig = [&[0u8; 18][..], &wire("EXAMPLE."), b"SIG"].concat();
        assert_eq!(
            canonical(46, &rrsig).unwrap(),
            [&[0u8; 18][..], &wire("example."), b"SIG"].concat()
        );
        let a6 = [&[64u8][..], &[0xAA; 8], &wire("Prefix.Example.")].concat();
        let a6_lower = [&[64u8][..], &[0xAA; 8], &wire("prefix.example.")].concat();
        assert_eq!(canonical(38, &a6).unwrap(), a6_lower);
    }

    #[test]
    fn other_types_are_left_alone() {
        // NSEC's next name keeps its case (RFC 6840 §5.1); TXT and unknown types are bytes.
        let nsec = [wire("B.Example."), vec![0, 1, 0x40]].concat();
        assert_eq!(canonical(47, &nsec).unwrap(), nsec);
        assert_eq!(canonical(16, b"\x03ABC").unwrap(), b"\x03ABC");
        assert_eq!(canonical(65280, b"ABC").unwrap(), b"ABC");
        assert!(has_names(2) && has_names(38) && !has_names(47) && !has_names(1));
    }

    #[test]
    fn malformed_rdata_is_an_error() {
        assert_eq!(canonical(2, b"\x05abc"), Err(MalformedRdata(2)));
        assert_eq!(canonical(15, b"\x00"), Err(MalformedRdata(15)));
        assert_eq!(
            canonical(35, b"\x00\x01\x00\x02\x09a"),
            Err(MalformedRdata(35))
        );
        assert_eq!(canonical(38, &[129]), Err(MalformedRdata(38)));
        assert_eq!(canonical(38, &[]), Err(MalformedRdata(38)));
    }

    #[test]
    fn canonical_name_order_of_rfc_4034() {
        // RFC 4034 §6.1's example, in its order.
        let names = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "\\001.z.example.",
            "*.z.example.",
            "\\200.z.example.",
        ];
        let wires: Vec<Vec<u8>> = names.iter().map(|n| wire(n)).collect();
        for (i, a) in wires.iter().enumerate() {
            for (j, b) in wires.iter().enumerate() {
                assert_eq!(
                    canonical_name_cmp(a, b),
                    i.cmp(&j),
                    "{} vs {}",
                    names[i],
                    names[j]
                );
            }
        }
        assert_eq!(canonical_name_cmp(&wire("."), &wire("a.")), Ordering::Less);
        assert_eq!(
            canonical_name_cmp(&wire("A.b."), &wire("a.B.")),
            Ordering::Equal
        );
    }

    #[test]
    fn canonical_keys_sort_as_canonical_name_order() {
        // RFC 4034 §6.1's names, and labels holding the bytes the key escapes (0, 1, 2), labels
        // that are prefixes of others, and case.
        let names = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "\\000.z.example.",
            "\\000\\000.z.example.",
            "\\000\\001.z.example.",
            "\\001.z.example.",
            "\\001\\000.z.example.",
            "\\002.z.example.",
            "*.z.example.",
            "a.*.z.example.",
            "\\200.z.example.",
            "\\255\\255.z.example.",
            "a\\000.example.",
            ".",
        ];
        let key = |name: &[u8]| {
            let mut out = [0u8; CANONICAL_KEY_MAX];
            let len = canonical_key(name, 1, &mut out);
            out[..len].to_vec()
        };
        let wires: Vec<Vec<u8>> = names.iter().map(|n| wire(n)).collect();
        for (a, name_a) in wires.iter().zip(names) {
            for (b, name_b) in wires.iter().zip(names) {
                assert_eq!(
                    key(a).cmp(&key(b)),
                    canonical_name_cmp(a, b),
                    "{name_a} vs {name_b}"
                );
            }
        }
        let longest = [&[63u8][..], &[0u8; 63]].concat().repeat(3);
        let longest = [&longest[..], &[61u8][..], &[1u8; 61][..], &[0u8][..]].concat();
        assert_eq!(longest.len(), MAX_NAME_LEN);
        assert!(key(&longest).len() <= CANONICAL_KEY_MAX);
        // Below a suffix, the suffix's labels are left out; the prefixes sort as the keys.
        let below = |name: &str| {
            let mut out = [0u8; CANONICAL_KEY_MAX];
            let len = canonical_key(&wire(name), wire("z.example.").len(), &mut out);
            out[..len].to_vec()
        };
        assert_eq!(below("A.b.Z.example."), b"b\0a\0");
        assert_eq!(below("z.example."), b"");
        // One label above the suffix (written without reversing labels), escapes included.
        assert_eq!(below("AbC.z.example."), b"abc\0");
        assert_eq!(below("\\000\\001x.z.example."), b"\x01\x01\x01\x02x\0");
        assert_eq!(below("\\002.z.example."), b"\x02\0");
        for (a, b) in wires.iter().zip(&wires[1..]) {
            let (a, b) = (key(a), key(b));
            if a < b {
                assert!(sort_prefix(&a) <= sort_prefix(&b));
            }
        }
    }

    #[test]
    fn rrsets_are_sorted_and_deduplicated() {
        let mut set = CanonicalRrset::default();
        let rdatas: [&[u8]; 4] = [
            b"\x0a\x00\x00\x02",
            b"\x0a\x00\x00\x01",
            b"\x0a\x00\x00\x02",
            b"\x0a",
        ];
        set.fill(1, rdatas).unwrap();
        let sorted: Vec<&[u8]> = set.iter().collect();
        assert_eq!(
            sorted,
            [&b"\x0a"[..], b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02"]
        );
        // Names that differ only in case are one record once lowercased.
        let ns = [wire("NS.example."), wire("ns.example.")];
        set.fill(2, ns.iter().map(Vec::as_slice)).unwrap();
        assert_eq!(set.iter().count(), 1);
        assert!(set.fill(1, std::iter::empty::<&[u8]>()).is_err());
    }
}
