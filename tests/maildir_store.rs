//! The Maildir store through the `Store` trait: behaviour, concurrency, crash safety, and a
//! differential test against the in-memory reference store.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use imapd::core::flags::FlagSet;
use imapd::core::memory::crlf_size;
use imapd::core::memory::MemoryStore;
use imapd::core::store::{
    message_date, message_size, FlagChange, MessageMeta, NewMessage, Reads, Snapshot, Store,
    StoreError, Uid,
};
use imapd::store::{LockOptions, MaildirOptions, MaildirStore};
use imapd::syntax::types::{Atom, Date, DateTime, Flag};

mod common;
use common::Rng;

fn opts() -> MaildirOptions {
    MaildirOptions {
        lock: LockOptions {
            stale_pause: Duration::from_millis(5),
            ..LockOptions::default()
        },
        ..MaildirOptions::default()
    }
}

fn open(p: &Path) -> MaildirStore {
    MaildirStore::open(p, opts()).unwrap()
}

fn kw(k: &str) -> Flag {
    Flag::Keyword(Atom::new(k).unwrap())
}

fn set(flags: &[Flag]) -> FlagSet {
    FlagSet::from_flags(flags)
}

fn msg(body: &str, flags: &[Flag]) -> NewMessage {
    NewMessage {
        data: body.as_bytes().to_vec(),
        flags: set(flags),
        internal_date: None,
    }
}

fn uids(s: &Snapshot) -> Vec<Uid> {
    s.messages.iter().map(|m| m.uid).collect()
}

#[test]
fn append_snapshot_flags_content() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    let date = DateTime::new(Date::new(2020, 2, 29).unwrap(), 12, 30, 0, 120).unwrap();
    let (v, u1) = s
        .append(
            "INBOX",
            NewMessage {
                data: b"Subject: a\r\n\r\nbody\r\n".to_vec(),
                flags: set(&[Flag::Seen, kw("$Label1")]),
                internal_date: Some(date),
            },
        )
        .unwrap();
    let (v2, u2) = s.append("INBOX", msg("x\n", &[])).unwrap();
    assert_eq!((u1, u2, v), (1, 2, v2));
    // Stored with LF line ends.
    assert_eq!(s.content("INBOX", 1).unwrap(), b"Subject: a\n\nbody\n");
    let snap = s.snapshot("INBOX", true).unwrap();
    assert_eq!(snap.uid_validity, v);
    assert_eq!(snap.uid_next, 3);
    assert_eq!(uids(&snap), [1, 2]);
    // Appended messages go to cur/, as Courier's: nobody gets \Recent for them.
    assert!(snap.claimed_recent.is_empty());
    let m = &snap.messages[0];
    assert!(m.flags.seen() && m.flags.contains(&kw("$Label1")));
    assert_eq!(m.size, Some(20), "known from the name's ,W=");
    assert_eq!(
        message_date(&mut s, "INBOX", m).unwrap().to_string(),
        "29-Feb-2020 10:30:00 +0000"
    );
    assert_eq!(snap.messages[1].size, Some(3));
    assert_eq!(snap.keywords, ["$Label1"]);

    let out = s
        .change_flags(
            "INBOX",
            &[1, 2, 9],
            &FlagChange::Add(set(&[Flag::Flagged, kw("todo")])),
        )
        .unwrap();
    assert_eq!(out.len(), 2);
    assert!(out[0].1.contains(&Flag::Flagged) && out[0].1.contains(&kw("todo")));
    let out = s
        .change_flags("INBOX", &[1], &FlagChange::Remove(set(&[kw("$Label1")])))
        .unwrap();
    assert!(!out[0].1.contains(&kw("$Label1")) && out[0].1.seen());
    let snap = s.snapshot("INBOX", false).unwrap();
    assert_eq!(snap.keywords, ["todo"]);
    let names: Vec<String> = std::fs::read_dir(d.path().join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(":2,FS")), "{names:?}");

    // Another handle (another process) sees the same state.
    let mut other = open(d.path());
    let snap2 = other.snapshot("INBOX", false).unwrap();
    let seen = |s: &mut MaildirStore, snap: &Snapshot| -> Vec<String> {
        snap.messages
            .iter()
            .map(|m| {
                let size = message_size(s, "INBOX", m).unwrap();
                let date = message_date(s, "INBOX", m).unwrap();
                format!("{} {:?} {size} {date}", m.uid, m.flags.to_flags(false))
            })
            .collect()
    };
    assert_eq!(seen(&mut other, &snap2), seen(&mut s, &snap));
}

#[test]
fn recent_goes_to_one_claimant() {
    let d = tempfile::tempdir().unwrap();
    let mut a = open(d.path());
    let mut b = open(d.path());
    a.deliver("INBOX", b"one\n").unwrap();
    a.deliver("INBOX", b"two\n").unwrap();
    let peek = b.snapshot("INBOX", false).unwrap();
    assert_eq!(uids(&peek), [1, 2]);
    assert_eq!(peek.unclaimed_recent, 2);
    assert!(peek.claimed_recent.is_empty());
    let sa = a.snapshot("INBOX", true).unwrap();
    let sb = b.snapshot("INBOX", true).unwrap();
    assert_eq!(sa.claimed_recent, [1, 2]);
    assert!(sb.claimed_recent.is_empty());
    assert_eq!(sb.unclaimed_recent, 0);
    // Claiming kept the UIDs given while the files were in new/.
    assert_eq!(uids(&sb), [1, 2]);
}

/// Expunging a message with keywords removes its keyword file (Courier would otherwise keep
/// it until its stale-file rule), and the others' stay.
#[test]
fn expunge_removes_keyword_files() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    s.append("INBOX", msg("a\n", &[kw("one"), Flag::Deleted]))
        .unwrap();
    s.append("INBOX", msg("b\n", &[kw("two")])).unwrap();
    let kw_dir = d.path().join("courierimapkeywords");
    let files = || {
        std::fs::read_dir(&kw_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !n.starts_with(':') && !n.starts_with('.'))
            .count()
    };
    assert_eq!(files(), 2);
    assert_eq!(s.expunge_deleted("INBOX", None).unwrap(), [1]);
    assert_eq!(files(), 1);
}

/// Messages that arrive while a watching handle expunges (the events it reads under the lock
/// bring them) are given UIDs and listed afterwards, like those a fresh handle finds.
#[test]
fn arrivals_met_by_an_expunge_are_listed() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let mut s = open(root);
    s.append("INBOX", msg("Subject: a\r\n\r\nx\r\n", &[Flag::Deleted]))
        .unwrap();
    s.append("INBOX", msg("Subject: b\r\n\r\ny\r\n", &[]))
        .unwrap();
    for _ in 0..3 {
        s.snapshot("INBOX", true).unwrap();
    }
    open(root).deliver("INBOX", b"Subject: mda\n\nz\n").unwrap();
    std::fs::write(
        root.join("cur").join("1700000000.M1P1.test:2,S"),
        "Subject: by hand\n\nq\n",
    )
    .unwrap();
    assert_eq!(s.expunge_deleted("INBOX", None).unwrap(), [1]);
    let mine = s.snapshot("INBOX", false).unwrap();
    let fresh = open(root).snapshot("INBOX", false).unwrap();
    assert_eq!(mine.messages.len(), 3);
    assert_eq!(mine.messages, fresh.messages);
}

#[test]
fn expunge_and_remove() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    for i in 0..4 {
        s.append("INBOX", msg(&format!("m{i}\n"), &[])).unwrap();
    }
    s.change_flags("INBOX", &[1, 3, 4], &FlagChange::Add(set(&[Flag::Deleted])))
        .unwrap();
    // Another session clears \Deleted on 4 before the expunge.
    let mut other = open(d.path());
    other.snapshot("INBOX", false).unwrap();
    other
        .change_flags("INBOX", &[4], &FlagChange::Remove(set(&[Flag::Deleted])))
        .unwrap();
    assert_eq!(s.expunge_deleted("INBOX", Some(&[3, 4])).unwrap(), [3]);
    assert_eq!(s.expunge_deleted("INBOX", None).unwrap(), [1]);
    assert_eq!(s.remove("INBOX", &[2, 7]).unwrap(), [2]);
    let snap = s.snapshot("INBOX", false).unwrap();
    assert_eq!(uids(&snap), [4]);
    assert_eq!(snap.uid_next, 5);
    assert_eq!(s.content("INBOX", 2), Err(StoreError::Expunged));
    // UIDs are never reused.
    assert_eq!(s.append("INBOX", msg("new\n", &[])).unwrap().1, 5);
}

