//! A cheap proof that a folder has not changed since it was last scanned.
//!
//! Every change another process can make to a folder shows in the metadata of a few
//! directories and files: a delivery adds to `new/`; claiming, a flag change (a rename) or an
//! expunge changes `cur/`; a keyword change renames into `courierimapkeywords/`; a UID
//! database rewrite replaces `courierimapuiddb` (a rename, so a new inode, and the folder
//! directory's mtime moves). Five `stat` calls instead of a full rescan.
//!
//! Timestamps have a granularity, so a change made in the same tick as the scan could leave
//! every stamp equal. A stamp is therefore trusted only when it is *settled*: every mtime
//! lies at least a settle time before the moment the scan began, so any later change must
//! show a later mtime (the "racily clean" rule git uses for its index). The settle time
//! depends on the file system ([`settle_time`]): local Linux file systems stamp changes from
//! the kernel's clock with at most one timer tick (≤ 10 ms) of coarseness, so
//! [`SETTLE_LOCAL`] is ample; anything else (NFS, whose server clock and granularity are
//! unknown, FUSE, …) gets [`SETTLE`].

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How far in the past every mtime must lie for a stamp to be trusted, in general.
pub const SETTLE: Duration = Duration::from_secs(2);

/// The same on a local file system whose timestamps come from this kernel's clock.
pub const SETTLE_LOCAL: Duration = Duration::from_millis(100);

/// `statfs` magic numbers of local file systems with kernel-clock timestamps (linux/magic.h).
const LOCAL_FS: [i64; 7] = [
    0xEF53,      // ext2/3/4
    0x5846_5342, // xfs
    0x9123_683E, // btrfs
    0x0102_1994, // tmpfs
    0xF2F5_2010, // f2fs
    0x2FC1_2FC1, // zfs
    0x794C_7630, // overlayfs (containers; its upper layer is one of the above)
];

/// The settle time for stamps of the folder at `folder` (see the module comment).
#[allow(clippy::unnecessary_cast)] // `f_type`'s width differs between platforms
pub fn settle_time(folder: &Path) -> Duration {
    match rustix::fs::statfs(folder) {
        Ok(st) if LOCAL_FS.contains(&(st.f_type as i64)) => SETTLE_LOCAL,
        _ => SETTLE,
    }
}

/// The files and directories whose metadata changes with every change of the folder.
const WATCHED: [&str; 5] = [".", "cur", "new", "courierimapkeywords", "courierimapuiddb"];

/// Metadata of the watched entries of one folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// (mtime in ns since the epoch, inode, size) per watched entry; zeros if absent.
    entries: [(i128, u64, u64); 5],
    /// True if the folder, `cur/` and `new/` are real directories (`lstat`: no symlinks).
    real_dirs: bool,
}

