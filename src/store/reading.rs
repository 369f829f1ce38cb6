//! Reading whole message files: one `read` per file ([`read_whole`]), and reader threads
//! that read the files a command will ask for next while the command works on the one
//! before ([`ReadAhead`]: SEARCH TEXT, FETCH of bodies, a first FETCH of ENVELOPE).
//!
//! The content of a Maildir message file never changes under its name (a flag change
//! renames it, Maildir's delivery rule), so a file read ahead is the message as it is when
//! asked for; one renamed or expunged before the read is reported, and the store reads it
//! itself, following the rename.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, OnceLock};
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
pub fn read_file(path: &Path) -> io::Result<Whole> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let data = read_whole(&file, meta.len())?;
    Ok((data, FileId::of(&meta)))
}

/// Fewer messages than this are read without a thread (starting one costs about as much
/// as reading a few small files).
pub const WORTH_A_THREAD: usize = 8;

/// Octets of files read ahead and not yet taken, all readers together, at most: a file
/// that would go over is left to the store's own read.
const HELD: usize = 4 << 20;
/// A reader sends what it has read before a batch would hold more than this many octets
/// (a larger file goes alone), and at the end of a block.
const BATCH_OCTETS: usize = 256 * 1024;
/// Batches a reader has sent that wait for the store, at most.
const BATCHES: usize = 2;
/// Files are handed out in blocks of this many (the first blocks smaller, so the first file
/// comes soon), block `j` to reader `j % readers()`.
const BLOCK_FILES: usize = 32;
/// Blocks handed out per reader and not yet taken, at most (only their paths are held).
const BLOCKS_AHEAD: usize = 2;
/// A reader's stack: it only opens and reads (a thread's stack counts toward RLIMIT_DATA).
const READER_STACK: usize = 128 * 1024;

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
    /// Not a regular file, or too large to hold ahead now ([`HELD`]).
    Skipped,
    /// The open or read failed (a file renamed by a flag change, expunged, unreadable).
    Failed,
}

/// What [`ReadAhead::take`] has for a message.
#[derive(Debug)]
pub enum Taken {
    /// Its file, read ahead.
    Read(Whole),
    /// Not read ahead (not handed out, too large, renamed meanwhile, an error): the store
    /// reads it itself.
    NotRead,
    /// Nothing is left to read: the read-ahead is over.
    Over,
}

type Batch = Vec<(Uid, Found)>;
type Block = Vec<(Uid, PathBuf)>;

/// Reader threads reading the files of messages in the order they will be asked for. The
/// store hands out blocks of paths as the command takes files ([`ReadAhead::hand_out`]),
/// so only a few blocks of paths and batches of contents are held at a time. Dropping it
/// stops the readers before their next file.
pub struct ReadAhead {
    mailbox: String,
    /// The UIDs to hand out (ascending) and how many have been.
    todo: Vec<Uid>,
    done: usize,
    /// The size of the next block.
    size: usize,
    /// One work channel and one result channel per reader; block `j` goes through
    /// `work[j % n]` and comes back through `rxs[j % n]`.
    work: Vec<Sender<Block>>,
    rxs: Vec<Receiver<Batch>>,
    /// The sizes of the blocks handed out and not begun, in order.
    blocks: VecDeque<usize>,
    /// Blocks handed out so far, and the number of the block being taken (1-based; 0
    /// before the first) with how many of its files are still to come.
    handed: usize,
    block: usize,
    left: usize,
    batch: VecDeque<(Uid, Found)>,
    /// Octets read ahead and not taken ([`HELD`]).
    held: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for ReadAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadAhead")
            .field("mailbox", &self.mailbox)
            .field("handed", &self.done)
            .field("of", &self.todo.len())
            .finish_non_exhaustive()
    }
}

