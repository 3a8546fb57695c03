//! Everything that can be wrong with a database, found at load time, off the query path: not a
//! MaxMind DB, corrupt metadata, tree or data, the wrong type for its role, records in another
//! layout, or records that hold nothing steering reads. A database that passes cannot make a
//! lookup meet a corrupt record. Also the [`Survey`] of what its records hold.

use maxminddb::Reader;
use serde::Deserialize;

use super::database::GeoError;
use super::record::{AsnRecord, CheckedRecord, PlaceRecord, TopLevelKeys, with_check_budget};
use super::survey::Survey;
use super::tree::{RecordNetwork, check_search_tree};

/// The marker that starts the metadata section of every MaxMind DB file.
const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";
/// The MaxMind DB format puts the metadata section, marker included, in the last 128 KiB.
const METADATA_MAX_LEN: usize = 128 * 1024;

/// Which database a file is loaded as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    Place,
    Asn,
}

impl Role {
    pub(super) fn name(self) -> &'static str {
        match self {
            Role::Place => "City/Country database",
            Role::Asn => "ASN database",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Role::Place => {
                "a GeoIP2, GeoLite2, DB-IP or ip-location-db City or Country database \
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
            Role::Place => "GeoIP2 City/Country or ip-location-db",
            Role::Asn => "GeoIP2 ASN",
        }
    }

    /// What a record must have for the database to be of any use in this role.
    fn wanted(self) -> &'static str {
        match self {
            Role::Place => {
                "a continent, country, subdivision or coordinates where Switchyard reads them \
                 (GeoIP2, GeoLite2, DB-IP: continent.code, country.iso_code, \
                 subdivisions[].iso_code, location.latitude/longitude; ip-location-db: \
                 country_code, latitude, longitude)"
            }
            Role::Asn => "an autonomous_system_number",
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

/// Checks `bytes` completely as a database of `role` and surveys its records.
pub(super) fn check(bytes: &[u8], file: &str, role: Role) -> Result<Survey, GeoError> {
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
    // Every node: pointers in range, nothing unreachable, nothing too deep; the separator.
    let tree = check_search_tree(
        bytes,
        metadata.node_count,
        metadata.record_size,
        metadata.ip_version == 4,
        marker_at,
    )
    .map_err(corrupt)?;
    check_data(&reader, &tree.records, marker_at).map_err(corrupt)?;
    if !role.accepts(&metadata.database_type) {
        return Err(GeoError::WrongType {
            file: file.into(),
            database_type: metadata.database_type.clone(),
            role: role.name(),
            expected: role.expected(),
        });
    }
    let mut survey = survey(&reader, &tree.records, file, role)?;
    survey.ipv4_data = tree.ipv4_data;
    survey.ipv6_data = tree.ipv6_data;
    let useful = match role {
        Role::Place => survey.locates_anything(),
        Role::Asn => survey.asn > 0,
    };
    if !useful {
        return Err(GeoError::NothingToRead {
            file: file.into(),
            wanted: role.wanted(),
            found: survey.to_string(),
        });
    }
    Ok(survey)
}

/// The data section: every record the tree points to decodes in full (pointers, lengths,
/// cycles, UTF-8). The crate's verifier checks it, and the metadata's own value graph, unless
/// the metadata `description` is empty: the format allows that (libmaxminddb and the other
/// readers accept it; ip-location-db's databases have one) but the crate's verifier stops there,
/// so every record is then checked here, value by value. When the crate's verifier fails, the
/// records are checked here as well, to name the damaged one.
fn check_data(
    reader: &Reader<&[u8]>,
    records: &[RecordNetwork],
    data_end: usize,
) -> Result<(), String> {
    let crate_verdict = (!reader.metadata().description.is_empty()).then(|| reader.verify());
    if let Some(Ok(())) = crate_verdict {
        return Ok(());
    }
    // Sixteen values per byte of the file is far beyond what shared names make of a real
    // database, and bounds what a crafted one can cost.
    let budget = (data_end as u64).max(1 << 20).saturating_mul(16);
    with_check_budget(budget, || {
        for record in records {
            decode::<CheckedRecord>(reader, record)
                .map_err(|reason| format!("record for {record}: {reason}"))?;
        }
        Ok::<(), String>(())
    })?;
    match crate_verdict {
        Some(Err(error)) => Err(error.to_string()),
        _ => Ok(()),
    }
}

/// Every distinct record through the query path's own types (a database of another layout is
/// an error now, not an empty location on every query), counting what the records hold.
fn survey(
    reader: &Reader<&[u8]>,
    records: &[RecordNetwork],
    file: &str,
    role: Role,
) -> Result<Survey, GeoError> {
    let mut survey = Survey::default();
    for record in records {
        if survey.wants_keys()
            && let Ok(TopLevelKeys(keys)) = decode::<TopLevelKeys>(reader, record)
        {
            survey.add_keys(keys);
        }
        let counted = match role {
            Role::Place => {
                decode::<PlaceRecord<'_>>(reader, record).map(|place| survey.add_place(&place))
            }
            Role::Asn => decode::<AsnRecord>(reader, record)
                .map(|asn| survey.add_asn(asn.autonomous_system_number)),
        };
        if let Err(reason) = counted {
            return Err(GeoError::Layout {
                file: file.into(),
                network: record.to_string(),
                layout: role.layout(),
                reason,
            });
        }
    }
    Ok(survey)
}

/// Looks the record of `network` up and decodes it as `T`.
fn decode<'a, T: Deserialize<'a>>(
    reader: &'a Reader<&[u8]>,
    network: &RecordNetwork,
) -> Result<T, String> {
    let result = reader
        .lookup(network.address())
        .map_err(|error| error.to_string())?;
    match result.decode::<T>() {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err("the search tree points to it but a lookup finds nothing".to_string()),
        Err(error) => Err(error.to_string()),
    }
}
