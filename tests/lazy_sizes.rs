//! RFC822.SIZE of Maildir files whose names carry no `,W=` size (Courier's, an MTA's): a
//! SELECT reads no message, and every command that needs a size counts the file's line ends
//! when asked (RFC 3501 §2.3.4: the size of the CRLF form; the files hold LF) — FETCH,
//! SEARCH LARGER/SMALLER, SORT (SIZE), STATUS (SIZE) — and a message another process
//! expunged meanwhile is left out, not answered with a wrong size (RFC 2180 §4.1.2, §4.3).

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
    let (_g, md, msgs) = maildir();
    let mut s = session(&md);
    ok(&s.cmd("a", "SELECT INBOX"));
    // another process removes message 2's file; this session has not been told yet
    std::fs::remove_file(&msgs[1].1).unwrap();
    let r = s.cmd("b", "FETCH 1:3 (FLAGS RFC822.SIZE)");
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
    // NOT LARGER must not find a message whose size is unknown
    let r = s.cmd("c", "SEARCH NOT LARGER 100000");
    assert_eq!(r[0], "* SEARCH 1 3 4", "{r:?}");
}
