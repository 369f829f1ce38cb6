//! What changed in one folder's `new/` and `cur/` since the last look, from inotify, so a
//! changed folder need not be listed again (a listing of 100k names costs ~100 ms).
//!
//! The rule that makes the events sufficient: the watch is in place *before* the listing it
//! maintains, and the kernel queues every later entry change of the two directories in
//! order. Any map built from observations made after the watch began, with every queued
//! event then replayed in order, describes the directories as of the last event: a name
//! with no event since the watch began is as observed, and a name with events ends as its
//! last event says ([`Change::present`]). When the kernel drops events (`IN_Q_OVERFLOW`), a
//! watched directory goes away or is replaced, or inotify is unavailable, the caller lists
//! the folder as before.
//!
//! Only for local file systems: inotify does not see changes another NFS client makes
//! (`stamp::settle_time` tells them apart, and the store uses events only where that says
//! local).

use std::ffi::OsStr;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};

/// One entry change in `new/` or `cur/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The file's name (base name plus any `:2,…` info).
    pub name: String,
    /// True for `new/`, false for `cur/`.
    pub in_new: bool,
    /// True if the name now exists (created, moved in), false if it no longer does
    /// (deleted, moved away).
    pub present: bool,
}

/// The inotify watch of one folder's `new/` and `cur/`.
pub struct FolderEvents {
    inotify: Inotify,
    folder: PathBuf,
    /// The watches of `new/` and `cur/`, in that order.
    wds: [WatchDescriptor; 2],
    /// (device, inode) of `new/` and `cur/` when the watches were added: a folder renamed
    /// or replaced under the same path is not the one watched.
    dirs: [(u64, u64); 2],
    /// A watched directory went away (or its file system): the kernel removed the watches,
    /// and directories made since may reuse the inode numbers, so `dirs` cannot tell.
    dead: bool,
    buf: Vec<u8>,
}

impl std::fmt::Debug for FolderEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolderEvents")
            .field("folder", &self.folder)
            .field("dirs", &self.dirs)
            .finish_non_exhaustive()
    }
}

/// Events were lost: the caller must list the folder (and may keep the watch, which is
/// valid again from the moment of this answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lost;

fn dir_id(dir: &Path) -> io::Result<(u64, u64)> {
    let m = std::fs::symlink_metadata(dir)?;
    Ok((m.dev(), m.ino()))
}

impl FolderEvents {
    /// Watches `new/` and `cur/` of the folder at `folder`; `None` if inotify is not
    /// available (no instance or watch left for this user, or the directories are missing).
    pub fn start(folder: &Path) -> Option<FolderEvents> {
        let inotify = Inotify::init().ok()?;
        let mask = WatchMask::CREATE
            | WatchMask::DELETE
            | WatchMask::MOVED_FROM
            | WatchMask::MOVED_TO
            | WatchMask::DELETE_SELF
            | WatchMask::MOVE_SELF
            | WatchMask::ONLYDIR
            | WatchMask::DONT_FOLLOW;
        let mut wds = Vec::with_capacity(2);
        let mut dirs = [(0, 0); 2];
        for (i, sub) in ["new", "cur"].into_iter().enumerate() {
            let dir = folder.join(sub);
            // The directory must be the same before and after the watch is added, or the
            // watch may be on one that was replaced meanwhile.
            let before = dir_id(&dir).ok()?;
            wds.push(inotify.watches().add(&dir, mask).ok()?);
            if dir_id(&dir).ok()? != before {
                return None;
            }
            dirs[i] = before;
        }
        let cur = wds.pop()?;
        let new = wds.pop()?;
        Some(FolderEvents {
            inotify,
            folder: folder.to_path_buf(),
            wds: [new, cur],
            dirs,
            dead: false,
            buf: vec![0; 16 * 1024],
        })
    }

    /// True if this watches the folder at `folder` and its `new/` and `cur/` are still the
    /// directories watched (two `stat`s), as far as the events drained so far tell.
    pub fn watches(&self, folder: &Path) -> bool {
        !self.dead
            && self.folder == folder
            && ["new", "cur"]
                .iter()
                .zip(&self.dirs)
                .all(|(sub, id)| dir_id(&folder.join(sub)).ok() == Some(*id))
    }

