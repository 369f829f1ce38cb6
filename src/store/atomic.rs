//! Durable replacement of small metadata files: write a temporary file, fsync it, rename it
//! over the target, fsync the directory (design invariant 3; the rename is what Courier does
//! for `courierimapuiddb` and keyword files, peers.md §5); and opening one to read it back.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::deliver;

/// Opens a small metadata file to read it, without following a symlink or waiting on a
/// FIFO put in its place.
pub fn open_to_read(path: &Path) -> io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    Ok(File::from(rustix::fs::open(path, flags, Mode::empty())?))
}

/// Fsyncs a directory so that entries created, renamed or removed in it are durable.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Creates a new file (never an existing one, never through a symlink) with mode 0600.
pub fn create_new(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Writes `data` to a fresh file in `tmp_dir`, fsyncs it and renames it to `target`, then
/// fsyncs `target`'s directory. `tag` becomes part of the temporary name (e.g. `imapuid`).
pub fn replace(tmp_dir: &Path, tag: &str, target: &Path, data: &[u8]) -> io::Result<()> {
    replace_with(tmp_dir, tag, target, |f| f.write_all(data))
}

/// [`replace`], with the content written by `write` (streamed, not held in memory whole).
pub fn replace_with(
    tmp_dir: &Path,
    tag: &str,
    target: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let (tmp, mut file) = deliver::create_tmp(tmp_dir, tag)?;
    let result = (|| {
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, target)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    fsync_dir(target.parent().unwrap_or(Path::new(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_atomically() {
        let d = tempfile::tempdir().unwrap();
        let tmp = d.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        let target = d.path().join("file");
        replace(&tmp, "t", &target, b"one").unwrap();
        replace(&tmp, "t", &target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    }
}
