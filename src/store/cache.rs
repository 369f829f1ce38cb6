//! The per-folder metadata cache `imapd.cache`: parsed ENVELOPE, BODYSTRUCTURE and SORT keys
//! of each message file, so large folders are not re-read and re-parsed.
//!
//! An optimisation only, never the source of truth:
//! * Every entry is keyed by the file's base name (unique and immutable in Maildir) and
//!   checked against the file's size and mtime; any mismatch, unknown version or damage
//!   makes the entry (or the whole file) count as absent, and the message is parsed again.
//! * Written as a whole with write-temp / fsync / rename ([`super::atomic::replace`]), so a
//!   reader sees an old or a new file, never a torn one; each record also carries a checksum.
//! * Shared between processes: before writing, a file changed by another process is read
//!   again and its entries merged; if two writers race, the last rename wins and the other's
//!   new entries are simply recomputed later.
//! * The name has no leading dot, so it can never be a Maildir++ folder (`.name`,
//!   maildirplusplus.txt), and Courier ignores unknown files in a folder directory.
//!
//! Loading only splits the file into records; a record's checksum and summary are checked
//! and decoded when that message is asked for, so a command touching a few messages of a big
//! folder does not decode them all.
//!
//! Layout: `MAGIC`, then records `u32 length | u64 FNV-1a of the body | body`, where body is
//! `u32 name length | name | u64 size | i64 mtime seconds | u32 mtime nanoseconds |
//! summary` ([`crate::message::codec`]).

use std::collections::HashMap;
use std::fs::Metadata;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::message::codec;
use crate::message::summary::Summary;

use super::atomic;

/// The cache file's name inside a folder directory.
pub const FILE_NAME: &str = "imapd.cache";

/// First bytes of a cache file (the trailing digit is the layout version).
const MAGIC: &[u8] = b"imapd-cache 1\n";

/// Largest cache file read (a damaged length must not make us allocate without bound).
const MAX_FILE: u64 = 1 << 32;

/// What identifies one version of a message file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
    /// Nanoseconds of the modification time.
    pub mtime_nsec: u32,
}

impl FileId {
    /// The identity of a file from its metadata.
    pub fn of(m: &Metadata) -> Self {
        FileId {
            size: m.len(),
            mtime: m.mtime(),
            mtime_nsec: m.mtime_nsec().clamp(0, 999_999_999) as u32,
        }
    }
}

/// One message's cache entry: its record as read from the file (checked and decoded only
/// when asked for), or a summary in memory.
#[derive(Debug, Clone)]
enum Body {
    /// The `summary` part of a record as read (checksum not yet verified).
    Raw {
        record: Arc<[u8]>,
        sum: u64,
        at: usize,
    },
    /// Decoded or freshly computed.
    Parsed(Arc<Summary>),
}

#[derive(Debug, Clone)]
struct Entry {
    id: FileId,
    body: Body,
}

/// The cache of one folder, loaded on first use.
#[derive(Debug)]
pub struct FolderCache {
    folder: PathBuf,
    entries: HashMap<String, Entry>,
    /// Identity of the cache file when we last read or wrote it.
    seen: Option<FileId>,
    loaded: bool,
    dirty: bool,
}

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn read_u32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

