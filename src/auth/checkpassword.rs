//! djb's checkpassword interface (<https://cr.yp.to/checkpwd/interface.html>): the program
//! reads `user\0password\0timestamp\0` from descriptor 3; exit 0 means accepted, and it then
//! runs the program named after its own arguments with the user's uid, gid and `$HOME`.
//! imapd names itself there (role `checkpassword-reply`), which writes what it was given —
//! uid, gid, `HOME`, and `MAILDIR` if the program set one — to its standard output, where the
//! front end reads it (the same trick as Dovecot's `checkpassword-reply`). Exit 1 means
//! rejected; anything else (111 by convention) means the database is unavailable.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::io::{fcntl_dupfd_cloexec, fcntl_setfd, FdFlags};

use super::{Account, Lookup};

/// The environment variable that makes the imapd binary act as the reply program.
pub const REPLY_ROLE: &str = "checkpassword-reply";

/// How long the program may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Puts the read end of a fresh pipe on descriptor 3 (inheritable), returning it and the
/// write end. Fails if descriptor 3 is held by something else.
fn pipe_on_fd3() -> Result<(OwnedFd, OwnedFd), String> {
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| format!("pipe: {e}"))?;
    let w = if w.as_raw_fd() == 3 {
        fcntl_dupfd_cloexec(&w, 4).map_err(|e| format!("dup: {e}"))?
    } else {
        w
    };
    let r = if r.as_raw_fd() == 3 {
        r
    } else {
        let r3 = fcntl_dupfd_cloexec(&r, 3).map_err(|e| format!("dup: {e}"))?;
        if r3.as_raw_fd() != 3 {
            return Err("descriptor 3 is in use; cannot run checkpassword".into());
        }
        r3
    };
    fcntl_setfd(&r, FdFlags::empty()).map_err(|e| format!("fcntl: {e}"))?;
    Ok((r, w))
}

/// Parses the reply program's output: `uid=N`, `gid=N`, `home=PATH`, `maildir=PATH` lines.
fn parse_reply(user: &str, out: &str) -> Lookup {
    let mut account = Account {
        user: user.to_string(),
        uid: None,
        gid: None,
        home: None,
        maildir: PathBuf::new(),
    };
    let mut maildir = None;
    for line in out.lines() {
        match line.split_once('=') {
            Some(("uid", v)) => account.uid = v.parse().ok(),
            Some(("gid", v)) => account.gid = v.parse().ok(),
            Some(("home", v)) if !v.is_empty() => account.home = Some(PathBuf::from(v)),
            Some(("maildir", v)) if !v.is_empty() => maildir = Some(PathBuf::from(v)),
            _ => {}
        }
    }
    account.maildir = match (maildir, &account.home) {
        (Some(m), _) => m,
        (None, Some(h)) => h.join("Maildir"),
        (None, None) => {
            return Lookup::Unavailable("checkpassword gave neither HOME nor MAILDIR".into())
        }
    };
    Lookup::Accepted(account)
}

/// Runs `program` for `user`/`password`; `reply` is the imapd binary.
pub fn check(program: &Path, reply: &Path, user: &str, password: &[u8]) -> Lookup {
    let (r3, w) = match pipe_on_fd3() {
        Ok(p) => p,
        Err(e) => return Lookup::Unavailable(e),
    };
    let mut data = Vec::with_capacity(user.len() + password.len() + 16);
    data.extend_from_slice(user.as_bytes());
    data.push(0);
    data.extend_from_slice(password);
    data.push(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    data.extend_from_slice(now.to_string().as_bytes());
    data.push(0);
    // Fits in the pipe buffer (the parser bounds a LOGIN line far below 64 KiB).
    let mut w = std::fs::File::from(w);
    if let Err(e) = w.write_all(&data) {
        return Lookup::Unavailable(format!("checkpassword pipe: {e}"));
    }
    drop(w);
    let spawned = Command::new(program)
        .arg(reply)
        .arg("serve")
        .env("IMAPD_NET_ROLE", REPLY_ROLE)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    drop(r3);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return Lookup::Unavailable(format!("cannot run {}: {e}", program.display())),
    };
    // Read on a thread so that a hung program cannot outlive the timeout below.
    let reader = child.stdout.take().map(|so| {
        std::thread::spawn(move || {
            let mut out = String::new();
            // Bounded: the reply program writes four short lines.
            let _ = so.take(64 * 1024).read_to_string(&mut out);
            out
        })
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() < TIMEOUT => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Lookup::Unavailable(format!("{} timed out", program.display()));
            }
        }
    };
    let out = reader.and_then(|h| h.join().ok()).unwrap_or_default();
    match status.code() {
        Some(0) => parse_reply(user, &out),
        Some(1) => Lookup::Rejected,
        other => Lookup::Unavailable(format!(
            "{} exited with {other:?} (temporary failure)",
            program.display()
        )),
    }
}

/// The reply program's body: report the identity checkpassword gave us.
pub fn reply_main() -> std::process::ExitCode {
    let uid = rustix::process::getuid().as_raw();
    let gid = rustix::process::getgid().as_raw();
    let home = std::env::var("HOME").unwrap_or_default();
    let maildir = std::env::var("MAILDIR").unwrap_or_default();
    println!("uid={uid}\ngid={gid}\nhome={home}\nmaildir={maildir}");
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_is_parsed() {
        match parse_reply("u", "uid=5\ngid=6\nhome=/h\nmaildir=\n") {
            Lookup::Accepted(a) => {
                assert_eq!((a.uid, a.gid), (Some(5), Some(6)));
                assert_eq!(a.maildir, PathBuf::from("/h/Maildir"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_reply("u", "uid=5\n"),
            Lookup::Unavailable(_)
        ));
    }
}
