//! [`MaildirStore`]: the [`Store`] trait over a Maildir++ directory, sharing it safely with
//! Courier-IMAP (formats in peers.md §5) and with other imapd processes.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rustc_hash::FxHashMap as HashMap;

use crate::core::flags::FlagSet;
use crate::core::memory::crlf_size;
use crate::core::message_list::{Change, MessageList};
use crate::core::store::{
    total_size, Copied, Counts, FlagChange, MailboxEntry, MessageMeta, NewMessage, QuotaResource,
    Reads, Snapshot, Store, StoreError, Uid,
};
use crate::message::keys::{KeyFields, SortKeys};
use crate::message::mime;
use crate::message::summary::{Summary, Texts};
use crate::syntax::types::{Atom, DateTime, EncodedItem, Flag};

use super::atomic;
use super::cache::{FileId, FolderCache};
use super::deliver::{self, Target};
use super::events::FolderEvents;
use super::file_meta::{FileMeta, MetaByUid};
use super::files::{FileEntry, Files};
use super::flags;
use super::folder::{self, DbPolicy};
use super::keywords::{self, KeywordMap};
use super::lock::{FolderLock, LockOptions};
use super::names::{self, FolderDir};
use super::quota::{self, QuotaSpec, Usage};
use super::reading::{self, ReadAhead, Taken};
use super::sizes::{self, Sizes};
use super::stamp::{self, Stamp};
use super::status;
use super::time;
use super::uiddb::{FileIdentity, UidDb};
use super::unlink;

/// The subscription list in the Maildir root (peers.md §5): full IMAP names, one per line.
pub const SUBSCRIPTIONS: &str = "courierimapsubscribed";

/// Prefix of folders being deleted, moved into the root's `tmp/` first (never listed by
/// any Maildir++ reader, so a crash mid-delete leaves nothing visible).
const TRASH_PREFIX: &str = "#deleted.";

/// Settings of a [`MaildirStore`].
#[derive(Debug, Clone, Default)]
pub struct MaildirOptions {
    /// Lock settings; `lock.dot_lock` is Courier's IMAP_USELOCKS (default on).
    pub lock: LockOptions,
    /// The Maildir++ quota (Courier's `MAILDIRQUOTA`, e.g. `1000000S,100C`); when `None`
    /// the definition in an existing `maildirsize` applies (maildirplusplus.txt).
    pub quota: Option<QuotaSpec>,
    /// List a changed folder every time instead of replaying inotify events (`events.rs`);
    /// the shell sets it with `IMAP_ENHANCEDIDLE=0`.
    pub list_always: bool,
}

impl MaildirOptions {
    /// Options from environment variables, given as a lookup (the shell passes the
    /// process environment): `MAILDIRQUOTA` (courier-imapd.8, set by authlib).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> MaildirOptions {
        MaildirOptions {
            quota: get("MAILDIRQUOTA").and_then(|q| QuotaSpec::parse(&q)),
            ..MaildirOptions::default()
        }
    }
}

/// The quota root every folder is under (Courier: `* QUOTAROOT "INBOX" "ROOT"`).
pub const QUOTA_ROOT: &str = "ROOT";

/// What this handle remembers of one folder since its last look.
/// What [`MaildirStore::rename_letters`] did to a message file.
#[derive(Debug)]
struct Renamed {
    /// The file as found (renames by others followed).
    was: FileEntry,
    /// The file as left.
    now: FileEntry,
    /// Its flags now.
    flags: FlagSet,
}

/// A folder's last snapshot and the stamp that proves it current.
#[derive(Debug)]
struct Scanned {
    stamp: Stamp,
    /// The stamp was settled (`stamp.rs`): an equal stamp read later proves the snapshot
    /// current. An unsettled one is kept only while the watch proves it.
    settled: bool,
    snapshot: Snapshot,
    /// The watch (`FolderEvents::id`) polled before the look that proved the snapshot
    /// current (a stamp found unchanged, or the scan that made it): until that watch is
    /// stirred, the snapshot is current without a look.
    current_under: Option<u64>,
    /// When a stamp last proved the snapshot current. The watch sees the folder's own
    /// directories replaced, not the path to them changed above (a parent renamed and a
    /// symlink put in its place): a look is taken again after [`CHECK_FRESH`], as reads
    /// check the folder again.
    verified: Instant,
    /// The snapshot's STATUS counts, once asked for (a STATUS of the selected folder would
    /// otherwise go through every message each time).
    counts: Option<Counts>,
}

impl Scanned {
    fn counts(&mut self) -> Counts {
        *self
            .counts
            .get_or_insert_with(|| Counts::of(&self.snapshot))
    }

    /// True if the snapshot is current without a look: proved so under the watch `id`
    /// (polled quiet just now) less than [`CHECK_FRESH`] ago.
    fn current(&self, id: Option<u64>) -> bool {
        id.is_some() && self.current_under == id && self.verified.elapsed() < CHECK_FRESH
    }
}

#[derive(Debug, Default)]
struct FolderState {
    /// The folder's directory, as of the last sync.
    path: PathBuf,
    /// The UID database as last read or written.
    db: UidDb,
    /// The identity of the file `db` was read from; `None` until it is read again (after
    /// this handle changed it, or while it is missing or damaged).
    db_id: Option<FileIdentity>,
    files: Files,
    /// RFC822.SIZE and INTERNALDATE by UID (neither changes with renames), learnt when
    /// first asked for (`known_meta`): a scan makes no `stat`.
    meta: MetaByUid,
    /// `imapd.sizes` as read when a size was first asked for, less the entries used since
    /// (each moves into `meta`); `None` until then and after this handle wrote the file.
    sizes_file: Option<Sizes>,
    /// The number of the last rescan of `files` (`folder::rescan`).
    pass: u32,
    /// The identity of the database `files` was last found in sync with (`folder::in_sync`,
    /// or an expunge that removed the same messages from both); `None` after anything else
    /// changed `files` or `db`.
    in_sync_with: Option<FileIdentity>,
    /// The message list `scan` last built, for patching instead of building it again.
    built: Option<Built>,
    /// The base names whose files (or UIDs) may have changed since `built`, with the UID each
    /// had when first touched (0 if unknown); `None` when that is not known (after a listing
    /// or anything else that replaced `files`): then the list is built in full.
    touched: Option<rustc_hash::FxHashMap<String, Uid>>,
    /// Base names this handle registered (APPEND) while files and database agreed, with the
    /// identity of the database that then holds exactly the files plus these: when their
    /// arrival is all a sync replays, the two agree again without a check of every name.
    pending: Option<(FileIdentity, Vec<String>)>,
    /// True while `files` is kept up to date by replaying the events of the store's watch
    /// (`events.rs`), which was on this folder before `files` was last listed.
    tracked: bool,
    /// When this handle last did the folder's housekeeping (tmp/ cleanup, keyword
    /// compaction).
    housekept: Option<Instant>,
    /// Sizes measured by reading files since `imapd.sizes` was last written.
    unsaved_sizes: usize,
    /// The index in `db.entries` found last ([`FolderState::entry_of`]).
    db_at: std::cell::Cell<usize>,
}

/// A message list as `scan` built it, and what it was built from.
#[derive(Debug)]
struct Built {
    messages: MessageList,
    uid_validity: u32,
    /// The database's `next` then: later UIDs are messages registered since.
    uid_next: Uid,
    /// The identity of the database file then, if known: the same identity now means the
    /// same entries.
    db_id: Option<FileIdentity>,
    /// The number of the database's entries then (all below `uid_next`), and the first and
    /// last UID among them. Entries are only ever added at `next` (a UID is never reused):
    /// as many below `uid_next` now, from the same first to the same last, means none of
    /// them was removed (the bounds catch a database numbered anew under the same
    /// UIDVALIDITY, which breaks that rule).
    db_entries: (usize, Option<Uid>, Option<Uid>),
    /// The bases in `new/` then (`unclaimed_recent` is their number): a patch adjusts the
    /// set by the bases touched instead of counting the whole file map.
    in_new: rustc_hash::FxHashSet<String>,
    /// The keywords of the messages then (`courierimapkeywords/`) and their union.
    kws: KeywordMap,
    keywords: Vec<String>,
}

/// A list is patched for up to this many changed messages, or up to a `PATCH_SHARE`th of
/// its messages if that is more; beyond, building it in full (a lookup per message) costs
/// about as much as a lookup per changed message and a copy of most of its chunks.
const PATCH_MAX: usize = 256;
const PATCH_SHARE: usize = 4;

impl FolderState {
    /// Notes that the file of `base` (UID `uid`) changed: a patch of the list looks at it.
    fn touch(&mut self, base: &str, uid: Uid) {
        if let Some(t) = self.touched.as_mut() {
            t.entry(base.to_owned()).or_insert(uid);
        }
    }

    /// Notes that `files` changed in ways not recorded: the list is built in full next.
    fn forget_built(&mut self) {
        self.touched = None;
    }

    /// The index of `uid`'s entry in the database: next to the one found last (a walk in
    /// UID order), else by a binary search.
    fn entry_of(&self, uid: Uid) -> Option<usize> {
        let entries = &self.db.entries;
        let last = self.db_at.get();
        let at = |i: usize| entries.get(i).is_some_and(|e| e.0 == uid);
        let i = if at(last.wrapping_add(1)) {
            last.wrapping_add(1)
        } else if at(last) {
            last
        } else {
            entries.binary_search_by_key(&uid, |(u, _)| *u).ok()?
        };
        self.db_at.set(i);
        Some(i)
    }
}

/// A scan that finds at least this many messages it has no size for loads `imapd.sizes`;
/// the file is written back once at least this many sizes were measured by reading (a
/// FETCH of every RFC822.SIZE, STATUS SIZE); a few new deliveries are simply read.
const SIZES_BATCH: usize = 32;

/// How long a folder check (real directories, no symlinks: `folder::check`, or a stamp's
/// `lstat`s) is trusted by the message reads that follow it: one per command and then at
/// most ten a second, instead of four `lstat`s before every file read.
const CHECK_FRESH: Duration = Duration::from_millis(100);

/// Housekeeping runs at a read-write rescan at most this often per handle and folder (Courier
/// does it at every scan; a session rescans at every command).
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);

/// A Maildir++ mail store (one user's Maildir). Each handle is independent, as separate
/// processes are: open one per session.
#[derive(Debug)]
pub struct MaildirStore {
    root: PathBuf,
    policy: DbPolicy,
    quota: Option<QuotaSpec>,
    state: HashMap<String, FolderState>,
    /// The last snapshot of each folder with the folder's stamp, reused while the folder
    /// provably has not changed (stamp.rs).
    scanned: HashMap<String, Scanned>,
    /// Parsed-metadata caches by mailbox name (see `cache.rs`).
    caches: HashMap<String, FolderCache>,
    /// How old a folder stamp must be to be trusted: a property of the file system the
    /// Maildir is on (every folder is a real directory inside it, `folder::check`).
    settle: Duration,
    /// The folder whose stamp, read by the last sync of a snapshot (every command that
    /// names messages begins with one), showed it and its `cur/` and `new/` real
    /// directories, and when: for [`CHECK_FRESH`] after, reading its messages needs no
    /// `folder::check` of its own.
    checked: Option<(PathBuf, Instant)>,
    /// The inotify watch of the folder last opened with `snapshot` (the selected one), whose
    /// events replace listing it again; `None` until then, off the local file systems, or
    /// where inotify is not available.
    events: Option<FolderEvents>,
    /// Whether `events` may be used: the Maildir is on a local file system (NFS changes made
    /// by other clients raise no event, `events.rs`).
    use_events: bool,
    /// Files of the current command's messages being read ahead (`Store::read_ahead`).
    ahead: Option<Ahead>,
    /// Messages the current command may read, to read ahead once a few were not summarised
    /// (`Reads::Unsummarised`).
    intent: Option<Intent>,
}

/// A read-ahead of the current command: its readers, the folder its paths are in, and
/// which messages it reads.
#[derive(Debug)]
struct Ahead {
    reader: ReadAhead,
    folder: PathBuf,
    reads: Reads,
}

/// `Store::read_ahead(.., Reads::Unsummarised)` not started yet: the UIDs named, and how
/// many of them `content` has read itself.
#[derive(Debug)]
struct Intent {
    mailbox: String,
    uids: Vec<Uid>,
    misses: usize,
}

/// Messages without a summary read one by one before the rest are read ahead (one new
/// message in a summarised folder starts no threads).
const MISSES_TO_READ_AHEAD: usize = 4;

impl MaildirStore {
    /// Records the identity of `uid`'s file found by a read (as a scan's `stat` would), if
    /// none is known yet.
    fn know_meta(&mut self, mailbox: &str, uid: Uid, id: FileId) {
        let Some(st) = self.state.get_mut(mailbox) else {
            return;
        };
        if st.path.as_os_str().is_empty() || st.meta.get(st.db.validity, uid).is_some() {
            return;
        }
        let Some(base) = Self::base_of(st, uid) else {
            return;
        };
        let meta = FileMeta::of(base, id);
        st.meta.renumber(st.db.validity);
        st.meta.insert(uid, meta);
    }