fn read_u64(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

/// The name and identity of one record body; the summary stays undecoded.
fn record(body: &[u8], sum: u64) -> Option<(String, Entry)> {
    let n = read_u32(body, 0)? as usize;
    let name = std::str::from_utf8(body.get(4..4 + n)?).ok()?.to_owned();
    let at = 4 + n;
    let id = FileId {
        size: read_u64(body, at)?,
        mtime: read_u64(body, at + 8)? as i64,
        mtime_nsec: read_u32(body, at + 16)?,
    };
    body.get(at + 20..)?;
    Some((
        name,
        Entry {
            id,
            body: Body::Raw {
                record: body.into(),
                sum,
                at: at + 20,
            },
        },
    ))
}

/// Splits a whole cache file into records; a truncated tail is dropped, a wrong magic gives
/// nothing. Checksums and summaries are checked when an entry is used ([`decode`]).
fn parse(data: &[u8]) -> HashMap<String, Entry> {
    let mut out = HashMap::new();
    let Some(mut rest) = data.strip_prefix(MAGIC) else {
        return out;
    };
    while rest.len() >= 12 {
        let (Some(len), Some(sum)) = (read_u32(rest, 0), read_u64(rest, 4)) else {
            break;
        };
        let Some(body) = rest.get(12..12 + len as usize) else {
            break; // truncated: keep what came before
        };
        if let Some((name, e)) = record(body, sum) {
            out.insert(name, e);
        }
        rest = &rest[12 + len as usize..];
    }
    out
}

/// The summary of an entry, verifying and decoding a raw record (`None` if damaged).
fn decode(body: &Body) -> Option<Arc<Summary>> {
    match body {
        Body::Parsed(s) => Some(s.clone()),
        Body::Raw { record, sum, at } => {
            if fnv1a(record) != *sum {
                return None;
            }
            codec::decode(&record[*at..]).map(Arc::new)
        }
    }
}

fn serialise(entries: &HashMap<String, Entry>) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let mut names: Vec<&String> = entries.keys().collect();
    names.sort_unstable();
    let mut body = Vec::new();
    for name in names {
        let e = &entries[name];
        match &e.body {
            // records read from disk are copied as they are (their checksum with them)
            Body::Raw { record, sum, .. } => {
                out.extend_from_slice(&(record.len() as u32).to_le_bytes());
                out.extend_from_slice(&sum.to_le_bytes());
                out.extend_from_slice(record);
            }
            Body::Parsed(summary) => {
                body.clear();
                body.extend_from_slice(&(name.len() as u32).to_le_bytes());
                body.extend_from_slice(name.as_bytes());
                body.extend_from_slice(&e.id.size.to_le_bytes());
                body.extend_from_slice(&e.id.mtime.to_le_bytes());
                body.extend_from_slice(&e.id.mtime_nsec.to_le_bytes());
                codec::encode(summary, &mut body);
                out.extend_from_slice(&(body.len() as u32).to_le_bytes());
                out.extend_from_slice(&fnv1a(&body).to_le_bytes());
                out.extend_from_slice(&body);
            }
        }
    }
    out
}

impl FolderCache {
    /// The cache of the folder directory `folder` (nothing is read until first use).
    pub fn new(folder: &Path) -> Self {
        FolderCache {
            folder: folder.to_owned(),
            entries: HashMap::new(),
            seen: None,
            loaded: false,
            dirty: false,
        }
    }

