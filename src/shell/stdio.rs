//! `imapd [MAILDIR]`: one session on stdin/stdout, as Courier's `imapd` runs from a shell, a
//! login program, inetd or an ssh tunnel.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::core::Session;
use crate::store::{names, MaildirOptions, MaildirStore};
use crate::syntax::encode::encode_response;
use crate::syntax::types::{Response, StatusKind, StatusResponse};

use super::connection::{Connection, End, Watchable};
use super::settings::Settings;

impl Watchable for MaildirStore {
    /// A folder's `cur/` and `new/` change on delivery, flag changes (renames) and expunges;
    /// `courierimapkeywords/` on keyword changes; the folder itself when the UID database is
    /// replaced.
    fn watch_dirs(&self, mailbox: &str) -> Vec<PathBuf> {
        let Ok(dir) = names::to_dir(mailbox) else {
            return Vec::new();
        };
        let folder = self.root().join(names::rel_path(&dir));
        vec![
            folder.join("cur"),
            folder.join("new"),
            folder.join("courierimapkeywords"),
        ]
    }
}

/// Writes `* BYE reason` to stdout and the reason to stderr: the client and the admin both
/// learn why the session cannot start.
fn refuse(reason: &str) -> ExitCode {
    let mut out = Vec::new();
    encode_response(
        &Response::Status(StatusResponse {
            tag: None,
            kind: StatusKind::Bye,
            code: None,
            text: reason.into(),
        }),
        &mut out,
    );
    use std::io::Write;
    let _ = std::io::stdout().write_all(&out);
    let _ = std::io::stdout().flush();
    eprintln!("ERR: {reason}");
    ExitCode::FAILURE
}

/// Serves one PREAUTH session on stdin/stdout for the Maildir at `maildir`.
pub fn run(maildir: &Path, create: bool) -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => return refuse(&format!("Configuration error: {e}")),
    };
    // A missing Maildir is an error unless asked to create it (like Courier's maildirmake).
    if !create && !maildir.join("cur").is_dir() {
        return refuse(&format!(
            "{} is not a Maildir (no cur/ directory); use --create to make one",
            maildir.display()
        ));
    }
    let mut store = match MaildirStore::open(
        maildir,
        MaildirOptions::from_lookup(|k| std::env::var(k).ok()),
    ) {
        Ok(s) => s,
        Err(e) => return refuse(&format!("Cannot open Maildir {}: {e}", maildir.display())),
    };
    let user = std::env::var("AUTHENTICATED")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    let session = Session::preauth(settings.session.clone());
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut conn = Connection::new(stdin.lock(), stdout.lock(), &mut store, session, settings);
    let result = conn.run();
    let t = conn.traffic();
    let how = match &result {
        Ok(End::Logout) => "LOGOUT".to_string(),
        Ok(End::Disconnected) => "DISCONNECTED".to_string(),
        Ok(End::Autologout) => "TIMEOUT".to_string(),
        Err(e) => format!("ERROR ({e})"),
    };
    // Courier's log style (imapd(8)): one line per session end with the byte counts.
    eprintln!(
        "INFO: {how}, user={user}, rcvd={}, sent={}",
        t.received, t.sent
    );
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