/// Two sessions of one Maildir whose INBOX holds one message ("x", UID 1, `flags`), both
/// having seen it (so each remembers its file's name).
fn two_sessions_on_one_message(flags: &[Flag]) -> (tempfile::TempDir, MaildirStore, MaildirStore) {
    let d = tempfile::tempdir().unwrap();
    let mut a = open(d.path());
    let mut b = open(d.path());
    a.append("INBOX", msg("x\n", flags)).unwrap();
    a.snapshot("INBOX", false).unwrap();
    b.snapshot("INBOX", false).unwrap();
    (d, a, b)
}

/// A STORE that changes nothing by the name a session remembers still answers the flags the
/// file has now, after another process renamed it.
#[test]
fn a_store_that_changes_nothing_answers_the_current_flags() {
    let (_d, mut a, mut b) = two_sessions_on_one_message(&[Flag::Seen]);
    b.change_flags("INBOX", &[1], &FlagChange::Add(set(&[Flag::Flagged])))
        .unwrap();
    let out = a
        .change_flags("INBOX", &[1], &FlagChange::Add(set(&[Flag::Seen])))
        .unwrap();
    assert_eq!(out.len(), 1);
    assert!(out[0].1.seen() && out[0].1.contains(&Flag::Flagged));
}

#[test]
fn store_follows_renames_by_others() {
    let (_d, mut a, mut b) = two_sessions_on_one_message(&[]);
    b.change_flags("INBOX", &[1], &FlagChange::Add(set(&[Flag::Seen])))
        .unwrap();
    // `a` still remembers the old name.
    let out = a
        .change_flags("INBOX", &[1], &FlagChange::Add(set(&[Flag::Answered])))
        .unwrap();
    assert!(out[0].1.seen() && out[0].1.contains(&Flag::Answered));
    assert_eq!(a.content("INBOX", 1).unwrap(), b"x\n");
    b.remove("INBOX", &[1]).unwrap();
    assert_eq!(a.content("INBOX", 1), Err(StoreError::Expunged));
    assert!(a
        .change_flags("INBOX", &[1], &FlagChange::Add(set(&[Flag::Seen])))
        .unwrap()
        .is_empty());
}

/// Contents read ahead are the contents read one by one, also for messages another session
/// renamed (a flag change) or expunged after this one last listed them, for messages not
/// asked for, and for one asked for out of order (the read-ahead ends; reads go on).
#[test]
fn read_ahead_answers_what_content_answers() {
    let d = tempfile::tempdir().unwrap();
    let mut a = open(d.path());
    let mut b = open(d.path());
    for i in 1..=40 {
        a.append("INBOX", msg(&format!("message {i}\n").repeat(i), &[]))
            .unwrap();
    }
    let want = |u: Uid| format!("message {u}\n").repeat(u as usize).into_bytes();
    a.snapshot("INBOX", false).unwrap();
    b.snapshot("INBOX", false).unwrap();
    b.change_flags("INBOX", &[5, 20], &FlagChange::Add(set(&[Flag::Seen])))
        .unwrap();
    b.remove("INBOX", &[7]).unwrap();
    let all: Vec<Uid> = (1..=40).collect();
    a.read_ahead("INBOX", &all, Reads::All);
    for u in (1..=40).filter(|u| u % 10 != 3) {
        match a.content("INBOX", u) {
            Ok(data) => assert_eq!(data, want(u), "UID {u}"),
            Err(e) => assert_eq!((u, e), (7, StoreError::Expunged)),
        }
    }
    a.end_read_ahead();
    a.read_ahead("INBOX", &all, Reads::All);
    assert_eq!(a.content("INBOX", 30).unwrap(), want(30));
    assert_eq!(a.content("INBOX", 2).unwrap(), want(2));
    assert_eq!(a.content("INBOX", 31).unwrap(), want(31));
    a.end_read_ahead();
    // only the messages without a kept summary, once a few were read one by one
    for u in 10..20 {
        let data = a.content("INBOX", u).unwrap();
        let msg = imapd::message::Message::parse(&data);
        let summary = std::sync::Arc::new(imapd::message::summary::Summary::of(&msg));
        a.keep_summary("INBOX", u, summary, &data[msg.header_range()]);
    }
    a.read_ahead("INBOX", &all, Reads::Unsummarised);
    for u in (1..=40).filter(|&u| u != 7) {
        assert_eq!(a.content("INBOX", u).unwrap(), want(u), "UID {u}");
    }
    a.end_read_ahead();
}

#[test]
fn folders_and_subscriptions() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    s.create("INBOX.A.B").unwrap();
    s.create("INBOX.café").unwrap();
    assert!(d.path().join(".A.B/maildirfolder").is_file());
    assert!(d.path().join(".café/cur").is_dir());
    assert_eq!(s.create("INBOX.A.B"), Err(StoreError::AlreadyExists));
    assert_eq!(s.create("INBOX"), Err(StoreError::AlreadyExists));
    assert!(matches!(s.create("Other"), Err(StoreError::InvalidName(_))));
    let list: Vec<(String, bool)> = s
        .list()
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.selectable))
        .collect();
    assert_eq!(
        list,
        [
            ("INBOX".to_string(), true),
            ("INBOX.A".to_string(), false),
            ("INBOX.A.B".to_string(), true),
            ("INBOX.café".to_string(), true),
        ]
    );
    assert_eq!(s.snapshot("INBOX.A", false), Err(StoreError::NoSuchMailbox));
    s.append("INBOX.A.B", msg("x\n", &[])).unwrap();
    s.create("INBOX.A").unwrap();
    assert!(matches!(s.delete("INBOX.A"), Err(StoreError::Cannot(_))));
    s.rename("INBOX.A", "INBOX.Z").unwrap();
    assert!(d.path().join(".Z.B").is_dir() && !d.path().join(".A").exists());
    assert_eq!(uids(&s.snapshot("INBOX.Z.B", false).unwrap()), [1]);
    assert_eq!(
        s.rename("INBOX.Z", "INBOX.café"),
        Err(StoreError::AlreadyExists)
    );
    assert!(matches!(
        s.rename("INBOX.Z", "INBOX.Z.in"),
        Err(StoreError::Cannot(_))
    ));
    s.delete("INBOX.Z.B").unwrap();
    s.delete("INBOX.Z").unwrap();
    assert_eq!(s.delete("INBOX.Z"), Err(StoreError::NoSuchMailbox));
    assert!(matches!(s.delete("INBOX"), Err(StoreError::Cannot(_))));
    // Nothing left of the deletions (UIDVALIDITY claim markers aside, uiddb.rs).
    let left = std::fs::read_dir(d.path().join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with(imapd::store::uiddb::VALIDITY_MARKER))
        .count();
    assert_eq!(left, 0);

    s.set_subscribed("INBOX.NoSuch", true).unwrap();
    s.set_subscribed("INBOX.café", true).unwrap();
    s.set_subscribed("INBOX.café", true).unwrap();
    assert_eq!(
        std::fs::read_to_string(d.path().join("courierimapsubscribed")).unwrap(),
        "INBOX.NoSuch\nINBOX.café\n"
    );
    s.set_subscribed("INBOX.NoSuch", false).unwrap();
    assert_eq!(s.subscriptions().unwrap(), ["INBOX.café"]);
    assert!(s.set_subscribed("INBOX..x", true).is_err());
}

