//! The storage interface the core talks through, and the values that cross it.
//!
//! Mailbox names crossing this trait are full IMAP names, decoded to UTF-8, with `.` as the
//! hierarchy delimiter (`INBOX`, `INBOX.Sent`); the store validates and maps them to disk.
//! Every method is one atomic step from the core's point of view: the Maildir store does its
//! locking and fsyncs inside (a returned `Ok` means the change is durable).

use std::sync::Arc;

use crate::message::keys::{KeyFields, SortKeys};
use crate::message::summary::{Summary, Texts};
use crate::syntax::types::{DateTime, EncodedItem};

use super::flags::FlagSet;
use super::message_list::MessageList;

/// A message's unique identifier within one UIDVALIDITY (RFC 3501 §2.3.1.1).
pub type Uid = u32;

/// Which messages of a [`Store::read_ahead`] will be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Every one.
    All,
    /// Those whose summary ([`Store::cached_texts`]) is not kept by the store.
    Unsummarised,
}

/// What a snapshot says about one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    /// Its UID.
    pub uid: Uid,
    /// Its stored flags (without `\Recent`).
    pub flags: FlagSet,
    /// INTERNALDATE (RFC 3501 §2.3.3), when the store knows it without looking at the
    /// message; `None` until then: ask [`message_date`] (a Maildir file's date is its mtime,
    /// one `stat` that a SELECT need not make).
    pub internal_date: Option<DateTime>,
    /// RFC822.SIZE: octets in CRLF form (§2.3.4), when the store knows it without reading
    /// the message; `None` until then: ask [`message_size`] (a Maildir file without a size
    /// in its name must be read to count its line ends, and a SELECT needs no sizes).
    pub size: Option<u64>,
}

/// The state of one mailbox at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// UIDVALIDITY (§2.3.1.1).
    pub uid_validity: u32,
    /// The UID the next message will get; never decreases.
    pub uid_next: Uid,
    /// The messages, in ascending UID order; shared, so a store can hand out the same list
    /// again while nothing changed and a view can tell ([`MessageList::ptr_eq`]), and a
    /// list a few changes away shares the rest with the one before.
    pub messages: MessageList,
    /// UIDs whose `\Recent` this caller was just granted (only when it asked to claim);
    /// each message is granted to at most one session (design invariant 4).
    pub claimed_recent: Vec<Uid>,
    /// Messages no session has claimed yet (STATUS RECENT).
    pub unclaimed_recent: u32,
    /// Keywords defined in this mailbox (for the FLAGS response), sorted.
    pub keywords: Vec<String>,
}

/// What STATUS reports of a mailbox (RFC 3501 §6.3.10; SIZE: RFC 8438).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// UIDVALIDITY.
    pub uid_validity: u32,
    /// UIDNEXT.
    pub uid_next: Uid,
    /// MESSAGES.
    pub messages: u64,
    /// UNSEEN: messages without `\Seen`.
    pub unseen: u64,
    /// RECENT: messages no session has claimed yet.
    pub recent: u64,
    /// SIZE: the sum of RFC822.SIZE, when asked for.
    pub size: Option<u64>,
}

impl Counts {
    /// The counts of a snapshot, without SIZE (see [`total_size`]).
    pub fn of(snap: &Snapshot) -> Counts {
        Counts {
            uid_validity: snap.uid_validity,
            uid_next: snap.uid_next,
            messages: snap.messages.len() as u64,
            unseen: snap.messages.iter().filter(|m| !m.flags.seen()).count() as u64,
            recent: u64::from(snap.unclaimed_recent),
            size: None,
        }
    }
}

/// RFC822.SIZE of a message of `mailbox`: from its metadata, or from the store.
pub fn message_size<S: Store + ?Sized>(
    store: &mut S,
    mailbox: &str,
    meta: &MessageMeta,
) -> Result<u64, StoreError> {
    match meta.size {
        Some(s) => Ok(s),
        None => store.size(mailbox, meta.uid),
    }
}

