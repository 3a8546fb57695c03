//! The GeoIP databases: a City or Country database (GeoIP2, GeoLite2, DB-IP) and an optional ASN
//! database, checked completely when loaded so that a lookup on the query path cannot meet a
//! corrupt record, and then looked up without allocating.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use maxminddb::{LookupResult, Reader};
use serde::Deserialize;

use super::cache::{self, Place};
use super::location::Location;
use super::record::{AsnRecord, CheckedRecord, PlaceRecord};
use super::tree::{RecordNetwork, check_search_tree};
use super::tree_index::{self, Ipv4Index, Ipv6Index};

/// The marker that starts the metadata section of every MaxMind DB file.
const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";
/// The MaxMind DB format puts the metadata section, marker included, in the last 128 KiB.
const METADATA_MAX_LEN: usize = 128 * 1024;

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
}

/// Which database a file is loaded as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Place,
    Asn,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Place => "City/Country database",
            Role::Asn => "ASN database",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Role::Place => {
                "a GeoIP2, GeoLite2 or DB-IP City or Country database \
                 (database_type containing \"City\", \"Country\" or \"Enterprise\")"
            }
            Role::Asn => {
                "a GeoLite2/DB-IP ASN or GeoIP2 ISP database \
                 (database_type containing \"ASN\" or \"ISP\")"
            }
        }
    }

    fn layout(self) -> &'static str {
        match self {
            Role::Place => "GeoIP2 City/Country",
            Role::Asn => "GeoIP2 ASN",
        }
    }

    fn accepts(self, database_type: &str) -> bool {
        let database_type = database_type.to_ascii_lowercase();
        let words: &[&str] = match self {
            Role::Place => &["city", "country", "enterprise"],
            Role::Asn => &["asn", "isp"],
        };
        words.iter().any(|word| database_type.contains(word))
    }
}

/// One loaded and verified MaxMind DB file.
struct Source {
    /// The file's bytes, shared with `reader`; the search tree is read from them directly.
    bytes: Arc<[u8]>,
    reader: Reader<Arc<[u8]>>,
    /// Where IPv4 lookups start, when the tree has an IPv4 subtree.
    ipv4_index: Option<Ipv4Index>,
    /// Where IPv6 lookups start, in an IPv6 database.
    ipv6_index: Option<Ipv6Index>,
    /// The file's path, or the role for a database given as bytes.
    name: String,
    ipv4_only: bool,
    /// Distinguishes this database's records in the per-thread cache of decoded places.
    id: u64,
}

impl Source {
    fn open(path: &Path, role: Role) -> Result<Source, GeoError> {
        let file = path.display().to_string();
        let read_error = |source| GeoError::Read {
            file: file.clone(),
            source,
        };
        // A FIFO or a device such as /dev/zero would block or never end.
        if !std::fs::metadata(path).map_err(read_error)?.is_file() {
            return Err(GeoError::NotAFile { file });
        }
        let bytes = std::fs::read(path).map_err(read_error)?;
        Source::from_bytes(bytes, file, role)
    }

    fn from_bytes(bytes: Vec<u8>, file: String, role: Role) -> Result<Source, GeoError> {
        check(&bytes, &file, role)?;
        let bytes: Arc<[u8]> = bytes.into();
        let reader = Reader::from_source(bytes.clone()).map_err(|error| GeoError::Corrupt {
            file: file.clone(),
            reason: error.to_string(),
        })?;
        let metadata = reader.metadata();
        let ipv4_only = metadata.ip_version == 4;
        let (record_size, node_count) = (metadata.record_size, metadata.node_count);
        let ipv4_index =
            tree_index::ipv4_start(&bytes, record_size, node_count, metadata.ip_version)
                .and_then(|start| Ipv4Index::build(&bytes, record_size, node_count, start));
        let ipv6_index = (metadata.ip_version == 6)
            .then(|| Ipv6Index::build(&bytes, record_size, node_count, 0))
            .flatten();
        Ok(Source {
            bytes,
            reader,
            ipv4_index,
            ipv6_index,
            name: file,
            ipv4_only,
            id: cache::next_database_id(),
        })
    }

    /// What `convert` makes of the record for `ip` (decoded as `R`), and the prefix length of
    /// the network that matched, in `ip`'s own family. The network is found through the jump
    /// tables where the database has them, and decoded records are kept per thread (see
    /// [`cache`]). No allocation on a verified database.
    #[inline]
    fn lookup_cached<'a, R: Deserialize<'a>, T: cache::Cached>(
        &'a self,
        ip: IpAddr,
        convert: impl Fn(R) -> Option<T>,
    ) -> (Option<T>, u8) {
        let found = match (ip, &self.ipv4_index, &self.ipv6_index) {
            (IpAddr::V4(v4), Some(index), _) => Some(index.find(&self.bytes, u32::from(v4))),
            (IpAddr::V6(v6), _, Some(index)) => Some(index.find(&self.bytes, u128::from(v6))),
            _ => None,
        };
        if let Some((record, prefix_len)) = found {
            // Records up to node_count mean "no data"; data pointers start 16 bytes (the
            // separator) past the tree, as in the reader's own lookup.
            let node_count = self.reader.metadata().node_count;
            let offset = record
                .checked_sub(node_count)
                .and_then(|r| r.checked_sub(16));
            let Some(offset) = offset.filter(|_| record > node_count) else {
                return (None, prefix_len);
            };
            let decode = || {
                let result = self.reader.lookup(ip).ok()?;
                convert(result.decode::<R>().ok().flatten()?)
            };
            return (cache::get(self.id, offset as usize, decode), prefix_len);
        }
        self.lookup_with(ip, |result| {
            let decode = || convert(result.decode::<R>().ok().flatten()?);
            match result.offset() {
                Some(offset) => cache::get(self.id, offset, decode),
                None => decode(),
            }
        })
    }

