//! The Maildir store's parsed-metadata cache (`imapd.cache`): written after a FETCH,
//! used by the next process, checked against each file's identity, rebuilt when damaged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use imapd::core::store::Store;
use imapd::message::keys::KeyFields;
use imapd::message::summary::{Summary, Texts};
use imapd::message::Message;
use imapd::store::cache::FILE_NAME;
use imapd::store::{MaildirOptions, MaildirStore};
use imapd::syntax::types::EncodedItem;

fn open(p: &Path) -> MaildirStore {
    MaildirStore::open(p, MaildirOptions::default()).unwrap()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = ["new", "cur"]
        .iter()
        .flat_map(|d| std::fs::read_dir(dir.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The subject in the ENVELOPE text (the test messages have no Date: `(NIL "subject" …`).
fn subject(s: &Summary) -> String {
    let text = String::from_utf8_lossy(&s.envelope).into_owned();
    let rest = text
        .strip_prefix("(NIL \"")
        .expect("no Date, a quoted subject");
    rest[..rest.find('"').unwrap()].to_owned()
}

/// The cache's whole summary, else parse and offer it (as the core does for the parts it
/// asks for).
fn summary(store: &mut MaildirStore, uid: u32) -> (Arc<Summary>, bool) {
    if let Some(s) = store.cached_summary("INBOX", uid) {
        return (s, true);
    }
    let data = store.content("INBOX", uid).unwrap();
    let msg = Message::parse(&data);
    let s = Arc::new(Summary::of(&msg));
    store.keep_summary("INBOX", uid, s.clone(), &data[msg.header_range()]);
    (s, false)
}

#[test]
fn cache_is_written_shared_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Maildir");
    {
        let mut s = open(&root);
        s.deliver("INBOX", b"Subject: one\n\nbody\n").unwrap();
        s.deliver("INBOX", b"Subject: two\n\nbody\n").unwrap();
        s.snapshot("INBOX", true).unwrap();
        assert!(!summary(&mut s, 1).1, "cold");
        assert!(!summary(&mut s, 2).1, "cold");
        // written at the next snapshot (the end of the command), in the background: the
        // entries answer meanwhile; the store waits for the write when it goes
        s.snapshot("INBOX", false).unwrap();
        assert!(summary(&mut s, 1).1, "read back");
    }
    assert!(root.join(FILE_NAME).exists());
    // another process (handle) reads it
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    let (one, hit) = summary(&mut s, 1);
    assert!(hit, "warm");
    assert_eq!(subject(&one), "one");
    // same size, same mtime, different bytes: the cache cannot tell (Maildir files never
    // change in place); a different mtime is a miss and the file is parsed again
    // (message 1's file, found by its content: names of one second need not sort by UID)
    let all = files(&root);
    let f = all
        .iter()
        .find(|p| std::fs::read(p).unwrap().starts_with(b"Subject: one"))
        .unwrap();
    let mtime = std::fs::metadata(f).unwrap().modified().unwrap();
    std::fs::write(f, b"Subject: ONE\n\nbody\n").unwrap();
    let file = std::fs::File::options().write(true).open(f).unwrap();
    file.set_modified(mtime).unwrap();
    drop(file);
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    assert_eq!(subject(&summary(&mut s, 1).0), "one");
    let file = std::fs::File::options().write(true).open(f).unwrap();
    file.set_modified(mtime + std::time::Duration::from_secs(1))
        .unwrap();
    drop(file);
    // the identity is the one the session's scan saw (no stat per lookup): the next
    // session sees the new one
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    let (s1, hit) = summary(&mut s, 1);
    assert!(!hit);
    assert_eq!(subject(&s1), "ONE");
    s.snapshot("INBOX", false).unwrap();
    drop(s); // (waits for its write in the background)
             // a damaged cache file is ignored and rebuilt
    std::fs::write(
        root.join(FILE_NAME),
        b"imapd-cache 1\n\xff\xff\xff\xff garbage",
    )
    .unwrap();
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    assert!(!summary(&mut s, 2).1);
    s.snapshot("INBOX", false).unwrap();
    drop(s);
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    assert!(summary(&mut s, 2).1);
    // no temporary files are left behind
    let leftovers: Vec<_> = std::fs::read_dir(root.join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        // UIDVALIDITY claim markers are the store's, not the cache's (store/uiddb.rs).
        .filter(|n| !n.to_string_lossy().starts_with("imapd-uidvalidity."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Header blocks (what `Store::header` returns) are cached too: a second handle answers from
/// the cache, and a changed file identity is a miss.
#[test]
fn headers_are_cached_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Maildir");
    {
        let mut s = open(&root);
        s.deliver("INBOX", b"Subject: one\n\nbody\n").unwrap();
        s.snapshot("INBOX", true).unwrap();
        assert_eq!(s.header("INBOX", 1).unwrap(), b"Subject: one\n\n");
        s.snapshot("INBOX", false).unwrap();
    }
    let cache = std::fs::read(root.join(FILE_NAME)).unwrap();
    assert!(cache.windows(12).any(|w| w == b"Subject: one"));
    // prove the second handle uses the cache: change the file, keep size and mtime
    let f = &files(&root)[0];
    let mtime = std::fs::metadata(f).unwrap().modified().unwrap();
    std::fs::write(f, b"Subject: ONE\n\nbody\n").unwrap();
    let file = std::fs::File::options().write(true).open(f).unwrap();
    file.set_modified(mtime).unwrap();
    drop(file);
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    assert_eq!(s.header("INBOX", 1).unwrap(), b"Subject: one\n\n");
    let file = std::fs::File::options().write(true).open(f).unwrap();
    file.set_modified(mtime + std::time::Duration::from_secs(1))
        .unwrap();
    drop(file);
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    assert_eq!(s.header("INBOX", 1).unwrap(), b"Subject: ONE\n\n");
}

#[test]
fn expunged_messages_leave_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Maildir");
    let mut s = open(&root);
    s.deliver("INBOX", b"Subject: a\n\n").unwrap();
    s.deliver("INBOX", b"Subject: b\n\n").unwrap();
    s.snapshot("INBOX", true).unwrap();
    summary(&mut s, 1);
    summary(&mut s, 2);
    s.remove("INBOX", &[1]).unwrap();
    s.snapshot("INBOX", false).unwrap();
    assert!(summary(&mut s, 2).1);
    drop(s); // (waits for the write)
    let size_two = std::fs::metadata(root.join(FILE_NAME)).unwrap().len();
    let mut t = open(&root);
    t.snapshot("INBOX", false).unwrap();
    assert!(summary(&mut t, 2).1);
    // the record of the expunged message was dropped: the file holds one record (two
    // would take twice the summary plus twice the per-record framing, which includes the
    // 8 octets of the summary and header lengths of layout version 2)
    let mut one = Vec::new();
    imapd::message::codec::encode(&summary(&mut t, 2).0, &mut one);
    assert!(size_two < 2 * (one.len() as u64 + 8), "{size_two}");
}

/// SORT and THREAD ask for the keys alone, which the cache decodes without the rest; they
/// equal the keys of the whole summary, and a miss is a miss.
#[test]
fn sort_keys_come_from_the_cache_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Maildir");
    {
        let mut s = open(&root);
        s.deliver("INBOX", b"Subject: Re: keys\nMessage-ID: <k@x>\n\nbody\n")
            .unwrap();
        s.snapshot("INBOX", true).unwrap();
        assert!(
            s.cached_sort_keys("INBOX", 1, KeyFields::ALL).is_none(),
            "cold"
        );
        summary(&mut s, 1);
    }
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    let keys = s
        .cached_sort_keys("INBOX", 1, KeyFields::ALL)
        .expect("warm");
    assert_eq!(keys, summary(&mut s, 1).0.keys);
    assert_eq!(keys.message_id.as_deref(), Some("k@x"));
    assert!(keys.reply);
}

/// FETCH asks for the texts it sends alone: through the Maildir store's cache they equal
/// the texts of a fresh parse (a NUL and a literal-sized subject included), and SORT's
/// partial keys hold the strings asked for.
#[test]
fn texts_and_partial_keys_come_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Maildir");
    let long = "x".repeat(20_000);
    let msg = format!(
        "Subject: a\0b {long}\nFrom: A <a@x>\nContent-Type: multipart/mixed; boundary=b\n\n\
         --b\nContent-Type: text/plain\n\none\n--b\nContent-Type: text/html\n\n<p>\n--b--\n"
    );
    {
        let mut s = open(&root);
        s.deliver("INBOX", msg.as_bytes()).unwrap();
        s.snapshot("INBOX", true).unwrap();
        summary(&mut s, 1);
    }
    let parsed = Summary::of(&Message::parse(msg.as_bytes()));
    let mut s = open(&root);
    s.snapshot("INBOX", false).unwrap();
    for want in [
        &[EncodedItem::BodyStructure][..],
        &[EncodedItem::Envelope, EncodedItem::Body],
        &[
            EncodedItem::Body,
            EncodedItem::BodyStructure,
            EncodedItem::Envelope,
        ],
    ] {
        let texts = s.cached_texts("INBOX", 1, want).expect("warm");
        assert_eq!(texts, Texts::of(&parsed, want));
    }
    let from = KeyFields {
        from: true,
        ..KeyFields::NONE
    };
    let keys = s.cached_sort_keys("INBOX", 1, from).expect("warm");
    assert_eq!(keys.from, parsed.keys.from);
    assert_eq!(keys.sent, parsed.keys.sent);
    assert_eq!(keys.subject, "", "not asked for");
}
