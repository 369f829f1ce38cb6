//! The per-folder metadata cache `imapd.cache`: parsed ENVELOPE, BODYSTRUCTURE and SORT keys
//! of each message file, its raw header block (what `BODY[HEADER.FIELDS …]` and the
//! SEARCH header keys read, up to [`MAX_HEADER`] octets), and the answers to the
//! `BODY[HEADER.FIELDS (…)]` lists asked for last (each with its list of names: a mail
//! list view asks the same fields of every message at every sync), so large folders are not
//! re-read and re-parsed. A summary parsed from a whole file comes with its header block
//! (one record), so the cache holds both for every message a session has fetched an
//! ENVELOPE of.
//!
//! An optimisation only, never the source of truth:
//! * Every entry is keyed by the file's base name (unique and immutable in Maildir) and
//!   checked against the file's size and mtime (as the session's scan found them: no `stat`
//!   per lookup); any mismatch, unknown version or damage makes the entry (or the whole
//!   file) count as absent, and the message is parsed again.
//! * Written as a whole with write-temp / fsync / rename ([`super::atomic::replace`]), so a
//!   reader sees an old or a new file, never a torn one; each record also carries a checksum.
//! * Shared between processes: before writing, a file changed by another process is read
//!   again and its entries merged; if two writers race, the last rename wins and the other's
//!   new entries are simply recomputed later.
//! * The name has no leading dot, so it can never be a Maildir++ folder (`.name`,
//!   maildirplusplus.txt), and Courier ignores unknown files in a folder directory.
//!
//! Loading reads only the file's index (name, identity and where each part of a record is,
//! each index entry with its checksum); a part is read, its checksum checked and decoded
//! when that message is asked for, and not kept: a session holds the index, not the file
//! (at 100k messages the file is ~190 MB, its index ~14 MB). A command that walks many
//! messages reads the file through a window of [`WINDOW`] octets, not with one `pread` per
//! message; each kind of part has a section of its own, in arrival order (the order UIDs
//! are given in), so SORT reads the keys alone and BODYSTRUCTURE the texts alone.
//!
//! Layout (version 6): `MAGIC`, then `u64 count | u64 index length | u64 checksum of the
//! two`, the index, then the sections of keys, of texts, of header blocks and of picked
//! fields. The index holds `count` entries `u32 length | u64 checksum | body` (XXH3,
//! [`checksum`]), where body is `u32 name length | name | u64 size | i64 mtime seconds |
//! u32 mtime nanoseconds`, then for each of the four parts either `u32::MAX` (absent: any may be known without the
//! others) or `u32 length | u32 checksum | u64 offset` (from the end of the index, so no
//! offset can point into it). The keys and texts are the two halves of a summary's encoding
//! ([`crate::message::codec`]), the header block is the raw header, the picked fields are
//! `u8 version | (u32 key length | key | u32 answer length | answer)*`, latest first
//! ([`crate::message::section::fields_key`], [`PICKED_LISTS`]). Each part has its own
//! checksum, so a BODYSTRUCTURE reads and checks the texts alone. Files of older versions
//! do not have this magic and are ignored, then replaced.

use std::fs::{File, Metadata};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::message::codec;
use crate::message::keys::{KeyFields, SortKeys};
use crate::message::summary::{Summary, Texts};
use crate::syntax::types::EncodedItem;

use super::atomic;
use super::cache_index::CacheIndex;

/// The cache file's name inside a folder directory.
pub const FILE_NAME: &str = "imapd.cache";

/// First bytes of a cache file (the trailing digit is the layout version).
const MAGIC: &[u8] = b"imapd-cache 6\n";

/// The file's head after the magic: entry count, index length and their checksum.
const HEAD: usize = 24;

/// Largest header block kept (a file without a blank line is all header).
pub const MAX_HEADER: usize = 16 * 1024;

/// Length field of an absent summary or header.
const ABSENT: u32 = u32::MAX;

/// Largest cache file read (a damaged length must not make us allocate without bound).
const MAX_FILE: u64 = 1 << 32;

/// Largest index read (~75 times that of a folder of 100k messages).
const MAX_INDEX: u64 = 1 << 30;

/// Smallest index entry: length, checksum, an empty name, identity, every part absent.
const MIN_ENTRY: u64 = 12 + 4 + 20 + KINDS as u64 * 4;

/// Octets read at once when a part is not in the window already read ([`Window`]).
const WINDOW: usize = 128 * 1024;

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

/// Where one part of a record is (its octets stay in the file: kept open, so a rename by
/// another writer leaves them readable; neither a cache file nor a journal is ever changed
/// where it was written), and its checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    at: u64,
    len: u32,
    sum: u32,
}

/// The parts of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// The SORT/THREAD keys of the summary.
    Keys = 0,
    /// The ENVELOPE, BODYSTRUCTURE and BODY texts of the summary.
    Texts = 1,
    /// The raw header block.
    Header = 2,
    /// The answers to the last `BODY[HEADER.FIELDS (…)]` lists ([`FolderCache::picked`]).
    Picked = 3,
}

/// The parts in the order of their sections.
const PARTS: [Which; KINDS] = [Which::Keys, Which::Texts, Which::Header, Which::Picked];

/// How many kinds of part a record has.
const KINDS: usize = 4;

/// The kinds of part computed together from a message file (a record), which go to the
/// journal together; the picked fields come later and go on their own.
const RECORD: [Which; 3] = [Which::Keys, Which::Texts, Which::Header];

/// Where a record's parts are, in the file (cache file or journal) that holds them.
#[derive(Debug, Clone)]
struct Raw {
    file: Arc<File>,
    parts: [Option<Part>; KINDS],
    /// The file of the picked fields when not `file` (answers for a new list are appended
    /// to the journal alone, the rest of the record staying where it is).
    picked_file: Option<Arc<File>>,
}

impl Raw {
    /// The file that holds parts `which`.
    fn file_of(&self, which: Which) -> &Arc<File> {
        match (which, &self.picked_file) {
            (Which::Picked, Some(f)) => f,
            _ => &self.file,
        }
    }
}

/// Most lists of header fields whose answers a record keeps (the latest first).
const PICKED_LISTS: usize = 4;

/// First octet of the picked fields: the version of how answers are made
/// (`message::section::header_subset`); a part of another version is absent.
const PICKED_VERSION: u8 = 1;

/// The (key, answer) pairs of picked fields `data`; `None` if malformed or of another
/// version.
fn picked_pairs(data: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let (&version, mut rest) = data.split_first()?;
    if version != PICKED_VERSION {
        return None;
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        let mut take = || {
            let n = read_u32(rest, 0)? as usize;
            let v = rest.get(4..)?.get(..n)?;
            rest = &rest[4 + n..];
            Some(v)
        };
        let (key, answer) = (take()?, take()?);
        out.push((key, answer));
    }
    Some(out)
}

/// The last stretch of a cache file or journal read: a command that walks the messages in
/// order finds most parts in it (one `pread` per [`WINDOW`] octets, not per message).
#[derive(Debug, Default)]
struct Window {
    file: Option<Arc<File>>,
    at: u64,
    buf: Vec<u8>,
}

impl Window {
    /// The octets of `part` in `file` if they can be read and match their checksum.
    fn read(&mut self, file: &Arc<File>, part: Part) -> Option<Vec<u8>> {
        let data = self.bytes(file, part)?;
        (part_sum(&data) == part.sum).then_some(data)
    }

    /// The octets of `part` in `file`, unchecked (for copying them on with their checksum).
    fn bytes(&mut self, file: &Arc<File>, part: Part) -> Option<Vec<u8>> {
        let (start, len) = (part.at, part.len as usize);
        let end = start.checked_add(len as u64)?;
        let same = self.file.as_ref().is_some_and(|f| Arc::ptr_eq(f, file));
        let inside = same && start >= self.at && end <= self.at + self.buf.len() as u64;
        // A step back reads the part alone: refilling the window for it would read a whole
        // window for one part.
        let forward = !same || start >= self.at;
        if inside {
            let from = (start - self.at) as usize;
            Some(self.buf[from..from + len].to_vec())
        } else if len >= WINDOW / 2 || !forward {
            let mut buf = vec![0; len];
            file.read_exact_at(&mut buf, start).ok()?;
            Some(buf)
        } else {
            self.fill(file, start).ok()?;
            Some(self.buf.get(..len)?.to_vec())
        }
    }

