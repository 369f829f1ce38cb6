//! The per-session mailbox view: the sequence-number ↔ UID map a client believes in, and the
//! pure diff that brings it up to date with a newer [`Snapshot`].
//!
//! RFC 3501 §7.4.1: an EXPUNGE may not be sent while a FETCH, STORE or SEARCH is answered
//! (it would renumber messages under the client's feet); the UID variants are exempt. A view
//! therefore keeps expunged messages ("ghosts") until it may announce them. EXISTS, RECENT and
//! FETCH (FLAGS) may be sent at any time.

use std::collections::{BTreeSet, HashMap};

use crate::syntax::types::{Data, FetchValue, Flag};

use super::flags::FlagSet;
use super::store::{MessageMeta, Snapshot, Uid};

/// What one session believes about its selected mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxView {
    /// UIDs in sequence order: sequence number n is `uids[n - 1]` (ascending UIDs).
    uids: Vec<Uid>,
    /// The flags this client was last told (or that it could derive) per UID.
    flags: HashMap<Uid, FlagSet>,
    /// Per-message metadata as of the last sync (size, date), for FETCH of ghosts too.
    meta: HashMap<Uid, MessageMeta>,
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
}

impl MailboxView {
    /// A view of a freshly selected mailbox; the caller sends the SELECT responses.
    pub fn new(snapshot: &Snapshot) -> Self {
        MailboxView {
            uids: snapshot.messages.iter().map(|m| m.uid).collect(),
            flags: snapshot
                .messages
                .iter()
                .map(|m| (m.uid, m.flags.clone()))
                .collect(),
            meta: snapshot
                .messages
                .iter()
                .map(|m| (m.uid, m.clone()))
                .collect(),
            recent: snapshot.claimed_recent.iter().copied().collect(),
            ghosts: BTreeSet::new(),
            uid_validity: snapshot.uid_validity,
            uid_next: snapshot.uid_next,
            keywords: snapshot.keywords.clone(),
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
        self.uids.binary_search(&uid).ok().map(|i| i as u32 + 1)
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
        self.flags.get(&uid)
    }

    /// Metadata as of the last sync.
    pub fn meta(&self, uid: Uid) -> Option<&MessageMeta> {
        self.meta.get(&uid)
    }

    /// True if the message is `\Recent` in this session.
    pub fn is_recent(&self, uid: Uid) -> bool {
        self.recent.contains(&uid)
    }

    /// The wire flags of a message as this session reports them.
    pub fn wire_flags(&self, uid: Uid) -> Vec<Flag> {
        self.flags
            .get(&uid)
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
        if let Some(m) = self.meta.get_mut(&uid) {
            m.flags = flags.clone();
        }
        self.flags.insert(uid, flags);
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

    fn sync_with(&mut self, snapshot: &Snapshot, allow_expunge: bool, arrivals: bool) -> Vec<Data> {
        let mut out = Vec::new();
        let current: HashMap<Uid, &MessageMeta> =
            snapshot.messages.iter().map(|m| (m.uid, m)).collect();

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

        // Expunged: known UIDs no longer present.
        for &uid in &self.uids {
            if !current.contains_key(&uid) {
                self.ghosts.insert(uid);
            }
        }
        if allow_expunge && !self.ghosts.is_empty() {
            for i in (0..self.uids.len()).rev() {
                let uid = self.uids[i];
                if self.ghosts.contains(&uid) {
                    out.push(Data::Expunge(i as u32 + 1));
                    self.uids.remove(i);
                    self.flags.remove(&uid);
                    self.meta.remove(&uid);
                    self.recent.remove(&uid);
                }
            }
            self.ghosts.clear();
        }

        // New arrivals: UIDs above the largest known (UIDs ascend, invariant 1).
        let max = self.max_uid();
        let before = self.uids.len();
        let recent_before = self.recent.len();
        for m in snapshot.messages.iter().filter(|m| arrivals && m.uid > max) {
            self.uids.push(m.uid);
            self.flags.insert(m.uid, m.flags.clone());
            self.meta.insert(m.uid, m.clone());
        }
        self.recent.extend(snapshot.claimed_recent.iter().copied());
        self.uid_next = self.uid_next.max(snapshot.uid_next);
        let grew = self.uids.len() != before;
        if grew || !out.iter().all(|d| matches!(d, Data::Flags(_))) {
            // After EXPUNGEs, EXISTS is repeated so the count is explicit (as Courier does);
            // RFC 3501 §7.3.1 allows EXISTS at any time.
            if grew {
                out.push(Data::Exists(self.exists()));
            }
        }
        if grew || self.recent.len() != recent_before {
            out.push(Data::Recent(self.recent_count()));
        }

        // Flag changes made by others, for messages the client knows and that still exist.
        for (i, &uid) in self.uids.iter().enumerate().take(before) {
            if let Some(m) = current.get(&uid) {
                if self.flags.get(&uid) != Some(&m.flags) {
                    self.flags.insert(uid, m.flags.clone());
                    if let Some(meta) = self.meta.get_mut(&uid) {
                        meta.flags = m.flags.clone();
                    }
                    out.push(Data::Fetch {
                        seq: i as u32 + 1,
                        items: vec![FetchValue::Flags(
                            m.flags.to_flags(self.recent.contains(&uid)),
                        )],
                    });
                }
            }
        }
        out
    }
}
