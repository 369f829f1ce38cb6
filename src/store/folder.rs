//! One folder on disk: its message files in `new/` and `cur/`, claiming `\Recent`, and the
//! UID database update under the lock.

use std::collections::HashSet;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::atomic;
use super::deliver::arrival_key;
use super::events::Change;
use super::files::{FileEntry, Files};
use super::flags;
use super::lock::{FolderLock, LockOptions};
use super::uiddb::{self, FileIdentity, UidDb};

/// Calls `each` with every message file name in `dir` (maildir.txt: names starting with a
/// dot are skipped, as are directories). Reads the directory with `getdents64` into one
/// buffer: no allocation per entry (a folder rescan lists every file at every change).
fn each_name(dir: &Path, mut each: impl FnMut(&str)) -> io::Result<()> {
    use rustix::fs::{FileType, Mode, OFlags, RawDir};
    let fd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
        Mode::empty(),
    )?;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut entries = RawDir::new(fd, buf.spare_capacity_mut());
    while let Some(entry) = entries.next() {
        let entry = entry?;
        let Ok(name) = entry.file_name().to_str() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        match entry.file_type() {
            FileType::Directory => continue,
            // Some file systems do not fill in d_type: ask.
            FileType::Unknown if dir.join(name).is_dir() => continue,
            _ => {}
        }
        each(name);
    }
    Ok(())
}

/// Lists `new/` then `cur/` (in that order, so a file moved from new/ to cur/ meanwhile is
/// seen at least once); a name in `cur/` wins over the same base in `new/` (a claim seen
/// half-way).
pub fn scan(folder: &Path) -> io::Result<Files> {
    let mut files = Files::default();
    // Pass 0: a fresh map, and no later `rescan` uses 0 (see `rescan`).
    rescan(folder, &mut files, 0)?;
    Ok(files)
}

/// Brings `files` (an earlier result of [`scan`] or `rescan`) up to date: the same result as
/// a fresh [`scan`], but entries of unchanged files are kept rather than allocated again (a
/// session rescans a changed folder at every command). `pass` must differ from the previous
/// call's, and be non-zero on a map that is not fresh. Returns whether the set of base names
/// changed (files renamed in place do not count).
pub fn rescan(folder: &Path, files: &mut Files, pass: u32) -> io::Result<bool> {
    let mut added = false;
    // Records `name` as seen in this pass; false if a `cur/` name of its base already was
    // (a claim seen half-way: cur/ wins).
    let mut see = |files: &mut Files, name: &str, in_new: bool| {
        let base = flags::split(name).0;
        match files.get_mut(base) {
            Some(e) if in_new && e.pass == pass && !e.in_new => {}
            Some(e) => {
                e.rename(name, in_new);
                e.pass = pass;
            }
            None => {
                added = true;
                let mut e = FileEntry::new(name, in_new);
                e.pass = pass;
                files.insert(e);
            }
        }
    };
    let mut from_new: Vec<String> = Vec::new();
    each_name(&folder.join("new"), |name| from_new.push(name.to_owned()))?;
    each_name(&folder.join("cur"), |name| see(files, name, false))?;
    for name in &from_new {
        see(files, name, true);
    }
    let before = files.len();
    files.retain(|e| e.pass == pass);
    Ok(added || files.len() != before)
}