    /// Reads up to [`WINDOW`] octets of `file` from `at` (fewer at its end).
    fn fill(&mut self, file: &Arc<File>, at: u64) -> io::Result<()> {
        self.file = None;
        self.buf.resize(WINDOW, 0);
        let mut got = 0;
        while got < WINDOW {
            match file.read_at(&mut self.buf[got..], at + got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.buf.truncate(got);
        self.file = Some(file.clone());
        self.at = at;
        Ok(())
    }
}

/// The windows a command reads through: one per kind of part and file, so a walk that
/// reads two kinds of part of each message (texts and header), or finds some in the
/// journal, still reads each stretch once.
#[derive(Debug, Default)]
struct Windows(Vec<(Which, Window)>);

/// Most windows kept at once (each up to [`WINDOW`] octets).
const WINDOWS: usize = 6;

impl Windows {
    /// The window for parts `which` of `file`.
    fn of(&mut self, which: Which, file: &Arc<File>) -> &mut Window {
        let on = |w: &Window| w.file.as_ref().is_some_and(|f| Arc::ptr_eq(f, file));
        let mine = |pick: &dyn Fn(&Window) -> bool| {
            self.0.iter().position(|(k, w)| *k == which && pick(w))
        };
        let at = match mine(&on).or_else(|| mine(&|w| w.file.is_none())) {
            Some(i) => i,
            None => {
                if self.0.len() >= WINDOWS {
                    self.0.remove(0);
                }
                self.0.push((which, Window::default()));
                self.0.len() - 1
            }
        };
        &mut self.0[at].1
    }

    /// Lets go of the octets and the files.
    fn clear(&mut self) {
        self.0.clear();
    }
}

/// One message's cache entry: the file's identity and where its parts are (read, checked
/// and decoded only when asked for, and not kept).
#[derive(Debug, Clone)]
struct Entry {
    id: FileId,
    raw: Raw,
}

/// Parts computed since the cache file was last written, appended to an unnamed file in
/// the folder's `tmp/` until the next write copies them into the cache file: a session that
/// parses 100k messages holds their index, not their summaries. Appends are gathered up to
/// [`JOURNAL_BATCH`] octets and written together (a FETCH of 10k messages added one
/// `pwrite` per message); a read of a part not yet written writes them first.
#[derive(Debug)]
struct Journal {
    write: File,
    read: Arc<File>,
    /// Octets appended, written or not.
    len: u64,
    /// Octets appended and not yet written, which follow `len - pending.len()`.
    pending: Vec<u8>,
}

/// Octets of appends gathered before they are written.
const JOURNAL_BATCH: usize = 64 * 1024;

impl Journal {
    /// An unnamed file in `tmp_dir` (`O_TMPFILE`; else a named one, unlinked at once).
    fn create(tmp_dir: &Path) -> io::Result<Journal> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC;
        let (write, read) = match rustix::fs::open(tmp_dir, flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => {
                let f = File::from(fd);
                (f.try_clone()?, f)
            }
            Err(_) => {
                let (path, write) = super::deliver::create_tmp(tmp_dir, "imapdjournal")?;
                let read = File::open(&path);
                std::fs::remove_file(&path)?;
                (write, read?)
            }
        };
        Ok(Journal {
            write,
            read: Arc::new(read),
            len: 0,
            pending: Vec::new(),
        })
    }

    /// Writes the appends gathered.
    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let at = self.len - self.pending.len() as u64;
            self.write.write_all_at(&self.pending, at)?;
            self.pending.clear();
        }
        Ok(())
    }

    /// True if `part` of `file` lies in appends not yet written.
    fn unwritten(&self, file: &Arc<File>, part: Part) -> bool {
        let written = self.len - self.pending.len() as u64;
        Arc::ptr_eq(file, &self.read) && part.at + u64::from(part.len) > written
    }

    /// Appends a record's parts; returns where they are.
    fn append(&mut self, parts: [Option<&[u8]>; KINDS]) -> io::Result<Raw> {
        let mut placed = [None; KINDS];
        for (slot, data) in placed.iter_mut().zip(parts) {
            if let Some(d) = data {
                let len = u32::try_from(d.len())
                    .ok()
                    .filter(|n| *n != ABSENT)
                    .ok_or_else(|| io::Error::other("part too large"))?;
                *slot = Some(Part {
                    at: self.len,
                    len,
                    sum: part_sum(d),
                });
                self.pending.extend_from_slice(d);
                self.len += d.len() as u64;
            }
        }
        if self.pending.len() >= JOURNAL_BATCH {
            self.flush()?;
        }
        Ok(Raw {
            file: self.read.clone(),
            parts: placed,
            picked_file: None,
        })
    }
}

/// The cache of one folder: an index of the cache file, built on first use, and of the
/// records added since it was last written (in the journal). Memory is about two hundred
/// octets per message (the records stay on disk), not the file.
#[derive(Debug)]
pub struct FolderCache {
    folder: PathBuf,
    /// The cache file's index, with the entries a write in the background is writing (it
    /// shares them: lookups go on while it writes).
    base: Arc<CacheIndex<Entry>>,
    /// Entries added since (in the journal): they stand in for `base`'s of the same name.
    fresh: CacheIndex<Entry>,
    journal: Option<Journal>,
    /// The stretches of the files read last ([`Windows`]).
    windows: Windows,
    /// A write of the cache by [`FolderCache::flush_in_background`] still running.
    writer: Option<std::thread::JoinHandle<()>>,
    /// Identity of the cache file when we last read it.
    seen: Option<Seen>,
    loaded: bool,
    /// Records in the file when it was indexed, and entries added since.
    indexed: usize,
    added: usize,
    /// `added` when [`FolderCache::flush_in_background`] last decided not to write.
    checked: usize,
    /// Held by a test to keep a write in the background from running.
    #[cfg(test)]
    gate: Arc<std::sync::Mutex<()>>,
}

/// The file is rewritten (whole) by the end of a command or session only once the entries
/// added since it was read, plus those of messages gone since, are at least 1/`REWRITE_SHARE`
/// of it or `REWRITE_AFTER`: at 100k messages one new message's summary must not cost a
/// 180 MB write. Fewer stay in the journal and go with the session: each later session
/// parses those messages again (at most `REWRITE_AFTER`) until one adds enough.
/// [`FolderCache::flush`] writes whatever was added.
const REWRITE_SHARE: usize = 32;
const REWRITE_AFTER: usize = 256;

/// Which cache file was read: size, mtime and inode (another process's file of the same
/// size written in the same clock tick is still another file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen(FileId, u64);

impl Seen {
    fn of(m: &Metadata) -> Self {
        Seen(FileId::of(m), m.ino())
    }
}

/// The records' checksum: XXH3 (64 bits). Every part is checked each time it is read
/// (BODYSTRUCTURE, header fetches and SORT read one per message), so its speed counts: the
/// FNV-1a of layout 4 was a sixth of a warm `FETCH 1:* BODYSTRUCTURE`.
fn checksum(data: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(data)
}

fn read_u32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

/// A part's checksum: [`checksum`] folded to 32 bits.
fn part_sum(data: &[u8]) -> u32 {
    let h = checksum(data);
    (h ^ (h >> 32)) as u32
}

fn read_u64(d: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(d.get(at..at + 8)?.try_into().ok()?))
}

/// One part's place in an index entry at `at`: `None` if absent; the place that follows.
fn slot(body: &[u8], at: usize) -> Option<(Option<Part>, usize)> {
    let len = read_u32(body, at)?;
    if len == ABSENT {
        return Some((None, at + 4));
    }
    let part = Part {
        len,
        sum: read_u32(body, at + 4)?,
        at: read_u64(body, at + 8)?,
    };
    Some((Some(part), at + 16))
}

