//! An in-memory [`Store`]: the reference for the model checker and fast tests.
//!
//! Many sessions share one [`MemoryStore`] through cloned handles (`Rc<RefCell<…>>`), as many
//! processes share one Maildir. It keeps the same rules the Maildir store keeps: UIDs ascend
//! and are never reused, `\Recent` goes to one claimant, names are `INBOX`-rooted.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

use crate::message::summary::Summary;

use crate::syntax::types::{Date, DateTime};

use super::flags::FlagSet;
use super::message_list::MessageList;
use super::store::{
    Copied, FlagChange, MailboxEntry, MessageMeta, NewMessage, QuotaResource, Snapshot, Store,
    StoreError, Uid,
};

/// The quota root of a [`MemoryStore`] with limits (the Maildir store's name).
pub const QUOTA_ROOT: &str = "ROOT";

/// The folder whose contents never count against the quota (Maildir++ rule).
const TRASH: &str = "INBOX.Trash";

/// Limits of a [`MemoryStore`], counted as the Maildir++ quota counts: stored octets and
/// messages, except `\Deleted` ones and the Trash folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemoryQuota {
    /// Total octets (`S`).
    pub bytes: Option<u64>,
    /// Number of messages (`C`).
    pub messages: Option<u64>,
}

#[derive(Debug, Clone)]
struct Message {
    meta: MessageMeta,
    data: Vec<u8>,
    /// Parsed metadata offered by the core (content never changes, so it never goes stale).
    summary: Option<Arc<Summary>>,
    /// The answer to one `BODY[HEADER.FIELDS (…)]` offered by the core, with its key.
    picked: Option<(Vec<u8>, Vec<u8>)>,
    claimed: bool,
}

#[derive(Debug, Clone)]
struct Mailbox {
    uid_validity: u32,
    uid_next: Uid,
    messages: Vec<Message>,
}

#[derive(Debug, Default)]
struct Inner {
    mailboxes: BTreeMap<String, Mailbox>,
    subscribed: BTreeSet<String>,
    next_uid_validity: u32,
    quota: Option<MemoryQuota>,
}

/// A shared in-memory mail store. Cloning gives another handle to the same store.
#[derive(Debug, Clone)]
pub struct MemoryStore(Rc<RefCell<Inner>>);

/// The INTERNALDATE given to messages appended without one: memory stores have no clock.
fn epoch() -> DateTime {
    let date = Date::new(2000, 1, 1).expect("valid constant date");
    DateTime::new(date, 0, 0, 0, 0).expect("valid constant time")
}

/// Octets in CRLF form: bare LFs count two (RFC 3501 §2.3.4 sizes are on the wire form).
pub fn crlf_size(data: &[u8]) -> u64 {
    let bare = memchr::memchr_iter(b'\n', data)
        .filter(|&i| i == 0 || data[i - 1] != b'\r')
        .count();
    data.len() as u64 + bare as u64
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// A store holding an empty INBOX.
    pub fn new() -> Self {
        let mut inner = Inner {
            next_uid_validity: 1,
            ..Inner::default()
        };
        inner.add_mailbox("INBOX");
        MemoryStore(Rc::new(RefCell::new(inner)))
    }

    /// Sets (or with `None` removes) the quota; deliveries ignore it, APPEND and COPY are
    /// refused with [`StoreError::OverQuota`] past it.
    pub fn set_quota(&self, quota: Option<MemoryQuota>) {
        self.0.borrow_mut().quota = quota;
    }

    /// Delivers a message from outside (an MTA): it is nobody's `\Recent` yet.
    pub fn deliver(&self, mailbox: &str, data: &[u8]) -> Result<Uid, StoreError> {
        let msg = NewMessage {
            data: data.to_vec(),
            flags: FlagSet::new(),
            internal_date: None,
        };
        self.0
            .borrow_mut()
            .append(mailbox, msg, false)
            .map(|(_, uid)| uid)
    }
}

