//! A secondary zone's copy on disk: a transfer applied to the copy we hold, checked as a zone
//! (parsed back and built as any zone file is), then written atomically to the zone's `file`
//! in presentation format, one absolute record a line. The file's modification time is the
//! last contact with the primary: `expire` counts from it, across restarts too.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::reader::{Rr, Step};
use crate::wire::{Name, rtype};
use crate::zone::{ParseOptions, Record, ZoneBuilder, parse_zone_file, parse_zone_text};

/// A zone's records but the SOA: (owner, type, rdata) → TTL.
pub type Records = BTreeMap<(Vec<u8>, u16, Vec<u8>), u32>;

/// A zone as held: its SOA and other records.
#[derive(Debug, Clone, Default)]
pub struct Copy {
    pub soa: Option<Rr>,
    pub records: Records,
}

impl Copy {
    /// A copy from a whole transfer.
    pub fn full(soa: Rr, records: Vec<Rr>) -> Copy {
        let records = records
            .into_iter()
            .map(|r| ((r.owner, r.rtype, r.rdata), r.ttl))
            .collect();
        Copy {
            soa: Some(soa),
            records,
        }
    }

    /// Reads the copy kept at `path`.
    pub fn load(path: &Path, origin: &Name) -> Result<Copy, String> {
        let records = parse_zone_file(path, origin, &ParseOptions::default())
            .map_err(|errors| first_errors(&errors))?;
        Ok(Copy::from_records(records))
    }

    /// A copy from records read from a zone file.
    pub fn from_records(records: Vec<Record>) -> Copy {
        let mut copy = Copy::default();
        for record in records {
            let rr = Rr {
                owner: record.owner.to_lowercase().as_wire().to_vec(),
                rtype: record.rtype,
                rdata: record.rdata.into_vec(),
                ttl: record.ttl,
            };
            if rr.rtype == rtype::SOA {
                copy.soa = Some(rr);
            } else {
                copy.records.insert((rr.owner, rr.rtype, rr.rdata), rr.ttl);
            }
        }
        copy
    }

    /// Applies IXFR differences in order (RFC 1995): each removes records the copy must hold
    /// and adds records it must not hold yet; the SOA moves to each step's.
    pub fn apply(&mut self, steps: Vec<Step>) -> Result<(), String> {
        for step in steps {
            if self.soa.as_ref().map(Rr::serial) != Some(step.from) {
                return Err(format!(
                    "a difference from serial {} does not apply",
                    step.from
                ));
            }
            for rr in step.removed {
                if self
                    .records
                    .remove(&(rr.owner, rr.rtype, rr.rdata))
                    .is_none()
                {
                    return Err(format!(
                        "serial {}: removes a record of type {} the zone does not hold",
                        step.to.serial(),
                        rr.rtype
                    ));
                }
            }
            for rr in step.added {
                if self
                    .records
                    .insert((rr.owner, rr.rtype, rr.rdata), rr.ttl)
                    .is_some()
                {
                    return Err(format!(
                        "serial {}: adds a record of type {} the zone already holds",
                        step.to.serial(),
                        rr.rtype
                    ));
                }
            }
            self.soa = Some(step.to);
        }
        Ok(())
    }

    /// The zone file text: a comment, the SOA, then every record (absolute owners).
    pub fn text(&self, origin: &Name, source: &str) -> String {
        let mut out = String::with_capacity(64 * (self.records.len() + 2));
        let serial = self.soa.as_ref().map_or(0, Rr::serial);
        let _ = writeln!(
            out,
            "; {origin} serial {serial}, transferred from {source}; rewritten on every transfer"
        );
        let soa = self
            .soa
            .iter()
            .map(|s| ((&s.owner, s.rtype, &s.rdata), s.ttl));
        let rest = self
            .records
            .iter()
            .map(|((o, t, d), ttl)| ((o, *t, d), *ttl));
        for ((owner, rtype, rdata), ttl) in soa.chain(rest) {
            let _ = crate::wire::name::write_presentation(owner, &mut out);
            let kind = crate::wire::rtype::type_to_string(rtype);
            let data = crate::zone::rdata_to_text(rtype, rdata);
            let _ = writeln!(out, " {ttl} IN {kind} {data}");
        }
        out
    }

