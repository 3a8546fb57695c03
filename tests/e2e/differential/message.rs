//! A response decoded for comparison: names decompressed (also inside the rdata of the RFC 1035
//! types whose names may be compressed), owners lowercased, TTLs and rdata kept exactly.

use std::fmt;

use switchyard::wire::name::write_presentation;
use switchyard::wire::rtype;

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rr {
    /// Owner, uncompressed and lowercased.
    pub owner: Vec<u8>,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    /// Rdata with compressed names expanded; otherwise byte for byte as received.
    pub rdata: Vec<u8>,
}

/// The OPT pseudo-record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub payload: u16,
    pub extended_rcode: u8,
    pub version: u8,
    pub dnssec_ok: bool,
    /// The flag bits after DO.
    pub z: u16,
    /// (code, data), in the order received.
    pub options: Vec<(u16, Vec<u8>)>,
}

/// A decoded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: u16,
    pub flags: u16,
    /// Question entries: (name exactly as received, type, class).
    pub question: Vec<(Vec<u8>, u16, u16)>,
    pub answer: Vec<Rr>,
    pub authority: Vec<Rr>,
    /// Without the OPT record.
    pub additional: Vec<Rr>,
    pub opt: Option<Opt>,
    /// OPT records seen (more than one is an error of its own).
    pub opt_count: usize,
    pub size: usize,
}

pub const QR: u16 = 0x8000;
pub const AA: u16 = 0x0400;
pub const TC: u16 = 0x0200;
pub const RD: u16 = 0x0100;
pub const RA: u16 = 0x0080;
pub const Z: u16 = 0x0040;
pub const AD: u16 = 0x0020;
pub const CD: u16 = 0x0010;

impl Message {
    /// Full rcode: the header's four bits and the OPT record's upper eight.
    pub fn rcode(&self) -> u16 {
        let high = self.opt.as_ref().map_or(0, |o| u16::from(o.extended_rcode));
        (high << 4) | (self.flags & 0x000F)
    }

    pub fn opcode(&self) -> u16 {
        (self.flags >> 11) & 0xF
    }

    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    pub fn decode(raw: &[u8]) -> Result<Message, String> {
        let header = raw.get(..12).ok_or("shorter than a header")?;
        let word = |i: usize| u16::from_be_bytes([header[i], header[i + 1]]);
        let mut msg = Message {
            id: word(0),
            flags: word(2),
            question: Vec::new(),
            answer: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
            opt: None,
            opt_count: 0,
            size: raw.len(),
        };
        let mut pos = 12;
        for _ in 0..word(4) {
            let start = pos;
            let (_, end) = read_name(raw, pos)?;
            let fixed = raw.get(end..end + 4).ok_or("question cut short")?;
            msg.question.push((
                raw[start..end].to_vec(),
                u16::from_be_bytes([fixed[0], fixed[1]]),
                u16::from_be_bytes([fixed[2], fixed[3]]),
            ));
            pos = end + 4;
        }
        for (section, count) in [(1, word(6)), (2, word(8)), (3, word(10))] {
            for _ in 0..count {
                let (owner, end) = read_name(raw, pos)?;
                let fixed = raw.get(end..end + 10).ok_or("record cut short")?;
                let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
                let class = u16::from_be_bytes([fixed[2], fixed[3]]);
                let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
                let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
                let start = end + 10;
                let rdata = raw.get(start..start + rdlen).ok_or("rdata cut short")?;
                pos = start + rdlen;
                if rtype == rtype::OPT && section == 3 {
                    msg.opt_count += 1;
                    msg.opt = Some(decode_opt(&owner, class, ttl, rdata)?);
                    continue;
                }
                let rdata = expand_rdata(raw, start, rtype, rdata)?;
                let rr = Rr {
                    owner: owner.to_ascii_lowercase(),
                    rtype,
                    class,
                    ttl,
                    rdata,
                };
                match section {
                    1 => msg.answer.push(rr),
                    2 => msg.authority.push(rr),
                    _ => msg.additional.push(rr),
                }
            }
        }
        if pos != raw.len() {
            return Err(format!("{} bytes after the last record", raw.len() - pos));
        }
        Ok(msg)
    }
}

fn decode_opt(owner: &[u8], class: u16, ttl: u32, rdata: &[u8]) -> Result<Opt, String> {
    if owner != [0] {
        return Err("OPT owner is not the root".into());
    }
    let mut options = Vec::new();
    let mut rest = rdata;
    while !rest.is_empty() {
        let head = rest.get(..4).ok_or("OPT option cut short")?;
        let code = u16::from_be_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
        let data = rest.get(4..4 + len).ok_or("OPT option data cut short")?;
        options.push((code, data.to_vec()));
        rest = &rest[4 + len..];
    }
    Ok(Opt {
        payload: class,
        extended_rcode: (ttl >> 24) as u8,
        version: (ttl >> 16) as u8,
        dnssec_ok: ttl & 0x8000 != 0,
        z: (ttl & 0x7FFF) as u16,
        options,
    })
}

