//! The per-folder lock held around every UID database read-modify-write.
//!
//! Two layers:
//! * an in-process lock keyed by the folder's path, so threads of one process exclude each
//!   other (the dot-lock cannot: it names the process, and a lock naming our own pid counts
//!   as stale in Courier's protocol);
//! * Courier's NFS-safe dot-lock `tmp/courier.lock` (IMAP_USELOCKS, courier-imapd.8; the
//!   protocol observed in peers.md §5), when enabled:
//!   1. create `tmp/<sec>.M<usec>P<pid>_courierlock…<host>` holding `<pid>:<hostname>`;
//!   2. `link()` it to `tmp/courier.lock`; we hold the lock iff the temp file's link count is
//!      then 2 (the return value of link() is unreliable over NFS);
//!   3. on contention read the lock: same host and (pid dead — `kill(pid, 0)` gives ESRCH —
//!      or our own pid) ⇒ stale; other host ⇒ stale if its mtime is over 120 s old. A stale
//!      lock is removed under a second lock, `tmp/courier.lock.break`, after checking it is
//!      still the file judged stale — not by a blind unlink, so a waiter that judged the same
//!      dead lock stale late cannot remove a successor's fresh lock — then we pause before
//!      retrying (Courier: 5 s);
//!   4. release = unlink `tmp/courier.lock` (only if it is still ours: same inode).
//!
//! Courier unlinks the temp name at once and so creates and frees an inode per lock. We keep
//! it (a *spare*, one per folder for the last [`SPARES_KEPT`] folders) and link it again at
//! the next lock, its mtime set to now first (the age rule reads the lock's mtime). Freed
//! inodes are costly to allocate past: ext4 without a journal skips, at every file creation,
//! each inode of the group freed in the last minute or more (`recently_deleted`), which made
//! 1000 APPENDs spend most of their time in the kernel (docs/performance.md). A spare lives
//! until its folder's turn to be evicted or [`discard_spares`] (a store calls it for its
//! Maildir when it is dropped); one left by a killed process is deleted with tmp/'s other
//! leftovers after 36 h.
//!
//! No fcntl/flock anywhere (they are unreliable over NFS).

use std::collections::HashSet;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use super::deliver;

/// The lock file inside a folder.
pub const LOCK_FILE: &str = "tmp/courier.lock";

/// How a lock is taken.
#[derive(Debug, Clone)]
pub struct LockOptions {
    /// Use the dot-lock (Courier's IMAP_USELOCKS=1). Without it only threads of this process
    /// are excluded.
    pub dot_lock: bool,
    /// Give up after this long.
    pub timeout: Duration,
    /// Pause after removing a stale lock (Courier: 5 s).
    pub stale_pause: Duration,
    /// A lock from another host older than this is stale (Courier: 120 s).
    pub foreign_stale_after: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            dot_lock: true,
            timeout: Duration::from_secs(120),
            stale_pause: Duration::from_secs(5),
            foreign_stale_after: Duration::from_secs(120),
        }
    }
}

/// How many folders' spare lock files a process keeps.
pub const SPARES_KEPT: usize = 8;

/// This process's in-process lock state.
#[derive(Default)]
struct Registry {
    /// The folders a thread of this process holds.
    held: HashSet<PathBuf>,
    /// (folder, its spare lock file, the pid that made it), least recently used first.
    spares: Vec<(PathBuf, PathBuf, u32)>,
}

fn registry() -> &'static (Mutex<Registry>, Condvar) {
    static REGISTRY: OnceLock<(Mutex<Registry>, Condvar)> = OnceLock::new();
    REGISTRY.get_or_init(|| (Mutex::new(Registry::default()), Condvar::new()))
}

fn lock_registry() -> std::sync::MutexGuard<'static, Registry> {
    registry().0.lock().unwrap_or_else(|e| e.into_inner())
}

/// Deletes the spare lock files of the folders below `root` (a Maildir) that no thread of
/// this process holds now.
pub fn discard_spares(root: &Path) {
    let mut reg = lock_registry();
    let Registry { held, spares } = &mut *reg;
    let pid = std::process::id();
    spares.retain(|(folder, spare, made_by)| {
        if held.contains(folder) || !folder.starts_with(root) {
            return true;
        }
        // (a spare of the process we were forked from is that one's to delete)
        if *made_by != pid {
            return false;
        }
        let _ = std::fs::remove_file(spare);
        false
    });
}