/// A folder deleted and re-created within one second, by two handles (as two processes
/// would), gets a new UIDVALIDITY each time (uiddb.rs claim markers).
#[test]
fn recreated_folder_gets_new_uidvalidity() {
    let d = tempfile::tempdir().unwrap();
    let mut a = open(d.path());
    let mut b = open(d.path());
    let mut seen = BTreeSet::new();
    for i in 0..4 {
        let s = if i % 2 == 0 { &mut a } else { &mut b };
        s.create("INBOX.X").unwrap();
        assert!(seen.insert(s.snapshot("INBOX.X", false).unwrap().uid_validity));
        s.delete("INBOX.X").unwrap();
    }
    // Each new value is greater than the last (RFC 3501 §2.3.1.1).
    let v: Vec<u32> = seen.into_iter().collect();
    assert!(v.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn rename_inbox_moves_messages() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    s.append("INBOX", msg("a\n", &[kw("k")])).unwrap();
    s.append("INBOX", msg("b\n", &[Flag::Seen])).unwrap();
    s.remove("INBOX", &[1]).unwrap();
    s.append("INBOX", msg("c\n", &[])).unwrap();
    s.rename("INBOX", "INBOX.Old").unwrap();
    let inbox = s.snapshot("INBOX", false).unwrap();
    assert!(inbox.messages.is_empty());
    assert_eq!(inbox.uid_next, 4);
    let old = s.snapshot("INBOX.Old", false).unwrap();
    assert_eq!(uids(&old), [1, 2]);
    assert_ne!(old.uid_validity, inbox.uid_validity);
    assert!(old.messages[0].flags.seen());
    assert_eq!(s.content("INBOX.Old", 2).unwrap(), b"c\n");
}

#[test]
fn copy_keeps_flags_keywords_and_date() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    s.create("INBOX.T").unwrap();
    let date = DateTime::new(Date::new(2001, 9, 9).unwrap(), 1, 46, 40, 0).unwrap();
    s.append(
        "INBOX",
        NewMessage {
            data: b"hello\r\n".to_vec(),
            flags: set(&[Flag::Flagged, kw("blue")]),
            internal_date: Some(date),
        },
    )
    .unwrap();
    s.append("INBOX", msg("two\n", &[])).unwrap();
    let c = s.copy("INBOX", &[2, 1, 99], "INBOX.T").unwrap();
    let t = s.snapshot("INBOX.T", false).unwrap();
    assert_eq!(c.uid_validity, t.uid_validity);
    assert_eq!(c.pairs, [(1, 1), (2, 2)]);
    let m = &t.messages[0];
    assert!(m.flags.contains(&Flag::Flagged) && m.flags.contains(&kw("blue")));
    assert_eq!(message_date(&mut s, "INBOX.T", m), Ok(date));
    assert_eq!(m.size, Some(7));
    assert_eq!(s.content("INBOX.T", 1).unwrap(), b"hello\n");
    // Copying again within the same folder gives new names and UIDs.
    let c = s.copy("INBOX.T", &[1], "INBOX.T").unwrap();
    assert_eq!(c.pairs, [(1, 3)]);
    assert_eq!(
        s.copy("INBOX", &[1], "INBOX.None"),
        Err(StoreError::NoSuchMailbox)
    );
}

#[test]
fn damaged_uid_db_gives_new_validity_and_loses_nothing() {
    for damage in [
        &b""[..],
        b"1 12",
        b"garbage\n",
        b"1 5 3\n1 a\n1 b\n",
        b"\xff\xfe",
    ] {
        let d = tempfile::tempdir().unwrap();
        let mut s = open(d.path());
        for i in 0..3 {
            s.append("INBOX", msg(&format!("m{i}\n"), &[])).unwrap();
        }
        let before = s.snapshot("INBOX", false).unwrap();
        std::fs::write(d.path().join("courierimapuiddb"), damage).unwrap();
        let mut fresh = open(d.path());
        let after = fresh.snapshot("INBOX", false).unwrap();
        assert!(after.uid_validity > before.uid_validity, "{damage:?}");
        assert_eq!(uids(&after), [1, 2, 3]);
        let bodies: BTreeSet<Vec<u8>> = (1..=3)
            .map(|u| fresh.content("INBOX", u).unwrap())
            .collect();
        assert_eq!(bodies.len(), 3);
    }
    // A truncated line still parses as a (gone) name: the message is re-registered with a
    // new UID, never a reused one.
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    s.append("INBOX", msg("a\n", &[])).unwrap();
    s.append("INBOX", msg("b\n", &[])).unwrap();
    let db = std::fs::read_to_string(d.path().join("courierimapuiddb")).unwrap();
    std::fs::write(d.path().join("courierimapuiddb"), &db[..db.len() - 10]).unwrap();
    let after = open(d.path()).snapshot("INBOX", false).unwrap();
    assert_eq!(after.messages.len(), 2);
}

#[test]
fn two_handles_interleaved_appends() {
    let d = tempfile::tempdir().unwrap();
    let mut a = open(d.path());
    let mut b = open(d.path());
    let mut got = Vec::new();
    for i in 0..20 {
        let s = if i % 2 == 0 { &mut a } else { &mut b };
        got.push(s.append("INBOX", msg(&format!("{i}\n"), &[])).unwrap().1);
    }
    assert_eq!(got, (1..=20).collect::<Vec<_>>());
}

fn stress(dot_lock: bool) {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().to_path_buf();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut o = opts();
                o.lock.dot_lock = dot_lock;
                let mut s = MaildirStore::open(&root, o).unwrap();
                let mut mine = Vec::new();
                for i in 0..50 {
                    let (_, uid) = s.append("INBOX", msg(&format!("{t}/{i}\n"), &[])).unwrap();
                    mine.push(uid);
                    if i % 10 == 0 {
                        s.snapshot("INBOX", true).unwrap();
                    }
                }
                // Each thread's UIDs ascend.
                assert!(mine.windows(2).all(|w| w[0] < w[1]));
                mine
            })
        })
        .collect();
    let mut all: Vec<Uid> = threads
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort_unstable();
    let n = all.len();
    all.dedup();
    assert_eq!(all.len(), n, "duplicate UIDs");
    assert_eq!(n, 200);
    let mut s = open(&root);
    let snap = s.snapshot("INBOX", false).unwrap();
    assert_eq!(uids(&snap), all);
    let bodies: BTreeSet<Vec<u8>> = all
        .iter()
        .map(|&u| s.content("INBOX", u).unwrap())
        .collect();
    assert_eq!(bodies.len(), 200);
}

#[test]
fn stress_four_threads_dot_lock() {
    stress(true);
}

#[test]
fn stress_four_threads_without_dot_lock() {
    stress(false);
}

/// Runs one scenario on any store and returns what a client could observe.
fn scenario(s: &mut dyn Store) -> Vec<String> {
    let mut out = Vec::new();
    let mut note = |what: &str, r: String| out.push(format!("{what}: {r}"));
    let view = |s: &mut dyn Store, mailbox: &str| {
        let snap = s.snapshot(mailbox, false).unwrap();
        let m: Vec<String> = snap
            .messages
            .iter()
            .map(|m| {
                let size = message_size(s, mailbox, m).unwrap();
                format!("{} {:?} {size}", m.uid, m.flags.to_flags(false))
            })
            .collect();
        format!("next={} {:?} kw={:?}", snap.uid_next, m, snap.keywords)
    };
    note("create", format!("{:?}", s.create("INBOX.Work.Sub")));
    note("create2", format!("{:?}", s.create("INBOX.Work")));
    note("createbad", format!("{:?}", s.create("INBOX..x").is_err()));
    for i in 0..5 {
        let flags = if i % 2 == 0 {
            vec![Flag::Seen]
        } else {
            vec![kw("x")]
        };
        note(
            "append",
            format!(
                "{:?}",
                s.append("INBOX", msg(&format!("L{i}\r\nline\r\n"), &flags))
                    .map(|r| r.1)
            ),
        );
    }
    s.snapshot("INBOX", true).unwrap();
    note("snap", view(s, "INBOX"));
    note(
        "store",
        format!(
            "{:?}",
            s.change_flags(
                "INBOX",
                &[2, 3, 42],
                &FlagChange::Replace(set(&[Flag::Deleted, kw("y")]))
            )
        ),
    );
    note(
        "copy",
        format!(
            "{:?}",
            s.copy("INBOX", &[1, 3, 5], "INBOX.Work").map(|c| c.pairs)
        ),
    );
    note("expunge", format!("{:?}", s.expunge_deleted("INBOX", None)));
    note("remove", format!("{:?}", s.remove("INBOX", &[4])));
    note("snap", view(s, "INBOX"));
    note("snapw", view(s, "INBOX.Work"));
    // The memory store keeps CRLF, the Maildir store LF (as both peers).
    let lf = |r: Result<Vec<u8>, StoreError>| {
        r.map(|b| String::from_utf8_lossy(&b).replace("\r\n", "\n"))
    };
    note("content", format!("{:?}", lf(s.content("INBOX.Work", 2))));
    note("gone", format!("{:?}", s.content("INBOX", 2)));
    note(
        "rename",
        format!("{:?}", s.rename("INBOX.Work", "INBOX.Play")),
    );
    note("list", format!("{:?}", s.list()));
    note("del", format!("{:?}", s.delete("INBOX.Play")));
    note("del2", format!("{:?}", s.delete("INBOX.Play.Sub")));
    note("del3", format!("{:?}", s.delete("INBOX.Play")));
    note("sub", format!("{:?}", s.set_subscribed("INBOX.Play", true)));
    note("subs", format!("{:?}", s.subscriptions()));
    note("list", format!("{:?}", s.list()));
    out
}

#[test]
fn differential_against_memory_store() {
    let d = tempfile::tempdir().unwrap();
    let mut disk = open(d.path());
    let mut mem = MemoryStore::new();
    let a = scenario(&mut disk);
    let b = scenario(&mut mem);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    assert_eq!(a.len(), b.len());
}

