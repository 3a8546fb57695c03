//! The configuration of each served zone and of what serves it beside the zone file: the two
//! forms of a `[zones]` entry (a path, or a table with transfer, signing and secondary keys),
//! `[tsig.NAME]` keys and the `[catalog]` producer, with their validation.
//!
//! ```toml
//! [zones]
//! "example.net." = "zones/example.net.zone"       # a path: the zone file, nothing else
//!
//! [zones."example.com."]                           # a table
//! file = "zones/example.com.zone"
//! notify = ["127.0.0.1:5301"]
//! allow_transfer = [{ network = "127.0.0.0/8", key = "transfer" }]
//! serial = "keep"                                  # keep | unixtime | increment
//! [zones."example.com.".dnssec]
//! keys = "keys/example.com"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de::value::MapAccessDeserializer};

use super::Duration;
use crate::wire::Name;

/// One `[zones]` entry in its table form; the path form `"origin." = "file"` reads as a table
/// with only `file` set.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneConfig {
    /// The zone file: read for a primary zone, written with each transfer for a secondary.
    pub file: Option<String>,
    /// Secondaries sent a NOTIFY (RFC 1996) for every new serial.
    #[serde(default)]
    pub notify: Vec<String>,
    /// Who may transfer the zone (AXFR/IXFR); an entry matches when all its fields do.
    #[serde(default)]
    pub allow_transfer: Vec<TransferAcl>,
    /// The serial when only steering defaults changed.
    #[serde(default)]
    pub serial: SerialPolicy,
    /// Online signing by Switchyard.
    pub dnssec: Option<DnssecConfig>,
    /// Secondary role: the primary's address the zone is transferred from.
    pub primary: Option<String>,
    /// TSIG key (in `[tsig]`) for transfers from `primary` and its NOTIFY.
    pub key: Option<String>,
}

impl ZoneConfig {
    /// A zone given by its file alone.
    pub fn from_file(file: impl Into<String>) -> ZoneConfig {
        ZoneConfig {
            file: Some(file.into()),
            ..ZoneConfig::default()
        }
    }

    /// Whether the zone comes from a primary rather than from a file we own.
    pub fn is_secondary(&self) -> bool {
        self.primary.is_some()
    }
}

impl<'de> Deserialize<'de> for ZoneEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = ZoneEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a zone file path or a table with `file`, `primary`, `dnssec`, ...")
            }
            fn visit_str<E: de::Error>(self, path: &str) -> Result<ZoneEntry, E> {
                Ok(ZoneEntry(ZoneConfig::from_file(path)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ZoneEntry, A::Error> {
                ZoneConfig::deserialize(MapAccessDeserializer::new(map)).map(ZoneEntry)
            }
        }
        deserializer.deserialize_any(EntryVisitor)
    }
}

/// A `[zones]` value in either form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoneEntry(pub ZoneConfig);

impl std::ops::Deref for ZoneEntry {
    type Target = ZoneConfig;
    fn deref(&self) -> &ZoneConfig {
        &self.0
    }
}

/// One `allow_transfer` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferAcl {
    /// Client network in CIDR form (or one address).
    pub network: Option<String>,
    /// TSIG key name in `[tsig]` the request must be signed with.
    pub key: Option<String>,
}

/// How the serial moves when only steering defaults (not the zone file) changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SerialPolicy {
    /// The zone file's serial, always.
    #[default]
    Keep,
    /// Seconds since the epoch (never lower than the file's serial + 1 or the last served).
    Unixtime,
    /// The last served serial + 1.
    Increment,
}

/// `[zones."origin".dnssec]`: Switchyard signs the zone.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnssecConfig {
    /// Key directory (BIND key-file format); a key is generated there on first start.
    pub keys: String,
    #[serde(default)]
    pub algorithm: SigningAlgorithm,
    #[serde(default)]
    pub denial: Denial,
    /// How long a signature is valid from its inception.
    #[serde(default = "default_signature_validity")]
    pub signature_validity: Duration,
    /// Signatures are renewed this long before they expire.
    #[serde(default = "default_signature_refresh")]
    pub signature_refresh: Duration,
    /// A ZSK is rolled (pre-publication) this long after it became active; `"0s"`: never.
    #[serde(default = "default_zsk_lifetime")]
    pub zsk_lifetime: Duration,
    /// A CSK is rolled this long after it became active (none: only by `switchyard keys roll`).
    pub csk_lifetime: Option<Duration>,
    /// TTL of the DNSKEY, CDS and CDNSKEY RRsets; a new key signs after it and the delay.
    #[serde(default = "default_hour")]
    pub dnskey_ttl: Duration,
    /// How long a change takes to reach every server of the zone (and the parent's).
    #[serde(default = "default_hour")]
    pub propagation_delay: Duration,
    /// TTL of the DS RRset at the parent: an old KSK or CSK leaves this long after the DS
    /// change was seen.
    #[serde(default = "default_day")]
    pub parent_ds_ttl: Duration,
}