/// The name and entry of one index entry `body` of `file`, if it matches its checksum
/// `sum` and every part lies within the file's sections (`data_len` octets from
/// `data_start`, where the index ends: the offsets an index holds count from there).
fn entry(
    file: &Arc<File>,
    body: &[u8],
    sum: u64,
    data_start: u64,
    data_len: u64,
) -> Option<(String, Entry)> {
    if checksum(body) != sum {
        return None;
    }
    let n = read_u32(body, 0)? as usize;
    let name = std::str::from_utf8(body.get(4..4usize.checked_add(n)?)?)
        .ok()?
        .to_owned();
    let pos = 4 + n;
    let id = FileId {
        size: read_u64(body, pos)?,
        mtime: read_u64(body, pos + 8)? as i64,
        mtime_nsec: read_u32(body, pos + 16)?,
    };
    let mut parts = [None; KINDS];
    let mut at = pos + 20;
    for slot_of in parts.iter_mut() {
        let (part, next) = slot(body, at)?;
        if let Some(p) = part {
            if p.at.checked_add(u64::from(p.len))? > data_len {
                return None;
            }
        }
        *slot_of = part.map(|p| Part {
            at: data_start + p.at,
            ..p
        });
        at = next;
    }
    if at != body.len() {
        return None;
    }
    let raw = Raw {
        file: file.clone(),
        parts,
        picked_file: None,
    };
    Some((name, Entry { id, raw }))
}

/// Indexes a cache file, reading its index alone: a wrong magic or head (or a file cut
/// short within its index) gives nothing, an entry that does not match its checksum or
/// points outside the file (cut short within the sections) is left out. The parts'
/// checksums are checked when a part is used.
fn index(file: File) -> CacheIndex<Entry> {
    let mut out = CacheIndex::default();
    let Ok(total) = file.metadata().map(|m| m.len()) else {
        return out;
    };
    let file = Arc::new(file);
    let mut head = [0u8; MAGIC.len() + HEAD];
    if file.read_exact_at(&mut head, 0).is_err() || !head.starts_with(MAGIC) {
        return out;
    }
    let h = &head[MAGIC.len()..];
    let (Some(count), Some(len), Some(sum)) = (read_u64(h, 0), read_u64(h, 8), read_u64(h, 16))
    else {
        return out;
    };
    let start = head.len() as u64;
    let data_start = start.saturating_add(len);
    if checksum(&h[..16]) != sum || data_start > total || len > MAX_INDEX {
        return out;
    }
    let mut index = Vec::new();
    if index.try_reserve_exact(len as usize).is_err() {
        return out;
    }
    index.resize(len as usize, 0);
    if file.read_exact_at(&mut index, start).is_err() {
        return out;
    }
    out = CacheIndex::with_capacity(count.min(len / MIN_ENTRY).min(1 << 20) as usize);
    let mut pos = 0;
    for _ in 0..count {
        let (Some(n), Some(sum)) = (read_u32(&index, pos), read_u64(&index, pos + 4)) else {
            break;
        };
        let Some(body) = index.get(pos + 12..).and_then(|r| r.get(..n as usize)) else {
            break;
        };
        pos += 12 + n as usize;
        if let Some((name, e)) = entry(&file, body, sum, data_start, total - data_start) {
            out.insert(name, e);
        }
    }
    out
}

/// Appends an index entry: name, identity and the place of each part.
fn put_entry(out: &mut Vec<u8>, name: &str, id: FileId, parts: &[Option<Part>; KINDS]) {
    let mut body = Vec::with_capacity(4 + name.len() + 20 + KINDS * 16);
    body.extend_from_slice(&(name.len() as u32).to_le_bytes());
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(&id.size.to_le_bytes());
    body.extend_from_slice(&id.mtime.to_le_bytes());
    body.extend_from_slice(&id.mtime_nsec.to_le_bytes());
    for part in parts {
        match part {
            Some(p) => {
                body.extend_from_slice(&p.len.to_le_bytes());
                body.extend_from_slice(&p.sum.to_le_bytes());
                body.extend_from_slice(&p.at.to_le_bytes());
            }
            None => body.extend_from_slice(&ABSENT.to_le_bytes()),
        }
    }
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(&body).to_le_bytes());
    out.extend_from_slice(&body);
}

/// Writes a cache file of `entries` to `out`: the index, then each section, every part
/// copied as it is (with its checksum) from the file it is in; a part that cannot be read
/// is written as filler its checksum rejects.
fn serialise<'e>(
    entries: impl Iterator<Item = (&'e String, &'e Entry)>,
    out: &mut impl Write,
) -> io::Result<()> {
    // In arrival order, the order UIDs are given in (`folder::sort_arrivals`), so a walk
    // over the messages by UID reads each section forwards ([`Window`]) and finds each
    // entry after the one before ([`CacheIndex`]).
    // (an entry whose parts were all found damaged is left out)
    let mut names: Vec<(&String, &Entry)> = entries
        .filter(|(_, e)| e.raw.parts.iter().any(Option::is_some))
        .collect();
    names.sort_by_cached_key(|(n, _)| (super::deliver::arrival_key(n), *n));
    // Where each part goes: the sections follow the index, one kind after the other (the
    // index counts offsets from its own end).
    let mut at = 0;
    let mut placed: Vec<[Option<Part>; KINDS]> = vec![[None; KINDS]; names.len()];
    for which in PARTS {
        for ((_, e), place) in names.iter().zip(placed.iter_mut()) {
            if let Some(p) = e.raw.parts[which as usize] {
                place[which as usize] = Some(Part { at, ..p });
                at += u64::from(p.len);
            }
        }
    }
    let mut index = Vec::new();
    for ((name, e), place) in names.iter().zip(&placed) {
        put_entry(&mut index, name, e.id, place);
    }
    let mut head = Vec::with_capacity(HEAD);
    head.extend_from_slice(&(names.len() as u64).to_le_bytes());
    head.extend_from_slice(&(index.len() as u64).to_le_bytes());
    head.extend_from_slice(&checksum(&head).to_le_bytes());
    out.write_all(MAGIC)?;
    out.write_all(&head)?;
    out.write_all(&index)?;
    let mut windows = Windows::default();
    for which in PARTS {
        for (_, e) in &names {
            let raw = &e.raw;
            if let Some(p) = raw.parts[which as usize] {
                let file = raw.file_of(which);
                match windows.of(which, file).bytes(file, p) {
                    Some(data) => out.write_all(&data)?,
                    None => {
                        let mut fill = vec![0; p.len as usize];
                        if part_sum(&fill) == p.sum {
                            fill.fill(1); // (so that it cannot pass for the part)
                        }
                        out.write_all(&fill)?;
                    }
                }
            }
        }
    }
    Ok(())
}

impl FolderCache {
    /// The cache of the folder directory `folder` (nothing is read until first use).
    pub fn new(folder: &Path) -> Self {
        FolderCache {
            folder: folder.to_owned(),
            base: Arc::default(),
            fresh: CacheIndex::default(),
            journal: None,
            windows: Windows::default(),
            writer: None,
            seen: None,
            loaded: false,
            indexed: 0,
            added: 0,
            checked: 0,
            #[cfg(test)]
            gate: Arc::default(),
        }
    }

