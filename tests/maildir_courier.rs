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
use imapd::core::store::{message_size, FlagChange, NewMessage, Store};
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
        let mut cmd = Command::new(script);
        cmd.arg(maildir);
        Courier::spawn(cmd)
    }

    /// Courier with a Maildir++ quota (authlib passes it as `MAILDIRQUOTA`).
    fn start_with_quota(script: &Path, maildir: &Path, quota: &str) -> Courier {
        let mut cmd = Command::new(script);
        cmd.arg(maildir).env("MAILDIRQUOTA", quota);
        Courier::spawn(cmd)
    }

    /// Our `imapd` on the same Maildir, driven by the same client code.
    fn imapd(maildir: &Path, quota: Option<&str>) -> Courier {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_imapd"));
        cmd.arg(maildir).env_remove("MAILDIR");
        match quota {
            Some(q) => cmd.env("MAILDIRQUOTA", q),
            None => cmd.env_remove("MAILDIRQUOTA"),
        };
        Courier::spawn(cmd)
    }

    fn spawn(mut cmd: Command) -> Courier {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
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
        let (untagged, tagged) = self.try_cmd(text, literal);
        assert!(tagged.starts_with("OK"), "{text}: {tagged}");
        untagged
    }

    /// Sends a command; returns the untagged lines and the tagged reply without its tag.
    fn try_cmd(&mut self, text: &str, literal: Option<&[u8]>) -> (Vec<String>, String) {
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
                return (untagged, rest.to_owned());
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
    let snap = store.snapshot("INBOX", false).unwrap();
    let our_sizes: Vec<String> = snap
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let size = message_size(&mut store, "INBOX", m).unwrap();
            format!("* {} FETCH (UID {} RFC822.SIZE {size})", i + 1, m.uid)
        })
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

/// `(STORAGE u l MESSAGE u l)` of the `* QUOTA` line, quotes dropped (Courier quotes the
/// root, we send an atom).
fn quota_list(lines: &[String]) -> String {
    let l = lines
        .iter()
        .find(|l| l.starts_with("* QUOTA "))
        .unwrap_or_else(|| panic!("no QUOTA in {lines:?}"));
    l[l.find('(').unwrap()..].to_owned()
}

fn deliverquota(maildir: &Path, data: &[u8]) -> bool {
    let root = Path::new(&std::env::var("PEERS_ROOT").unwrap_or("/var/tmp/imapd-peers".into()))
        .join("courier");
    let lib = format!(
        "{0}/usr/lib/x86_64-linux-gnu:{0}/usr/lib:{0}/usr/lib/courier-authlib",
        root.display()
    );
    let Ok(mut child) = Command::new(root.join("usr/bin/deliverquota.courier"))
        .arg(maildir)
        .env("LD_LIBRARY_PATH", lib)
        .stdin(Stdio::piped())
        .spawn()
    else {
        return false;
    };
    child.stdin.take().unwrap().write_all(data).unwrap();
    child.wait().unwrap().success()
}

