//! The per-session mailbox view: the sequence-number ↔ UID map a client believes in, and the
//! pure diff that brings it up to date with a newer [`Snapshot`].
//!
//! RFC 3501 §7.4.1: an EXPUNGE may not be sent while a FETCH, STORE or SEARCH is answered
//! (it would renumber messages under the client's feet); the UID variants are exempt. A view
//! therefore keeps expunged messages ("ghosts") until it may announce them. EXISTS, RECENT and
//! FETCH (FLAGS) may be sent at any time.
//!
//! The view shares the message list of the snapshot it last synced with (as the store hands
//! it out) and keeps apart only what differs from it: flags the client was told since, and
//! ghosts. Syncing with the very same list again (the store's quiet path) costs nothing;
//! syncing with a new one looks only at the messages outside the chunks both lists share
//! ([`MessageList::shared_spans`]), so a list a few changes away costs a few lookups.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};

use crate::syntax::types::{Data, FetchValue, Flag};

use super::flags::FlagSet;
use super::message_list::{ListCursor, MessageList};
use super::store::{MessageMeta, Snapshot, Uid};

/// What one session believes about its selected mailbox.
#[derive(Debug, Clone)]
pub struct MailboxView {
    /// UIDs in sequence order: sequence number n is `uids[n - 1]` (ascending UIDs).
    uids: Vec<Uid>,
    /// The messages of the snapshot last synced with, in UID order (shared with the store).
    base: MessageList,
    /// Messages of `uids` whose metadata differs from `base`: flags the client was told after
    /// that sync (its own STORE, an implicit `\Seen`), and ghosts (absent from `base`).
    told: HashMap<Uid, MessageMeta>,
    /// UIDs that are `\Recent` for this session (design invariant 4).
    recent: BTreeSet<Uid>,
    /// UIDs expunged in the store but not yet announced to the client.
    ghosts: BTreeSet<Uid>,
    /// UIDVALIDITY of the mailbox.
    pub uid_validity: u32,
    /// UIDNEXT as of the last sync.
    pub uid_next: Uid,
    /// Keywords known in the mailbox as of the last FLAGS response.
    keywords: Vec<String>,
    /// Where the last plain lookup ([`MailboxView::seq_of`], [`MailboxView::meta`]) ended:
    /// most callers ask for message after message in ascending order (SEARCH, SORT, FETCH
    /// 1:*), and the next one is then a step away. Any cursor answers right (a stale one
    /// only costs a search).
    last: Cell<Cursor>,
}

/// Two views are equal when the client believes the same of both, however they are stored.
impl PartialEq for MailboxView {
    fn eq(&self, other: &Self) -> bool {
        self.uids == other.uids
            && self.recent == other.recent
            && self.ghosts == other.ghosts
            && self.uid_validity == other.uid_validity
            && self.uid_next == other.uid_next
            && self.keywords == other.keywords
            && self.uids.iter().all(|&u| self.meta(u) == other.meta(u))
    }
}

impl Eq for MailboxView {}

/// Where the last of a run of ascending lookups ended ([`MailboxView::seq_at`],
/// [`MailboxView::meta_at`]): FETCH 1:* asks for every message in order, and the next one is
/// then found at the next index instead of by a binary search over the whole mailbox.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cursor {
    seq: usize,
    base: ListCursor,
}

