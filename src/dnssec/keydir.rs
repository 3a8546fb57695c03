//! A key directory: BIND `K*.key` / `K*.private` pairs, possibly for several zones. Loading a
//! zone's keys (every problem reported as `file: what is wrong`), making a new key, rewriting a
//! key's times, and importing a pair written elsewhere (BIND's `dnssec-keygen`, ldns).
//!
//! Files are written with mode 0600 through a temporary file and a rename (a new key through a
//! hard link, which never replaces an existing file), so a reader never sees half a key.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use super::algorithm::Algorithm;
use super::crypto::SigningKey;
use super::dnskey::{Dnskey, Role, dnskey_rdata, key_tag};
use super::keyfile::{
    KeyProblem, KeyTimes, PrivateKeyFile, PublicKeyFile, file_stem, parse_file_stem, parse_private,
    parse_public, write_private, write_public,
};
use super::rrsig::Signer;
use crate::wire::Name;

/// A problem with one file of a key directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub file: PathBuf,
    pub problem: KeyProblem,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.problem)
    }
}

impl std::error::Error for KeyError {}

fn error(file: &Path, problem: KeyProblem) -> KeyError {
    KeyError {
        file: file.to_path_buf(),
        problem,
    }
}

/// A key read from (or written to) a key directory, ready to sign.
#[derive(Debug)]
pub struct StoredKey {
    /// `K<zone>+<alg>+<tag>`, the name of both files without the extension.
    pub stem: String,
    /// The zone, lowercased.
    pub zone: Name,
    pub algorithm: Algorithm,
    pub flags: u16,
    pub tag: u16,
    /// The DNSKEY rdata.
    pub dnskey: Vec<u8>,
    /// The TTL written in the `.key` file, if any.
    pub ttl: Option<u32>,
    pub times: KeyTimes,
    pub key: SigningKey,
    /// `.private` fields kept as read.
    other: Vec<(String, String)>,
}

impl StoredKey {
    /// The key as an RRSIG signer for its zone.
    pub fn signer(&self) -> Signer<'_> {
        Signer {
            key: &self.key,
            tag: self.tag,
            zone: &self.zone,
        }
    }

    /// Whether the Secure Entry Point bit is set (a KSK or a CSK).
    pub fn is_sep(&self) -> bool {
        Dnskey::parse(&self.dnskey).is_some_and(|k| k.is_sep())
    }

    fn public_file(&self) -> PublicKeyFile {
        PublicKeyFile {
            owner: self.zone.clone(),
            ttl: self.ttl,
            dnskey: self.dnskey.clone(),
        }
    }

    fn private_file(&self) -> PrivateKeyFile {
        PrivateKeyFile {
            algorithm: self.algorithm.number(),
            private_key: self.key.private_key().to_vec(),
            times: self.times,
            other: self.other.clone(),
        }
    }
}

/// The `.key` and `.private` paths of a stem in `dir`.
fn pair_paths(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{stem}.key")),
        dir.join(format!("{stem}.private")),
    )
}

/// Reads the pair named by `path` (its `.key` file, its `.private` file or their common
/// stem) and checks that the two files agree with each other and with their name.
pub fn read_pair(path: &Path) -> Result<StoredKey, KeyError> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = file_name
        .strip_suffix(".key")
        .or_else(|| file_name.strip_suffix(".private"))
        .unwrap_or(file_name);
    parse_file_stem(stem).ok_or_else(|| error(path, KeyProblem::BadFileName))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let (key_path, private_path) = pair_paths(dir, stem);
    let key_text = read_text(&key_path)?;
    let private_text = read_text(&private_path)?;
    parse_pair(stem, &key_text, &private_text, &key_path, &private_path)
}

