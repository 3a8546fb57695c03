//! BIND's key file formats, the on-disk form of a key directory (so BIND, Knot's
//! `keymgr import-bind` and ldns read what we write, and we read what `dnssec-keygen` writes):
//!
//! - `K<zone>.+<alg>+<tag>.key`: comment lines with the key's role, tag and times, then the
//!   DNSKEY record in presentation form (read with the zone-file parser).
//! - `K<zone>.+<alg>+<tag>.private`: `Private-key-format: v1.3`, `Algorithm: 13
//!   (ECDSAP256SHA256)`, `PrivateKey:` (the ECDSA scalar or Ed25519 seed in base64), then the
//!   timing fields [`TIMING_TAGS`] as `YYYYMMDDHHMMSS`. BIND refuses a `.private` file with a
//!   field it does not know, so we write only these; fields we do not use are kept as read.
//!
//! Parsing is pure (text in, value or [`KeyProblem`] out); reading files is `keydir.rs`.

use std::path::Path;

use super::dnskey::{Dnskey, FLAG_SEP, key_tag};
use super::time::{format_readable, format_timestamp, parse_timestamp};
use crate::wire::Name;
use crate::wire::rtype;
use crate::zone::{ParseOptions, parse_rdata_text, parse_zone_text, rdata_to_text};

/// The timing fields of a key (BIND's key timing metadata), as seconds since 1970.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyTimes {
    /// When the key was made.
    pub created: Option<u64>,
    /// From when its DNSKEY is in the zone.
    pub publish: Option<u64>,
    /// From when it signs.
    pub activate: Option<u64>,
    /// RFC 5011 revocation (kept as read; not acted on).
    pub revoke: Option<u64>,
    /// From when it no longer signs.
    pub inactive: Option<u64>,
    /// From when its DNSKEY is gone from the zone.
    pub delete: Option<u64>,
    /// When its DS was confirmed at the parent.
    pub ds_publish: Option<u64>,
    /// From when its CDS/CDNSKEY are in the zone.
    pub sync_publish: Option<u64>,
    /// From when its CDS/CDNSKEY are gone.
    pub sync_delete: Option<u64>,
}

/// The timing field names, in the order BIND writes them in `.private` files.
pub const TIMING_TAGS: [&str; 9] = [
    "Created",
    "Publish",
    "Activate",
    "Revoke",
    "Inactive",
    "Delete",
    "DSPublish",
    "SyncPublish",
    "SyncDelete",
];