    /// The folder directory this cache belongs to.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn path(&self) -> PathBuf {
        self.folder.join(FILE_NAME)
    }

    /// Reads the file from disk (a missing or unreadable file is an empty cache).
    fn read(&self) -> (HashMap<String, Entry>, Option<FileId>) {
        let path = self.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            return (HashMap::new(), None);
        };
        if meta.len() > MAX_FILE {
            return (HashMap::new(), None);
        }
        match std::fs::read(&path) {
            Ok(data) => (parse(&data), Some(FileId::of(&meta))),
            Err(_) => (HashMap::new(), None),
        }
    }

    fn load(&mut self) {
        if !self.loaded {
            let (entries, seen) = self.read();
            self.entries = entries;
            self.seen = seen;
            self.loaded = true;
        }
    }

    /// The cached summary of the file `base` if the entry matches the file's identity.
    pub fn get(&mut self, base: &str, id: FileId) -> Option<Arc<Summary>> {
        self.load();
        let e = self.entries.get_mut(base).filter(|e| e.id == id)?;
        match decode(&e.body) {
            Some(s) => {
                e.body = Body::Parsed(s.clone());
                Some(s)
            }
            None => {
                // damaged: forget it (the caller parses the message and offers it again)
                self.entries.remove(base);
                None
            }
        }
    }

    /// Records the summary of the file `base` (written at the next [`FolderCache::flush`]).
    pub fn put(&mut self, base: &str, id: FileId, summary: Arc<Summary>) {
        self.load();
        self.entries.insert(
            base.to_owned(),
            Entry {
                id,
                body: Body::Parsed(summary),
            },
        );
        self.dirty = true;
    }

    /// True if entries were added since the last write.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Writes the cache if it changed, keeping only entries for which `live` is true, and
    /// merging entries another process wrote meanwhile.
    pub fn flush(&mut self, live: impl Fn(&str) -> bool) -> io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let on_disk = std::fs::metadata(self.path()).ok().map(|m| FileId::of(&m));
        if on_disk.is_some() && on_disk != self.seen {
            let (theirs, _) = self.read();
            for (name, e) in theirs {
                self.entries.entry(name).or_insert(e);
            }
        }
        self.entries.retain(|name, _| live(name));
        let data = serialise(&self.entries);
        let tmp = self.folder.join("tmp");
        atomic::replace(&tmp, "imapdcache", &self.path(), &data)?;
        self.seen = std::fs::metadata(self.path()).ok().map(|m| FileId::of(&m));
        self.dirty = false;
        Ok(())
    }
}

impl Drop for FolderCache {
    /// Best effort: entries computed since the last flush are written (nothing is lost if
    /// this fails; they are recomputed later).
    fn drop(&mut self) {
        let _ = self.flush(|_| true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn summary(text: &[u8]) -> Arc<Summary> {
        Arc::new(Summary::of(&Message::parse(text)))
    }

    const ID: FileId = FileId {
        size: 10,
        mtime: 5,
        mtime_nsec: 7,
    };

    #[test]
    fn round_trip_identity_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        let s = summary(b"Subject: hi\n\nbody\n");
        {
            let mut c = FolderCache::new(dir.path());
            assert!(c.get("a", ID).is_none());
            c.put("a", ID, s.clone());
            c.put("gone", ID, s.clone());
            c.flush(|n| n != "gone").unwrap();
            assert!(!c.is_dirty());
        }
        let mut c = FolderCache::new(dir.path());
        assert_eq!(c.get("a", ID).as_deref(), Some(&*s));
        assert!(c.get("gone", ID).is_none());
        // a different size or mtime is a miss
        assert!(c.get("a", FileId { size: 11, ..ID }).is_none());
        assert!(c.get("a", FileId { mtime: 6, ..ID }).is_none());
        // a flipped byte in the record: the checksum rejects it
        let path = dir.path().join(FILE_NAME);
        let mut data = std::fs::read(&path).unwrap();
        let last = data.len() - 3;
        data[last] ^= 0xff;
        std::fs::write(&path, &data).unwrap();
        assert!(FolderCache::new(dir.path()).get("a", ID).is_none());
        // garbage and truncations never panic
        for cut in 0..data.len() {
            let _ = parse(&data[..cut]);
        }
        std::fs::write(&path, b"nonsense").unwrap();
        assert!(FolderCache::new(dir.path()).get("a", ID).is_none());
    }

    #[test]
    fn merges_what_another_process_wrote() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        let s = summary(b"Subject: x\n\n");
        let mut one = FolderCache::new(dir.path());
        let mut two = FolderCache::new(dir.path());
        assert!(one.get("a", ID).is_none());
        assert!(two.get("b", ID).is_none());
        one.put("a", ID, s.clone());
        one.flush(|_| true).unwrap();
        two.put("b", ID, s.clone());
        two.flush(|_| true).unwrap();
        let mut three = FolderCache::new(dir.path());
        assert!(three.get("a", ID).is_some());
        assert!(three.get("b", ID).is_some());
    }
}
