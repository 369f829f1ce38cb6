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
//! The same instance watches the rest of what the folder's stamp covers (`stamp.rs`): the
//! folder directory's `courierimapuiddb`, `courierimapkeywords`, `cur` and `new` entries
//! and the directory itself, and the keyword directory's entries. Their events carry no
//! change to replay; they *stir* the watch. A sync polls first ([`FolderEvents::poll`]):
//! unstirred since a stamp proved the snapshot current under this instance, the snapshot
//! is still current, by the same rule (every later change would be queued), and no `stat`
//! is needed. Other files of the folder directory (`imapd.status`, `imapd.cache`, …)
//! change often and are no part of a snapshot: they do not stir it.
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

/// The inotify watch of one folder's `new/` and `cur/`, and of what else its stamp covers
/// (`stamp.rs`): the folder directory's entries `courierimapuiddb`, `courierimapkeywords`,
/// `cur` and `new`, and the keyword directory's entries. The latter only *stir* the watch
/// ([`FolderEvents::poll`]): a folder whose watch is complete and was not stirred since a
/// look proved its snapshot current is still as that snapshot says, with no `stat`.
pub struct FolderEvents {
    inotify: Inotify,
    folder: PathBuf,
    /// Tells this instance from earlier ones (a snapshot is current under one watch only).
    id: u64,
    /// The watches of `new/` and `cur/`, in that order.
    wds: [WatchDescriptor; 2],
    /// The watch of the folder directory.
    folder_wd: WatchDescriptor,
    /// The watch of `courierimapkeywords/`, while it exists.
    keywords_wd: Option<WatchDescriptor>,
    /// (device, inode) of `new/` and `cur/` when the watches were added: a folder renamed
    /// or replaced under the same path is not the one watched.
    dirs: [(u64, u64); 2],
    /// A watched directory went away (or its file system): the kernel removed the watches,
    /// and directories made since may reuse the inode numbers, so `dirs` cannot tell.
    dead: bool,
    /// The keyword directory exists but could not be watched: changes in it raise no event.
    blind: bool,
    /// Changes read from the queue and not yet taken by [`FolderEvents::drain`], in order.
    pending: Vec<Change>,
    /// Events were dropped (queue overflow) since the last drain.
    lost: bool,
    /// Something the stamp covers changed since the last [`FolderEvents::poll`].
    stirred: bool,
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

/// What is watched in the folder directory and the keyword directory: any change of an
/// entry (made, removed, renamed, written, its metadata) and of the directory itself.
fn stir_mask() -> WatchMask {
    WatchMask::CREATE
        | WatchMask::DELETE
        | WatchMask::MOVED_FROM
        | WatchMask::MOVED_TO
        | WatchMask::MODIFY
        | WatchMask::ATTRIB
        | WatchMask::CLOSE_WRITE
        | WatchMask::DELETE_SELF
        | WatchMask::MOVE_SELF
        | WatchMask::ONLYDIR
        | WatchMask::DONT_FOLLOW
}

impl FolderEvents {
    /// Watches `folder`; `None` if inotify or a watch is unavailable, or a directory is
    /// missing or changed while the watches were added.
    pub fn start(folder: &Path) -> Option<FolderEvents> {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let inotify = Inotify::init().ok()?;
        let mask = WatchMask::CREATE
            | WatchMask::DELETE
            | WatchMask::MOVED_FROM
            | WatchMask::MOVED_TO
            | WatchMask::DELETE_SELF
            | WatchMask::MOVE_SELF
            | WatchMask::ONLYDIR
            | WatchMask::DONT_FOLLOW;
        // The folder first: a `cur/` or `new/` replaced after this shows as its events.
        let folder_wd = inotify.watches().add(folder, stir_mask()).ok()?;
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
        let mut ev = FolderEvents {
            inotify,
            folder: folder.to_path_buf(),
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            wds: [new, cur],
            folder_wd,
            keywords_wd: None,
            dirs,
            dead: false,
            blind: false,
            pending: Vec::new(),
            lost: false,
            stirred: false,
            buf: vec![0; 16 * 1024],
        };
        ev.watch_keywords();
        Some(ev)
    }

