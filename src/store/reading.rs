//! Reading whole message files: one `read` per file ([`read_whole`]), and a thread that
//! reads the files a command will ask for next while the command works on the one before
//! ([`ReadAhead`]: SEARCH TEXT and FETCH of bodies over many messages).
//!
//! The content of a Maildir message file never changes under its name (a flag change
//! renames it, Maildir's delivery rule), so a file read ahead is the message as it is when
//! asked for; one renamed or expunged before the read is reported, and the store reads it
//! itself, following the rename.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::OnceLock;
use std::thread::JoinHandle;

use crate::core::store::Uid;

use super::cache::FileId;

/// All of `file`, whose `fstat` gave `len` octets: one `read` when it still holds `len`.
/// The read asks for one octet more, and a regular file's read returns less than asked
/// only at its end, so no read is needed to find the end (std's `read_to_end` makes one,
/// and reads in growing pieces without a size hint).
pub fn read_whole(file: &File, len: u64) -> io::Result<Vec<u8>> {
    let len = usize::try_from(len).map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    let mut data = Vec::with_capacity(len.saturating_add(1));
    loop {
        if data.len() == data.capacity() {
            data.reserve(data.capacity().max(8192));
        }
        let asked = data.capacity() - data.len();
        match rustix::io::read(file, rustix::buffer::spare_capacity(&mut data)) {
            Ok(0) => return Ok(data),
            Ok(got) if got < asked && data.len() >= len => return Ok(data),
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// A file read whole, with the identity its `fstat` gave.
pub type Whole = (Vec<u8>, FileId);

/// Opens and reads `path` whole.
pub fn read_file(path: &std::path::Path) -> io::Result<Whole> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let data = read_whole(&file, meta.len())?;
    Ok((data, FileId::of(&meta)))
}

/// Fewer messages than this are read without a thread (starting one costs about as much
/// as reading a few small files).
pub const WORTH_A_THREAD: usize = 8;

/// Files larger than this are left to the store's own read.
const LARGEST: u64 = 1 << 20;
/// A reader sends what it has read when it holds this many octets, or at the end of a block.
const BATCH_OCTETS: usize = 256 * 1024;
/// Files are read in blocks of this many (the first blocks smaller, so the first file comes
/// soon), block `j` by reader `j % readers()`.
const BLOCK_FILES: usize = 32;
/// Batches a reader has sent that wait for the store, at most: each reader holds at most
/// `BATCHES + 1` batches of [`BATCH_OCTETS`] plus one file of [`LARGEST`].
const BATCHES: usize = 2;
/// Reader threads: one per CPU, at least two and at most four. Several files read at once
/// keep a disk busy when the page cache does not hold them (a session's first look at a
/// folder); more readers than CPUs slow the command down when it does.
fn readers() -> usize {
    static READERS: OnceLock<usize> = OnceLock::new();
    *READERS.get_or_init(|| std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4)))
}

/// What a reader found for one message.
enum Found {
    Read(Whole),
    /// Too large to hold ahead ([`LARGEST`]).
    Skipped,
    /// The open or read failed (a file renamed by a flag change, expunged, unreadable).
    Failed,
}

/// What [`ReadAhead::take`] has for a message.
#[derive(Debug)]
pub enum Taken {
    /// Its file, read ahead.
    Read(Whole),
    /// Not read ahead (too large, renamed meanwhile, an error): the store reads it itself.
    NotRead,
    /// Not the next message of the read-ahead, or nothing is left: the read-ahead is over.
    Over,
}

type Batch = Vec<(Uid, Found)>;

/// Threads reading the files of messages in the order they will be asked for, each a block
/// of files at a time, sending what they read in batches through bounded channels.
/// Dropping it stops them (after the reads in progress).
pub struct ReadAhead {
    mailbox: String,
    /// One channel per reader; block `j` comes through `rxs[j % rxs.len()]`.
    rxs: Vec<Receiver<Batch>>,
    /// The sizes of the blocks not begun yet, in order.
    blocks: VecDeque<usize>,
    /// The block being received, and how many of its files are still to come.
    block: usize,
    left: usize,
    batch: VecDeque<(Uid, Found)>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for ReadAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadAhead")
            .field("mailbox", &self.mailbox)
            .field("waiting", &self.batch.len())
            .finish_non_exhaustive()
    }
}

impl ReadAhead {
    /// Starts reading `files` (each message's UID and file path, UIDs ascending: the order
    /// they will be asked for) of `mailbox`; `None` if no thread can be started.
    pub fn start(mailbox: &str, files: Vec<(Uid, PathBuf)>) -> Option<Self> {
        let mut work: Vec<Vec<Vec<(Uid, PathBuf)>>> = (0..readers()).map(|_| Vec::new()).collect();
        let mut sizes = VecDeque::new();
        let mut files = files.into_iter().peekable();
        let mut size = 1;
        while files.peek().is_some() {
            let block: Vec<_> = files.by_ref().take(size).collect();
            sizes.push_back(block.len());
            let reader = (sizes.len() - 1) % work.len();
            work[reader].push(block);
            size = (size * 2).min(BLOCK_FILES);
        }
        let mut rxs = Vec::new();
        let mut threads = Vec::new();
        for blocks in work.into_iter().filter(|w| !w.is_empty()) {
            let (tx, rx) = sync_channel(BATCHES);
            let t = std::thread::Builder::new()
                .name("read-ahead".into())
                .spawn(move || read_blocks(blocks, &tx));
            match t {
                Ok(t) => threads.push(t),
                // (the readers started stop when `rxs` is dropped)
                Err(_) => return None,
            }
            rxs.push(rx);
        }
        Some(ReadAhead {
            mailbox: mailbox.to_owned(),
            rxs,
            blocks: sizes,
            block: 0,
            left: 0,
            batch: VecDeque::new(),
            threads,
        })
    }

