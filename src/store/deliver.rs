//! Unique names and putting message files into a folder: write in `tmp/`, fsync, rename
//! into `cur/` (or `new/`), fsync the directory (maildir.txt "How a message is delivered";
//! design invariant 3).
//!
//! Names follow Courier's scheme (peers.md §5):
//! `<sec>.M<usec>P<pid>V<st_dev, 16 hex>I<st_ino, 16 hex>_<n>.<host>,S=<bytes>` — plus a
//! Dovecot-style `,W=<RFC822.SIZE>` hint (peers.md §6) so sizes need no read. Uniqueness:
//! (pid, per-process counter) is unique within a process's life, the microsecond time
//! separates reused pids, the inode number separates hosts sharing a clock.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use super::atomic::{create_new, fsync_dir};

/// Per-process delivery counter (the `_<n>` part).
static COUNTER: AtomicU64 = AtomicU64::new(1);

/// The host name as it appears in unique names: `/` → `\057`, `:` → `\072` (maildir.txt).
pub fn hostname() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let raw = rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned();
        let raw = if raw.is_empty() {
            "localhost".to_owned()
        } else {
            raw
        };
        raw.replace('/', "\\057").replace(':', "\\072")
    })
}

/// The raw host name, as written into dot-lock files (`<pid>:<hostname>`, peers.md §5).
pub fn raw_hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

/// Seconds and microseconds since the epoch.
pub fn now() -> (u64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs(), d.subsec_micros())
}

/// Creates a new empty file `tmp/<sec>.M<usec>P<pid>_<tag><n>.<host>` (Courier uses the same
/// shape for its uid db and lock temporaries, peers.md §5); returns its path and handle.
pub fn create_tmp(tmp_dir: &Path, tag: &str) -> io::Result<(PathBuf, File)> {
    loop {
        let (sec, usec) = now();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{sec}.M{usec}P{}_{tag}{n}.{}",
            std::process::id(),
            hostname()
        );
        let path = tmp_dir.join(name);
        match create_new(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// A unique base name for a message whose file has `meta` (its dev/ino go into the name).
pub fn unique_base(meta: &std::fs::Metadata, bytes: u64, rfc822_size: u64) -> String {
    let (sec, usec) = now();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{sec}.M{usec}P{}V{:016X}I{:016X}_{n}.{},S={bytes},W={rfc822_size}",
        std::process::id(),
        meta.dev(),
        meta.ino(),
        hostname()
    )
}

/// Where a delivered file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `new/`, no info: an MDA delivery, `\Recent` for the next claimant.
    New,
    /// `cur/` with `:2,<letters>`: APPEND and COPY, as Courier does (peers.md §5).
    Cur,
}

/// Writes `data` as a new message of the folder at `folder` (which has `tmp/`, `cur/`,
/// `new/`), with modification time `mtime` (INTERNALDATE). Returns the base name and the
/// final file name and what `before_publish` returned. `before_publish` runs with the base
/// name before the file becomes visible in `cur/`/`new/` (keyword files go there first; a
/// caller that must give the file its UID before anyone else sees it takes the folder lock
/// there and keeps the guard). The file and the directory are fsync'd before this returns.
pub fn deliver<G>(
    folder: &Path,
    data: &[u8],
    mtime: SystemTime,
    target: Target,
    letters: &str,
    before_publish: impl FnOnce(&str) -> io::Result<G>,
) -> io::Result<(String, String, G)> {
    let (tmp, mut file) = create_tmp(&folder.join("tmp"), "")?;
    let result = (|| {
        file.write_all(data)?;
        file.set_times(std::fs::FileTimes::new().set_modified(mtime))?;
        file.sync_all()?;
        let meta = file.metadata()?;
        let base = unique_base(
            &meta,
            data.len() as u64,
            crate::core::memory::crlf_size(data),
        );
        let (dir, name) = match target {
            Target::New => ("new", base.clone()),
            Target::Cur => ("cur", super::flags::with_letters(&base, letters)),
        };
        let guard = before_publish(&base)?;
        let dest_dir = folder.join(dir);
        // The inode in the name makes it unique on this host; link() would refuse an
        // existing name, rename() replaces — so check anyway and fail rather than clobber.
        std::fs::hard_link(&tmp, dest_dir.join(&name))?;
        std::fs::remove_file(&tmp)?;
        // Only the new name must survive a crash; `tmp/` is not fsync'd: a tmp/ name that
        // comes back after a crash is a second link to a published message, removed by the
        // 36-hour tmp/ cleanup (maildir.txt), never read as mail.
        fsync_dir(&dest_dir)?;
        Ok((base, name, guard))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Converts CRLF line ends to LF, as both peers store messages (peers.md §3 "Sizes").
pub fn to_lf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'\r' && data.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

/// The arrival key of a base name: (seconds, microseconds) from `<sec>.M<usec>…` when
/// present, used to give UIDs in arrival order (maildir.txt: the left part is the time).
pub fn arrival_key(base: &str) -> (u64, u64) {
    let (first, rest) = base.split_once('.').unwrap_or((base, ""));
    let sec = first.parse().unwrap_or(0);
    let usec = rest.strip_prefix('M').map_or(0, |rest| {
        let end = rest
            .bytes()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        rest[..end].parse().unwrap_or(0)
    });
    (sec, usec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_conversion() {
        assert_eq!(to_lf(b"a\r\nb\r\n"), b"a\nb\n");
        assert_eq!(to_lf(b"a\rb\n\r"), b"a\rb\n\r");
    }

    #[test]
    fn arrival_keys() {
        assert_eq!(
            arrival_key("1795693322.M142906P2613V0I0_1.vm,S=1"),
            (1795693322, 142906)
        );
        assert_eq!(arrival_key("1136214245.M2P1000.seed"), (1136214245, 2));
        assert_eq!(arrival_key("1136214245.12345_1.host"), (1136214245, 0));
        assert_eq!(arrival_key("junk"), (0, 0));
    }

    #[test]
    fn delivers_unique_names() {
        let d = tempfile::tempdir().unwrap();
        for sub in ["tmp", "cur", "new"] {
            std::fs::create_dir(d.path().join(sub)).unwrap();
        }
        let t = SystemTime::now();
        let (b1, n1, ()) = deliver(d.path(), b"x\n", t, Target::Cur, "S", |_| Ok(())).unwrap();
        let (b2, n2, ()) = deliver(d.path(), b"x\n", t, Target::New, "", |_| Ok(())).unwrap();
        assert_ne!(b1, b2);
        assert!(n1.ends_with(":2,S") && n1.contains(",S=2,W=3"));
        assert_eq!(n2, b2);
        assert!(d.path().join("cur").join(&n1).exists());
        assert!(d.path().join("new").join(&n2).exists());
        assert_eq!(std::fs::read_dir(d.path().join("tmp")).unwrap().count(), 0);
    }
}