    /// Records the RFC822.SIZE of `uid` (computed by `size` only if not known yet), for
    /// `imapd.sizes`.
    fn note_size(&mut self, mailbox: &str, uid: Uid, size: impl FnOnce() -> u64) {
        // (the file's identity, which the size is recorded against, may not be known yet)
        if !matches!(self.known_meta(mailbox, uid), Ok(Some(_))) {
            return;
        }
        let Some(st) = self.state.get_mut(mailbox) else {
            return;
        };
        if let Some(m) = st.meta.get_mut(st.db.validity, uid) {
            if m.size.is_none() {
                m.size = Some(size());
                st.unsaved_sizes += 1;
            }
        }
    }
}

impl MaildirStore {
    /// Ends a handle whose process ends next: what dropping it writes is written (sizes, and
    /// the caches, whose writes in the background are waited for), but its memory is left
    /// to the process's exit instead of being freed entry by entry (at 100k messages that
    /// was a sixth of the CPU time of a session that only selected the folder). Only for a
    /// process that exits next (its inotify instance is not closed either).
    pub(crate) fn close_for_exit(mut self) {
        self.save_unsaved_sizes();
        super::lock::discard_spares(&self.root);
        self.caches.clear();
        std::mem::forget(self);
    }

    /// Writes `imapd.sizes` of the folders with enough sizes not yet written.
    fn save_unsaved_sizes(&mut self) {
        let names: Vec<String> = self
            .state
            .iter()
            .filter(|(_, st)| st.unsaved_sizes >= SIZES_BATCH)
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            if let (Ok(path), Some(st)) = (self.folder(&name), self.state.get_mut(&name)) {
                Self::save_sizes(&path, st);
            }
        }
    }
}

impl Drop for MaildirStore {
    /// Best effort, as `imapd.cache`'s: sizes measured since the sizes file was written go
    /// to it, so the next session need not read those messages again. The spare lock files
    /// this process kept in the Maildir's folders are deleted.
    fn drop(&mut self) {
        self.save_unsaved_sizes();
        super::lock::discard_spares(&self.root);
    }
}

fn io_err(what: &str, e: io::Error) -> StoreError {
    StoreError::Io(format!("{what}: {e}"))
}

/// Maps "the folder vanished under us" to NoSuchMailbox, other errors to Io.
fn folder_err(what: &str, e: io::Error) -> StoreError {
    if e.kind() == io::ErrorKind::NotFound {
        StoreError::NoSuchMailbox
    } else {
        io_err(what, e)
    }
}

fn keyword_flags(set: &mut FlagSet, kws: Option<&BTreeSet<String>>) {
    for k in kws.into_iter().flatten() {
        // Keywords on disk that are not atoms cannot be reported (RFC 3501 §9 flag-keyword).
        if let Ok(a) = Atom::new(k.clone()) {
            set.insert(&Flag::Keyword(a));
        }
    }
}

fn flags_of(entry: &FileEntry, kws: &KeywordMap, base: &str) -> FlagSet {
    let mut set = flags::from_letters(entry.letters());
    keyword_flags(&mut set, kws.get(base));
    set
}

impl MaildirStore {
    /// Opens the Maildir at `root`, creating it (and `cur/ new/ tmp/`, mode 0700) if needed.
    /// Removes leftovers of interrupted folder deletions.
    pub fn open(root: impl AsRef<Path>, options: MaildirOptions) -> Result<Self, StoreError> {
        let root = root.as_ref();
        match std::fs::DirBuilder::new()
            .recursive(true)
            .create(root)
            .and_then(|()| folder::check(root))
        {
            Ok(true) => {}
            Ok(false) => return Err(StoreError::NoSuchMailbox),
            Err(e) => return Err(io_err("opening the Maildir", e)),
        }
        let root = root
            .canonicalize()
            .map_err(|e| io_err("opening the Maildir", e))?;
        if let Ok(entries) = std::fs::read_dir(root.join("tmp")) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(TRASH_PREFIX) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let settle = stamp::settle_time(&root);
        Ok(MaildirStore {
            policy: DbPolicy { lock: options.lock },
            quota: options.quota,
            state: HashMap::default(),
            scanned: HashMap::default(),
            caches: HashMap::default(),
            settle,
            checked: None,
            use_events: settle == stamp::SETTLE_LOCAL && !options.list_always,
            ahead: None,
            intent: None,
            events: None,
            root,
        })
    }

    /// A full scan of a folder: the snapshot the Store trait promises (see `snapshot`).
    fn scan(
        &mut self,
        mailbox: &str,
        path: &Path,
        claim_recent: bool,
        watch: bool,
    ) -> Result<Snapshot, StoreError> {
        let path = path.to_path_buf();
        let claimed = self
            .sync(mailbox, &path, claim_recent, watch)
            .map_err(|e| folder_err("reading the folder", e))?;
        let files = &self.state[mailbox].files;
        let due = claim_recent
            && self
                .state
                .get(mailbox)
                .and_then(|st| st.housekept)
                .is_none_or(|t| t.elapsed() >= HOUSEKEEPING_EVERY);
        let kws = if due {
            // maildir.txt: delete tmp/ files at least 36 h old when opening a folder.
            if let Err(e) = folder::clean_tmp(&path, folder::TMP_MAX_AGE) {
                eprintln!("imapd: {}: cleaning tmp/: {e}", path.display());
            }
            keywords::compact(&path, |b| files.contains_key(b), deliver::now().0)
        } else {
            keywords::read(&path)
        }
        .map_err(|e| io_err("reading keywords", e))?;
        if watch {
            // Only the selected folder's cache is kept (each holds its file open); the
            // others are dropped (and written if worth it, cache.rs).
            self.caches.retain(|name, _| name == mailbox);
        }
        for c in self.caches.values_mut() {
            c.reap();
        }
        if let Some(c) = self.caches.get_mut(mailbox).filter(|c| c.is_dirty()) {
            // best effort: the cache is an optimisation (cache.rs)
            let files = &self.state[mailbox].files;
            c.flush_in_background(|base| files.contains_key(base));
        }
        let st = self.state.get_mut(mailbox).expect("synced above");
        if st.unsaved_sizes >= SIZES_BATCH {
            Self::save_sizes(&path, st);
        }
        if due {
            st.housekept = Some(Instant::now());
        }
        let FolderState {
            db,
            db_id,
            files,
            meta,
            built,
            touched,
            ..
        } = st;
        // The lists below look sizes and dates up by UID in the database read now.
        meta.renumber(db.validity);
        // (taken out: its set of bases in new/ moves into the next one)
        let old = built.take();
        let quiet = match (old.as_ref(), touched.as_ref()) {
            // Nothing touched and the very database the list was built from: the same list
            // (and the view's check of it is one pointer comparison).
            (Some(b), Some(t)) => {
                t.is_empty() && db_id.is_some() && *db_id == b.db_id && b.kws == kws
            }
            _ => false,
        };
        let patched = match (old.as_ref(), touched.as_ref()) {
            (Some(b), _) if quiet => Some((b.messages.clone(), BTreeSet::new())),
            (Some(b), Some(t)) if b.uid_validity == db.validity && b.kws == kws => {
                Self::patch_list(b, t, db, files, meta, &kws)
            }
            _ => None,
        };
        let (messages, in_new, keywords) = match (patched, old) {
            (Some((m, seen)), Some(b)) => {
                let mut keywords = b.keywords;
                let fresh: Vec<String> =
                    seen.into_iter().filter(|k| !keywords.contains(k)).collect();
                keywords.extend(fresh);
                keywords.sort();
                // Only the bases touched can have come into new/ or left it.
                let mut in_new = b.in_new;
                for base in touched.iter().flat_map(|t| t.keys()) {
                    if files.get(base).is_some_and(|e| e.in_new) {
                        in_new.insert(base.clone());
                    } else {
                        in_new.remove(base);
                    }
                }
                (m, in_new, keywords)
            }
            _ => {
                let (list, k) = Self::build_list(db, files, meta, &kws);
                let in_new = files
                    .iter()
                    .filter(|e| e.in_new)
                    .map(|e| e.base().to_owned())
                    .collect();
                (list, in_new, k)
            }
        };
        let unclaimed_recent = in_new.len() as u32;
        // Claimed messages have their UIDs in their entries now (both lists set them).
        let mut claimed_recent: Vec<Uid> = claimed
            .iter()
            .filter_map(|b| files.get(b).map(|e| e.uid).filter(|u| *u != 0))
            .collect();
        claimed_recent.sort_unstable();
        *built = Some(Built {
            messages: messages.clone(),
            uid_validity: db.validity,
            uid_next: db.next,
            db_id: *db_id,
            db_entries: Self::entries_below(db, db.next),
            in_new,
            kws,
            keywords: keywords.clone(),
        });
        *touched = Some(Default::default());
        Ok(Snapshot {
            uid_validity: db.validity,
            uid_next: db.next,
            messages,
            claimed_recent,
            unclaimed_recent,
            keywords,
        })
    }

    /// The message list of a folder from its database and files, in full; notes each
    /// message's UID in its file entry. Returns it with the union of its keywords.
    fn build_list(
        db: &UidDb,
        files: &mut Files,
        meta: &MetaByUid,
        kws: &KeywordMap,
    ) -> (MessageList, Vec<String>) {
        let mut all_keywords = BTreeSet::new();
        let messages = db.entries.iter().filter_map(|(uid, base)| {
            // `None` if it has no file (gone, or expunged meanwhile: the next snapshot drops
            // its UID).
            let m = Self::message_of(*uid, base, files, meta, kws)?;
            all_keywords.extend(m.flags.keywords().map(str::to_owned));
            Some(m)
        });
        (messages.collect(), all_keywords.into_iter().collect())
    }

    /// Writes the sizes this handle knows of a folder to its `imapd.sizes` (best effort:
    /// the file is an optimisation, sizes.rs).
    fn save_sizes(path: &Path, st: &mut FolderState) {
        if st.meta.validity() != st.db.validity {
            // sizes of another numbering: none can be matched to a name (and writing would
            // empty the file)
            return;
        }
        // What other sessions measured meanwhile stays (each entry is checked on use),
        // for files still here; ours are added.
        let mut all = sizes::load(path);
        all.retain(|base, _| st.files.contains_key(base));
        let (meta, validity) = (&st.meta, st.db.validity);
        for (uid, base) in &st.db.entries {
            if let Some(m) = meta.get(validity, *uid).and_then(FileMeta::measured) {
                all.insert(base.clone(), m);
            }
        }
        if let Err(e) = sizes::store(path, all.iter().map(|(b, m)| (b.as_str(), *m))) {
            eprintln!(
                "imapd: {}: writing {}: {e}",
                path.display(),
                sizes::FILE_NAME
            );
        }
        st.unsaved_sizes = 0;
        // read again when next needed (with what was just written)
        st.sizes_file = None;
    }

