//! Maildir++ storage, Courier-IMAP compatible: [`MaildirStore`] implements
//! [`crate::core::store::Store`] over a Maildir so that Courier's imapd and ours can share it.
//!
//! One concern per file: [`names`] (IMAP name ↔ folder directory, the security boundary),
//! [`flags`] (the `:2,` info suffix), [`uiddb`] (`courierimapuiddb`), [`keywords`]
//! (`courierimapkeywords/`), [`lock`] (dot-lock `tmp/courier.lock`), [`folder`] (scanning,
//! claiming `\Recent`, UID assignment, tmp/ cleanup), [`files`] (its message files by base
//! name), [`deliver`] (unique names, tmp → cur),
//! [`quota`] (Maildir++ `maildirsize`), [`atomic`] (write–fsync–rename), [`time`] (mtime ↔
//! INTERNALDATE), [`events`] (inotify: what changed in a folder since the last look), [`cache`] (the parsed-metadata cache `imapd.cache`), [`sizes`] (RFC822.SIZE
//! of files without a `,W=` hint, `imapd.sizes`), [`stamp`] (proof that a folder is
//! unchanged), [`status`] (the STATUS counts of an unchanged folder, `imapd.status`),
//! [`unlink`] (the unlinks of an EXPUNGE, several in flight), [`reading`] (message files
//! read whole, and read ahead by reader threads for commands that read many), [`maildir`] (the store).
//!
//! Open one handle per session: `MaildirStore::open(path, MaildirOptions::default())`.
//!
//! Decisions (see each file for the source of each rule):
//! * APPEND and COPY write to `cur/` as Courier does, so nobody gets `\Recent` for those
//!   messages (the memory store leaves them unclaimed instead); an MDA-style
//!   [`MaildirStore::deliver`] writes to `new/`.
//! * Messages are stored with LF line ends; names carry `,S=<bytes>` and a Dovecot-style
//!   `,W=<RFC822.SIZE>` so sizes need no read. Files without `,W=` (Courier's, an MTA's) are
//!   read once and their sizes kept in `imapd.sizes` for every later session.
//! * INTERNALDATE is the mtime, reported in UTC (`+0000`).
//! * A deleted folder is first renamed into the root's `tmp/` (no Maildir++ reader lists it),
//!   then removed; leftovers are removed at the next `open`.
//! * Keywords: we read all three Courier forms and write plain per-message files; a
//!   read-write rescan compacts `:list` as Courier's readers do (at most once a minute per
//!   handle), and deletes tmp/ files 36 h old.
//! * APPEND and COPY publish their files and assign their UIDs under one hold of the folder
//!   lock; rescans look a message up by name before believing a directory listing that
//!   misses it (a concurrent STORE rename); stale locks are broken under a breaker lock.
//!   `tests/torture.rs` found each of these.
//! * Quota: `MAILDIRQUOTA` or the definition in `maildirsize`; one root, `ROOT`.
//! * A new UIDVALIDITY is claimed with an exclusive marker `tmp/imapd-uidvalidity.<v>` in
//!   the root, so processes never hand out the same value.
//! * Names with `*` or `%` are refused (LIST wildcards), as are all names outside `INBOX.`.
//! * Without the dot-lock, threads of one process still exclude each other, and a database
//!   changed by another process between our read and our rename is detected by re-reading it
//!   just before the rename; only the dot-lock closes that last window (as with Courier).

pub mod atomic;
pub mod cache;
mod cache_index;
pub mod deliver;
pub mod events;
mod file_meta;
pub mod files;
pub mod flags;
pub mod folder;
pub mod keywords;
pub mod lock;
pub mod maildir;
pub mod names;
pub mod quota;
pub mod reading;
pub mod sizes;
pub mod stamp;
pub mod status;
pub mod time;
pub mod uiddb;
pub mod unlink;

pub use lock::LockOptions;
pub use maildir::{MaildirOptions, MaildirStore, QUOTA_ROOT};