/// Applies entry changes of `new/` and `cur/` ([`events`](super::events), in the order they
/// happened) to `files`, a map made of observations (listings, renames of our own) since
/// the changes began to be recorded: afterwards it is what a fresh [`scan`] would find.
/// Every base touched is added to `touched` with the UID its entry had before (0 if none).
/// Returns how the set of base names changed, or `None` if the map cannot tell — two
/// files of one base at once (a link-then-unlink rename, a claim seen half-way), where only
/// a listing knows which one a scan would keep; `files` must then be rescanned.
pub fn apply(
    files: &mut Files,
    changes: &[Change],
    touched: &mut rustc_hash::FxHashMap<String, u32>,
) -> Option<Delta> {
    // Whether each base touched in this call was present before it.
    let mut had: rustc_hash::FxHashMap<&str, bool> = Default::default();
    for c in changes {
        let base = flags::split(&c.name).0;
        let entry = files.get(base);
        had.entry(base).or_insert(entry.is_some());
        let uid = touched
            .entry(base.to_owned())
            .or_insert(entry.map_or(0, |e| e.uid));
        let same = entry.is_some_and(|e| e.name() == c.name && e.in_new == c.in_new);
        match (c.present, entry) {
            (true, None) => {
                // A rename arrives as the old name leaving, then the new one appearing: the
                // base (the message) and so its UID stay the same.
                let mut e = FileEntry::new(c.name.as_str(), c.in_new);
                e.uid = *uid;
                files.insert(e);
            }
            (true, Some(_)) if !same => return None,
            // A name we do not hold went away: an older name of a file we already know by
            // its newer one (our own rename, or a listing made after it), or a file never
            // seen.
            (false, Some(_)) if same => {
                files.remove(base);
            }
            _ => {}
        }
    }
    let mut delta = Delta::default();
    for (b, had) in had {
        match (had, files.contains_key(b)) {
            (false, true) => delta.added.push(b.to_owned()),
            (true, false) => delta.removed = true,
            _ => {}
        }
    }
    Some(delta)
}

/// How [`apply`] changed the set of base names.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delta {
    /// Bases that were not there before.
    pub added: Vec<String>,
    /// Whether any base went away.
    pub removed: bool,
}

impl Delta {
    /// Whether the set of base names changed.
    pub fn changed(&self) -> bool {
        self.removed || !self.added.is_empty()
    }
}

/// Gives UIDs to `bases`, in their order, keeping a UID the database already has for one
/// of them. Returns their UIDs and how many were new. A few names are looked for in one
/// pass; a map of every entry would cost a hash of each (100k in a large folder).
pub fn register(db: &mut UidDb, bases: &[String]) -> (Vec<u32>, usize) {
    let known: Option<std::collections::HashMap<&str, u32>> =
        (bases.len() > 4).then(|| db.entries.iter().map(|(u, b)| (b.as_str(), *u)).collect());
    let lookup = |b: &str| match &known {
        Some(k) => k.get(b).copied(),
        None => db.entries.iter().find(|e| e.1 == b).map(|e| e.0),
    };
    let found: Vec<Option<u32>> = bases.iter().map(|b| lookup(b)).collect();
    drop(known);
    let mut pushed = 0;
    let uids = bases
        .iter()
        .zip(found)
        .map(|(b, u)| {
            u.unwrap_or_else(|| {
                pushed += 1;
                db.push(b.clone())
            })
        })
        .collect();
    (uids, pushed)
}

/// Sorts new base names into arrival order (maildir.txt: the name starts with the delivery
/// time), the order their UIDs are given in.
pub fn sort_arrivals(bases: &mut [String]) {
    // (each key parsed once, not at every comparison)
    let mut keyed: Vec<_> = bases
        .iter_mut()
        .map(|b| (arrival_key(b), std::mem::take(b)))
        .collect();
    keyed.sort_unstable();
    for (slot, (_, b)) in bases.iter_mut().zip(keyed) {
        *slot = b;
    }
}

/// The names a Maildir writer gives the file of `base`: in `new/` the bare name; in `cur/`
/// the bare name or `:2,` plus a subset of the letters `DFRST` in ASCII order (maildir.txt),
/// the common case first.
fn candidates(base: &str) -> impl Iterator<Item = FileEntry> + '_ {
    let in_cur = (0u32..32).map(move |mask| {
        let letters: String = "DFRST"
            .chars()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, c)| c)
            .collect();
        FileEntry::new(flags::with_letters(base, &letters), false)
    });
    let bare = [
        FileEntry::new(base.to_owned(), true),
        FileEntry::new(base.to_owned(), false),
    ];
    in_cur.chain(bare)
}