    /// Adds the watch of the keyword directory if it exists (made after the folder's watch:
    /// its making was an event of that watch, and anything done in it before this shows in
    /// the stamp's look at it).
    fn watch_keywords(&mut self) {
        let dir = self.folder.join(super::keywords::DIR);
        match self.inotify.watches().add(&dir, stir_mask()) {
            Ok(wd) => {
                self.keywords_wd = Some(wd);
                self.blind = false;
            }
            Err(_) => {
                self.keywords_wd = None;
                // (missing is fine: making it is an event of the folder's watch)
                self.blind = std::fs::symlink_metadata(&dir).is_ok();
            }
        }
    }

    /// True if the watch is on `folder`, its directories are those watched when it began
    /// (two `lstat`s), and it has not died.
    pub fn watches(&self, folder: &Path) -> bool {
        !self.dead
            && self.folder == folder
            && ["new", "cur"]
                .iter()
                .zip(&self.dirs)
                .all(|(sub, id)| dir_id(&folder.join(sub)).ok() == Some(*id))
    }

    /// This instance's number (unique in the process).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The folder this watch began on (which may have been replaced since: see
    /// [`FolderEvents::watches`]; a replacement kills the watch once its events are read).
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Reads the queue: `Some((id, quiet))` with `quiet` true if nothing the folder's stamp
    /// covers changed since the last poll (and the watch sees all of it), `None` if the watch
    /// is dead. Changes in `new/` and `cur/` are kept for [`FolderEvents::drain`].
    pub fn poll(&mut self) -> Option<(u64, bool)> {
        self.read_queue();
        let stirred = std::mem::take(&mut self.stirred);
        (!self.dead).then_some((self.id, !stirred && !self.blind))
    }

    /// Returns the changes in `new/` and `cur/` since the last drain, in order, or [`Lost`]
    /// if some were not seen (the queue overflowed, or the watch died: a watched directory
    /// went away).
    pub fn drain(&mut self) -> Result<Vec<Change>, Lost> {
        self.read_queue();
        if std::mem::take(&mut self.lost) || self.dead {
            self.pending.clear();
            return Err(Lost);
        }
        Ok(std::mem::take(&mut self.pending))
    }