/// The index of `uid` in an ascending list, trying `*at` first; `*at` moves past it.
fn index_from(len: usize, key: impl Fn(usize) -> Uid, uid: Uid, at: &mut usize) -> Option<usize> {
    let i = if *at < len && key(*at) == uid {
        *at
    } else {
        let (mut lo, mut hi) = (0, len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if key(mid) < uid {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if lo == len || key(lo) != uid {
            return None;
        }
        lo
    };
    *at = i + 1;
    Some(i)
}

impl MailboxView {
    /// A view of a freshly selected mailbox; the caller sends the SELECT responses.
    pub fn new(snapshot: &Snapshot) -> Self {
        MailboxView {
            uids: snapshot.messages.iter().map(|m| m.uid).collect(),
            base: snapshot.messages.clone(),
            told: HashMap::new(),
            recent: snapshot.claimed_recent.iter().copied().collect(),
            ghosts: BTreeSet::new(),
            uid_validity: snapshot.uid_validity,
            uid_next: snapshot.uid_next,
            keywords: snapshot.keywords.clone(),
            last: Cell::default(),
        }
    }

    /// Number of messages the client believes exist (EXISTS).
    pub fn exists(&self) -> u32 {
        self.uids.len() as u32
    }

    /// Number of `\Recent` messages in the view.
    pub fn recent_count(&self) -> u32 {
        self.recent.len() as u32
    }

    /// The UID at a sequence number (1-based).
    pub fn uid_at(&self, seq: u32) -> Option<Uid> {
        self.uids.get((seq as usize).checked_sub(1)?).copied()
    }

    /// The sequence number of a UID, if the client knows it.
    pub fn seq_of(&self, uid: Uid) -> Option<u32> {
        let mut c = self.last.get();
        let seq = self.seq_at(uid, &mut c);
        self.last.set(c);
        seq
    }

    /// [`MailboxView::seq_of`] for lookups in ascending UID order.
    pub fn seq_at(&self, uid: Uid, c: &mut Cursor) -> Option<u32> {
        index_from(self.uids.len(), |i| self.uids[i], uid, &mut c.seq).map(|i| i as u32 + 1)
    }

    /// [`MailboxView::meta`] for lookups in ascending UID order.
    pub fn meta_at(&self, uid: Uid, c: &mut Cursor) -> Option<&MessageMeta> {
        if let Some(m) = self.told.get(&uid) {
            return Some(m);
        }
        // `base` may hold arrivals the client has not been told of yet.
        if uid > self.max_uid() {
            return None;
        }
        self.base.find_at(uid, &mut c.base)
    }

    /// All UIDs in sequence order.
    pub fn uids(&self) -> &[Uid] {
        &self.uids
    }

    /// Largest UID in the view (0 if empty).
    pub fn max_uid(&self) -> Uid {
        self.uids.last().copied().unwrap_or(0)
    }

    /// True if the message was expunged by someone and not yet announced.
    pub fn is_ghost(&self, uid: Uid) -> bool {
        self.ghosts.contains(&uid)
    }

    /// The stored flags the client knows for a message.
    pub fn flags(&self, uid: Uid) -> Option<&FlagSet> {
        self.meta(uid).map(|m| &m.flags)
    }

    /// Metadata as of the last sync (or as told since), for messages the client knows.
    pub fn meta(&self, uid: Uid) -> Option<&MessageMeta> {
        let mut c = self.last.get();
        let meta = self.meta_at(uid, &mut c);
        self.last.set(c);
        meta
    }

    /// True if the message is `\Recent` in this session.
    pub fn is_recent(&self, uid: Uid) -> bool {
        self.recent.contains(&uid)
    }

    /// The wire flags of a message as this session reports them.
    pub fn wire_flags(&self, uid: Uid) -> Vec<Flag> {
        self.flags(uid)
            .map(|f| f.to_flags(self.is_recent(uid)))
            .unwrap_or_default()
    }

    /// Keywords known to the client (for FLAGS).
    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }

    /// Announces keywords the client has not seen yet: the FLAGS response must list every
    /// flag before a FETCH shows it (RFC 3501 §7.2.6). Returns the FLAGS response to send.
    pub fn note_keywords<'k>(
        &mut self,
        flags: impl IntoIterator<Item = &'k FlagSet>,
    ) -> Option<Data> {
        let mut added = false;
        for f in flags {
            for k in f.keywords() {
                if !self.keywords.iter().any(|x| x == k) {
                    self.keywords.push(k.to_owned());
                    added = true;
                }
            }
        }
        if !added {
            return None;
        }
        self.keywords.sort();
        Some(Data::Flags(super::flags::flags_list(&self.keywords)))
    }

    /// Records flags the client has just been told in a FETCH response.
    pub fn note_flags(&mut self, uid: Uid, flags: FlagSet) {
        let Some(meta) = self.meta(uid) else {
            return;
        };
        if meta.flags == flags {
            return;
        }
        let mut meta = meta.clone();
        meta.flags = flags;
        let in_base = self.base.find(uid).is_some_and(|b| *b == meta);
        if in_base {
            self.told.remove(&uid);
        } else {
            self.told.insert(uid, meta);
        }
    }

    /// Brings the view up to date with `snapshot` and returns the untagged responses that tell
    /// the client so, in the order they must be sent:
    /// FLAGS (if keywords appeared), EXPUNGE (descending, if `allow_expunge`), EXISTS, RECENT,
    /// then FETCH (FLAGS) for messages whose flags another party changed.
    pub fn sync(&mut self, snapshot: &Snapshot, allow_expunge: bool) -> Vec<Data> {
        self.sync_with(snapshot, allow_expunge, true)
    }

    /// Like [`MailboxView::sync`] but leaves new arrivals for a later sync: used before a
    /// command that names messages, so the set it names is the one the client knew
    /// (RFC 3501 §6.4.8 `*` is the largest number the client could know of).
    pub fn sync_known(&mut self, snapshot: &Snapshot, allow_expunge: bool) -> Vec<Data> {
        self.sync_with(snapshot, allow_expunge, false)
    }

    /// The indices in `uids` of the messages a sync with `new` must look at, ascending: all
    /// but those in a chunk `base` and `new` share (same messages, same metadata), and of
    /// those the ones told something since too. (Every known UID is in `base` or `told`:
    /// a ghost keeps its metadata there.)
    fn to_compare(&self, new: &MessageList) -> Vec<usize> {
        let uids = &self.uids;
        let mut out = Vec::new();
        let mut from = 0;
        for (lo, hi) in self.base.shared_spans(new) {
            let start = from + uids[from..].partition_point(|u| *u < lo);
            out.extend(from..start);
            from = start + uids[start..].partition_point(|u| *u <= hi);
        }
        out.extend(from..uids.len());
        let told = self.told.keys();
        let extra: Vec<usize> = told.filter_map(|u| uids.binary_search(u).ok()).collect();
        if !extra.is_empty() {
            out.extend(extra);
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    fn sync_with(&mut self, snapshot: &Snapshot, allow_expunge: bool, arrivals: bool) -> Vec<Data> {
        let mut out = Vec::new();

        // New keywords: the FLAGS response lists every flag in the mailbox (§7.2.6).
        if snapshot.keywords.iter().any(|k| !self.keywords.contains(k)) {
            let mut all = self.keywords.clone();
            all.extend(
                snapshot
                    .keywords
                    .iter()
                    .filter(|k| !self.keywords.contains(k))
                    .cloned(),
            );
            all.sort();
            self.keywords = all;
            out.push(Data::Flags(super::flags::flags_list(&self.keywords)));
        }
        self.uid_next = self.uid_next.max(snapshot.uid_next);

        // The same list as last time, nothing told since, nothing to claim or announce.
        let max = self.max_uid();
        let new = &snapshot.messages;
        if self.base.ptr_eq(new)
            && self.told.is_empty()
            && snapshot.claimed_recent.is_empty()
            && !(arrivals && new.last().is_some_and(|m| m.uid > max))
        {
            return out;
        }

        // The known UIDs are compared with the new list: expunged ones become ghosts (their
        // metadata kept in `told`), the others' flags are compared with what the client
        // knows. Within a chunk both lists share, a message the client was told nothing of
        // since is as it knows it: only the rest are looked at, in ascending order.
        let mut changed: Vec<(usize, Uid)> = Vec::new();
        let (mut in_new, mut in_base) = (ListCursor::default(), ListCursor::default());
        for i in self.to_compare(new) {
            let uid = self.uids[i];
            let known = match self.told.get(&uid) {
                Some(m) => Some(m),
                None => self.base.find_at(uid, &mut in_base),
            };
            match new.find_at(uid, &mut in_new) {
                None => {
                    // (a ghost keeps what the client knows of it apart, also one that came
                    // back, was told its flags and went again)
                    let fresh = self.ghosts.insert(uid);
                    if fresh || !self.told.contains_key(&uid) {
                        if let Some(k) = known.cloned() {
                            self.told.insert(uid, k);
                        }
                    }
                }
                Some(m) => {
                    if known.is_some_and(|k| k.flags != m.flags) {
                        changed.push((i, uid));
                        // A ghost seen again keeps its own entry: it must carry the flags
                        // announced now, or they would be announced again at every sync.
                        if let Some(t) = self
                            .told
                            .get_mut(&uid)
                            .filter(|_| self.ghosts.contains(&uid))
                        {
                            t.flags = m.flags.clone();
                        }
                    }
                }
            }
        }
        if allow_expunge && !self.ghosts.is_empty() {
            for i in (0..self.uids.len()).rev() {
                if self.ghosts.contains(&self.uids[i]) {
                    out.push(Data::Expunge(i as u32 + 1));
                }
            }
            let ghosts = std::mem::take(&mut self.ghosts);
            self.uids.retain(|u| !ghosts.contains(u));
            for u in &ghosts {
                self.told.remove(u);
                self.recent.remove(u);
            }
            // Sequence numbers of flag changes move down past the removed messages.
            changed.retain(|(_, u)| !ghosts.contains(u));
            for c in &mut changed {
                c.0 = self.uids.binary_search(&c.1).unwrap_or(c.0);
            }
        }
        // Everything still present is now as in the new list; only ghosts stay apart.
        let ghosts = &self.ghosts;
        self.told.retain(|u, _| ghosts.contains(u));
        self.base = new.clone();

        // New arrivals: UIDs above the largest known (UIDs ascend, invariant 1).
        let before = self.uids.len();
        let recent_before = self.recent.len();
        if arrivals {
            let start = new.count_upto(max);
            self.uids.extend(new.iter_from(start).map(|m| m.uid));
        }
        self.recent.extend(snapshot.claimed_recent.iter().copied());
        let grew = self.uids.len() != before;
        // After EXPUNGEs, EXISTS is repeated only if the count grew; RFC 3501 §7.3.1 allows
        // EXISTS at any time.
        if grew {
            out.push(Data::Exists(self.exists()));
        }
        if grew || self.recent.len() != recent_before {
            out.push(Data::Recent(self.recent_count()));
        }

        // Flag changes made by others, for messages the client knows and that still exist.
        for (i, uid) in changed {
            let flags = self
                .flags(uid)
                .map(|f| f.to_flags(self.recent.contains(&uid)));
            if let Some(flags) = flags {
                out.push(Data::Fetch {
                    seq: i as u32 + 1,
                    items: vec![FetchValue::Flags(flags)],
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::types::{Date, DateTime};

    fn snap(msgs: &[(Uid, &[Flag])]) -> Snapshot {
        let date = DateTime::new(Date::new(2024, 1, 1).unwrap(), 0, 0, 0, 0).unwrap();
        Snapshot {
            uid_validity: 1,
            uid_next: 100,
            messages: MessageList::new(
                msgs.iter()
                    .map(|(uid, f)| MessageMeta {
                        uid: *uid,
                        flags: FlagSet::from_flags(*f),
                        internal_date: Some(date),
                        size: Some(10),
                    })
                    .collect(),
            ),
            claimed_recent: Vec::new(),
            unclaimed_recent: 0,
            keywords: Vec::new(),
        }
    }

    /// A ghost (missing from one snapshot) that comes back with other flags is announced
    /// once with its new flags, not again at every sync before its EXPUNGE may be sent.
    #[test]
    fn a_returning_ghost_is_announced_once_with_its_new_flags() {
        let mut v = MailboxView::new(&snap(&[(1, &[]), (2, &[])]));
        assert!(v.sync_known(&snap(&[(1, &[])]), false).is_empty());
        assert!(v.is_ghost(2));
        let back = snap(&[(1, &[]), (2, &[Flag::Seen])]);
        let out = v.sync_known(&back, false);
        assert_eq!(
            out,
            [Data::Fetch {
                seq: 2,
                items: vec![FetchValue::Flags(vec![Flag::Seen])]
            }]
        );
        assert_eq!(v.flags(2), Some(&FlagSet::from_flags(&[Flag::Seen])));
        assert!(v.sync_known(&back, false).is_empty());
    }

    /// A ghost that came back, was told its flags (so the view keeps nothing apart for it)
    /// and went again still has what the client knows of it until its EXPUNGE is sent.
    #[test]
    fn a_ghost_gone_twice_keeps_its_metadata() {
        let mut v = MailboxView::new(&snap(&[(1, &[]), (2, &[])]));
        assert!(v.sync_known(&snap(&[(1, &[])]), false).is_empty());
        let back = snap(&[(1, &[]), (2, &[Flag::Seen])]);
        v.sync_known(&back, false);
        // (told something else, then what the list says: nothing kept apart any more)
        v.note_flags(2, FlagSet::from_flags(&[Flag::Flagged]));
        v.note_flags(2, FlagSet::from_flags(&[Flag::Seen]));
        assert!(v.sync_known(&snap(&[(1, &[])]), false).is_empty());
        assert!(v.is_ghost(2));
        assert_eq!(v.flags(2), Some(&FlagSet::from_flags(&[Flag::Seen])));
        assert_eq!(v.sync(&snap(&[(1, &[])]), true), [Data::Expunge(2)]);
    }

    /// Cursor lookups answer exactly as the plain ones, in any order.
    #[test]
    fn cursor_lookups_agree_with_plain_ones() {
        let s = snap(&[(2, &[]), (3, &[Flag::Seen]), (5, &[]), (9, &[])]);
        let mut v = MailboxView::new(&s);
        v.note_flags(5, FlagSet::from_flags(&[Flag::Flagged]));
        let mut c = Cursor::default();
        for uid in [1, 2, 3, 4, 5, 9, 10, 3, 2, 9, 9, 0, 5] {
            assert_eq!(v.seq_at(uid, &mut c), v.seq_of(uid), "seq of {uid}");
            assert_eq!(v.meta_at(uid, &mut c), v.meta(uid), "meta of {uid}");
        }
    }

    /// The same shared list again, nothing told since: nothing to do.
    #[test]
    fn the_same_list_again_is_free_and_silent() {
        let s = snap(&[(1, &[]), (2, &[Flag::Seen])]);
        let mut v = MailboxView::new(&s);
        assert!(v.sync(&s, true).is_empty());
        v.note_flags(1, FlagSet::from_flags(&[Flag::Flagged]));
        // The client was told \Flagged; the store still says no flags: it hears so again.
        assert_eq!(
            v.sync(&s, true),
            [Data::Fetch {
                seq: 1,
                items: vec![FetchValue::Flags(vec![])]
            }]
        );
    }

    /// A view synced with lists that share chunks with the one before (as a store patches
    /// them) says and believes exactly what a view synced with the same lists made afresh
    /// does: the chunks skipped as shared hold nothing it had to say.
    #[test]
    fn syncs_with_patched_lists_answer_as_with_fresh_ones() {
        use crate::core::message_list::{Change, MessageList};
        use quickcheck::{Gen, QuickCheck};

        fn meta(uid: Uid, flags: u8) -> MessageMeta {
            let all = [Flag::Seen, Flag::Flagged, Flag::Deleted];
            let f: Vec<Flag> = (0..3)
                .filter(|b| flags & (1 << b) != 0)
                .map(|b| all[b].clone())
                .collect();
            MessageMeta {
                uid,
                flags: FlagSet::from_flags(&f),
                internal_date: None,
                size: None,
            }
        }
        fn snap_of(list: MessageList) -> Snapshot {
            Snapshot {
                uid_validity: 1,
                uid_next: list.last().map_or(1, |m| m.uid + 1),
                messages: list,
                claimed_recent: Vec::new(),
                unclaimed_recent: 0,
                keywords: Vec::new(),
            }
        }
        /// A starting mailbox and steps (not shrunk: a failure at these sizes shrinks for
        /// ages; the case is printed as found).
        #[derive(Debug, Clone)]
        struct Story {
            seed: Vec<(u16, u8)>,
            steps: Vec<(u8, u16, u8)>,
        }
        impl quickcheck::Arbitrary for Story {
            fn arbitrary(g: &mut Gen) -> Self {
                Story {
                    seed: quickcheck::Arbitrary::arbitrary(g),
                    steps: quickcheck::Arbitrary::arbitrary(g),
                }
            }
        }
        fn prop(story: Story) -> bool {
            let Story { seed, steps } = story;
            let mut model: std::collections::BTreeMap<Uid, MessageMeta> = seed
                .iter()
                .map(|&(u, f)| (u as Uid % 3000 + 1, meta(u as Uid % 3000 + 1, f)))
                .collect();
            let mut list = MessageList::new(model.values().cloned().collect());
            let mut a = MailboxView::new(&snap_of(list.clone()));
            let mut b = MailboxView::new(&snap_of(MessageList::new(
                model.values().cloned().collect(),
            )));
            for (i, chunk) in steps.chunks(8).enumerate() {
                let mut changes = std::collections::BTreeMap::new();
                for &(what, u, f) in chunk {
                    let top = model.keys().last().copied().unwrap_or(0);
                    match what % 5 {
                        // a flag change or an expunge of some message, an arrival
                        0 | 1 => {
                            let Some(&uid) = model.keys().nth(u as usize % model.len().max(1))
                            else {
                                continue;
                            };
                            let m = (what % 5 == 0).then(|| meta(uid, f));
                            changes.insert(uid, m);
                        }
                        2 => {
                            changes.insert(top + 1 + u as Uid % 3, Some(meta(top + 1, f)));
                        }
                        // the client is told flags (its own STORE)
                        _ => {
                            let uid = match a.uid_at(1 + u as u32 % a.exists().max(1)) {
                                Some(u) => u,
                                None => continue,
                            };
                            a.note_flags(uid, FlagSet::from_flags(&[Flag::Answered]));
                            b.note_flags(uid, FlagSet::from_flags(&[Flag::Answered]));
                        }
                    }
                }
                let changes: Vec<Change> = changes
                    .into_iter()
                    .map(|(u, m)| (u, m.map(|m: MessageMeta| MessageMeta { uid: u, ..m })))
                    .collect();
                for (u, m) in &changes {
                    match m {
                        Some(m) => model.insert(*u, m.clone()),
                        None => model.remove(u),
                    };
                }
                list = list.patched(&changes);
                let fresh = MessageList::new(model.values().cloned().collect());
                let (expunge, arrivals) = (i % 3 != 1, i % 4 != 2);
                let (sa, sb) = (snap_of(list.clone()), snap_of(fresh));
                let (ra, rb) = if arrivals {
                    (a.sync(&sa, expunge), b.sync(&sb, expunge))
                } else {
                    (a.sync_known(&sa, expunge), b.sync_known(&sb, expunge))
                };
                if ra != rb || a != b {
                    return false;
                }
            }
            true
        }
        QuickCheck::new()
            .tests(150)
            .rng(Gen::new(3000))
            .quickcheck(prop as fn(Story) -> bool);
    }
}
