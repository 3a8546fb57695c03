//! One loaded and verified MaxMind DB file: its mapped bytes, the crate's reader over them, the
//! jump tables into its search tree, and the survey of its records; and the lookup the query
//! path makes in it, through the tables and the per-thread cache of decoded records.

use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{LookupResult, Reader};
use serde::Deserialize;

use super::cache;
use super::database::GeoError;
use super::mapped::{DatabaseBytes, FileVersion};
use super::survey::Survey;
use super::tree_index::{self, Ipv4Index, Ipv6Index};
use super::verify::{Role, check};

pub(super) struct Source {
    /// The file's mapped bytes, shared with `reader`; the search tree is read from them directly.
    bytes: DatabaseBytes,
    pub(super) reader: Reader<DatabaseBytes>,
    /// Where IPv4 lookups start, when the tree has an IPv4 subtree.
    ipv4_index: Option<Ipv4Index>,
    /// Where IPv6 lookups start, in an IPv6 database.
    ipv6_index: Option<Ipv6Index>,
    /// The file's path, or the role for a database given as bytes.
    pub(super) name: String,
    /// The mapped file and its version when opened (none for a database given as bytes).
    file: Option<(PathBuf, FileVersion)>,
    pub(super) survey: Survey,
    ipv4_only: bool,
    /// Distinguishes this database's records in the per-thread cache of decoded places.
    id: u64,
}

impl Source {
    pub(super) fn open(path: &Path, role: Role) -> Result<Source, GeoError> {
        let file = path.display().to_string();
        let read_error = |source| GeoError::Read {
            file: file.clone(),
            source,
        };
        let opened = File::open(path).map_err(read_error)?;
        // The metadata of the file opened, not of whatever the path names a moment later.
        let metadata = opened.metadata().map_err(read_error)?;
        // A FIFO or a device such as /dev/zero would block or never end.
        if !metadata.is_file() {
            return Err(GeoError::NotAFile { file });
        }
        if metadata.len() == 0 {
            return Err(GeoError::Empty { file });
        }
        let bytes = DatabaseBytes::map(&opened).map_err(read_error)?;
        let version = FileVersion::of(&metadata);
        let mut source = Source::load(bytes, file, role)?;
        source.file = Some((path.to_path_buf(), version));
        Ok(source)
    }

    pub(super) fn from_bytes(bytes: &[u8], file: String, role: Role) -> Result<Source, GeoError> {
        if bytes.is_empty() {
            return Err(GeoError::Empty { file });
        }
        let bytes = DatabaseBytes::copy_of(bytes).map_err(|source| GeoError::Read {
            file: file.clone(),
            source,
        })?;
        Source::load(bytes, file, role)
    }

    fn load(bytes: DatabaseBytes, file: String, role: Role) -> Result<Source, GeoError> {
        let survey = check(&bytes, &file, role)?;
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
            file: None,
            survey,
            ipv4_only,
            id: cache::next_database_id(),
        })
    }

    /// Whether the mapped file was written into since it was opened (see [`super::mapped`]).
    pub(super) fn rewritten_in_place(&self) -> bool {
        self.file
            .as_ref()
            .is_some_and(|(path, version)| version.rewritten_in_place(path))
    }

    /// What `convert` makes of the record for `ip` (decoded as `R`), and the prefix length of
    /// the network that matched, in `ip`'s own family. The network is found through the jump
    /// tables where the database has them, and decoded records are kept per thread (see
    /// [`cache`]). No allocation on a verified database.
    #[inline]
    pub(super) fn lookup_cached<'a, R: Deserialize<'a>, T: cache::Cached>(
        &'a self,
        ip: IpAddr,
        convert: impl Fn(R) -> Option<T>,
    ) -> (Option<T>, u8) {
        let tree: &[u8] = &self.bytes;
        let found = match (ip, &self.ipv4_index, &self.ipv6_index) {
            (IpAddr::V4(v4), Some(index), _) => Some(index.find(tree, u32::from(v4))),
            (IpAddr::V6(v6), _, Some(index)) => Some(index.find(tree, u128::from(v6))),
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
        read: impl FnOnce(&LookupResult<'a, DatabaseBytes>) -> Option<T>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::tests::geoip_file;

    /// The line of /proc/self/maps whose address range holds `address`.
    fn mapping_of(address: usize) -> Option<String> {
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        maps.lines()
            .find(|line| {
                let range = line.split_whitespace().next().unwrap_or("");
                let (start, end) = range.split_once('-').unwrap_or(("", ""));
                let start = usize::from_str_radix(start, 16).unwrap_or(usize::MAX);
                let end = usize::from_str_radix(end, 16).unwrap_or(0);
                (start..end).contains(&address)
            })
            .map(str::to_string)
    }

    #[test]
    fn a_database_file_is_mapped_not_copied() {
        let path = std::fs::canonicalize(geoip_file("example-city.mmdb")).unwrap();
        let source = Source::open(&path, Role::Place).unwrap();
        let line = mapping_of(source.bytes.as_ptr() as usize).expect("the bytes are mapped");
        assert!(line.ends_with(path.to_str().unwrap()), "{line}");
        // Read-only and shared with the page cache.
        assert_eq!(line.split_whitespace().nth(1), Some("r--s"), "{line}");
        // A database given as bytes: an anonymous copy, read-only too.
        let bytes = std::fs::read(&path).unwrap();
        let copy = Source::from_bytes(&bytes, "bytes".to_string(), Role::Place).unwrap();
        let line = mapping_of(copy.bytes.as_ptr() as usize).expect("the copy is mapped");
        assert!(!line.contains("example-city"), "{line}");
        assert_eq!(line.split_whitespace().nth(1), Some("r--p"), "{line}");
    }
}