/// Child half of `processes_append_concurrently`: does nothing unless started by it.
#[test]
fn child_appender() {
    let Some(dir) = std::env::var_os("IMAPD_TEST_CHILD_MAILDIR") else {
        return;
    };
    let mut s = open(Path::new(&dir));
    for i in 0..25 {
        let (_, uid) = s
            .append("INBOX", msg(&format!("{}/{i}\n", std::process::id()), &[]))
            .unwrap();
        println!("APPENDED-UID {uid}");
        if i % 5 == 0 {
            s.snapshot("INBOX", true).unwrap();
        }
    }
}

/// Separate processes (distinct pids, so the dot-lock itself is what excludes them).
#[test]
fn processes_append_concurrently() {
    let d = tempfile::tempdir().unwrap();
    open(d.path());
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "child_appender",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("IMAPD_TEST_CHILD_MAILDIR", d.path())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut all = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let mine: Vec<Uid> = text
            .lines()
            .filter_map(|l| l.split("APPENDED-UID ").nth(1))
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(mine.len(), 25);
        assert!(mine.windows(2).all(|w| w[0] < w[1]));
        all.extend(mine);
    }
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 75, "duplicate UIDs across processes");
    let snap = open(d.path()).snapshot("INBOX", false).unwrap();
    assert_eq!(uids(&snap), all);
}

/// Moves the mtimes of a folder's watched entries into the past, as if the last change
/// happened a while ago (the snapshot cache trusts only settled stamps, store/stamp.rs).
fn age(folder: &Path) {
    let past = std::time::SystemTime::now() - Duration::from_secs(60);
    for name in [".", "cur", "new", "courierimapkeywords", "courierimapuiddb"] {
        if let Ok(f) = std::fs::File::open(folder.join(name)) {
            f.set_modified(past).expect("set mtime");
        }
    }
}

/// Two handles on one Maildir whose INBOX holds three messages appended by the first.
fn two_sessions_on_three_messages() -> (tempfile::TempDir, MaildirStore, MaildirStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path());
    let b = open(dir.path());
    for i in 0..3 {
        a.append("INBOX", msg(&format!("m{i}"), &[])).unwrap();
    }
    (dir, a, b)
}

#[test]
fn unchanged_folder_snapshots_are_reused_and_changes_still_show() {
    let (dir, mut a, mut b) = two_sessions_on_three_messages();
    std::fs::write(dir.path().join("new/9.M1P1.host"), b"Subject: n\n\nx\n").unwrap();
    age(dir.path());
    let first = a.snapshot("INBOX", true).unwrap();
    assert_eq!(
        first.claimed_recent.len(),
        1,
        "the delivery is claimed once"
    );
    age(dir.path());
    let second = a.snapshot("INBOX", true).unwrap();
    let third = a.snapshot("INBOX", true).unwrap();
    assert_eq!(uids(&second), uids(&first));
    assert_eq!(second, third, "an unchanged folder gives the same snapshot");
    assert!(third.claimed_recent.is_empty(), "nothing is claimed twice");
    // Another process changes flags and keywords, delivers, expunges: each shows at once.
    let u = uids(&first)[0];
    b.change_flags(
        "INBOX",
        &[u],
        &FlagChange::Add(set(&[Flag::Seen, kw("$Work")])),
    )
    .unwrap();
    let s = a.snapshot("INBOX", false).unwrap();
    let m = s.messages.iter().find(|m| m.uid == u).unwrap();
    assert!(m.flags.contains(&Flag::Seen) && m.flags.contains(&kw("$Work")));
    age(dir.path());
    a.snapshot("INBOX", false).unwrap();
    b.deliver("INBOX", b"Subject: later\n\nx\n").unwrap();
    let s = a.snapshot("INBOX", true).unwrap();
    assert_eq!(
        s.claimed_recent.len(),
        1,
        "a later delivery is seen and claimed"
    );
    age(dir.path());
    a.snapshot("INBOX", false).unwrap();
    b.change_flags("INBOX", &[u], &FlagChange::Add(set(&[Flag::Deleted])))
        .unwrap();
    b.expunge_deleted("INBOX", None).unwrap();
    let s = a.snapshot("INBOX", false).unwrap();
    assert!(
        !uids(&s).contains(&u),
        "an expunge by another process shows"
    );
}

/// `Store::header` reads the start of the file up to the blank line, whatever the size of
/// the header, and agrees with the in-memory store.
#[test]
fn header_reads_only_the_header() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    let mut m = MemoryStore::new();
    let long = format!("X-Long: {}\r\n", "v".repeat(900)).repeat(20);
    // (message, its header); the Maildir may store CRLF as LF, so compare without CR
    let cases: Vec<(String, String)> = vec![
        (
            "Subject: a\r\n\r\nbody\r\n".into(),
            "Subject: a\r\n\r\n".into(),
        ),
        ("Subject: a\n\nbody\n".into(), "Subject: a\n\n".into()),
        ("Subject: no body\n\n".into(), "Subject: no body\n\n".into()),
        (
            "Subject: no blank\nX: y".into(),
            "Subject: no blank\nX: y".into(),
        ),
        (
            format!("{long}\r\n{}", "b".repeat(200_000)),
            format!("{long}\r\n"),
        ),
    ];
    let lf = |b: &[u8]| -> Vec<u8> { b.iter().copied().filter(|&c| c != b'\r').collect() };
    for (data, header) in &cases {
        let nm = NewMessage {
            data: data.clone().into_bytes(),
            flags: set(&[]),
            internal_date: None,
        };
        let (_, u) = s.append("INBOX", nm.clone()).unwrap();
        let (_, mu) = m.append("INBOX", nm).unwrap();
        for (h, all) in [
            (
                s.header("INBOX", u).unwrap(),
                s.content("INBOX", u).unwrap(),
            ),
            (
                m.header("INBOX", mu).unwrap(),
                m.content("INBOX", mu).unwrap(),
            ),
        ] {
            assert_eq!(lf(&h), lf(header.as_bytes()));
            assert!(all.starts_with(&h));
        }
    }
    assert_eq!(s.header("INBOX", 999), Err(StoreError::Expunged));
}

