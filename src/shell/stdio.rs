//! `imapd [--config FILE] [MAILDIR]`: one session on stdin/stdout, as Courier's `imapd` runs
//! from a shell, a login program (`IMAPLOGINTAG`, see [`super::login`]), inetd or an ssh
//! tunnel.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use crate::core::Session;
use crate::store::{names, MaildirStore};
use crate::syntax::encode::encode_response;
use crate::syntax::types::{Response, StatusKind, StatusResponse};

use super::connection::{Connection, End, Watchable};
use super::log::{self, EndKind};
use super::login::LoginEnv;
use super::settings::Settings;
use super::signals::Signals;
use super::{limits, trash};

impl Watchable for MaildirStore {
    /// A folder's `cur/` and `new/` change on delivery, flag changes (renames) and expunges;
    /// `courierimapkeywords/` on keyword changes; the folder itself when the UID database is
    /// replaced.
    fn watch_dirs(&self, mailbox: &str) -> Vec<PathBuf> {
        let Ok(dir) = names::to_dir(mailbox) else {
            return Vec::new();
        };
        let folder = self.root().join(names::rel_path(&dir));
        // The folder directory too: the last step of another session's APPEND or EXPUNGE
        // may be its write of `courierimapuiddb` (in place, or renamed over), which raises no
        // event in cur/ or new/; an idler that looked at the file's event before the
        // database had the message would otherwise wait for the next event (found by the
        // conformance corpus: 1 run in 8 of rfc2177-idle lost a push).
        vec![
            folder.join("cur"),
            folder.join("new"),
            folder.join("courierimapkeywords"),
            folder,
        ]
    }
}

/// How to start a stdio session.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The Maildir.
    pub maildir: PathBuf,
    /// Create it (cur/ new/ tmp/) if missing.
    pub create: bool,
    /// A Courier-format configuration file (`--config`).
    pub config: Option<PathBuf>,
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

/// Serves one PREAUTH session on stdin/stdout for the Maildir at `maildir` (environment
/// settings only).
pub fn run(maildir: &Path, create: bool) -> ExitCode {
    run_with(&Options {
        maildir: maildir.to_owned(),
        create,
        config: None,
    })
}

/// Courier's account lock: a home directory with the sticky bit means "temporarily
/// unavailable" (imapd.c checks the directory it was started in). Only applied when a login
/// program started imapd: from a shell the working directory is often a sticky `/tmp`.
fn account_locked(login: &LoginEnv) -> bool {
    login.login_tag.is_some()
        && std::fs::metadata(".")
            .is_ok_and(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o1000 != 0)
}

/// Courier's IMAP_MAILBOX_SANITY_CHECK: the Maildir must belong to the effective uid and gid.
fn owned_by_us(maildir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(maildir).is_ok_and(|m| {
        m.uid() == rustix::process::geteuid().as_raw()
            && m.gid() == rustix::process::getegid().as_raw()
    })
}

/// Serves one session on stdin/stdout.
pub fn run_with(opts: &Options) -> ExitCode {
    let started = Instant::now();
    let env = |k: &str| std::env::var(k).ok();
    let settings = match Settings::load(opts.config.as_deref(), &env) {
        Ok(s) => s,
        Err(e) => return refuse(&format!("Configuration error: {e}")),
    };
    let login = match LoginEnv::from_env() {
        Ok(l) => l,
        Err(e) => return refuse(&e.0),
    };
    if let Err(e) = limits::apply(&settings) {
        return refuse(&format!("Configuration error: {e}"));
    }
    if account_locked(&login) {
        eprintln!(
            "INFO: LOCKED, user={}, ip=[{}], port=[{}]",
            login.user, login.remote_ip, login.remote_port
        );
        return refuse("Your account is temporarily unavailable (+t bit set on home directory).");
    }
    let maildir = &opts.maildir;
    // A missing Maildir is an error unless asked to create it (like Courier's maildirmake).
    if !opts.create && !maildir.join("cur").is_dir() {
        return refuse(&format!(
            "{} is not a Maildir (no cur/ directory); use --create to make one",
            maildir.display()
        ));
    }
    let options = settings.store_options(|k| std::env::var(k).ok());
    let mut store = match MaildirStore::open(maildir, options) {
        Ok(s) => s,
        Err(e) => return refuse(&format!("Cannot open Maildir {}: {e}", maildir.display())),
    };
    if settings.mailbox_sanity_check && !owned_by_us(maildir) {
        // Courier's text (imapd.c); IMAP_MAILBOX_SANITY_CHECK=0 switches the check off.
        return refuse("Account's mailbox directory is not owned by the correct uid or gid");
    }
    if let Some(r) = login.refusal() {
        return refuse(&r.0);
    }
    trash::empty(maildir, &settings.empty_trash, SystemTime::now());
    let session = Session::preauth(settings.session.clone());
    let first = login.login_ok(session.config().capabilities(session.state()));
    eprintln!("{}", log::login_line(&login));
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut conn = Connection::new(
        stdin.lock(),
        stdout.lock(),
        &mut store,
        session,
        settings.clone(),
    );
    if let Some(first) = first {
        conn = conn.with_greeting(first);
    }
    match Signals::install() {
        Ok(s) => conn = conn.with_signals(s),
        Err(e) => {
            eprintln!("WARN: cannot catch SIGTERM/SIGHUP ({e}); they end the session without BYE")
        }
    }
    let result = conn.run();
    let counters = conn.counters();
    drop(conn);
    store.close_for_exit();
    trash::empty(maildir, &settings.empty_trash, SystemTime::now());
    let kind = match &result {
        Ok(End::Logout) => EndKind::Logout,
        Ok(End::Disconnected) => EndKind::Disconnected,
        Ok(End::Autologout) => EndKind::Timeout,
        Ok(End::Signal) => EndKind::Signal,
        Err(e) => {
            eprintln!("ERR: {e}, user={}", login.user);
            EndKind::Disconnected
        }
    };
    eprintln!(
        "{}",
        log::end_line(&login, kind, &counters, started.elapsed().as_secs())
    );
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