    /// Finds the network of `ip` and reads its record with `read`.
    #[inline]
    fn lookup_with<'a, T>(
        &'a self,
        ip: IpAddr,
        read: impl FnOnce(&LookupResult<'a, Arc<[u8]>>) -> Option<T>,
    ) -> (Option<T>, u8) {
        if self.ipv4_only && ip.is_ipv6() {
            return (None, 0);
        }
        let Ok(result) = self.reader.lookup(ip) else {
            return (None, 0);
        };
        let prefix_len = match result.network() {
            // An IPv4 address that ended above the IPv4 subtree of an IPv6 database (one without
            // IPv4 data) matched a network holding all of IPv4: prefix 0 in IPv4 terms.
            Ok(network) if network.is_ipv4() == ip.is_ipv4() => network.prefix(),
            _ => 0,
        };
        (read(&result), prefix_len)
    }
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

/// Everything that can be wrong with a database, found at load time, off the query path.
fn check(bytes: &[u8], file: &str, role: Role) -> Result<(), GeoError> {
    if bytes.is_empty() {
        return Err(GeoError::Empty { file: file.into() });
    }
    let tail_start = bytes.len().saturating_sub(METADATA_MAX_LEN);
    let Some(marker_at) = bytes[tail_start..]
        .windows(METADATA_MARKER.len())
        .rposition(|window| window == METADATA_MARKER)
        .map(|position| tail_start + position)
    else {
        return Err(GeoError::NotMaxMindDb { file: file.into() });
    };
    let corrupt = |reason: String| GeoError::Corrupt {
        file: file.into(),
        reason,
    };
    // Metadata: format version, ip_version, record_size, node_count, a tree that fits.
    let reader =
        Reader::from_source(bytes).map_err(|error| corrupt(format!("metadata: {error}")))?;
    let metadata = reader.metadata();
    // Every node: pointers in range, nothing unreachable, nothing too deep.
    let records = check_search_tree(
        bytes,
        metadata.node_count,
        metadata.record_size,
        metadata.ip_version == 4,
        marker_at,
    )
    .map_err(corrupt)?;
    // The crate's verifier: the metadata value graph, the separator, and every data record in
    // full (pointers, lengths, cycles, UTF-8).
    if let Err(error) = reader.verify() {
        // Its first complaint may be a minor one (an empty description) in front of the real
        // damage; look for a record that is itself corrupt, to name it.
        for record in &records {
            if let Err(reason) = decode::<_, CheckedRecord>(&reader, record) {
                return Err(corrupt(format!("record for {record}: {reason}")));
            }
        }
        return Err(corrupt(error.to_string()));
    }
    if !role.accepts(&metadata.database_type) {
        return Err(GeoError::WrongType {
            file: file.into(),
            database_type: metadata.database_type.clone(),
            role: role.name(),
            expected: role.expected(),
        });
    }
    // Every distinct record through the query path's own types: a database of another layout
    // is an error now, not an empty location on every query.
    for record in &records {
        let result = match role {
            Role::Place => decode::<_, PlaceRecord<'_>>(&reader, record),
            Role::Asn => decode::<_, AsnRecord>(&reader, record),
        };
        if let Err(reason) = result {
            return Err(GeoError::Layout {
                file: file.into(),
                network: record.to_string(),
                layout: role.layout(),
                reason,
            });
        }
    }
    Ok(())
}

/// Looks the record of `network` up and decodes it as `T`.
fn decode<'a, S: AsRef<[u8]>, T: Deserialize<'a>>(
    reader: &'a Reader<S>,
    network: &RecordNetwork,
) -> Result<(), String> {
    let result = reader
        .lookup(network.address())
        .map_err(|error| error.to_string())?;
    match result.decode::<T>() {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("the search tree points to it but a lookup finds nothing".to_string()),
        Err(error) => Err(error.to_string()),
    }
}

/// The City/Country database and the optional ASN database, loaded and verified.
/// Cheap to share (`Send + Sync`); publish a new one by swapping an `Arc`.
pub struct GeoDatabase {
    place: Source,
    asn: Option<Source>,
}

impl GeoDatabase {
    /// Loads and verifies `database` (City or Country) and `asn_database`. Every kind of
    /// corruption, a file that is not an MMDB, or a database of the wrong type is an error here.
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
        let place = Source::from_bytes(database, Role::Place.name().to_string(), Role::Place)?;
        let asn = asn
            .map(|bytes| Source::from_bytes(bytes, Role::Asn.name().to_string(), Role::Asn))
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
