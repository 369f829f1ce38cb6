//! QUOTA (RFC 2087 / RFC 9208) over the Maildir++ quota (`maildirsize`,
//! maildirplusplus.txt): the core with the memory store, the Maildir store's accounting, and
//! the `imapd` binary with Courier's `MAILDIRQUOTA`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use imapd::core::flags::FlagSet;
use imapd::core::memory::MemoryQuota;
use imapd::core::store::{FlagChange, NewMessage, QuotaResource, Store, StoreError};
use imapd::core::{MemoryStore, Session, SessionConfig};
use imapd::store::quota::{self, QuotaSpec, Usage};
use imapd::store::{MaildirOptions, MaildirStore};
use imapd::syntax::encode::encode_response;
use imapd::syntax::parse::parse_command;
use imapd::syntax::types::Flag;

/// Runs one command line (with optional literal) through a session; returns the wire text.
fn run(s: &mut Session, store: &mut dyn Store, line: &str, literal: Option<&[u8]>) -> String {
    let (text, lits) = match literal {
        Some(d) => (format!("{line} {{{}}}\r\n\u{1}", d.len()), vec![d.to_vec()]),
        None => (line.to_owned(), Vec::new()),
    };
    let cmd = parse_command(&text, lits).expect("parses");
    let mut out = Vec::new();
    for r in s.handle_command(cmd, store) {
        encode_response(&r, &mut out);
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn authenticated_getquotaroot_and_overquota_with_memory_store() {
    let mut store = MemoryStore::new();
    let mut s = Session::preauth(SessionConfig::default());
    // No quota: a QUOTAROOT without roots.
    let out = run(&mut s, &mut store, "a GETQUOTAROOT INBOX", None);
    assert_eq!(out, "* QUOTAROOT INBOX\r\na OK GETQUOTAROOT completed\r\n");
    store.set_quota(Some(MemoryQuota {
        bytes: Some(2048),
        messages: Some(2),
    }));
    let out = run(
        &mut s,
        &mut store,
        "b APPEND INBOX",
        Some(b"Subject: x\r\n\r\nhi\r\n"),
    );
    assert!(out.starts_with("b OK [APPENDUID "), "{out}");
    let out = run(&mut s, &mut store, "c GETQUOTAROOT INBOX", None);
    assert_eq!(
        out,
        "* QUOTAROOT INBOX ROOT\r\n* QUOTA ROOT (STORAGE 1 2 MESSAGE 1 2)\r\nc OK GETQUOTAROOT completed\r\n"
    );
    let big = vec![b'x'; 3000];
    let out = run(&mut s, &mut store, "d APPEND INBOX", Some(&big));
    assert_eq!(out, "d NO [OVERQUOTA] Quota exceeded\r\n");
    run(&mut s, &mut store, "e APPEND INBOX", Some(b"two\r\n"));
    let out = run(&mut s, &mut store, "f APPEND INBOX", Some(b"three\r\n"));
    assert!(out.starts_with("f NO [OVERQUOTA]"), "{out}");
    // COPY past the message limit fails as a whole.
    run(&mut s, &mut store, "g CREATE INBOX.A", None);
    run(&mut s, &mut store, "h SELECT INBOX", None);
    let out = run(&mut s, &mut store, "i COPY 1:2 INBOX.A", None);
    assert!(out.contains("i NO [OVERQUOTA]"), "{out}");
    // Into Trash it does not count.
    run(&mut s, &mut store, "j CREATE INBOX.Trash", None);
    let out = run(&mut s, &mut store, "k COPY 1:2 INBOX.Trash", None);
    assert!(out.contains("k OK [COPYUID"), "{out}");
    let out = run(&mut s, &mut store, "l GETQUOTA ROOT", None);
    assert!(out.contains("(STORAGE 1 2 MESSAGE 2 2)"), "{out}");
    let out = run(&mut s, &mut store, "m GETQUOTA OTHER", None);
    assert!(out.starts_with("m NO [NONEXISTENT]"), "{out}");
    let out = run(&mut s, &mut store, "n SETQUOTA ROOT (STORAGE 10)", None);
    assert!(out.starts_with("n NO [NOPERM]"), "{out}");
    let out = run(&mut s, &mut store, "o GETQUOTAROOT INBOX.Nope", None);
    assert!(out.starts_with("o NO [NONEXISTENT]"), "{out}");
    let out = run(&mut s, &mut store, "p CAPABILITY", None);
    assert!(out.contains(" QUOTA"), "{out}");
}

fn quota_store(p: &Path, spec: &str) -> MaildirStore {
    MaildirStore::open(
        p,
        MaildirOptions {
            quota: QuotaSpec::parse(spec),
            ..MaildirOptions::default()
        },
    )
    .unwrap()
}

fn msg(body: &[u8], flags: &[Flag]) -> NewMessage {
    NewMessage {
        data: body.to_vec(),
        flags: FlagSet::from_flags(flags),
        internal_date: None,
    }
}

fn file_usage(p: &Path) -> Usage {
    quota::parse(&std::fs::read_to_string(p.join(quota::FILE)).unwrap()).usage
}

#[test]
fn maildir_counts_appends_copies_deletes_and_other_agents() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let mut s = quota_store(p, "100S,3C");
    s.create("INBOX.A").unwrap();
    s.create("INBOX.Trash").unwrap();
    // 10 octets stored (CRLF → LF).
    s.append("INBOX", msg(b"01234567\r\n\r\n", &[])).unwrap();
    let expect = |b, n| Usage {
        bytes: b,
        messages: n,
    };
    assert_eq!(file_usage(p), expect(10, 1));
    assert!(std::fs::read_to_string(p.join(quota::FILE))
        .unwrap()
        .starts_with("100S,3C\n"));
    s.copy("INBOX", &[1], "INBOX.A").unwrap();
    assert_eq!(file_usage(p), expect(20, 2));
    // Trash does not count, in either direction.
    s.copy("INBOX", &[1], "INBOX.Trash").unwrap();
    assert_eq!(file_usage(p), expect(20, 2));
    // Another agent (deliverquota, maildrop) appends its own line.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(p.join(quota::FILE))
        .unwrap();
    f.write_all(b"          50            1\n").unwrap();
    assert_eq!(
        s.append("INBOX", msg(b"x\n", &[])).unwrap_err(),
        StoreError::OverQuota
    );
    assert_eq!(
        s.copy("INBOX", &[1], "INBOX.A").unwrap_err(),
        StoreError::OverQuota
    );
    // \Deleted takes a message out of the count; expunging it then changes nothing.
    let del = FlagChange::Add(FlagSet::from_flags(&[Flag::Deleted]));
    s.change_flags("INBOX.A", &[1], &del).unwrap();
    assert_eq!(file_usage(p), expect(60, 2));
    s.expunge_deleted("INBOX.A", None).unwrap();
    assert_eq!(file_usage(p), expect(60, 2));
    // MOVE's removal subtracts.
    s.remove("INBOX", &[1]).unwrap();
    assert_eq!(file_usage(p), expect(50, 1));
    // GETQUOTA: STORAGE in KiB, usage and limit rounded up (as Courier).
    assert_eq!(
        s.quota("ROOT").unwrap().unwrap(),
        vec![
            QuotaResource {
                name: "STORAGE",
                usage: 1,
                limit: 1
            },
            QuotaResource {
                name: "MESSAGE",
                usage: 1,
                limit: 3
            }
        ]
    );
    assert_eq!(s.quota_roots("INBOX.A").unwrap(), vec!["ROOT".to_owned()]);
    // A recalculation finds the truth: the 50-octet line was another agent's fiction.
    std::fs::remove_file(p.join(quota::FILE)).unwrap();
    s.append("INBOX", msg(b"abc\n", &[])).unwrap();
    assert_eq!(file_usage(p), expect(4, 1));
}

#[test]
fn maildir_quota_from_existing_maildirsize_without_env() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    MaildirStore::open(p, MaildirOptions::default()).unwrap();
    let mut s = MaildirStore::open(p, MaildirOptions::default()).unwrap();
    assert!(s.quota_roots("INBOX").unwrap().is_empty());
    assert_eq!(s.quota("ROOT").unwrap(), None);
    std::fs::write(p.join(quota::FILE), "5C\n").unwrap();
    assert_eq!(s.quota_roots("INBOX").unwrap(), vec!["ROOT".to_owned()]);
    s.append("INBOX", msg(b"a\n", &[])).unwrap();
    let res = s.quota("ROOT").unwrap().unwrap();
    assert_eq!(
        res,
        vec![QuotaResource {
            name: "MESSAGE",
            usage: 1,
            limit: 5
        }]
    );
}