fn default_zsk_lifetime() -> Duration {
    Duration::from_secs(30 * 86_400)
}
fn default_hour() -> Duration {
    Duration::from_secs(3600)
}
fn default_day() -> Duration {
    Duration::from_secs(86_400)
}

fn default_signature_validity() -> Duration {
    Duration::from_secs(14 * 86_400)
}
fn default_signature_refresh() -> Duration {
    Duration::from_secs(7 * 86_400)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SigningAlgorithm {
    /// ECDSA P-256 with SHA-256 (algorithm 13).
    #[default]
    Ecdsap256sha256,
    /// Ed25519 (algorithm 15).
    Ed25519,
}

/// Authenticated denial of existence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Denial {
    #[default]
    Nsec,
    /// NSEC3 with RFC 9276 parameters: 0 iterations, no salt, no opt-out.
    Nsec3,
}

/// `[tsig.NAME]`: a transaction signature key (RFC 8945).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsigConfig {
    #[serde(default)]
    pub algorithm: TsigAlgorithm,
    /// File holding the base64 secret.
    pub secret_file: Option<String>,
    /// Or the base64 secret inline.
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum TsigAlgorithm {
    #[default]
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
    #[serde(rename = "hmac-sha384")]
    HmacSha384,
    #[serde(rename = "hmac-sha512")]
    HmacSha512,
    #[serde(rename = "hmac-sha1")]
    HmacSha1,
}

/// `[catalog]`: an RFC 9432 catalog of every zone we are primary for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    /// The catalog zone's name.
    pub zone: String,
    #[serde(default)]
    pub notify: Vec<String>,
    #[serde(default)]
    pub allow_transfer: Vec<TransferAcl>,
}

type Report<'a> = dyn FnMut(String, String) + 'a;

/// Checks every `[zones]` entry, `[tsig]` key and the `[catalog]`.
pub(super) fn validate(
    zones: &BTreeMap<String, ZoneEntry>,
    tsig: &BTreeMap<String, TsigConfig>,
    catalog: Option<&CatalogConfig>,
    report: &mut Report<'_>,
) {
    for (origin, zone) in zones {
        let key = format!("zones.{origin:?}");
        if let Err(e) = Name::parse(origin, None) {
            report(key.clone(), format!("bad zone name: {e}"));
        }
        zone_problems(&key, zone, tsig, report);
    }
    for (name, config) in tsig {
        let key = format!("tsig.{name}");
        if let Err(e) = Name::parse(name, Some(&Name::root())) {
            report(
                key.clone(),
                format!("a key name must be a domain name: {e}"),
            );
        }
        match (&config.secret, &config.secret_file) {
            (Some(_), Some(_)) | (None, None) => {
                report(key, "give exactly one of secret or secret_file".into())
            }
            (Some(secret), None) if secret.trim().is_empty() => {
                report(format!("{key}.secret"), "must not be empty".into())
            }
            (None, Some(path)) if path.trim().is_empty() => {
                report(format!("{key}.secret_file"), "must not be empty".into())
            }
            _ => {}
        }
    }
    if let Some(catalog) = catalog {
        if let Err(e) = Name::parse(&catalog.zone, None) {
            report("catalog.zone".into(), format!("bad zone name: {e}"));
        }
        addresses("catalog.notify", &catalog.notify, report);
        acl(
            "catalog.allow_transfer",
            &catalog.allow_transfer,
            tsig,
            report,
        );
    }
}

fn zone_problems(
    key: &str,
    zone: &ZoneConfig,
    tsig: &BTreeMap<String, TsigConfig>,
    report: &mut Report<'_>,
) {
    match &zone.file {
        Some(file) if file.trim().is_empty() => report(key.into(), "empty zone file path".into()),
        None if !zone.is_secondary() => report(
            key.into(),
            "a zone needs `file` (its zone file) or `primary` (to transfer it from)".into(),
        ),
        None => report(
            key.into(),
            "a secondary zone needs `file`: where the transferred zone is kept across restarts"
                .into(),
        ),
        _ => {}
    }
    addresses(&format!("{key}.notify"), &zone.notify, report);
    acl(
        &format!("{key}.allow_transfer"),
        &zone.allow_transfer,
        tsig,
        report,
    );
    if let Some(primary) = &zone.primary
        && primary.parse::<SocketAddr>().is_err()
    {
        report(
            format!("{key}.primary"),
            format!("{primary:?} is not an address with a port (e.g. 192.0.2.1:53)"),
        );
    }
    if let Some(name) = &zone.key {
        if !zone.is_secondary() {
            report(format!("{key}.key"), "applies only with `primary`".into());
        }
        tsig_reference(&format!("{key}.key"), name, tsig, report);
    }
    if zone.is_secondary() && zone.serial != SerialPolicy::Keep {
        report(
            format!("{key}.serial"),
            "a secondary zone keeps its primary's serial".into(),
        );
    }
    if let Some(dnssec) = &zone.dnssec {
        if dnssec.keys.trim().is_empty() {
            report(format!("{key}.dnssec.keys"), "must not be empty".into());
        }
        if dnssec.signature_refresh >= dnssec.signature_validity {
            report(
                format!("{key}.dnssec.signature_refresh"),
                "must be shorter than signature_validity".into(),
            );
        }
        if dnssec.signature_validity < Duration::from_secs(3_600) {
            report(
                format!("{key}.dnssec.signature_validity"),
                "must be at least 1h".into(),
            );
        }
    }
}

