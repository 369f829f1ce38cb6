//! Maildir++ storage, Courier-IMAP compatible: [`MaildirStore`] implements
//! [`crate::core::store::Store`] over a Maildir so that Courier's imapd and ours can share it.
//!
//! One concern per file: [`names`] (IMAP name ↔ folder directory, the security boundary),
//! [`flags`] (the `:2,` info suffix), [`uiddb`] (`courierimapuiddb`), [`keywords`]
//! (`courierimapkeywords/`), [`lock`] (dot-lock `tmp/courier.lock`), [`folder`] (scanning,
//! claiming `\Recent`, UID assignment), [`deliver`] (unique names, tmp → cur), [`atomic`]
//! (write–fsync–rename), [`time`] (mtime ↔ INTERNALDATE), [`maildir`] (the store).

pub mod atomic;
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