    /// Reads every queued event into `pending` and the flags.
    fn read_queue(&mut self) {
        loop {
            let events = match self.inotify.read_events(&mut self.buf) {
                Ok(events) => events,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.lost = true;
                    self.stirred = true;
                    break;
                }
            };
            let mut any = false;
            let mut keywords_made = false;
            for ev in events {
                any = true;
                if ev.mask.contains(EventMask::Q_OVERFLOW) {
                    // Dropped events may have made or replaced directories unseen (the
                    // keyword directory, `cur/` with a reused inode number): the watch no
                    // longer covers the stamp, and the caller starts another.
                    self.lost = true;
                    self.dead = true;
                    self.stirred = true;
                    continue;
                }
                let is_keywords = self.keywords_wd.as_ref() == Some(&ev.wd);
                let is_folder = ev.wd == self.folder_wd;
                let is_main = is_folder || self.wds.contains(&ev.wd);
                if ev.mask.intersects(
                    EventMask::IGNORED
                        | EventMask::DELETE_SELF
                        | EventMask::MOVE_SELF
                        | EventMask::UNMOUNT,
                ) {
                    self.stirred = true;
                    if is_main {
                        self.dead = true;
                    } else if is_keywords && ev.mask.contains(EventMask::IGNORED) {
                        // (the keyword directory went away: its making again is an event
                        // of the folder's watch; an earlier keyword watch's late IGNORED
                        // is neither)
                        self.keywords_wd = None;
                    }
                    continue;
                }
                if is_keywords {
                    self.stirred = true;
                    continue;
                }
                if is_folder {
                    match ev.name.and_then(OsStr::to_str) {
                        Some("cur" | "new")
                            if ev.mask.intersects(
                                EventMask::CREATE
                                    | EventMask::DELETE
                                    | EventMask::MOVED_FROM
                                    | EventMask::MOVED_TO,
                            ) =>
                        {
                            // `cur/` or `new/` replaced: not the directories watched (their
                            // metadata changing is no part of a snapshot).
                            self.dead = true;
                            self.stirred = true;
                        }
                        Some(super::keywords::DIR) => {
                            self.stirred = true;
                            keywords_made |=
                                ev.mask.intersects(EventMask::CREATE | EventMask::MOVED_TO);
                        }
                        Some(super::uiddb::FILE) => self.stirred = true,
                        _ => {}
                    }
                    continue;
                }
                if self.dead || ev.mask.contains(EventMask::ISDIR) {
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
                let Some(name) = ev.name.and_then(OsStr::to_str) else {
                    continue;
                };
                // maildir.txt: names starting with a dot are not messages (as in a listing).
                if name.starts_with('.') {
                    continue;
                }
                self.stirred = true;
                self.pending.push(Change {
                    name: name.to_owned(),
                    in_new,
                    present,
                });
            }
            if keywords_made {
                self.watch_keywords();
            }
            if !any {
                break;
            }
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

    /// A poll is quiet until something a stamp covers changes: the UID database, the keyword
    /// directory (made later, then its entries), names in `cur/` or `new/` (which stay for
    /// the drain); other files of the folder do not stir it, and a replaced `cur/` kills it.
    #[test]
    fn polls_tell_what_the_stamp_would() {
        let (t, f) = folder();
        let mut ev = FolderEvents::start(&f).expect("inotify");
        let id = ev.id();
        assert_eq!(ev.poll(), Some((id, true)));
        std::fs::write(f.join("imapd.status"), b"x").unwrap();
        std::fs::write(f.join("tmp/1.x"), b"x").unwrap();
        assert_eq!(ev.poll(), Some((id, true)));
        std::fs::write(f.join(super::super::uiddb::FILE), b"1 2 3\n").unwrap();
        assert_eq!(ev.poll(), Some((id, false)));
        assert_eq!(ev.poll(), Some((id, true)));
        let kw = f.join(super::super::keywords::DIR);
        std::fs::create_dir(&kw).unwrap();
        assert_eq!(ev.poll(), Some((id, false)));
        std::fs::write(kw.join(":list"), b"x").unwrap();
        assert_eq!(ev.poll(), Some((id, false)));
        std::fs::rename(kw.join(":list"), kw.join("1.a.h")).unwrap();
        assert_eq!(ev.poll(), Some((id, false)));
        assert_eq!(ev.poll(), Some((id, true)));
        std::fs::rename(f.join("tmp/1.x"), f.join("cur/1.x:2,")).unwrap();
        assert_eq!(ev.poll(), Some((id, false)));
        assert_eq!(ev.poll(), Some((id, true)));
        assert_eq!(ev.drain(), Ok(vec![change("1.x:2,", false, true)]));
        std::fs::remove_dir_all(&kw).unwrap();
        assert_eq!(ev.poll(), Some((id, false)));
        std::fs::rename(f.join("cur"), t.path().join("old-cur")).unwrap();
        std::fs::create_dir(f.join("cur")).unwrap();
        assert_eq!(ev.poll(), None);
        assert_eq!(ev.drain(), Err(Lost));
    }

    /// Dropped events (the queue overflowed) end the watch: what they told is unknown. A
    /// change of `cur/`'s own metadata (its mode) is no part of a snapshot.
    #[test]
    fn an_overflow_ends_the_watch_and_metadata_does_not() {
        use std::os::unix::fs::PermissionsExt;
        let (_t, f) = folder();
        let mut ev = FolderEvents::start(&f).expect("inotify");
        std::fs::set_permissions(f.join("cur"), std::fs::Permissions::from_mode(0o750)).unwrap();
        assert_eq!(ev.poll(), Some((ev.id(), true)));
        let most: usize = std::fs::read_to_string("/proc/sys/fs/inotify/max_queued_events")
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(16384);
        if most > 100_000 {
            return; // (too many files to make here)
        }
        for i in 0..=most {
            std::fs::File::create(f.join(format!("new/{i}"))).unwrap();
        }
        assert_eq!(ev.poll(), None);
        assert_eq!(ev.drain(), Err(Lost));
    }

    /// A keyword directory that cannot be watched (a symlink) leaves every poll unquiet.
    #[test]
    fn an_unwatchable_keyword_directory_is_never_quiet() {
        let (t, f) = folder();
        std::os::unix::fs::symlink(t.path(), f.join(super::super::keywords::DIR)).unwrap();
        let mut ev = FolderEvents::start(&f).expect("inotify");
        assert_eq!(ev.poll(), Some((ev.id(), false)));
        assert_eq!(ev.poll(), Some((ev.id(), false)));
    }

    #[test]
    fn a_missing_folder_is_not_watched() {
        let t = tempfile::tempdir().unwrap();
        assert!(FolderEvents::start(&t.path().join("nothing")).is_none());
    }
}