    /// The mailbox whose files are read.
    pub fn mailbox(&self) -> &str {
        &self.mailbox
    }

    /// The next batch read, in order; `None` when all have come (or a reader is gone).
    fn next_batch(&mut self) -> Option<Batch> {
        if self.left == 0 {
            self.left = self.blocks.pop_front()?;
            self.block += 1;
        }
        let rx = self.rxs.get((self.block - 1) % self.rxs.len().max(1))?;
        let b = rx.recv().ok()?;
        self.left = self.left.checked_sub(b.len())?;
        Some(b)
    }

    /// The file of `uid` if it is the next one read (waiting for a reader if need be);
    /// files of smaller UIDs before it were not asked for and are dropped.
    pub fn take(&mut self, uid: Uid) -> Taken {
        loop {
            if self.batch.is_empty() {
                match self.next_batch() {
                    Some(b) => self.batch = b.into(),
                    None => return Taken::Over,
                }
            }
            match self.batch.front() {
                Some((u, _)) if *u < uid => {
                    self.batch.pop_front();
                }
                Some((u, _)) if *u == uid => break,
                _ => return Taken::Over,
            }
        }
        match self.batch.pop_front() {
            Some((_, Found::Read(w))) => Taken::Read(w),
            Some(_) => Taken::NotRead,
            None => Taken::Over,
        }
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // A closed channel ends its reader at its next send.
        self.rxs.clear();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One reader: reads its blocks in order, sending what it read in batches (a block's end
/// ends a batch) until done or nobody listens.
fn read_blocks(blocks: Vec<Vec<(Uid, PathBuf)>>, tx: &SyncSender<Batch>) {
    for block in blocks {
        let mut batch = Vec::new();
        let mut octets = 0;
        for (uid, path) in block {
            let found = match read_small(&path) {
                Ok(Some(w)) => {
                    octets += w.0.len();
                    Found::Read(w)
                }
                Ok(None) => Found::Skipped,
                Err(_) => Found::Failed,
            };
            batch.push((uid, found));
            if octets >= BATCH_OCTETS {
                if tx.send(std::mem::take(&mut batch)).is_err() {
                    return;
                }
                octets = 0;
            }
        }
        if !batch.is_empty() && tx.send(batch).is_err() {
            return;
        }
    }
}

/// [`read_file`] for a file of at most [`LARGEST`] octets; `None` for a larger one.
fn read_small(path: &std::path::Path) -> io::Result<Option<Whole>> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if meta.len() > LARGEST {
        return Ok(None);
    }
    let data = read_whole(&file, meta.len())?;
    Ok(Some((data, FileId::of(&meta))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole file whatever size its `fstat` told: right, short (it grew since: read on
    /// past the octet asked for beyond it), long (it shrank), or empty.
    #[test]
    fn read_whole_reads_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        for data in [&b""[..], b"x", &b"0123456789".repeat(3000)] {
            std::fs::write(&path, data).unwrap();
            let file = File::open(&path).unwrap();
            let n = data.len() as u64;
            for told in [n, n.saturating_sub(1), n / 2, 0, n + 1, n + 10_000] {
                use std::io::Seek;
                (&file).rewind().unwrap();
                assert_eq!(read_whole(&file, told).unwrap(), data, "told {told} of {n}");
            }
        }
    }

    /// Files come in order, each with its identity; a missing or too large one is
    /// `NotRead`, asking out of order ends the read-ahead, and so does its end.
    #[test]
    fn read_ahead_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for i in 0..100u32 {
            let path = dir.path().join(format!("m{i}"));
            let body = match i {
                7 => vec![b'x'; LARGEST as usize + 1],
                _ => format!("message {i}\n")
                    .repeat(i as usize * 500)
                    .into_bytes(),
            };
            if i != 13 {
                std::fs::write(&path, &body).unwrap();
            }
            files.push((i + 1, path));
        }
        let mut ahead = ReadAhead::start("INBOX", files.clone()).unwrap();
        assert_eq!(ahead.mailbox(), "INBOX");
        for (uid, path) in &files {
            match ahead.take(*uid) {
                Taken::Read((data, id)) => {
                    assert_eq!(data, std::fs::read(path).unwrap(), "{uid:?}");
                    let meta = std::fs::metadata(path).unwrap();
                    assert_eq!(id, FileId::of(&meta));
                }
                Taken::NotRead => assert!([8, 14].contains(uid), "{uid:?}"),
                Taken::Over => panic!("over at {uid:?}"),
            }
        }
        assert!(matches!(ahead.take(101), Taken::Over));
        // messages not asked for are passed over; going back ends it; dropping it mid-way
        // stops the thread
        let mut ahead = ReadAhead::start("INBOX", files).unwrap();
        assert!(matches!(ahead.take(1), Taken::Read(_)));
        assert!(matches!(ahead.take(3), Taken::Read((d, _)) if d.starts_with(b"message 2\n")));
        assert!(matches!(ahead.take(2), Taken::Over));
        drop(ahead);
    }
}