fn addresses(key: &str, list: &[String], report: &mut Report<'_>) {
    for (i, address) in list.iter().enumerate() {
        if address.parse::<SocketAddr>().is_err() {
            report(
                format!("{key}[{i}]"),
                format!("{address:?} is not an address with a port (e.g. 192.0.2.1:53)"),
            );
        }
    }
}

fn acl(
    key: &str,
    entries: &[TransferAcl],
    tsig: &BTreeMap<String, TsigConfig>,
    report: &mut Report<'_>,
) {
    for (i, entry) in entries.iter().enumerate() {
        let key = format!("{key}[{i}]");
        if entry.network.is_none() && entry.key.is_none() {
            report(
                key.clone(),
                "give a network, a key or both (an empty entry would allow everyone)".into(),
            );
        }
        if let Some(network) = &entry.network
            && network.parse::<ipnet::IpNet>().is_err()
            && network.parse::<IpAddr>().is_err()
        {
            report(
                format!("{key}.network"),
                format!("{network:?} is not a network in CIDR form"),
            );
        }
        if let Some(name) = &entry.key {
            tsig_reference(&format!("{key}.key"), name, tsig, report);
        }
    }
}

fn tsig_reference(
    key: &str,
    name: &str,
    tsig: &BTreeMap<String, TsigConfig>,
    report: &mut Report<'_>,
) {
    if !tsig.contains_key(name) {
        report(key.into(), format!("no key named {name:?} in [tsig]"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, validate::validate};

    fn problems(text: &str) -> Vec<String> {
        validate(&toml::from_str::<Config>(text).unwrap())
            .into_iter()
            .map(|(key, message)| format!("{key}: {message}"))
            .collect()
    }

    #[test]
    fn both_forms_read_alike() {
        let config: Config = toml::from_str(
            "[zones]\n\"a.example.\" = \"a.zone\"\n[zones.\"b.example.\"]\nfile = \"b.zone\"\n",
        )
        .unwrap();
        assert_eq!(config.zones["a.example."].file.as_deref(), Some("a.zone"));
        assert_eq!(config.zones["b.example."].file.as_deref(), Some("b.zone"));
        assert!(config.zones["b.example."].dnssec.is_none());
    }

    #[test]
    fn the_design_guide_keys_read() {
        let text = r#"
[zones."example.com."]
file = "zones/example.com.zone"
notify = ["127.0.0.1:5301"]
allow_transfer = [{ network = "127.0.0.0/8", key = "transfer" }]
serial = "keep"
[zones."example.com.".dnssec]
keys = "keys/example.com"
algorithm = "ecdsap256sha256"
denial = "nsec"
[zones."example.org."]
primary = "127.0.0.1:5302"
key = "transfer"
file = "zones/example.org.zone"
[tsig.transfer]
algorithm = "hmac-sha256"
secret_file = "keys/transfer.tsig"
[catalog]
zone = "catalog.switchyard.invalid."
notify = ["127.0.0.1:5301"]
allow_transfer = [{ network = "127.0.0.0/8" }]
"#;
        assert_eq!(problems(text), Vec::<String>::new());
        let config: Config = toml::from_str(text).unwrap();
        assert!(config.zones["example.org."].is_secondary());
        assert_eq!(
            config.zones["example.com."].dnssec.as_ref().unwrap().denial,
            super::Denial::Nsec
        );
    }

    #[test]
    fn unknown_keys_in_the_table_are_errors() {
        let error = toml::from_str::<Config>("[zones.\"a.\"]\nfile = \"a\"\nbogus = 1\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("bogus"), "{error}");
    }

    #[test]
    fn meaning_errors_name_their_key() {
        let found = problems(
            "[zones.\"a.\"]\nnotify = [\"x\"]\nallow_transfer = [{}, { key = \"nope\" }]\n\
             [zones.\"b.\"]\nfile = \"b\"\nkey = \"t\"\nprimary = \"nope\"\nserial = \"unixtime\"\n\
             [tsig.t]\nsecret = \"a\"\nsecret_file = \"f\"\n",
        );
        assert_eq!(
            found,
            [
                "zones.\"a.\": a zone needs `file` (its zone file) or `primary` (to transfer it from)",
                "zones.\"a.\".notify[0]: \"x\" is not an address with a port (e.g. 192.0.2.1:53)",
                "zones.\"a.\".allow_transfer[0]: give a network, a key or both (an empty entry would allow everyone)",
                "zones.\"a.\".allow_transfer[1].key: no key named \"nope\" in [tsig]",
                "zones.\"b.\".primary: \"nope\" is not an address with a port (e.g. 192.0.2.1:53)",
                "zones.\"b.\".serial: a secondary zone keeps its primary's serial",
                "tsig.t: give exactly one of secret or secret_file",
            ]
        );
    }
}