    /// The folder directory this cache belongs to.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn path(&self) -> PathBuf {
        self.folder.join(FILE_NAME)
    }

    /// Indexes the file on disk (a missing, unreadable or oversized file is an empty cache).
    fn read(&self) -> (CacheIndex<Entry>, Option<Seen>) {
        let Ok(file) = File::open(self.path()) else {
            return (CacheIndex::default(), None);
        };
        match file.metadata() {
            Ok(meta) if meta.len() <= MAX_FILE => (index(file), Some(Seen::of(&meta))),
            _ => (CacheIndex::default(), None),
        }
    }

    /// Indexes the file unless done: on first use, and after a write (of the file, with the
    /// entries it took: they are read through the new file, not the files they were in).
    /// Never waits for a write in the background: `loaded` is cleared when one is joined.
    fn load(&mut self) {
        if !self.loaded {
            let (entries, seen) = self.read();
            self.indexed = entries.len();
            self.base = Arc::new(entries);
            self.seen = seen;
            self.loaded = true;
        }
    }

    /// The entry of `name`: one added since the file was indexed, else the file's.
    fn find<'e>(
        fresh: &'e CacheIndex<Entry>,
        base: &'e CacheIndex<Entry>,
        name: &str,
    ) -> Option<&'e Entry> {
        fresh.find(name).or_else(|| base.find(name))
    }

    /// Adds a record for `base`: the given parts, and what a valid entry already had of the
    /// others (best effort: nothing is added if the journal cannot be written). The picked
    /// fields stay where they are.
    fn add(&mut self, base: &str, id: FileId, given: [Option<&[u8]>; 3]) {
        let mut old: [Option<Vec<u8>>; 3] = Default::default();
        for which in RECORD {
            if given[which as usize].is_none() {
                old[which as usize] = self.part(base, id, which);
            }
        }
        let picked = Self::find(&self.fresh, &self.base, base)
            .filter(|e| e.id == id)
            .and_then(|e| {
                Some((
                    e.raw.parts[Which::Picked as usize]?,
                    e.raw.file_of(Which::Picked).clone(),
                ))
            });
        let parts = [
            given[0].or(old[0].as_deref()),
            given[1].or(old[1].as_deref()),
            given[2].or(old[2].as_deref()),
            None,
        ];
        let Some(mut raw) = self.append(parts) else {
            return;
        };
        if let Some((part, file)) = picked {
            raw.parts[Which::Picked as usize] = Some(part);
            raw.picked_file = Some(file);
        }
        self.fresh.insert(base.to_owned(), Entry { id, raw });
        self.added += 1;
    }

    /// Appends `parts` to the journal (started on first use); `None` if it cannot be
    /// written (a write cut short may have left octets past its end: not appended to
    /// again).
    fn append(&mut self, parts: [Option<&[u8]>; KINDS]) -> Option<Raw> {
        let journal = match &mut self.journal {
            Some(j) => j,
            None => self
                .journal
                .insert(Journal::create(&self.folder.join("tmp")).ok()?),
        };
        let raw = journal.append(parts).ok();
        if raw.is_none() {
            self.journal = None;
        }
        raw
    }

    /// One part of the record of `base`, if the entry matches the file's identity and the
    /// part is sound; a damaged part is forgotten (the caller parses the message and offers
    /// it again), the others kept.
    fn part(&mut self, base: &str, id: FileId, which: Which) -> Option<Vec<u8>> {
        self.load();
        let raw = &Self::find(&self.fresh, &self.base, base)
            .filter(|e| e.id == id)?
            .raw;
        let (part, file) = (raw.parts[which as usize]?, raw.file_of(which));
        let unwritten = self
            .journal
            .as_ref()
            .is_some_and(|j| j.unwritten(file, part));
        if unwritten && self.journal.as_mut().is_some_and(|j| j.flush().is_err()) {
            // (what it held is unreadable now: found damaged below, parsed again)
            self.journal = None;
        }
        let data = self.windows.of(which, file).read(file, part);
        if data.is_none() {
            // (not while a write in the background shares the file's index: found damaged
            // again, then)
            let own = match self.fresh.get_mut(base) {
                Some(e) => Some(e),
                None => Arc::get_mut(&mut self.base).and_then(|b| b.get_mut(base)),
            };
            if let Some(e) = own {
                e.raw.parts[which as usize] = None;
            }
        }
        data
    }

    /// True if a summary of some file called `base` is cached (whether it is of the file
    /// there now is not checked: a hint for reading ahead).
    pub fn has_summary(&mut self, base: &str) -> bool {
        self.load();
        let e = self.fresh.peek(base).or_else(|| self.base.peek(base));
        e.is_some_and(|e| e.raw.parts[Which::Texts as usize].is_some())
    }

    /// The cached summary of the file `base` if the entry matches the file's identity.
    pub fn get(&mut self, base: &str, id: FileId) -> Option<Arc<Summary>> {
        let keys = self.part(base, id, Which::Keys)?;
        let texts = self.part(base, id, Which::Texts)?;
        Some(Arc::new(codec::decode(&codec::join(&keys, &texts)?)?))
    }

    /// Only the texts `want` of the cached summary of `base` ([`codec::decode_texts_alone`]).
    pub fn texts(&mut self, base: &str, id: FileId, want: &[EncodedItem]) -> Option<Texts> {
        let data = self.part(base, id, Which::Texts)?;
        codec::decode_texts_alone(&data, want)
    }

    /// Only the SORT/THREAD keys `want` of the cached summary of `base`
    /// ([`codec::decode_keys_alone`]).
    pub fn sort_keys(&mut self, base: &str, id: FileId, want: KeyFields) -> Option<SortKeys> {
        let data = self.part(base, id, Which::Keys)?;
        codec::decode_keys_alone(&data, want)
    }

    /// Records the summary of the file `base` and, if given and at most [`MAX_HEADER`]
    /// octets, its header block, in one record: what parsing the whole file gives (written
    /// at the next [`FolderCache::flush`]).
    pub fn put_parsed(
        &mut self,
        base: &str,
        id: FileId,
        summary: Arc<Summary>,
        header: Option<&[u8]>,
    ) {
        let mut data = Vec::new();
        codec::encode(&summary, &mut data);
        let Some((keys, texts)) = codec::split(&data) else {
            return;
        };
        let header = header.filter(|h| h.len() <= MAX_HEADER);
        self.add(base, id, [Some(keys), Some(&texts), header]);
    }

    /// The cached header block of the file `base` if the entry matches the file's identity.
    pub fn header(&mut self, base: &str, id: FileId) -> Option<Vec<u8>> {
        self.part(base, id, Which::Header)
    }

    /// Records the header block of the file `base` if it is at most [`MAX_HEADER`] octets.
    pub fn put_header(&mut self, base: &str, id: FileId, header: &[u8]) {
        if header.len() <= MAX_HEADER {
            self.add(base, id, [None, None, Some(header)]);
        }
    }

    /// The cached answer to `BODY[HEADER.FIELDS (…)]` of the file `base` for the list of
    /// names `key` ([`crate::message::section::fields_key`]): a record keeps the answers
    /// of the last [`PICKED_LISTS`] lists asked for, so a client that fetches the same
    /// fields of every message (a mail list view) has them without the header being read
    /// and split again, also when another list is asked for in between.
    pub fn picked(&mut self, base: &str, id: FileId, key: &[u8]) -> Option<Vec<u8>> {
        let data = self.part(base, id, Which::Picked)?;
        let pairs = picked_pairs(&data)?;
        let (_, answer) = pairs.into_iter().find(|(k, _)| *k == key)?;
        Some(answer.to_vec())
    }

    /// Records `answer` as the answer for the names `key` of the file `base`, first of
    /// the [`PICKED_LISTS`] lists kept (the oldest goes), all of them at most
    /// [`MAX_HEADER`] octets. Appends the picked fields alone: the rest of the record stays
    /// where it is.
    pub fn put_picked(&mut self, base: &str, id: FileId, key: &[u8], answer: &[u8]) {
        let mut data = vec![PICKED_VERSION];
        let put = |data: &mut Vec<u8>, k: &[u8], a: &[u8]| {
            if data.len() + 8 + k.len() + a.len() > MAX_HEADER {
                return false;
            }
            for v in [k, a] {
                data.extend_from_slice(&(v.len() as u32).to_le_bytes());
                data.extend_from_slice(v);
            }
            true
        };
        if !put(&mut data, key, answer) {
            return;
        }
        if let Some(old) = self.part(base, id, Which::Picked) {
            let pairs = picked_pairs(&old).unwrap_or_default();
            for (k, a) in pairs
                .into_iter()
                .filter(|(k, _)| *k != key)
                .take(PICKED_LISTS - 1)
            {
                if !put(&mut data, k, a) {
                    break;
                }
            }
        }
        let Some(new) = self.append([None, None, None, Some(&data)]) else {
            return;
        };
        let mut raw = match Self::find(&self.fresh, &self.base, base).filter(|e| e.id == id) {
            Some(e) => e.raw.clone(),
            None => Raw {
                parts: [None; KINDS],
                ..new.clone()
            },
        };
        raw.parts[Which::Picked as usize] = new.parts[Which::Picked as usize];
        raw.picked_file = Some(new.file);
        self.fresh.insert(base.to_owned(), Entry { id, raw });
        self.added += 1;
    }

    /// True if entries were added since the last write.
    pub fn is_dirty(&self) -> bool {
        self.added > 0
    }

    /// True if enough was added (or `dead` records of messages gone) to rewrite the file
    /// for it ([`REWRITE_SHARE`]).
    fn worth_writing(&self, dead: usize) -> bool {
        self.added > 0 && self.added + dead >= (self.indexed / REWRITE_SHARE).min(REWRITE_AFTER)
    }

    /// Writes the cache if it changed, keeping only entries for which `live` is true, and
    /// merging entries another process wrote meanwhile. Afterwards the entries are dropped
    /// from memory; the next use indexes the new file.
    pub fn flush(&mut self, live: impl Fn(&str) -> bool) -> io::Result<()> {
        self.wait();
        if !self.is_dirty() {
            return Ok(());
        }
        self.take_fresh(&live);
        let result = write(&self.folder, self.seen, &self.base);
        // Even if the write failed: the entries are gone (recomputed later).
        self.base = Arc::default();
        self.loaded = false;
        result
    }

    /// Moves the entries added since the file was indexed into `base`, keeps those for
    /// which `live` is true, and starts a new journal for the entries added after (the
    /// entries keep the old one open).
    fn take_fresh(&mut self, live: impl Fn(&str) -> bool) {
        self.load();
        // (no write shares `base` here: it was joined; else this copies it)
        let base = Arc::make_mut(&mut self.base);
        for (name, e) in std::mem::take(&mut self.fresh) {
            base.insert(name, e);
        }
        base.retain(|name, _| live(name));
        self.indexed = base.len();
        // (a journal that cannot be written leaves its parts unreadable: the write puts
        // filler that their checksums reject, and they are parsed again)
        if let Some(mut j) = self.journal.take() {
            let _ = j.flush();
        }
        self.added = 0;
        self.checked = 0;
    }

    /// [`FolderCache::flush`] done by a thread of its own, so the command that comes next
    /// does not wait for the write and its fsyncs (at 100k messages ~180 MB), and only if
    /// enough was added ([`REWRITE_SHARE`]). Lookups go on meanwhile, through the entries
    /// the write shares; once it is done (joined between commands, [`FolderCache::reap`]),
    /// the next use indexes the new file. One write at a time: while one runs, this does
    /// nothing (and decides again after the next command). Best effort, as every write of
    /// the cache.
    pub fn flush_in_background(&mut self, live: impl Fn(&str) -> bool) {
        self.reap();
        // Decided once per batch of additions: counting the dead looks at every entry, which
        // must not happen at every command of a session that added one entry long ago.
        if self.writer.is_some() || self.added == self.checked {
            return;
        }
        self.checked = self.added;
        self.load();
        let shadowed = |n: &str| self.fresh.peek(n).is_some();
        let dead = self
            .base
            .names()
            .filter(|n| !live(n) && !shadowed(n))
            .count()
            + self.fresh.names().filter(|n| !live(n)).count();
        if !self.worth_writing(dead) {
            return;
        }
        self.take_fresh(live);
        let (folder, seen, entries) = (self.folder.clone(), self.seen, self.base.clone());
        #[cfg(test)]
        let gate = self.gate.clone();
        // The records stay readable through the files the entries hold open (the journal's
        // among them), whatever this handle does meanwhile.
        let job = move || {
            #[cfg(test)]
            let _held = gate.lock();
            let _ = write(&folder, seen, &entries);
        };
        // A small stack: the writer only streams records (its mapping counts toward
        // IMAP_ULIMITD). If no thread can be started, the write is done here.
        match std::thread::Builder::new()
            .name("imapd-cache".into())
            .stack_size(256 << 10)
            .spawn(job)
        {
            Ok(w) => self.writer = Some(w),
            Err(_) => {
                let _ = write(&self.folder, self.seen, &self.base);
                self.base = Arc::default();
                self.loaded = false;
            }
        }
    }

    /// Waits for a write started by [`FolderCache::flush_in_background`]; the next use
    /// indexes the file it wrote (the entries it took let go of the files they were in: an
    /// old cache file, the old journal).
    fn wait(&mut self) {
        if let Some(w) = self.writer.take() {
            let _ = w.join();
            self.base = Arc::default();
            self.loaded = false;
        }
    }

    /// Lets go of what was read for the last command (the window), and of a write that is
    /// done (the files its entries were read from: an old cache file, the old journal).
    pub fn rest(&mut self) {
        self.windows.clear();
        self.reap();
    }

    /// Joins a background write that has finished (a finished thread's stack stays mapped
    /// until it is joined).
    pub fn reap(&mut self) {
        if self.writer.as_ref().is_some_and(|w| w.is_finished()) {
            self.wait();
        }
    }
}

