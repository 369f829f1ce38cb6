//! Interop with real Courier-IMAP on one Maildir (peers.md §5). Needs the peer installed by
//! `scripts/peers/install`; run with `cargo test --test maildir_courier -- --ignored`.
//! The peer script is `$IMAPD_COURIER_STDIO`, or `scripts/peers/courier-stdio` in this crate.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use imapd::core::flags::FlagSet;
use imapd::core::store::{FlagChange, NewMessage, Store};
use imapd::store::{MaildirOptions, MaildirStore};
use imapd::syntax::types::{Atom, Flag};

fn courier_script() -> Option<PathBuf> {
    let p = std::env::var_os("IMAPD_COURIER_STDIO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/peers/courier-stdio")
        });
    p.exists().then_some(p)
}

/// A Courier session on stdio.
struct Courier {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    n: u32,
}

impl Courier {
    fn start(script: &Path, maildir: &Path) -> Courier {
        let mut child = Command::new(script)
            .arg(maildir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start courier");
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for l in out.split(b'\n') {
                let Ok(l) = l else { break };
                let l = String::from_utf8_lossy(&l)
                    .trim_end_matches('\r')
                    .to_owned();
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let c = Courier {
            child,
            stdin,
            lines,
            n: 0,
        };
        let greeting = c.line();
        assert!(greeting.starts_with("* PREAUTH"), "{greeting}");
        c
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(15))
            .expect("courier answered in time")
    }

    /// Sends a command (with an optional literal); returns the untagged lines; panics unless
    /// the tagged reply is OK.
    fn cmd(&mut self, text: &str, literal: Option<&[u8]>) -> Vec<String> {
        self.n += 1;
        let tag = format!("c{}", self.n);
        match literal {
            None => write!(self.stdin, "{tag} {text}\r\n").unwrap(),
            Some(data) => {
                write!(self.stdin, "{tag} {text} {{{}}}\r\n", data.len()).unwrap();
                self.stdin.flush().unwrap();
                let cont = self.line();
                assert!(cont.starts_with('+'), "{cont}");
                self.stdin.write_all(data).unwrap();
                self.stdin.write_all(b"\r\n").unwrap();
            }
        }
        self.stdin.flush().unwrap();
        let mut untagged = Vec::new();
        loop {
            let l = self.line();
            if let Some(rest) = l.strip_prefix(&format!("{tag} ")) {
                assert!(rest.starts_with("OK"), "{text}: {l}");
                return untagged;
            }
            untagged.push(l);
        }
    }

    fn logout(mut self) {
        let _ = self.cmd("LOGOUT", None);
        let _ = self.child.wait();
    }
}

fn uidvalidity(lines: &[String]) -> u32 {
    let l = lines
        .iter()
        .find(|l| l.contains("[UIDVALIDITY "))
        .expect("UIDVALIDITY");
    let at = l.find("[UIDVALIDITY ").unwrap() + 13;
    l[at..].split(']').next().unwrap().parse().unwrap()
}

/// (UID, flags without \Recent) from `* n FETCH (UID u FLAGS (...))` lines.
fn fetched(lines: &[String]) -> Vec<(u32, BTreeSet<String>)> {
    let mut out = Vec::new();
    for l in lines.iter().filter(|l| l.contains(" FETCH (")) {
        let uid_at = l.find("UID ").unwrap() + 4;
        let uid: u32 = l[uid_at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let f_at = l.find("FLAGS (").unwrap() + 7;
        let flags: BTreeSet<String> = l[f_at..]
            .split(')')
            .next()
            .unwrap()
            .split_whitespace()
            .filter(|f| *f != "\\Recent")
            .map(str::to_owned)
            .collect();
        out.push((uid, flags));
    }
    out.sort();
    out
}

fn ours(store: &mut MaildirStore, mailbox: &str) -> (u32, Vec<(u32, BTreeSet<String>)>) {
    let snap = store.snapshot(mailbox, false).unwrap();
    let msgs = snap
        .messages
        .iter()
        .map(|m| {
            let flags = m
                .flags
                .to_flags(false)
                .iter()
                .map(|f| match f {
                    Flag::Keyword(k) => k.as_str().to_owned(),
                    other => format!("\\{other:?}"),
                })
                .collect();
            (m.uid, flags)
        })
        .collect();
    (snap.uid_validity, msgs)
}

fn kw(k: &str) -> Flag {
    Flag::Keyword(Atom::new(k).unwrap())
}

#[test]
#[ignore = "needs Courier-IMAP from scripts/peers/install"]
fn courier_writes_imapd_reads() {
    let Some(script) = courier_script() else {
        eprintln!("courier-stdio not found; set IMAPD_COURIER_STDIO");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let md = d.path().join("Maildir");
    let mut store = MaildirStore::open(&md, MaildirOptions::default()).unwrap();
    // A message delivered by an MDA before Courier looks.
    store.deliver("INBOX", b"Subject: mda\n\nx\n").unwrap();

    let mut c = Courier::start(&script, &md);
    c.cmd("CREATE INBOX.Work", None);
    c.cmd("APPEND INBOX (\\Seen)", Some(b"Subject: 1\r\n\r\none\r\n"));
    c.cmd(
        "APPEND INBOX (\\Flagged)",
        Some(b"Subject: 2\r\n\r\ntwo\r\n"),
    );
    c.cmd("APPEND INBOX ()", Some(b"Subject: 3\r\n\r\nthree\r\n"));
    let sel = c.cmd("SELECT INBOX", None);
    c.cmd("UID STORE 2 +FLAGS (custom1 $Label1)", None);
    c.cmd("UID STORE 3 +FLAGS (\\Deleted)", None);
    c.cmd("UID STORE 4 +FLAGS (\\Answered \\Draft kw2)", None);
    c.cmd("EXPUNGE", None);
    c.cmd("UID COPY 2 INBOX.Work", None);
    let courier_view = fetched(&c.cmd("UID FETCH 1:* (UID FLAGS)", None));
    c.logout();
    // A second session lets Courier fold its keyword files into :list.
    let mut c2 = Courier::start(&script, &md);
    let sel2 = c2.cmd("SELECT INBOX", None);
    let courier_view2 = fetched(&c2.cmd("UID FETCH 1:* (UID FLAGS)", None));
    let work = c2.cmd("SELECT INBOX.Work", None);
    let work_view = fetched(&c2.cmd("UID FETCH 1:* (UID FLAGS)", None));
    c2.logout();
    assert_eq!(courier_view, courier_view2);
    assert_eq!(uidvalidity(&sel), uidvalidity(&sel2));

    let mut kwfiles: Vec<String> = std::fs::read_dir(md.join("courierimapkeywords"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    kwfiles.sort();
    eprintln!("courierimapkeywords/: {kwfiles:?}");
    eprintln!("courier view: {courier_view:?}");

    let (v, mine) = ours(&mut store, "INBOX");
    assert_eq!(v, uidvalidity(&sel));
    assert_eq!(mine, courier_view);
    let (wv, wmine) = ours(&mut store, "INBOX.Work");
    assert_eq!(wv, uidvalidity(&work));
    assert_eq!(wmine, work_view);
    // Courier stores LF line ends, as we do.
    assert_eq!(
        store.content("INBOX", 1).unwrap(),
        b"Subject: 1\n\none\n".to_vec()
    );
    // Our keyword reader saw Courier's folded `:list` form.
    assert!(kwfiles.iter().any(|f| f == ":list"));
}

#[test]
#[ignore = "needs Courier-IMAP from scripts/peers/install"]
fn imapd_writes_courier_reads() {
    let Some(script) = courier_script() else {
        eprintln!("courier-stdio not found; set IMAPD_COURIER_STDIO");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let md = d.path().join("Maildir");
    let mut store = MaildirStore::open(&md, MaildirOptions::default()).unwrap();
    store.create("INBOX.Work").unwrap();
    store.create("INBOX.café").unwrap();
    let m = |s: &str, f: &[Flag]| NewMessage {
        data: s.as_bytes().to_vec(),
        flags: FlagSet::from_flags(f),
        internal_date: None,
    };
    store
        .append(
            "INBOX",
            m("Subject: a\r\n\r\na\r\n", &[Flag::Seen, kw("$Label1")]),
        )
        .unwrap();
    store
        .append("INBOX", m("Subject: b\r\n\r\nb\r\n", &[]))
        .unwrap();
    store
        .append("INBOX", m("Subject: c\r\n\r\nc\r\n", &[Flag::Flagged]))
        .unwrap();
    store.remove("INBOX", &[2]).unwrap();
    store
        .change_flags(
            "INBOX",
            &[3],
            &FlagChange::Add(FlagSet::from_flags(&[Flag::Answered, kw("later")])),
        )
        .unwrap();
    store.copy("INBOX", &[1, 3], "INBOX.Work").unwrap();
    store.set_subscribed("INBOX.Work", true).unwrap();
    let (v, mine) = ours(&mut store, "INBOX");
    let (wv, wmine) = ours(&mut store, "INBOX.Work");

    let mut c = Courier::start(&script, &md);
    let list = c.cmd("LIST \"\" \"*\"", None);
    let lsub = c.cmd("LSUB \"\" \"*\"", None);
    let sel = c.cmd("EXAMINE INBOX", None);
    let view = fetched(&c.cmd("UID FETCH 1:* (UID FLAGS)", None));
    let sizes = c.cmd("UID FETCH 1:* (RFC822.SIZE)", None);
    let wsel = c.cmd("SELECT INBOX.Work", None);
    let wview = fetched(&c.cmd("UID FETCH 1:* (UID FLAGS)", None));
    c.cmd(
        "APPEND INBOX.Work (\\Seen)",
        Some(b"Subject: d\r\n\r\nd\r\n"),
    );
    c.logout();
    eprintln!("LIST: {list:?}\nLSUB: {lsub:?}\nsizes: {sizes:?}");
    assert!(
        list.iter().any(|l| l.ends_with("\"INBOX.caf&AOk-\"")),
        "{list:?}"
    );
    assert!(
        lsub.iter().any(|l| l.ends_with("\"INBOX.Work\"")),
        "{lsub:?}"
    );
    assert_eq!(uidvalidity(&sel), v);
    assert_eq!(view, mine);
    let our_sizes: Vec<String> = store
        .snapshot("INBOX", false)
        .unwrap()
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| format!("* {} FETCH (UID {} RFC822.SIZE {})", i + 1, m.uid, m.size))
        .collect();
    assert_eq!(sizes, our_sizes);
    assert_eq!(uidvalidity(&wsel), wv);
    assert_eq!(wview, wmine);
    // Courier's APPEND continued our UID sequence.
    let after = store.snapshot("INBOX.Work", false).unwrap();
    assert_eq!(after.uid_validity, wv);
    assert_eq!(after.messages.last().unwrap().uid, 3);
    assert!(after.messages.last().unwrap().flags.seen());
}

#[test]
#[ignore = "needs Courier-IMAP from scripts/peers/install"]
fn concurrent_appends_with_courier() {
    let Some(script) = courier_script() else {
        eprintln!("courier-stdio not found; set IMAPD_COURIER_STDIO");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let md = d.path().join("Maildir");
    MaildirStore::open(&md, MaildirOptions::default()).unwrap();
    let courier: Vec<_> = (0..3)
        .map(|t| {
            let (script, md) = (script.clone(), md.clone());
            std::thread::spawn(move || {
                let mut c = Courier::start(&script, &md);
                for i in 0..3 {
                    c.cmd("APPEND INBOX ()", Some(format!("c{t}/{i}\r\n").as_bytes()));
                }
                c.logout();
            })
        })
        .collect();
    let ours: Vec<_> = (0..2)
        .map(|t| {
            let md = md.clone();
            std::thread::spawn(move || {
                let mut s = MaildirStore::open(&md, MaildirOptions::default()).unwrap();
                (0..10)
                    .map(|i| {
                        let msg = NewMessage {
                            data: format!("o{t}/{i}\r\n").into_bytes(),
                            flags: FlagSet::new(),
                            internal_date: None,
                        };
                        s.append("INBOX", msg).unwrap().1
                    })
                    .collect::<Vec<u32>>()
            })
        })
        .collect();
    for h in courier {
        h.join().unwrap();
    }
    let mut our_uids: Vec<u32> = ours.into_iter().flat_map(|h| h.join().unwrap()).collect();
    our_uids.sort_unstable();
    let mut store = MaildirStore::open(&md, MaildirOptions::default()).unwrap();
    let snap = store.snapshot("INBOX", false).unwrap();
    assert_eq!(snap.messages.len(), 29);
    let all: BTreeSet<u32> = snap.messages.iter().map(|m| m.uid).collect();
    assert_eq!(all.len(), 29);
    // Each of our UIDs still names a message we appended.
    for u in &our_uids {
        assert!(store.content("INBOX", *u).unwrap().starts_with(b"o"));
    }
    let mut c = Courier::start(&script, &md);
    let sel = c.cmd("EXAMINE INBOX", None);
    let view = fetched(&c.cmd("UID FETCH 1:* (UID FLAGS)", None));
    c.logout();
    assert_eq!(uidvalidity(&sel), snap.uid_validity);
    assert_eq!(view.iter().map(|(u, _)| *u).collect::<BTreeSet<_>>(), all);
    eprintln!("uids: {all:?}");
}
