//! The message list of a snapshot: every message's metadata in ascending UID order, held in
//! shared chunks so that a list a few messages away from another is made without a copy of
//! it, and two lists tell cheaply which of their parts are the same.
//!
//! A store hands out a new list after every change (an APPEND, a STORE, a delivery seen by
//! an idling session) while the views of its sessions still hold the previous one. With one
//! flat vector, each change copied the whole list (at 100k messages, 5.6 MB: most of an
//! APPEND's time, with the page faults of fresh memory); here a change copies the chunks it
//! touches and the table of chunks, and a view compares only the chunks that differ
//! ([`MessageList::shared_spans`]).

use std::fmt;
use std::ops::Index;
use std::sync::Arc;

use super::store::{MessageMeta, Uid};

/// Messages per chunk when a list is made or a chunk is split; a chunk grows up to twice
/// this before it is split (appends land in the last one).
const CHUNK: usize = 256;

/// One chunk: never empty, UIDs ascending and below every UID of the next chunk.
#[derive(Clone)]
struct Chunk {
    /// Index in the whole list of its first message.
    start: usize,
    items: Arc<Vec<MessageMeta>>,
}

impl Chunk {
    fn first(&self) -> Uid {
        self.items[0].uid
    }

    fn last(&self) -> Uid {
        self.items[self.items.len() - 1].uid
    }
}

/// Messages in ascending UID order (see the module documentation). Cloning is one
/// reference count.
#[derive(Clone, Default)]
pub struct MessageList {
    chunks: Arc<Vec<Chunk>>,
    len: usize,
}

/// A change [`MessageList::patched`] applies to one UID: the message's new metadata (set or
/// inserted), or `None` (removed).
pub type Change = (Uid, Option<MessageMeta>);

/// Where the last of a run of ascending lookups ended ([`MessageList::find_at`]).
#[derive(Debug, Default, Clone, Copy)]
pub struct ListCursor {
    chunk: usize,
    at: usize,
}

impl MessageList {
    /// A list of `messages`, which must be in ascending UID order.
    pub fn new(messages: Vec<MessageMeta>) -> Self {
        let mut chunks = Vec::with_capacity(messages.len().div_ceil(CHUNK));
        push_pieces(&mut chunks, messages);
        Self::of_chunks(chunks)
    }

    fn of_chunks(mut chunks: Vec<Chunk>) -> Self {
        let mut len = 0;
        for c in &mut chunks {
            c.start = len;
            len += c.items.len();
        }
        MessageList {
            chunks: Arc::new(chunks),
            len,
        }
    }