/// Looks for `base` by name (no directory listing): a few rounds of `stat` over its
/// [`candidates`]. A directory listing can miss a file that another process renames while
/// it is read (readdir gives no guarantee for entries renamed meanwhile — found by
/// `tests/torture.rs`: a STORE rename during a rescan made a message look expunged); a
/// message being renamed is found here unless it is renamed again within every round.
pub fn probe(folder: &Path, base: &str) -> io::Result<Option<FileEntry>> {
    for _ in 0..3 {
        for c in candidates(base) {
            match std::fs::symlink_metadata(c.path(folder)) {
                Ok(_) => return Ok(Some(c)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(None)
}

/// Finds the current file of `base` after a rename by someone else: by name first, then
/// (for names with letters other than `DFRST`) by listing the folder.
pub fn find(folder: &Path, base: &str) -> io::Result<Option<FileEntry>> {
    if let Some(e) = probe(folder, base)? {
        return Ok(Some(e));
    }
    Ok(scan(folder)?.remove(base))
}

/// Moves every file in `new/` to `cur/` with `:2,` (maildir.txt; peers.md §5: the process
/// that renames gets `\Recent`). Returns the base names this call moved; a file another
/// process moved first fails with ENOENT and is not ours.
pub fn claim_new(folder: &Path) -> io::Result<Vec<String>> {
    let mut claimed = Vec::new();
    let new = folder.join("new");
    let cur = folder.join("cur");
    for entry in std::fs::read_dir(&new)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let (base, info) = flags::split(&name);
        let target = match info {
            Some(_) => name.clone(),
            None => flags::with_letters(base, ""),
        };
        match std::fs::rename(new.join(&name), cur.join(&target)) {
            Ok(()) => claimed.push(base.to_owned()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    if !claimed.is_empty() {
        atomic::fsync_dir(&cur)?;
        atomic::fsync_dir(&new)?;
    }
    Ok(claimed)
}

/// The Maildir root of a folder: the folder itself for INBOX, its parent for a Maildir++
/// folder (which has a `maildirfolder` file, maildirplusplus.txt).
pub fn maildir_root(folder: &Path) -> PathBuf {
    match folder.parent() {
        Some(parent) if folder.join("maildirfolder").exists() => parent.to_path_buf(),
        _ => folder.to_path_buf(),
    }
}

/// tmp/ files at least this old are deleted at a scan (maildir.txt "Reading mail from
/// maildirs"; Courier does it at every scan, by ctime — peers.md §5).
pub const TMP_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(36 * 3600);

/// Deletes the files in `tmp/` whose ctime is at least `max_age` old ([`TMP_MAX_AGE`] in
/// use; directories and anything else are left alone, our folder-deletion leftovers are
/// handled at open).
pub fn clean_tmp(folder: &Path, max_age: std::time::Duration) -> io::Result<usize> {
    use std::os::unix::fs::MetadataExt;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let mut removed = 0;
    for e in std::fs::read_dir(folder.join("tmp"))? {
        let e = e?;
        let Ok(m) = e.path().symlink_metadata() else {
            continue;
        };
        if m.file_type().is_file() && now - m.ctime() >= max_age.as_secs() as i64 {
            match std::fs::remove_file(e.path()) {
                Ok(()) => removed += 1,
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
    }
    Ok(removed)
}

/// How the UID database is kept consistent between processes.
#[derive(Debug, Clone)]
pub struct DbPolicy {
    /// The lock settings (dot-lock or in-process only).
    pub lock: LockOptions,
}

/// Reads the database as raw bytes (`None` if missing).
fn read_raw(folder: &Path) -> io::Result<Option<Vec<u8>>> {
    match std::fs::read(folder.join(uiddb::FILE)) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Interprets raw database bytes; a missing or damaged database yields a fresh one (new
/// UIDVALIDITY, greater than the damaged one's) and `true` (must be written).
pub fn interpret(folder: &Path, raw: Option<&[u8]>) -> (UidDb, bool) {
    let fresh = |old: Option<u32>| UidDb {
        validity: uiddb::claim_validity(&maildir_root(folder), old),
        next: 1,
        entries: Vec::new(),
    };
    match raw {
        None => (fresh(None), true),
        Some(bytes) => {
            let parsed = UidDb::parse_bytes(bytes);
            match parsed {
                Ok(db) => (db, false),
                Err(c) => {
                    let db = fresh(c.old_validity);
                    eprintln!(
                        "imapd: {}: {} is damaged ({}); new UIDVALIDITY {}",
                        folder.display(),
                        uiddb::FILE,
                        c.why,
                        db.validity
                    );
                    (db, true)
                }
            }
        }
    }
}

/// Read-modify-write of the UID database under the folder lock: `f` changes the database
/// (removing entries or pushing new ones, nothing else); it is written (tmp/, fsync, rename, fsync dir) if it changed. Without the dot-lock the
/// file is re-read just before the rename and the whole step redone if another process
/// replaced it meanwhile (the remaining window is the few microseconds between that check
/// and the rename; only the dot-lock closes it, as Courier documents for IMAP_USELOCKS=0).
pub fn update_db<T>(
    folder: &Path,
    policy: &DbPolicy,
    f: impl FnMut(&mut UidDb) -> io::Result<T>,
) -> io::Result<(UidDb, Option<FileIdentity>, T)> {
    let _lock = FolderLock::acquire(folder, &policy.lock)?;
    update_db_held(folder, policy, None, f)
}

/// [`update_db`] for a caller that already holds the folder's lock (e.g. to publish a file
/// and give it its UID in one step). Also returns the identity of the database file as it
/// stands with the lock still held (with the dot-lock, that is the file of the returned
/// database, so a later rescan need not read it again); `None` without the dot-lock.
///
/// `known` is a database the caller read or wrote before, with its file's identity: with
/// the dot-lock held, a file that still has that identity holds those bytes, so it is not
/// read and parsed again.
pub fn update_db_held<T>(
    folder: &Path,
    policy: &DbPolicy,
    known: Option<(UidDb, FileIdentity)>,
    mut f: impl FnMut(&mut UidDb) -> io::Result<T>,
) -> io::Result<(UidDb, Option<FileIdentity>, T)> {
    let mut known = known.filter(|_| policy.lock.dot_lock);
    for _ in 0..20 {
        let unchanged = match known.take() {
            Some((db, id)) if FileIdentity::current(folder)? == Some(id) => Some(db),
            _ => None,
        };
        let from_known = unchanged.is_some();
        let (raw, mut db, dirty) = match unchanged {
            Some(db) => (None, db, false),
            None => {
                let raw = read_raw(folder)?;
                let (db, dirty) = interpret(folder, raw.as_deref());
                (raw, db, dirty)
            }
        };
        // `f` only removes entries (`retain`) and adds them (`push`, which advances `next`),
        // so these three say whether it changed anything, without a copy to compare.
        let shape = |db: &UidDb| (db.validity, db.next, db.entries.len());
        let before = shape(&db);
        let last_before = db.entries.last().map(|e| e.0);
        let out = f(&mut db)?;
        let changed = shape(&db) != before;
        // Only pushed (UIDs ascend, so the old last entry still sits at its index exactly
        // when nothing before it was removed): the new lines can be appended in place.
        let first_new = before.2;
        let appended_only = changed
            && db.validity == before.0
            && db.entries.len() > first_new
            && (first_new == 0 || db.entries.get(first_new - 1).map(|e| e.0) == last_before);
        if dirty || changed {
            if !policy.lock.dot_lock && read_raw(folder)? != raw {
                continue;
            }
            let in_place = !dirty
                && appended_only
                && policy.lock.dot_lock
                && first_new > 0
                && uiddb::append_in_place(folder, before.1, &db, first_new)?;
            if in_place {
                let id = FileIdentity::current(folder)?;
                return Ok((db, id, out));
            }
            if from_known {
                // The file is not what `known` says after all (an identity can repeat: inode
                // numbers are reused and timestamps are coarse): never write a database not
                // read under the lock; read it and redo the change.
                continue;
            }
            atomic::replace(
                &folder.join("tmp"),
                "imapuid_",
                &folder.join(uiddb::FILE),
                db.format().as_bytes(),
            )?;
        }
        let id = if policy.lock.dot_lock {
            FileIdentity::current(folder)?
        } else {
            None
        };
        return Ok((db, id, out));
    }
    Err(io::Error::other("uid database keeps changing"))
}

/// Brings the database in line with the files: drops lines of files that are gone, gives
/// UIDs to new files in arrival order (maildir.txt: the name starts with the delivery time).
/// Returns the files found.
pub fn reconcile(folder: &Path, db: &mut UidDb) -> io::Result<Files> {
    let mut files = scan(folder)?;
    if db.entries.iter().any(|(_, b)| !files.contains_key(b)) {
        // A concurrent STORE rename may hide a file from a directory listing: look again,
        // then by name, before deciding it is gone (forgetting it would give it a new UID
        // later — design invariant 1).
        for e in scan(folder)? {
            files.insert_new(e);
        }
        for (_, base) in &db.entries {
            if !files.contains_key(base) {
                if let Some(e) = probe(folder, base)? {
                    files.insert(e);
                }
            }
        }
    }
    db.entries.retain(|(_, b)| files.contains_key(b));
    let known: HashSet<&str> = db.entries.iter().map(|(_, b)| b.as_str()).collect();
    let mut fresh: Vec<String> = files
        .bases()
        .filter(|b| !known.contains(b))
        .map(str::to_owned)
        .collect();
    sort_arrivals(&mut fresh);
    for base in fresh {
        db.push(base);
    }
    Ok(files)
}

/// True if the database already matches the files (nothing to write).
pub fn in_sync(db: &UidDb, files: &Files) -> bool {
    db.entries.len() == files.len() && db.entries.iter().all(|(_, b)| files.contains_key(b))
}

/// Reads the database without locking; `None` if it is missing or damaged.
pub fn peek_db(folder: &Path) -> io::Result<Option<UidDb>> {
    Ok(UidDb::read(folder)?.and_then(Result::ok))
}

/// Creates a folder directory with `cur/ new/ tmp/` (0700) and an empty `maildirfolder`
/// (0600) (maildirplusplus.txt; modes as Courier's, peers.md §5). Fails with
/// `AlreadyExists` if `path` exists.
pub fn create(path: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.mode(0o700);
    b.create(path)?;
    for sub in ["tmp", "cur", "new"] {
        b.create(path.join(sub))?;
    }
    atomic::create_new(&path.join("maildirfolder"))?.sync_all()?;
    for sub in ["tmp", "cur", "new"] {
        atomic::fsync_dir(&path.join(sub))?;
    }
    atomic::fsync_dir(path)?;
    atomic::fsync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Checks that `path` and its `cur/ new/ tmp/` are real directories, not symlinks (so a
/// planted symlink cannot lead outside the Maildir); recreates missing subdirectories
/// (a creation interrupted by a crash). `Ok(false)` if `path` itself does not exist.
pub fn check(path: &Path) -> io::Result<bool> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_dir() => {}
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a directory", path.display()),
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    }
    for sub in ["tmp", "cur", "new"] {
        let p = path.join(sub);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_dir() => {}
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is not a directory", p.display()),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match std::fs::DirBuilder::new().mode(0o700).create(&p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arrival order: by (seconds, microseconds) of the name, then by name.
    #[test]
    fn arrivals_sort_by_time_then_name() {
        fn prop(picks: Vec<(u8, u8, u8)>) -> bool {
            let mut bases: Vec<String> = picks
                .iter()
                .map(|&(s, u, t)| match t % 4 {
                    0 => format!("{}.M{}P1.host", s % 7, u % 5),
                    1 => format!("{}.{}_1.host", s % 7, u),
                    2 => format!("x{s}"),
                    _ => format!("{}.M{}", s % 3, u % 3),
                })
                .collect();
            let mut want = bases.clone();
            want.sort_by(|a, b| arrival_key(a).cmp(&arrival_key(b)).then(a.cmp(b)));
            sort_arrivals(&mut bases);
            bases == want
        }
        quickcheck::QuickCheck::new()
            .tests(2_000)
            .quickcheck(prop as fn(Vec<(u8, u8, u8)>) -> bool);
    }

    /// `rescan` over an earlier listing gives exactly what a fresh `scan` gives, through
    /// renames, removals, arrivals, a base in both new/ and cur/, and non-message entries.
    #[test]
    fn rescan_equals_scan() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join(".A");
        create(&f).unwrap();
        let put = |p: &str| std::fs::write(f.join(p), "m").unwrap();
        put("cur/1.M1P1.h:2,S");
        put("cur/2.M1P1.h:2,");
        put("cur/3.M1P1.h");
        put("new/4.M1P1.h");
        let mut files = scan(&f).unwrap();
        let mut pass = 0;
        let mut check = |files: &mut Files| {
            pass += 1;
            rescan(&f, files, pass).unwrap();
            assert_eq!(*files, scan(&f).unwrap());
        };
        check(&mut files);
        std::fs::rename(f.join("cur/1.M1P1.h:2,S"), f.join("cur/1.M1P1.h:2,FS")).unwrap();
        std::fs::remove_file(f.join("cur/2.M1P1.h:2,")).unwrap();
        put("new/5.M1P1.h");
        put("cur/4.M1P1.h:2,"); // a claim seen half-way: cur/ wins
        put(".hidden-not-listed");
        std::fs::create_dir(f.join("cur/subdir")).unwrap();
        put("cur/.dotfile");
        check(&mut files);
        assert_eq!(files.len(), 4);
        assert!(!files.get("4.M1P1.h").unwrap().in_new);
        std::fs::remove_file(f.join("cur/4.M1P1.h:2,")).unwrap();
        check(&mut files);
        assert!(files.get("4.M1P1.h").unwrap().in_new);
        for e in std::fs::read_dir(f.join("cur")).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::remove_file(p).unwrap();
            }
        }
        check(&mut files);
        assert_eq!(files.len(), 2);
    }

    /// Replaying inotify events over a listing taken at any moment after the watch began,
    /// sync after sync, gives what a fresh `scan` gives (or asks for a listing), through
    /// deliveries, claims, renames by others, renames we make ourselves and record at once,
    /// link-then-unlink renames and deletions.
    #[test]
    fn events_replayed_over_a_listing_equal_a_scan() {
        use super::super::events::FolderEvents;
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let sub = |in_new: bool| if in_new { "new" } else { "cur" };
        let (mut replayed, mut asked) = (0, 0);
        for round in 0..40 {
            let d = tempfile::tempdir().unwrap();
            let f = d.path().join(".A");
            create(&f).unwrap();
            let mut ev = FolderEvents::start(&f).expect("inotify");
            // The store lists right after the watch begins; in every fourth round the listing
            // comes later, so older events are replayed over newer names.
            let listing_at = if round % 4 == 0 { next(10) } else { 0 };
            let mut files: Option<Files> = None;
            let mut names: Vec<(String, bool)> = Vec::new(); // (name, in_new) on disk
            for step in 0..40 {
                if step == listing_at {
                    files = Some(scan(&f).unwrap());
                }
                // Link-then-unlink renames in every third round only.
                let op = match next(7) {
                    3 if round % 3 != 0 => 4,
                    op => op,
                };
                match (op, names.is_empty()) {
                    (0, _) | (_, true) => {
                        let name = format!("{}.M{}P1.h", 1000 + step, next(1000));
                        std::fs::write(f.join("new").join(&name), "m").unwrap();
                        names.push((name, true));
                    }
                    (1 | 2, false) => {
                        // A rename to new letters (a claim moves new/ to cur/): by another
                        // process, or by us, then recorded in the map at once (only for a
                        // file the map knows by its current name, as a session renames
                        // only messages it has synced).
                        let i = next(names.len() as u64) as usize;
                        let (old, in_new) = names[i].clone();
                        let base = flags::split(&old).0.to_owned();
                        let name = format!("{base}:2,{}", ["", "S", "FS"][next(3) as usize]);
                        if !in_new && name == old {
                            continue;
                        }
                        std::fs::rename(f.join(sub(in_new)).join(&old), f.join("cur").join(&name))
                            .unwrap();
                        if let Some(files) = files.as_mut() {
                            let known = files.get(&base) == Some(&FileEntry::new(old, in_new));
                            if known && next(2) == 0 {
                                files.insert(FileEntry::new(name.as_str(), false));
                            }
                        }
                        names[i] = (name, false);
                    }
                    (3, false) => {
                        // Link, then unlink: two files of one base for a moment.
                        let i = next(names.len() as u64) as usize;
                        let (old, in_new) = names[i].clone();
                        let name = format!("{}:2,T", flags::split(&old).0);
                        if name == old {
                            continue;
                        }
                        let from = f.join(sub(in_new)).join(&old);
                        std::fs::hard_link(&from, f.join("cur").join(&name)).unwrap();
                        std::fs::remove_file(from).unwrap();
                        names[i] = (name, false);
                    }
                    (4, false) => {
                        let i = next(names.len() as u64) as usize;
                        let (old, in_new) = names.remove(i);
                        std::fs::remove_file(f.join(sub(in_new)).join(&old)).unwrap();
                    }
                    _ => {}
                }
                // A sync now and then (a command).
                let Some(map) = files.as_mut() else { continue };
                if next(3) != 0 {
                    continue;
                }
                let before: HashSet<String> = map.bases().map(str::to_owned).collect();
                let changes = ev.drain().expect("no overflow");
                let truth = scan(&f).unwrap();
                let mut touched = Default::default();
                match apply(map, &changes, &mut touched).map(|d| d.changed()) {
                    Some(changed) => {
                        replayed += 1;
                        assert_eq!(*map, truth, "changes {changes:?}");
                        let after: HashSet<String> = map.bases().map(str::to_owned).collect();
                        assert_eq!(changed, before != after);
                        for c in &changes {
                            assert!(touched.contains_key(flags::split(&c.name).0));
                        }
                    }
                    None => {
                        asked += 1;
                        *map = truth;
                    }
                }
            }
        }
        // Both outcomes occur (the link-then-unlink steps make the ambiguous one).
        assert!(
            replayed > 200 && asked > 0,
            "replayed {replayed}, asked {asked}"
        );
    }

    /// A database handed in as `known` whose file identity matches but whose content does not
    /// (identities can repeat) is never written back: the file is read under the lock and the
    /// change redone, so no UID is lost or given twice.
    #[test]
    fn a_stale_known_database_is_not_written() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join(".A");
        create(&f).unwrap();
        let policy = DbPolicy {
            lock: LockOptions::default(),
        };
        let file = f.join(uiddb::FILE);
        std::fs::write(&file, "1 77 7\n2 a\n6 d\n").unwrap();
        let id = FileIdentity::current(&f).unwrap().unwrap();
        // What this handle believed before another process expunged b and added d.
        let stale = UidDb::parse("1 77 6\n2 a\n3 b\n").unwrap();
        let (db, _, uid) =
            update_db_held(&f, &policy, Some((stale, id)), |db| Ok(db.push("e".into()))).unwrap();
        assert_eq!(uid, 7);
        assert_eq!(db.format(), "1 77 8\n2 a\n6 d\n7 e\n");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), db.format());
    }

    #[test]
    fn claims_and_reconciles_in_arrival_order() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join(".A");
        create(&f).unwrap();
        std::fs::write(f.join("new/200.M1P1.h"), "b").unwrap();
        std::fs::write(f.join("new/100.M5P1.h"), "a").unwrap();
        std::fs::write(f.join("cur/100.M9P1.h:2,S"), "c").unwrap();
        std::fs::write(f.join("cur/.hidden"), "x").unwrap();
        let claimed = claim_new(&f).unwrap();
        assert_eq!(claimed.len(), 2);
        assert!(f.join("cur/200.M1P1.h:2,").exists());
        assert!(claim_new(&f).unwrap().is_empty());
        let mut db = UidDb::fresh(None);
        let files = reconcile(&f, &mut db).unwrap();
        assert_eq!(files.len(), 3);
        let order: Vec<&str> = db.entries.iter().map(|(_, b)| b.as_str()).collect();
        assert_eq!(order, ["100.M5P1.h", "100.M9P1.h", "200.M1P1.h"]);
        assert_eq!(db.next, 4);
        std::fs::remove_file(f.join("cur/100.M5P1.h:2,")).unwrap();
        reconcile(&f, &mut db).unwrap();
        assert_eq!(db.entries.len(), 2);
        assert_eq!(db.next, 4);
    }

    #[test]
    fn cleans_old_tmp_files_only() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join(".A");
        create(&f).unwrap();
        std::fs::write(f.join("tmp/1.M1P1.h"), "x").unwrap();
        std::fs::create_dir(f.join("tmp/adir")).unwrap();
        assert_eq!(clean_tmp(&f, TMP_MAX_AGE).unwrap(), 0);
        assert_eq!(clean_tmp(&f, std::time::Duration::ZERO).unwrap(), 1);
        assert!(f.join("tmp/adir").is_dir());
        assert_eq!(maildir_root(&f), d.path());
        assert_eq!(maildir_root(d.path()), d.path());
    }

    #[test]
    fn refuses_symlinked_folder() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        create(&outside.path().join("x")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("x"), d.path().join(".L")).unwrap();
        assert!(check(&d.path().join(".L")).is_err());
        let f = d.path().join(".M");
        create(&f).unwrap();
        std::fs::remove_dir(f.join("cur")).unwrap();
        std::os::unix::fs::symlink(outside.path(), f.join("cur")).unwrap();
        assert!(check(&f).is_err());
        assert!(!check(&d.path().join(".none")).unwrap());
    }
}