/// Files without a `,W=` size hint (Courier's, an MTA's) are read once: the sizes go to
/// `imapd.sizes`, which the next session trusts only while each file keeps its size and
/// mtime (store/sizes.rs).
#[test]
fn sizes_of_hintless_files_are_kept_for_the_next_session() {
    let d = tempfile::tempdir().unwrap();
    open(d.path()); // creates cur/ new/ tmp/
    let n = 40;
    for i in 0..n {
        // Courier-style name: `,S=` only. The body has i + 2 LFs, so RFC822.SIZE = len + i + 2.
        let body = format!("Subject: {i}\n\n{}", "x\n".repeat(i));
        let name = format!("{}.M{i}P1.host,S={}:2,S", 1_700_000_000 + i, body.len());
        std::fs::write(d.path().join("cur").join(name), &body).unwrap();
    }
    let expect = |i: usize| (format!("Subject: {i}\n\n").len() + 2 * i + i + 2) as u64;
    let mut s = open(d.path());
    let first = s.snapshot("INBOX", true).unwrap();
    // Opening the folder reads no message and makes no stat: nobody asked yet.
    assert!(first
        .messages
        .iter()
        .all(|m| m.size.is_none() && m.internal_date.is_none()));
    let file = d.path().join("imapd.sizes");
    assert!(!file.exists());
    let sizes: Vec<u64> = first
        .messages
        .iter()
        .map(|m| message_size(&mut s, "INBOX", m).unwrap())
        .collect();
    assert_eq!(sizes, (0..n).map(expect).collect::<Vec<_>>());
    drop(s); // written when the session ends (or at its next look at the folder)
    let text = std::fs::read_to_string(&file).expect("imapd.sizes written");
    assert_eq!(text.lines().count(), n + 1);

    // The next session takes the sizes from the file: prove it by planting a different
    // (still plausible) size for message 3 ...
    let base3 = format!("{}.M3P1.host,S=", 1_700_000_003);
    let planted: String = text
        .lines()
        .map(|l| {
            if l.starts_with(&base3) {
                let mut f: Vec<String> = l.split(' ').map(str::to_owned).collect();
                let bytes: u64 = f[1].parse().unwrap();
                f[3] = (bytes + 1).to_string();
                format!("{}\n", f.join(" "))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(&file, planted).unwrap();
    let mut s = open(d.path());
    let second = s.snapshot("INBOX", false).unwrap();
    // (a snapshot makes no stat, so it cannot check the file's entries: sizes come later)
    assert!(second.messages.iter().all(|m| m.size.is_none()));
    assert_ne!(
        message_size(&mut s, "INBOX", &second.messages[3]),
        Ok(expect(3)),
        "the sizes file was not used"
    );
    assert_eq!(
        message_size(&mut s, "INBOX", &second.messages[4]),
        Ok(expect(4))
    );
    drop(s);
    // ... which stops counting once the file is not the one measured (another mtime).
    let path3 = std::fs::read_dir(d.path().join("cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(".M3P1."))
        .unwrap();
    let f = std::fs::File::options().write(true).open(&path3).unwrap();
    f.set_modified(std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000))
        .unwrap();
    drop(f);
    let mut s = open(d.path());
    let third = s.snapshot("INBOX", false).unwrap();
    assert_eq!(third.messages[3].size, None);
    assert_eq!(
        message_size(&mut s, "INBOX", &third.messages[3]),
        Ok(expect(3))
    );
}

/// Dates and sizes are looked up from the folder's own path even after a RENAME of another
/// folder made this handle forget what it knew (and the snapshot it reused).
#[test]
fn dates_and_sizes_after_a_rename_of_another_folder() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    s.create("INBOX.Work").unwrap();
    s.create("INBOX.Foo").unwrap();
    for body in ["a\n", "bb\n"] {
        s.append("INBOX.Work", msg(body, &[])).unwrap();
    }
    // settled, so the next snapshot is kept and reused while nothing changes (stamp.rs)
    std::thread::sleep(Duration::from_millis(300));
    s.snapshot("INBOX.Work", false).unwrap();
    s.rename("INBOX.Foo", "INBOX.Bar").unwrap();
    let snap = s.snapshot("INBOX.Work", false).unwrap();
    for (m, size) in snap.messages.iter().zip([3, 4]) {
        assert!(message_date(&mut s, "INBOX.Work", m).is_ok(), "{m:?}");
        assert_eq!(message_size(&mut s, "INBOX.Work", m), Ok(size));
    }
}

/// Sizes counted while reading whole messages (BODY[], SEARCH TEXT) go to `imapd.sizes`
/// like those counted for RFC822.SIZE, and are not counted again.
#[test]
fn sizes_from_content_reads_are_kept() {
    let d = tempfile::tempdir().unwrap();
    open(d.path());
    let n = 40;
    for i in 0..n {
        let body = format!("Subject: {i}\n\n{}", "x\n".repeat(i));
        let name = format!("{}.M{i}P1.host,S={}:2,S", 1_700_000_000 + i, body.len());
        std::fs::write(d.path().join("cur").join(name), &body).unwrap();
    }
    let mut s = open(d.path());
    let snap = s.snapshot("INBOX", false).unwrap();
    for m in snap.messages.iter() {
        s.content("INBOX", m.uid).unwrap();
    }
    drop(s);
    let text = std::fs::read_to_string(d.path().join("imapd.sizes")).expect("imapd.sizes");
    assert_eq!(text.lines().count(), n + 1);
}

/// The first look at a settled folder, which writes its UID database, saves the counts
/// (the database's fresh mtime need not be settled: its header is compared), and a new
/// handle answers from them (proved by planting a count).
#[test]
fn status_counts_are_saved_by_the_look_that_writes_the_database() {
    let d = tempfile::tempdir().unwrap();
    let box_dir = d.path().join(".Box");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(box_dir.join(sub)).unwrap();
    }
    std::fs::write(box_dir.join("cur/1.M1P1.h:2,S"), b"a\n").unwrap();
    std::fs::write(box_dir.join("cur/2.M2P2.h:2,"), b"b\n").unwrap();
    if imapd::store::stamp::settle_time(d.path()) != imapd::store::stamp::SETTLE_LOCAL {
        return; // imapd.status is used on local file systems only
    }
    let past = std::time::SystemTime::now() - Duration::from_secs(60);
    for sub in ["cur", "new"] {
        std::fs::File::open(box_dir.join(sub))
            .unwrap()
            .set_modified(past)
            .unwrap();
    }
    let counts = |s: &mut MaildirStore| {
        let c = s.counts("INBOX.Box", false).unwrap();
        (c.messages, c.unseen, c.uid_next)
    };
    assert_eq!(counts(&mut open(d.path())), (2, 1, 3));
    assert!(box_dir.join("courierimapuiddb").exists());
    let file = box_dir.join("imapd.status");
    let text = std::fs::read_to_string(&file).expect("saved by the first look");
    // (the look wrote the database: its header is checked at every use)
    assert!(text.ends_with(" 0\n"), "{text:?}");
    std::fs::write(&file, plant_messages(&text, 2, 22)).unwrap();
    assert_eq!(
        counts(&mut open(d.path())),
        (22, 1, 3),
        "answered from the file"
    );
}

/// `imapd.status`'s line (store/status.rs: `… UIDVALIDITY UIDNEXT MESSAGES UNSEEN RECENT
/// database-settled`) with MESSAGES `was` made `planted`.
fn plant_messages(line: &str, was: u64, planted: u64) -> String {
    let mut fields: Vec<String> = line.trim_end().split(' ').map(str::to_owned).collect();
    let at = fields.len() - 4;
    assert_eq!(fields[at], was.to_string(), "MESSAGES in {line:?}");
    fields[at] = planted.to_string();
    fields.join(" ") + "\n"
}

/// STATUS counts of a folder nobody changed are saved in `imapd.status` and used by the
/// next session (proved by planting a count), and never once the folder changed.
#[test]
fn status_counts_are_saved_for_an_unchanged_folder() {
    let d = tempfile::tempdir().unwrap();
    let mut a = open(d.path());
    a.create("INBOX.Box").unwrap();
    for (i, flags) in [vec![Flag::Seen], vec![], vec![]].into_iter().enumerate() {
        a.append("INBOX.Box", msg(&format!("m{i}\n"), &flags))
            .unwrap();
    }
    a.deliver("INBOX.Box", b"new\n").unwrap();
    let settle = imapd::store::stamp::settle_time(d.path());
    if settle != imapd::store::stamp::SETTLE_LOCAL {
        return; // imapd.status is used on local file systems only
    }
    let counts = |s: &mut MaildirStore| {
        let c = s.counts("INBOX.Box", false).unwrap();
        (c.messages, c.unseen, c.recent, c.uid_next)
    };
    // A directory changed just now is not settled, so nothing is saved (its mtime put
    // ahead, so a slow machine cannot let it settle before the look begins).
    let ahead = Duration::from_millis(300);
    std::fs::File::open(d.path().join(".Box/new"))
        .unwrap()
        .set_modified(std::time::SystemTime::now() + ahead)
        .unwrap();
    assert_eq!(counts(&mut a), (4, 3, 1, 5));
    let file = d.path().join(".Box/imapd.status");
    assert!(!file.exists());
    // settled (stamp.rs)
    std::thread::sleep(ahead + settle + Duration::from_millis(200));
    assert_eq!(counts(&mut a), (4, 3, 1, 5));
    let text = std::fs::read_to_string(&file).expect("imapd.status written");
    // (a database settled before the look: its entry in the stamp is proof enough; a file
    // system that keeps whole seconds only settles a second later, stamp.rs)
    let db_meta = std::fs::metadata(d.path().join(".Box/courierimapuiddb")).unwrap();
    if std::os::unix::fs::MetadataExt::mtime_nsec(&db_meta) != 0 {
        assert!(text.ends_with(" 1\n"), "{text:?}");
    }
    // planted: 4 messages become 44
    std::fs::write(&file, plant_messages(&text, 4, 44)).unwrap();
    assert_eq!(
        counts(&mut open(d.path())),
        (44, 3, 1, 5),
        "the saved counts were not used"
    );
    // a UID database changed in place (its next UID) makes them stale
    let db = d.path().join(".Box/courierimapuiddb");
    let old = std::fs::read_to_string(&db).unwrap();
    let (head, rest) = old.split_once('\n').unwrap();
    std::fs::write(
        &db,
        format!("{} {}\n{rest}", head.rsplit_once(' ').unwrap().0, 9),
    )
    .unwrap();
    assert_eq!(counts(&mut open(d.path())), (4, 3, 1, 9));
    // so does a flag change elsewhere (a rename in cur/)
    a.change_flags("INBOX.Box", &[2], &FlagChange::Add(set(&[Flag::Seen])))
        .unwrap();
    assert_eq!(counts(&mut open(d.path())), (4, 2, 1, 9));
    // and a delivery by hand
    std::fs::write(d.path().join(".Box/new/1.M1P1.host"), b"x\n").unwrap();
    assert_eq!(counts(&mut open(d.path())), (5, 3, 2, 10));
}

/// STATUS counts read from the file names alone agree with a full snapshot, through
/// unclaimed deliveries, flag changes, keywords, expunges and an outside rename.
#[test]
fn counts_agree_with_snapshots() {
    use imapd::core::store::Counts;
    let d = tempfile::tempdir().unwrap();
    let mut a = open(d.path());
    let mut b = open(d.path());
    let check = |s: &mut MaildirStore, b: &mut MaildirStore| {
        for with_size in [false, true] {
            let snap = b.snapshot("INBOX", false).unwrap();
            let mut want = Counts::of(&snap);
            if with_size {
                let mut content = |m: &MessageMeta| b.content("INBOX", m.uid).unwrap();
                want.size = Some(snap.messages.iter().map(|m| crlf_size(&content(m))).sum());
            }
            assert_eq!(s.counts("INBOX", with_size).unwrap(), want);
            // and the handle watching the folder (it counts its own list)
            assert_eq!(b.counts("INBOX", with_size).unwrap(), want);
        }
    };
    check(&mut a, &mut b);
    for i in 0..6 {
        let flags = if i % 2 == 0 { vec![Flag::Seen] } else { vec![] };
        a.append("INBOX", msg(&format!("m{i}\n"), &flags)).unwrap();
    }
    a.deliver("INBOX", b"delivered\n").unwrap();
    a.deliver("INBOX", b"delivered too\n").unwrap();
    check(&mut a, &mut b);
    let c = a.counts("INBOX", false).unwrap();
    assert_eq!((c.messages, c.unseen, c.recent), (8, 5, 2));
    a.change_flags(
        "INBOX",
        &[2, 4],
        &FlagChange::Add(set(&[Flag::Seen, kw("k")])),
    )
    .unwrap();
    a.change_flags("INBOX", &[1, 2, 3], &FlagChange::Add(set(&[Flag::Deleted])))
        .unwrap();
    check(&mut a, &mut b);
    a.expunge_deleted("INBOX", None).unwrap();
    check(&mut a, &mut b);
    // A file renamed by hand (an outside client marking it seen).
    let cur = d.path().join("cur");
    let unseen = std::fs::read_dir(&cur)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.ends_with(":2,"))
        .unwrap();
    std::fs::rename(cur.join(&unseen), cur.join(format!("{unseen}S"))).unwrap();
    check(&mut a, &mut b);
    let c = a.counts("INBOX", false).unwrap();
    assert_eq!((c.messages, c.unseen, c.recent), (5, 2, 2));
    // Claiming the deliveries takes them out of RECENT.
    a.snapshot("INBOX", true).unwrap();
    check(&mut a, &mut b);
    assert_eq!(a.counts("INBOX", false).unwrap().recent, 0);
}

/// A handle that keeps a folder open patches its message list from inotify events and its
/// own changes (store/events.rs, `patch_list`) instead of building it again: after every
/// step of a random mix of changes made by it or by another handle (flags, EXPUNGE,
/// removals), by an MDA and by hand (renames, link-then-unlink, deletions as Courier's
/// EXPUNGE makes them — the database untouched —, files taken out and put back, a line
/// taken out of the database), its snapshot and the other handle's equal the one a fresh
/// handle builds from the disk, and so does the same handle's with inotify off.
#[test]
fn patched_snapshots_equal_fresh_ones() {
    patch_mix(30, 400, 3, 0x2545_F491_4F6C_DD1D);
}

/// The same with flag changes of hundreds of messages at once in a folder of thousands (a
/// list is patched for up to a quarter of its messages, maildir.rs `PATCH_SHARE`).
#[test]
fn patched_snapshots_equal_fresh_ones_after_large_changes() {
    patch_mix(2400, 40, 560, 0x9E37_79B9_7F4A_7C15);
}

/// `initial` messages (put into `cur/` by hand, then registered), then `steps` random
/// changes, each of up to `most` + 1 messages; see `patched_snapshots_equal_fresh_ones`.
fn patch_mix(initial: usize, steps: u64, most: u64, seed: u64) {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let held = tempfile::tempdir().unwrap();
    let mut watched = open(root);
    let mut other = open(root);
    let mut listing = MaildirStore::open(
        root,
        MaildirOptions {
            list_always: true,
            ..opts()
        },
    )
    .unwrap();
    let mut rng = Rng(seed);
    let mut next = move |n: u64| rng.below(n);
    let flags = [
        Flag::Seen,
        Flag::Flagged,
        Flag::Deleted,
        kw("$Label1"),
        kw("Work"),
    ];
    let cur = root.join("cur");
    for i in 0..initial {
        std::fs::write(
            cur.join(format!("1700000000.M{i}P1.test:2,")),
            format!("Subject: {i}\n\nx\n"),
        )
        .unwrap();
    }
    watched.snapshot("INBOX", true).unwrap();
    let span = initial.max(40) as u64;
    for step in 0..steps {
        // (now and then a claim of what is in new/, by either handle)
        let snap = other.snapshot("INBOX", next(4) == 0).unwrap();
        let pick = |n: u64| -> Vec<Uid> {
            let all = uids(&snap);
            (0..=n)
                .filter_map(|k| all.get(((k * 7 + step) % span) as usize).copied())
                .collect()
        };
        let actor: &mut MaildirStore = if next(2) == 0 {
            &mut watched
        } else {
            &mut other
        };
        match next(10) {
            0 => {
                actor
                    .append("INBOX", msg(&format!("Subject: s{step}\r\n\r\ny\r\n"), &[]))
                    .unwrap();
            }
            1 => actor.deliver("INBOX", b"Subject: mda\n\nz\n").unwrap(),
            2 => {
                if next(2) == 0 {
                    actor.remove("INBOX", &pick(next(3))).unwrap();
                } else {
                    actor.expunge_deleted("INBOX", None).unwrap();
                }
            }
            3 => {
                // By hand: a rename to new letters, a link-then-unlink rename, a deletion, a
                // file taken out of the Maildir, one taken out earlier put back, or a line
                // taken out of the UID database (its file then gets a new UID).
                if next(8) == 0 {
                    let db = root.join("courierimapuiddb");
                    let text = std::fs::read_to_string(&db).unwrap();
                    let mut lines: Vec<&str> = text.lines().collect();
                    if lines.len() > 1 {
                        lines.remove(1 + next(lines.len() as u64 - 1) as usize);
                        let tmp = root.join("tmp/uiddb.edit");
                        std::fs::write(&tmp, lines.join("\n") + "\n").unwrap();
                        std::fs::rename(&tmp, &db).unwrap();
                    }
                }
                let names: Vec<String> = std::fs::read_dir(&cur)
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect();
                let pick = next(names.len().max(1) as u64) as usize;
                if let Some(old) = names.get(pick).filter(|_| next(8) != 0) {
                    let base = old.split(":2,").next().unwrap();
                    let new = format!("{base}:2,{}", ["", "F", "FS", "T"][next(4) as usize]);
                    match next(5) {
                        _ if new == *old => {}
                        0 => std::fs::rename(cur.join(old), cur.join(&new)).unwrap(),
                        1 => {
                            std::fs::hard_link(cur.join(old), cur.join(&new)).unwrap();
                            std::fs::remove_file(cur.join(old)).unwrap();
                        }
                        2 => std::fs::remove_file(cur.join(old)).unwrap(),
                        3 => std::fs::rename(cur.join(old), held.path().join(old)).unwrap(),
                        _ => {
                            let out: Vec<_> = std::fs::read_dir(held.path())
                                .unwrap()
                                .map(|e| e.unwrap().path())
                                .collect();
                            if let Some(f) = out.get(next(out.len().max(1) as u64) as usize) {
                                std::fs::rename(f, cur.join(f.file_name().unwrap())).unwrap();
                            }
                        }
                    }
                }
            }
            _ => {
                let f = flags[next(flags.len() as u64) as usize].clone();
                let change = match next(3) {
                    0 => FlagChange::Add(set(&[f])),
                    1 => FlagChange::Remove(set(&[f])),
                    _ => FlagChange::Replace(set(&[f])),
                };
                actor
                    .change_flags("INBOX", &pick(next(most + 1)), &change)
                    .unwrap();
            }
        }
        let mine = watched.snapshot("INBOX", next(4) == 0).unwrap();
        // (after `watched`, which may have made files and database agree again: the
        // other handle patches its list over a database that changed under it)
        let theirs = other.snapshot("INBOX", false).unwrap();
        let listed = listing.snapshot("INBOX", false).unwrap();
        let fresh = open(root).snapshot("INBOX", false).unwrap();
        assert_eq!(mine.messages, fresh.messages, "step {step}");
        assert_eq!(theirs.messages, fresh.messages, "step {step}");
        assert_eq!(listed.messages, fresh.messages, "step {step}");
        assert_eq!(
            (
                mine.uid_validity,
                mine.uid_next,
                &mine.keywords,
                mine.unclaimed_recent
            ),
            (
                fresh.uid_validity,
                fresh.uid_next,
                &fresh.keywords,
                fresh.unclaimed_recent
            ),
            "step {step}"
        );
    }
}

/// A selected folder deleted and made again by another session (whose `new/` and `cur/` often
/// get the freed inode numbers back on ext4) is watched anew: a delivery into it shows.
#[test]
fn recreated_folder_keeps_showing_deliveries() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let mut s = open(root);
    let mut other = open(root);
    other.create("INBOX.A").unwrap();
    for i in 0..50 {
        s.snapshot("INBOX.A", true).unwrap();
        other.delete("INBOX.A").unwrap();
        other.create("INBOX.A").unwrap();
        s.snapshot("INBOX.A", true).unwrap();
        other
            .deliver("INBOX.A", format!("Subject: {i}\n\nz\n").as_bytes())
            .unwrap();
        let mine = s.snapshot("INBOX.A", true).unwrap();
        let fresh = open(root).snapshot("INBOX.A", false).unwrap();
        assert_eq!(mine.messages, fresh.messages, "round {i}");
        assert_eq!(mine.messages.len(), 1, "round {i}");
    }
}

