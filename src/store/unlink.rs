//! Unlinking the files of an EXPUNGE, several at a time.
//!
//! An unlink of a message file whose blocks are on disk waits for the file system to free
//! them (about 60 µs each on ext4 here, the bulk of an EXPUNGE of 1000 messages), not for
//! the CPU; a few unlinks in flight at once overlap those waits (1000 files: 61 ms in one
//! thread, 40 in two, 28 in four). Every unlink has finished, successfully or not, before
//! these functions return: the caller fsyncs the directories and answers only then.

use std::io;
use std::path::Path;

use super::files::FileEntry;
use super::quota;

/// Unlinks in flight at once for a large removal.
const WORKERS: usize = 4;
/// Below this many files, one thread does them all (spawning costs more than it saves).
const PARALLEL_FROM: usize = 64;

/// What one unlink did: the size the file counted against the quota (`None` for a message
/// marked trashed, `T`, which counts nothing), and whether it is gone.
pub type Unlinked = (Option<u64>, io::Result<()>);

/// Unlinks the file of `e` in `folder`; its size is taken first (from its name, else a
/// `stat`), as the quota must be given it back.
pub fn unlink_one(folder: &Path, e: &FileEntry) -> Unlinked {
    let file = e.path(folder);
    let size = (!e.letters().contains('T'))
        .then(|| quota::file_size(file.parent().unwrap_or(folder), e.name()))
        .flatten();
    (size, std::fs::remove_file(&file))
}

/// [`unlink_one`] for each of `files`, in parallel when they are many; the results in the
/// order of `files`. A worker that cannot be started leaves its share to this thread; one
/// that failed without a result reports an error for each file of its share (whose state
/// is then unknown: the caller fails, and the next sync finds what is left).
pub fn unlink_all(folder: &Path, files: &[&FileEntry]) -> Vec<Unlinked> {
    if files.len() < PARALLEL_FROM {
        return files.iter().map(|e| unlink_one(folder, e)).collect();
    }
    let share = files.len().div_ceil(WORKERS);
    let run = |part: &[&FileEntry]| -> Vec<Unlinked> {
        part.iter().map(|e| unlink_one(folder, e)).collect()
    };
    std::thread::scope(|s| {
        let started: Vec<(usize, Result<_, Vec<Unlinked>>)> = files
            .chunks(share)
            .map(|part| {
                // (a small stack: an unlink needs little, and a session's memory is limited)
                let worker = std::thread::Builder::new()
                    .name("imapd-unlink".into())
                    .stack_size(64 << 10)
                    .spawn_scoped(s, move || run(part));
                (part.len(), worker.map_err(|_| part))
            })
            .map(|(n, w)| match w {
                Ok(handle) => (n, Ok(handle)),
                Err(part) => (n, Err(run(part))),
            })
            .collect();
        let mut out = Vec::with_capacity(files.len());
        for (n, worker) in started {
            match worker {
                Ok(handle) => match handle.join() {
                    Ok(done) => out.extend(done),
                    Err(_) => out.extend(
                        (0..n).map(|_| (None, Err(io::Error::other("an unlink worker failed")))),
                    ),
                },
                Err(done) => out.extend(done),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many files: every one is unlinked and reported in order, with its size (from its
    /// name or its length; none for a trashed one); a file already gone reports NotFound
    /// at its own place.
    #[test]
    fn unlinks_many_in_order_with_sizes() {
        let d = tempfile::tempdir().unwrap();
        let cur = d.path().join("cur");
        std::fs::create_dir_all(&cur).unwrap();
        std::fs::create_dir_all(d.path().join("new")).unwrap();
        let mut entries = Vec::new();
        for i in 0..200usize {
            let name = match i % 3 {
                0 => format!("{i}.M1P1.h,S=77:2,S"),
                1 => format!("{i}.M1P1.h:2,ST"),
                _ => format!("{i}.M1P1.h:2,"),
            };
            std::fs::write(cur.join(&name), vec![b'x'; i]).unwrap();
            entries.push(FileEntry::new(name, false));
        }
        std::fs::remove_file(cur.join(entries[150].name())).unwrap();
        let refs: Vec<&FileEntry> = entries.iter().collect();
        let done = unlink_all(d.path(), &refs);
        assert_eq!(done.len(), 200);
        for (i, (size, res)) in done.iter().enumerate() {
            if i == 150 {
                assert_eq!(res.as_ref().unwrap_err().kind(), io::ErrorKind::NotFound);
                continue;
            }
            assert!(res.is_ok(), "{i}");
            let want = match i % 3 {
                0 => Some(77),
                1 => None,
                _ => Some(i as u64),
            };
            assert_eq!(*size, want, "{i}");
        }
        assert_eq!(std::fs::read_dir(&cur).unwrap().count(), 0);
    }
}