impl Stamp {
    /// Reads the stamp of the folder at `folder`.
    pub fn read(folder: &Path) -> io::Result<Stamp> {
        let mut entries = [(0i128, 0u64, 0u64); 5];
        let mut dirs = 0;
        for (i, (slot, name)) in entries.iter_mut().zip(WATCHED).enumerate() {
            // (the folder itself by its own name, not `folder/.`: a symlink put in its place
            // has another inode)
            let at = if name == "." {
                folder.to_path_buf()
            } else {
                folder.join(name)
            };
            match std::fs::symlink_metadata(at) {
                Ok(m) => {
                    let ns = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
                    *slot = (ns, m.ino(), m.size());
                    dirs += usize::from(i < 3 && m.file_type().is_dir());
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Stamp {
            entries,
            real_dirs: dirs == 3,
        })
    }

    /// True if the folder, its `cur/` and its `new/` were real directories, not symlinks,
    /// when the stamp was read: what a reader of the folder needs of `folder::check`
    /// (`tmp/` matters to a writer only).
    pub fn real_dirs(&self) -> bool {
        self.real_dirs
    }

    /// True if the folder directory was there when the stamp was read (a stamp of a folder
    /// that is not there proves nothing).
    pub fn present(&self) -> bool {
        self.entries[0].1 != 0
    }

    /// True if every mtime lies at least `settle` ([`settle_time`] of the folder's file
    /// system) before `scan_began`.
    pub fn settled(&self, scan_began: SystemTime, settle: Duration) -> bool {
        all_before(&self.entries, scan_began, settle)
    }

    /// What a folder's counts are read from, for `imapd.status`: the entries of `cur/`,
    /// `new/`, `courierimapkeywords/` and `courierimapuiddb`, without the folder directory
    /// itself, which writing a cache file changes.
    pub fn contents(&self) -> [(i128, u64, u64); 4] {
        let [_, rest @ ..] = self.entries;
        rest
    }

    /// True if `cur/`, `new/` and `courierimapkeywords/` have the same entries in both.
    pub fn same_directories(&self, other: &Stamp) -> bool {
        self.entries[1..4] == other.entries[1..4]
    }

    /// [`Stamp::settled`] for the directories of [`Stamp::contents`]: not the database,
    /// which a look that writes it (the first one) would leave unsettled; `imapd.status`
    /// compares its header (UIDVALIDITY, UIDNEXT) as well as its entry (status.rs).
    pub fn contents_settled(&self, scan_began: SystemTime, settle: Duration) -> bool {
        all_before(&self.entries[1..4], scan_began, settle)
    }

    /// The database's (mtime in ns, inode, size); zeros if it is missing.
    pub fn database_entry(&self) -> (i128, u64, u64) {
        self.entries[4]
    }

    /// [`Stamp::settled`] for the database alone (settled if it is missing).
    pub fn database_settled(&self, scan_began: SystemTime, settle: Duration) -> bool {
        all_before(&self.entries[4..], scan_began, settle)
    }
}

/// True if every mtime of `entries` lies at least `settle` before `began`. An mtime of whole
/// seconds may come from a file system that keeps no more (ext4 with 128-octet inodes,
/// ext3): a later change in the same second would show the same mtime, so such an mtime
/// must lie a second more in the past.
fn all_before(entries: &[(i128, u64, u64)], began: SystemTime, settle: Duration) -> bool {
    const SECOND: i128 = 1_000_000_000;
    let Ok(began) = began.duration_since(UNIX_EPOCH) else {
        return false;
    };
    let limit = began.as_nanos() as i128 - settle.as_nanos() as i128;
    entries.iter().all(|(ns, _, _)| {
        let coarse = ns.rem_euclid(SECOND) == 0;
        *ns <= if coarse { limit - SECOND } else { limit }
    })
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
        assert!(!a.settled(SystemTime::now(), SETTLE));
        assert!(a.settled(SystemTime::now() + SETTLE + Duration::from_secs(1), SETTLE));
        let t = settle_time(dir.path());
        assert!(t == SETTLE_LOCAL || t == SETTLE);
        assert!(!a.settled(SystemTime::now(), t));
        assert!(a.settled(SystemTime::now() + t + Duration::from_millis(20), t));
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

    /// A whole-second mtime (a file system without sub-second timestamps) is settled only a
    /// second later than one with nanoseconds.
    #[test]
    fn whole_second_mtimes_need_a_second_more() {
        let at = |secs: u64, nanos: u32| UNIX_EPOCH + Duration::new(secs, nanos);
        let ns = |secs: i128, nanos: i128| secs * 1_000_000_000 + nanos;
        let fine = [(ns(100, 5), 1, 1)];
        let coarse = [(ns(100, 0), 1, 1)];
        let settle = Duration::from_millis(100);
        assert!(all_before(&fine, at(100, 200_000_000), settle));
        assert!(!all_before(&coarse, at(100, 200_000_000), settle));
        assert!(!all_before(&coarse, at(101, 0), settle));
        assert!(all_before(&coarse, at(101, 100_000_000), settle));
    }
}