/// A key pair from the texts of its `.key` and `.private` files (`key_path` and `private_path`
/// name them in errors), checked as [`read_pair`] checks files: the two agree with each other
/// and with `stem`, and the private key is the public key's.
pub fn parse_pair(
    stem: &str,
    key_text: &str,
    private_text: &str,
    key_path: &Path,
    private_path: &Path,
) -> Result<StoredKey, KeyError> {
    let (named_zone, named_algorithm, named_tag) =
        parse_file_stem(stem).ok_or_else(|| error(key_path, KeyProblem::BadFileName))?;
    let public = parse_public(key_text, key_path).map_err(|p| error(key_path, p))?;
    let private = parse_private(private_text).map_err(|p| error(private_path, p))?;
    let dnskey =
        Dnskey::parse(&public.dnskey).ok_or_else(|| error(key_path, KeyProblem::NoDnskey))?;
    if dnskey.algorithm != private.algorithm {
        let problem = KeyProblem::AlgorithmsDiffer {
            public: dnskey.algorithm,
            private: private.algorithm,
        };
        return Err(error(private_path, problem));
    }
    let tag = key_tag(&public.dnskey);
    let named = format!("zone {named_zone}, algorithm {named_algorithm}, tag {named_tag}");
    let actual = format!(
        "zone {}, algorithm {}, tag {tag}",
        public.owner, dnskey.algorithm
    );
    let agrees = Name::parse(named_zone, None).is_ok_and(|z| z.eq_ignore_case(&public.owner))
        && named_algorithm == dnskey.algorithm
        && named_tag == tag;
    if !agrees {
        return Err(error(key_path, KeyProblem::NameDisagrees { named, actual }));
    }
    let algorithm = Algorithm::from_number(dnskey.algorithm)
        .ok_or_else(|| error(key_path, KeyProblem::UnknownAlgorithm(dnskey.algorithm)))?;
    let key = SigningKey::from_parts(algorithm, &private.private_key, dnskey.public_key)
        .map_err(|e| error(private_path, KeyProblem::Crypto(e)))?;
    Ok(StoredKey {
        stem: stem.to_string(),
        zone: public.owner.to_lowercase(),
        algorithm,
        flags: dnskey.flags,
        tag,
        dnskey: public.dnskey.clone(),
        ttl: public.ttl,
        times: private.times,
        key,
        other: private.other,
    })
}

fn read_text(path: &Path) -> Result<String, KeyError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(error(
            path,
            KeyProblem::Missing("the other file of the key pair is not there".into()),
        )),
        Err(e) => Err(error(path, KeyProblem::Unreadable(e.to_string()))),
    }
}

/// The stems of the key files of `zone` in `dir` (any algorithm), sorted. A directory that does
/// not exist holds none.
fn zone_stems(dir: &Path, zone: &Name) -> Result<Vec<String>, KeyError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(error(dir, KeyProblem::Unreadable(e.to_string()))),
    };
    let mut stems = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| error(dir, KeyProblem::Unreadable(e.to_string())))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = name
            .strip_suffix(".key")
            .or_else(|| name.strip_suffix(".private"))
        else {
            continue;
        };
        let Some((zone_text, _, _)) = parse_file_stem(stem) else {
            continue;
        };
        if Name::parse(zone_text, None).is_ok_and(|z| z.eq_ignore_case(zone)) {
            stems.push(stem.to_string());
        }
    }
    stems.sort();
    stems.dedup();
    Ok(stems)
}

