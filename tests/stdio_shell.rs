//! The stdio shell as a process: Courier's login handoff (`IMAPLOGINTAG`, `AUTHENTICATED`,
//! `OPTIONS`), the log lines, signals, IDLE keepalives, and configuration (file and
//! environment) with its effects on a session.

mod imapd_proc;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use imapd_proc::{Imapd, IMAPD};

const T: Duration = Duration::from_secs(10);

fn sample() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("Maildir");
    let ok = Command::new(IMAPD)
        .arg("--sample")
        .arg(&md)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    (dir, md)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn preauth_session_logs_courier_style_lines() {
    let (_g, md) = sample();
    let mut s = Imapd::spawn(&md, &[], &[("AUTHENTICATED", "sam")]);
    assert!(s
        .line(T)
        .unwrap()
        .starts_with("* PREAUTH [CAPABILITY IMAP4rev1 "));
    s.cmd("a", "SELECT INBOX");
    let r = s.cmd("b", "FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT])");
    assert!(r.last().unwrap().starts_with("b OK"), "{r:?}");
    s.cmd("c", "LOGOUT");
    let (ok, err) = s.finish();
    assert!(ok, "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "INFO: LOGIN, user=sam, ip=[127.0.0.1], port=[0], protocol=IMAP"
    );
    // Message 1 of the sample: a 311-octet header and a 185-octet text, 496 in all (CRLF).
    let end = lines.last().unwrap();
    assert!(
        end.starts_with("INFO: LOGOUT, user=sam, ip=[127.0.0.1], headers=311, body=185, rcvd="),
        "{end}"
    );
    assert!(
        end.contains(", sent=") && end.ends_with(", time=0"),
        "{end}"
    );
}

#[test]
fn login_program_handoff_answers_the_login_tag() {
    let (_g, md) = sample();
    let env = [
        ("IMAPLOGINTAG", "A0042"),
        ("AUTHENTICATED", "alice@example.org"),
        ("TCPREMOTEIP", "::ffff:192.0.2.5"),
        ("TCPREMOTEPORT", "50123"),
    ];
    let mut s = Imapd::spawn(&md, &[], &env);
    let first = s.line(T).unwrap();
    assert!(
        first.starts_with("A0042 OK [CAPABILITY IMAP4rev1 ") && first.ends_with("] LOGIN Ok."),
        "{first}"
    );
    assert_eq!(s.cmd("b", "NOOP").last().unwrap(), "b OK NOOP completed");
    s.cmd("c", "LOGOUT");
    let (_, err) = s.finish();
    assert!(err.starts_with(
        "INFO: LOGIN, user=alice@example.org, ip=[::ffff:192.0.2.5], port=[50123], protocol=IMAP\n"
    ));
    assert!(err.contains("INFO: LOGOUT, user=alice@example.org, ip=[::ffff:192.0.2.5], "));
}

#[test]
fn login_program_refusals() {
    let (_g, md) = sample();
    let bye = |env: &[(&str, &str)]| {
        let s = Imapd::spawn(&md, &[], env);
        let l = s.line(T).unwrap();
        let (ok, _) = s.finish();
        assert!(!ok);
        l
    };
    assert_eq!(
        bye(&[("IMAPLOGINTAG", "a1")]),
        "* BYE AUTHENTICATED environment variable not set."
    );
    assert_eq!(
        bye(&[
            ("IMAPLOGINTAG", "a1"),
            ("AUTHENTICATED", "bob"),
            ("OPTIONS", "disableimap=1")
        ]),
        "* BYE IMAP access disabled for this account."
    );
    assert_eq!(
        bye(&[
            ("IMAPLOGINTAG", "a1"),
            ("AUTHENTICATED", "bob"),
            ("OPTIONS", "disableinsecureimap=1")
        ]),
        "* BYE IMAP access disabled via insecure connection."
    );
    // The same account over TLS is let in.
    let s = Imapd::spawn(
        &md,
        &[],
        &[
            ("IMAPLOGINTAG", "a1"),
            ("AUTHENTICATED", "bob"),
            ("OPTIONS", "disableinsecureimap=1"),
            ("IMAP_TLS", "1"),
        ],
    );
    assert!(s.line(T).unwrap().starts_with("a1 OK"));
    let (_, err) = s.finish();
    assert!(
        err.lines().last().unwrap().ends_with(", starttls=1"),
        "{err}"
    );
}

