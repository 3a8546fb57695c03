//! The GeoIP databases: a City or Country database (GeoIP2, GeoLite2, DB-IP, ip-location-db)
//! and an optional ASN database, mapped and checked completely when loaded so that a lookup on
//! the query path cannot meet a corrupt record, and then looked up without allocating; what
//! they cannot serve (a field no record has) is an error naming the file.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;

use super::cache::Place;
use super::location::Location;
use super::record::{AsnRecord, PlaceRecord};
use super::source::Source;
use super::survey::PlaceField;
use super::verify::Role;

/// A database that cannot be used; every variant names the file (or, for bytes, the role).
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("{file}: cannot read GeoIP database: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: not a regular file")]
    NotAFile { file: String },
    #[error("{file}: file is empty, expected a MaxMind DB (.mmdb) database")]
    Empty { file: String },
    #[error(
        "{file}: not a MaxMind DB (.mmdb) database: no metadata marker in its last 128 KiB \
         (truncated, or another format such as CSV or the legacy GeoIP .dat)"
    )]
    NotMaxMindDb { file: String },
    #[error("{file}: corrupt MaxMind DB database: {reason}")]
    Corrupt { file: String, reason: String },
    #[error("{file}: database type {database_type:?} cannot be the {role}: expected {expected}")]
    WrongType {
        file: String,
        database_type: String,
        role: &'static str,
        expected: &'static str,
    },
    #[error("{file}: the record for {network} is not in the {layout} layout: {reason}")]
    Layout {
        file: String,
        network: String,
        layout: &'static str,
        reason: String,
    },
    #[error("{file}: no record has {wanted} ({found})")]
    NothingToRead {
        file: String,
        wanted: &'static str,
        found: String,
    },
    #[error("{file}: no record has {field} ({found}), which {needed_by} needs")]
    MissingField {
        file: String,
        field: PlaceField,
        found: String,
        needed_by: String,
    },
}

/// The fields steering uses of a decoded City/Country record.
fn place_of(record: PlaceRecord<'_>) -> Option<Place> {
    Some(Place {
        continent: record.continent(),
        country: record.country(),
        subdivision: record.subdivision(),
        coordinates: record.coordinates(),
    })
}

/// The City/Country database and the optional ASN database, loaded and verified.
/// Cheap to share (`Send + Sync`); publish a new one by swapping an `Arc`.
pub struct GeoDatabase {
    place: Source,
    asn: Option<Source>,
}

impl GeoDatabase {
    /// Maps and verifies `database` (City or Country) and `asn_database`. Every kind of
    /// corruption, a file that is not an MMDB, a database of the wrong type, or one whose records
    /// hold nothing steering reads is an error here.
    pub fn open(database: &Path, asn_database: Option<&Path>) -> Result<GeoDatabase, GeoError> {
        let place = Source::open(database, Role::Place)?;
        let asn = asn_database
            .map(|path| Source::open(path, Role::Asn))
            .transpose()?;
        Ok(GeoDatabase { place, asn })
    }

    /// As [`GeoDatabase::open`], from the files' bytes (fuzzing, tests, embedded databases).
    /// Errors name the role ("City/Country database", "ASN database") instead of a file.
    pub fn from_bytes(database: Vec<u8>, asn: Option<Vec<u8>>) -> Result<GeoDatabase, GeoError> {
        let place = Source::from_bytes(&database, Role::Place.name().to_string(), Role::Place)?;
        drop(database);
        let asn = asn
            .map(|bytes| Source::from_bytes(&bytes, Role::Asn.name().to_string(), Role::Asn))
            .transpose()?;
        Ok(GeoDatabase { place, asn })
    }

    /// Where `ip` is. Never panics and never allocates; an address in no network, or a record
    /// that does not decode, gives a location without data (the prefix lengths are still set).
    pub fn locate(&self, ip: IpAddr) -> Location {
        let mut location = Location::default();
        let (place, prefix_len) = self.place.lookup_cached(ip, place_of);
        location.prefix_len = prefix_len;
        if let Some(place) = place {
            location.continent = place.continent;
            location.country = place.country;
            location.subdivision = place.subdivision;
            location.coordinates = place.coordinates;
        }
        if let Some(asn) = &self.asn {
            let (asn_number, prefix_len) =
                asn.lookup_cached(ip, |record: AsnRecord| record.autonomous_system_number);
            location.asn_prefix_len = prefix_len;
            location.asn = asn_number;
        }
        location
    }

    /// An error naming the City/Country database when none of its records has `field`, which
    /// `needed_by` (a rule or policy, e.g. `services[0].geo."subdivision:US-WA"`) needs: such a
    /// rule could never match, and every client would silently get the default answer.
    pub fn require(&self, field: PlaceField, needed_by: &str) -> Result<(), GeoError> {
        if self.place.survey.count(field) > 0 {
            return Ok(());
        }
        Err(GeoError::MissingField {
            file: self.place.name.clone(),
            field,
            found: self.place.survey.to_string(),
            needed_by: needed_by.to_string(),
        })
    }

    /// What an operator should know about the databases that does not stop them from serving:
    /// an address family without data (ip-location-db ships IPv4 and IPv6 as separate files,
    /// and Switchyard reads one), each as `file: message`.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        for source in std::iter::once(&self.place).chain(&self.asn) {
            let survey = &source.survey;
            for (held, family) in [(survey.ipv4_data, "IPv4"), (survey.ipv6_data, "IPv6")] {
                if !held {
                    warnings.push(format!(
                        "{}: no {family} network has data: {family} clients are not located \
                         (only net: and default rules apply to them)",
                        source.name
                    ));
                }
            }
        }
        warnings
    }

    /// The mapped files that were written into since they were loaded, instead of being
    /// replaced by rename, each as `file: message` (see [`super::mapped`]).
    pub fn rewritten_in_place(&self) -> Vec<String> {
        std::iter::once(&self.place)
            .chain(&self.asn)
            .filter(|source| source.rewritten_in_place())
            .map(|source| {
                format!(
                    "{}: the file was written into while loaded (same inode, new size or \
                     modification time); replace GeoIP databases by renaming a complete new \
                     file over the old one (mv), never by writing into it (cp, curl -o): the \
                     loaded copy is a mapping of the file, and truncating it crashes the server",
                    source.name
                )
            })
            .collect()
    }

    /// `database_type` of the City/Country database, e.g. "GeoLite2-City".
    pub fn database_type(&self) -> &str {
        &self.place.reader.metadata().database_type
    }

    /// `database_type` of the ASN database, when one is loaded.
    pub fn asn_database_type(&self) -> Option<&str> {
        Some(&self.asn.as_ref()?.reader.metadata().database_type)
    }

    /// `build_epoch` of the City/Country database (seconds since 1970).
    pub fn build_epoch(&self) -> u64 {
        self.place.reader.metadata().build_epoch
    }
}

impl fmt::Debug for GeoDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeoDatabase")
            .field("database", &self.place.name)
            .field("database_type", &self.database_type())
            .field("asn_database", &self.asn.as_ref().map(|asn| &asn.name))
            .field("asn_database_type", &self.asn_database_type())
            .finish()
    }
}