    /// Checks the copy as a zone (the text parses back and builds) and writes it atomically to
    /// `path`.
    pub fn save(&self, path: &Path, origin: &Name, source: &str) -> Result<(), String> {
        let text = self.text(origin, source);
        let records = parse_zone_text(&text, path, origin, &ParseOptions::default())
            .map_err(|errors| first_errors(&errors))?;
        let mut builder = ZoneBuilder::new(origin, path);
        builder.add_records(records);
        builder
            .finish()
            .map_err(|problems| first_errors(&problems.errors))?;
        write_atomically(path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn first_errors(errors: &[crate::zone::ZoneError]) -> String {
    let mut shown: Vec<String> = errors.iter().take(3).map(ToString::to_string).collect();
    if errors.len() > 3 {
        shown.push(format!("and {} more", errors.len() - 3));
    }
    shown.join("; ")
}

/// Writes `bytes` to a temporary file beside `path`, flushes it and renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = temporary_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "zone".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Records a contact with the primary: the file's modification time becomes now.
pub fn touch(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)?
        .set_modified(SystemTime::now())
}

/// The last contact with the primary of the copy at `path` (Unix seconds; 0 without a copy):
/// the file's modification time.
pub fn last_contact(path: &Path) -> u64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs())
}

/// When the copy at `path` expires: its last contact plus the SOA's expire.
pub fn expires_at(path: &Path, expire: u32) -> Option<SystemTime> {
    let contact = std::fs::metadata(path).ok()?.modified().ok()?;
    contact.checked_add(Duration::from_secs(u64::from(expire)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rr(owner: &str, rtype: u16, rdata: &[u8]) -> Rr {
        Rr {
            owner: Name::parse(owner, None).unwrap().as_wire().to_vec(),
            rtype,
            rdata: rdata.to_vec(),
            ttl: 300,
        }
    }

    fn soa(serial: u32) -> Rr {
        let mut rdata = b"\x02ns\x07example\x00\x04host\x07example\x00".to_vec();
        for field in [serial, 3600, 600, 86400, 300] {
            rdata.extend_from_slice(&field.to_be_bytes());
        }
        rr("example.", rtype::SOA, &rdata)
    }

    #[test]
    fn a_copy_is_written_read_back_and_patched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("example.zone");
        let origin = Name::parse("example.", None).unwrap();
        let ns = rr("example.", rtype::NS, b"\x02ns\x07example\x00");
        let a = rr("ns.example.", rtype::A, &[192, 0, 2, 1]);
        let copy = Copy::full(soa(1), vec![ns.clone(), a.clone()]);
        copy.save(&path, &origin, "192.0.2.53:53").unwrap();
        let mut back = Copy::load(&path, &origin).unwrap();
        assert_eq!(back.soa, Some(soa(1)));
        assert_eq!(back.records, copy.records);
        let b = rr("ns.example.", rtype::A, &[192, 0, 2, 2]);
        let step = |from, removed: &Rr, to, added: &Rr| Step {
            from,
            removed: vec![removed.clone()],
            to: soa(to),
            added: vec![added.clone()],
        };
        back.apply(vec![step(1, &a, 2, &b)]).unwrap();
        assert!(
            back.records
                .contains_key(&(b.owner.clone(), rtype::A, b.rdata.clone()))
        );
        assert_eq!(back.soa.as_ref().map(Rr::serial), Some(2));
        // Removing what is not there, or from another serial, fails and says why.
        assert!(back.clone().apply(vec![step(2, &a, 3, &b)]).is_err());
        assert!(back.clone().apply(vec![step(1, &b, 3, &a)]).is_err());
    }

    #[test]
    fn an_invalid_zone_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("example.zone");
        let origin = Name::parse("example.", None).unwrap();
        let cname = rr("www.example.", rtype::CNAME, b"\x02ns\x07example\x00");
        let a = rr("www.example.", rtype::A, &[192, 0, 2, 1]);
        let error = Copy::full(soa(1), vec![cname, a])
            .save(&path, &origin, "x")
            .unwrap_err();
        assert!(error.contains("CNAME"), "{error}");
        assert!(!path.exists());
    }
}
