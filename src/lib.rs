//! imapd: an IMAP4rev1 server for Maildir mailboxes, Courier-compatible.
//!
//! The crate is layered so that bytes flow one way through it (see `docs/architecture.md`):
//! [`syntax`] turns client bytes into typed commands and typed responses into bytes.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub mod auth;
pub mod core;
pub mod message;
pub mod shell;
pub mod store;
pub mod syntax;