#[test]
#[ignore = "needs Courier-IMAP from scripts/peers/install"]
fn courier_and_imapd_agree_on_quota_usage() {
    let Some(script) = courier_script() else {
        eprintln!("courier-stdio not found; set IMAPD_COURIER_STDIO");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let md = d.path().join("Maildir");
    MaildirStore::open(&md, MaildirOptions::default()).unwrap();
    let q = "1000000S,6C";
    let mut c = Courier::start_with_quota(&script, &md, q);
    let mut o = Courier::imapd(&md, Some(q));
    c.cmd(
        "APPEND INBOX ()",
        Some(b"Subject: c1\r\n\r\nfrom courier\r\n"),
    );
    o.cmd(
        "APPEND INBOX (\\Seen)",
        Some(b"Subject: o1\r\n\r\nfrom imapd, a little longer\r\n"),
    );
    // Another agent: Courier's deliverquota appends its own line.
    assert!(deliverquota(&md, b"Subject: dq\n\nvia deliverquota\n"));
    c.cmd("APPEND INBOX ()", Some(b"Subject: c2\r\n\r\nagain\r\n"));
    o.cmd("APPEND INBOX ()", Some(b"Subject: o2\r\n\r\nand again\r\n"));
    let cq = quota_list(&c.cmd("GETQUOTAROOT INBOX", None));
    let oq = quota_list(&o.cmd("GETQUOTAROOT INBOX", None));
    eprintln!("courier {cq}, imapd {oq}");
    assert_eq!(cq, oq);
    assert!(oq.contains("MESSAGE 5 6"), "{oq}");
    // The appended lines add up to exactly what a recount finds.
    let text = std::fs::read_to_string(md.join("maildirsize")).unwrap();
    eprintln!("maildirsize:\n{text}");
    let (counted, _, _) = imapd::store::quota::count(&md).unwrap();
    assert_eq!(imapd::store::quota::parse(&text).usage, counted);
    // Both refuse the message past the count limit.
    o.cmd("APPEND INBOX ()", Some(b"six\r\n"));
    let (_, ct) = c.try_cmd("APPEND INBOX ()", Some(b"seven\r\n"));
    let (_, ot) = o.try_cmd("APPEND INBOX ()", Some(b"seven\r\n"));
    eprintln!("over quota: courier {ct:?}, imapd {ot:?}");
    assert!(ct.starts_with("NO"), "{ct}");
    assert!(ot.starts_with("NO [OVERQUOTA]"), "{ot}");
    c.logout();
    o.logout();
}

#[test]
#[ignore = "needs Courier-IMAP from scripts/peers/install"]
fn courier_and_imapd_concurrently() {
    let Some(script) = courier_script() else {
        eprintln!("courier-stdio not found; set IMAPD_COURIER_STDIO");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let md = d.path().join("Maildir");
    MaildirStore::open(&md, MaildirOptions::default()).unwrap();
    // Both sessions stay open on one Maildir for the whole test.
    let mut c = Courier::start(&script, &md);
    let mut o = Courier::imapd(&md, None);
    o.cmd("CREATE INBOX.Shared", None);
    c.cmd("CREATE INBOX.Work", None);
    c.cmd("SUBSCRIBE INBOX.Shared", None);
    o.cmd("SUBSCRIBE INBOX.Work", None);
    let osel = o.cmd("SELECT INBOX", None);
    let csel = c.cmd("SELECT INBOX", None);
    assert_eq!(uidvalidity(&osel), uidvalidity(&csel));
    for i in 0..6 {
        let body = format!("Subject: m{i}\r\n\r\nbody {i}\r\n");
        if i % 2 == 0 {
            o.cmd(
                &format!("APPEND INBOX (\\Seen o{i})"),
                Some(body.as_bytes()),
            );
            c.cmd("NOOP", None);
            c.cmd(
                &format!("UID STORE {} +FLAGS (cour{i} \\Flagged)", i + 1),
                None,
            );
        } else {
            c.cmd(
                &format!("APPEND INBOX (\\Answered c{i})"),
                Some(body.as_bytes()),
            );
            o.cmd("NOOP", None);
            o.cmd(&format!("UID STORE {} +FLAGS (ours{i})", i + 1), None);
        }
        if i == 3 {
            // One deletes, the other expunges.
            o.cmd("UID STORE 2 +FLAGS (\\Deleted)", None);
            c.cmd("NOOP", None);
            c.cmd("EXPUNGE", None);
        }
    }
    o.cmd("UID COPY 1 INBOX.Shared", None);
    c.cmd("COPY 1 INBOX.Work", None);
    c.cmd("NOOP", None);
    o.cmd("NOOP", None);
    let cview = fetched(&c.cmd("UID FETCH 1:* (UID FLAGS)", None));
    let oview = fetched(&o.cmd("UID FETCH 1:* (UID FLAGS)", None));
    eprintln!("courier {cview:?}\nimapd   {oview:?}");
    assert_eq!(cview, oview);
    assert_eq!(cview.len(), 5);
    assert!(cview
        .iter()
        .any(|(_, f)| f.contains("cour0") && f.contains("o0")));
    assert!(cview
        .iter()
        .any(|(_, f)| f.contains("ours3") && f.contains("c3")));
    // The other folders, seen by each from the other's writes.
    for f in ["INBOX.Shared", "INBOX.Work"] {
        let cs = c.cmd(&format!("SELECT {f}"), None);
        let cv = fetched(&c.cmd("UID FETCH 1:* (UID FLAGS)", None));
        let os = o.cmd(&format!("SELECT {f}"), None);
        let ov = fetched(&o.cmd("UID FETCH 1:* (UID FLAGS)", None));
        assert_eq!(uidvalidity(&cs), uidvalidity(&os), "{f}");
        assert_eq!(cv, ov, "{f}");
        assert_eq!(cv.len(), 1, "{f}");
    }
    let names = |lines: Vec<String>| -> BTreeSet<String> {
        lines
            .iter()
            .filter(|l| l.starts_with("* LSUB") && !l.contains("\\Noselect"))
            .map(|l| l.rsplit(' ').next().unwrap().trim_matches('"').to_owned())
            .collect()
    };
    let csubs = names(c.cmd("LSUB \"\" \"*\"", None));
    let osubs = names(o.cmd("LSUB \"\" \"*\"", None));
    assert_eq!(csubs, osubs);
    assert!(
        csubs.contains("INBOX.Shared") && csubs.contains("INBOX.Work"),
        "{csubs:?}"
    );
    c.logout();
    o.logout();
}