/// INTERNALDATE of a message of `mailbox`: from its metadata, or from the store.
pub fn message_date<S: Store + ?Sized>(
    store: &mut S,
    mailbox: &str,
    meta: &MessageMeta,
) -> Result<DateTime, StoreError> {
    match meta.internal_date {
        Some(d) => Ok(d),
        None => store.internal_date(mailbox, meta.uid),
    }
}

/// The sum of RFC822.SIZE over a snapshot (STATUS SIZE, RFC 8438); messages expunged since
/// the snapshot count nothing.
pub fn total_size<S: Store + ?Sized>(
    store: &mut S,
    mailbox: &str,
    snap: &Snapshot,
) -> Result<u64, StoreError> {
    let mut total = 0;
    for m in snap.messages.iter() {
        match message_size(store, mailbox, m) {
            Ok(s) => total += s,
            Err(StoreError::Expunged) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}

/// One entry of the mailbox list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxEntry {
    /// Full IMAP name (UTF-8), e.g. `INBOX.Sent`.
    pub name: String,
    /// False for a name that exists only as a parent of others (`\Noselect`).
    pub selectable: bool,
    /// RFC 6154 special-use attribute such as `\Sent`, if any.
    pub special_use: Option<String>,
}

/// A message to add (APPEND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The octets as the client sent them.
    pub data: Vec<u8>,
    /// Initial flags.
    pub flags: FlagSet,
    /// INTERNALDATE; `None` means now.
    pub internal_date: Option<DateTime>,
}

/// How flags change (STORE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagChange {
    /// Replace the set.
    Replace(FlagSet),
    /// Add these.
    Add(FlagSet),
    /// Remove these.
    Remove(FlagSet),
}

impl FlagChange {
    /// Applies the change to a set.
    pub fn apply(&self, to: &FlagSet) -> FlagSet {
        match self {
            FlagChange::Replace(s) => s.clone(),
            FlagChange::Add(s) => {
                let mut out = to.clone();
                for f in s.to_flags(false) {
                    out.insert(&f);
                }
                out
            }
            FlagChange::Remove(s) => {
                let mut out = to.clone();
                for f in s.to_flags(false) {
                    out.remove(&f);
                }
                out
            }
        }
    }
}

/// The result of COPY: the destination's UIDVALIDITY and (source, destination) UID pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// UIDVALIDITY of the destination mailbox.
    pub uid_validity: u32,
    /// Source UID → new UID, in source order; messages gone meanwhile are absent.
    pub pairs: Vec<(Uid, Uid)>,
}

/// One resource of a quota root (RFC 9208 §5; RFC 2087 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaResource {
    /// `STORAGE` (units of 1024 octets, RFC 9208 §5.1) or `MESSAGE` (§5.2).
    pub name: &'static str,
    /// Current usage.
    pub usage: u64,
    /// The limit.
    pub limit: u64,
}

/// Why a store operation failed; each maps to a NO with a response code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The mailbox does not exist (`NONEXISTENT`, or `TRYCREATE` for COPY/APPEND).
    #[error("mailbox does not exist")]
    NoSuchMailbox,
    /// The mailbox already exists (`ALREADYEXISTS`).
    #[error("mailbox already exists")]
    AlreadyExists,
    /// The name is not acceptable (`CANNOT`), with the reason.
    #[error("invalid mailbox name: {0}")]
    InvalidName(String),
    /// The operation is not allowed on this mailbox (e.g. deleting INBOX) (`CANNOT`).
    #[error("{0}")]
    Cannot(String),
    /// A quota would be exceeded (`OVERQUOTA`).
    #[error("quota exceeded")]
    OverQuota,
    /// The message is gone (`EXPUNGEISSUED`).
    #[error("message has been expunged")]
    Expunged,
    /// Permission denied (`NOPERM`).
    #[error("permission denied")]
    NoPermission,
    /// An I/O or corruption problem (`SERVERBUG`/`UNAVAILABLE`), with the reason for the log.
    #[error("storage failure: {0}")]
    Io(String),
}