/// A keyword file written before its message is published (APPEND writes keywords first)
/// still reaches the snapshot's keyword union when the list is patched (RFC 3501 §7.2.6: the
/// FLAGS response must name it).
#[test]
fn patched_list_reports_keywords_published_late() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let mut s = open(root);
    let mut other = open(root);
    s.append("INBOX", msg("Subject: 1\r\n\r\nx\r\n", &[]))
        .unwrap();
    s.snapshot("INBOX", false).unwrap();
    let base = "1700000000.M1P1.host";
    imapd::store::keywords::write(root, base, ["Work"]).unwrap();
    assert!(s.snapshot("INBOX", false).unwrap().keywords.is_empty());
    std::fs::write(
        root.join("cur").join(format!("{base}:2,")),
        "Subject: k\n\nb\n",
    )
    .unwrap();
    other.snapshot("INBOX", false).unwrap(); // gives it its UID
    let mine = s.snapshot("INBOX", false).unwrap();
    let fresh = open(root).snapshot("INBOX", false).unwrap();
    assert_eq!(mine.messages, fresh.messages);
    assert_eq!(mine.keywords, vec!["Work".to_string()]);
    assert_eq!(mine.keywords, fresh.keywords);
}

/// A handle remembers each message's date and size by UID; when the UID database starts
/// over (a new UIDVALIDITY numbers the messages anew), what it remembered under the old
/// numbers must not be given to the new ones.
#[test]
fn a_new_uidvalidity_forgets_dates_and_sizes_by_uid() {
    let d = tempfile::tempdir().unwrap();
    let mut s = open(d.path());
    let write = |i: u64, body: &str, year_secs: u64| {
        let name = format!("{}.M{i}P1.host,S={}:2,S", 1_700_000_000 + i, body.len());
        let path = d.path().join("cur").join(name);
        std::fs::write(&path, body).unwrap();
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(year_secs))
            .unwrap();
        path
    };
    let a = write(0, "a\n", 1_577_880_000); // 2020
    write(1, "bb\nbb\nbb\n", 1_609_502_400); // 2021
    let snap = s.snapshot("INBOX", false).unwrap();
    let years: Vec<String> = snap
        .messages
        .iter()
        .map(|m| message_date(&mut s, "INBOX", m).unwrap().to_string()[7..11].to_owned())
        .collect();
    assert_eq!(years, ["2020", "2021"]);
    assert_eq!(message_size(&mut s, "INBOX", &snap.messages[0]), Ok(3));
    // The database goes away with message 1; the folder is numbered anew: the 2021
    // message becomes UID 1 under a new UIDVALIDITY.
    std::fs::remove_file(&a).unwrap();
    std::fs::remove_file(d.path().join("courierimapuiddb")).unwrap();
    let again = s.snapshot("INBOX", false).unwrap();
    assert_ne!(again.uid_validity, snap.uid_validity);
    assert_eq!(uids(&again), [1]);
    let m = &again.messages[0];
    assert_eq!(
        &message_date(&mut s, "INBOX", m).unwrap().to_string()[7..11],
        "2021"
    );
    assert_eq!(message_size(&mut s, "INBOX", m), Ok(12));
}