    /// Every change queued since the last call, in the order they happened. `Err(Lost)` if
    /// the kernel dropped events or a watch ended; the queue is empty afterwards either way.
    pub fn drain(&mut self) -> Result<Vec<Change>, Lost> {
        let mut out = Vec::new();
        let mut lost = false;
        loop {
            let events = match self.inotify.read_events(&mut self.buf) {
                Ok(events) => events,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return Err(Lost),
            };
            let mut any = false;
            for ev in events {
                any = true;
                if ev.mask.intersects(
                    EventMask::IGNORED
                        | EventMask::DELETE_SELF
                        | EventMask::MOVE_SELF
                        | EventMask::UNMOUNT,
                ) {
                    self.dead = true;
                }
                if self.dead || ev.mask.contains(EventMask::Q_OVERFLOW) {
                    lost = true;
                    continue;
                }
                if ev.mask.contains(EventMask::ISDIR) {
                    continue;
                }
                let in_new = match &ev.wd {
                    wd if *wd == self.wds[0] => true,
                    wd if *wd == self.wds[1] => false,
                    _ => continue,
                };
                let present = ev.mask.intersects(EventMask::CREATE | EventMask::MOVED_TO);
                if !present
                    && !ev
                        .mask
                        .intersects(EventMask::DELETE | EventMask::MOVED_FROM)
                {
                    continue;
                }
                // maildir.txt: names starting with a dot are not messages (as in a listing).
                let Some(name) = ev.name.and_then(OsStr::to_str) else {
                    continue;
                };
                if name.starts_with('.') {
                    continue;
                }
                out.push(Change {
                    name: name.to_owned(),
                    in_new,
                    present,
                });
            }
            if !any {
                break;
            }
        }
        if lost {
            Err(Lost)
        } else {
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("f");
        for d in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(f.join(d)).unwrap();
        }
        (t, f)
    }

    fn change(name: &str, in_new: bool, present: bool) -> Change {
        Change {
            name: name.to_owned(),
            in_new,
            present,
        }
    }

    #[test]
    fn reports_creations_renames_and_deletions_in_order() {
        let (_t, f) = folder();
        let mut ev = FolderEvents::start(&f).expect("inotify");
        assert_eq!(ev.drain(), Ok(vec![]));
        std::fs::write(f.join("tmp/1.a.h"), b"x").unwrap();
        std::fs::rename(f.join("tmp/1.a.h"), f.join("new/1.a.h")).unwrap();
        std::fs::rename(f.join("new/1.a.h"), f.join("cur/1.a.h:2,")).unwrap();
        std::fs::rename(f.join("cur/1.a.h:2,"), f.join("cur/1.a.h:2,S")).unwrap();
        std::fs::write(f.join("cur/.hidden"), b"x").unwrap();
        std::fs::create_dir(f.join("cur/sub")).unwrap();
        std::fs::remove_file(f.join("cur/1.a.h:2,S")).unwrap();
        assert_eq!(
            ev.drain(),
            Ok(vec![
                change("1.a.h", true, true),
                change("1.a.h", true, false),
                change("1.a.h:2,", false, true),
                change("1.a.h:2,", false, false),
                change("1.a.h:2,S", false, true),
                change("1.a.h:2,S", false, false),
            ])
        );
        assert_eq!(ev.drain(), Ok(vec![]));
        assert!(ev.watches(&f));
    }

    #[test]
    fn a_replaced_folder_is_not_watched_and_loses_events() {
        let (t, f) = folder();
        let mut ev = FolderEvents::start(&f).expect("inotify");
        std::fs::rename(&f, t.path().join("g")).unwrap();
        for d in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(f.join(d)).unwrap();
        }
        assert!(!ev.watches(&f));
        std::fs::remove_dir_all(t.path().join("g")).unwrap();
        assert_eq!(ev.drain(), Err(Lost));
    }

    /// A folder deleted and made again under the same name (whose directories may get the
    /// same inode numbers) is not taken for the one watched once the events are drained.
    #[test]
    fn a_recreated_folder_is_not_watched() {
        let (_t, f) = folder();
        let mut ev = FolderEvents::start(&f).expect("inotify");
        std::fs::remove_dir_all(&f).unwrap();
        for d in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(f.join(d)).unwrap();
        }
        assert_eq!(ev.drain(), Err(Lost));
        assert!(!ev.watches(&f));
    }

    #[test]
    fn a_missing_folder_is_not_watched() {
        let t = tempfile::tempdir().unwrap();
        assert!(FolderEvents::start(&t.path().join("nothing")).is_none());
    }
}