    /// Number of messages.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True if both are the very same list (one was cloned from the other).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chunks, &other.chunks)
    }

    /// The message at index `i` (0-based).
    pub fn get(&self, i: usize) -> Option<&MessageMeta> {
        if i >= self.len {
            return None;
        }
        let c = &self.chunks[self.chunks.partition_point(|c| c.start <= i) - 1];
        c.items.get(i - c.start)
    }

    /// The last message (the largest UID).
    pub fn last(&self) -> Option<&MessageMeta> {
        self.chunks.last().and_then(|c| c.items.last())
    }

    /// All messages in UID order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &MessageMeta> + '_ {
        self.chunks.iter().flat_map(|c| c.items.iter())
    }

    /// The messages from index `i` on.
    pub fn iter_from(&self, i: usize) -> impl Iterator<Item = &MessageMeta> + '_ {
        // (the chunk holding index `i` from there on, then the chunks after it)
        let c = self
            .chunks
            .partition_point(|c| c.start <= i)
            .saturating_sub(1);
        let (head, rest): (&[MessageMeta], &[Chunk]) = match self.chunks.get(c) {
            Some(ch) => (
                &ch.items[(i.saturating_sub(ch.start)).min(ch.items.len())..],
                &self.chunks[c + 1..],
            ),
            None => (&[], &[]),
        };
        head.iter().chain(rest.iter().flat_map(|c| c.items.iter()))
    }

    /// The index of `uid`, or where it would be inserted (as `slice::binary_search`).
    pub fn position(&self, uid: Uid) -> Result<usize, usize> {
        let c = self.chunks.partition_point(|c| c.first() <= uid);
        if c == 0 {
            return Err(0);
        }
        let c = &self.chunks[c - 1];
        match c.items.binary_search_by_key(&uid, |m| m.uid) {
            Ok(k) => Ok(c.start + k),
            Err(k) => Err(c.start + k),
        }
    }

    /// The message with `uid`.
    pub fn find(&self, uid: Uid) -> Option<&MessageMeta> {
        self.find_at(uid, &mut ListCursor::default())
    }

    /// [`MessageList::find`] for lookups in ascending UID order: where the previous one ended
    /// is tried first, so a run over many messages costs a step each, not a search each.
    pub fn find_at(&self, uid: Uid, cur: &mut ListCursor) -> Option<&MessageMeta> {
        if let Some(c) = self.chunks.get(cur.chunk) {
            if c.first() <= uid && uid <= c.last() {
                // Within the chunk of the previous lookup: step on from there, if ahead.
                let items = &c.items;
                let from = if cur.at < items.len() && items[cur.at].uid <= uid {
                    cur.at
                } else {
                    0
                };
                let mut k = from;
                while k < items.len() && items[k].uid < uid && k < from + 8 {
                    k += 1;
                }
                if k < items.len() && items[k].uid < uid {
                    k = items.partition_point(|m| m.uid < uid);
                }
                cur.at = k;
                return items.get(k).filter(|m| m.uid == uid);
            }
        }
        let c = self.chunks.partition_point(|c| c.first() <= uid);
        if c == 0 {
            return None;
        }
        let items = &self.chunks[c - 1].items;
        let k = items.partition_point(|m| m.uid < uid);
        *cur = ListCursor {
            chunk: c - 1,
            at: k,
        };
        items.get(k).filter(|m| m.uid == uid)
    }

    /// Number of messages with a UID up to `uid`.
    pub fn count_upto(&self, uid: Uid) -> usize {
        match self.position(uid) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// This list with `changes` applied; `changes` ascend by UID, one per UID (a removal of
    /// a UID not in the list does nothing). Chunks without a change are shared with this
    /// list, so the cost is that of the chunks changed, not of the list.
    pub fn patched(&self, changes: &[Change]) -> MessageList {
        if changes.is_empty() {
            return self.clone();
        }
        if !changes.windows(2).all(|w| w[0].0 < w[1].0) {
            // (not as documented: put in order, the last change of a UID winning, rather
            // than make a list whose lookups would fail)
            let mut sorted: Vec<Change> = changes.to_vec();
            sorted.reverse();
            sorted.sort_by_key(|(u, _)| *u);
            sorted.dedup_by_key(|(u, _)| *u);
            return self.patched(&sorted);
        }
        let mut out: Vec<Chunk> = Vec::with_capacity(self.chunks.len() + 1);
        let mut rest = changes;
        for (i, c) in self.chunks.iter().enumerate() {
            // A chunk takes the changes below the next chunk's first UID (the first chunk
            // also those below its own, the last every one left).
            let n = match self.chunks.get(i + 1) {
                Some(next) => rest.partition_point(|(u, _)| *u < next.first()),
                None => rest.len(),
            };
            let (mine, after) = rest.split_at(n);
            rest = after;
            if mine.is_empty() {
                out.push(c.clone());
                continue;
            }
            let mut merged = merge(&c.items, mine);
            if merged.is_empty() {
                continue;
            }
            // A chunk left small by removals joins the one before, so that expunges one at
            // a time do not fray the list into many small chunks.
            if merged.len() < CHUNK / 4 {
                if let Some(prev) = out.pop_if(|p| p.items.len() + merged.len() <= 2 * CHUNK) {
                    let mut joined = Vec::with_capacity(prev.items.len() + merged.len());
                    joined.extend_from_slice(&prev.items);
                    joined.append(&mut merged);
                    merged = joined;
                }
            }
            push_pieces(&mut out, merged);
        }
        if self.chunks.is_empty() {
            push_pieces(&mut out, merge(&[], rest));
        }
        Self::of_chunks(out)
    }

    /// The UID spans (first, last) of the chunks this list shares with `other`: within such
    /// a span both hold the same messages with the same metadata.
    pub fn shared_spans(&self, other: &MessageList) -> Vec<(Uid, Uid)> {
        let (a, b) = (&self.chunks, &other.chunks);
        let mut spans = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let (x, y) = (&a[i], &b[j]);
            match x.first().cmp(&y.first()) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if Arc::ptr_eq(&x.items, &y.items) {
                        spans.push((x.first(), x.last()));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        spans
    }

    #[cfg(test)]
    fn check_invariants(&self) {
        let mut start = 0;
        let mut prev: Option<Uid> = None;
        for c in self.chunks.iter() {
            assert!(!c.items.is_empty() && c.items.len() <= 2 * CHUNK);
            assert_eq!(c.start, start);
            start += c.items.len();
            for m in c.items.iter() {
                assert!(prev.is_none_or(|p| p < m.uid));
                prev = Some(m.uid);
            }
        }
        assert_eq!(start, self.len);
    }
}

/// `items` (ascending) with `changes` (ascending) merged in.
fn merge(items: &[MessageMeta], changes: &[Change]) -> Vec<MessageMeta> {
    let mut v = Vec::with_capacity(items.len() + changes.len());
    let mut items = items.iter().peekable();
    for (uid, change) in changes {
        while let Some(m) = items.next_if(|m| m.uid < *uid) {
            v.push(m.clone());
        }
        items.next_if(|m| m.uid == *uid);
        if let Some(m) = change {
            v.push(m.clone());
        }
    }
    v.extend(items.cloned());
    v
}

/// Appends `messages` to `out` as chunks: one if it is at most twice [`CHUNK`], else pieces
/// of [`CHUNK`]; none if empty. (`start` is set by [`MessageList::of_chunks`].)
fn push_pieces(out: &mut Vec<Chunk>, messages: Vec<MessageMeta>) {
    if messages.len() <= 2 * CHUNK {
        if !messages.is_empty() {
            out.push(Chunk {
                start: 0,
                items: Arc::new(messages),
            });
        }
        return;
    }
    for piece in messages.chunks(CHUNK) {
        out.push(Chunk {
            start: 0,
            items: Arc::new(piece.to_vec()),
        });
    }
}

/// As a slice's: panics beyond the end (for tests and callers that checked the length).
impl Index<usize> for MessageList {
    type Output = MessageMeta;

    fn index(&self, i: usize) -> &MessageMeta {
        self.get(i).expect("index within the list")
    }
}

impl From<Vec<MessageMeta>> for MessageList {
    fn from(v: Vec<MessageMeta>) -> Self {
        MessageList::new(v)
    }
}

/// Collects messages given in ascending UID order straight into chunks (the same chunks as
/// [`MessageList::new`] makes), without a vector of them all first: at 100k messages that
/// vector was a 4.8 MB copy, and the allocator kept its space after it was freed.
impl FromIterator<MessageMeta> for MessageList {
    fn from_iter<I: IntoIterator<Item = MessageMeta>>(messages: I) -> Self {
        let mut chunks = Vec::new();
        let mut piece = Vec::with_capacity(CHUNK);
        for m in messages {
            if piece.len() == CHUNK {
                let full = std::mem::replace(&mut piece, Vec::with_capacity(CHUNK));
                chunks.push(Chunk {
                    start: 0,
                    items: Arc::new(full),
                });
            }
            piece.push(m);
        }
        match chunks.as_mut_slice() {
            // At most twice CHUNK in all: one chunk, as `push_pieces` makes.
            [only] if piece.len() <= CHUNK => {
                Arc::get_mut(&mut only.items)
                    .expect("a chunk being built is not shared")
                    .append(&mut piece);
            }
            _ if piece.is_empty() => {}
            _ => chunks.push(Chunk {
                start: 0,
                items: Arc::new(piece),
            }),
        }
        Self::of_chunks(chunks)
    }
}

/// Lists are equal when they hold the same messages, however chunked.
impl PartialEq for MessageList {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for MessageList {}

impl fmt::Debug for MessageList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::flags::FlagSet;
    use crate::syntax::types::Flag;
    use quickcheck::{Arbitrary, Gen, QuickCheck};
    use std::collections::BTreeMap;

    fn meta(uid: Uid, seen: bool) -> MessageMeta {
        let flags = if seen { &[Flag::Seen][..] } else { &[] };
        MessageMeta {
            uid,
            flags: FlagSet::from_flags(flags),
            internal_date: None,
            size: Some(uid as u64),
        }
    }

    /// A starting list and rounds of changes (UIDs in a small range, so that changes hit
    /// present messages, fall between them and append after them).
    #[derive(Debug, Clone)]
    struct Rounds {
        start: Vec<(Uid, bool)>,
        rounds: Vec<Vec<(Uid, Option<bool>)>>,
    }

    impl Arbitrary for Rounds {
        fn arbitrary(g: &mut Gen) -> Self {
            let span = 1 + u32::arbitrary(g) % 8000;
            let n = usize::arbitrary(g) % 4000;
            let start: BTreeMap<Uid, bool> = (0..n)
                .map(|_| (1 + u32::arbitrary(g) % span, bool::arbitrary(g)))
                .collect();
            let rounds = (0..usize::arbitrary(g) % 6)
                .map(|_| {
                    let k = usize::arbitrary(g) % 700;
                    (0..k)
                        .map(|_| {
                            let u = 1 + u32::arbitrary(g) % (span + 600);
                            let c = match u8::arbitrary(g) % 3 {
                                0 => None,
                                x => Some(x == 1),
                            };
                            (u, c)
                        })
                        .collect()
                })
                .collect();
            Rounds {
                start: start.into_iter().collect(),
                rounds,
            }
        }
    }

    /// A patched list holds what a list made afresh from the changed messages holds, keeps
    /// the chunk invariants, shares every chunk without a change, and answers every lookup
    /// as a plain sorted vector does.
    #[test]
    fn patched_lists_equal_lists_made_afresh() {
        static MOST_CHUNKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        fn prop(r: Rounds) -> bool {
            let mut model: BTreeMap<Uid, MessageMeta> =
                r.start.iter().map(|&(u, s)| (u, meta(u, s))).collect();
            let mut list = MessageList::new(model.values().cloned().collect());
            list.check_invariants();
            for round in &r.rounds {
                let changes: BTreeMap<Uid, Option<MessageMeta>> = round
                    .iter()
                    .map(|&(u, c)| (u, c.map(|s| meta(u, s))))
                    .collect();
                for (u, c) in &changes {
                    match c {
                        Some(m) => model.insert(*u, m.clone()),
                        None => model.remove(u),
                    };
                }
                let changes: Vec<Change> = changes.into_iter().collect();
                let next = list.patched(&changes);
                next.check_invariants();
                MOST_CHUNKS.fetch_max(next.chunks.len(), std::sync::atomic::Ordering::Relaxed);
                let want: Vec<MessageMeta> = model.values().cloned().collect();
                assert_eq!(next.iter().cloned().collect::<Vec<_>>(), want);
                assert_eq!(next, MessageList::new(want.clone()));
                // Shared spans are exact: the messages within are the same in both lists.
                for (lo, hi) in next.shared_spans(&list) {
                    let a: Vec<_> = next.iter().filter(|m| (lo..=hi).contains(&m.uid)).collect();
                    let b: Vec<_> = list.iter().filter(|m| (lo..=hi).contains(&m.uid)).collect();
                    assert_eq!(a, b);
                    assert!(!changes.iter().any(|(u, _)| (lo..=hi).contains(u)));
                }
                // Every chunk of the old list without a change in its span is shared, but
                // one that a chunk after it, left small, joined.
                let shared = next.shared_spans(&list);
                let touched: Vec<bool> = (0..list.chunks.len())
                    .map(|i| {
                        let c = &list.chunks[i];
                        let end = list.chunks.get(i + 1).map_or(Uid::MAX, |n| n.first());
                        let lo = if i == 0 { 0 } else { c.first() };
                        let hi = if i + 1 == list.chunks.len() {
                            Uid::MAX
                        } else {
                            end - 1
                        };
                        changes.iter().any(|(u, _)| (lo..=hi).contains(u))
                    })
                    .collect();
                for (i, c) in list.chunks.iter().enumerate() {
                    let is_shared = shared.contains(&(c.first(), c.last()));
                    assert!(!(is_shared && touched[i]));
                    assert!(is_shared || touched[i] || touched.get(i + 1) == Some(&true));
                }
                // Lookups as on a sorted vector, cursor runs included.
                let mut cur = ListCursor::default();
                for u in (0..want.last().map_or(3, |m| m.uid + 3)).step_by(1 + want.len() / 500) {
                    let i = want.binary_search_by_key(&u, |m| m.uid);
                    assert_eq!(next.position(u), i);
                    assert_eq!(next.find(u), i.ok().map(|i| &want[i]));
                    assert_eq!(next.find_at(u, &mut cur), i.ok().map(|i| &want[i]));
                    assert_eq!(next.count_upto(u), want.partition_point(|m| m.uid <= u));
                }
                for i in [
                    0,
                    1,
                    want.len() / 3,
                    want.len().saturating_sub(1),
                    want.len(),
                ] {
                    assert_eq!(next.get(i), want.get(i));
                    assert!(next.iter_from(i).eq(want[i.min(want.len())..].iter()));
                }
                assert_eq!(next.last(), want.last());
                list = next;
            }
            true
        }
        // (a large size: integers are drawn below it, and lists must span many chunks)
        QuickCheck::new()
            .tests(200)
            .rng(Gen::new(10_000))
            .quickcheck(prop as fn(Rounds) -> bool);
        assert!(MOST_CHUNKS.load(std::sync::atomic::Ordering::Relaxed) > 4);
    }

    /// A chunk left small by removals joins the one before it; the others stay shared.
    /// Changes out of order are put in order first (the last one of a UID winning).
    #[test]
    fn a_chunk_left_small_joins_the_one_before() {
        let list = MessageList::new((1..=4 * CHUNK as Uid).map(|u| meta(u, false)).collect());
        assert_eq!(list.chunks.len(), 4);
        let third = 2 * CHUNK as Uid + 1..3 * CHUNK as Uid - 10;
        let changes: Vec<Change> = third.clone().map(|u| (u, None)).collect();
        let next = list.patched(&changes);
        next.check_invariants();
        assert_eq!(next.chunks.len(), 3);
        assert_eq!(next.chunks[1].items.len(), CHUNK + 11);
        let first = |l: &MessageList, i: usize| Arc::as_ptr(&l.chunks[i].items);
        assert_eq!(first(&next, 0), first(&list, 0));
        assert_eq!(first(&next, 2), first(&list, 3));
        assert_eq!(next.len(), list.len() - third.len());
        let shuffled = [(7, Some(meta(7, true))), (3, None), (7, None)];
        let want = list.patched(&[(3, None), (7, None)]);
        assert_eq!(list.patched(&shuffled), want);
        assert_eq!(want.len(), list.len() - 2);
    }

    /// A list collected from an iterator is chunked exactly as one made from a vector.
    #[test]
    fn collected_lists_are_chunked_as_new_ones() {
        for n in [
            0,
            1,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            2 * CHUNK,
            2 * CHUNK + 1,
            3 * CHUNK,
            1000,
        ] {
            let all: Vec<MessageMeta> = (1..=n as Uid).map(|u| meta(u * 3, u % 2 == 0)).collect();
            let made = MessageList::new(all.clone());
            let collected: MessageList = all.into_iter().collect();
            collected.check_invariants();
            assert_eq!(collected, made, "{n} messages");
            let sizes =
                |l: &MessageList| l.chunks.iter().map(|c| c.items.len()).collect::<Vec<_>>();
            assert_eq!(sizes(&collected), sizes(&made), "{n} messages");
        }
    }

    /// Cursor lookups in any order (backwards, repeated, across chunks) answer as plain ones.
    #[test]
    fn cursor_lookups_in_any_order_agree_with_plain_ones() {
        let list = MessageList::new((1..2000).step_by(2).map(|u| meta(u, false)).collect());
        let mut cur = ListCursor::default();
        for u in [1, 3, 4, 1999, 5, 5, 600, 601, 599, 0, 2001, 1001, 1003, 999] {
            assert_eq!(list.find_at(u, &mut cur), list.find(u), "uid {u}");
            assert_eq!(list.find(u).is_some(), u % 2 == 1 && u < 2000, "uid {u}");
        }
    }
}
