//! RFC822.SIZE and INTERNALDATE of Maildir messages are learnt when a command asks, not at
//! SELECT (which makes no `stat` and reads no file).
//!
//! Sizes of files whose names carry no `,W=` size (Courier's, an MTA's): every command that
//! needs one counts the file's line ends (RFC 3501 §2.3.4: the size of the CRLF form; the
//! files hold LF) — FETCH, SEARCH LARGER/SMALLER, SORT (SIZE), STATUS (SIZE). Dates come
//! from the file's mtime — FETCH INTERNALDATE, SEARCH BEFORE/ON/SINCE, SORT (ARRIVAL), and
//! SORT (DATE) of a message without a Date: header (RFC 5256 §2.2). A message another
//! process expunged meanwhile is left out, not answered with a wrong value (RFC 2180
//! §4.1.2, §4.3); one it renamed is followed.

mod imapd_proc;

use std::path::{Path, PathBuf};
use std::time::Duration;

use imapd_proc::Imapd;

const T: Duration = Duration::from_secs(10);

/// A Maildir whose INBOX holds four LF-only messages with `,S=` names (arrival order =
/// UID order); returns it with each message's CRLF size and file path.
fn maildir() -> (tempfile::TempDir, PathBuf, Vec<(u64, PathBuf)>) {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("Maildir");
    for d in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(d)).unwrap();
    }
    let mut out = Vec::new();
    for (i, lines) in [30usize, 2, 50, 10].into_iter().enumerate() {
        let body = format!("Subject: m{i}\n\n{}", "a line\n".repeat(lines));
        let name = format!("{}.M{i}P1.host,S={}:2,S", 1_700_000_000 + i, body.len());
        let path = md.join("cur").join(name);
        std::fs::write(&path, &body).unwrap();
        let lfs = body.bytes().filter(|&b| b == b'\n').count();
        out.push(((body.len() + lfs) as u64, path));
    }
    (dir, md, out)
}

fn session(md: &Path) -> Imapd {
    let s = Imapd::spawn(md, &[], &[]);
    assert!(s.line(T).unwrap().starts_with("* PREAUTH"));
    s
}

fn ok(r: &[String]) {
    assert!(r.last().unwrap().split(' ').nth(1) == Some("OK"), "{r:?}");
}

#[test]
fn sizes_are_counted_when_asked() {
    let (_g, md, msgs) = maildir();
    let size = |i: usize| msgs[i].0;
    let mut s = session(&md);
    ok(&s.cmd("a", "SELECT INBOX"));
    let r = s.cmd("b", "FETCH 1:* (RFC822.SIZE)");
    ok(&r);
    let want: Vec<String> = (0..4)
        .map(|i| format!("* {} FETCH (RFC822.SIZE {})", i + 1, size(i)))
        .collect();
    assert_eq!(r[..r.len() - 1], want[..]);

    // LARGER/SMALLER compare with the CRLF size: 2 and 4 are between, 1 and 3 above
    let mid = size(1).max(size(3));
    let r = s.cmd(
        "c",
        &format!("SEARCH LARGER {} SMALLER {}", size(1) - 1, mid + 1),
    );
    assert_eq!(r[0], "* SEARCH 2 4", "{r:?}");
    let r = s.cmd("d", &format!("SEARCH NOT LARGER {}", size(0)));
    assert_eq!(r[0], "* SEARCH 1 2 4", "{r:?}");
    let r = s.cmd("e", "SORT (SIZE) UTF-8 ALL");
    assert_eq!(r[0], "* SORT 2 4 1 3", "{r:?}");
    let r = s.cmd("f", "STATUS INBOX (MESSAGES SIZE)");
    let total: u64 = (0..4).map(size).sum();
    assert_eq!(
        r[0],
        format!("* STATUS INBOX (MESSAGES 4 SIZE {total})"),
        "{r:?}"
    );
    // asked again: the same (now known to the session)
    let r = s.cmd("g", "FETCH 3 (RFC822.SIZE)");
    assert_eq!(r[0], format!("* 3 FETCH (RFC822.SIZE {})", size(2)));
}

