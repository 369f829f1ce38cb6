//! User databases and password checking for the network front end: Dovecot's passwd-file
//! format ([`passwd_file`]), password schemes ([`scheme`]), djb's checkpassword interface
//! ([`checkpassword`]) and the `imapd passwd` hash generator ([`cli`]).
//!
//! Everything here runs in the pre-authentication process (see `docs/architecture.md`,
//! "Network front end"); no session process running as a mail user ever reads the database.

pub mod checkpassword;
pub mod cli;
pub mod passwd_file;
pub mod scheme;

use std::path::PathBuf;

/// A user the database vouched for: who the session runs as and where its Maildir is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The login name.
    pub user: String,
    /// The uid the session runs as; `None` = the server's own.
    pub uid: Option<u32>,
    /// The gid the session runs as; `None` = the server's own.
    pub gid: Option<u32>,
    /// The home directory, if the database names one.
    pub home: Option<PathBuf>,
    /// The Maildir to serve.
    pub maildir: PathBuf,
}

/// The outcome of checking a user name and password against a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The password is right.
    Accepted(Account),
    /// Unknown user or wrong password (never told apart to the client).
    Rejected,
    /// The database could not be consulted (unreadable file, bad entry, program failed);
    /// the text is for the log only.
    Unavailable(String),
}