impl KeyTimes {
    /// Each timing field with its tag, in [`TIMING_TAGS`] order.
    pub fn fields(&self) -> [(&'static str, Option<u64>); 9] {
        let values = [
            self.created,
            self.publish,
            self.activate,
            self.revoke,
            self.inactive,
            self.delete,
            self.ds_publish,
            self.sync_publish,
            self.sync_delete,
        ];
        let mut out = [("", None); 9];
        for (i, value) in values.into_iter().enumerate() {
            out[i] = (TIMING_TAGS[i], value);
        }
        out
    }

    fn field_mut(&mut self, tag: &str) -> Option<&mut Option<u64>> {
        Some(match tag {
            "Created" => &mut self.created,
            "Publish" => &mut self.publish,
            "Activate" => &mut self.activate,
            "Revoke" => &mut self.revoke,
            "Inactive" => &mut self.inactive,
            "Delete" => &mut self.delete,
            "DSPublish" => &mut self.ds_publish,
            "SyncPublish" => &mut self.sync_publish,
            "SyncDelete" => &mut self.sync_delete,
            _ => return None,
        })
    }
}

/// What is wrong with a key file or key pair; shown after the file's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyProblem {
    #[error("cannot read: {0}")]
    Unreadable(String),
    #[error("cannot write: {0}")]
    Unwritable(String),
    #[error("missing: {0}")]
    Missing(String),
    #[error("{0}")]
    Syntax(String),
    #[error("holds no DNSKEY record")]
    NoDnskey,
    #[error("holds more than one record (a key file holds one DNSKEY)")]
    SeveralRecords,
    #[error("the DNSKEY has protocol {0}, not 3")]
    BadProtocol(u8),
    #[error("the DNSKEY has flags {0}, without the Zone Key bit (256): not a zone key")]
    NotZoneKey(u16),
    #[error("not a private key file (it must start with \"Private-key-format: v1.x\")")]
    NotPrivateKeyFile,
    #[error("line {line}: {what}")]
    BadLine { line: usize, what: String },
    #[error("no PrivateKey field (keys held in an HSM or engine are not supported)")]
    NoPrivateKey,
    #[error("algorithm {0} is not one this server knows")]
    UnknownAlgorithm(u8),
    #[error("{0}")]
    Crypto(#[from] super::crypto::CryptoError),
    #[error("the key is for zone {found}, not {expected}")]
    OtherZone { found: String, expected: String },
    #[error("the key's algorithm is {found}, the zone's is {expected}")]
    OtherAlgorithm { found: String, expected: String },
    #[error("the .key file says algorithm {public}, the .private file {private}")]
    AlgorithmsDiffer { public: u8, private: u8 },
    #[error("the file name says {named}, the key itself {actual}")]
    NameDisagrees { named: String, actual: String },
    #[error("not a key file name (K<zone>.+<algorithm>+<tag>.key or .private)")]
    BadFileName,
    #[error("already holds a different key")]
    Exists,
}

/// Base64 through the zone-file parser's codec: OPENPGPKEY rdata is one base64 field.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    if text.trim().is_empty() {
        return Err("no base64 data".into());
    }
    parse_rdata_text(rtype::OPENPGPKEY, text, &Name::root()).map_err(|e| {
        let reason = e.split_once(": ").map_or(e.as_str(), |(_, reason)| reason);
        reason.to_string()
    })
}

fn encode_base64(data: &[u8]) -> String {
    rdata_to_text(rtype::OPENPGPKEY, data)
}

/// The `.key` file: the DNSKEY record and its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyFile {
    pub owner: Name,
    /// The TTL written in the file, if any.
    pub ttl: Option<u32>,
    /// DNSKEY rdata.
    pub dnskey: Vec<u8>,
}

/// Reads a `.key` file's text (`file` only names it in messages).
pub fn parse_public(text: &str, file: &Path) -> Result<PublicKeyFile, KeyProblem> {
    let options = ParseOptions {
        allow_include: false,
        max_errors: 1,
        max_generate: 0,
        default_ttl: Some(0),
        ..ParseOptions::default()
    };
    let records = parse_zone_text(text, file, &Name::root(), &options).map_err(|errors| {
        let first = errors.first();
        KeyProblem::Syntax(first.map_or_else(String::new, |e| {
            format!("line {}: {}", e.location.line, e.message)
        }))
    })?;
    let mut records = records.into_iter();
    let record = records.next().ok_or(KeyProblem::NoDnskey)?;
    if records.next().is_some() {
        return Err(KeyProblem::SeveralRecords);
    }
    if record.rtype != rtype::DNSKEY || record.class != rtype::CLASS_IN {
        return Err(KeyProblem::NoDnskey);
    }
    let dnskey = Dnskey::parse(&record.rdata).ok_or(KeyProblem::NoDnskey)?;
    if dnskey.protocol != super::dnskey::PROTOCOL {
        return Err(KeyProblem::BadProtocol(dnskey.protocol));
    }
    if dnskey.flags & super::dnskey::FLAG_ZONE == 0 {
        return Err(KeyProblem::NotZoneKey(dnskey.flags));
    }
    Ok(PublicKeyFile {
        owner: record.owner.to_lowercase(),
        ttl: (record.ttl != 0).then_some(record.ttl),
        dnskey: record.rdata.into_vec(),
    })
}