/// What a message counts against the quota: (octets, messages).
fn counted(name: &str, m: &Message) -> (u64, u64) {
    if name == TRASH || m.meta.flags.deleted() {
        (0, 0)
    } else {
        (m.data.len() as u64, 1)
    }
}

impl Inner {
    /// Total (octets, messages) counted against the quota.
    fn usage(&self) -> (u64, u64) {
        let mut total = (0, 0);
        for (name, mb) in &self.mailboxes {
            for m in &mb.messages {
                let (b, n) = counted(name, m);
                total = (total.0 + b, total.1 + n);
            }
        }
        total
    }

    /// Refuses `extra` (octets, messages) past the quota.
    fn check_quota(&self, extra: (u64, u64)) -> Result<(), StoreError> {
        let Some(q) = self.quota else {
            return Ok(());
        };
        let (b, n) = self.usage();
        let over = |used: u64, add: u64, limit: Option<u64>| {
            add > 0 && limit.is_some_and(|l| used + add > l)
        };
        if over(b, extra.0, q.bytes) || over(n, extra.1, q.messages) {
            return Err(StoreError::OverQuota);
        }
        Ok(())
    }

    fn add_mailbox(&mut self, name: &str) {
        let uid_validity = self.next_uid_validity;
        self.next_uid_validity += 1;
        self.mailboxes.insert(
            name.to_owned(),
            Mailbox {
                uid_validity,
                uid_next: 1,
                messages: Vec::new(),
            },
        );
    }

    fn mailbox(&mut self, name: &str) -> Result<&mut Mailbox, StoreError> {
        self.mailboxes
            .get_mut(name)
            .ok_or(StoreError::NoSuchMailbox)
    }

    fn message_mut(&mut self, mailbox: &str, uid: Uid) -> Option<&mut Message> {
        let mb = self.mailbox(mailbox).ok()?;
        let i = mb
            .messages
            .binary_search_by_key(&uid, |m| m.meta.uid)
            .ok()?;
        Some(&mut mb.messages[i])
    }

    fn append(
        &mut self,
        name: &str,
        msg: NewMessage,
        claimed: bool,
    ) -> Result<(u32, Uid), StoreError> {
        let mb = self.mailbox(name)?;
        let uid = mb.uid_next;
        mb.uid_next += 1;
        mb.messages.push(Message {
            meta: MessageMeta {
                uid,
                flags: msg.flags,
                internal_date: Some(msg.internal_date.unwrap_or_else(epoch)),
                size: Some(crlf_size(&msg.data)),
            },
            data: msg.data,
            summary: None,
            picked: None,
            claimed,
        });
        Ok((mb.uid_validity, uid))
    }
}

/// Checks a name the way the Maildir store will: `INBOX` or `INBOX.` + non-empty components.
fn validate(name: &str) -> Result<(), StoreError> {
    if name == "INBOX" {
        return Ok(());
    }
    let rest = name.strip_prefix("INBOX.").ok_or_else(|| {
        StoreError::InvalidName("names must be INBOX or start with INBOX.".into())
    })?;
    if rest.split('.').any(|c| c.is_empty() || c == "..") || rest.contains('/') {
        return Err(StoreError::InvalidName(
            "empty hierarchy level or '/'".into(),
        ));
    }
    if rest.chars().any(char::is_control) {
        return Err(StoreError::InvalidName("control character".into()));
    }
    Ok(())
}