/// Writes `entries` as the cache file of `folder`, merged with the entries of a file another
/// process wrote since this one was read (`seen`).
fn write(folder: &Path, seen: Option<Seen>, entries: &CacheIndex<Entry>) -> io::Result<()> {
    let path = folder.join(FILE_NAME);
    let on_disk = std::fs::metadata(&path).ok().map(|m| Seen::of(&m));
    let mut theirs = Vec::new();
    if on_disk.is_some() && on_disk != seen {
        let file = File::open(&path)
            .ok()
            .filter(|f| f.metadata().is_ok_and(|m| m.len() <= MAX_FILE));
        theirs = file.map(index).unwrap_or_default().into_iter().collect();
        theirs.retain(|(name, _)| entries.peek(name).is_none());
    }
    let all = entries.iter().chain(theirs.iter().map(|(n, e)| (n, e)));
    atomic::replace_with(&folder.join("tmp"), "imapdcache", &path, |f| {
        let mut w = BufWriter::with_capacity(1 << 16, f);
        serialise(all, &mut w)?;
        w.flush()
    })
}

impl Drop for FolderCache {
    /// Best effort: entries computed since the last flush are written if enough were added
    /// ([`REWRITE_SHARE`]; nothing is lost otherwise or if this fails: they are recomputed
    /// later).
    fn drop(&mut self) {
        if self.worth_writing(0) {
            let _ = self.flush(|_| true); // waits for a write in the background first
        } else {
            self.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn summary(text: &[u8]) -> Arc<Summary> {
        Arc::new(Summary::of(&Message::parse(text)))
    }

    /// A folder directory with its `tmp/` (where the journal and the writes go).
    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tmp")).unwrap();
        dir
    }

    /// The index of a cache file holding `data`.
    fn index_of(data: &[u8]) -> CacheIndex<Entry> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(data).unwrap();
        index(f)
    }

    const ID: FileId = FileId {
        size: 10,
        mtime: 5,
        mtime_nsec: 7,
    };