/// Sizes measured under one UIDVALIDITY cannot be matched to names under another: a new
/// database must not make the handle write an emptied `imapd.sizes` over a good one.
#[test]
fn a_new_uidvalidity_does_not_empty_the_sizes_file() {
    let d = tempfile::tempdir().unwrap();
    open(d.path()); // creates cur/ new/ tmp/
    let add = |from: usize| {
        for i in from..from + 40 {
            let body = format!("Subject: {i}\n\n{}", "x\n".repeat(i % 7));
            let name = format!("{}.M{i}P1.host,S={}:2,S", 1_700_000_000 + i, body.len());
            std::fs::write(d.path().join("cur").join(name), &body).unwrap();
        }
    };
    let measure_all = |s: &mut MaildirStore| {
        let snap = s.snapshot("INBOX", false).unwrap();
        for m in snap.messages.iter() {
            message_size(s, "INBOX", m).unwrap();
        }
    };
    add(0);
    let mut s = open(d.path());
    measure_all(&mut s);
    drop(s);
    let file = d.path().join("imapd.sizes");
    let entries = || std::fs::read_to_string(&file).unwrap().lines().count() - 1;
    assert_eq!(entries(), 40);
    let mut s = open(d.path());
    s.snapshot("INBOX", false).unwrap();
    add(40);
    measure_all(&mut s); // 40 sizes measured, not yet written
    std::fs::remove_file(d.path().join("courierimapuiddb")).unwrap();
    s.snapshot("INBOX", false).unwrap();
    drop(s);
    assert!(entries() >= 40, "{} entries left", entries());
}

/// Two sessions measuring different messages of one folder: the second to write
/// `imapd.sizes` keeps what the first wrote meanwhile.
#[test]
fn sizes_measured_by_two_sessions_are_both_kept() {
    let d = tempfile::tempdir().unwrap();
    open(d.path()); // creates cur/ new/ tmp/
    for i in 0..80 {
        let body = format!("Subject: {i}\n\n{}", "x\n".repeat(i % 5));
        let name = format!("{}.M{i}P1.host,S={}:2,S", 1_700_000_000 + i, body.len());
        std::fs::write(d.path().join("cur").join(name), &body).unwrap();
    }
    let measure = |s: &mut MaildirStore, half: usize| {
        let snap = s.snapshot("INBOX", false).unwrap();
        assert_eq!(snap.messages.len(), 80);
        for m in snap.messages.iter_from(half * 40).take(40) {
            message_size(s, "INBOX", m).unwrap();
        }
    };
    let mut a = open(d.path());
    let mut b = open(d.path());
    b.snapshot("INBOX", false).unwrap(); // before any sizes file
    measure(&mut a, 0);
    drop(a);
    measure(&mut b, 1);
    drop(b);
    let text = std::fs::read_to_string(d.path().join("imapd.sizes")).unwrap();
    assert_eq!(text.lines().count() - 1, 80);
}

/// An EXPUNGE in which one file cannot be unlinked (made immutable: EPERM even for root)
/// fails, but the others it unlinked (in parallel: 80 files) are gone from the folder and
/// from the UID database alike, and the next look shows exactly the one left. Needs
/// `chattr` and the right to use it (root on ext4, as in CI); says so and stops otherwise.
#[test]
fn an_unlink_that_fails_leaves_the_others_removed_and_recorded() {
    struct Mutable(std::path::PathBuf);
    impl Drop for Mutable {
        fn drop(&mut self) {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.0)
                .status();
        }
    }
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let mut s = open(root);
    for i in 0..80 {
        let body = format!("Subject: {i}\r\n\r\nx\r\n");
        s.append("INBOX", msg(&body, &[Flag::Deleted])).unwrap();
    }
    assert_eq!(s.snapshot("INBOX", true).unwrap().messages.len(), 80);
    let mut names: Vec<_> = std::fs::read_dir(root.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let stuck = names[37].clone();
    let made = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&stuck)
        .status()
        .is_ok_and(|st| st.success());
    let _undo = Mutable(stuck.clone());
    if !made
        || std::fs::OpenOptions::new()
            .append(true)
            .open(&stuck)
            .is_ok()
    {
        eprintln!("skipped: chattr +i is not available here");
        return;
    }
    assert!(s.expunge_deleted("INBOX", None).is_err());
    let left: Vec<_> = std::fs::read_dir(root.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(left, std::slice::from_ref(&stuck));
    let db = std::fs::read_to_string(root.join("courierimapuiddb")).unwrap();
    assert_eq!(db.lines().count(), 2, "{db}");
    let base = stuck
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .split(":2,")
        .next()
        .unwrap();
    assert!(db.lines().nth(1).unwrap().ends_with(base), "{db}");
    for mut h in [s, open(root)] {
        assert_eq!(h.snapshot("INBOX", false).unwrap().messages.len(), 1);
    }
}