impl Store for MemoryStore {
    fn list(&mut self) -> Result<Vec<MailboxEntry>, StoreError> {
        let inner = self.0.borrow();
        let mut names: BTreeMap<String, bool> = BTreeMap::new();
        for name in inner.mailboxes.keys() {
            names.insert(name.clone(), true);
            let mut parent = name.as_str();
            while let Some(i) = parent.rfind('.') {
                parent = &parent[..i];
                names.entry(parent.to_owned()).or_insert(false);
            }
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
        validate(name)?;
        let mut inner = self.0.borrow_mut();
        if inner.mailboxes.contains_key(name) {
            return Err(StoreError::AlreadyExists);
        }
        inner.add_mailbox(name);
        Ok(())
    }

    fn delete(&mut self, name: &str) -> Result<(), StoreError> {
        if name == "INBOX" {
            return Err(StoreError::Cannot("INBOX cannot be deleted".into()));
        }
        let mut inner = self.0.borrow_mut();
        let prefix = format!("{name}.");
        if inner.mailboxes.keys().any(|k| k.starts_with(&prefix)) {
            // RFC 3501 §6.3.4: a name with inferiors is not removed here (imapd does not
            // keep \Noselect placeholders).
            return Err(StoreError::Cannot("mailbox has children".into()));
        }
        inner
            .mailboxes
            .remove(name)
            .map(|_| ())
            .ok_or(StoreError::NoSuchMailbox)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), StoreError> {
        validate(to)?;
        let mut inner = self.0.borrow_mut();
        if !inner.mailboxes.contains_key(from) {
            return Err(StoreError::NoSuchMailbox);
        }
        if inner.mailboxes.contains_key(to) {
            return Err(StoreError::AlreadyExists);
        }
        if from == "INBOX" {
            // RFC 3501 §6.3.5: renaming INBOX moves its messages; INBOX stays, empty.
            let uid_validity = inner.next_uid_validity;
            inner.next_uid_validity += 1;
            let inbox = inner.mailbox("INBOX")?;
            let moved = std::mem::take(&mut inbox.messages);
            let mut target = Mailbox {
                uid_validity,
                uid_next: 1,
                messages: Vec::new(),
            };
            for mut m in moved {
                m.meta.uid = target.uid_next;
                target.uid_next += 1;
                target.messages.push(m);
            }
            inner.mailboxes.insert(to.to_owned(), target);
            return Ok(());
        }
        if to.starts_with(&format!("{from}.")) {
            return Err(StoreError::Cannot(
                "cannot rename a mailbox into itself".into(),
            ));
        }
        let clash = inner.mailboxes.keys().any(|k| {
            (k == from || k.starts_with(&format!("{from}.")))
                && inner
                    .mailboxes
                    .contains_key(&format!("{to}{}", &k[from.len()..]))
        });
        if clash {
            return Err(StoreError::AlreadyExists);
        }
        let prefix = format!("{from}.");
        let moving: Vec<String> = inner
            .mailboxes
            .keys()
            .filter(|k| *k == from || k.starts_with(&prefix))
            .cloned()
            .collect();
        for old in moving {
            let new = format!("{to}{}", &old[from.len()..]);
            let mb = inner.mailboxes.remove(&old).expect("listed above");
            inner.mailboxes.insert(new, mb);
        }
        Ok(())
    }

    fn subscriptions(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(self.0.borrow().subscribed.iter().cloned().collect())
    }

    fn set_subscribed(&mut self, name: &str, subscribed: bool) -> Result<(), StoreError> {
        validate(name)?;
        let mut inner = self.0.borrow_mut();
        if subscribed {
            inner.subscribed.insert(name.to_owned());
        } else {
            inner.subscribed.remove(name);
        }
        Ok(())
    }

    fn snapshot(&mut self, mailbox: &str, claim_recent: bool) -> Result<Snapshot, StoreError> {
        let mut inner = self.0.borrow_mut();
        let mb = inner.mailbox(mailbox)?;
        let mut claimed_recent = Vec::new();
        if claim_recent {
            for m in mb.messages.iter_mut().filter(|m| !m.claimed) {
                m.claimed = true;
                claimed_recent.push(m.meta.uid);
            }
        }
        let mut keywords = BTreeSet::new();
        for m in &mb.messages {
            keywords.extend(m.meta.flags.keywords().map(str::to_owned));
        }
        Ok(Snapshot {
            uid_validity: mb.uid_validity,
            uid_next: mb.uid_next,
            messages: MessageList::new(mb.messages.iter().map(|m| m.meta.clone()).collect()),
            claimed_recent,
            unclaimed_recent: mb.messages.iter().filter(|m| !m.claimed).count() as u32,
            keywords: keywords.into_iter().collect(),
        })
    }

    fn change_flags(
        &mut self,
        mailbox: &str,
        uids: &[Uid],
        change: &FlagChange,
    ) -> Result<Vec<(Uid, FlagSet)>, StoreError> {
        let mut inner = self.0.borrow_mut();
        let mb = inner.mailbox(mailbox)?;
        let wanted: BTreeSet<Uid> = uids.iter().copied().collect();
        let mut out = Vec::new();
        for m in mb
            .messages
            .iter_mut()
            .filter(|m| wanted.contains(&m.meta.uid))
        {
            // As in a Maildir, where flags live in cur/ names: a flagged message is no
            // longer new, so nobody gets \Recent for it afterwards.
            m.claimed = true;
            m.meta.flags = change.apply(&m.meta.flags);
            out.push((m.meta.uid, m.meta.flags.clone()));
        }
        Ok(out)
    }

    fn append(&mut self, mailbox: &str, message: NewMessage) -> Result<(u32, Uid), StoreError> {
        let mut inner = self.0.borrow_mut();
        if inner.quota.is_some() && mailbox != TRASH && !message.flags.deleted() {
            inner.mailbox(mailbox)?;
            inner.check_quota((message.data.len() as u64, 1))?;
        }
        // APPEND and COPY place messages in cur/ as Courier does: nobody gets \Recent for
        // them (RFC 3501 §2.3.2 leaves this to the server); only deliveries are new.
        let (validity, uid) = inner.append(mailbox, message, true)?;
        Ok((validity, uid))
    }

    fn copy(&mut self, from: &str, uids: &[Uid], to: &str) -> Result<Copied, StoreError> {
        let mut inner = self.0.borrow_mut();
        if !inner.mailboxes.contains_key(to) {
            return Err(StoreError::NoSuchMailbox);
        }
        let wanted: BTreeSet<Uid> = uids.iter().copied().collect();
        let sources: Vec<Message> = inner
            .mailbox(from)?
            .messages
            .iter()
            .filter(|m| wanted.contains(&m.meta.uid))
            .cloned()
            .collect();
        if inner.quota.is_some() {
            let extra = sources.iter().fold((0, 0), |acc, m| {
                let (b, n) = counted(to, m);
                (acc.0 + b, acc.1 + n)
            });
            inner.check_quota(extra)?;
        }
        let dest = inner.mailbox(to)?;
        let mut pairs = Vec::new();
        for mut m in sources {
            let old = m.meta.uid;
            m.meta.uid = dest.uid_next;
            dest.uid_next += 1;
            m.claimed = true;
            pairs.push((old, m.meta.uid));
            dest.messages.push(m);
        }
        Ok(Copied {
            uid_validity: dest.uid_validity,
            pairs,
        })
    }

    fn expunge_deleted(
        &mut self,
        mailbox: &str,
        within: Option<&[Uid]>,
    ) -> Result<Vec<Uid>, StoreError> {
        let mut inner = self.0.borrow_mut();
        let mb = inner.mailbox(mailbox)?;
        let wanted: Option<BTreeSet<Uid>> = within.map(|w| w.iter().copied().collect());
        let mut removed = Vec::new();
        mb.messages.retain(|m| {
            let gone =
                m.meta.flags.deleted() && wanted.as_ref().is_none_or(|w| w.contains(&m.meta.uid));
            if gone {
                removed.push(m.meta.uid);
            }
            !gone
        });
        Ok(removed)
    }

    fn remove(&mut self, mailbox: &str, uids: &[Uid]) -> Result<Vec<Uid>, StoreError> {
        let mut inner = self.0.borrow_mut();
        let mb = inner.mailbox(mailbox)?;
        let wanted: BTreeSet<Uid> = uids.iter().copied().collect();
        let mut removed = Vec::new();
        mb.messages.retain(|m| {
            let gone = wanted.contains(&m.meta.uid);
            if gone {
                removed.push(m.meta.uid);
            }
            !gone
        });
        Ok(removed)
    }

    fn internal_date(&mut self, mailbox: &str, uid: Uid) -> Result<DateTime, StoreError> {
        let mut inner = self.0.borrow_mut();
        let mb = inner.mailbox(mailbox)?;
        mb.messages
            .iter()
            .find(|m| m.meta.uid == uid)
            .map(|m| m.meta.internal_date.unwrap_or_else(epoch))
            .ok_or(StoreError::Expunged)
    }

    fn content(&mut self, mailbox: &str, uid: Uid) -> Result<Vec<u8>, StoreError> {
        let mut inner = self.0.borrow_mut();
        let mb = inner.mailbox(mailbox)?;
        mb.messages
            .iter()
            .find(|m| m.meta.uid == uid)
            .map(|m| m.data.clone())
            .ok_or(StoreError::Expunged)
    }

    fn header(&mut self, mailbox: &str, uid: Uid) -> Result<Vec<u8>, StoreError> {
        let mut data = self.content(mailbox, uid)?;
        if let Some(n) = crate::message::mime::header_end(&data) {
            data.truncate(n);
        }
        Ok(data)
    }

    fn quota_roots(&mut self, mailbox: &str) -> Result<Vec<String>, StoreError> {
        let mut inner = self.0.borrow_mut();
        inner.mailbox(mailbox)?;
        Ok(inner
            .quota
            .map(|_| vec![QUOTA_ROOT.to_owned()])
            .unwrap_or_default())
    }

    fn quota(&mut self, root: &str) -> Result<Option<Vec<QuotaResource>>, StoreError> {
        let inner = self.0.borrow();
        let Some(q) = inner.quota.filter(|_| root == QUOTA_ROOT) else {
            return Ok(None);
        };
        let (bytes, messages) = inner.usage();
        let mut out = Vec::new();
        if let Some(limit) = q.bytes {
            out.push(QuotaResource {
                name: "STORAGE",
                usage: bytes.div_ceil(1024),
                limit: limit.div_ceil(1024),
            });
        }
        if let Some(limit) = q.messages {
            out.push(QuotaResource {
                name: "MESSAGE",
                usage: messages,
                limit,
            });
        }
        Ok(Some(out))
    }

    fn cached_summary(&mut self, mailbox: &str, uid: Uid) -> Option<Arc<Summary>> {
        let mut inner = self.0.borrow_mut();
        let mb = inner.mailbox(mailbox).ok()?;
        let i = mb
            .messages
            .binary_search_by_key(&uid, |m| m.meta.uid)
            .ok()?;
        mb.messages[i].summary.clone()
    }

    fn keep_summary(&mut self, mailbox: &str, uid: Uid, summary: Arc<Summary>, _header: &[u8]) {
        if let Some(m) = self.0.borrow_mut().message_mut(mailbox, uid) {
            m.summary = Some(summary);
        }
    }

    fn cached_header_fields(&mut self, mailbox: &str, uid: Uid, key: &[u8]) -> Option<Vec<u8>> {
        let mut inner = self.0.borrow_mut();
        let (k, answer) = inner.message_mut(mailbox, uid)?.picked.as_ref()?;
        (k == key).then(|| answer.clone())
    }

    fn keep_header_fields(&mut self, mailbox: &str, uid: Uid, key: &[u8], answer: &[u8]) {
        if let Some(m) = self.0.borrow_mut().message_mut(mailbox, uid) {
            m.picked = Some((key.to_vec(), answer.to_vec()));
        }
    }
}