#[test]
fn a_message_expunged_meanwhile_is_left_out() {
    // NOT LARGER must not find a message whose size is unknown
    gone_meanwhile("FLAGS RFC822.SIZE", "NOT LARGER 100000", false);
}

/// Another process removes message 2's file after SELECT (this session has not been told
/// yet): a FETCH of `items` leaves it out whole and ends `NO [EXPUNGEISSUED]`, and SEARCH
/// `search` (a NOT of a key on the item) does not find it.
fn gone_meanwhile(items: &str, search: &str, dated: bool) {
    let (_g, md, msgs) = maildir();
    if dated {
        date_reversed(&msgs);
    }
    let mut s = session(&md);
    ok(&s.cmd("a", "SELECT INBOX"));
    std::fs::remove_file(&msgs[1].1).unwrap();
    let r = s.cmd("b", &format!("FETCH 1:3 ({items})"));
    let data: Vec<&String> = r.iter().filter(|l| l.contains(" FETCH (")).collect();
    assert!(
        data.iter().all(|l| !l.starts_with("* 2 FETCH")),
        "no partial response for the gone message: {r:?}"
    );
    assert_eq!(data.len(), 2, "{r:?}");
    assert!(
        r.last().unwrap().starts_with("b NO [EXPUNGEISSUED]"),
        "{r:?}"
    );
    let r = s.cmd("c", &format!("SEARCH {search}"));
    assert_eq!(r[0], "* SEARCH 1 3 4", "{r:?}");
}

/// Gives message `i` of [`maildir`] the mtime 2021-01-(10 - i) 12:00 UTC: arrival order is
/// the reverse of UID order.
fn date_reversed(msgs: &[(u64, PathBuf)]) {
    for (i, (_, path)) in msgs.iter().enumerate() {
        let secs = 1_609_502_400 + (9 - i as u64) * 86_400; // 2021-01-01 12:00 + days
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
    }
}

#[test]
fn dates_are_looked_up_when_asked() {
    let (_g, md, msgs) = maildir();
    date_reversed(&msgs);
    let mut s = session(&md);
    ok(&s.cmd("a", "SELECT INBOX"));
    // another process renames message 1 (a flag change) before any date was asked for:
    // its file is found again
    let name = msgs[0].1.to_str().unwrap();
    let renamed = PathBuf::from(format!("{}:2,FS", name.strip_suffix(":2,S").unwrap()));
    std::fs::rename(&msgs[0].1, &renamed).unwrap();
    let r = s.cmd("b", "FETCH 1:* (INTERNALDATE)");
    ok(&r);
    let want: Vec<String> = (0..4)
        .map(|i| {
            format!(
                "* {} FETCH (INTERNALDATE \"{:02}-Jan-2021 12:00:00 +0000\")",
                i + 1,
                10 - i
            )
        })
        .collect();
    let data: Vec<&String> = r.iter().filter(|l| l.contains("INTERNALDATE")).collect();
    assert_eq!(data, want.iter().collect::<Vec<_>>(), "{r:?}");
    let r = s.cmd("c", "SEARCH SINCE 9-Jan-2021");
    assert_eq!(r[0], "* SEARCH 1 2", "{r:?}");
    let r = s.cmd("d", "SEARCH BEFORE 8-Jan-2021");
    assert_eq!(r[0], "* SEARCH 4", "{r:?}");
    let r = s.cmd("e", "SEARCH ON 8-Jan-2021");
    assert_eq!(r[0], "* SEARCH 3", "{r:?}");
    let r = s.cmd("f", "SORT (ARRIVAL) UTF-8 ALL");
    assert_eq!(r[0], "* SORT 4 3 2 1", "{r:?}");
    // no Date: header, so SORT (DATE) compares INTERNALDATE (RFC 5256 §2.2)
    let r = s.cmd("g", "SORT (DATE) UTF-8 ALL");
    assert_eq!(r[0], "* SORT 4 3 2 1", "{r:?}");
}

#[test]
fn a_date_of_a_message_expunged_meanwhile_is_left_out() {
    // NOT BEFORE must not find a message whose date is unknown
    gone_meanwhile("UID INTERNALDATE", "NOT BEFORE 1-Jan-1990", true);
}
