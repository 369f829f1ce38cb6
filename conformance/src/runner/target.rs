//! The server under test and, for stdio targets, the per-scenario Maildir.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How the transport is secured on a network target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// Plain TCP.
    None,
    /// STARTTLS (RFC 3501 §6.2.1) via `openssl s_client -starttls imap`.
    StartTls,
    /// Implicit TLS (RFC 8314) via `openssl s_client`.
    Implicit,
}

/// LOGIN credentials (RFC 3501 §6.2.3).
#[derive(Clone, Debug)]
pub struct Login {
    /// User name.
    pub user: String,
    /// Password.
    pub pass: String,
}

/// How connections are made.
#[derive(Clone, Debug)]
pub enum Transport {
    /// `--stdio COMMAND`: one process per connection, `{maildir}` replaced by the path of a
    /// fresh Maildir, run by `sh -c` with that Maildir as working directory.
    Stdio {
        /// The command line as given.
        command: String,
    },
    /// `--connect HOST:PORT`: a network server with a dedicated test account.
    Net {
        /// HOST:PORT.
        addr: String,
        /// Transport security.
        tls: Tls,
    },
}

/// The server under test.
#[derive(Clone, Debug)]
pub struct Target {
    /// How to connect.
    pub transport: Transport,
    /// Credentials for servers that do not greet with PREAUTH.
    pub login: Option<Login>,
    /// `--deliver-cmd`: how to deliver out of band on a network target.
    pub deliver_cmd: Option<String>,
}

impl Target {
    /// Whether `deliver` steps can run against this target.
    pub fn can_deliver(&self) -> bool {
        matches!(self.transport, Transport::Stdio { .. }) || self.deliver_cmd.is_some()
    }

    /// Whether scenarios get a fresh private Maildir (stdio) or share one account (network).
    pub fn is_stdio(&self) -> bool {
        matches!(self.transport, Transport::Stdio { .. })
    }

    /// The stdio command with `{maildir}` substituted (shell-quoted), and a relative path in
    /// the first word made absolute, since the command runs inside the Maildir.
    pub fn stdio_command(command: &str, maildir: &Path) -> String {
        let command = absolutize_first_word(command);
        command.replace("{maildir}", &shell_quote(&maildir.to_string_lossy()))
    }
}

fn absolutize_first_word(command: &str) -> String {
    let trimmed = command.trim_start();
    let (first, rest) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
    if first.contains('/') && !first.starts_with('/') && Path::new(first).exists() {
        if let Ok(abs) = std::fs::canonicalize(first) {
            return format!("{} {rest}", shell_quote(&abs.to_string_lossy()));
        }
    }
    command.to_string()
}

/// Quotes a string for `sh`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(tag: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}.M{}P{}Q{}.{tag}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh Maildir (`cur/ new/ tmp/`) in a private temporary directory, removed on drop.
pub struct TempMaildir {
    root: PathBuf,
    maildir: PathBuf,
    keep: bool,
}

impl TempMaildir {
    /// Creates `BASE/imap-conformance.UNIQUE/Maildir/{cur,new,tmp}`.
    pub fn create(base: &Path, keep: bool) -> std::io::Result<TempMaildir> {
        let root = base.join(format!("imap-conformance.{}", unique("d")));
        std::fs::create_dir(&root)?;
        let maildir = root.join("Maildir");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub))?;
        }
        Ok(TempMaildir {
            root,
            maildir,
            keep,
        })
    }

    /// The Maildir's absolute path.
    pub fn path(&self) -> &Path {
        &self.maildir
    }
}

impl Drop for TempMaildir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// Delivers like an MTA (maildir.txt "How a message is delivered"): write `tmp/NAME`, then
/// rename it to `new/NAME`. `folder` is `INBOX` or a Maildir++ folder such as `.Work`.
pub fn deliver(maildir: &Path, folder: &str, message: &[u8]) -> std::io::Result<PathBuf> {
    let dir = if folder == "INBOX" {
        maildir.to_path_buf()
    } else {
        maildir.join(folder)
    };
    let name = unique("conformance");
    let tmp = dir.join("tmp").join(&name);
    let new = dir.join("new").join(&name);
    std::fs::write(&tmp, message)?;
    std::fs::rename(&tmp, &new)?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maildir_and_delivery() {
        let base = std::env::temp_dir();
        let md = TempMaildir::create(&base, false).unwrap();
        let p = deliver(md.path(), "INBOX", b"Subject: x\n\nhi\n").unwrap();
        assert!(p.starts_with(md.path().join("new")));
        assert_eq!(std::fs::read(&p).unwrap(), b"Subject: x\n\nhi\n");
        let root = md.root.clone();
        drop(md);
        assert!(!root.exists());
    }

    #[test]
    fn command_substitution() {
        let c = Target::stdio_command("imapd {maildir}", Path::new("/tmp/a b/Maildir"));
        assert_eq!(c, "imapd '/tmp/a b/Maildir'");
    }
}