    /// The list `built` brought up to date when only the messages in `touched` can have
    /// changed since (their files, from replayed events and our own renames) besides those
    /// registered since: a lookup per changed message and a copy of the list instead of a
    /// lookup per message, which at 100k messages was most of every command's time (a STORE
    /// of 1000 messages: 60 of its 95 ms). `None` when that cannot be proven — a message of
    /// the list is no longer in the database though its file was not touched and gone, a
    /// UID hint does not match the database — or when so many changed that building costs
    /// no more. (Sizes and dates learnt since for messages not touched stay unknown in the
    /// patched list: hints, which the store answers when asked.)
    fn patch_list(
        built: &Built,
        touched: &rustc_hash::FxHashMap<String, Uid>,
        db: &UidDb,
        files: &mut Files,
        meta: &MetaByUid,
        kws: &KeywordMap,
    ) -> Option<(MessageList, BTreeSet<String>)> {
        if touched.len() > PATCH_MAX.max(built.messages.len() / PATCH_SHARE) {
            return None;
        }
        // Each changed name's UID: its entry's, else the one it had when touched, else (never
        // seen with a UID: registered since, added below, or in the database without a file
        // when the list was built) found by one pass over the database for all such names.
        let hinted: Vec<(&String, Uid)> = touched
            .iter()
            .map(|(base, first)| match files.get(base).map_or(0, |e| e.uid) {
                0 => (base, *first),
                u => (base, u),
            })
            .collect();
        // Every message of the list is still in the database, or its file is one of those
        // touched and gone (an expunge: the loop below drops it). Both are in UID order: one
        // pass, UIDs only.
        let mut expunged: Vec<Uid> = hinted
            .iter()
            .filter(|(b, u)| *u != 0 && !files.contains_key(b))
            .map(|(_, u)| *u)
            .collect();
        expunged.sort_unstable();
        let fresh = db.entries.partition_point(|(u, _)| *u < built.uid_next);
        // (as many entries below `uid_next` as then: the same ones, all still there)
        let mut uids = db.entries.iter().map(|(u, _)| *u).peekable();
        let accounted = Self::entries_below(db, built.uid_next) == built.db_entries
            || built.messages.iter().all(|m| {
                while uids.next_if(|u| *u < m.uid).is_some() {}
                uids.peek() == Some(&m.uid) || expunged.binary_search(&m.uid).is_ok()
            });
        if !accounted {
            return None;
        }
        // (Arrivals registered since, the usual case, are among the few fresh entries.)
        let fresh_bases: rustc_hash::FxHashSet<&str> = db.entries[fresh..]
            .iter()
            .map(|(_, b)| b.as_str())
            .collect();
        let unknown: Vec<&str> = hinted
            .iter()
            .filter(|(b, u)| *u == 0 && !fresh_bases.contains(b.as_str()))
            .map(|(b, _)| b.as_str())
            .collect();
        let found: rustc_hash::FxHashMap<&str, Uid> = if unknown.len() <= 4 {
            // a comparison per entry costs less than hashing every name
            unknown
                .iter()
                .filter_map(|b| {
                    // (the last, as the hashed pass below keeps, should a name repeat)
                    let at = db.entries[..fresh].iter().rev().find(|(_, e)| e == b)?;
                    Some((*b, at.0))
                })
                .collect()
        } else {
            let unknown: rustc_hash::FxHashSet<&str> = unknown.into_iter().collect();
            db.entries[..fresh]
                .iter()
                .filter(|(_, b)| unknown.contains(b.as_str()))
                .map(|(u, b)| (b.as_str(), *u))
                .collect()
        };
        // One change per UID, applied in one pass: chunks of the list without a change are
        // shared with it, not copied.
        let mut set: BTreeMap<Uid, Option<MessageMeta>> = BTreeMap::new();
        let mut gone: Vec<Uid> = Vec::new();
        // Keywords of the messages looked at: the keyword files may have been read before
        // one of them was published, so the union of the old list may lack them.
        let mut seen_keywords = BTreeSet::new();
        for (base, hint) in hinted {
            let uid = match hint {
                0 => match found.get(base.as_str()) {
                    Some(u) => *u,
                    None => continue,
                },
                u => u,
            };
            if uid >= built.uid_next {
                continue;
            }
            let in_db = match db.entries[..fresh].binary_search_by_key(&uid, |(u, _)| *u) {
                Ok(i) if db.entries[i].1 == *base => true,
                Ok(_) => return None,
                Err(_) => false,
            };
            let listed = in_db && files.contains_key(base);
            let m = if listed {
                Self::message_of(uid, base, files, meta, kws)
            } else {
                None
            };
            let now = built.messages.find(uid);
            match m {
                Some(m) => {
                    seen_keywords.extend(m.flags.keywords().map(str::to_owned));
                    // (in the list: its new metadata, if it differs; listed in the database
                    // but without a file when the list was built: back now)
                    if now != Some(&m) {
                        set.insert(uid, Some(m));
                    }
                }
                // A change that changes nothing would cost its chunk its sharing.
                None if now.is_some() => gone.push(uid),
                None => {}
            }
        }
        // (a removal wins over a change of the same UID)
        set.extend(gone.into_iter().map(|u| (u, None)));
        for (uid, base) in &db.entries[fresh..] {
            if !files.contains_key(base) {
                continue;
            }
            let Some(m) = Self::message_of(*uid, base, files, meta, kws) else {
                continue;
            };
            seen_keywords.extend(m.flags.keywords().map(str::to_owned));
            set.insert(*uid, Some(m));
        }
        let changes: Vec<Change> = set.into_iter().collect();
        Some((built.messages.patched(&changes), seen_keywords))
    }

    /// How many entries of `db` lie below `next`, and the first and last of their UIDs.
    fn entries_below(db: &UidDb, next: Uid) -> (usize, Option<Uid>, Option<Uid>) {
        let n = db.entries.partition_point(|(u, _)| *u < next);
        let below = &db.entries[..n];
        (n, below.first().map(|e| e.0), below.last().map(|e| e.0))
    }

    /// The message `uid` whose file is `base`'s, with its flags from the file name and
    /// `kws`; notes the UID in its entry. `None` if its file is gone.
    fn message_of(
        uid: Uid,
        base: &str,
        files: &mut Files,
        meta: &MetaByUid,
        kws: &KeywordMap,
    ) -> Option<MessageMeta> {
        let entry = files.get_mut(base)?;
        entry.uid = uid;
        // What is known without a `stat`: a size in the name, or what was learnt before.
        let known = meta.find(uid);
        Some(MessageMeta {
            uid,
            flags: flags_of(entry, kws, base),
            internal_date: known.map(FileMeta::internal_date),
            size: known
                .and_then(|m| m.size)
                .or_else(|| flags::size_hint(base, 'W')),
        })
    }

    /// RFC822.SIZE (if known from the name) and INTERNALDATE of the message `uid` (file
    /// `base`): remembered, or learnt from its file (following renames by others; its entry
    /// is updated). `None` if it is gone. `meta` is the map of the database `uid` comes from
    /// ([`MetaByUid::renumber`]).
    fn meta_of(
        path: &Path,
        uid: Uid,
        base: &str,
        files: &mut Files,
        meta: &mut MetaByUid,
    ) -> io::Result<Option<FileMeta>> {
        if let Some(m) = meta.find(uid) {
            return Ok(Some(*m));
        }
        let Some(entry) = files.get_mut(base) else {
            return Ok(None);
        };
        let Some(m) = Self::meta_following(path, base, entry)? else {
            return Ok(None);
        };
        meta.insert(uid, m);
        Ok(Some(m))
    }

    /// [`Self::meta_of`] for a message of a folder this handle has synced: one `stat` the
    /// first time. `Ok(None)` if this handle knows nothing of the folder, or of a UID newer
    /// than its database (the caller looks further); [`StoreError::Expunged`] if the
    /// message is gone: a UID below the database's `next` that it no longer holds, or a
    /// file no longer found (no listing again for it).
    fn known_meta(&mut self, mailbox: &str, uid: Uid) -> Result<Option<FileMeta>, StoreError> {
        let Some(st) = self.state.get(mailbox) else {
            return Ok(None);
        };
        if let Some(m) = st.meta.get(st.db.validity, uid) {
            return Ok(Some(*m));
        }
        // A state made by anything but a sync may not know its folder's path yet.
        let found = if st.path.as_os_str().is_empty() {
            Some(self.folder(mailbox)?)
        } else {
            None
        };
        let st = self.state.get_mut(mailbox).expect("looked up above");
        if let Some(p) = found {
            st.path = p;
        }
        st.meta.renumber(st.db.validity);
        let at = st.entry_of(uid);
        let FolderState {
            path,
            db,
            files,
            meta,
            ..
        } = st;
        let Some(i) = at else {
            // UIDs are never reused: one below `next` that is not listed was expunged.
            return if uid < db.next {
                Err(StoreError::Expunged)
            } else {
                Ok(None)
            };
        };
        // A synced folder's path needs no check: were it gone, the stat would say so.
        match Self::meta_of(path, uid, &db.entries[i].1, files, meta) {
            Ok(Some(m)) => Ok(Some(m)),
            Ok(None) => Err(StoreError::Expunged),
            Err(e) => Err(folder_err("reading a message", e)),
        }
    }

    /// The size `imapd.sizes` records for `uid` (whose file `m` describes) if the file is
    /// still the one measured; the file is read when first needed and each entry used is
    /// moved into `meta`.
    fn recorded_size(&mut self, mailbox: &str, uid: Uid, m: &FileMeta) -> Option<u64> {
        let st = self.state.get_mut(mailbox)?;
        let base = Self::base_of(st, uid)?.clone();
        let file = st.sizes_file.get_or_insert_with(|| sizes::load(&st.path));
        let size = sizes::lookup(file, &base, m.bytes, m.mtime_ns())?;
        file.remove(&base);
        if file.is_empty() {
            st.sizes_file = Some(Sizes::default()); // lets go of the table
        }
        if let Some(known) = st.meta.get_mut(st.db.validity, uid) {
            known.size = Some(size);
        }
        Some(size)
    }

    /// A snapshot (see `Store::snapshot`), reused while the folder's stamp proves it
    /// unchanged; with `watch`, the folder becomes the one watched with inotify.
    fn snapshot_of(
        &mut self,
        mailbox: &str,
        claim_recent: bool,
        watch: bool,
    ) -> Result<Snapshot, StoreError> {
        // Between commands: what the last one read through the cache is let go.
        for c in self.caches.values_mut() {
            c.rest();
        }
        let path = self.folder_path(mailbox)?;
        let began = SystemTime::now();
        let (watch_id, quiet) = self.poll_watch(mailbox, &path);
        // Trusted by the reads that follow only once the folder is known good (below).
        self.checked = None;
        // Nothing changed since a look proved the snapshot current under this watch, a
        // moment ago: the same snapshot, no `stat` (what the stamp's `lstat`s check is
        // watched too).
        if let (Some(s), true) = (self.scanned.get(mailbox), quiet) {
            if s.current(watch_id) && (!claim_recent || s.snapshot.unclaimed_recent == 0) {
                let mut snap = s.snapshot.clone();
                snap.claimed_recent.clear();
                if s.stamp.real_dirs() {
                    self.checked = Some((path, s.verified));
                }
                return Ok(snap);
            }
        }
        // Until a look proves the snapshot current again, it is not (a look that fails
        // below leaves it so).
        if let Some(s) = self.scanned.get_mut(mailbox) {
            s.current_under = None;
        }
        let before = Stamp::read(&path);
        let real = before.as_ref().is_ok_and(|b| b.present() && b.real_dirs());
        if let (Ok(before), Some(s)) = (&before, self.scanned.get_mut(mailbox)) {
            // Unchanged since a settled scan: the same snapshot, with nothing newly claimed
            // (a claiming caller needs a rescan only if new/ holds unclaimed messages). The
            // same folder is still there: it, cur/ and new/ have the same inodes and times
            // (tmp/ is not looked at: every writer checks the folder first).
            if s.settled
                && s.stamp == *before
                && before.present()
                && (!claim_recent || s.snapshot.unclaimed_recent == 0)
            {
                s.current_under = watch_id;
                s.verified = Instant::now();
                let mut snap = s.snapshot.clone();
                snap.claimed_recent.clear();
                if real {
                    self.checked = Some((path, Instant::now()));
                }
                return Ok(snap);
            }
        }
        // Otherwise the folder must be one (tmp/, cur/, new/) before it is read.
        let path = self.folder(mailbox)?;
        if real {
            self.checked = Some((path.clone(), Instant::now()));
        }
        let before = before.map_err(|e| folder_err("reading the folder", e))?;
        let snap = self.scan(mailbox, &path, claim_recent, watch)?;
        // Cache only a scan nothing happened during (our own claiming or UID assignment
        // changes the stamp too: the next call scans once more and caches then). Its stamp
        // proves it current later only if settled; under the watch polled above (kept by the
        // scan) it is current while the watch stays quiet, settled or not: every change
        // since that poll stirs it (events.rs), and the scan saw the folder after the poll.
        match Stamp::read(&path) {
            Ok(after) if after == before && after.present() => {
                let settled = after.settled(began, self.settle);
                let kept = self.events.as_ref().map(FolderEvents::id) == watch_id;
                let current_under = watch_id.filter(|_| kept);
                if settled || current_under.is_some() {
                    self.scanned.insert(
                        mailbox.to_owned(),
                        Scanned {
                            stamp: after,
                            settled,
                            snapshot: snap.clone(),
                            current_under,
                            verified: Instant::now(),
                            counts: None,
                        },
                    );
                } else {
                    self.scanned.remove(mailbox);
                }
            }
            _ => {
                self.scanned.remove(mailbox);
            }
        }
        Ok(snap)
    }

    /// Reads the queue of the watch of `path`, if it is the watched folder: the watch's
    /// number and whether nothing the folder's stamp covers changed since the last poll
    /// (events.rs). A poll that tells of a change ends the proof that the last snapshot is
    /// current (`Scanned::current_under`): the change is consumed here, and only a look
    /// may prove the snapshot current again.
    fn poll_watch(&mut self, mailbox: &str, path: &Path) -> (Option<u64>, bool) {
        let polled = match self.events.as_mut() {
            Some(ev) if ev.folder() == path => ev.poll(),
            _ => None,
        };
        let quiet = matches!(polled, Some((_, true)));
        if !quiet {
            if let Some(s) = self.scanned.get_mut(mailbox) {
                s.current_under = None;
            }
        }
        (polled.map(|(id, _)| id), quiet)
    }

