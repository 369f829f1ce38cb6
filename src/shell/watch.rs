//! Change notification for the selected mailbox: inotify on its `cur/` and `new/` (and
//! keyword) directories, with a polling fallback when inotify is unavailable or out of
//! watches (then the shell rescans every `IMAP_IDLE_TIMEOUT` seconds).

use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

use inotify::{Inotify, WatchMask};

/// What [`Watcher::watch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// New watches were just installed: changes made before this moment were not seen, so
    /// the caller rescans once.
    Fresh,
    /// The same directories were already watched.
    Unchanged,
    /// No inotify: the caller polls.
    Poll,
}

/// Watches a set of directories for entries appearing, vanishing or being renamed.
pub struct Watcher {
    inotify: Option<Inotify>,
    watching: Vec<PathBuf>,
    warned: bool,
    buf: Vec<u8>,
}

impl Default for Watcher {
    fn default() -> Self {
        Self::new()
    }
}

impl Watcher {
    /// A watcher; falls back to polling (and says so once on stderr) if inotify fails.
    pub fn new() -> Self {
        let inotify = match Inotify::init() {
            Ok(i) => Some(i),
            Err(e) => {
                eprintln!("WARN: inotify unavailable ({e}); IDLE falls back to polling");
                None
            }
        };
        let warned = inotify.is_none();
        Watcher {
            inotify,
            watching: Vec::new(),
            warned,
            buf: vec![0; 4096],
        }
    }

    /// Watches exactly these directories (replacing earlier watches).
    pub fn watch(&mut self, dirs: &[PathBuf]) -> Watch {
        if self.watching == dirs {
            return match self.inotify {
                Some(_) => Watch::Unchanged,
                None => Watch::Poll,
            };
        }
        let Some(ino) = self.inotify.as_mut() else {
            return Watch::Poll;
        };
        // Re-creating the instance is the simplest way to drop every old watch.
        if !self.watching.is_empty() {
            match Inotify::init() {
                Ok(fresh) => *ino = fresh,
                Err(e) => return self.give_up(&format!("{e}")),
            }
        }
        self.watching.clear();
        let mask = WatchMask::CREATE
            | WatchMask::DELETE
            | WatchMask::MOVED_FROM
            | WatchMask::MOVED_TO
            | WatchMask::CLOSE_WRITE
            | WatchMask::ATTRIB;
        for d in dirs {
            if let Err(e) = ino.watches().add(Path::new(d), mask) {
                if e.raw_os_error() == Some(28) {
                    // ENOSPC: the per-user watch limit is exhausted.
                    return self.give_up("inotify watch limit reached");
                }
                // A directory that does not exist (yet) is simply not watched.
                continue;
            }
        }
        self.watching = dirs.to_vec();
        Watch::Fresh
    }

    fn give_up(&mut self, why: &str) -> Watch {
        if !self.warned {
            eprintln!("WARN: {why}; IDLE falls back to polling");
            self.warned = true;
        }
        self.inotify = None;
        Watch::Poll
    }

    /// Stops watching (the session left IDLE): no events pile up meanwhile.
    pub fn unwatch(&mut self) {
        if !self.watching.is_empty() {
            self.watching.clear();
            if self.inotify.is_some() {
                self.inotify = Inotify::init().ok();
            }
        }
    }

    /// The descriptor to poll for readability, when inotify is in use.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.inotify.as_ref().map(|i| i.as_fd())
    }

    /// Reads and discards pending events; true if there were any. All events of a burst
    /// are coalesced into one rescan by the caller.
    pub fn drain(&mut self) -> bool {
        let Some(ino) = self.inotify.as_mut() else {
            return false;
        };
        let mut any = false;
        while let Ok(mut events) = ino.read_events(&mut self.buf) {
            if events.next().is_none() {
                break;
            }
            any = true;
        }
        any
    }
}