/// The binary honours `MAILDIRQUOTA` (Courier's variable) end to end.
#[test]
fn binary_reports_and_enforces_maildirquota() {
    let d = tempfile::tempdir().unwrap();
    let md = d.path().join("Maildir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_imapd"))
        .arg("--create")
        .arg(&md)
        .env_remove("MAILDIR")
        .env("MAILDIRQUOTA", "1000S,2C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(
            b"a APPEND INBOX {5+}\r\nhello\r\nb APPEND INBOX {3+}\r\nyo\n\r\n\
              c APPEND INBOX {2+}\r\nno\r\nd GETQUOTAROOT INBOX\r\ne LOGOUT\r\n",
        )
        .unwrap();
    drop(stdin);
    let out: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    child.wait().unwrap();
    let text = out.join("\n");
    assert!(text.contains("c NO [OVERQUOTA]"), "{text}");
    assert!(text.contains("* QUOTAROOT INBOX ROOT"), "{text}");
    assert!(
        text.contains("* QUOTA ROOT (STORAGE 1 1 MESSAGE 2 2)"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(md.join("maildirsize")).unwrap(),
        "1000S,2C\n           0            0\n           5            1\n           3            1\n"
    );
}

/// Two sessions both remembering a message's old name: the one that sets \Deleted second
/// (the other's rename already did) takes nothing out of the count again, nor does a later
/// change of another flag; clearing it puts the message back once.
#[test]
fn deleted_set_by_another_session_is_counted_once() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let mut a = quota_store(p, "1000S,10C");
    let mut b = quota_store(p, "1000S,10C");
    a.append("INBOX", msg(b"0123456789\r\n", &[])).unwrap();
    a.append("INBOX", msg(b"x\r\n", &[])).unwrap();
    a.snapshot("INBOX", false).unwrap();
    b.snapshot("INBOX", false).unwrap();
    let full = file_usage(p);
    let del = FlagChange::Add(FlagSet::from_flags(&[Flag::Deleted]));
    b.change_flags("INBOX", &[1], &del).unwrap();
    let less = file_usage(p);
    assert_eq!(less.messages, full.messages - 1);
    a.change_flags("INBOX", &[1], &del).unwrap();
    assert_eq!(file_usage(p), less);
    let seen = FlagChange::Add(FlagSet::from_flags(&[Flag::Seen]));
    a.change_flags("INBOX", &[1], &seen).unwrap();
    assert_eq!(file_usage(p), less);
    b.change_flags(
        "INBOX",
        &[1],
        &FlagChange::Remove(FlagSet::from_flags(&[Flag::Deleted])),
    )
    .unwrap();
    assert_eq!(file_usage(p), full);
}