/// The text of a `.key` file, as `dnssec-keygen` writes it.
pub fn write_public(public: &PublicKeyFile, times: &KeyTimes) -> String {
    let tag = key_tag(&public.dnskey);
    let sep = Dnskey::parse(&public.dnskey).is_some_and(|k| k.flags & FLAG_SEP != 0);
    let kind = if sep { "key-signing" } else { "zone-signing" };
    let mut out = format!(
        "; This is a {kind} key, keyid {tag}, for {}\n",
        public.owner
    );
    for (tag, value) in times.fields() {
        if let (Some(time), false) = (value, tag == "DSPublish") {
            let line = format!(
                "; {tag}: {} ({})\n",
                format_timestamp(time),
                format_readable(time)
            );
            out.push_str(&line);
        }
    }
    let ttl = public.ttl.map(|t| format!(" {t}")).unwrap_or_default();
    let rdata = rdata_to_text(rtype::DNSKEY, &public.dnskey);
    out.push_str(&format!("{}{ttl} IN DNSKEY {rdata}\n", public.owner));
    out
}

/// The `.private` file.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKeyFile {
    pub algorithm: u8,
    /// The ECDSA scalar or Ed25519 seed.
    pub private_key: Vec<u8>,
    pub times: KeyTimes,
    /// Fields we do not use, kept in order to be written back.
    pub other: Vec<(String, String)>,
}

impl std::fmt::Debug for PrivateKeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKeyFile")
            .field("algorithm", &self.algorithm)
            .field("times", &self.times)
            .finish_non_exhaustive()
    }
}

/// Reads a `.private` file's text.
pub fn parse_private(text: &str) -> Result<PrivateKeyFile, KeyProblem> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty());
    let (_, first) = lines.next().ok_or(KeyProblem::NotPrivateKeyFile)?;
    let version = first
        .strip_prefix("Private-key-format:")
        .map(str::trim)
        .ok_or(KeyProblem::NotPrivateKeyFile)?;
    if !version.starts_with("v1.") {
        return Err(KeyProblem::NotPrivateKeyFile);
    }
    let mut algorithm = None;
    let mut private_key = None;
    let mut times = KeyTimes::default();
    let mut other: Vec<(String, String)> = Vec::new();
    for (line, text) in lines {
        let bad = |what: String| KeyProblem::BadLine { line, what };
        let (tag, value) = text
            .split_once(':')
            .ok_or_else(|| bad("expected \"Field: value\"".into()))?;
        let value = value.trim();
        let seen = other.iter().any(|(t, _)| t == tag)
            || (tag == "Algorithm" && algorithm.is_some())
            || (tag == "PrivateKey" && private_key.is_some());
        if seen {
            return Err(bad(format!("{tag} appears twice")));
        }
        if let Some(field) = times.field_mut(tag) {
            if field.is_some() {
                return Err(bad(format!("{tag} appears twice")));
            }
            let time = parse_timestamp(value)
                .ok_or_else(|| bad(format!("bad time {value:?} (expected YYYYMMDDHHMMSS)")))?;
            *field = Some(time);
            continue;
        }
        match tag {
            "Algorithm" => {
                let number = value.split_whitespace().next().unwrap_or_default();
                let number = number
                    .parse::<u8>()
                    .map_err(|_| bad(format!("bad algorithm {value:?}")))?;
                algorithm = Some(number);
            }
            "PrivateKey" => {
                let key = decode_base64(value).map_err(|e| bad(format!("PrivateKey: {e}")))?;
                private_key = Some(key);
            }
            _ => other.push((tag.to_string(), value.to_string())),
        }
    }
    let algorithm = algorithm.ok_or_else(|| KeyProblem::BadLine {
        line: 0,
        what: "no Algorithm field".into(),
    })?;
    Ok(PrivateKeyFile {
        algorithm,
        private_key: private_key.ok_or(KeyProblem::NoPrivateKey)?,
        times,
        other,
    })
}

/// The text of a `.private` file, as `dnssec-keygen` writes it.
pub fn write_private(private: &PrivateKeyFile) -> String {
    let mnemonic = super::Algorithm::from_number(private.algorithm)
        .map_or_else(|| "?".to_string(), |a| a.mnemonic().to_string());
    let mut out = format!(
        "Private-key-format: v1.3\nAlgorithm: {} ({mnemonic})\nPrivateKey: {}\n",
        private.algorithm,
        encode_base64(&private.private_key)
    );
    for (tag, value) in &private.other {
        out.push_str(&format!("{tag}: {value}\n"));
    }
    for (tag, value) in private.times.fields() {
        if let Some(time) = value {
            out.push_str(&format!("{tag}: {}\n", format_timestamp(time)));
        }
    }
    out
}

