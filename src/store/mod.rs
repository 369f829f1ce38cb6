//! Maildir++ storage, Courier-IMAP compatible: [`MaildirStore`] implements
//! [`crate::core::store::Store`] over a Maildir so that Courier's imapd and ours can share it.
//!
//! One concern per file: [`names`] (IMAP name ↔ folder directory, the security boundary),
//! [`flags`] (the `:2,` info suffix), [`uiddb`] (`courierimapuiddb`), [`keywords`]
//! (`courierimapkeywords/`), [`lock`] (dot-lock `tmp/courier.lock`), [`folder`] (scanning,
//! claiming `\Recent`, UID assignment), [`deliver`] (unique names, tmp → cur), [`atomic`]
//! (write–fsync–rename), [`time`] (mtime ↔ INTERNALDATE), [`cache`] (the parsed-metadata
//! cache `imapd.cache`), [`maildir`] (the store).
//!
//! Open one handle per session: `MaildirStore::open(path, MaildirOptions::default())`.
//!
//! Decisions (see each file for the source of each rule):
//! * APPEND and COPY write to `cur/` as Courier does, so nobody gets `\Recent` for those
//!   messages (the memory store leaves them unclaimed instead); an MDA-style
//!   [`MaildirStore::deliver`] writes to `new/`.
//! * Messages are stored with LF line ends; names carry `,S=<bytes>` and a Dovecot-style
//!   `,W=<RFC822.SIZE>` so sizes need no read. Names without `,W=` are read once per handle.
//! * INTERNALDATE is the mtime, reported in UTC (`+0000`).
//! * A deleted folder is first renamed into the root's `tmp/` (no Maildir++ reader lists it),
//!   then removed; leftovers are removed at the next `open`.
//! * Keywords: we read all three Courier forms and write plain per-message files; we do not
//!   compact `:list` (Courier does when it reads the folder).
//! * Names with `*` or `%` are refused (LIST wildcards), as are all names outside `INBOX.`.
//! * Without the dot-lock, threads of one process still exclude each other, and a database
//!   changed by another process between our read and our rename is detected by re-reading it
//!   just before the rename; only the dot-lock closes that last window (as with Courier).

pub mod atomic;
pub mod cache;
pub mod deliver;
pub mod flags;
pub mod folder;
pub mod keywords;
pub mod lock;
pub mod maildir;
pub mod names;
pub mod time;
pub mod uiddb;

pub use lock::LockOptions;
pub use maildir::{MaildirOptions, MaildirStore};