/// Storage for one user's mailboxes. The in-memory store and the Maildir store implement it;
/// the core never reaches the disk any other way.
pub trait Store {
    /// Every mailbox, including `\Noselect` parents.
    fn list(&mut self) -> Result<Vec<MailboxEntry>, StoreError>;
    /// Creates a mailbox (and missing parents, RFC 3501 §6.3.3).
    fn create(&mut self, name: &str) -> Result<(), StoreError>;
    /// Deletes a mailbox (RFC 3501 §6.3.4 rules are the store's to enforce for children).
    fn delete(&mut self, name: &str) -> Result<(), StoreError>;
    /// Renames a mailbox and its children; renaming INBOX moves its messages (§6.3.5).
    fn rename(&mut self, from: &str, to: &str) -> Result<(), StoreError>;
    /// Subscribed names (which need not exist).
    fn subscriptions(&mut self) -> Result<Vec<String>, StoreError>;
    /// Adds or removes a subscription.
    fn set_subscribed(&mut self, name: &str, subscribed: bool) -> Result<(), StoreError>;
    /// The mailbox now; with `claim_recent`, newly arrived messages become this caller's
    /// `\Recent` ones.
    fn snapshot(&mut self, mailbox: &str, claim_recent: bool) -> Result<Snapshot, StoreError>;
    /// The STATUS counts of a mailbox, without claiming `\Recent`; `with_size` asks for
    /// SIZE. A store may answer without the per-message sizes and dates a snapshot needs.
    fn counts(&mut self, mailbox: &str, with_size: bool) -> Result<Counts, StoreError> {
        let snap = self.snapshot(mailbox, false)?;
        let mut c = Counts::of(&snap);
        if with_size {
            c.size = Some(total_size(self, mailbox, &snap)?);
        }
        Ok(c)
    }
    /// Changes flags of the given messages; returns the resulting flags of those that still
    /// exist (in UID order).
    fn change_flags(
        &mut self,
        mailbox: &str,
        uids: &[Uid],
        change: &FlagChange,
    ) -> Result<Vec<(Uid, FlagSet)>, StoreError>;
    /// Adds a message; returns (UIDVALIDITY, UID).
    fn append(&mut self, mailbox: &str, message: NewMessage) -> Result<(u32, Uid), StoreError>;
    /// Copies messages to another mailbox, keeping flags and INTERNALDATE.
    fn copy(&mut self, from: &str, uids: &[Uid], to: &str) -> Result<Copied, StoreError>;
    /// Removes the messages that have `\Deleted` set at this moment (EXPUNGE, CLOSE),
    /// restricted to `within` when given (UID EXPUNGE); returns the UIDs removed.
    fn expunge_deleted(
        &mut self,
        mailbox: &str,
        within: Option<&[Uid]>,
    ) -> Result<Vec<Uid>, StoreError>;
    /// Removes the given messages whatever their flags (MOVE); returns the UIDs removed.
    fn remove(&mut self, mailbox: &str, uids: &[Uid]) -> Result<Vec<Uid>, StoreError>;
    /// RFC822.SIZE of a message whose snapshot entry has none (octets in CRLF form,
    /// RFC 3501 §2.3.4). The default counts the line ends of [`Store::content`].
    fn size(&mut self, mailbox: &str, uid: Uid) -> Result<u64, StoreError> {
        Ok(crate::core::memory::crlf_size(&self.content(mailbox, uid)?))
    }
    /// INTERNALDATE of a message whose snapshot entry has none (RFC 3501 §2.3.3);
    /// [`StoreError::Expunged`] if it is gone.
    fn internal_date(&mut self, mailbox: &str, uid: Uid) -> Result<DateTime, StoreError>;
    /// The message's octets as stored.
    fn content(&mut self, mailbox: &str, uid: Uid) -> Result<Vec<u8>, StoreError>;
    /// A hint: [`Store::content`] of `uids` of `mailbox` (UIDs ascending), or of those of
    /// them `reads` says, follows in this order, so a store may read them ahead until
    /// [`Store::end_read_ahead`]. It never changes what `content` answers (asked in another
    /// order, `content` reads as it would without it). The default ignores it.
    fn read_ahead(&mut self, mailbox: &str, uids: &[Uid], reads: Reads) {
        let _ = (mailbox, uids, reads);
    }
    /// Ends what [`Store::read_ahead`] started (at the end of the command).
    fn end_read_ahead(&mut self) {}
    /// The message's octets up to and including the blank line that ends its top-level
    /// header ([`crate::message::mime::header_end`]); all of them if it has none. Enough for
    /// everything that looks only at the header (ENVELOPE, `BODY[HEADER…]`, SEARCH
    /// SUBJECT/FROM/HEADER/SENT…), without reading attachments. The default returns
    /// [`Store::content`] whole, which answers the same.
    fn header(&mut self, mailbox: &str, uid: Uid) -> Result<Vec<u8>, StoreError> {
        self.content(mailbox, uid)
    }
    /// The quota roots a mailbox is under (GETQUOTAROOT, RFC 9208 §4.3); empty when no
    /// quota applies. Stores without quotas keep this default.
    fn quota_roots(&mut self, mailbox: &str) -> Result<Vec<String>, StoreError> {
        let _ = mailbox;
        Ok(Vec::new())
    }
    /// Usage and limits of a quota root (GETQUOTA, RFC 9208 §4.2); `None` if there is no
    /// such root. Stores without quotas keep this default.
    fn quota(&mut self, root: &str) -> Result<Option<Vec<QuotaResource>>, StoreError> {
        let _ = root;
        Ok(None)
    }
    /// The message's parsed metadata from the store's cache, if it keeps one and the entry
    /// still matches the message: what the defaults of [`Store::cached_texts`] and
    /// [`Store::cached_sort_keys`] take their parts from (a store that decodes parts alone
    /// overrides those). An optimisation only: on a miss the core parses
    /// [`Store::content`] and offers the result back with [`Store::keep_summary`].
    fn cached_summary(&mut self, _mailbox: &str, _uid: Uid) -> Option<Arc<Summary>> {
        None
    }
    /// Only the texts `want` of [`Store::cached_summary`] (what a FETCH of ENVELOPE, BODY or
    /// BODYSTRUCTURE sends; a store may decode them alone); the default takes them from the
    /// whole summary.
    fn cached_texts(&mut self, mailbox: &str, uid: Uid, want: &[EncodedItem]) -> Option<Texts> {
        self.cached_summary(mailbox, uid)
            .map(|s| Texts::of(&s, want))
    }
    /// Only the SORT/THREAD keys of [`Store::cached_summary`], at least the strings `want`
    /// names (a store may decode those alone and leave the others empty); the default takes
    /// them all from the whole summary.
    fn cached_sort_keys(&mut self, mailbox: &str, uid: Uid, want: KeyFields) -> Option<SortKeys> {
        let _ = want;
        self.cached_summary(mailbox, uid).map(|s| s.keys.clone())
    }
    /// Offers freshly parsed metadata, and the message's header block it was parsed from
    /// (for [`Store::header`]), for the cache; a store without one ignores them.
    fn keep_summary(&mut self, _mailbox: &str, _uid: Uid, _summary: Arc<Summary>, _header: &[u8]) {}
    /// The answer to `BODY[HEADER.FIELDS (…)]` of the message kept by the store's cache for
    /// the names whose [`crate::message::section::fields_key`] is `key`, if it keeps one.
    /// An optimisation only: on a miss the core answers from [`Store::header`] and offers
    /// the answer back with [`Store::keep_header_fields`].
    fn cached_header_fields(&mut self, _mailbox: &str, _uid: Uid, _key: &[u8]) -> Option<Vec<u8>> {
        None
    }
    /// Offers the answer to `BODY[HEADER.FIELDS (…)]` for the names of `key` for the cache;
    /// a store without one ignores it.
    fn keep_header_fields(&mut self, _mailbox: &str, _uid: Uid, _key: &[u8], _answer: &[u8]) {}
}
