//! After a successful login: start the user's session process. It is our own binary again
//! (role `session`), with an empty environment except what it needs, and — when the front
//! end runs as root — the user's uid and gid (std's `CommandExt::uid` also drops every
//! supplementary group). Cleartext connections hand the socket itself over (`exec`, as
//! Courier's imaplogin does); TLS connections keep the TLS state in the front end, which
//! relays plaintext over a socketpair (see `relay`).

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::auth::Account;

/// Environment variables of the session process.
pub mod env {
    /// `session`.
    pub const ROLE: &str = "IMAPD_NET_ROLE";
    /// The login name.
    pub const USER: &str = "IMAPD_USER";
    /// The Maildir to serve.
    pub const MAILDIR: &str = "MAILDIR";
    /// The tag of the LOGIN/AUTHENTICATE command to answer.
    pub const TAG: &str = "IMAPD_LOGIN_TAG";
    /// `LOGIN` or `AUTHENTICATE`, for the tagged OK's text.
    pub const COMMAND: &str = "IMAPD_LOGIN_COMMAND";
    /// Input the client pipelined behind its login command, hex-encoded.
    pub const PIPELINED: &str = "IMAPD_PIPELINED";
    /// The client's address, for the log.
    pub const REMOTE: &str = "IMAPD_REMOTE";
}

/// The most pipelined input handed over through the environment (Linux allows 128 KiB per
/// variable; hex doubles the size).
pub const MAX_PIPELINED: usize = 32 * 1024;

/// Why the session cannot be started for this account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    /// The account needs another uid/gid and the server is not root.
    #[error("account {user} needs uid {uid:?}/gid {gid:?} but the server does not run as root")]
    NeedsRoot {
        /// The user.
        user: String,
        /// The wanted uid.
        uid: Option<u32>,
        /// The wanted gid.
        gid: Option<u32>,
    },
    /// Too much pipelined input to hand over.
    #[error("{0} octets pipelined behind the login command (limit {MAX_PIPELINED})")]
    TooMuchPipelined(usize),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes [`env::PIPELINED`].
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What the session process is told.
#[derive(Debug, Clone)]
pub struct Handoff<'a> {
    /// The account.
    pub account: &'a Account,
    /// The login command's tag.
    pub tag: &'a str,
    /// `LOGIN` or `AUTHENTICATE`.
    pub command: &'a str,
    /// Input pipelined behind the login command.
    pub pipelined: &'a [u8],
    /// The client's address.
    pub remote: &'a str,
    /// `IMAP_*` settings for the session.
    pub settings: &'a [(String, String)],
}

/// Builds the session process's command: our binary, role `session`, the user's ids.
pub fn command(exe: &Path, h: &Handoff<'_>) -> Result<Command, HandoffError> {
    if h.pipelined.len() > MAX_PIPELINED {
        return Err(HandoffError::TooMuchPipelined(h.pipelined.len()));
    }
    let a = h.account;
    let mut c = Command::new(exe);
    c.arg("serve").env_clear();
    c.env(env::ROLE, "session")
        .env(env::USER, &a.user)
        .env(env::MAILDIR, &a.maildir)
        .env(env::TAG, h.tag)
        .env(env::COMMAND, h.command)
        .env(env::PIPELINED, hex(h.pipelined))
        .env(env::REMOTE, h.remote)
        .env("USER", &a.user)
        .env("AUTHENTICATED", &a.user)
        .env("PATH", "/usr/bin:/bin");
    for (k, v) in h.settings {
        c.env(k, v);
    }
    if let Some(home) = &a.home {
        c.env("HOME", home);
        if home.is_dir() {
            c.current_dir(home);
        }
    } else {
        c.current_dir("/");
    }
    let root = rustix::process::geteuid().is_root();
    let own_uid = rustix::process::getuid().as_raw();
    let own_gid = rustix::process::getgid().as_raw();
    if root {
        // std clears supplementary groups (setgroups(0)) before setgid/setuid.
        if let Some(gid) = a.gid {
            c.gid(gid);
        }
        if let Some(uid) = a.uid {
            c.uid(uid);
        }
    } else if a.uid.is_some_and(|u| u != own_uid) || a.gid.is_some_and(|g| g != own_gid) {
        return Err(HandoffError::NeedsRoot {
            user: a.user.clone(),
            uid: a.uid,
            gid: a.gid,
        });
    }
    Ok(c)
}

/// `IMAP_*` variables of this process's environment, then `extra` (which wins).
pub fn session_settings(extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v): (OsString, OsString)| {
            Some((k.into_string().ok()?, v.into_string().ok()?))
        })
        .filter(|(k, _)| k.starts_with("IMAP_"))
        .collect();
    out.extend(extra.iter().cloned());
    out
}

/// Replaces this process with the session on the same socket (cleartext connections).
/// Returns only on failure.
pub fn exec(mut c: Command) -> std::io::Error {
    c.exec()
}

/// Our own binary.
pub fn current_exe() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/proc/self/exe"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let b = b"a SELECT INBOX\r\n\x00\xff";
        assert_eq!(unhex(&hex(b)).unwrap(), b);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn other_ids_need_root() {
        if rustix::process::geteuid().is_root() {
            return;
        }
        let a = Account {
            user: "u".into(),
            uid: Some(rustix::process::getuid().as_raw() + 1),
            gid: None,
            home: None,
            maildir: "/x".into(),
        };
        let h = Handoff {
            account: &a,
            tag: "a",
            command: "LOGIN",
            pipelined: b"",
            remote: "",
            settings: &[],
        };
        assert!(matches!(
            command(Path::new("/bin/true"), &h),
            Err(HandoffError::NeedsRoot { .. })
        ));
    }
}
