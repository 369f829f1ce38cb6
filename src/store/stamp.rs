//! A cheap proof that a folder has not changed since it was last scanned.
//!
//! Every change another process can make to a folder shows in the metadata of a few
//! directories and files: a delivery adds to `new/`; claiming, a flag change (a rename) or an
//! expunge changes `cur/`; a keyword change renames into `courierimapkeywords/`; a UID
//! database rewrite replaces `courierimapuiddb` (a rename, so a new inode, and the folder
//! directory's mtime moves). Five `stat` calls instead of a full rescan.
//!
//! Timestamps have a granularity (a nanosecond on ext4, a second or worse on some NFS
//! servers), so a change made in the same tick as the scan could leave every stamp equal.
//! A stamp is therefore trusted only when it is *settled*: every mtime lies at least
//! [`SETTLE`] before the moment the scan began, so any later change must show a later mtime
//! (the "racily clean" rule git uses for its index).

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How far in the past every mtime must lie for a stamp to be trusted.
pub const SETTLE: Duration = Duration::from_secs(2);

/// The files and directories whose metadata changes with every change of the folder.
const WATCHED: [&str; 5] = [".", "cur", "new", "courierimapkeywords", "courierimapuiddb"];

/// Metadata of the watched entries of one folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// (mtime in ns since the epoch, inode, size) per watched entry; zeros if absent.
    entries: [(i128, u64, u64); 5],
}

impl Stamp {
    /// Reads the stamp of the folder at `folder`.
    pub fn read(folder: &Path) -> io::Result<Stamp> {
        let mut entries = [(0i128, 0u64, 0u64); 5];
        for (slot, name) in entries.iter_mut().zip(WATCHED) {
            match std::fs::symlink_metadata(folder.join(name)) {
                Ok(m) => {
                    let ns = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
                    *slot = (ns, m.ino(), m.size());
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Stamp { entries })
    }

    /// True if every mtime lies at least [`SETTLE`] before `scan_began`.
    pub fn settled(&self, scan_began: SystemTime) -> bool {
        let Ok(began) = scan_began.duration_since(UNIX_EPOCH) else {
            return false;
        };
        let limit = began.as_nanos() as i128 - SETTLE.as_nanos() as i128;
        self.entries.iter().all(|(ns, _, _)| *ns <= limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_show_and_fresh_stamps_are_not_settled() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["cur", "new", "tmp"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        let a = Stamp::read(dir.path()).unwrap();
        assert_eq!(a, Stamp::read(dir.path()).unwrap());
        // Just made: not settled now, settled from a later point of view.
        assert!(!a.settled(SystemTime::now()));
        assert!(a.settled(SystemTime::now() + SETTLE + Duration::from_secs(1)));
        std::fs::write(dir.path().join("new/1.x"), b"m").unwrap();
        assert_ne!(a, Stamp::read(dir.path()).unwrap());
        let b = Stamp::read(dir.path()).unwrap();
        std::fs::write(dir.path().join("courierimapuiddb.tmp"), b"1 1 1\n").unwrap();
        std::fs::rename(
            dir.path().join("courierimapuiddb.tmp"),
            dir.path().join("courierimapuiddb"),
        )
        .unwrap();
        assert_ne!(b, Stamp::read(dir.path()).unwrap());
    }
}
