//! `courierimapuiddb`: the per-folder UID database, in Courier's exact format (peers.md §5):
//!
//! ```text
//! 1 <uidvalidity> <nextuid>
//! <uid> <base name without ":2,flags">
//! ```
//!
//! Lines are in ascending UID order; expunged UIDs simply disappear. A file that does not
//! parse, or that could lead to a UID being reused (UIDs not ascending, a UID ≥ nextuid, a
//! base name twice), is treated as lost: the folder gets a new UIDVALIDITY (design
//! invariant 1).

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::core::store::Uid;

/// The file name inside each folder.
pub const FILE: &str = "courierimapuiddb";

/// Courier's IMAP epoch: UIDVALIDITY = time − 1 000 000 000 (peers.md §5, courier-imapd).
pub const IMAP_EPOCH: u64 = 1_000_000_000;

/// The parsed database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UidDb {
    /// UIDVALIDITY.
    pub validity: u32,
    /// The next UID to assign; never decreases.
    pub next: Uid,
    /// (UID, base name), ascending by UID.
    pub entries: Vec<(Uid, String)>,
}

/// Adds the entries `db.entries[first_new..]` (all above every entry already in the file)
/// to the database file in place, instead of rewriting it: first the header with the new
/// `next` (same length, over the old one), fsync'd, then the new lines at the end, fsync'd.
/// A crash in between leaves a header that already counts the new UIDs, so their messages
/// get new ones later and no UID is ever given twice (Courier trusts the header's `next`).
/// Only for a caller holding the dot-lock, since readers under the lock must never see the
/// file half-written. Returns `false`, having written nothing, when the file does not start
/// with the header of `validity` and `old_next`, does not end in a newline, or the new
/// header would be longer (the caller then rewrites the file).
pub fn append_in_place(
    dir: &Path,
    old_next: Uid,
    db: &UidDb,
    first_new: usize,
) -> io::Result<bool> {
    use std::fmt::Write as _;
    use std::os::unix::fs::FileExt;
    let old_header = format!("1 {} {}\n", db.validity, old_next);
    let new_header = format!("1 {} {}\n", db.validity, db.next);
    if new_header.len() != old_header.len() {
        return Ok(false);
    }
    let file = match std::fs::File::options()
        .read(true)
        .write(true)
        .open(dir.join(FILE))
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let size = file.metadata()?.len();
    let mut head = vec![0u8; old_header.len()];
    let mut last = [0u8; 1];
    if size <= head.len() as u64
        || file.read_exact_at(&mut head, 0).is_err()
        || head != old_header.as_bytes()
        || file.read_exact_at(&mut last, size - 1).is_err()
        || last[0] != b'\n'
    {
        return Ok(false);
    }
    let mut lines = String::new();
    for (uid, base) in &db.entries[first_new..] {
        let _ = writeln!(lines, "{uid} {base}");
    }
    file.write_all_at(new_header.as_bytes(), 0)?;
    file.sync_all()?;
    file.write_all_at(lines.as_bytes(), size)?;
    file.sync_all()?;
    Ok(true)
}