fn signal(s: &Imapd, sig: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(s.pid() as i32).unwrap();
    rustix::process::kill_process(pid, sig).unwrap();
}

#[test]
fn sigterm_and_sighup_end_the_session_with_bye() {
    let (_g, md) = sample();
    // SIGTERM while idle between commands.
    let mut s = Imapd::spawn(&md, &[], &[]);
    s.line(T).unwrap();
    s.cmd("a", "SELECT INBOX");
    signal(&s, rustix::process::Signal::TERM);
    assert_eq!(s.line(T).unwrap(), "* BYE imapd shut down by signal.");
    let (ok, err) = s.finish();
    assert!(ok);
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with("NOTICE: Disconnected during shutdown by signal, user="),
        "{err}"
    );
    // SIGHUP during IDLE.
    let mut s = Imapd::spawn(&md, &[], &[]);
    s.line(T).unwrap();
    s.cmd("a", "SELECT INBOX");
    s.send("b IDLE");
    assert!(s.line(T).unwrap().starts_with("+ "));
    signal(&s, rustix::process::Signal::HUP);
    assert_eq!(s.line(T).unwrap(), "* BYE imapd shut down by signal.");
    assert!(s.finish().0);
}

#[test]
fn idle_keepalive_every_n_seconds() {
    let (_g, md) = sample();
    let mut s = Imapd::spawn(&md, &[], &[("IMAP_IDLE_KEEPALIVE", "1")]);
    s.line(T).unwrap();
    s.cmd("a", "SELECT INBOX");
    s.send("b IDLE");
    assert!(s.line(T).unwrap().starts_with("+ "));
    assert_eq!(
        s.line(Duration::from_millis(2500)).as_deref(),
        Some("* OK Still here")
    );
    assert_eq!(
        s.line(Duration::from_millis(2500)).as_deref(),
        Some("* OK Still here")
    );
    s.send("DONE");
    assert_eq!(s.line(T).unwrap(), "b OK IDLE completed");
    // Not outside IDLE.
    assert_eq!(s.line(Duration::from_millis(1500)), None);
}

#[test]
fn courier_debian_config_file_is_accepted() {
    let (_g, md) = sample();
    let conf = fixture("courier-imapd-debian.conf");
    let mut s = Imapd::spawn(&md, &["--config", conf.to_str().unwrap()], &[]);
    // Courier's IMAP_CAPABILITY, less what imapd does not implement, plus ENABLE/UTF8=ACCEPT.
    assert_eq!(
        s.line(T).unwrap(),
        "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE IDLE NAMESPACE UIDPLUS CHILDREN QUOTA SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES UTF8=ACCEPT] imapd ready."
    );
    s.cmd("a", "LOGOUT");
    assert!(s.finish().0);
}

#[test]
fn config_errors_name_the_file_and_line() {
    let (g, md) = sample();
    let conf = g.path().join("imapd");
    std::fs::write(&conf, "# comment\nIMAP_KEYWORDS=1\nIMAP_UMASK=0x22\n").unwrap();
    let s = Imapd::spawn(&md, &["--config", conf.to_str().unwrap()], &[]);
    assert_eq!(
        s.line(T).unwrap(),
        format!(
            "* BYE Configuration error: {}:3: IMAP_UMASK: expected an octal mask such as 022, got \"0x22\"",
            conf.display()
        )
    );
    assert!(!s.finish().0);
    std::fs::write(&conf, "IMAP_CHECK_ALL_FOLDERS=1\n").unwrap();
    let s = Imapd::spawn(&md, &["--config", conf.to_str().unwrap()], &[]);
    let l = s.line(T).unwrap();
    assert!(
        l.contains(":1: IMAP_CHECK_ALL_FOLDERS: \"1\" asks for a feature imapd does not support"),
        "{l}"
    );
    // The environment overrides the file.
    let s = Imapd::spawn(
        &md,
        &["--config", conf.to_str().unwrap()],
        &[("IMAP_CHECK_ALL_FOLDERS", "0")],
    );
    assert!(s.line(T).unwrap().starts_with("* PREAUTH"));
}