impl ReadAhead {
    /// Starts the readers for `uids` of `mailbox` (ascending: the order they will be asked
    /// for); `None` if no thread can be started. Nothing is read until [`Self::hand_out`].
    pub fn start(mailbox: &str, uids: Vec<Uid>) -> Option<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut ahead = ReadAhead {
            mailbox: mailbox.to_owned(),
            todo: uids,
            done: 0,
            size: 1,
            work: Vec::new(),
            rxs: Vec::new(),
            blocks: VecDeque::new(),
            handed: 0,
            block: 0,
            left: 0,
            batch: VecDeque::new(),
            held: Arc::new(AtomicUsize::new(0)),
            stop,
            threads: Vec::new(),
        };
        for _ in 0..readers() {
            let (work_tx, work_rx) = channel::<Block>();
            let (tx, rx) = sync_channel(BATCHES);
            let (stop, held) = (ahead.stop.clone(), ahead.held.clone());
            let t = std::thread::Builder::new()
                .name("read-ahead".into())
                .stack_size(READER_STACK)
                .spawn(move || read_blocks(&work_rx, &tx, &stop, &held))
                // (the readers started stop when `ahead` is dropped)
                .ok()?;
            ahead.threads.push(t);
            ahead.work.push(work_tx);
            ahead.rxs.push(rx);
        }
        Some(ahead)
    }

    /// The mailbox whose files are read.
    pub fn mailbox(&self) -> &str {
        &self.mailbox
    }

    /// Hands the readers the next blocks, up to [`BLOCKS_AHEAD`] per reader not yet taken;
    /// `path` gives a message's file, `None` to leave it to the store (unknown, or not to
    /// be read after all).
    pub fn hand_out(&mut self, mut path: impl FnMut(Uid) -> Option<PathBuf>) {
        while self.blocks.len() < BLOCKS_AHEAD * self.work.len() && self.done < self.todo.len() {
            let mut block = Vec::with_capacity(self.size);
            while block.len() < self.size && self.done < self.todo.len() {
                let uid = self.todo[self.done];
                self.done += 1;
                if let Some(p) = path(uid) {
                    block.push((uid, p));
                }
            }
            if block.is_empty() {
                continue;
            }
            self.blocks.push_back(block.len());
            let reader = self.handed % self.work.len();
            self.handed += 1;
            if self.work[reader].send(block).is_err() {
                // a reader gone: nothing more comes from it
                self.todo.clear();
                self.done = 0;
                return;
            }
            self.size = (self.size * 2).min(BLOCK_FILES);
        }
    }

    /// The next batch read, in order; `None` when all that was handed out has come (or a
    /// reader is gone).
    fn next_batch(&mut self) -> Option<Batch> {
        if self.left == 0 {
            self.left = self.blocks.pop_front()?;
            self.block += 1;
        }
        let rx = self.rxs.get((self.block - 1) % self.rxs.len())?;
        let b = rx.recv().ok()?;
        self.left = self.left.checked_sub(b.len())?;
        Some(b)
    }

    /// The file of `uid` if it is the next one read (waiting for a reader if need be);
    /// files of smaller UIDs before it were not asked for and are dropped. Call
    /// [`Self::hand_out`] after it to keep the readers busy.
    pub fn take(&mut self, uid: Uid) -> Taken {
        loop {
            if self.batch.is_empty() {
                match self.next_batch() {
                    Some(b) => self.batch = b.into(),
                    None if self.done < self.todo.len() => return Taken::NotRead,
                    None => return Taken::Over,
                }
            }
            match self.batch.front() {
                Some((u, _)) if *u < uid => {
                    self.pop();
                }
                Some((u, _)) if *u == uid => break,
                // not handed out (or asked out of order): the next file stays for its turn
                _ => return Taken::NotRead,
            }
        }
        match self.pop() {
            Some(Found::Read(w)) => Taken::Read(w),
            Some(_) => Taken::NotRead,
            None => Taken::Over,
        }
    }

    /// The next file of the batch, no longer counted as held.
    fn pop(&mut self) -> Option<Found> {
        let (_, found) = self.batch.pop_front()?;
        if let Found::Read((data, _)) = &found {
            self.held.fetch_sub(data.len(), Ordering::Relaxed);
        }
        Some(found)
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Readers look at `stop` before each file; closed work channels end their loops and
        // closed result channels their sends.
        self.stop.store(true, Ordering::Relaxed);
        self.work.clear();
        self.rxs.clear();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One reader: reads the blocks handed to it, in order, sending what it read in batches
/// until its work channel closes, nobody listens, or it is told to stop.
fn read_blocks(
    work: &Receiver<Block>,
    tx: &SyncSender<Batch>,
    stop: &AtomicBool,
    held: &AtomicUsize,
) {
    for block in work {
        let mut batch = Vec::new();
        let mut octets = 0;
        for (uid, path) in block {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let found = match read_held(&path, held) {
                Ok(Some(w)) => Found::Read(w),
                Ok(None) => Found::Skipped,
                Err(_) => Found::Failed,
            };
            let n = match &found {
                Found::Read((data, _)) => data.len(),
                _ => 0,
            };
            if octets + n > BATCH_OCTETS && !batch.is_empty() {
                if tx.send(std::mem::take(&mut batch)).is_err() {
                    return;
                }
                octets = 0;
            }
            octets += n;
            batch.push((uid, found));
        }
        if !batch.is_empty() && tx.send(batch).is_err() {
            return;
        }
    }
}

/// [`read_file`] for a regular file that fits in what may be held ahead ([`HELD`], counted
/// in `held`); `None` for any other. (Opened without waiting: a FIFO put in a folder must
/// not hold up a reader, which the store waits for at the end of the command.)
fn read_held(path: &Path, held: &AtomicUsize) -> io::Result<Option<Whole>> {
    use rustix::fs::OFlags;
    let file = File::options()
        .read(true)
        .custom_flags((OFlags::NONBLOCK | OFlags::CLOEXEC).bits() as i32)
        .open(path)?;
    let meta = file.metadata()?;
    let Ok(len) = usize::try_from(meta.len()) else {
        return Ok(None);
    };
    if !meta.is_file() {
        return Ok(None);
    }
    // (reserved before the read, so that readers together never go over)
    if held.fetch_add(len, Ordering::Relaxed).saturating_add(len) > HELD {
        held.fetch_sub(len, Ordering::Relaxed);
        return Ok(None);
    }
    match read_whole(&file, meta.len()) {
        // (the count is of the size told; `take` subtracts the size read)
        Ok(data) => {
            held.fetch_add(data.len(), Ordering::Relaxed);
            held.fetch_sub(len, Ordering::Relaxed);
            Ok(Some((data, FileId::of(&meta))))
        }
        Err(e) => {
            held.fetch_sub(len, Ordering::Relaxed);
            Err(e)
        }
    }
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

    /// Files come in order, each with its identity; a missing, too large or not regular
    /// one, or one not handed out, is `NotRead`; so is one asked for out of order, without
    /// ending the read-ahead; the end of the UIDs is its end.
    #[test]
    fn read_ahead_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for i in 0..100u32 {
            let path = dir.path().join(format!("m{i}"));
            match i {
                7 => std::fs::write(&path, vec![b'x'; HELD + 1]).unwrap(),
                13 => {}
                17 => std::fs::create_dir(&path).unwrap(),
                _ => std::fs::write(&path, format!("message {i}\n").repeat(i as usize * 200))
                    .unwrap(),
            }
            files.push((i + 1, path));
        }
        let uids: Vec<Uid> = files.iter().map(|f| f.0).collect();
        // UID 30 is not handed out
        let path_of = |u: Uid| (u != 30).then(|| files[u as usize - 1].1.clone());
        let mut ahead = ReadAhead::start("INBOX", uids.clone()).unwrap();
        assert_eq!(ahead.mailbox(), "INBOX");
        ahead.hand_out(path_of);
        for (uid, path) in &files {
            match ahead.take(*uid) {
                Taken::Read((data, id)) => {
                    assert_eq!(data, std::fs::read(path).unwrap(), "{uid:?}");
                    let meta = std::fs::metadata(path).unwrap();
                    assert_eq!(id, FileId::of(&meta));
                }
                Taken::NotRead => assert!([8, 14, 18, 30].contains(uid), "{uid:?}"),
                Taken::Over => panic!("over at {uid:?}"),
            }
            ahead.hand_out(path_of);
        }
        assert!(matches!(ahead.take(101), Taken::Over));
        assert_eq!(
            ahead.held.load(Ordering::Relaxed),
            0,
            "all taken, none held"
        );
        // messages not asked for are passed over; going back does not end it; dropping it
        // mid-way stops the readers
        let mut ahead = ReadAhead::start("INBOX", uids).unwrap();
        ahead.hand_out(path_of);
        assert!(matches!(ahead.take(1), Taken::Read(_)));
        ahead.hand_out(path_of);
        assert!(matches!(ahead.take(3), Taken::Read((d, _)) if d.starts_with(b"message 2\n")));
        assert!(matches!(ahead.take(2), Taken::NotRead));
        assert!(matches!(ahead.take(4), Taken::Read((d, _)) if d.starts_with(b"message 3\n")));
        drop(ahead);
    }
}
