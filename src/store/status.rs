//! The per-folder STATUS cache `imapd.status`: the counts of the folder's last full look
//! (UIDVALIDITY, UIDNEXT, MESSAGES, UNSEEN, RECENT) with the metadata of the directories and
//! files they were read from, so a STATUS of a folder nobody changed since costs five
//! `lstat`s and one small read (this file; the UID database's header line too while the
//! database was freshly written when the counts were saved) instead of
//! listing the folder and parsing its UID database (a client polling STATUS of every
//! folder, RFC 3501 §6.3.10).
//!
//! An optimisation only, never the source of truth:
//! * The counts are used only while the stamp of `cur/`, `new/`, `courierimapkeywords/`
//!   and `courierimapuiddb` (mtime with nanoseconds, inode, size: [`Stamp::contents`]) and
//!   the database's header (UIDVALIDITY, UIDNEXT) are the ones saved. They are saved only
//!   when the directories' stamp was settled before the look began and unchanged after it
//!   ([`Stamp::contents_settled`], the rule `stamp.rs` explains), so any later change there
//!   shows as another stamp. Every change to the counts is a change there or in the
//!   header: a delivery or an expunge changes `new/` or `cur/`, a flag change renames in
//!   `cur/`, a new UID raises UIDNEXT, a lost database gets a new UIDVALIDITY.
//! * The database's mtime need not be settled: the first look at a folder writes its
//!   database, whose mtime is then too fresh to be trusted, so that look could never save.
//!   A change in the same clock tick is still caught by its header: after any full look
//!   every listed file has a UID, so with the listing unchanged the counts depend on the
//!   database only through UIDVALIDITY and UIDNEXT (the header saved is the one the counts
//!   were made from; a database another process rewrote meanwhile either has the same
//!   header, and then the same counts, or not). A later change (a rewrite in place of the
//!   same size, a damaged line, which a full look would answer with a new UIDVALIDITY)
//!   shows in its mtime. Counts saved when the database's mtime was settled too (the look
//!   did not write it) need no header check: any later change shows in its entry. The line
//!   says which (its last field).
//! * The folder directory itself is not part of that stamp: writing this file changes it.
//! * Used only on local file systems (`stamp::SETTLE_LOCAL`): over NFS a `stat` may be
//!   answered from the client's attribute cache and the server's clock is not ours.
//! * Written as a whole (temporary file in the folder's `tmp/`, then renamed over), without
//!   an fsync: after a crash the file may be empty or old, and an empty, damaged or foreign
//!   file is ignored (and its stamp cannot match a folder changed since).
//! * The name has no leading dot, so it can never be a Maildir++ folder
//!   (maildirplusplus.txt), and Courier ignores unknown files in a folder directory.

use std::io::{self, Read, Write};
use std::path::Path;

use super::atomic;
use super::deliver;
use super::stamp::Stamp;
use super::uiddb::UidDb;

/// The cache file's name inside a folder directory.
pub const FILE_NAME: &str = "imapd.status";

/// First word and layout version of the file's one line.
const MAGIC: &str = "imapd-status 3";

/// The counts STATUS reports that need no message's size (RFC 3501 §6.3.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// UIDVALIDITY.
    pub uid_validity: u32,
    /// UIDNEXT.
    pub uid_next: u32,
    /// MESSAGES.
    pub messages: u64,
    /// UNSEEN.
    pub unseen: u64,
    /// RECENT: messages in `new/`, which no session has claimed.
    pub recent: u64,
}

/// The file's longest possible line, with room to spare.
const MAX_LINE: u64 = 512;

