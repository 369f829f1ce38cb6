//! The session process: started by the login process after a successful login, already
//! running as the user. Its stdin/stdout are the client socket (cleartext) or the relay's
//! socketpair (TLS). It opens the Maildir, answers the login command's tag, and serves the
//! rest of the connection with the same [`Connection`] driver as stdio mode.

use std::process::ExitCode;
use std::time::Instant;

use crate::core::login::{login_completed, login_unavailable};
use crate::core::Session;
use crate::shell::connection::{Connection, End};
use crate::shell::settings::Settings;
use crate::store::MaildirStore;
use crate::syntax::encode::encode_response;
use crate::syntax::types::Tag;

use super::handoff::{env, unhex};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// Runs the session process.
pub fn run() -> ExitCode {
    let user = var(env::USER);
    let remote = var(env::REMOTE);
    let maildir = var(env::MAILDIR);
    let Ok(tag) = Tag::new(var(env::TAG)) else {
        eprintln!("ERR: session process started without a login tag");
        return ExitCode::FAILURE;
    };
    let command = match var(env::COMMAND).as_str() {
        "AUTHENTICATE" => "AUTHENTICATE",
        _ => "LOGIN",
    };
    let pipelined = unhex(&var(env::PIPELINED)).unwrap_or_default();
    let refuse = |why: String| {
        use std::io::Write;
        let mut out = Vec::new();
        encode_response(&login_unavailable(tag.clone()), &mut out);
        let _ = std::io::stdout().write_all(&out);
        let _ = std::io::stdout().flush();
        eprintln!("ERR: session of {user}, ip=[{remote}]: {why}");
        ExitCode::FAILURE
    };
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => return refuse(format!("configuration: {e}")),
    };
    // The Maildir is created on first login (as Dovecot does; Courier needs maildirmake).
    let mut store =
        match MaildirStore::open(&maildir, settings.store_options(|k| std::env::var(k).ok())) {
            Ok(s) => s,
            Err(e) => return refuse(format!("cannot open Maildir {maildir}: {e}")),
        };
    let session = Session::preauth(settings.session.clone());
    let first = [login_completed(tag.clone(), &settings.session, command)];
    let started = Instant::now();
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut conn = Connection::new(stdin.lock(), stdout.lock(), &mut store, session, settings);
    let result = conn.run_after(&first, &pipelined);
    let t = conn.traffic();
    let how = match &result {
        Ok(End::Logout) => "LOGOUT".to_string(),
        Ok(End::Disconnected) => "DISCONNECTED".to_string(),
        Ok(End::Autologout) => "TIMEOUT".to_string(),
        Ok(End::Signal) => "DISCONNECTED (shutdown by signal)".to_string(),
        Err(e) => format!("ERROR ({e})"),
    };
    // Courier's log line (imapd(8)).
    eprintln!(
        "INFO: {how}, user={user}, ip=[{remote}], rcvd={}, sent={}, time={}",
        t.received,
        t.sent,
        started.elapsed().as_secs()
    );
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