    /// The Maildir root (canonical path).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Delivers a message as a mail delivery agent would: into `new/`, so the next session
    /// that claims gets `\Recent` (maildir.txt delivery). Line ends are stored as LF.
    pub fn deliver(&mut self, mailbox: &str, data: &[u8]) -> Result<(), StoreError> {
        let path = self.folder(mailbox)?;
        deliver::deliver(
            &path,
            &deliver::to_lf(data),
            SystemTime::now(),
            Target::New,
            "",
            |_| Ok(()),
        )
        .map_err(|e| folder_err("delivering", e))?;
        Ok(())
    }

    /// The quota in force: configured, else the one in `maildirsize`.
    fn quota_spec(&self) -> Result<Option<QuotaSpec>, StoreError> {
        match &self.quota {
            Some(q) => Ok(Some(q.clone())),
            None => quota::spec_on_disk(&self.root).map_err(|e| io_err("reading maildirsize", e)),
        }
    }

    /// Refuses to add `extra` to `folder` past the quota (Trash does not count).
    fn quota_check(&self, folder: &Path, extra: Usage) -> Result<(), StoreError> {
        if extra == Usage::default() || folder == self.root.join(quota::TRASH_DIR) {
            return Ok(());
        }
        let Some(spec) = self.quota_spec()? else {
            return Ok(());
        };
        let used = quota::usage(&self.root, &spec).map_err(|e| io_err("reading maildirsize", e))?;
        if used.exceeds(extra, &spec) {
            return Err(StoreError::OverQuota);
        }
        Ok(())
    }

    /// Records a change of `folder`'s counted contents in `maildirsize` (one line). The
    /// change itself is done: a failure here only delays the count until the next
    /// recalculation, so it is logged, not returned.
    fn quota_add(&self, folder: &Path, delta: Usage) {
        if delta == Usage::default() || folder == self.root.join(quota::TRASH_DIR) {
            return;
        }
        if matches!(self.quota_spec(), Ok(Some(_))) {
            if let Err(e) = quota::add(&self.root, delta) {
                eprintln!(
                    "imapd: {}: cannot update maildirsize: {e}",
                    self.root.display()
                );
            }
        }
    }

    fn dir_path(&self, dir: &FolderDir) -> PathBuf {
        match dir {
            FolderDir::Inbox => self.root.clone(),
            FolderDir::Sub(d) => self.root.join(d),
        }
    }

    /// The path of an existing folder (checked: real directories, no symlinks).
    fn folder(&self, name: &str) -> Result<PathBuf, StoreError> {
        let path = self.folder_path(name)?;
        match folder::check(&path) {
            Ok(true) => Ok(path),
            Ok(false) => Err(StoreError::NoSuchMailbox),
            Err(e) => Err(io_err("checking the folder", e)),
        }
    }

    /// [`Self::folder`] for reading its messages: without another look at a folder found
    /// real directories less than [`CHECK_FRESH`] ago (`checked`: by the stamp of the
    /// command's sync, or by this check, so a long command looks again now and then).
    fn folder_to_read(&mut self, name: &str) -> Result<PathBuf, StoreError> {
        let path = self.folder_path(name)?;
        if let Some((p, at)) = &self.checked {
            if *p == path && at.elapsed() < CHECK_FRESH {
                return Ok(path);
            }
        }
        let path = self.folder(name)?;
        self.checked = Some((path.clone(), Instant::now()));
        Ok(path)
    }

    /// The directory of the folder `name` (a valid name, names.rs), without a look at it:
    /// for a caller that proves the folder unchanged since it last was one (a stamp equal
    /// to one read then, stamp.rs) before anything else, and checks it otherwise.
    fn folder_path(&self, name: &str) -> Result<PathBuf, StoreError> {
        Ok(self.dir_path(&names::to_dir(name)?))
    }