/// The file's text, if it is a regular file (not followed through a symlink, never waited
/// on as a FIFO) of at most [`MAX_LINE`] octets.
fn read(path: &Path) -> Option<String> {
    let mut file = atomic::open_to_read(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    // One read, not a second one to find the end: the file is one line written whole, and
    // a short read would leave it without the final line feed `load` requires.
    let mut buf = vec![0; MAX_LINE as usize + 1];
    let n = file.read(&mut buf).ok()?;
    if n as u64 > MAX_LINE {
        return None;
    }
    buf.truncate(n);
    String::from_utf8(buf).ok()
}

/// The counts saved for `folder` if they were saved for exactly the stamp `now` and the
/// database's header still holds their UIDVALIDITY and UIDNEXT (not read if the database's
/// mtime was settled when they were saved: any change since would show in its entry).
pub fn load(folder: &Path, now: &Stamp) -> Option<Saved> {
    let text = read(&folder.join(FILE_NAME))?;
    let line = text.strip_suffix('\n')?;
    let rest = line.strip_prefix(MAGIC)?.strip_prefix(' ')?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let (stamp, counts) = fields.split_at_checked(12)?;
    let mut want = Vec::with_capacity(12);
    for (ns, ino, size) in now.contents() {
        want.extend([ns.to_string(), ino.to_string(), size.to_string()]);
    }
    if stamp != want.iter().map(String::as_str).collect::<Vec<_>>() {
        return None;
    }
    let [v, n, m, u, r, db_settled] = counts else {
        return None;
    };
    let saved = Saved {
        uid_validity: v.parse().ok()?,
        uid_next: n.parse().ok()?,
        messages: m.parse().ok()?,
        unseen: u.parse().ok()?,
        recent: r.parse().ok()?,
    };
    match *db_settled {
        "1" => Some(saved),
        "0" => {
            let header = UidDb::read_header(folder)?;
            (header == (saved.uid_validity, saved.uid_next)).then_some(saved)
        }
        _ => None,
    }
}

/// Saves `counts` as those of `folder` at the stamp `at` (best effort: the caller may
/// ignore a failure, the next STATUS then looks at the folder again). `db_settled`: the
/// database's mtime in `at` lies a settle time before the look began
/// ([`Stamp::database_settled`]), so the database the look read is the one in `at`.
pub fn save(folder: &Path, at: &Stamp, counts: &Saved, db_settled: bool) -> io::Result<()> {
    let mut line = String::from(MAGIC);
    for (ns, ino, size) in at.contents() {
        line.push_str(&format!(" {ns} {ino} {size}"));
    }
    let c = counts;
    line.push_str(&format!(
        " {} {} {} {} {} {}\n",
        c.uid_validity,
        c.uid_next,
        c.messages,
        c.unseen,
        c.recent,
        u8::from(db_settled)
    ));
    let (tmp, mut file) = deliver::create_tmp(&folder.join("tmp"), "imapdstatus")?;
    let written = file
        .write_all(line.as_bytes())
        .and_then(|()| std::fs::rename(&tmp, folder.join(FILE_NAME)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Saved = Saved {
        uid_validity: 7,
        uid_next: 12,
        messages: 9,
        unseen: 2,
        recent: 1,
    };

    /// A folder whose database header holds `C`'s UIDVALIDITY and UIDNEXT.
    fn folder() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for d in ["cur", "new", "tmp"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("courierimapuiddb"), "1 7 12\n").unwrap();
        dir
    }

    #[test]
    fn counts_come_back_for_the_same_stamp_only() {
        let dir = folder();
        let at = Stamp::read(dir.path()).unwrap();
        assert_eq!(load(dir.path(), &at), None);
        save(dir.path(), &at, &C, false).unwrap();
        // writing the file changed the folder directory, which the stamp leaves out
        let now = Stamp::read(dir.path()).unwrap();
        assert_eq!(load(dir.path(), &now), Some(C));
        std::fs::write(dir.path().join("new/1.x"), b"m").unwrap();
        // (a delivery shows in new/'s mtime; put ahead, as a later clock tick would give it)
        std::fs::File::open(dir.path().join("new"))
            .unwrap()
            .set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(1))
            .unwrap();
        assert_eq!(load(dir.path(), &Stamp::read(dir.path()).unwrap()), None);
        // nothing is left in tmp/
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    /// The database counts by its entry (mtime, inode, size) and by its header: a change
    /// within the clock tick of the saved mtime (here: the mtime put back) is still caught
    /// by a new UIDVALIDITY or UIDNEXT, a new size or a new inode.
    #[test]
    fn the_database_counts_by_entry_and_header() {
        let dir = folder();
        let db = dir.path().join("courierimapuiddb");
        let mtime = || std::fs::metadata(&db).unwrap().modified().unwrap();
        let put_back = |t| {
            let file = std::fs::File::options().write(true).open(&db).unwrap();
            file.set_modified(t).unwrap();
        };
        let saved = || {
            std::fs::write(&db, "1 7 12\n").unwrap();
            save(dir.path(), &Stamp::read(dir.path()).unwrap(), &C, false).unwrap();
            assert_eq!(load(dir.path(), &Stamp::read(dir.path()).unwrap()), Some(C));
            mtime()
        };
        let t = saved();
        put_back(t + std::time::Duration::from_secs(1));
        assert_eq!(
            load(dir.path(), &Stamp::read(dir.path()).unwrap()),
            None,
            "mtime"
        );
        for (text, why) in [
            ("1 8 12\n", "UIDVALIDITY"),
            ("1 7 13\n", "UIDNEXT"),
            ("1 7 12\n3 x\n", "size"),
        ] {
            let t = saved();
            std::fs::write(&db, text).unwrap(); // in place: the same inode
            put_back(t);
            assert_eq!(
                load(dir.path(), &Stamp::read(dir.path()).unwrap()),
                None,
                "{why}"
            );
        }
        let t = saved();
        std::fs::write(dir.path().join("tmp/db"), "1 7 12\n").unwrap();
        std::fs::rename(dir.path().join("tmp/db"), &db).unwrap();
        put_back(t);
        assert_eq!(
            load(dir.path(), &Stamp::read(dir.path()).unwrap()),
            None,
            "inode"
        );
        // a header other than the counts' (or one that does not parse) is never a match,
        // whatever the stamp
        for text in [
            "1 8 12\n",
            "1 7 13\n",
            "2 7 12\n",
            "1 7 12",
            "1 7 12 0\n",
            "1 7 12\r\n",
        ] {
            std::fs::write(&db, text).unwrap();
            let now = Stamp::read(dir.path()).unwrap();
            save(dir.path(), &now, &C, false).unwrap();
            assert_eq!(load(dir.path(), &now), None, "{text:?}");
        }
        std::fs::remove_file(&db).unwrap();
        let now = Stamp::read(dir.path()).unwrap();
        save(dir.path(), &now, &C, false).unwrap();
        assert_eq!(load(dir.path(), &now), None, "no database");
    }

    /// Counts saved with a settled database are trusted on its entry alone: its header is
    /// not read (shown here by a header changed in place with the entry put back, which a
    /// settled mtime rules out in life); saved with an unsettled one, the header decides.
    #[test]
    fn a_settled_database_is_not_read_again() {
        let dir = folder();
        let db = dir.path().join("courierimapuiddb");
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let put_back = || {
            let file = std::fs::File::options().write(true).open(&db).unwrap();
            file.set_modified(past).unwrap();
        };
        put_back();
        let at = Stamp::read(dir.path()).unwrap();
        let began = std::time::SystemTime::now();
        assert!(at.database_settled(began, crate::store::stamp::SETTLE_LOCAL));
        std::fs::write(&db, "1 7 99\n").unwrap();
        put_back();
        for (settled, want) in [(true, Some(C)), (false, None)] {
            save(dir.path(), &at, &C, settled).unwrap();
            assert_eq!(load(dir.path(), &at), want, "settled {settled}");
        }
        // a fresh mtime is not settled
        std::fs::write(&db, "1 7 12\n").unwrap();
        let now = Stamp::read(dir.path()).unwrap();
        assert!(!now.database_settled(began, crate::store::stamp::SETTLE_LOCAL));
    }

    #[test]
    fn damaged_files_are_ignored() {
        let dir = folder();
        let at = Stamp::read(dir.path()).unwrap();
        save(dir.path(), &at, &C, false).unwrap();
        let path = dir.path().join(FILE_NAME);
        let good = std::fs::read_to_string(&path).unwrap();
        let now = Stamp::read(dir.path()).unwrap();
        for bad in [
            String::new(),
            good.replace(MAGIC, "imapd-status 1"),
            good.trim_end().to_owned(),
            good[..good.len() / 2].to_owned(),
            good.replace('\n', " 5\n"),
            good.replacen(" 9 2 1 0\n", " 9 x 1 0\n", 1),
            good.replacen(" 9 2 1 0\n", " 9 2 1 2\n", 1),
        ] {
            std::fs::write(&path, &bad).unwrap();
            assert_eq!(load(dir.path(), &now), None, "{bad:?}");
        }
        // a symlink to the good text is not followed; an oversized file is not read
        let elsewhere = dir.path().join("tmp/good");
        std::fs::write(&elsewhere, &good).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert_eq!(load(dir.path(), &now), None);
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, good.replace('\n', &" ".repeat(600))).unwrap();
        assert_eq!(load(dir.path(), &now), None);
        std::fs::write(&path, &good).unwrap();
        assert_eq!(load(dir.path(), &now), Some(C));
    }
}