/// Every key of `zone` in `dir`, checked: both files there and readable, well formed, agreeing
/// with each other and their names, for this zone, and all of one algorithm (`algorithm` when
/// given, else the oldest key's). Sorted by creation time, then tag. All problems are returned,
/// not the first.
pub fn load_zone_keys(
    dir: &Path,
    zone: &Name,
    algorithm: Option<Algorithm>,
) -> Result<Vec<StoredKey>, Vec<KeyError>> {
    let stems = zone_stems(dir, zone).map_err(|e| vec![e])?;
    let mut keys = Vec::new();
    let mut errors = Vec::new();
    for stem in stems {
        let (key_path, _) = pair_paths(dir, &stem);
        match read_pair(&key_path).and_then(|key| check_key(key, &key_path, zone, algorithm)) {
            Ok(key) => keys.push(key),
            Err(e) => errors.push(e),
        }
    }
    keys.sort_by_key(|k| (k.times.created, k.tag));
    // Without an algorithm given, the oldest key's is the zone's: algorithm rolls are not
    // supported, so a key of another algorithm is a mistake, not a second signer.
    if let (None, Some(first)) = (algorithm, keys.first()) {
        let zone_algorithm = first.algorithm;
        for key in &keys[1..] {
            if let Err(e) = check_key_algorithm(key, &pair_paths(dir, &key.stem).0, zone_algorithm)
            {
                errors.push(e);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(keys)
}

fn check_key_algorithm(key: &StoredKey, path: &Path, expected: Algorithm) -> Result<(), KeyError> {
    if key.algorithm == expected {
        return Ok(());
    }
    let problem = KeyProblem::OtherAlgorithm {
        found: key.algorithm.to_string(),
        expected: expected.to_string(),
    };
    Err(error(path, problem))
}

/// Refuses a key for another zone or (when one is given) another algorithm.
fn check_key(
    key: StoredKey,
    path: &Path,
    zone: &Name,
    algorithm: Option<Algorithm>,
) -> Result<StoredKey, KeyError> {
    if !key.zone.eq_ignore_case(zone) {
        let problem = KeyProblem::OtherZone {
            found: key.zone.to_string(),
            expected: zone.to_string(),
        };
        return Err(error(path, problem));
    }
    if let Some(expected) = algorithm {
        check_key_algorithm(&key, path, expected)?;
    }
    Ok(key)
}

/// Makes a new key for `zone` in `dir` (created, mode 0700, if missing) with the flags of
/// `role` and the given times, and writes its two files (mode 0600). A key whose tag is taken
/// by another key of the zone is made again.
pub fn create_key(
    dir: &Path,
    zone: &Name,
    algorithm: Algorithm,
    role: Role,
    times: KeyTimes,
) -> Result<StoredKey, KeyError> {
    let zone = zone.to_lowercase();
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| error(dir, KeyProblem::Unwritable(e.to_string())))?;
    let taken: Vec<u16> = zone_stems(dir, &zone)?
        .iter()
        .filter_map(|stem| parse_file_stem(stem).map(|(_, _, tag)| tag))
        .collect();
    let flags = role.flags();
    let (key, dnskey, tag) = loop {
        let key = SigningKey::generate(algorithm).map_err(|e| error(dir, KeyProblem::Crypto(e)))?;
        let dnskey = dnskey_rdata(flags, algorithm.number(), key.public_key());
        let tag = key_tag(&dnskey);
        // A revoked key's tag is also taken (RFC 5011 sets a bit that changes the tag).
        let revoked = key_tag(&dnskey_rdata(
            flags | 0x80,
            algorithm.number(),
            key.public_key(),
        ));
        if !taken.contains(&tag) && !taken.contains(&revoked) {
            break (key, dnskey, tag);
        }
    };
    let stem = file_stem(&zone, algorithm.number(), tag).ok_or_else(|| {
        error(
            dir,
            KeyProblem::Unwritable(format!("zone {zone} cannot be a file name")),
        )
    })?;
    let stored = StoredKey {
        stem,
        zone,
        algorithm,
        flags,
        tag,
        dnskey,
        ttl: None,
        times,
        key,
        other: Vec::new(),
    };
    write_pair(dir, &stored, true)?;
    Ok(stored)
}

/// Rewrites both files of `key` in `dir` (after its times changed).
pub fn write_key(dir: &Path, key: &StoredKey) -> Result<(), KeyError> {
    write_pair(dir, key, false)
}

fn write_pair(dir: &Path, key: &StoredKey, new: bool) -> Result<(), KeyError> {
    let (key_path, private_path) = pair_paths(dir, &key.stem);
    let private = write_private(&key.private_file());
    write_file(&private_path, private.as_bytes(), new)?;
    let public = write_public(&key.public_file(), &key.times);
    write_file(&key_path, public.as_bytes(), new)
}

/// Writes `contents` to `path` with mode 0600 through a temporary file; with `new`, never over
/// an existing file.
fn write_file(path: &Path, contents: &[u8], new: bool) -> Result<(), KeyError> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("key");
    let temporary = path.with_file_name(format!(".{file_name}.tmp"));
    let unwritable = |e: io::Error| error(path, KeyProblem::Unwritable(e.to_string()));
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(unwritable)?;
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            if new {
                fs::hard_link(&temporary, path)
            } else {
                fs::rename(&temporary, path)
            }
        });
    if new || written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written.map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => error(path, KeyProblem::Exists),
        _ => unwritable(e),
    })
}

/// Copies the pair named by `source` into `dir` as it is, after reading and checking it as
/// [`load_zone_keys`] would (for `zone` and, when given, `algorithm`). Importing the same pair
/// twice is harmless; a different pair under the same name is refused.
pub fn import_pair(
    dir: &Path,
    source: &Path,
    zone: &Name,
    algorithm: Option<Algorithm>,
) -> Result<StoredKey, KeyError> {
    let key = read_pair(source)?;
    let key = check_key(key, source, zone, algorithm)?;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| error(dir, KeyProblem::Unwritable(e.to_string())))?;
    let from = pair_paths(source.parent().unwrap_or(Path::new("")), &key.stem);
    let to = pair_paths(dir, &key.stem);
    for (from, to) in [(&from.1, &to.1), (&from.0, &to.0)] {
        let bytes =
            fs::read(from).map_err(|e| error(from, KeyProblem::Unreadable(e.to_string())))?;
        match fs::read(to) {
            Ok(existing) if existing == bytes => continue,
            Ok(_) => return Err(error(to, KeyProblem::Exists)),
            Err(_) => write_file(to, &bytes, true)?,
        }
    }
    Ok(key)
}

#[cfg(test)]
#[path = "tests/keydir.rs"]
mod tests;