/// The spare lock file of `folder` (held by this thread), its mtime set to now: the kept one,
/// or a new one holding `<pid>:<hostname>`.
fn spare_for(folder: &Path, tmp_dir: &Path) -> io::Result<PathBuf> {
    use rustix::fs::{AtFlags, Timespec, Timestamps, CWD, UTIME_NOW, UTIME_OMIT};
    let pid = std::process::id();
    let kept = {
        let mut reg = lock_registry();
        let i = reg.spares.iter().position(|(f, _, _)| f == folder);
        // A spare made by the process we were forked from names that process: not ours.
        i.map(|i| reg.spares.remove(i))
            .filter(|(_, _, made_by)| *made_by == pid)
    };
    let now = Timestamps {
        last_access: Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_OMIT,
        },
        last_modification: Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_NOW,
        },
    };
    let kept = kept.and_then(|(_, spare, _)| {
        match rustix::fs::utimensat(CWD, &spare, &now, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(()) => Some(spare),
            Err(e) => {
                // (gone with tmp/'s cleaning, or unusable: not left behind either way)
                if e != rustix::io::Errno::NOENT {
                    let _ = std::fs::remove_file(&spare);
                }
                None
            }
        }
    });
    let spare = match kept {
        Some(spare) => spare,
        _ => {
            let (spare, mut f) = deliver::create_tmp(tmp_dir, "courierlock")?;
            if let Err(e) = write!(f, "{pid}:{}", deliver::raw_hostname()) {
                let _ = std::fs::remove_file(&spare);
                return Err(e);
            }
            spare
        }
    };
    let mut reg = lock_registry();
    reg.spares.push((folder.to_path_buf(), spare.clone(), pid));
    if reg.spares.len() > SPARES_KEPT {
        let Registry { held, spares } = &mut *reg;
        if let Some(i) = spares.iter().position(|(f, _, _)| !held.contains(f)) {
            let _ = std::fs::remove_file(&spares.remove(i).1);
        }
    }
    Ok(spare)
}

/// A held folder lock; dropping it releases both layers.
#[derive(Debug)]
pub struct FolderLock {
    key: PathBuf,
    dot: Option<(PathBuf, u64)>,
}

impl FolderLock {
    /// Locks the folder at `folder` (a path below a canonicalized Maildir root).
    pub fn acquire(folder: &Path, opts: &LockOptions) -> io::Result<FolderLock> {
        let deadline = Instant::now() + opts.timeout;
        let key = folder.to_path_buf();
        {
            let mut reg = lock_registry();
            while reg.held.contains(&key) {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "folder lock"));
                }
                reg = registry()
                    .1
                    .wait_timeout(reg, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            reg.held.insert(key.clone());
        }
        let mut lock = FolderLock { key, dot: None };
        if opts.dot_lock {
            // On error, dropping `lock` releases the in-process layer.
            lock.dot = Some(dot_lock(folder, opts, deadline)?);
        }
        Ok(lock)
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        if let Some((path, ino)) = &self.dot {
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.ino() == *ino) {
                let _ = std::fs::remove_file(path);
            }
        }
        lock_registry().held.remove(&self.key);
        registry().1.notify_all();
    }
}

/// What linking a temp file as the lock found.
enum Linked {
    /// We hold the lock (the lock's inode): the temp file has two links, its own and the lock.
    Ours(u64),
    /// Someone else holds it.
    Held,
    /// The temp file has links we did not make: its count proves nothing.
    Odd,
}

/// Links `tmp` to `lock` and tells by `tmp`'s link count whether we got it (the return value
/// of link() is unreliable over NFS).
fn link_as(tmp: &Path, lock: &Path) -> io::Result<Linked> {
    let linked = std::fs::hard_link(tmp, lock);
    let meta = std::fs::symlink_metadata(tmp)?;
    match (meta.nlink(), linked) {
        (2, _) => Ok(Linked::Ours(meta.ino())),
        (1, Err(e)) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        (1, _) => Ok(Linked::Held),
        _ => Ok(Linked::Odd),
    }
}