/// Which file a database was read from: every writer replaces the file by a rename (a new
/// inode, its own mtime and ctime), so an equal identity means the same bytes and the parsed
/// database can be reused without reading it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl FileIdentity {
    /// The identity of a file from its metadata.
    pub fn of(m: &std::fs::Metadata) -> FileIdentity {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        FileIdentity {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
        }
    }

    /// (mtime in ns, inode, size), as a folder's stamp has them (`stamp.rs`).
    pub fn stamp_entry(&self) -> (i128, u64, u64) {
        (self.mtime_ns, self.ino, self.size)
    }

    /// The identity of `dir/courierimapuiddb` now; `None` if it does not exist.
    pub fn current(dir: &Path) -> io::Result<Option<FileIdentity>> {
        match std::fs::metadata(dir.join(FILE)) {
            Ok(m) => Ok(Some(FileIdentity::of(&m))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Why an existing database cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt {
    /// The UIDVALIDITY of the damaged file, if its header could still be read.
    pub old_validity: Option<u32>,
    /// What was wrong, for the log.
    pub why: String,
}

impl UidDb {
    /// An empty database with a fresh UIDVALIDITY greater than `old` (if any).
    pub fn fresh(old: Option<u32>) -> UidDb {
        UidDb {
            validity: new_validity(old),
            next: 1,
            entries: Vec::new(),
        }
    }

    /// Parses the file's text.
    pub fn parse<'a>(text: &'a str) -> Result<UidDb, Corrupt> {
        // Lines end in `\n` (a `\r` before it is dropped). The searches are the memchr
        // crate's: this runs over every line of a folder's database at SELECT.
        let line_of = |l: &'a str| -> &'a str { l.strip_suffix('\r').unwrap_or(l) };
        let (header, mut rest) = match memchr::memchr(b'\n', text.as_bytes()) {
            Some(i) => (line_of(&text[..i]), &text[i + 1..]),
            None => (text, ""),
        };
        let fields: Vec<&str> = header.split(' ').collect();
        let bad = |old: Option<u32>, why: &str| Corrupt {
            old_validity: old,
            why: why.to_owned(),
        };
        if fields.len() != 3 || fields[0] != "1" {
            return Err(bad(None, "bad header line"));
        }
        let validity: u32 = match fields[1].parse() {
            Ok(v) if v != 0 => v,
            _ => return Err(bad(None, "bad uidvalidity")),
        };
        let old = Some(validity);
        let next: Uid = match fields[2].parse() {
            Ok(n) if n != 0 => n,
            _ => return Err(bad(old, "bad nextuid")),
        };
        if !text.contains('\n') {
            return Err(bad(old, "truncated (no final newline)"));
        }
        // A last line without its newline is a write cut short by a crash
        // ([`append_in_place`] writes the header first): it is left out, and its message
        // gets a new UID above `next`, which the header already counts.
        let count = memchr::memchr_iter(b'\n', rest.as_bytes()).count();
        // Exactly sized: the database is kept for the session's life (and a damaged file of
        // bare newlines reserves no more than its text: a line is at least `1 a\n`).
        let cap = count.min(text.len() / 4);
        let mut entries = Vec::with_capacity(cap);
        let mut seen =
            rustc_hash::FxHashSet::with_capacity_and_hasher(cap, rustc_hash::FxBuildHasher);
        let mut last = 0;
        while let Some(end) = memchr::memchr(b'\n', rest.as_bytes()) {
            let line = line_of(&rest[..end]);
            rest = &rest[end + 1..];
            let space = memchr::memchr(b' ', line.as_bytes())
                .ok_or_else(|| bad(old, "line without a space"))?;
            let (uid, base) = (&line[..space], &line[space + 1..]);
            let uid: Uid = uid.parse().map_err(|_| bad(old, "bad uid"))?;
            if uid <= last || uid >= next {
                return Err(bad(old, "uids not ascending or not below nextuid"));
            }
            if base.is_empty() || memchr::memchr2(b'/', b':', base.as_bytes()).is_some() {
                return Err(bad(old, "bad base name"));
            }
            if !seen.insert(base) {
                return Err(bad(old, "base name listed twice"));
            }
            last = uid;
            entries.push((uid, base.to_owned()));
        }
        Ok(UidDb {
            validity,
            next,
            entries,
        })
    }

    /// Parses the file's bytes. A torn last line is cut off before the text is decoded
    /// (it may end inside a multi-byte character); see [`UidDb::parse`].
    pub fn parse_bytes(bytes: &[u8]) -> Result<UidDb, Corrupt> {
        let whole = match bytes.iter().rposition(|&b| b == b'\n') {
            Some(i) if i + 1 < bytes.len() => &bytes[..=i],
            _ => bytes,
        };
        match std::str::from_utf8(whole) {
            Ok(text) => UidDb::parse(text),
            Err(_) => Err(Corrupt {
                old_validity: None,
                why: "not UTF-8".into(),
            }),
        }
    }

    /// The file's text.
    pub fn format(&self) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(32 + self.entries.len() * (12 + 48));
        let _ = writeln!(out, "1 {} {}", self.validity, self.next);
        for (uid, base) in &self.entries {
            let _ = writeln!(out, "{uid} {base}");
        }
        out
    }

    /// UIDVALIDITY and UIDNEXT from the header line of `dir/courierimapuiddb` alone (read
    /// without the lock: the file is replaced by a rename or its header rewritten in place
    /// with the same length); `None` if it is missing or the header does not parse.
    pub fn read_header(dir: &Path) -> Option<(u32, Uid)> {
        use std::io::Read;
        let mut head = [0u8; 48];
        // (no symlink followed, no FIFO waited on: a header read answers STATUS)
        let mut file = super::atomic::open_to_read(&dir.join(FILE)).ok()?;
        let mut len = 0;
        while len < head.len() {
            match file.read(&mut head[len..]).ok()? {
                0 => break,
                n => len += n,
            }
        }
        let line = &head[..head[..len].iter().position(|&b| b == b'\n')?];
        let mut fields = std::str::from_utf8(line).ok()?.split(' ');
        let (Some("1"), Some(v), Some(n), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return None;
        };
        let (v, n): (u32, Uid) = (v.parse().ok()?, n.parse().ok()?);
        (v != 0 && n != 0).then_some((v, n))
    }

    /// Reads `dir/courierimapuiddb`: `Ok(None)` if it does not exist.
    pub fn read(dir: &Path) -> io::Result<Option<Result<UidDb, Corrupt>>> {
        Ok(UidDb::read_with_id(dir)?.map(|(db, _)| db))
    }

    /// Like [`UidDb::read`], with the identity of the file read (taken from the open file,
    /// so it belongs to exactly these bytes).
    pub fn read_with_id(dir: &Path) -> io::Result<Option<(Result<UidDb, Corrupt>, FileIdentity)>> {
        use std::io::Read;
        let mut file = match std::fs::File::open(dir.join(FILE)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let id = FileIdentity::of(&file.metadata()?);
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(Some((UidDb::parse_bytes(&bytes), id)))
    }

    /// Assigns the next UID to `base`.
    pub fn push(&mut self, base: String) -> Uid {
        let uid = self.next;
        self.next += 1;
        self.entries.push((uid, base));
        uid
    }
}

/// Prefix of the marker files in the Maildir root's `tmp/` that claim UIDVALIDITY values:
/// `tmp/imapd-uidvalidity.<value>`.
pub const VALIDITY_MARKER: &str = "imapd-uidvalidity.";

/// Markers this far below the current time-based value are removed (no process still picks
/// candidates that low).
const MARKER_KEEP: u32 = 3600;

/// A new UIDVALIDITY that no other process on this Maildir obtains: the time-based value of
/// [`new_validity`] (Courier's choice, above `old`), bumped until an exclusive create of
/// `<root>/tmp/imapd-uidvalidity.<value>` succeeds. So a folder deleted and re-created
/// within one second — by this or another process — still gets a new, greater value
/// (RFC 3501 §2.3.1.1; design invariant 1). Courier does not know the markers: a folder it
/// re-creates in the same second as we do can still collide with ours.
pub fn claim_validity(root: &Path, old: Option<u32>) -> u32 {
    claim_from(root, new_validity(old))
}

/// Claims the first free value from `candidate` on (see [`claim_validity`]).
pub fn claim_from(root: &Path, candidate: u32) -> u32 {
    let tmp = root.join("tmp");
    let mut v = candidate;
    // Never below a value another process claimed (the markers of the last hour).
    if let Ok(entries) = std::fs::read_dir(&tmp) {
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(n) = name
                .to_str()
                .and_then(|n| n.strip_prefix(VALIDITY_MARKER))
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if n.saturating_add(MARKER_KEEP) < v {
                let _ = std::fs::remove_file(e.path());
            } else if n >= v {
                v = n.saturating_add(1);
            }
        }
    }
    for _ in 0..1000 {
        match super::atomic::create_new(&tmp.join(format!("{VALIDITY_MARKER}{v}"))) {
            Ok(_) => {
                LAST_VALIDITY.fetch_max(v, Ordering::SeqCst);
                return v;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => v = v.saturating_add(1),
            // No tmp/ to claim in: the per-process value is the best we have.
            Err(_) => return v,
        }
    }
    v
}

/// The largest UIDVALIDITY this process has handed out, so two folders (or a folder deleted
/// and re-created) within one second still get distinct, growing values here.
static LAST_VALIDITY: AtomicU32 = AtomicU32::new(0);

/// A new UIDVALIDITY: now − IMAP_EPOCH (Courier's choice), but above `old` and above
/// anything this process issued before (RFC 3501 §2.3.1.1: a new one must be greater).
pub fn new_validity(old: Option<u32>) -> u32 {
    let now = super::deliver::now().0.saturating_sub(IMAP_EPOCH);
    let mut v = u32::try_from(now).unwrap_or(u32::MAX - 1).max(1);
    if let Some(old) = old {
        v = v.max(old.saturating_add(1));
    }
    let prev = LAST_VALIDITY.fetch_max(v, Ordering::SeqCst);
    if prev >= v {
        // Someone in this process took this value already: take the next one.
        LAST_VALIDITY.fetch_add(1, Ordering::SeqCst) + 1
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample from peers.md §5, written by Courier 5.0.13.
    const COURIER: &str = "1 795693322 5\n2 1136214245.M2P1000.seed\n\
        4 1795693322.M143980P2613V000000000000FE00I000000000098C632_3.vm,S=17\n";

    #[test]
    fn round_trips_courier_sample() {
        let db = UidDb::parse(COURIER).unwrap();
        assert_eq!(db.validity, 795_693_322);
        assert_eq!(db.next, 5);
        assert_eq!(db.entries.len(), 2);
        assert_eq!(db.entries[0], (2, "1136214245.M2P1000.seed".to_owned()));
        assert_eq!(db.format(), COURIER);
        let empty = UidDb::parse("1 795693324 1\n").unwrap();
        assert!(empty.entries.is_empty());
        assert_eq!(empty.format(), "1 795693324 1\n");
    }

    #[test]
    fn rejects_damage() {
        for (text, old) in [
            ("", None),
            ("garbage\n", None),
            ("2 5 6\n", None),
            ("1 0 1\n", None),
            ("1 77 x\n", Some(77)),
            ("1 77 5", Some(77)),
            ("1 77 5\n3 a\n2 b\n", Some(77)),
            ("1 77 5\n5 a\n", Some(77)),
            ("1 77 5\n1 a\n2 a\n", Some(77)),
            ("1 77 5\nx a\n", Some(77)),
            ("1 77 5\n1 ../x\n", Some(77)),
            ("1 77 5\n1\n", Some(77)),
            ("1 77 5\n1 \n", Some(77)),
            ("1 77 5\n1 a:2,S\n", Some(77)),
            ("1 77 5\n1 a\n\n", Some(77)),
        ] {
            let err = UidDb::parse(text).unwrap_err();
            assert_eq!(err.old_validity, old, "{text:?}");
        }
    }

    /// A last line cut short (a crash while appending in place) is left out; the header's
    /// `next` already counts it.
    #[test]
    fn a_torn_last_line_is_left_out() {
        let db = UidDb::parse("1 77 5\n2 a\n4 b").unwrap();
        assert_eq!((db.next, db.entries.len()), (5, 1));
        assert_eq!(db.entries[0], (2, "a".to_owned()));
    }

    /// Lines may end in CRLF (the `\r` is not part of the base name).
    #[test]
    fn crlf_lines_are_read_as_lines() {
        let db = UidDb::parse("1 77 5\r\n2 a\r\n4 b\n").unwrap();
        assert_eq!((db.validity, db.next), (77, 5));
        assert_eq!(db.entries, [(2, "a".to_owned()), (4, "b".to_owned())]);
    }

    #[test]
    fn a_last_line_torn_inside_a_character_is_left_out() {
        let db = UidDb::parse_bytes(b"1 77 5\n2 a\n3 caf\xc3").unwrap();
        assert_eq!((db.validity, db.next, db.entries.len()), (77, 5, 1));
    }

    /// The header STATUS compares is read from the database itself: not through a
    /// symlink, and not waited on when a FIFO stands in its place.
    #[test]
    fn the_header_is_read_from_a_regular_file_only() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("elsewhere");
        std::fs::write(&real, "1 77 5\n2 a\n").unwrap();
        std::fs::copy(&real, d.path().join(FILE)).unwrap();
        assert_eq!(UidDb::read_header(d.path()), Some((77, 5)));
        std::fs::remove_file(d.path().join(FILE)).unwrap();
        std::os::unix::fs::symlink(&real, d.path().join(FILE)).unwrap();
        assert_eq!(UidDb::read_header(d.path()), None, "a symlink");
        std::fs::remove_file(d.path().join(FILE)).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            d.path().join(FILE),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert_eq!(UidDb::read_header(d.path()), None, "a FIFO, at once");
    }

    #[test]
    fn appends_in_place_or_declines() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join(FILE);
        let mut db = UidDb::parse("1 77 5\n2 a\n4 b\n").unwrap();
        std::fs::write(&file, db.format()).unwrap();
        let ino = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
        let before = ino(&file);
        db.push("c".into());
        db.push("d".into());
        assert!(append_in_place(d.path(), 5, &db, 2).unwrap());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), db.format());
        assert_eq!(ino(&file), before, "written in place");
        // A header that would grow (9 → 10) is left to a rewrite.
        let mut db9 = UidDb::parse("1 77 9\n8 a\n").unwrap();
        std::fs::write(&file, db9.format()).unwrap();
        db9.push("b".into());
        assert!(!append_in_place(d.path(), 9, &db9, 1).unwrap());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "1 77 9\n8 a\n");
        // Not the file the caller thinks it is (another next), or a torn last line: declined.
        let mut other = UidDb::parse("1 77 5\n2 a\n").unwrap();
        std::fs::write(&file, "1 77 6\n2 a\n").unwrap();
        other.push("b".into());
        assert!(!append_in_place(d.path(), 5, &other, 1).unwrap());
        std::fs::write(&file, "1 77 5\n2 a\n3 b").unwrap();
        assert!(!append_in_place(d.path(), 5, &other, 1).unwrap());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "1 77 5\n2 a\n3 b");
    }

    /// Two processes (here: two claims without the per-process memory's help) deleting and
    /// re-creating a folder within one second get distinct values.
    #[test]
    fn claimed_validities_are_unique_per_maildir() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("tmp")).unwrap();
        // Two processes with the same clock second propose the same value.
        let a = claim_from(d.path(), 795_000_000);
        let b = claim_from(d.path(), 795_000_000);
        assert_eq!((a, b), (795_000_000, 795_000_001));
        assert!(d.path().join(format!("tmp/{VALIDITY_MARKER}{a}")).exists());
        // An old marker is pruned, a future one is respected.
        std::fs::write(d.path().join(format!("tmp/{VALIDITY_MARKER}5")), "").unwrap();
        std::fs::write(
            d.path().join(format!("tmp/{VALIDITY_MARKER}{}", b + 50)),
            "",
        )
        .unwrap();
        assert_eq!(claim_from(d.path(), b), b + 51);
        assert!(!d.path().join(format!("tmp/{VALIDITY_MARKER}5")).exists());
    }

    #[test]
    fn new_validity_grows() {
        let a = new_validity(None);
        let b = new_validity(None);
        assert!(b > a);
        let now = (super::super::deliver::now().0 - IMAP_EPOCH) as u32;
        assert!(a >= now);
        assert!(new_validity(Some(now + 100)) > now + 100);
    }
}