/// A store at `root` with the folder `INBOX.A` holding one message.
fn folder_a_with_a_message(root: &Path) -> MaildirStore {
    let mut s = open(root);
    s.create("INBOX.A").unwrap();
    s.append("INBOX.A", msg("Subject: a\r\n\r\nx\r\n", &[]))
        .unwrap();
    s
}

/// Moves the directory `dir` to `to` and puts a symlink to it in its place.
fn replace_by_symlink(dir: &Path, to: &Path) {
    std::fs::rename(dir, to).unwrap();
    std::os::unix::fs::symlink(to, dir).unwrap();
}

/// A folder moved away and replaced by a symlink to it (same directories, same times) is
/// refused (folder.rs: real directories only), even right after a scan this handle keeps: the stamp that proves a folder
/// unchanged looks at the folder's own entry, not through it.
#[test]
fn a_folder_replaced_by_a_symlink_is_refused_after_a_kept_scan() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let mut s = folder_a_with_a_message(root);
    // (kept only once every time in the stamp lies 100 ms before the scan: stamp.rs)
    std::thread::sleep(Duration::from_millis(250));
    s.snapshot("INBOX.A", false).unwrap();
    s.snapshot("INBOX.A", false).unwrap();
    replace_by_symlink(&root.join(".A"), &root.join("elsewhere"));
    // (folder.rs refuses it: "not a directory")
    let got = s.snapshot("INBOX.A", false);
    assert!(got.is_err(), "{got:?}");
    let got = s.counts("INBOX.A", false);
    assert!(got.is_err(), "{got:?}");
}

/// STATUS answered from the saved counts (status.rs) still refuses a folder whose `cur/`
/// became a symlink: the stamp's `lstat`s see it.
#[test]
fn status_of_a_folder_whose_cur_became_a_symlink_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let mut s = folder_a_with_a_message(root);
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(s.counts("INBOX.A", false).unwrap().messages, 1);
    assert!(
        root.join(".A/imapd.status").exists(),
        "the counts were saved"
    );
    assert_eq!(open(root).counts("INBOX.A", false).unwrap().messages, 1);
    replace_by_symlink(&root.join(".A/cur"), &root.join("elsewhere"));
    // Saved counts that match the folder as it is now, symlink and all (status.rs's
    // layout): only the symlink itself can refuse them.
    let folder = root.join(".A");
    let mut line = String::from("imapd-status 2");
    for name in ["cur", "new", "courierimapkeywords", "courierimapuiddb"] {
        use std::os::unix::fs::MetadataExt;
        let (ns, ino, size) = match std::fs::symlink_metadata(folder.join(name)) {
            Ok(m) => (
                i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
                m.ino(),
                m.size(),
            ),
            Err(_) => (0, 0, 0),
        };
        line.push_str(&format!(" {ns} {ino} {size}"));
    }
    let db = std::fs::read_to_string(folder.join("courierimapuiddb")).unwrap();
    let header: Vec<&str> = db.lines().next().unwrap().split(' ').collect();
    line.push_str(&format!(" {} {} 1 1 0\n", header[1], header[2]));
    std::fs::write(folder.join("imapd.status"), line).unwrap();
    for mut h in [s, open(root)] {
        let got = h.counts("INBOX.A", false);
        assert!(got.is_err(), "{got:?}");
    }
}

/// Reading a message trusts the folder check that the stamp of the last snapshot made
/// (every command that names messages begins with one) for a moment only; once `cur/` is
/// a symlink the next snapshot refuses the folder, and reads after it, or after that
/// moment, look at the folder again.
#[test]
fn reads_after_a_snapshot_that_saw_a_symlink_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let mut s = folder_a_with_a_message(root);
    let uid = s
        .snapshot("INBOX.A", false)
        .unwrap()
        .messages
        .get(0)
        .unwrap()
        .uid;
    assert!(s.content("INBOX.A", uid).is_ok());
    replace_by_symlink(&root.join(".A/cur"), &root.join("elsewhere"));
    // (the check is trusted for 100 ms: maildir.rs, CHECK_FRESH)
    std::thread::sleep(Duration::from_millis(150));
    let got = s.content("INBOX.A", uid);
    assert!(got.is_err(), "an old check is not trusted: {got:?}");
    assert!(s.snapshot("INBOX.A", false).is_err());
    let got = s.content("INBOX.A", uid);
    assert!(got.is_err(), "{got:?}");
    let got = open(root).content("INBOX.A", uid);
    assert!(got.is_err(), "{got:?}");
}

/// A selected folder's snapshot is reused without a look while its watch is quiet
/// (store/events.rs); every change another process makes still shows in the next one: flags
/// (a rename in `cur/`), a keyword alone (only `courierimapkeywords/` changes), a delivery, an
/// expunge, and a lost UID database (only `courierimapuiddb` changes: a new UIDVALIDITY).
#[test]
fn watched_snapshots_show_every_change_by_another_process() {
    watched_snapshots(true);
}

/// The same with every change fresh: snapshots cached with unsettled stamps are trusted
/// only while the watch is quiet.
#[test]
fn watched_snapshots_of_fresh_changes_show_every_change_by_another_process() {
    watched_snapshots(false);
}

fn watched_snapshots(aged: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path());
    let mut b = open(dir.path());
    for i in 0..3 {
        a.append("INBOX", msg(&format!("m{i}"), &[kw("$Old")]))
            .unwrap();
    }
    // Looks until the snapshot is reused: it comes from the watch's quiet, not a stamp.
    let settle = |a: &mut MaildirStore| {
        if aged {
            age(dir.path());
        }
        for _ in 0..3 {
            a.snapshot("INBOX", false).unwrap();
        }
    };
    settle(&mut a);
    let u = uids(&a.snapshot("INBOX", false).unwrap());
    let flags_of = |s: &Snapshot, uid: Uid| {
        s.messages
            .iter()
            .find(|m| m.uid == uid)
            .map(|m| m.flags.clone())
    };

    b.change_flags("INBOX", &[u[0]], &FlagChange::Add(set(&[Flag::Seen])))
        .unwrap();
    let s = a.snapshot("INBOX", false).unwrap();
    assert!(flags_of(&s, u[0]).unwrap().contains(&Flag::Seen));

    settle(&mut a);
    b.change_flags("INBOX", &[u[1]], &FlagChange::Add(set(&[kw("$Old2")])))
        .unwrap();
    // (a keyword the folder already names is one more file in courierimapkeywords/)
    let s = a.snapshot("INBOX", false).unwrap();
    assert!(flags_of(&s, u[1]).unwrap().contains(&kw("$Old2")));

    settle(&mut a);
    b.deliver("INBOX", b"Subject: later\n\nx\n").unwrap();
    assert_eq!(a.snapshot("INBOX", false).unwrap().messages.len(), 4);

    settle(&mut a);
    b.change_flags("INBOX", &[u[2]], &FlagChange::Add(set(&[Flag::Deleted])))
        .unwrap();
    b.expunge_deleted("INBOX", None).unwrap();
    assert!(!uids(&a.snapshot("INBOX", false).unwrap()).contains(&u[2]));

    settle(&mut a);
    let before = a.snapshot("INBOX", false).unwrap().uid_validity;
    std::fs::remove_file(dir.path().join("courierimapuiddb")).unwrap();
    let after = a.snapshot("INBOX", false).unwrap().uid_validity;
    assert_ne!(before, after, "a lost UID database gives a new UIDVALIDITY");
}

/// STATUS of the selected folder answers from its current snapshot (counted once), and a
/// change it is the first to hear of (its poll consumes the watch's news) still reaches the
/// next snapshot.
#[test]
fn status_of_the_selected_folder_hears_changes_and_passes_them_on() {
    let (dir, mut a, mut b) = two_sessions_on_three_messages();
    age(dir.path());
    for _ in 0..3 {
        a.snapshot("INBOX", false).unwrap();
    }
    assert_eq!(a.counts("INBOX", false).unwrap().unseen, 3);
    b.change_flags("INBOX", &[1], &FlagChange::Add(set(&[Flag::Seen])))
        .unwrap();
    assert_eq!(a.counts("INBOX", false).unwrap().unseen, 2);
    let s = a.snapshot("INBOX", false).unwrap();
    assert!(s.messages[0].flags.contains(&Flag::Seen));
    b.deliver("INBOX", b"Subject: later\n\nx\n").unwrap();
    assert_eq!(a.counts("INBOX", false).unwrap().messages, 4);
    assert_eq!(a.snapshot("INBOX", false).unwrap().messages.len(), 4);
}
