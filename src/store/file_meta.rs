//! What a session learnt of each message file without reading it (size and mtime from a
//! `stat`, RFC822.SIZE once known), by UID: [`MetaByUid`].
//!
//! Most commands walk the messages in UID order (`FETCH 1:*`, SORT, SEARCH), asking for
//! each message's entry once or twice. The entries are kept in a vector in UID order and
//! the last one found is remembered, so such a walk finds the next one where it looks
//! first: at 100k messages a hash map by UID cost a cache miss per message, a sixth of a
//! warm `FETCH 1:* BODYSTRUCTURE`.

use std::cell::Cell;

use rustc_hash::FxHashMap;

use crate::core::store::Uid;
use crate::syntax::types::DateTime;

use super::cache::FileId;
use super::files::Files;
use super::flags;
use super::sizes::Measured;
use super::time;
use super::uiddb::UidDb;

/// What a scan learns of one message file (one `stat`, no read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileMeta {
    /// RFC822.SIZE once known: from the name's `,W=` hint, the sizes file (`sizes.rs`), or
    /// a read of the file when someone asked (`Store::size`); a scan reads no file.
    pub(super) size: Option<u64>,
    /// The file's size and mtime at the `stat` (the mtime is INTERNALDATE, `time.rs`; a
    /// measured size is recorded against both). Kept small: one per message per session.
    pub(super) bytes: u64,
    pub(super) mtime: i64,
    pub(super) mtime_nsec: u32,
    /// True when the size came from the `,W=` hint (nothing to record).
    pub(super) hinted: bool,
}

impl FileMeta {
    /// What a `stat` of the file of base name `base` found (`id`), with the size its name's
    /// `,W=` hint gives, if any.
    pub(super) fn of(base: &str, id: FileId) -> FileMeta {
        let hint = flags::size_hint(base, 'W');
        FileMeta {
            size: hint,
            bytes: id.size,
            mtime: id.mtime,
            mtime_nsec: id.mtime_nsec,
            hinted: hint.is_some(),
        }
    }

    /// The file's identity at the `stat`, as the cache keys it.
    pub(super) fn file_id(&self) -> FileId {
        FileId {
            size: self.bytes,
            mtime: self.mtime,
            mtime_nsec: self.mtime_nsec,
        }
    }

    /// INTERNALDATE: the mtime (RFC 3501 §2.3.3; `time.rs`).
    pub(super) fn internal_date(&self) -> DateTime {
        time::from_unix(self.mtime)
    }

    /// The mtime in nanoseconds, as the sizes file records it.
    pub(super) fn mtime_ns(&self) -> i128 {
        i128::from(self.mtime) * 1_000_000_000 + i128::from(self.mtime_nsec)
    }

    /// The size as the sizes file records it, if known and not from the name.
    pub(super) fn measured(&self) -> Option<Measured> {
        if self.hinted {
            return None;
        }
        Some(Measured {
            bytes: self.bytes,
            mtime_ns: self.mtime_ns(),
            rfc822_size: self.size?,
        })
    }
}

/// Out-of-order entries are merged into the vector once there are this many, or an
/// eighth of the vector if that is more: each merge copies the vector once, so an entry
/// costs a bounded number of moves whatever the order they come in.
const MERGE_AT: usize = 64;

/// What scans learnt of each message file, by UID: keyed by a number rather than by a
/// second copy of the base name (a 100k folder's names are megabytes). Valid for one
/// UIDVALIDITY: a database started over numbers the messages anew, and the map with it.
#[derive(Debug, Default)]
pub(super) struct MetaByUid {
    validity: u32,
    /// Entries in ascending UID order (one learnt after a larger UID waits in `late`).
    sorted: Vec<(Uid, FileMeta)>,
    /// Entries learnt out of order, until merged into `sorted`.
    late: FxHashMap<Uid, FileMeta>,
    /// The index in `sorted` of the entry found last: a walk in UID order asks for it again
    /// or for the one after it.
    last: Cell<usize>,
}

impl MetaByUid {
    /// The entry of `uid` if the map is the one of `validity`.
    pub(super) fn get(&self, validity: u32, uid: Uid) -> Option<&FileMeta> {
        self.find(uid).filter(|_| self.validity == validity)
    }

    pub(super) fn get_mut(&mut self, validity: u32, uid: Uid) -> Option<&mut FileMeta> {
        if self.validity != validity {
            return None;
        }
        self.find_mut(uid)
    }

    /// The entry of `uid`, of whatever validity the map is for (the caller renumbered it).
    pub(super) fn find(&self, uid: Uid) -> Option<&FileMeta> {
        match self.position(uid) {
            Some(i) => Some(&self.sorted[i].1),
            None => self.late.get(&uid),
        }
    }

    fn find_mut(&mut self, uid: Uid) -> Option<&mut FileMeta> {
        match self.position(uid) {
            Some(i) => Some(&mut self.sorted[i].1),
            None => self.late.get_mut(&uid),
        }
    }

    /// Where `uid` is in `sorted`: next to the entry found last, else by a binary search.
    fn position(&self, uid: Uid) -> Option<usize> {
        let last = self.last.get();
        let at = |i: usize| self.sorted.get(i).is_some_and(|e| e.0 == uid);
        let i = if at(last.wrapping_add(1)) {
            last.wrapping_add(1)
        } else if at(last) {
            last
        } else {
            self.sorted.binary_search_by_key(&uid, |e| e.0).ok()?
        };
        self.last.set(i);
        Some(i)
    }

