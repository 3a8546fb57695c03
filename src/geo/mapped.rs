//! The bytes of a loaded database: a read-only mapping of its file, so that a database costs its
//! file size once, in the page cache, shared with every process that reads the same file, and
//! loading it needs no second copy. Also what identifies the mapped version of the file, to tell
//! an operator when a file was rewritten in place under the mapping.
//!
//! Replacing a database must be done by renaming a new file over the old one (`mv`, as
//! `geoipupdate` does): the mapping keeps the old file (its inode) alive until the database is
//! dropped, and a reload maps the new one. Writing into the mapped file instead (`cp` over it,
//! `curl -o` to its path) changes what running lookups read, and truncating it makes reads past
//! its new end fault (SIGBUS) — the same contract as libmaxminddb's `MMDB_MODE_MMAP`, which
//! gdnsd, nginx and PowerDNS use. A reload that finds the mapped file rewritten in place warns.

use std::fs::File;
use std::ops::Deref;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use memmap2::{Mmap, MmapMut};

/// A database's bytes, cheap to clone (shared by the reader and our own tree walk).
#[derive(Clone)]
pub(super) struct DatabaseBytes(Arc<Mmap>);

impl DatabaseBytes {
    /// Maps the whole of `file` read-only.
    pub(super) fn map(file: &File) -> std::io::Result<DatabaseBytes> {
        // SAFETY: the mapping is read-only and never written through. Its contents change only
        // if another process writes into this very file while it is mapped, which the module
        // documentation rules out (replace by rename) and a reload detects
        // (`FileVersion::rewritten_in_place`); lookups bound every index by the mapping's length.
        let map = unsafe { Mmap::map(file)? };
        Ok(DatabaseBytes(Arc::new(map)))
    }

    /// An anonymous read-only mapping holding a copy of `bytes` (a database given as bytes).
    /// `bytes` must not be empty.
    pub(super) fn copy_of(bytes: &[u8]) -> std::io::Result<DatabaseBytes> {
        let mut map = MmapMut::map_anon(bytes.len())?;
        map.copy_from_slice(bytes);
        Ok(DatabaseBytes(Arc::new(map.make_read_only()?)))
    }
}

impl Deref for DatabaseBytes {
    type Target = [u8];

    #[inline(always)]
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for DatabaseBytes {
    #[inline(always)]
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// One version of a file: its device and inode, size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FileVersion {
    device: u64,
    inode: u64,
    size: u64,
    modified: (i64, i64),
}

impl FileVersion {
    pub(super) fn of(metadata: &std::fs::Metadata) -> FileVersion {
        FileVersion {
            device: metadata.dev(),
            inode: metadata.ino(),
            size: metadata.len(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
        }
    }

    /// Whether the file now at `path` is the mapped one (same device and inode) with another
    /// size or modification time: written into, not replaced by rename.
    pub(super) fn rewritten_in_place(&self, path: &Path) -> bool {
        let Ok(metadata) = std::fs::metadata(path) else {
            return false;
        };
        let now = FileVersion::of(&metadata);
        (now.device, now.inode) == (self.device, self.inode) && now != *self
    }
}