    /// Folder directory names in the root (entries that map to valid names, real dirs).
    fn folder_dirs(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.root).map_err(|e| io_err("listing", e))?;
        for e in entries {
            let e = e.map_err(|e| io_err("listing", e))?;
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            if names::from_dir(&name).is_some() && e.file_type().is_ok_and(|t| t.is_dir()) {
                out.push(name);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Registers base names (already in the folder) in the UID database, keeping a UID a
    /// concurrent scanner already gave one of them. Returns (UIDVALIDITY, UIDs).
    fn register(&self, path: &Path, bases: &[String]) -> io::Result<(u32, Vec<Uid>)> {
        let _lock = FolderLock::acquire(path, &self.policy.lock)?;
        let (db, _, uids) = self.register_held(None, path, bases)?;
        Ok((db.validity, uids))
    }

    /// Takes this handle's copy of a folder's database with its file identity, if it has one
    /// (handed to [`Self::register_held`]; [`Self::keep_db`] puts the result back).
    fn take_db(&mut self, mailbox: &str) -> Option<(UidDb, FileIdentity)> {
        let st = self.state.get_mut(mailbox)?;
        st.in_sync_with = None;
        let id = st.db_id.take()?;
        Some((std::mem::take(&mut st.db), id))
    }

    /// Keeps a database this handle just wrote (and the identity of its file, if known), so
    /// the next rescan need not read it back.
    fn keep_db(&mut self, mailbox: &str, db: UidDb, id: Option<FileIdentity>) {
        let st = self.state.entry(mailbox.to_owned()).or_default();
        st.db = db;
        st.db_id = id;
        st.in_sync_with = None;
    }

    /// [`Self::register`] with the folder lock already held. APPEND and COPY publish their
    /// files and register them under one hold of the lock: otherwise another process could
    /// give the file a UID, expunge it under that UID, and our registration would then hand
    /// the client a second UID for a message that no longer exists (found by
    /// tests/torture.rs: an APPENDUID naming nothing).
    /// `known` is this handle's copy of the database ([`Self::take_db`]), reused if its file is
    /// unchanged.
    fn register_held(
        &self,
        known: Option<(UidDb, FileIdentity)>,
        path: &Path,
        bases: &[String],
    ) -> io::Result<(UidDb, Option<FileIdentity>, Vec<Uid>)> {
        folder::update_db_held(path, &self.policy, known, |db| {
            Ok(folder::register(db, bases).0)
        })
    }

    /// Brings the folder's files and database (kept in the folder's state) up to date; with
    /// `claim`, first moves `new/` to `cur/`. With `watch` (the folder is being selected),
    /// watches it with inotify instead of any other folder. Returns the base names this
    /// call claimed.
    fn sync(
        &mut self,
        mailbox: &str,
        path: &Path,
        claim: bool,
        watch: bool,
    ) -> io::Result<Vec<String>> {
        let claimed = if claim {
            folder::claim_new(path)?
        } else {
            Vec::new()
        };
        let st = self.state.entry(mailbox.to_owned()).or_default();
        if st.path != path {
            st.path = path.to_path_buf();
        }
        // The database first, then the directories: a writer links a message into cur/
        // before it gives it a UID (and writes the new `next` before the new line, uiddb.rs),
        // so a message the database counts is always in the listing that follows, and a
        // half-written database is never taken as in sync. It is parsed again only if its
        // file changed since it was read.
        let id = FileIdentity::current(path)?;
        if id.is_none() || st.db_id != id {
            st.db_id = None;
            if let Some((Ok(db), id)) = UidDb::read_with_id(path)? {
                st.db = db;
                st.db_id = Some(id);
            }
        }
        st.pass = st.pass.wrapping_add(1).max(1);
        // The folder's events since the last look, if it is watched and was listed under the
        // watch (events.rs); otherwise, or if they do not tell, a listing.
        let tracked = std::mem::take(&mut st.tracked);
        // Whether the watch is (still) on this folder: found once, on either branch below.
        let mut watching = false;
        let replayed = match self.events.as_mut() {
            Some(ev) if tracked && ev.watches(path) => ev.drain().ok().and_then(|changes| {
                watching = true;
                let mut scratch = Default::default();
                let touched = st.touched.as_mut().unwrap_or(&mut scratch);
                folder::apply(&mut st.files, &changes, touched)
            }),
            _ => None,
        };
        let (names_changed, delta) = match replayed {
            Some(delta) => (delta.changed(), Some(delta)),
            None => {
                // The watch goes up before the listing it will maintain.
                if self.use_events && watch {
                    // Keep a watch that still works (its queue emptied: the listing covers
                    // it); a watch whose directories went away is dead even if new ones got
                    // the same inode numbers (events.rs). The old instance goes first: the
                    // instances per user are limited.
                    let alive = self.events.as_mut().is_some_and(|ev| {
                        let _ = ev.drain();
                        ev.watches(path)
                    });
                    if !alive {
                        self.events = None;
                        self.events = FolderEvents::start(path);
                    }
                    watching = self.events.is_some();
                } else {
                    // A watch already on this folder predates the listing that follows.
                    watching = self.events.as_ref().is_some_and(|ev| ev.watches(path));
                }
                st.forget_built();
                // A first listing: room for the files the database counts, at once (a table
                // grown by doubling leaves its old sizes behind as holes in the heap).
                if st.files.is_empty() {
                    st.files.reserve(st.db.entries.len());
                }
                (folder::rescan(path, &mut st.files, st.pass)?, None)
            }
        };
        st.tracked = watching;
        // Fast path without the lock: nothing new, nothing gone. Already known when neither
        // the set of names nor the database changed since they were last found in sync.
        let was_in_sync = st.db_id.is_some() && st.in_sync_with == st.db_id;
        // Our own APPENDs arriving, and nothing else: files and database agree again.
        let appended = match (st.pending.take(), &delta) {
            (Some((id, bases)), Some(d)) => {
                Some(id) == st.db_id && !d.removed && {
                    let mut added: Vec<&String> = d.added.iter().collect();
                    added.sort_unstable();
                    let mut ours: Vec<&String> = bases.iter().collect();
                    ours.sort_unstable();
                    added == ours
                }
            }
            _ => false,
        };
        if appended {
            st.in_sync_with = st.db_id;
        }
        let mut known_in_sync = (!names_changed && was_in_sync) || appended;
        // Only arrivals since files and database last agreed (deliveries, claims): give
        // them UIDs under the lock, no listing. In sync afterwards if nobody else changed
        // the database meanwhile (it grew by exactly our lines).
        if let (Some(d), Some(id), false) = (delta, st.db_id, known_in_sync) {
            if was_in_sync && !d.removed {
                let mut added = d.added;
                folder::sort_arrivals(&mut added);
                let _lock = FolderLock::acquire(path, &self.policy.lock)?;
                let (len, next, validity) = (st.db.entries.len(), st.db.next, st.db.validity);
                let known = Some((std::mem::take(&mut st.db), id));
                // Until the update succeeds this handle holds no database (as `take_db`).
                st.db_id = None;
                st.in_sync_with = None;
                let (db, id, (_, pushed)) =
                    folder::update_db_held(path, &self.policy, known, |db| {
                        Ok(folder::register(db, &added))
                    })?;
                known_in_sync = id.is_some()
                    && db.validity == validity
                    && db.entries.len() == len + pushed
                    && db.next == next + pushed as u32;
                st.db = db;
                st.db_id = id;
                st.in_sync_with = if known_in_sync { id } else { None };
            }
        }
        if !known_in_sync {
            if st.db_id.is_none() || !folder::in_sync(&st.db, &st.files) {
                let (db, id, files) =
                    folder::update_db(path, &self.policy, |db| folder::reconcile(path, db))?;
                st.db = db;
                st.db_id = id;
                st.files = files;
                st.forget_built();
            }
            st.in_sync_with = st.db_id;
        }
        if st.meta.len() > st.files.len() {
            st.meta.retain_files(&st.db, &st.files);
        }
        Ok(claimed)
    }

    /// Remembers the files a sync found.
    fn remember(&mut self, mailbox: &str, files: Files) -> &mut FolderState {
        let st = self.state.entry(mailbox.to_owned()).or_default();
        st.meta.retain_files(&st.db, &files);
        st.files = files;
        st.in_sync_with = None;
        st.forget_built();
        st
    }

    /// The base name of `uid` in this handle's copy of the database.
    fn base_of(st: &FolderState, uid: Uid) -> Option<&String> {
        Some(&st.db.entries[st.entry_of(uid)?].1)
    }

    /// The base name and current file of `uid`, from this handle's memory or (for a UID it
    /// has not seen) from the database and a scan. `None` if the message is gone.
    fn locate(
        &mut self,
        mailbox: &str,
        path: &Path,
        uid: Uid,
    ) -> io::Result<Option<(String, FileEntry)>> {
        self.locate_as(mailbox, path, uid, true)
    }

    /// [`Self::locate`]; with `confirm` false, the file this handle knows for the UID is
    /// taken without a `stat` (for a caller that opens it next, and looks again if the
    /// open finds it gone).
    fn locate_as(
        &mut self,
        mailbox: &str,
        path: &Path,
        uid: Uid,
        confirm: bool,
    ) -> io::Result<Option<(String, FileEntry)>> {
        let known = self
            .state
            .get(mailbox)
            .and_then(|st| Self::base_of(st, uid).cloned());
        let base = match known {
            Some(b) => b,
            None => {
                let Some(db) = folder::peek_db(path)? else {
                    return Ok(None);
                };
                let files = folder::scan(path)?;
                let st = self.remember(mailbox, files);
                st.db = db;
                st.db_id = None;
                match Self::base_of(st, uid) {
                    Some(b) => b.clone(),
                    None => return Ok(None),
                }
            }
        };
        let cached = self
            .state
            .get(mailbox)
            .and_then(|st| st.files.get(&base).cloned());
        let mut entry = match cached {
            Some(e) if !confirm || e.path(path).exists() => Some(e),
            _ => folder::find(path, &base)?,
        };
        if let (Some(e), Some(st)) = (&mut entry, self.state.get_mut(mailbox)) {
            e.uid = uid;
            match st.files.insert(e.clone()) {
                // The same file as before: nothing for a patch of the list to look at.
                Some(old) if old == *e => {}
                Some(_) => st.touch(&base, uid),
                None => {
                    st.touch(&base, uid);
                    st.in_sync_with = None;
                }
            }
        }
        Ok(entry.map(|e| (base, e)))
    }

    /// INTERNALDATE of a file (the mtime, see `time.rs`) and its RFC822.SIZE if the `,W=`
    /// hint or the sizes file gives it (else `Store::size` reads the file when asked).
    fn file_meta(path: &Path, base: &str, entry: &FileEntry) -> io::Result<FileMeta> {
        let m = std::fs::metadata(entry.path(path))?;
        Ok(FileMeta::of(base, FileId::of(&m)))
    }

    /// [`Self::file_meta`], following renames by others: leaving a message out of a
    /// snapshot because a STORE elsewhere renamed it since the scan would make the view
    /// announce an EXPUNGE for a message that still exists (found by tests/torture.rs).
    /// `None` if the message is gone.
    fn meta_following(
        path: &Path,
        base: &str,
        entry: &mut FileEntry,
    ) -> io::Result<Option<FileMeta>> {
        for _ in 0..20 {
            match Self::file_meta(path, base, entry) {
                Ok(m) => return Ok(Some(m)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => match folder::find(path, base)? {
                    Some(e) => *entry = e,
                    None => return Ok(None),
                },
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("message keeps being renamed"))
    }

    /// Renames a message file to carry `letters`, following renames by others. Returns the
    /// file as found and as left, or `None` if the message is gone.
    fn rename_letters(
        path: &Path,
        base: &str,
        mut entry: FileEntry,
        change: &FlagChange,
        kws: &KeywordMap,
    ) -> io::Result<Option<Renamed>> {
        for _ in 0..20 {
            let old = flags_of(&entry, kws, base);
            let new = change.apply(&old);
            let letters = flags::to_letters(&new, entry.letters());
            let name = flags::with_letters(base, &letters);
            if name == entry.name() && !entry.in_new {
                // Nothing to rename: the name must still be the file's (else its flags may
                // be others now), which the rename below would otherwise have proved.
                match std::fs::symlink_metadata(entry.path(path)) {
                    Ok(_) => {
                        return Ok(Some(Renamed {
                            was: entry.clone(),
                            now: entry,
                            flags: new,
                        }))
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        match folder::find(path, base)? {
                            Some(e) => entry = e,
                            None => return Ok(None),
                        }
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            match std::fs::rename(entry.path(path), path.join("cur").join(&name)) {
                Ok(()) => {
                    return Ok(Some(Renamed {
                        was: entry,
                        now: FileEntry::new(name, false),
                        flags: new,
                    }))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Renamed by another process meanwhile: find its current name.
                    match folder::find(path, base)? {
                        Some(e) => entry = e,
                        None => return Ok(None),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("message keeps being renamed"))
    }

    /// Unlinks the messages `pick` selects among `uids` (or all, if `None`), under the lock;
    /// returns the UIDs removed, what they counted against the quota, and the error of an
    /// unlink that failed (the others' removal is written all the same: the caller credits
    /// the quota, then fails). The files looked
    /// at are the ones the watch keeps current (its events drained under the lock), else a
    /// listing. The removed messages are noted as touched, so that after a replay the next
    /// list can be patched (unless keyword files changed) rather than built again.
    fn unlink_where(
        &mut self,
        mailbox: &str,
        uids: Option<&[Uid]>,
        pick: impl Fn(&FileEntry) -> bool,
    ) -> Result<(Vec<Uid>, Usage, Option<StoreError>), StoreError> {
        let path = self.folder(mailbox)?;
        let watched = self.events.as_ref().is_some_and(|ev| ev.watches(&path))
            && self.state.get(mailbox).is_some_and(|st| st.tracked);
        // Whether files and database agreed, and on which database: if the database is
        // still that file and the events bring no new or vanished names, they agree after
        // the same messages left both.
        let agreed = self
            .state
            .get(mailbox)
            .and_then(|st| st.db_id.filter(|_| st.in_sync_with == st.db_id));
        let events = &mut self.events;
        let st = self.state.entry(mailbox.to_owned()).or_default();
        // The database is read under the lock (a removal is never written from a copy), and
        // until this succeeds the file map is not known to be current (an error after the
        // events were read would leave it behind them): the next sync would list the folder.
        st.db_id = None;
        st.in_sync_with = None;
        let was_tracked = std::mem::take(&mut st.tracked);
        let _lock = FolderLock::acquire(&path, &self.policy.lock)
            .map_err(|e| folder_err("expunging", e))?;
        let mut listed: Option<Files> = None;
        // Files unlinked so far (the closure runs again if the database changed under it)
        // and what they counted against the quota (not those marked deleted).
        let mut unlinked: rustc_hash::FxHashSet<String> = Default::default();
        let mut from_new = false;
        let mut counted = Usage::default();
        // The first unlink that failed other than by the file being gone.
        let mut failed: Option<io::Error> = None;
        let mut in_sync = false;
        let updated = folder::update_db_held(&path, &self.policy, None, |db| {
            // (a failure of an earlier run may not repeat: only this run's counts)
            failed = None;
            let same_db = agreed.is_some() && FileIdentity::current(&path)? == agreed;
            let replayed = watched
                && listed.is_none()
                && events
                    .as_mut()
                    .and_then(|ev| ev.drain().ok())
                    .and_then(|changes| {
                        let mut scratch = Default::default();
                        let touched = st.touched.as_mut().unwrap_or(&mut scratch);
                        folder::apply(&mut st.files, &changes, touched)
                    })
                    .map(|delta| in_sync = same_db && !delta.changed())
                    .is_some();
            if !replayed {
                in_sync = false;
                listed = Some(folder::scan(&path)?);
            }
            let files = listed.as_mut().unwrap_or(&mut st.files);
            // Indices into the database of the messages asked about, ascending.
            let mut asked: Vec<usize> = match uids {
                Some(u) => u
                    .iter()
                    .filter_map(|u| db.entries.binary_search_by_key(u, |(x, _)| *x).ok())
                    .collect(),
                // Those whose files `pick` selects now (a look at each name, no lookup), by
                // the UID their entries know if the database agrees, else by one pass.
                None => {
                    // (what an earlier run unlinked is no longer among the files)
                    let mut lost: rustc_hash::FxHashSet<&str> =
                        unlinked.iter().map(String::as_str).collect();
                    let mut at = Vec::new();
                    for e in files.iter().filter(|e| pick(e)) {
                        match db.entries.binary_search_by_key(&e.uid, |(x, _)| *x) {
                            Ok(i) if db.entries[i].1 == e.base() => at.push(i),
                            _ => {
                                lost.insert(e.base());
                            }
                        }
                    }
                    if !lost.is_empty() {
                        at.extend(
                            db.entries
                                .iter()
                                .enumerate()
                                .filter(|(_, (_, b))| lost.contains(b.as_str()))
                                .map(|(i, _)| i),
                        );
                    }
                    at
                }
            };
            asked.sort_unstable();
            asked.dedup();
            let mut gone: Vec<usize> = Vec::new();
            let mut todo: Vec<(usize, &FileEntry)> = Vec::new();
            for i in asked {
                let base = &db.entries[i].1;
                if unlinked.contains(base) {
                    gone.push(i);
                } else if let Some(e) = files.get(base).filter(|e| pick(e)) {
                    todo.push((i, e));
                }
            }
            let entries: Vec<&FileEntry> = todo.iter().map(|(_, e)| *e).collect();
            let done = unlink::unlink_all(&path, &entries);
            for ((i, e), (mut size, mut result)) in todo.into_iter().zip(done) {
                let base = &db.entries[i].1;
                let mut in_new = e.in_new;
                let mut looks = 0;
                loop {
                    match result {
                        Ok(()) => {
                            if let Some(size) = size {
                                counted.bytes += i64::try_from(size).unwrap_or(i64::MAX);
                                counted.messages += 1;
                            }
                            from_new |= in_new;
                            unlinked.insert(base.clone());
                            gone.push(i);
                        }
                        // Renamed meanwhile (e.g. \Deleted cleared): look at it again, up
                        // to 20 times.
                        Err(err) if err.kind() == io::ErrorKind::NotFound && looks < 20 => {
                            looks += 1;
                            match folder::find(&path, base) {
                                Ok(Some(e)) if pick(&e) => {
                                    in_new = e.in_new;
                                    (size, result) = unlink::unlink_one(&path, &e);
                                    continue;
                                }
                                Ok(_) => {}
                                Err(err) => {
                                    failed.get_or_insert(err);
                                }
                            }
                        }
                        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                        // The others' removal is still written (the database must not name
                        // files that are gone); the command then fails.
                        Err(err) => {
                            failed.get_or_insert(err);
                        }
                    }
                    break;
                }
            }
            gone.sort_unstable();
            let removed: Vec<Uid> = gone.iter().map(|&i| db.entries[i].0).collect();
            if !gone.is_empty() {
                atomic::fsync_dir(&path.join("cur"))?;
                if from_new {
                    atomic::fsync_dir(&path.join("new"))?;
                }
                // (no failed unlink per message when no message has keywords)
                let keyworded = path.join(keywords::DIR).is_dir();
                for &i in &gone {
                    let (uid, base) = &db.entries[i];
                    files.remove(base);
                    if let Some(t) = st.touched.as_mut() {
                        t.entry(base.clone()).or_insert(*uid);
                    }
                    if keyworded {
                        keywords::forget(&path, base);
                    }
                }
                let mut next_gone = gone.iter().copied().peekable();
                let mut at = 0;
                db.entries.retain(|_| {
                    let keep = next_gone.next_if_eq(&at).is_none();
                    at += 1;
                    keep
                });
            }
            Ok(removed)
        });
        let (db, id, removed) = match updated {
            Ok(done) => done,
            Err(e) => {
                st.forget_built();
                return Err(folder_err("expunging", e));
            }
        };
        st.db = db;
        st.db_id = id;
        if let Some(files) = listed {
            self.remember(mailbox, files);
        }
        let st = self.state.get_mut(mailbox).expect("entered above");
        // Replayed or listed after the events were read: current, and kept so by the watch.
        st.tracked = was_tracked;
        st.in_sync_with = if in_sync { id } else { None };
        let failed = failed.map(|e| folder_err("expunging", e));
        Ok((removed, counted, failed))
    }

    fn read_subscriptions(&self) -> Result<Vec<String>, StoreError> {
        match std::fs::read_to_string(self.root.join(SUBSCRIPTIONS)) {
            Ok(text) => Ok(text
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io_err("reading subscriptions", e)),
        }
    }
}

impl Store for MaildirStore {
    fn list(&mut self) -> Result<Vec<MailboxEntry>, StoreError> {
        let mut names: BTreeMap<String, bool> = BTreeMap::new();
        names.insert("INBOX".into(), true);
        for dir in self.folder_dirs()? {
            let name = names::from_dir(&dir).expect("filtered by folder_dirs");
            let mut parent = name.as_str();
            while let Some(i) = parent.rfind('.') {
                parent = &parent[..i];
                names.entry(parent.to_owned()).or_insert(false);
            }
            names.insert(name, true);
        }
        Ok(names
            .into_iter()
            .map(|(name, selectable)| MailboxEntry {
                name,
                selectable,
                special_use: None,
            })
            .collect())
    }

    fn create(&mut self, name: &str) -> Result<(), StoreError> {
        let dir = names::to_dir(name)?;
        if dir == FolderDir::Inbox {
            return Err(StoreError::AlreadyExists);
        }
        let path = self.dir_path(&dir);
        // Maildir++ needs no parent directories: `.A.B` alone makes INBOX.A a \Noselect name.
        folder::create(&path).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => StoreError::AlreadyExists,
            _ => io_err("creating the folder", e),
        })?;
        // Fix UIDVALIDITY now (an empty database, as Courier writes at first SELECT).
        folder::update_db(&path, &self.policy, |_| Ok(()))
            .map_err(|e| io_err("creating the folder", e))?;
        Ok(())
    }

    fn delete(&mut self, name: &str) -> Result<(), StoreError> {
        // The watched folder may be the one going away (events.rs), and a cache's write in
        // the background must not straddle the move (its dropping waits for it).
        self.events = None;
        self.caches.clear();
        let dir = names::to_dir(name)?;
        let FolderDir::Sub(d) = &dir else {
            return Err(StoreError::Cannot("INBOX cannot be deleted".into()));
        };
        let prefix = format!("{d}.");
        if self.folder_dirs()?.iter().any(|x| x.starts_with(&prefix)) {
            // RFC 3501 §6.3.4: as the memory store, no \Noselect placeholders are kept.
            return Err(StoreError::Cannot("mailbox has children".into()));
        }
        let path = self.folder(name)?;
        // Move it out of sight first (one atomic rename), then remove it at leisure.
        let (sec, usec) = deliver::now();
        let trash = self.root.join("tmp").join(format!(
            "{TRASH_PREFIX}{sec}.M{usec}P{}.{}",
            std::process::id(),
            deliver::hostname()
        ));
        std::fs::rename(&path, &trash).map_err(|e| folder_err("deleting", e))?;
        atomic::fsync_dir(&self.root).map_err(|e| io_err("deleting", e))?;
        std::fs::remove_dir_all(&trash).map_err(|e| io_err("deleting", e))?;
        self.state.remove(name);
        self.scanned.remove(name);
        Ok(())
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), StoreError> {
        // The watched folder may be the one going away (events.rs), and a cache's write in
        // the background must not straddle the move (its dropping waits for it).
        self.events = None;
        self.caches.clear();
        let to_dir = names::to_dir(to)?;
        let from_path = self.folder(from)?;
        let FolderDir::Sub(to_d) = to_dir else {
            return Err(StoreError::AlreadyExists);
        };
        if folder::check(&self.root.join(&to_d)).map_err(|e| io_err("renaming", e))? {
            return Err(StoreError::AlreadyExists);
        }
        if from == "INBOX" {
            // Every name is below INBOX in this namespace, so the check below is not for it.
            return self.rename_inbox(&from_path, &to_d);
        }
        if to.starts_with(&format!("{from}.")) {
            return Err(StoreError::Cannot(
                "cannot rename a mailbox into itself".into(),
            ));
        }
        let FolderDir::Sub(from_d) = names::to_dir(from)? else {
            unreachable!("INBOX handled above");
        };
        // The folder and its children: `.A` → `.B`, `.A.x` → `.B.x`.
        let prefix = format!("{from_d}.");
        let mut moves = vec![(from_d.clone(), to_d.clone())];
        for d in self.folder_dirs()? {
            if let Some(rest) = d.strip_prefix(&prefix) {
                moves.push((d.clone(), format!("{to_d}.{rest}")));
            }
        }
        for (_, new) in &moves {
            let name = format!("INBOX{new}");
            if names::to_dir(&name)? != FolderDir::Sub(new.clone()) {
                return Err(StoreError::InvalidName(name));
            }
            if std::fs::symlink_metadata(self.root.join(new)).is_ok() {
                return Err(StoreError::AlreadyExists);
            }
        }
        for (old, new) in &moves {
            std::fs::rename(self.root.join(old), self.root.join(new))
                .map_err(|e| folder_err("renaming", e))?;
        }
        atomic::fsync_dir(&self.root).map_err(|e| io_err("renaming", e))?;
        self.state.clear();
        self.scanned.clear();
        Ok(())
    }

    fn subscriptions(&mut self) -> Result<Vec<String>, StoreError> {
        let mut subs = self.read_subscriptions()?;
        subs.sort();
        subs.dedup();
        Ok(subs)
    }

    fn set_subscribed(&mut self, name: &str, subscribed: bool) -> Result<(), StoreError> {
        names::to_dir(name)?;
        // Read-modify-write under the INBOX lock, so concurrent sessions lose no update.
        let _lock =
            FolderLock::acquire(&self.root, &self.policy.lock).map_err(|e| io_err("locking", e))?;
        let mut subs = self.read_subscriptions()?;
        let present = subs.iter().any(|s| s == name);
        if subscribed == present {
            return Ok(());
        }
        if subscribed {
            subs.push(name.to_owned());
        } else {
            subs.retain(|s| s != name);
        }
        let mut text = String::new();
        for s in &subs {
            text.push_str(s);
            text.push('\n');
        }
        atomic::replace(
            &self.root.join("tmp"),
            "subscribed",
            &self.root.join(SUBSCRIPTIONS),
            text.as_bytes(),
        )
        .map_err(|e| io_err("writing subscriptions", e))
    }

    /// The selected mailbox (SELECT, and every sync of the session): watched (events.rs).
    fn snapshot(&mut self, mailbox: &str, claim_recent: bool) -> Result<Snapshot, StoreError> {
        self.snapshot_of(mailbox, claim_recent, true)
    }

    fn counts(&mut self, mailbox: &str, with_size: bool) -> Result<Counts, StoreError> {
        let path = self.folder_path(mailbox)?;
        if with_size {
            let snap = self.snapshot_of(mailbox, false, false)?;
            let mut c = Counts::of(&snap);
            c.size = Some(total_size(self, mailbox, &snap)?);
            return Ok(c);
        }
        // A snapshot known to be current answers at once (stamp.rs): a stamp as when the
        // folder was last scanned proves it still the same (`folder_path`); so do the counts
        // any session saved for the folder as it is (status.rs).
        // The selected folder's snapshot, current by its quiet watch, needs no look.
        let (watch_id, quiet) = self.poll_watch(mailbox, &path);
        if let Some(s) = self.scanned.get_mut(mailbox) {
            if quiet && s.current(watch_id) {
                return Ok(s.counts());
            }
        }
        let began = SystemTime::now();
        let stamp = Stamp::read(&path);
        if let (Ok(stamp), Some(s)) = (&stamp, self.scanned.get_mut(mailbox)) {
            if s.settled && s.stamp == *stamp && stamp.present() {
                return Ok(s.counts());
            }
        }
        // The watched (selected) folder's list is kept current by its events: counting it
        // costs less than matching every name of a listing against the database (the
        // snapshot checks the folder itself).
        let watched = self.events.as_ref().is_some_and(|ev| ev.watches(&path))
            && self.state.get(mailbox).is_some_and(|st| st.tracked);
        if watched {
            let snap = self.snapshot_of(mailbox, false, false)?;
            return Ok(Counts::of(&snap));
        }
        // Otherwise it is checked first (real directories, no symlinks: the files read next
        // must be the Maildir's). The stamp's `lstat`s already tell for a reader; a look at
        // the folder below writes into it, and checks all of it first.
        let dirs_real = stamp.as_ref().is_ok_and(Stamp::real_dirs);
        if !dirs_real {
            self.folder(mailbox)?;
        }
        let stamp = stamp.map_err(|e| folder_err("reading the folder", e))?;
        let counted = |c: status::Saved| Counts {
            uid_validity: c.uid_validity,
            uid_next: c.uid_next,
            messages: c.messages,
            unseen: c.unseen,
            recent: c.recent,
            size: None,
        };
        // (local file systems only: over NFS a stat may come from the attribute cache)
        let saving = self.settle == stamp::SETTLE_LOCAL;
        if let Some(saved) = saving.then(|| status::load(&path, &stamp)).flatten() {
            return Ok(counted(saved));
        }
        if dirs_real {
            self.folder(mailbox)?;
        }
        // Otherwise the names say it all: no stat or read per message (RFC 3501 §6.3.10
        // needs neither sizes nor dates).
        self.sync(mailbox, &path, false, false)
            .map_err(|e| folder_err("reading the folder", e))?;
        let st = &self.state[mailbox];
        let mut c = status::Saved {
            uid_validity: st.db.validity,
            uid_next: st.db.next,
            messages: 0,
            unseen: 0,
            recent: st.files.iter().filter(|e| e.in_new).count() as u64,
        };
        for (_, base) in &st.db.entries {
            let Some(entry) = st.files.get(base) else {
                continue;
            };
            c.messages += 1;
            // \Seen is the `S` of the info suffix (maildir.txt), never a keyword.
            if !flags::from_letters(entry.letters()).seen() {
                c.unseen += 1;
            }
        }
        // Saved for the next STATUS (of any session) if the directories did not change
        // while we looked and nothing can change there unseen within the stamp's clock
        // tick; with the database as the look left it (status.rs: its header is compared,
        // not its mtime, so a first look that wrote it can save too).
        // (the second stamp is read only when the counts could be saved at all)
        let read_db = st.db_id;
        if saving && stamp.contents_settled(began, self.settle) {
            if let Ok(after) = Stamp::read(&path) {
                if after.same_directories(&stamp) {
                    // The header need not be checked again if the database is the very file
                    // the look read (not one put in its place meanwhile) and settled.
                    // (with the dot-lock only: without it another writer may replace the
                    // database while this handle keeps its own copy's identity)
                    let db_settled = self.policy.lock.dot_lock
                        && after.database_settled(began, self.settle)
                        && read_db.is_some_and(|id| after.database_entry() == id.stamp_entry());
                    // best effort: the file is an optimisation
                    let _ = status::save(&path, &after, &c, db_settled);
                }
            }
        }
        Ok(counted(c))
    }

    fn change_flags(
        &mut self,
        mailbox: &str,
        uids: &[Uid],
        change: &FlagChange,
    ) -> Result<Vec<(Uid, FlagSet)>, StoreError> {
        let path = self.folder(mailbox)?;
        let kws = keywords::read(&path).map_err(|e| io_err("reading keywords", e))?;
        let mut sorted: Vec<Uid> = uids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out = Vec::new();
        let mut renamed = false;
        // Setting \Deleted takes a message out of the quota count, clearing it puts it back
        // (quota.rs).
        let mut counted = Usage::default();
        for uid in sorted {
            // (the name this handle knows, unconfirmed: the rename finds a file renamed
            // meanwhile, and looks it up then)
            let Some((base, entry)) = self
                .locate_as(mailbox, &path, uid, false)
                .map_err(|e| folder_err("finding a message", e))?
            else {
                continue;
            };
            let old_kw: BTreeSet<String> = kws.get(&base).cloned().unwrap_or_default();
            let Some(Renamed {
                was: before,
                now: entry,
                flags,
            }) = Self::rename_letters(&path, &base, entry, change, &kws)
                .map_err(|e| io_err("storing flags", e))?
            else {
                continue;
            };
            // (from the file as found, not the name remembered: another process may have
            // renamed it since, and counted its \Deleted itself)
            renamed |= entry != before;
            let (was, is) = (
                before.letters().contains('T'),
                entry.letters().contains('T'),
            );
            if was != is {
                let size = flags::size_hint(&base, 'S')
                    .or_else(|| {
                        let p = entry.path(&path);
                        quota::file_size(p.parent().unwrap_or(&path), entry.name())
                    })
                    .unwrap_or(0) as i64;
                let sign = if is { -1 } else { 1 };
                counted.bytes += sign * size;
                counted.messages += sign;
            }
            let new_kw: BTreeSet<String> = flags.keywords().map(str::to_owned).collect();
            if new_kw != old_kw {
                keywords::write(&path, &base, new_kw.iter().map(String::as_str))
                    .map_err(|e| io_err("storing keywords", e))?;
            }
            if let Some(st) = self.state.get_mut(mailbox) {
                let mut entry = entry;
                entry.uid = uid;
                st.touch(&base, uid);
                // A new name for a base already held leaves the set of bases as it was.
                if st.files.insert(entry).is_none() {
                    st.in_sync_with = None;
                }
            }
            out.push((uid, flags));
        }
        if renamed {
            atomic::fsync_dir(&path.join("cur")).map_err(|e| io_err("storing flags", e))?;
        }
        self.quota_add(&path, counted);
        Ok(out)
    }

    fn append(&mut self, mailbox: &str, message: NewMessage) -> Result<(u32, Uid), StoreError> {
        let path = self.folder(mailbox)?;
        // Both peers store LF line ends (peers.md §3); `,S=` is then the stored size.
        let data = deliver::to_lf(&message.data);
        let mtime = message
            .internal_date
            .as_ref()
            .map_or_else(SystemTime::now, time::to_system_time);
        let letters = flags::to_letters(&message.flags, "");
        let kws: Vec<&str> = message.flags.keywords().collect();
        // Maildir++ counts the stored size; a message stored as deleted does not count.
        let counted = if message.flags.deleted() {
            Usage::default()
        } else {
            Usage {
                bytes: data.len() as i64,
                messages: 1,
            }
        };
        self.quota_check(&path, counted)?;
        let policy = &self.policy;
        let (base, _name, lock) =
            deliver::deliver(&path, &data, mtime, Target::Cur, &letters, |base| {
                if !kws.is_empty() {
                    keywords::write(&path, base, kws.iter().copied())?;
                }
                FolderLock::acquire(&path, &policy.lock)
            })
            .map_err(|e| folder_err("appending", e))?;
        let before = self.state.get(mailbox).map(|st| {
            let agreed = st.db_id.is_some() && st.in_sync_with == st.db_id;
            (agreed, st.db.entries.len(), st.db.next, st.db.validity)
        });
        let known = self.take_db(mailbox);
        let (db, id, uids) = self
            .register_held(known, &path, std::slice::from_ref(&base))
            .map_err(|e| folder_err("appending", e))?;
        drop(lock);
        let validity = db.validity;
        // The database grew by our line alone: it is the files plus this one.
        let exact = before.is_some_and(|(agreed, len, next, v)| {
            agreed && db.validity == v && db.entries.len() == len + 1 && db.next == next + 1
        });
        self.keep_db(mailbox, db, id);
        if let Some(st) = self.state.get_mut(mailbox) {
            // Its UID is known: a patch of the list need not look the name up.
            st.touch(&base, uids[0]);
            if let (true, Some(id)) = (exact, id) {
                st.pending = Some((id, vec![base]));
            }
        }
        self.quota_add(&path, counted);
        Ok((validity, uids[0]))
    }

    fn copy(&mut self, from: &str, uids: &[Uid], to: &str) -> Result<Copied, StoreError> {
        let src = self.folder(from)?;
        let dst = self.folder(to)?;
        let kws = keywords::read(&src).map_err(|e| io_err("reading keywords", e))?;
        let mut sorted: Vec<Uid> = uids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        // The quota is checked for the whole set first (a failed COPY changes nothing).
        if self.quota_spec()?.is_some() {
            let mut need = Usage::default();
            for &uid in &sorted {
                if let Some((base, e)) = self
                    .locate(from, &src, uid)
                    .map_err(|e| folder_err("copying", e))?
                {
                    if !e.letters().contains('T') {
                        let dir = e.path(&src);
                        let size = flags::size_hint(&base, 'S')
                            .or_else(|| quota::file_size(dir.parent().unwrap_or(&src), e.name()));
                        need.bytes += size.unwrap_or(0) as i64;
                        need.messages += 1;
                    }
                }
            }
            self.quota_check(&dst, need)?;
        }
        let mut counted = Usage::default();
        let mut made: Vec<(Uid, String)> = Vec::new();
        // Publish and register under one hold of the destination's lock (see register_held).
        let lock =
            FolderLock::acquire(&dst, &self.policy.lock).map_err(|e| io_err("locking", e))?;
        for uid in sorted {
            let Some((base, mut entry)) = self
                .locate(from, &src, uid)
                .map_err(|e| folder_err("copying", e))?
            else {
                continue;
            };
            let letters = entry.letters().to_owned();
            let kw = kws.get(&base);
            let write_kw = |new_base: &str| -> io::Result<()> {
                match kw {
                    Some(k) if !k.is_empty() => {
                        keywords::write(&dst, new_base, k.iter().map(String::as_str))
                    }
                    _ => Ok(()),
                }
            };
            let mut done = None;
            for _ in 0..20 {
                let src_file = entry.path(&src);
                let meta = match std::fs::metadata(&src_file) {
                    Ok(m) => m,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        match folder::find(&src, &base).map_err(|e| io_err("copying", e))? {
                            Some(e) => {
                                entry = e;
                                continue;
                            }
                            None => break,
                        }
                    }
                    Err(e) => return Err(io_err("copying", e)),
                };
                let rfc822 = match flags::size_hint(&base, 'W') {
                    Some(w) => w,
                    None => crlf_size(&std::fs::read(&src_file).map_err(|e| io_err("copying", e))?),
                };
                // A hard link shares content and mtime (INTERNALDATE) (same filesystem).
                let new_base = deliver::unique_base(&meta, meta.size(), rfc822);
                write_kw(&new_base).map_err(|e| io_err("copying keywords", e))?;
                let target = dst
                    .join("cur")
                    .join(flags::with_letters(&new_base, &letters));
                match std::fs::hard_link(&src_file, &target) {
                    Ok(()) => {
                        if !letters.contains('T') {
                            counted.bytes += meta.size() as i64;
                            counted.messages += 1;
                        }
                        done = Some(new_base);
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        keywords::forget(&dst, &new_base);
                        continue;
                    }
                    Err(_) => {
                        // Another filesystem (or links not allowed): copy the octets.
                        keywords::forget(&dst, &new_base);
                        let data = match std::fs::read(&src_file) {
                            Ok(d) => d,
                            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                            Err(e) => return Err(io_err("copying", e)),
                        };
                        let mtime = meta.modified().map_err(|e| io_err("copying", e))?;
                        let (b, _, ()) =
                            deliver::deliver(&dst, &data, mtime, Target::Cur, &letters, write_kw)
                                .map_err(|e| folder_err("copying", e))?;
                        if !letters.contains('T') {
                            counted.bytes += data.len() as i64;
                            counted.messages += 1;
                        }
                        done = Some(b);
                        break;
                    }
                }
            }
            if let Some(b) = done {
                made.push((uid, b));
            }
        }
        atomic::fsync_dir(&dst.join("cur")).map_err(|e| folder_err("copying", e))?;
        let bases: Vec<String> = made.iter().map(|(_, b)| b.clone()).collect();
        let known = self.take_db(to);
        let (db, id, new_uids) = self
            .register_held(known, &dst, &bases)
            .map_err(|e| folder_err("copying", e))?;
        drop(lock);
        let uid_validity = db.validity;
        self.keep_db(to, db, id);
        self.quota_add(&dst, counted);
        Ok(Copied {
            uid_validity,
            pairs: made.iter().map(|(u, _)| *u).zip(new_uids).collect(),
        })
    }

    fn expunge_deleted(
        &mut self,
        mailbox: &str,
        within: Option<&[Uid]>,
    ) -> Result<Vec<Uid>, StoreError> {
        // `T` is checked on the current name, under the lock (peers.md §5: T = \Deleted).
        // Deleted messages no longer count against the quota (see quota.rs): nothing to record.
        let (removed, _, failed) = self.unlink_where(mailbox, within, |e| {
            flags::from_letters(e.letters()).deleted()
        })?;
        // (those removed are announced at the next sync)
        failed.map_or(Ok(removed), Err)
    }

    fn remove(&mut self, mailbox: &str, uids: &[Uid]) -> Result<Vec<Uid>, StoreError> {
        // (the path first: nothing may stand between the unlinks and the quota's credit)
        let path = self.folder(mailbox)?;
        let (removed, counted, failed) = self.unlink_where(mailbox, Some(uids), |_| true)?;
        self.quota_add(
            &path,
            Usage {
                bytes: -counted.bytes,
                messages: -counted.messages,
            },
        );
        failed.map_or(Ok(removed), Err)
    }

    fn size(&mut self, mailbox: &str, uid: Uid) -> Result<u64, StoreError> {
        if let Some(m) = self.known_meta(mailbox, uid)? {
            if let Some(s) = m.size.or_else(|| self.recorded_size(mailbox, uid, &m)) {
                return Ok(s);
            }
        }
        // The file this handle knows for the UID, read at once (no lookup); if it was
        // renamed meanwhile, found again.
        let path = self.folder_to_read(mailbox)?;
        let file = self.state.get(mailbox).and_then(|st| {
            let base = Self::base_of(st, uid)?;
            Some(st.files.get(base)?.path(&path))
        });
        let counted = |p: &Path| std::fs::File::open(p).and_then(|f| crlf_size_of(f, 64 << 10));
        let size = match file.as_deref().map(counted) {
            Some(Ok(size)) => size,
            _ => self.read_message(mailbox, uid, counted)?,
        };
        self.note_size(mailbox, uid, || size);
        Ok(size)
    }

    fn internal_date(&mut self, mailbox: &str, uid: Uid) -> Result<DateTime, StoreError> {
        match self.known_meta(mailbox, uid)? {
            Some(m) => Ok(m.internal_date()),
            // Not known to this handle: its file, found (Expunged if gone).
            None => {
                let m = self.read_message(mailbox, uid, |p| std::fs::metadata(p))?;
                Ok(time::from_unix(FileId::of(&m).mtime))
            }
        }
    }

    fn content(&mut self, mailbox: &str, uid: Uid) -> Result<Vec<u8>, StoreError> {
        let (data, id) = match self.take_read_ahead(mailbox, uid) {
            Some(whole) => whole,
            None => {
                self.missed(mailbox, uid);
                self.read_message(mailbox, uid, reading::read_file)?
            }
        };
        // The file's identity comes with the read (no `stat` of it by name to record its
        // size against), and so does the size (ENVELOPE and RFC822.SIZE of an uncached
        // message then cost one read, not two).
        self.know_meta(mailbox, uid, id);
        self.note_size(mailbox, uid, || crlf_size(&data));
        Ok(data)
    }

    fn read_ahead(&mut self, mailbox: &str, uids: &[Uid], reads: Reads) {
        self.end_read_ahead();
        if uids.len() < reading::WORTH_A_THREAD {
            return;
        }
        match reads {
            Reads::All => self.start_read_ahead(mailbox, uids.to_vec(), reads),
            // (started by the misses: a session that has every summary reads no file)
            Reads::Unsummarised => {
                self.intent = Some(Intent {
                    mailbox: mailbox.to_owned(),
                    uids: uids.to_vec(),
                    misses: 0,
                })
            }
        }
    }

    fn end_read_ahead(&mut self) {
        self.ahead = None;
        self.intent = None;
    }

    fn header(&mut self, mailbox: &str, uid: Uid) -> Result<Vec<u8>, StoreError> {
        // from imapd.cache when it has the header of this very file (one stat), else read
        // and offered to the cache (one lookup of the file's identity either way)
        let looked = self.with_cache(mailbox, uid, |c, base, id| {
            Some(c.header(base, id).ok_or_else(|| (base.to_owned(), id)))
        });
        let missed = match looked {
            Some(Ok(h)) => return Ok(h),
            Some(Err(missed)) => Some(missed),
            None => None,
        };
        let h = self.read_message(mailbox, uid, read_header)?;
        if let (Some((base, id)), Some(c)) = (missed, self.caches.get_mut(mailbox)) {
            c.put_header(&base, id, &h);
        }
        Ok(h)
    }

    fn cached_summary(&mut self, mailbox: &str, uid: Uid) -> Option<Arc<Summary>> {
        self.with_cache(mailbox, uid, |c, base, id| c.get(base, id))
    }

    fn cached_texts(&mut self, mailbox: &str, uid: Uid, want: &[EncodedItem]) -> Option<Texts> {
        self.with_cache(mailbox, uid, |c, base, id| c.texts(base, id, want))
    }

    fn cached_sort_keys(&mut self, mailbox: &str, uid: Uid, want: KeyFields) -> Option<SortKeys> {
        self.with_cache(mailbox, uid, |c, base, id| c.sort_keys(base, id, want))
    }

    fn keep_summary(&mut self, mailbox: &str, uid: Uid, summary: Arc<Summary>, header: &[u8]) {
        self.with_cache(mailbox, uid, |c, base, id| {
            c.put_parsed(base, id, summary, Some(header));
            Some(())
        });
    }

    fn cached_header_fields(&mut self, mailbox: &str, uid: Uid, key: &[u8]) -> Option<Vec<u8>> {
        self.with_cache(mailbox, uid, |c, base, id| c.picked(base, id, key))
    }

    fn keep_header_fields(&mut self, mailbox: &str, uid: Uid, key: &[u8], answer: &[u8]) {
        self.with_cache(mailbox, uid, |c, base, id| {
            c.put_picked(base, id, key, answer);
            Some(())
        });
    }

    fn quota_roots(&mut self, mailbox: &str) -> Result<Vec<String>, StoreError> {
        self.folder(mailbox)?;
        // One Maildir++ quota covers the whole Maildir (maildirplusplus.txt).
        Ok(match self.quota_spec()? {
            Some(_) => vec![QUOTA_ROOT.to_owned()],
            None => Vec::new(),
        })
    }

    fn quota(&mut self, root: &str) -> Result<Option<Vec<QuotaResource>>, StoreError> {
        if root != QUOTA_ROOT {
            return Ok(None);
        }
        self.quota_resources()
    }
}

impl MaildirStore {
    /// The quota resources for GETQUOTA (RFC 9208 §5): STORAGE in units of 1024 octets
    /// (usage and limit rounded up, as Courier 5.0.13 reports them: 6 octets of 1000000S give
    /// `STORAGE 1 977`), MESSAGE as a count; only the limited ones.
    fn quota_resources(&self) -> Result<Option<Vec<QuotaResource>>, StoreError> {
        let Some(spec) = self.quota_spec()? else {
            return Ok(None);
        };
        let used = quota::usage(&self.root, &spec).map_err(|e| io_err("reading maildirsize", e))?;
        let mut out = Vec::new();
        if let Some(limit) = spec.bytes {
            out.push(QuotaResource {
                name: "STORAGE",
                usage: (used.bytes.max(0) as u64).div_ceil(1024),
                limit: limit.div_ceil(1024),
            });
        }
        if let Some(limit) = spec.messages {
            out.push(QuotaResource {
                name: "MESSAGE",
                usage: used.messages.max(0) as u64,
                limit,
            });
        }
        Ok(Some(out))
    }

    /// RFC 3501 §6.3.5: renaming INBOX moves its messages to a new folder (new UIDVALIDITY,
    /// UIDs 1.. in their old order) and leaves INBOX empty.
    fn rename_inbox(&mut self, inbox: &Path, to_d: &str) -> Result<(), StoreError> {
        let target = self.root.join(to_d);
        folder::create(&target).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => StoreError::AlreadyExists,
            _ => io_err("renaming INBOX", e),
        })?;
        let kws = keywords::read(inbox).map_err(|e| io_err("reading keywords", e))?;
        let policy = self.policy.clone();
        let (_, _, moved) = folder::update_db(inbox, &policy, |db| {
            let files = folder::reconcile(inbox, db)?;
            let mut moved = Vec::new();
            for (_, base) in &db.entries {
                let Some(e) = files.get(base) else { continue };
                if let Some(k) = kws.get(base) {
                    keywords::write(&target, base, k.iter().map(String::as_str))?;
                }
                let dir = if e.in_new { "new" } else { "cur" };
                match std::fs::rename(e.path(inbox), target.join(dir).join(e.name())) {
                    Ok(()) => moved.push(base.clone()),
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                    Err(err) => return Err(err),
                }
            }
            for sub in ["cur", "new"] {
                atomic::fsync_dir(&target.join(sub))?;
                atomic::fsync_dir(&inbox.join(sub))?;
            }
            let gone: BTreeSet<&String> = moved.iter().collect();
            db.entries.retain(|(_, b)| !gone.contains(b));
            for b in &moved {
                keywords::forget(inbox, b);
            }
            Ok(moved)
        })
        .map_err(|e| io_err("renaming INBOX", e))?;
        self.register(&target, &moved)
            .map_err(|e| io_err("renaming INBOX", e))?;
        self.state.clear();
        self.scanned.clear();
        Ok(())
    }
}

/// First read of [`read_header`]: one page holds most headers (about 1 KiB is typical).
const HEADER_CHUNK: usize = 4096;

/// The start of a message file up to the end of its header ([`mime::header_end`]), or the
/// whole file if it has no blank line. Reads in chunks that double in size, so a file
/// without a blank line costs linear time.
/// RFC822.SIZE of what `r` holds, counted in pieces of `chunk` octets (memory bounded
/// whatever the message's size): the CRLF form's size, a bare LF counting two (RFC 3501
/// §2.3.4; the same count as `crlf_size` of the whole).
fn crlf_size_of(mut r: impl io::Read, chunk: usize) -> io::Result<u64> {
    let mut buf = vec![0; chunk.max(1)];
    let (mut total, mut bare, mut after_cr) = (0u64, 0u64, false);
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(total + bare),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let piece = &buf[..n];
        for i in memchr::memchr_iter(b'\n', piece) {
            let cr = if i == 0 {
                after_cr
            } else {
                piece[i - 1] == b'\r'
            };
            bare += u64::from(!cr);
        }
        after_cr = piece[n - 1] == b'\r';
        total += n as u64;
    }
}

fn read_header(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buf = Vec::new();
    let mut chunk = HEADER_CHUNK;
    loop {
        let old = buf.len();
        buf.resize(old + chunk, 0);
        let n = loop {
            match file.read(&mut buf[old..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        buf.truncate(old + n);
        if n == 0 {
            return Ok(buf);
        }
        if let Some(end) = mime::header_end(&buf) {
            buf.truncate(end);
            return Ok(buf);
        }
        chunk = chunk.saturating_mul(2);
    }
}

impl MaildirStore {
    /// Starts reading `uids` of `mailbox` ahead (`Store::read_ahead`), those `reads` says.
    fn start_read_ahead(&mut self, mailbox: &str, uids: Vec<Uid>, reads: Reads) {
        let Ok(folder) = self.folder_to_read(mailbox) else {
            return;
        };
        if let Some(reader) = ReadAhead::start(mailbox, uids) {
            let mut ahead = Ahead {
                reader,
                folder,
                reads,
            };
            self.hand_out(mailbox, &mut ahead);
            self.ahead = Some(ahead);
        }
    }

    /// Hands the read-ahead's readers the paths of the next messages: those this handle
    /// knows a file for and, for `Reads::Unsummarised`, has no summary of (a message not
    /// handed out is read by `content` itself).
    fn hand_out(&mut self, mailbox: &str, ahead: &mut Ahead) {
        let Some(st) = self.state.get(mailbox) else {
            return;
        };
        let mut cache = match ahead.reads {
            Reads::All => None,
            Reads::Unsummarised => self.caches.get_mut(mailbox),
        };
        let folder = &ahead.folder;
        ahead.reader.hand_out(|uid| {
            let base = Self::base_of(st, uid)?;
            if cache.as_mut().is_some_and(|c| c.has_summary(base)) {
                return None;
            }
            Some(st.files.get(base)?.path(folder))
        });
    }

    /// The file of `uid` if the read-ahead has it (then the readers are handed more).
    fn take_read_ahead(&mut self, mailbox: &str, uid: Uid) -> Option<reading::Whole> {
        if self
            .ahead
            .as_ref()
            .is_none_or(|a| a.reader.mailbox() != mailbox)
        {
            return None;
        }
        let mut ahead = self.ahead.take()?;
        let taken = ahead.reader.take(uid);
        if let Taken::Over = taken {
            return None;
        }
        self.hand_out(mailbox, &mut ahead);
        self.ahead = Some(ahead);
        match taken {
            Taken::Read(whole) => Some(whole),
            _ => None,
        }
    }

    /// A message of `Store::read_ahead(.., Reads::Unsummarised)` read by `content` itself:
    /// after [`MISSES_TO_READ_AHEAD`] of them the messages after it are read ahead.
    fn missed(&mut self, mailbox: &str, uid: Uid) {
        let Some(intent) = self.intent.as_mut().filter(|i| i.mailbox == mailbox) else {
            return;
        };
        intent.misses += 1;
        if intent.misses < MISSES_TO_READ_AHEAD {
            return;
        }
        let Some(intent) = self.intent.take() else {
            return;
        };
        let after = intent.uids.partition_point(|&u| u <= uid);
        let rest = intent.uids[after..].to_vec();
        if rest.len() >= reading::WORTH_A_THREAD {
            self.start_read_ahead(mailbox, rest, Reads::Unsummarised);
        }
    }

    /// Reads a message's file with `read`, looking the file up again if another process
    /// renamed it (a flag change) meanwhile.
    fn read_message<T>(
        &mut self,
        mailbox: &str,
        uid: Uid,
        read: impl Fn(&Path) -> io::Result<T>,
    ) -> Result<T, StoreError> {
        let path = self.folder_to_read(mailbox)?;
        // (no `stat` first: the read itself finds a file renamed meanwhile, and the next
        // try looks for it as `locate` does)
        let mut confirm = false;
        for _ in 0..20 {
            let Some((base, entry)) = self
                .locate_as(mailbox, &path, uid, confirm)
                .map_err(|e| folder_err("reading a message", e))?
            else {
                return Err(StoreError::Expunged);
            };
            match read(&entry.path(&path)) {
                Ok(data) => return Ok(data),
                Err(e) if e.kind() == io::ErrorKind::NotFound && !confirm => confirm = true,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Renamed between locate and read: forget the name and look again.
                    if let Some(st) = self.state.get_mut(mailbox) {
                        st.files.remove(&base);
                        st.touch(&base, uid);
                        st.in_sync_with = None;
                    }
                }
                Err(e) => return Err(io_err("reading a message", e)),
            }
        }
        Err(StoreError::Io("message keeps being renamed".into()))
    }

    /// The cache of `mailbox` (folder directory `path`), created on first use.
    fn cache_of(&mut self, mailbox: &str, path: &Path) -> &mut FolderCache {
        // no allocation per message once it exists
        if !self.caches.contains_key(mailbox) {
            self.caches
                .insert(mailbox.to_owned(), FolderCache::new(path));
        }
        self.caches.get_mut(mailbox).expect("just inserted")
    }

    /// `f` on the folder's cache with the base name and file identity of `uid` (as
    /// [`Self::file_id`] finds them), without copying the name or the folder's path when
    /// the cache is open and the identity known: every message after the first of a
    /// command that walks many.
    fn with_cache<R>(
        &mut self,
        mailbox: &str,
        uid: Uid,
        f: impl FnOnce(&mut FolderCache, &str, FileId) -> Option<R>,
    ) -> Option<R> {
        if let (Some(cache), Some(st)) = (self.caches.get_mut(mailbox), self.state.get(mailbox)) {
            if let Some(m) = st.meta.get(st.db.validity, uid) {
                return f(cache, Self::base_of(st, uid)?, m.file_id());
            }
        }
        let (path, base, id) = self.file_id(mailbox, uid)?;
        f(self.cache_of(mailbox, &path), &base, id)
    }

    /// The folder path, base name and file identity of a message, for the cache.
    fn file_id(&mut self, mailbox: &str, uid: Uid) -> Option<(PathBuf, String, FileId)> {
        let path = match self.caches.get(mailbox) {
            Some(c) => c.folder().to_owned(),
            None => self.folder(mailbox).ok()?,
        };
        // Fastest: the identity a `stat` found before, or finds now and keeps (a Maildir
        // file's content never changes under its name; one that is gone meanwhile may
        // still be answered from the cache, RFC 2180 §4.1.1).
        match self.known_meta(mailbox, uid) {
            Ok(Some(m)) => {
                let st = self.state.get(mailbox)?;
                return Some((path, Self::base_of(st, uid)?.clone(), m.file_id()));
            }
            Ok(None) => {}
            // gone: no listing of the folder to look for it
            Err(_) => return None,
        }
        let (base, entry) = self.locate(mailbox, &path, uid).ok()??;
        let meta = std::fs::metadata(entry.path(&path)).ok()?;
        Some((path, base, FileId::of(&meta)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(data: &[u8]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        std::fs::write(&path, data).unwrap();
        read_header(&path).unwrap()
    }

    /// Counting in pieces gives `crlf_size` of the whole, whatever the piece boundaries
    /// (a CR ending one piece and its LF starting the next).
    #[quickcheck_macros::quickcheck]
    fn sizes_counted_in_pieces_equal_the_whole(data: Vec<u8>, chunk: u8) -> bool {
        let data: Vec<u8> = data
            .into_iter()
            .map(|b| [b'\r', b'\n', b'x'][usize::from(b % 3)])
            .collect();
        crlf_size_of(&data[..], usize::from(chunk % 9)).unwrap() == crlf_size(&data)
    }

    #[test]
    fn reads_up_to_the_blank_line() {
        // LF and CRLF, with and without a body
        assert_eq!(header_of(b"A: 1\nB: 2\n\nbody\n"), b"A: 1\nB: 2\n\n");
        assert_eq!(header_of(b"A: 1\r\n\r\nbody\r\n"), b"A: 1\r\n\r\n");
        assert_eq!(header_of(b"A: 1\n\n"), b"A: 1\n\n");
        assert_eq!(header_of(b"\nbody"), b"\n");
        // no blank line: the whole file
        assert_eq!(header_of(b"A: 1\nB: 2"), b"A: 1\nB: 2");
        assert_eq!(header_of(b"A: 1\r\n\r"), b"A: 1\r\n\r");
        assert_eq!(header_of(b""), b"");
        // a CR that is not part of a blank line
        assert_eq!(header_of(b"A: 1\n\rB\n\nx"), b"A: 1\n\rB\n\n");
    }

    #[test]
    fn header_longer_than_a_chunk() {
        let field = format!("X-Long: {}\r\n", "y".repeat(1000));
        let header = field.repeat(3 * HEADER_CHUNK / field.len() + 2) + "\r\n";
        let body = "z".repeat(50_000);
        let data = format!("{header}{body}");
        assert_eq!(header_of(data.as_bytes()), header.as_bytes());
        // the blank line's CR and LF in different reads, at every chunk end
        for chunk_end in [HEADER_CHUNK, 3 * HEADER_CHUNK, 7 * HEADER_CHUNK] {
            for shift in 0..3 {
                let fill = chunk_end - shift - 2;
                let mut data = b"X: ".to_vec();
                data.resize(fill - 2, b'a');
                data.extend_from_slice(b"\r\n\r\nbody");
                assert_eq!(&header_of(&data), &data[..data.len() - 4]);
            }
        }
        // no blank line in a big file
        let data = "a".repeat(100_000);
        assert_eq!(header_of(data.as_bytes()), data.as_bytes());
    }
}