    /// Records the entry of `uid` (replacing one known).
    pub(super) fn insert(&mut self, uid: Uid, meta: FileMeta) {
        // (every late entry is below the last of `sorted`: a larger UID is not among them)
        if self.sorted.last().is_none_or(|e| e.0 < uid) {
            self.sorted.push((uid, meta));
            return;
        }
        if let Some(known) = self.find_mut(uid) {
            *known = meta;
            return;
        }
        self.late.insert(uid, meta);
        if self.late.len() >= MERGE_AT.max(self.sorted.len() / 8) {
            self.merge();
        }
    }

    /// Moves the late entries into `sorted` (one pass over both).
    fn merge(&mut self) {
        let mut late: Vec<(Uid, FileMeta)> = self.late.drain().collect();
        late.sort_unstable_by_key(|e| e.0);
        let old = std::mem::take(&mut self.sorted);
        self.sorted.reserve_exact(old.len() + late.len());
        let (mut a, mut b) = (old.into_iter().peekable(), late.into_iter().peekable());
        loop {
            let from_a = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => x.0 < y.0,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = if from_a { a.next() } else { b.next() };
            self.sorted.extend(next);
        }
        self.late.shrink_to_fit();
    }

    /// Makes the map the one of `validity` (empty if it was another's).
    pub(super) fn renumber(&mut self, validity: u32) {
        if self.validity != validity {
            self.clear();
            self.validity = validity;
        }
    }

    fn clear(&mut self) {
        self.sorted = Vec::new();
        self.late = FxHashMap::default();
    }

    pub(super) fn validity(&self) -> u32 {
        self.validity
    }

    pub(super) fn len(&self) -> usize {
        self.sorted.len() + self.late.len()
    }

    /// Keeps the entries of messages whose base name (in `db`) is still in `files`.
    pub(super) fn retain_files(&mut self, db: &UidDb, files: &Files) {
        if db.validity != self.validity {
            self.clear();
            return;
        }
        self.retain(|uid| {
            db.entries
                .binary_search_by_key(&uid, |(u, _)| *u)
                .is_ok_and(|i| files.contains_key(&db.entries[i].1))
        });
    }

    /// Keeps the entries of the UIDs `keep` is true for.
    fn retain(&mut self, keep: impl Fn(Uid) -> bool) {
        self.sorted.retain(|(uid, _)| keep(*uid));
        self.late.retain(|uid, _| keep(*uid));
        // (a late entry may now lie above the last of `sorted`: merged, so that every late
        // entry stays below it and `insert` can push a larger UID without looking in `late`)
        if !self.late.is_empty() {
            self.merge();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn meta(n: u64) -> FileMeta {
        FileMeta {
            size: Some(n),
            bytes: n,
            mtime: 0,
            mtime_nsec: 0,
            hinted: false,
        }
    }

    /// Whatever the order entries are learnt, let go and asked for in, the map answers as a
    /// map by UID: inserts (replacing), removals, lookups and changes through `get_mut`.
    #[quickcheck_macros::quickcheck]
    fn answers_as_a_map_whatever_the_order(ops: Vec<(u8, u16)>) -> bool {
        let mut m = MetaByUid::default();
        let mut model: BTreeMap<Uid, FileMeta> = BTreeMap::new();
        for (i, (op, uid)) in ops.into_iter().enumerate() {
            // few distinct UIDs, so that lookups and replacements hit
            let uid = Uid::from(uid % 700);
            match op % 5 {
                0 | 4 => {
                    m.insert(uid, meta(i as u64));
                    model.insert(uid, meta(i as u64));
                }
                1 => {
                    if m.get(0, uid) != model.get(&uid) {
                        return false;
                    }
                }
                3 => {
                    // expunges: every UID in a band of the UIDs is let go
                    let gone = |u: Uid| u % 7 == uid % 7;
                    m.retain(|u| !gone(u));
                    model.retain(|u, _| !gone(*u));
                }
                _ => {
                    if let Some(x) = m.get_mut(0, uid) {
                        x.size = Some(9);
                    }
                    if let Some(x) = model.get_mut(&uid) {
                        x.size = Some(9);
                    }
                }
            }
        }
        m.len() == model.len() && model.iter().all(|(u, x)| m.find(*u) == Some(x))
    }

    /// Entries learnt in descending order are merged in as they grow, not kept aside:
    /// a walk in order then finds them in the vector.
    #[test]
    fn late_entries_are_merged() {
        let mut m = MetaByUid::default();
        for uid in (1..=1000).rev() {
            m.insert(uid, meta(u64::from(uid)));
        }
        assert!(m.late.len() < MERGE_AT.max(m.sorted.len() / 8));
        assert!(m.sorted.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(m.len(), 1000);
        assert!((1..=1000).all(|u| m.find(u) == Some(&meta(u64::from(u)))));
    }

    /// Another validity's entries are not answered; renumbering empties the map.
    #[test]
    fn entries_belong_to_one_validity() {
        let mut m = MetaByUid::default();
        m.renumber(7);
        m.insert(3, meta(3));
        assert_eq!(m.get(7, 3), Some(&meta(3)));
        assert_eq!(m.get(8, 3), None);
        assert!(m.get_mut(8, 3).is_none());
        m.renumber(8);
        assert_eq!(m.len(), 0);
        assert_eq!(m.get(8, 3), None);
    }
}