/// Tries once to create the lock from a new temp file (removed again); returns its inode if
/// we got it.
fn try_link(tmp_dir: &Path, lock: &Path) -> io::Result<Option<u64>> {
    let (tmp, mut f) = deliver::create_tmp(tmp_dir, "courierlock")?;
    let result = write!(f, "{}:{}", std::process::id(), deliver::raw_hostname())
        .and_then(|()| link_as(&tmp, lock));
    let _ = std::fs::remove_file(&tmp);
    Ok(match result? {
        Linked::Ours(ino) => Some(ino),
        Linked::Held | Linked::Odd => None,
    })
}

/// Identifies one lock file: inode numbers are reused at once after an unlink, so the
/// modification time and the content (`<pid>:<host>`) are compared too.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LockId {
    ino: u64,
    mtime: SystemTime,
    text: String,
}

fn lock_id(file: &mut std::fs::File) -> io::Result<LockId> {
    let meta = file.metadata()?;
    let mut text = String::new();
    io::Read::read_to_string(file, &mut text)?;
    Ok(LockId {
        ino: meta.ino(),
        mtime: meta.modified()?,
        text,
    })
}

/// The identity of the existing lock at `lock` if it is stale by Courier's rules (`None` if
/// it is live). Content and metadata come from one open file, so the verdict names that file.
fn stale_lock(lock: &Path, opts: &LockOptions) -> io::Result<Option<LockId>> {
    let id = lock_id(&mut std::fs::File::open(lock)?)?;
    let age = SystemTime::now()
        .duration_since(id.mtime)
        .unwrap_or_default();
    let stale = match id.text.split_once(':') {
        Some((pid, host)) if host == deliver::raw_hostname() => match pid.parse::<i32>() {
            // We hold the in-process lock, so a lock naming our pid is a leftover of ours.
            Ok(pid) if pid as u32 == std::process::id() => true,
            Ok(pid) => match rustix::process::Pid::from_raw(pid) {
                Some(p) => matches!(
                    rustix::process::test_kill_process(p),
                    Err(rustix::io::Errno::SRCH)
                ),
                None => true,
            },
            Err(_) => age > opts.foreign_stale_after,
        },
        _ => age > opts.foreign_stale_after,
    };
    Ok(stale.then_some(id))
}

/// The lock breakers take before removing a stale lock (see [`break_stale`]).
pub const BREAK_FILE: &str = "tmp/courier.lock.break";

/// A breaker lock older than this is a leftover of a breaker that died: breaking takes
/// microseconds.
const BREAK_STALE_AFTER: Duration = Duration::from_secs(10);

/// Removes the stale lock `stale`, and only that one. Several waiters may judge the same
/// dead lock stale; a blind `unlink` by the slower one would remove the fresh lock that a
/// third process took in between, and two processes would then both hold the folder (found
/// by `tests/torture.rs`: lost UID database updates, then a UID given to two messages).
/// So breakers first take a second lock, [`BREAK_FILE`] (same link() protocol), then check
/// that the lock is still the very file judged stale (inode, mtime and content: inode
/// numbers are reused at once) and only then unlink it. Nobody can replace a lock without
/// unlinking it first, and only breakers unlink other processes' locks, so the check and the
/// unlink cannot be overtaken. Courier does not know the breaker lock; it keeps its own
/// unlink-and-sleep rule.
fn break_stale(tmp_dir: &Path, lock: &Path, stale: &LockId) -> io::Result<()> {
    let guard = lock.with_file_name(
        Path::new(BREAK_FILE)
            .file_name()
            .expect("BREAK_FILE names a file"),
    );
    if try_link(tmp_dir, &guard)?.is_none() {
        // Another breaker is at work, or died at work long ago.
        if let Ok(m) = std::fs::symlink_metadata(&guard) {
            let age = SystemTime::now()
                .duration_since(m.modified()?)
                .unwrap_or_default();
            if age > BREAK_STALE_AFTER {
                let _ = std::fs::remove_file(&guard);
            }
        }
        return Ok(());
    }
    let result = match std::fs::File::open(lock).and_then(|mut f| lock_id(&mut f)) {
        Ok(id) if id == *stale => std::fs::remove_file(lock),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&guard);
    result
}

/// Forgets `folder`'s spare and deletes it.
fn drop_spare(folder: &Path) {
    let mut reg = lock_registry();
    if let Some(i) = reg.spares.iter().position(|(f, _, _)| f == folder) {
        let _ = std::fs::remove_file(&reg.spares.remove(i).1);
    }
}