/// `K<zone>+<alg>+<tag>` (`Kexample.com.+013+09177`), the stem of both file names; `None` for
/// a zone whose name cannot be a file name (a `/` or a control character in a label).
pub fn file_stem(zone: &Name, algorithm: u8, tag: u16) -> Option<String> {
    let zone = zone.to_lowercase().to_string();
    let safe = !zone.contains('/') && !zone.contains('\\') && zone.len() <= 255;
    safe.then(|| format!("K{zone}+{algorithm:03}+{tag:05}"))
}

/// The parts of a key file's stem: zone text, algorithm, tag.
pub fn parse_file_stem(stem: &str) -> Option<(&str, u8, u16)> {
    let rest = stem.strip_prefix('K')?;
    let (rest, tag) = rest.rsplit_once('+')?;
    let (zone, algorithm) = rest.rsplit_once('+')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(tag, 5) || !digits(algorithm, 3) || !zone.ends_with('.') {
        return None;
    }
    Some((zone, algorithm.parse().ok()?, tag.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written by dnssec-keygen 9.18 (`-a ECDSAP256SHA256 -f KSK example.com`).
    const BIND_KEY: &str = "; This is a key-signing key, keyid 9177, for example.com.\n\
        ; Created: 20261205150423 (Sat Dec  5 15:04:23 2026)\n\
        ; Publish: 20261205150423 (Sat Dec  5 15:04:23 2026)\n\
        ; Activate: 20261205150423 (Sat Dec  5 15:04:23 2026)\n\
        example.com. IN DNSKEY 257 3 13 cnkKZoL56AdwEfA+Z4bk2dj24v9cISXBbT0vPvCrXia544nZ6697/40J \
        2KUHPLURgpdhVY6n8QnT0aSoWAtghA==\n";
    const BIND_PRIVATE: &str = "Private-key-format: v1.3\n\
        Algorithm: 13 (ECDSAP256SHA256)\n\
        PrivateKey: 2kJSpsHjpXfMtapvzd2V4JOqLYht6hRS6pLX1rmJb6k=\n\
        Created: 20261205150423\n\
        Publish: 20261205150423\n\
        Activate: 20261205150423\n";

    #[test]
    fn reads_and_writes_what_dnssec_keygen_writes() {
        let public = parse_public(BIND_KEY, Path::new("K.key")).unwrap();
        assert_eq!(public.owner.to_string(), "example.com.");
        assert_eq!(public.ttl, None);
        assert_eq!(key_tag(&public.dnskey), 9177);
        let private = parse_private(BIND_PRIVATE).unwrap();
        assert_eq!(private.algorithm, 13);
        assert_eq!(private.private_key.len(), 32);
        assert_eq!(private.times.created, Some(1_796_483_063));
        assert_eq!(private.times.activate, Some(1_796_483_063));
        assert_eq!(private.times.inactive, None);
        // Written back, the text is what BIND wrote (the base64 on one line).
        let written = write_public(&public, &private.times);
        assert_eq!(written, BIND_KEY.replace("40J 2KU", "40J2KU"));
        assert_eq!(write_private(&private), BIND_PRIVATE);
        let key = super::super::crypto::SigningKey::from_parts(
            super::super::Algorithm::EcdsaP256Sha256,
            &private.private_key,
            Dnskey::parse(&public.dnskey).unwrap().public_key,
        );
        assert!(key.is_ok());
    }

    #[test]
    fn every_timing_field_round_trips() {
        let times = KeyTimes {
            created: Some(1),
            publish: Some(2),
            activate: Some(3),
            revoke: Some(4),
            inactive: Some(5),
            delete: Some(6),
            ds_publish: Some(7),
            sync_publish: Some(8),
            sync_delete: Some(9),
        };
        let private = PrivateKeyFile {
            algorithm: 15,
            private_key: vec![7; 32],
            times,
            other: vec![("Engine".into(), "x".into())],
        };
        let text = write_private(&private);
        assert!(text.contains("Algorithm: 15 (ED25519)\n"), "{text}");
        assert_eq!(parse_private(&text).unwrap(), private);
        let public = PublicKeyFile {
            owner: "example.com.".parse().unwrap(),
            ttl: Some(3600),
            dnskey: vec![1, 0, 3, 15, 9, 9, 9, 9],
        };
        let text = write_public(&public, &times);
        assert!(text.contains("; SyncDelete: 19700101000009 (Thu Jan  1 00:00:09 1970)\n"));
        assert!(!text.contains("DSPublish"));
        assert!(
            text.ends_with("example.com. 3600 IN DNSKEY 256 3 15 CQkJCQ==\n"),
            "{text}"
        );
        assert_eq!(parse_public(&text, Path::new("K.key")).unwrap(), public);
    }

    #[test]
    fn corrupt_files_say_what_is_wrong() {
        let file = Path::new("Kx.key");
        let problem = |text: &str| parse_public(text, file).unwrap_err().to_string();
        assert!(problem("").contains("no DNSKEY"));
        assert!(problem("example.com. IN A 192.0.2.1\n").contains("no DNSKEY"));
        assert!(problem("example.com. IN DNSKEY 257 3 13 !!!!\n").starts_with("line 1: "));
        assert!(problem("example.com. IN DNSKEY 257 2 13 AAAA\n").contains("protocol 2"));
        assert!(problem("example.com. IN DNSKEY 1 3 13 AAAA\n").contains("not a zone key"));
        assert!(problem("$INCLUDE /etc/passwd\n").starts_with("line 1: "));
        let two = "a. IN DNSKEY 257 3 13 AAAA\na. IN DNSKEY 256 3 13 AAAA\n";
        assert_eq!(parse_public(two, file), Err(KeyProblem::SeveralRecords));

        let private = |text: &str| parse_private(text).unwrap_err().to_string();
        assert!(private("Algorithm: 13\n").contains("Private-key-format"));
        assert!(private("Private-key-format: v2.0\n").contains("Private-key-format"));
        let head = "Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\n";
        assert!(private(&format!("{head}PrivateKey: 2kJS*\n")).contains("line 3: PrivateKey:"));
        assert!(private(&format!("{head}Created: 2026\n")).contains("line 3: bad time"));
        assert!(private(&format!("{head}garbage\n")).contains("line 3: expected"));
        assert!(private(head).contains("no PrivateKey"));
        let twice = format!("{head}PrivateKey: AAAA\nPrivateKey: AAAA\n");
        assert!(private(&twice).contains("appears twice"));
        let twice =
            format!("{head}PrivateKey: AAAA\nCreated: 20260101000000\nCreated: 20260101000000\n");
        assert!(private(&twice).contains("appears twice"));
        assert!(private("Private-key-format: v1.3\nPrivateKey: AAAA\n").contains("no Algorithm"));
    }

    #[test]
    fn file_names() {
        let zone: Name = "Example.COM.".parse().unwrap();
        assert_eq!(
            file_stem(&zone, 13, 9177).as_deref(),
            Some("Kexample.com.+013+09177")
        );
        assert_eq!(
            file_stem(&Name::root(), 8, 20326).as_deref(),
            Some("K.+008+20326")
        );
        assert_eq!(
            parse_file_stem("Kexample.com.+013+09177"),
            Some(("example.com.", 13, 9177))
        );
        assert_eq!(parse_file_stem("K.+008+20326"), Some((".", 8, 20326)));
        for bad in [
            "example.com.+013+09177",
            "Kexample.com+013+09177",
            "Kexample.com.+13+09177",
        ] {
            assert_eq!(parse_file_stem(bad), None, "{bad}");
        }
        let slash = Name::parse("a\\/b.example.", None).unwrap();
        assert_eq!(file_stem(&slash, 13, 1), None);
    }
}