/// Reads a possibly compressed name at `pos`: (uncompressed wire name, end of the name there).
pub fn read_name(msg: &[u8], mut pos: usize) -> Result<(Vec<u8>, usize), String> {
    let mut name = Vec::new();
    let mut end = None;
    let mut hops = 0;
    loop {
        let len = *msg.get(pos).ok_or("name runs past the message")?;
        match len & 0xC0 {
            0x00 => {
                let label = msg
                    .get(pos..pos + 1 + usize::from(len))
                    .ok_or("label runs past the message")?;
                name.extend_from_slice(label);
                if name.len() > 255 {
                    return Err("name longer than 255 bytes".into());
                }
                pos += 1 + usize::from(len);
                if len == 0 {
                    return Ok((name, end.unwrap_or(pos)));
                }
            }
            0xC0 => {
                let low = *msg.get(pos + 1).ok_or("pointer cut short")?;
                let target = (usize::from(len & 0x3F) << 8) | usize::from(low);
                end.get_or_insert(pos + 2);
                hops += 1;
                if hops > 64 || target >= pos {
                    return Err("bad compression pointer".into());
                }
                pos = target;
            }
            _ => return Err(format!("label type {len:#04x}")),
        }
    }
}

/// Rdata with the names of RFC 3597 §4's compressible types expanded. Other types are kept as
/// received, so a compressed name where compression is forbidden shows up as a difference.
fn expand_rdata(msg: &[u8], start: usize, rtype: u16, rdata: &[u8]) -> Result<Vec<u8>, String> {
    // (names at the start, bytes before them)
    let (skip, names) = match rtype {
        2..=5 | 7..=9 | 12 => (0, 1), // NS MD MF CNAME MB MG MR PTR
        6 | 14 => (0, 2),             // SOA MINFO
        15 => (2, 1),                 // MX
        _ => return Ok(rdata.to_vec()),
    };
    let end = start + rdata.len();
    let mut out = rdata.get(..skip).ok_or("rdata too short")?.to_vec();
    let mut pos = start + skip;
    for _ in 0..names {
        let (name, next) = read_name(&msg[..end], pos)?;
        out.extend_from_slice(&name);
        pos = next;
    }
    out.extend_from_slice(&msg[pos..end]);
    Ok(out)
}

/// A name in presentation format.
pub fn show_name(wire: &[u8]) -> String {
    let mut out = String::new();
    if write_presentation(wire, &mut out).is_err() {
        return format!("{wire:02x?}");
    }
    out
}

impl fmt::Display for Rr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {}",
            show_name(&self.owner),
            self.ttl,
            rtype::class_to_string(self.class),
            rtype::type_to_string(self.rtype),
            switchyard::zone::rdata_to_text(self.rtype, &self.rdata)
        )
    }
}

/// Names of the flags set in a flags word, dig style.
pub fn flag_names(flags: u16) -> String {
    [
        (QR, "qr"),
        (AA, "aa"),
        (TC, "tc"),
        (RD, "rd"),
        (RA, "ra"),
        (Z, "z"),
        (AD, "ad"),
        (CD, "cd"),
    ]
    .iter()
    .filter(|(bit, _)| flags & bit != 0)
    .map(|(_, name)| *name)
    .collect::<Vec<_>>()
    .join(" ")
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "rcode {} opcode {} flags [{}] id {:#06x}, {} bytes",
            rcode_name(self.rcode()),
            self.opcode(),
            flag_names(self.flags),
            self.id,
            self.size
        )?;
        for (name, qtype, qclass) in &self.question {
            writeln!(
                f,
                "  question: {} {} {}",
                show_name(name),
                rtype::class_to_string(*qclass),
                rtype::type_to_string(*qtype)
            )?;
        }
        for (label, records) in [
            ("answer", &self.answer),
            ("authority", &self.authority),
            ("additional", &self.additional),
        ] {
            for rr in records {
                writeln!(f, "  {label}: {rr}")?;
            }
        }
        if let Some(opt) = &self.opt {
            write!(
                f,
                "  OPT: version {} payload {} do {} z {:#x}",
                opt.version, opt.payload, opt.dnssec_ok, opt.z
            )?;
            for (code, data) in &opt.options {
                write!(f, " option {code}={}", hex(data))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn rcode_name(rcode: u16) -> String {
    let name = match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        9 => "NOTAUTH",
        16 => "BADVERS",
        _ => return format!("RCODE{rcode}"),
    };
    name.to_string()
}

/// The rdata with the domain names it embeds lowercased, for the types whose layout is known;
/// other rdata unchanged. (Wire-format length bytes are below 64, never letters.)
pub fn rdata_names_lowercased(rtype: u16, rdata: &[u8]) -> Vec<u8> {
    let mut out = rdata.to_vec();
    let name_len = |at: usize| switchyard::wire::name::wire_name_len(rdata.get(at..)?);
    let mut lower = |at: usize| -> Option<usize> {
        let len = name_len(at)?;
        out[at..at + len].make_ascii_lowercase();
        Some(at + len)
    };
    let _ = match rtype {
        // NS MD MF CNAME MB MG MR PTR DNAME: the rdata is one name.
        2..=5 | 7..=9 | 12 | 39 => lower(0),
        // SOA MINFO RP: two names first.
        6 | 14 | 17 => lower(0).and_then(&mut lower),
        // MX AFSDB RT KX SVCB HTTPS: a 16-bit field, then a name.
        15 | 18 | 21 | 36 | 64 | 65 => lower(2),
        // SRV: priority, weight, port, target.
        33 => lower(6),
        // NAPTR: order, preference, three character-strings, replacement.
        35 => {
            let mut at = 4;
            for _ in 0..3 {
                at += 1 + usize::from(*rdata.get(at).unwrap_or(&0));
            }
            lower(at)
        }
        _ => None,
    };
    out
}