    #[test]
    fn round_trip_identity_and_damage() {
        let dir = folder();
        let s = summary(b"Subject: hi\n\nbody\n");
        {
            let mut c = FolderCache::new(dir.path());
            assert!(c.get("a", ID).is_none());
            c.put_parsed("a", ID, s.clone(), None);
            c.put_parsed("gone", ID, s.clone(), None);
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
        // the index of the file as written holds its one record ("gone" was left out)
        data[last] ^= 0xff;
        assert_eq!(index_of(&data).len(), 1);
        data[last] ^= 0xff;
        // garbage and truncations never panic
        for cut in 0..data.len() {
            let _ = index_of(&data[..cut]);
        }
        std::fs::write(&path, b"nonsense").unwrap();
        assert!(FolderCache::new(dir.path()).get("a", ID).is_none());
    }

    #[test]
    fn each_part_is_checked_on_its_own() {
        let dir = folder();
        let s = summary(b"Subject: hi\n\nbody\n");
        let header = b"Subject: hi\n\n";
        {
            let mut c = FolderCache::new(dir.path());
            c.put_parsed("a", ID, s.clone(), None);
            c.put_header("a", ID, header);
            c.flush(|_| true).unwrap();
        }
        let path = dir.path().join(FILE_NAME);
        let data = std::fs::read(&path).unwrap();
        // the header is the record's last part: damage there spoils the header alone
        let mut bad = data.clone();
        let at = bad.len() - 3;
        bad[at] ^= 0x01;
        std::fs::write(&path, &bad).unwrap();
        // (asked for first: the summary is kept all the same)
        let mut c = FolderCache::new(dir.path());
        assert!(c.header("a", ID).is_none());
        assert_eq!(c.get("a", ID).as_deref(), Some(&*s));
        // and a header computed again joins the summary in the new record
        c.put_header("a", ID, header);
        assert_eq!(c.get("a", ID).as_deref(), Some(&*s));
        assert_eq!(c.header("a", ID).as_deref(), Some(&header[..]));
        // damage in the head (the name) drops the record when the file is indexed
        let mut bad = data.clone();
        let name_at = MAGIC.len() + HEAD + 12 + 4;
        assert_eq!(bad[name_at], b'a');
        bad[name_at] = b'b';
        assert!(index_of(&bad).is_empty());
        assert_eq!(index_of(&data).len(), 1);
    }

    /// Each kind of part has a section of its own, in arrival order (keys, then texts, then
    /// headers, then picked fields), so a walk over one kind reads one stretch of the file; damage in one part
    /// spoils that part alone; an entry that points past the end of the file is left out.
    #[test]
    fn each_kind_of_part_in_a_section_of_its_own() {
        let dir = folder();
        let s = summary(b"Subject: hi\nFrom: a@b\n\nbody\n");
        let names = [
            "1700000001.M1P1.x",
            "1700000002.M1P1.x",
            "1700000003.M1P1.x",
        ];
        {
            let mut c = FolderCache::new(dir.path());
            for n in names.iter().rev() {
                c.put_parsed(n, ID, s.clone(), None);
                c.put_header(n, ID, format!("Subject: {n}\n\n").as_bytes());
                c.put_picked(n, ID, b"k", format!("Subject: {n}\r\n\r\n").as_bytes());
            }
            c.flush(|_| true).unwrap();
        }
        let path = dir.path().join(FILE_NAME);
        let data = std::fs::read(&path).unwrap();
        let idx = index_of(&data);
        let at = |n: &str, w: Which| idx.peek(n).unwrap().raw.parts[w as usize].unwrap();
        let mut last = 0;
        for w in PARTS {
            for n in names {
                let p = at(n, w);
                assert!(p.at >= last, "{n} {w:?}");
                last = p.at + u64::from(p.len);
            }
        }
        assert_eq!(last, data.len() as u64);
        // damage in the first record's texts: its keys and header are still good
        let mut bad = data.clone();
        bad[at(names[0], Which::Texts).at as usize] ^= 0x01;
        std::fs::write(&path, &bad).unwrap();
        let mut c = FolderCache::new(dir.path());
        let want = [EncodedItem::BodyStructure];
        assert!(c.texts(names[0], ID, &want).is_none());
        assert!(c.get(names[0], ID).is_none());
        let keys = c.sort_keys(names[0], ID, KeyFields::ALL).unwrap();
        assert_eq!(keys, s.keys);
        assert!(c.header(names[0], ID).is_some());
        assert!(c.texts(names[1], ID, &want).is_some());
        assert_eq!(c.get(names[2], ID).as_deref(), Some(&*s));
        // a file cut short: the entry whose last part went is left out, the others stay
        let cut = index_of(&data[..data.len() - 1]);
        assert_eq!(cut.len(), 2);
        assert!(cut.peek(names[2]).is_none());
    }

    /// A head or index entry forged with valid checksums cannot make the index read past
    /// the file, reserve without bound, or take bytes that are not a part's.
    #[test]
    fn forged_heads_and_entries_are_refused() {
        let dir = folder();
        let s = summary(b"Subject: hi\n\nbody\n");
        {
            let mut c = FolderCache::new(dir.path());
            c.put_parsed("a", ID, s.clone(), None);
            c.flush(|_| true).unwrap();
        }
        let data = std::fs::read(dir.path().join(FILE_NAME)).unwrap();
        let head = |count: u64, len: u64| {
            let mut h = Vec::new();
            h.extend_from_slice(&count.to_le_bytes());
            h.extend_from_slice(&len.to_le_bytes());
            let sum = checksum(&h);
            h.extend_from_slice(&sum.to_le_bytes());
            h
        };
        let with_head = |h: Vec<u8>| {
            let mut d = data.clone();
            d[MAGIC.len()..MAGIC.len() + HEAD].copy_from_slice(&h);
            d
        };
        let len = read_u64(&data, MAGIC.len() + 8).unwrap();
        assert_eq!(index_of(&with_head(head(1, len))).len(), 1);
        // an index longer than the file: nothing
        assert!(index_of(&with_head(head(1, data.len() as u64))).is_empty());
        assert!(index_of(&with_head(head(1, u64::MAX))).is_empty());
        // a huge count reads what the index holds; a count of zero reads nothing
        assert_eq!(index_of(&with_head(head(u64::MAX, len))).len(), 1);
        assert!(index_of(&with_head(head(0, len))).is_empty());
        // an entry whose part runs past the end of the file (offsets count from the end of
        // the index, so none points into it), or whose offset overflows: left out
        let good = index_of(&data).peek("a").unwrap().raw.parts[0].unwrap();
        let forged = |at: u64| {
            let mut entry = Vec::new();
            put_entry(
                &mut entry,
                "a",
                ID,
                &[Some(Part { at, ..good }), None, None, None],
            );
            let mut d = MAGIC.to_vec();
            d.extend_from_slice(&head(1, entry.len() as u64));
            d.extend_from_slice(&entry);
            d.extend_from_slice(&[0; 64]);
            index_of(&d)
        };
        assert!(good.len < 64);
        assert_eq!(forged(64 - u64::from(good.len)).len(), 1); // ends at the end: kept
        for at in [64 + 1 - u64::from(good.len), u64::MAX - 2] {
            assert!(forged(at).is_empty(), "part at {at}");
        }
        // an entry length past the index: stops there
        let mut d = MAGIC.to_vec();
        d.extend_from_slice(&head(1, 12));
        d.extend_from_slice(&u32::MAX.to_le_bytes());
        d.extend_from_slice(&0u64.to_le_bytes());
        assert!(index_of(&d).is_empty());
    }

    /// Parts are read through the window in any order: in file order, backwards, and
    /// interleaved with records of the journal, each with its own data.
    #[test]
    fn parts_read_through_the_window_in_any_order() {
        let dir = folder();
        let n = 3000; // ~1.5 MB of headers: many windows
        let head =
            |i: usize| format!("Subject: {i}\n{}\n", "X-Pad: x\n".repeat(i % 90)).into_bytes();
        let name = |i: usize| format!("{i:05}");
        {
            let mut c = FolderCache::new(dir.path());
            for i in 0..n {
                c.put_header(&name(i), ID, &head(i));
            }
            c.flush(|_| true).unwrap();
        }
        let mut c = FolderCache::new(dir.path());
        let s = summary(b"Subject: journal\n\n");
        let order: Vec<usize> = (0..n)
            .chain((0..n).rev())
            .chain((0..n).step_by(7))
            .collect();
        for (k, &i) in order.iter().enumerate() {
            assert_eq!(c.header(&name(i), ID), Some(head(i)), "record {i}");
            if k % 500 == 0 {
                // a record added meanwhile lives in the journal, another file
                c.put_parsed(&format!("j{k}"), ID, s.clone(), None);
                assert_eq!(c.get(&format!("j{k}"), ID).as_deref(), Some(&*s));
            }
        }
    }

    #[test]
    fn headers_and_summaries_separately_and_together() {
        let dir = folder();
        let s = summary(b"Subject: hi\n\nbody\n");
        {
            let mut c = FolderCache::new(dir.path());
            c.put_header("h", ID, b"Subject: h\n\n");
            c.put_parsed("s", ID, s.clone(), None);
            c.put_parsed("both", ID, s.clone(), None);
            c.put_header("both", ID, b"Subject: b\r\n\r\n");
            c.put_header("big", ID, &vec![b'x'; MAX_HEADER + 1]); // not kept
            c.put_header("empty", ID, b"");
            c.flush(|_| true).unwrap();
        }
        let mut c = FolderCache::new(dir.path());
        assert_eq!(c.header("h", ID).as_deref(), Some(&b"Subject: h\n\n"[..]));
        assert!(c.get("h", ID).is_none());
        assert!(c.header("s", ID).is_none());
        assert_eq!(c.get("s", ID).as_deref(), Some(&*s));
        assert_eq!(c.get("both", ID).as_deref(), Some(&*s));
        assert_eq!(
            c.header("both", ID).as_deref(),
            Some(&b"Subject: b\r\n\r\n"[..])
        );
        assert!(c.header("big", ID).is_none());
        assert_eq!(c.header("empty", ID).as_deref(), Some(&b""[..]));
        assert!(c.header("h", FileId { size: 11, ..ID }).is_none());
        // adding a summary to an entry read from disk keeps its header, and vice versa
        c.put_parsed("h", ID, s.clone(), None);
        c.put_header("s", ID, b"S: 1\n\n");
        c.flush(|_| true).unwrap();
        let mut c = FolderCache::new(dir.path());
        assert_eq!(c.header("h", ID).as_deref(), Some(&b"Subject: h\n\n"[..]));
        assert_eq!(c.get("h", ID).as_deref(), Some(&*s));
        assert_eq!(c.get("s", ID).as_deref(), Some(&*s));
        assert_eq!(c.header("s", ID).as_deref(), Some(&b"S: 1\n\n"[..]));
        // what parsing a whole file gives, in one record; an oversized header is left out
        c.put_parsed("p", ID, s.clone(), Some(b"P: 1\n\n"));
        c.put_parsed("pbig", ID, s.clone(), Some(&vec![b'x'; MAX_HEADER + 1]));
        c.flush(|_| true).unwrap();
        let mut c = FolderCache::new(dir.path());
        assert_eq!(c.get("p", ID).as_deref(), Some(&*s));
        assert_eq!(c.header("p", ID).as_deref(), Some(&b"P: 1\n\n"[..]));
        assert!(c.has_summary("p") && !c.has_summary("nothing"));
        assert_eq!(c.get("pbig", ID).as_deref(), Some(&*s));
        assert!(c.header("pbig", ID).is_none());
        // a new identity replaces the whole entry
        c.put_header("h", FileId { size: 99, ..ID }, b"New: 1\n\n");
        assert!(c.get("h", FileId { size: 99, ..ID }).is_none());
        // damage in the header part is caught by its checksum (the summary beside it is
        // still good)
        c.flush(|_| true).unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut data = std::fs::read(&path).unwrap();
        let at = data.windows(4).position(|w| w == b"S: 1").unwrap();
        data[at] = b'T';
        std::fs::write(&path, &data).unwrap();
        let mut c = FolderCache::new(dir.path());
        assert!(c.header("s", ID).is_none());
        assert_eq!(c.get("s", ID).as_deref(), Some(&*s));
        assert_eq!(
            c.header("both", ID).as_deref(),
            Some(&b"Subject: b\r\n\r\n"[..])
        );
    }

    /// A version 1 file (summary records without header slots) is not misread: it is
    /// ignored, and replaced at the next write.
    #[test]
    fn old_versions_are_ignored() {
        let dir = folder();
        let s = summary(b"Subject: x\n\n");
        // a version 1 record: name, identity, summary to the end
        let mut body = Vec::new();
        body.extend_from_slice(&1u32.to_le_bytes());
        body.push(b'a');
        body.extend_from_slice(&ID.size.to_le_bytes());
        body.extend_from_slice(&ID.mtime.to_le_bytes());
        body.extend_from_slice(&ID.mtime_nsec.to_le_bytes());
        codec::encode(&s, &mut body);
        let mut v1 = b"imapd-cache 1\n".to_vec();
        v1.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v1.extend_from_slice(&checksum(&body).to_le_bytes());
        v1.extend_from_slice(&body);
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, &v1).unwrap();
        assert!(index_of(&v1).is_empty());
        // even under today's magic, the old layout is not taken for a head and an index
        let mut under_todays_magic = MAGIC.to_vec();
        under_todays_magic.extend_from_slice(&v1[b"imapd-cache 1\n".len()..]);
        assert!(index_of(&under_todays_magic).is_empty());
        let mut c = FolderCache::new(dir.path());
        assert!(c.get("a", ID).is_none());
        c.put_parsed("a", ID, s.clone(), None);
        c.flush(|_| true).unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(MAGIC));
        assert_eq!(
            FolderCache::new(dir.path()).get("a", ID).as_deref(),
            Some(&*s)
        );
    }

    /// Entries added since the last write are answered from the journal, and adding a
    /// header to an entry keeps its summary (and the other way round) before any write.
    #[test]
    fn unwritten_entries_are_answered_from_the_journal() {
        let dir = folder();
        let s = summary(b"Subject: j\n\nbody\n");
        let mut c = FolderCache::new(dir.path());
        c.put_parsed("a", ID, s.clone(), None);
        c.put_header("a", ID, b"Subject: j\n\n");
        c.put_header("b", ID, b"B: 1\n\n");
        c.put_parsed("b", ID, s.clone(), None);
        c.put_parsed("b", FileId { size: 1, ..ID }, s.clone(), None); // a new identity: header dropped
                                                                      // appends are gathered, and written when a part among them is read
        let on_disk = |c: &FolderCache| c.journal.as_ref().unwrap().read.metadata().unwrap().len();
        let appended = c.journal.as_ref().unwrap().len;
        assert!(on_disk(&c) < appended);
        assert_eq!(c.get("b", FileId { size: 1, ..ID }).as_deref(), Some(&*s));
        assert_eq!(on_disk(&c), appended);
        assert_eq!(c.get("a", ID).as_deref(), Some(&*s));
        assert_eq!(c.header("a", ID).as_deref(), Some(&b"Subject: j\n\n"[..]));
        assert!(c.get("b", ID).is_none());
        assert!(c.header("b", FileId { size: 1, ..ID }).is_none());
        assert!(!dir.path().join(FILE_NAME).exists());
        // the journal is unnamed: tmp/ holds nothing
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
        c.flush(|_| true).unwrap();
        let mut c = FolderCache::new(dir.path());
        assert_eq!(c.header("a", ID).as_deref(), Some(&b"Subject: j\n\n"[..]));
        assert_eq!(c.get("b", FileId { size: 1, ..ID }).as_deref(), Some(&*s));
    }

    /// Appends are written in batches of JOURNAL_BATCH octets, and all of them before a
    /// write in the background reads the journal.
    #[test]
    fn journal_appends_are_written_in_batches() {
        let dir = folder();
        let s = summary(b"Subject: b\n\nbody\n");
        let header = vec![b'h'; 1000];
        let mut c = FolderCache::new(dir.path());
        let on_disk = |c: &FolderCache| c.journal.as_ref().unwrap().read.metadata().unwrap().len();
        for i in 0..200 {
            c.put_parsed(&format!("m{i}"), ID, s.clone(), Some(&header));
            if i == 0 {
                assert_eq!(on_disk(&c), 0, "one record: gathered");
            }
        }
        let j = c.journal.as_ref().unwrap();
        assert!(on_disk(&c) >= JOURNAL_BATCH as u64, "{}", on_disk(&c));
        assert_eq!(on_disk(&c) + j.pending.len() as u64, j.len);
        c.flush_in_background(|_| true);
        c.wait();
        let mut d = FolderCache::new(dir.path());
        for i in 0..200 {
            assert_eq!(d.get(&format!("m{i}"), ID).as_deref(), Some(&*s), "m{i}");
        }
    }

    /// A big cache file is not rewritten for a few new entries (REWRITE_SHARE): they wait
    /// in the journal and go with the session unless enough come together.
    #[test]
    fn a_few_new_entries_do_not_rewrite_a_big_file() {
        let dir = folder();
        let s = summary(b"Subject: x\n\n");
        let path = dir.path().join(FILE_NAME);
        {
            let mut c = FolderCache::new(dir.path());
            for i in 0..64 {
                c.put_parsed(&format!("m{i}"), ID, s.clone(), None);
            }
            c.flush_in_background(|_| true); // nothing was on disk: written
        }
        let written = std::fs::read(&path).unwrap();
        let mut c = FolderCache::new(dir.path());
        c.put_parsed("new1", ID, s.clone(), None);
        assert_eq!(c.get("new1", ID).as_deref(), Some(&*s));
        c.flush_in_background(|_| true);
        drop(c);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            written,
            "one of 64: not rewritten"
        );
        let mut c = FolderCache::new(dir.path());
        assert!(c.get("new1", ID).is_none());
        c.put_parsed("new1", ID, s.clone(), None);
        c.put_parsed("new2", ID, s.clone(), None); // 2 = 64 / 32
        c.flush_in_background(|_| true);
        assert!(c.get("new2", ID).is_some());
        drop(c); // (waits for the write)
        assert_ne!(std::fs::read(&path).unwrap(), written);
        assert!(FolderCache::new(dir.path()).get("new1", ID).is_some());
    }

    /// A record keeps the answers for the last lists of header fields given; they go with
    /// the record's other parts, which a new answer does not copy, and survive a write.
    #[test]
    fn picked_fields_answer_their_own_lists() {
        let dir = folder();
        let s = summary(b"Subject: p\nFrom: a@b\n\nbody\n");
        let header = b"Subject: p\nFrom: a@b\n\n";
        let mut c = FolderCache::new(dir.path());
        c.put_parsed("a", ID, s.clone(), Some(header));
        let journal = c.journal.as_ref().unwrap().len;
        c.put_picked("a", ID, b"k1", b"Subject: p\r\n\r\n");
        assert!(
            c.journal.as_ref().unwrap().len - journal < 64,
            "the answer alone is appended"
        );
        let answer = |c: &mut FolderCache, k: &[u8]| c.picked("a", ID, k);
        assert_eq!(
            answer(&mut c, b"k1").as_deref(),
            Some(&b"Subject: p\r\n\r\n"[..])
        );
        assert!(answer(&mut c, b"k").is_none());
        assert!(c.picked("a", FileId { size: 1, ..ID }, b"k1").is_none());
        c.put_picked("a", ID, b"k2", b"From: a@b\r\n\r\n");
        assert_eq!(
            answer(&mut c, b"k2").as_deref(),
            Some(&b"From: a@b\r\n\r\n"[..])
        );
        assert!(answer(&mut c, b"k1").is_some(), "two lists, both kept");
        // the other parts stay, and a new summary keeps the answers
        assert_eq!(c.get("a", ID).as_deref(), Some(&*s));
        assert_eq!(c.header("a", ID).as_deref(), Some(&header[..]));
        c.put_parsed("a", ID, s.clone(), Some(header));
        assert!(answer(&mut c, b"k1").is_some());
        c.flush(|_| true).unwrap();
        let mut c = FolderCache::new(dir.path());
        assert_eq!(
            answer(&mut c, b"k2").as_deref(),
            Some(&b"From: a@b\r\n\r\n"[..])
        );
        assert_eq!(c.get("a", ID).as_deref(), Some(&*s));
        // the answers of the last PICKED_LISTS lists stored are kept, the one stored
        // longest ago goes (a hit does not move a list: that would cost an append)
        c.put_picked("a", ID, b"k1", b"Subject: p\r\n\r\n");
        for k in [b"k3", b"k4", b"k5"] {
            c.put_picked("a", ID, k, b"\r\n");
        }
        assert!(answer(&mut c, b"k2").is_none(), "oldest gone");
        for k in [b"k1", b"k3", b"k4", b"k5"] {
            assert!(answer(&mut c, k).is_some());
        }
        // too big to keep: nothing recorded, the others stay
        c.put_picked("a", ID, b"k6", &vec![b'x'; MAX_HEADER]);
        assert!(answer(&mut c, b"k6").is_none());
        assert!(answer(&mut c, b"k5").is_some());
        // the record in the cache file, its answers in the journal: written and read back
        c.flush(|_| true).unwrap();
        let mut c = FolderCache::new(dir.path());
        for k in [b"k1", b"k3", b"k4", b"k5"] {
            assert!(answer(&mut c, k).is_some());
        }
        assert_eq!(c.get("a", ID).as_deref(), Some(&*s));
        assert_eq!(c.header("a", ID).as_deref(), Some(&header[..]));
        // a new record goes to the journal, the answers stay in the cache file
        c.put_parsed("a", ID, s.clone(), Some(header));
        c.flush(|_| true).unwrap();
        let mut c = FolderCache::new(dir.path());
        assert_eq!(
            answer(&mut c, b"k1").as_deref(),
            Some(&b"Subject: p\r\n\r\n"[..])
        );
        assert_eq!(c.get("a", ID).as_deref(), Some(&*s));
        // a big answer keeps only as many older ones as fit in MAX_HEADER
        c.put_picked("a", ID, b"k7", &vec![b'y'; MAX_HEADER - 40]);
        assert!(answer(&mut c, b"k7").is_some());
        assert!(answer(&mut c, b"k5").is_some() && answer(&mut c, b"k4").is_some());
        assert!(
            answer(&mut c, b"k3").is_none(),
            "one more is past MAX_HEADER"
        );
        // a message with nothing else cached yet: the answer alone
        c.put_picked("b", ID, b"k1", b"\r\n");
        assert_eq!(c.picked("b", ID, b"k1").as_deref(), Some(&b"\r\n"[..]));
        assert!(c.header("b", ID).is_none());
        // another version of the answers: absent
        let mut other = vec![PICKED_VERSION + 1];
        other.extend_from_slice(&[2, 0, 0, 0, b'k', b'1', 2, 0, 0, 0, b'\r', b'\n']);
        assert!(picked_pairs(&other).is_none());
        other[0] = PICKED_VERSION;
        assert_eq!(picked_pairs(&other), Some(vec![(&b"k1"[..], &b"\r\n"[..])]));
        assert!(
            picked_pairs(&other[..other.len() - 1]).is_none(),
            "cut short"
        );
    }

    /// The answers to `HEADER.FIELDS` of the test messages, hashed: a change of how they
    /// are made fails here until [`PICKED_VERSION`] is bumped (and this pair updated), so
    /// no cache keeps sending the old answers.
    #[test]
    fn picked_answers_belong_to_this_version() {
        use crate::syntax::types::{Section, SectionText};
        let mut paths: Vec<_> = std::fs::read_dir("tests/messages")
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        paths.sort();
        let lists: [&[&str]; 4] = [
            &["from", "to", "subject", "date"],
            &["Message-ID", "references", "In-Reply-To"],
            &["x-none"],
            &["content-type", "mime-version"],
        ];
        let mut all = Vec::new();
        for p in paths {
            let data = std::fs::read(p).unwrap();
            let m = Message::parse(&data);
            for names in lists {
                let names = names.iter().map(|n| n.as_bytes().to_vec()).collect();
                let section = Section {
                    part: Vec::new(),
                    text: Some(SectionText::HeaderFields(names)),
                };
                all.extend_from_slice(&m.section(&section, None).unwrap());
            }
        }
        assert_eq!(
            (PICKED_VERSION, checksum(&all)),
            (1, 0xd2ac_60c7_1a00_cd74),
            "the HEADER.FIELDS answers of tests/messages changed: if how they are made \
             changed, bump PICKED_VERSION (caches would keep sending the old answers); then \
             put the new hash here (a file added to tests/messages changes it too)"
        );
    }

    /// A write in the background does not hold up the session: lookups go on through the
    /// entries it shares, what is added meanwhile goes to a new journal; once the write is
    /// joined the new file is indexed, and the next write has everything.
    #[test]
    fn lookups_go_on_while_a_write_runs() {
        let dir = folder();
        let s = summary(b"Subject: w\n\n");
        let t = summary(b"Subject: other\n\n");
        let mut c = FolderCache::new(dir.path());
        for i in 0..40 {
            c.put_parsed(&format!("m{i}"), ID, s.clone(), Some(b"Subject: w\n\n"));
        }
        let gate = c.gate.clone();
        let held = gate.lock().unwrap(); // (the write waits for the checks below)
        c.flush_in_background(|n| n != "m0");
        assert!(c.writer.is_some());
        for i in 1..40 {
            assert_eq!(c.get(&format!("m{i}"), ID).as_deref(), Some(&*s), "m{i}");
        }
        assert!(c.get("m0", ID).is_none(), "gone before the write");
        c.put_parsed("m1", ID, t.clone(), None); // replaced while the write runs
        c.put_parsed("late", ID, t.clone(), None);
        assert!(c.writer.is_some(), "a lookup never joins the write");
        assert_eq!(c.get("m1", ID).as_deref(), Some(&*t));
        assert_eq!(c.header("m1", ID).as_deref(), Some(&b"Subject: w\n\n"[..]));
        c.flush_in_background(|_| true); // one write at a time: nothing started
        assert!(c.is_dirty());
        c.rest(); // (joins a write that is done: this one is not)
        assert!(c.writer.is_some());
        drop(held);
        c.wait();
        assert!(!c.loaded, "the new file is indexed at the next use");
        assert_eq!(c.get("m2", ID).as_deref(), Some(&*s));
        assert_eq!(c.get("late", ID).as_deref(), Some(&*t));
        assert_eq!(c.base.len(), 39);
        c.flush(|_| true).unwrap();
        let mut d = FolderCache::new(dir.path());
        assert_eq!(d.get("m1", ID).as_deref(), Some(&*t));
        assert_eq!(d.get("late", ID).as_deref(), Some(&*t));
        assert_eq!(d.get("m39", ID).as_deref(), Some(&*s));
        assert!(d.get("m0", ID).is_none());
    }

    #[test]
    fn merges_what_another_process_wrote() {
        let dir = folder();
        let s = summary(b"Subject: x\n\n");
        let mut one = FolderCache::new(dir.path());
        let mut two = FolderCache::new(dir.path());
        assert!(one.get("a", ID).is_none());
        assert!(two.get("b", ID).is_none());
        one.put_parsed("a", ID, s.clone(), None);
        one.flush(|_| true).unwrap();
        two.put_parsed("b", ID, s.clone(), None);
        two.flush(|_| true).unwrap();
        let mut three = FolderCache::new(dir.path());
        assert!(three.get("a", ID).is_some());
        assert!(three.get("b", ID).is_some());
    }
}