/// Tries once to link `folder`'s spare as the lock; returns the lock's inode if we got it.
/// A spare found with other links than the lock's (it must have one, or two with the lock)
/// or gone between its touch and the link is replaced by a new one.
fn try_spare(folder: &Path, tmp_dir: &Path, lock: &Path) -> io::Result<Option<u64>> {
    for _ in 0..2 {
        let spare = spare_for(folder, tmp_dir)?;
        return match link_as(&spare, lock) {
            Ok(Linked::Ours(ino)) => Ok(Some(ino)),
            Ok(Linked::Held) => Ok(None),
            Ok(Linked::Odd) => {
                drop_spare(folder);
                Ok(None)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                drop_spare(folder);
                continue;
            }
            Err(e) => Err(e),
        };
    }
    Ok(None)
}

fn dot_lock(folder: &Path, opts: &LockOptions, deadline: Instant) -> io::Result<(PathBuf, u64)> {
    let tmp_dir = folder.join("tmp");
    let lock = folder.join(LOCK_FILE);
    let mut pause = Duration::from_millis(2);
    loop {
        if let Some(ino) = try_spare(folder, &tmp_dir, &lock)? {
            return Ok((lock, ino));
        }
        match stale_lock(&lock, opts) {
            Ok(Some(id)) => {
                break_stale(&tmp_dir, &lock, &id)?;
                std::thread::sleep(opts.stale_pause);
                continue;
            }
            Ok(None) => {}
            // Released between our link() and our look: try again at once.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{} is held", lock.display()),
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    fn folder() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("tmp")).unwrap();
        d
    }

    fn fast() -> LockOptions {
        LockOptions {
            stale_pause: Duration::from_millis(1),
            timeout: Duration::from_secs(2),
            ..LockOptions::default()
        }
    }

    fn tmp_names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d.join("tmp"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_pid_and_host_and_releases() {
        let d = folder();
        let l = FolderLock::acquire(d.path(), &fast()).unwrap();
        let text = std::fs::read_to_string(d.path().join(LOCK_FILE)).unwrap();
        assert_eq!(
            text,
            format!("{}:{}", std::process::id(), deliver::raw_hostname())
        );
        // The lock and its spare name (one file) are all there is in tmp/.
        let names = tmp_names(d.path());
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].contains("_courierlock") && names[1] == "courier.lock");
        drop(l);
        assert!(!d.path().join(LOCK_FILE).exists());
        // The spare stays for the next lock until the store lets it go.
        assert_eq!(tmp_names(d.path()), names[..1]);
        discard_spares(d.path());
        assert!(tmp_names(d.path()).is_empty());
    }

    /// A second lock links the same file again, its mtime renewed (another host judges a lock
    /// by its mtime); no more than [`SPARES_KEPT`] folders keep one.
    #[test]
    fn reuses_spare_with_fresh_mtime_and_keeps_few() {
        use rustix::fs::{AtFlags, Timespec, Timestamps, CWD};
        let d = folder();
        drop(FolderLock::acquire(d.path(), &fast()).unwrap());
        let spare = d.path().join("tmp").join(&tmp_names(d.path())[0]);
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let secs = hour_ago.duration_since(SystemTime::UNIX_EPOCH).unwrap();
        let t = Timespec {
            tv_sec: secs.as_secs() as i64,
            tv_nsec: 0,
        };
        let old = Timestamps {
            last_access: t,
            last_modification: t,
        };
        rustix::fs::utimensat(CWD, &spare, &old, AtFlags::empty()).unwrap();
        let l = FolderLock::acquire(d.path(), &fast()).unwrap();
        let lock = std::fs::metadata(d.path().join(LOCK_FILE)).unwrap();
        assert_eq!(lock.ino(), std::fs::metadata(&spare).unwrap().ino());
        let age = SystemTime::now()
            .duration_since(lock.modified().unwrap())
            .unwrap_or_default();
        assert!(age < Duration::from_secs(60), "lock mtime {age:?} old");
        drop(l);
        // A spare deleted behind our back (tmp/ cleaning) is made anew.
        std::fs::remove_file(&spare).unwrap();
        drop(FolderLock::acquire(d.path(), &fast()).unwrap());
        assert_eq!(tmp_names(d.path()).len(), 1);
        // So is one with a link we did not make (its link count would lie).
        let spare = d.path().join("tmp").join(&tmp_names(d.path())[0]);
        let extra = d.path().join("extra");
        std::fs::hard_link(&spare, &extra).unwrap();
        let l = FolderLock::acquire(d.path(), &fast()).unwrap();
        let lock = std::fs::metadata(d.path().join(LOCK_FILE)).unwrap();
        assert_ne!(lock.ino(), std::fs::metadata(&extra).unwrap().ino());
        assert_eq!(lock.nlink(), 2);
        drop(l);
        assert!(!spare.exists());
        discard_spares(d.path());

        let folders: Vec<PathBuf> = (0..=SPARES_KEPT)
            .map(|i| {
                let f = d.path().join(format!(".f{i}"));
                std::fs::create_dir_all(f.join("tmp")).unwrap();
                drop(FolderLock::acquire(&f, &fast()).unwrap());
                f
            })
            .collect();
        let kept = folders.iter().filter(|f| !tmp_names(f).is_empty()).count();
        assert!((1..=SPARES_KEPT).contains(&kept), "{kept} spares kept");
        discard_spares(d.path());
        assert!(folders.iter().all(|f| tmp_names(f).is_empty()));
    }

    #[test]
    fn breaks_dead_pid_lock() {
        let d = folder();
        // pid i32::MAX does not exist.
        let dead = format!("{}:{}", i32::MAX, deliver::raw_hostname());
        std::fs::write(d.path().join(LOCK_FILE), dead).unwrap();
        let _l = FolderLock::acquire(d.path(), &fast()).unwrap();
    }

    /// Regression (tests/torture.rs): two waiters judge one dead lock stale; the first breaks
    /// it and a third process takes a fresh lock; the late breaker must leave that one alone.
    #[test]
    fn late_breaker_keeps_fresh_lock() {
        let d = folder();
        let lock = d.path().join(LOCK_FILE);
        std::fs::write(&lock, format!("{}:{}", i32::MAX, deliver::raw_hostname())).unwrap();
        let stale = stale_lock(&lock, &fast())
            .unwrap()
            .expect("dead pid is stale");
        // The first breaker removed it and someone took the lock anew (the inode number is
        // typically reused at once).
        std::fs::remove_file(&lock).unwrap();
        std::fs::write(&lock, "1:some-other-host").unwrap();
        break_stale(&d.path().join("tmp"), &lock, &stale).unwrap();
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "1:some-other-host");
        // The stale one itself is removed.
        let fresh = lock_id(&mut std::fs::File::open(&lock).unwrap()).unwrap();
        break_stale(&d.path().join("tmp"), &lock, &fresh).unwrap();
        assert!(!lock.exists());
        assert_eq!(std::fs::read_dir(d.path().join("tmp")).unwrap().count(), 0);
        // While another breaker is at work nothing is removed.
        std::fs::write(&lock, "2:some-other-host").unwrap();
        let id = lock_id(&mut std::fs::File::open(&lock).unwrap()).unwrap();
        std::fs::write(d.path().join(BREAK_FILE), "3:some-other-host").unwrap();
        break_stale(&d.path().join("tmp"), &lock, &id).unwrap();
        assert!(lock.exists());
    }

    #[test]
    fn waits_for_live_foreign_lock() {
        let d = folder();
        std::fs::write(d.path().join(LOCK_FILE), "1:some-other-host").unwrap();
        let opts = LockOptions {
            timeout: Duration::from_millis(50),
            ..fast()
        };
        let err = FolderLock::acquire(d.path(), &opts).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        // Old enough ⇒ stale.
        let opts = LockOptions {
            foreign_stale_after: Duration::ZERO,
            ..fast()
        };
        std::thread::sleep(Duration::from_millis(5));
        let _l = FolderLock::acquire(d.path(), &opts).unwrap();
    }

    #[test]
    fn excludes_threads() {
        let d = folder();
        let path = Arc::new(d.path().to_path_buf());
        let inside = Arc::new(AtomicU32::new(0));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let (path, inside) = (path.clone(), inside.clone());
                std::thread::spawn(move || {
                    for _ in 0..20 {
                        let _l = FolderLock::acquire(&path, &fast()).unwrap();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        std::thread::sleep(Duration::from_micros(100));
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}