#[test]
fn keywords_switched_off() {
    let (_g, md) = sample();
    let mut s = Imapd::spawn(&md, &[], &[("IMAP_KEYWORDS", "0")]);
    s.line(T).unwrap();
    let r = s.cmd("a", "SELECT INBOX");
    assert!(
        r.contains(&"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Flags permitted".to_string()),
        "{r:?}"
    );
    let r = s.cmd("b", "STORE 1 +FLAGS (newkw)");
    assert!(r.last().unwrap().starts_with("b NO [CANNOT]"), "{r:?}");
    let r = s.cmd("c", "STORE 1 +FLAGS (\\Flagged)");
    assert!(r.last().unwrap().starts_with("c OK"), "{r:?}");
    s.send("d APPEND INBOX (kw) {3+}");
    s.send("abc");
    let r = s.until("d ", T);
    assert!(r.last().unwrap().starts_with("d NO [CANNOT]"), "{r:?}");
}

#[test]
fn umask_and_data_limit_apply_to_the_session() {
    let (_g, md) = sample();
    let mut s = Imapd::spawn(
        &md,
        &[],
        &[("IMAP_UMASK", "077"), ("IMAP_ULIMITD", "262144")],
    );
    s.line(T).unwrap();
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", s.pid())).unwrap();
    let data = limits
        .lines()
        .find(|l| l.starts_with("Max data size"))
        .unwrap();
    assert!(data.contains("268435456"), "{data}");
    s.cmd("a", "CREATE INBOX.Private");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(md.join(".Private/cur"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "{mode:o}");
    s.cmd("b", "LOGOUT");
}

#[test]
fn sticky_working_directory_locks_the_account_only_for_login_programs() {
    let (_g, md) = sample();
    let sticky = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(sticky.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    let run = |env: &[(&str, &str)]| {
        let out = Command::new(IMAPD)
            .arg(&md)
            .current_dir(sticky.path())
            .env_remove("IMAPLOGINTAG")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        run(&[("IMAPLOGINTAG", "a"), ("AUTHENTICATED", "x")]),
        "* BYE Your account is temporarily unavailable (+t bit set on home directory)."
    );
    assert!(run(&[]).starts_with("* PREAUTH"));
}

/// Without inotify (IMAP_ENHANCEDIDLE=0, as on NFS where the writer is another host) IDLE
/// still delivers other processes' changes, by rescanning every IMAP_IDLE_TIMEOUT seconds.
#[test]
fn idle_without_inotify_polls_and_still_pushes() {
    let (_dir, md) = sample();
    let env = [("IMAP_ENHANCEDIDLE", "0"), ("IMAP_IDLE_TIMEOUT", "1")];
    let mut idler = Imapd::spawn(&md, &[], &env);
    idler.line(Duration::from_secs(10)).expect("greeting");
    idler.cmd("s", "SELECT INBOX");
    idler.send("i IDLE");
    idler.until("+ ", Duration::from_secs(10));
    let mut actor = Imapd::spawn(&md, &[], &[]);
    actor.line(Duration::from_secs(10)).expect("greeting");
    actor.cmd("a", "SELECT INBOX");
    actor.cmd("b", "STORE 1 +FLAGS (\\Flagged)");
    let pushed = idler.until("* 1 FETCH", Duration::from_secs(10));
    let last = pushed.last().cloned().unwrap_or_default();
    assert!(
        last.starts_with("* 1 FETCH (FLAGS (") && last.contains("\\Flagged"),
        "{pushed:?}"
    );
    idler.send("DONE");
    assert!(idler
        .until("i ", Duration::from_secs(10))
        .last()
        .is_some_and(|l| l.starts_with("i OK")));
}
