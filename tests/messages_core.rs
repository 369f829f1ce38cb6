//! SEARCH (RFC 3501 §6.4.4, every key), SEARCHRES (RFC 5182), SORT and THREAD (RFC 5256)
//! and cached FETCH items, driven through the pure core with the in-memory store; answers
//! are compared as wire text.

use imapd::core::{MemoryStore, Session, SessionConfig};
use imapd::syntax::encode::encode_response;
use imapd::syntax::frame::LITERAL_PLACEHOLDER;
use imapd::syntax::parse_command;

struct Client {
    session: Session,
    store: MemoryStore,
    n: u32,
}

impl Client {
    fn new(store: &MemoryStore) -> Self {
        Client {
            session: Session::preauth(SessionConfig::default()),
            store: store.clone(),
            n: 0,
        }
    }

    /// Runs one command line (without tag); `literal` fills a `{}` in it. Returns the
    /// untagged responses and the tagged one, one per line, CRLF removed.
    fn run_with(&mut self, line: &str, literal: Option<&[u8]>) -> String {
        self.n += 1;
        let mut text = format!("t{} {line}", self.n);
        let mut lits = Vec::new();
        if let Some(l) = literal {
            text = text.replace("{}", &format!("{{{}}}\r\n{LITERAL_PLACEHOLDER}", l.len()));
            lits.push(l.to_vec());
        }
        let cmd = parse_command(&text, lits).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let mut out = Vec::new();
        for r in self.session.handle_command(cmd, &mut self.store) {
            encode_response(&r, &mut out);
        }
        String::from_utf8_lossy(&out).replace("\r\n", "\n")
    }

    fn run(&mut self, line: &str) -> String {
        self.run_with(line, None)
    }

    /// The first untagged line starting with `* <what>` (e.g. "SEARCH"), or "" if none.
    fn data(&mut self, line: &str, what: &str) -> String {
        let out = self.run(line);
        assert!(
            out.lines().last().is_some_and(|l| l.contains(" OK ")),
            "{line}: {out}"
        );
        out.lines()
            .find(|l| l.starts_with(&format!("* {what}")))
            .unwrap_or("")
            .to_string()
    }

    fn append(&mut self, date: &str, msg: &str) {
        let out = self.run_with(
            &format!("APPEND INBOX \"{date}\" {{}}"),
            Some(msg.replace('\n', "\r\n").as_bytes()),
        );
        assert!(out.contains("OK"), "{out}");
    }
}

/// A mailbox of messages for sorting and threading, selected.
fn mailbox(msgs: &[(&str, &str)]) -> Client {
    let store = MemoryStore::new();
    let mut c = Client::new(&store);
    for (date, m) in msgs {
        c.append(date, m);
    }
    c.run("SELECT INBOX");
    c
}

fn sort_box() -> Client {
    mailbox(&[
        (
            "01-Mar-2000 10:00:00 +0000",
            "From: Zed <zed@x>\nTo: bob@x\nCc: c@x\nSubject: Re: beta\n\
             Date: Wed, 01 Mar 2000 09:00:00 +0000\n\nhello world\n",
        ),
        (
            "01-Mar-2000 09:00:00 +0000",
            "From: alice@x\nTo: Carol <carol@x>\nSubject: alpha\n\
             Date: Wed, 01 Mar 2000 12:00:00 +0200\n\nsecond body, a bit longer\n",
        ),
        (
            "02-Mar-2000 09:00:00 +0000",
            "From: \"Mike\" <MIKE@x>\nTo: alice@x\nSubject: [list] Fwd: Beta\n\n3\n",
        ),
        (
            "01-Mar-2000 08:00:00 -0500",
            "From: bob@x\nSubject: =?utf-8?q?=C3=A9t=C3=A9?=\nDate: garbage\n\nfour\n",
        ),
    ])
}

#[test]
fn sort_each_key() {
    let mut c = sort_box();
    // ARRIVAL: INTERNALDATE in UTC: 2 (09:00Z), 1 (10:00Z), 4 (13:00Z), 3 (2 Mar)
    assert_eq!(c.data("SORT (ARRIVAL) UTF-8 ALL", "SORT"), "* SORT 2 1 4 3");
    // DATE: sent date in UTC (§2.2); 2 is 10:00Z; 4's Date is garbage → INTERNALDATE 13:00Z;
    // 3 has none → INTERNALDATE 2 Mar
    assert_eq!(c.data("SORT (DATE) UTF-8 ALL", "SORT"), "* SORT 1 2 4 3");
    assert_eq!(
        c.data("SORT (REVERSE DATE) UTF-8 ALL", "SORT"),
        "* SORT 3 4 2 1"
    );
    // FROM: addr-mailbox, case-insensitive: alice, bob, MIKE, zed
    assert_eq!(c.data("SORT (FROM) US-ASCII ALL", "SORT"), "* SORT 2 4 3 1");
    // TO: "" (4) first, then alice, bob, carol
    assert_eq!(c.data("SORT (TO) UTF-8 ALL", "SORT"), "* SORT 4 3 1 2");
    // CC: only 1 has one; the others tie on "" and keep sequence order
    assert_eq!(c.data("SORT (CC) UTF-8 ALL", "SORT"), "* SORT 2 3 4 1");
    // SUBJECT: base subjects alpha, beta, beta, été (ties by sequence number)
    assert_eq!(c.data("SORT (SUBJECT) UTF-8 ALL", "SORT"), "* SORT 2 1 3 4");
    // SUBJECT then REVERSE ARRIVAL breaks the beta tie the other way
    assert_eq!(
        c.data("SORT (SUBJECT REVERSE ARRIVAL) UTF-8 ALL", "SORT"),
        "* SORT 2 3 1 4"
    );
    // SIZE
    assert_eq!(c.data("SORT (SIZE) UTF-8 ALL", "SORT"), "* SORT 3 4 1 2");
    // UID SORT answers UIDs; the search applies first
    assert_eq!(
        c.data("UID SORT (REVERSE SIZE) UTF-8 NOT FROM alice", "SORT"),
        "* SORT 1 4 3"
    );
    assert_eq!(
        c.data("SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"", "SORT"),
        "* SORT"
    );
}

#[test]
fn sort_and_thread_refuse_unknown_charsets_and_algorithms() {
    let mut c = sort_box();
    let out = c.run("SORT (DATE) KOI8-R ALL");
    assert!(out.contains("NO [BADCHARSET (US-ASCII UTF-8)]"), "{out}");
    let out = c.run("THREAD REFERENCES KOI8-R ALL");
    assert!(out.contains("NO [BADCHARSET"), "{out}");
    let out = c.run("THREAD SIMPLE UTF-8 ALL");
    assert!(out.contains("BAD"), "{out}");
}

#[test]
fn capabilities_advertise_sort_thread_searchres() {
    let mut c = Client::new(&MemoryStore::new());
    let out = c.run("CAPABILITY");
    for cap in [
        " SORT",
        " THREAD=ORDEREDSUBJECT",
        " THREAD=REFERENCES",
        " SEARCHRES",
        " ESEARCH",
    ] {
        assert!(out.contains(cap), "{cap}: {out}");
    }
}

fn thread_box() -> Client {
    let m = |id: u32, subj: &str, day: u32, refs: &str| {
        (
            "01-Jan-2001 00:00:00 +0000",
            format!(
                "Message-ID: <{id}@x>\nSubject: {subj}\nDate: {day} Mar 2000 00:00:00 +0000\n\
                 {refs}\n\nbody\n"
            ),
        )
    };
    let msgs = [
        m(1, "Thread one", 1, ""),
        m(2, "Re: Thread one", 2, "References: <1@x>"),
        m(3, "Unrelated", 3, ""),
        m(4, "Re: Thread one", 4, "In-Reply-To: <2@x>"),
        m(5, "Re: lost parent", 5, "References: <gone@x>"),
        m(6, "Re: lost parent", 6, "References: <gone@x>"),
        m(7, "Re: Unrelated", 2, ""),
        m(8, "Thread one", 8, "References: <1@x> <9@x>"),
        m(9, "Re: Thread one", 9, "References: <1@x> <8@x>"),
    ];
    let refs: Vec<(&str, &str)> = msgs.iter().map(|(d, t)| (*d, t.as_str())).collect();
    mailbox(&refs)
}

#[test]
fn thread_references() {
    let mut c = thread_box();
    // 1 ← 2 ← 4; 8 and 9 reference each other: 8 is put under a dummy for 9 (under 1); 9
    // then claims that dummy and 9 → 8 would be a loop, so the chain is 1 → 9 → 8.
    // 5, 6 share a missing parent → dummy; 3 and 7 merge by subject (7 is a reply).
    assert_eq!(
        c.data("THREAD REFERENCES UTF-8 ALL", "THREAD"),
        "* THREAD (1 (2 4)(9 8))(3 7)((5)(6))"
    );
    assert_eq!(
        c.data("UID THREAD REFERENCES UTF-8 NOT SUBJECT lost", "THREAD"),
        "* THREAD (1 (2 4)(9 8))(3 7)"
    );
}

#[test]
fn thread_ordered_subject() {
    let mut c = thread_box();
    // base subjects: "thread one" (1,2,4,8,9), "unrelated" (7 dated 2 Mar, 3), "lost parent"
    assert_eq!(
        c.data("THREAD ORDEREDSUBJECT UTF-8 ALL", "THREAD"),
        "* THREAD (1 (2)(4)(8)(9))(7 3)(5 6)"
    );
    assert_eq!(
        c.data("THREAD ORDEREDSUBJECT US-ASCII TEXT gewp", "THREAD"),
        "* THREAD"
    );
}

fn search_box() -> Client {
    let store = MemoryStore::new();
    let mut c = Client::new(&store);
    let msgs: [(&str, &[u8]); 6] = [
        (
            "01-Feb-1994 10:00:00 +0000",
            b"From: Smith <smith@example.org>\r\nTo: a@x\r\nCc: cc-one@x\r\nBcc: hidden@x\r\n\
              Subject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus K\xc3\xb6ln\r\nDate: 31 Jan 1994 23:30:00 -0800\r\n\
              X-Tag: Alpha\r\n\r\nplain body text\r\n",
        ),
        (
            "02-Feb-1994 10:00:00 +0000",
            b"From: jones@example.org\r\nSubject: encoded body\r\nDate: 2 Feb 1994 00:00 +0000\r\n\
              Content-Type: text/plain; charset=iso-8859-1\r\n\
              Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 cr=E8me =\r\nsoft\r\n",
        ),
        (
            "03-Feb-1994 10:00:00 +0000",
            b"From: x@y\r\nSubject: base64 koi8\r\nContent-Type: text/plain; charset=koi8-r\r\n\
              Content-Transfer-Encoding: base64\r\n\r\n8NLJ18XU\r\n",
        ),
        (
            "04-Feb-1994 10:00:00 +0000",
            b"From: x@y\r\nSubject: multipart\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
              --b\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n\x82\xa0\x82\xa2\r\n\
              --b\r\nContent-Type: application/octet-stream\r\n\r\nneedle-in-binary\r\n\
              --b\r\nContent-Type: text/html; charset=windows-1252\r\n\r\n<p>\x93quoted\x94</p>\r\n\
              --b--\r\n",
        ),
        (
            "05-Feb-1994 10:00:00 +0000",
            b"From: x@y\r\nSubject: =?ISO-2022-JP?B?GyRCJCIkJBsoQg==?=\r\n\
              Content-Type: text/plain; charset=euc-kr\r\n\r\n\xc7\xd1\xb1\xb9\r\n",
        ),
        (
            "06-Feb-1994 10:00:00 +0000",
            b"From: x@y\r\nSubject: gb\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n\xd6\xd0\xce\xc4\r\n",
        ),
    ];
    for (date, m) in msgs {
        let out = c.run_with(&format!("APPEND INBOX (\\Seen) \"{date}\" {{}}"), Some(m));
        assert!(out.contains("OK"), "{out}");
    }
    c.run("SELECT INBOX");
    c.run("STORE 2 +FLAGS (\\Answered \\Flagged \\Deleted \\Draft $Work)");
    c.run("STORE 3 -FLAGS (\\Seen)");
    c
}

#[test]
fn search_box_sizes() {
    let mut c = search_box();
    let out = c.run("FETCH 1:* RFC822.SIZE");
    for (n, size) in [185, 195, 122, 277, 106, 74].iter().enumerate() {
        assert!(
            out.contains(&format!("* {} FETCH (RFC822.SIZE {size})", n + 1)),
            "{out}"
        );
    }
}

fn search(c: &mut Client, keys: &str) -> String {
    c.data(&format!("SEARCH {keys}"), "SEARCH")
}

#[test]
fn search_every_key() {
    let mut c = search_box();
    let cases: &[(&str, &str)] = &[
        ("ALL", "* SEARCH 1 2 3 4 5 6"),
        ("1,3:4", "* SEARCH 1 3 4"),
        ("ANSWERED", "* SEARCH 2"),
        ("UNANSWERED", "* SEARCH 1 3 4 5 6"),
        ("DELETED", "* SEARCH 2"),
        ("UNDELETED", "* SEARCH 1 3 4 5 6"),
        ("DRAFT", "* SEARCH 2"),
        ("UNDRAFT", "* SEARCH 1 3 4 5 6"),
        ("FLAGGED", "* SEARCH 2"),
        ("UNFLAGGED", "* SEARCH 1 3 4 5 6"),
        ("SEEN", "* SEARCH 1 2 4 5 6"),
        ("UNSEEN", "* SEARCH 3"),
        ("KEYWORD $Work", "* SEARCH 2"),
        ("UNKEYWORD $Work", "* SEARCH 1 3 4 5 6"),
        // APPENDed messages are nobody's \Recent in the memory store's model until claimed
        ("NOT RECENT", "* SEARCH 1 2 3 4 5 6"),
        ("OLD", "* SEARCH 1 2 3 4 5 6"),
        ("NEW", "* SEARCH"),
        // INTERNALDATE comparisons: date only
        ("BEFORE 2-Feb-1994", "* SEARCH 1"),
        ("ON 2-Feb-1994", "* SEARCH 2"),
        ("SINCE 5-Feb-1994", "* SEARCH 5 6"),
        // Date: header as written, time and zone disregarded (31 Jan in -0800)
        ("SENTON 31-Jan-1994", "* SEARCH 1"),
        ("SENTBEFORE 1-Feb-1994", "* SEARCH 1"),
        ("SENTSINCE 1-Feb-1994", "* SEARCH 2"),
        ("LARGER 185", "* SEARCH 2 4"),
        ("SMALLER 122", "* SEARCH 5 6"),
        ("FROM SMITH", "* SEARCH 1"),
        ("FROM example.org", "* SEARCH 1 2"),
        ("TO a@x", "* SEARCH 1"),
        ("CC one", "* SEARCH 1"),
        ("BCC hidden", "* SEARCH 1"),
        // RFC 2047 and raw UTF-8 in the subject, case-insensitive (i;unicode-casemap)
        ("CHARSET UTF-8 SUBJECT \"GRÜSSE\"", "* SEARCH"),
        ("CHARSET UTF-8 SUBJECT \"grüße aus köln\"", "* SEARCH 1"),
        ("HEADER X-Tag alpha", "* SEARCH 1"),
        ("HEADER X-Tag \"\"", "* SEARCH 1"),
        ("HEADER X-Missing \"\"", "* SEARCH"),
        // QP + ISO-8859-1 body, soft line break joined
        ("CHARSET UTF-8 BODY \"café crème soft\"", "* SEARCH 2"),
        // base64 + KOI8-R
        ("CHARSET UTF-8 BODY \"привет\"", "* SEARCH 3"),
        // Shift_JIS part of a multipart; binary parts are not searched
        ("CHARSET UTF-8 BODY \"あい\"", "* SEARCH 4"),
        ("BODY needle-in-binary", "* SEARCH"),
        // windows-1252 curly quotes in HTML
        ("CHARSET UTF-8 BODY \"“quoted”\"", "* SEARCH 4"),
        // ISO-2022-JP encoded word, EUC-KR body, GB2312 body
        ("CHARSET UTF-8 SUBJECT \"あい\"", "* SEARCH 5"),
        ("CHARSET UTF-8 BODY \"한국\"", "* SEARCH 5"),
        ("CHARSET UTF-8 TEXT \"中文\"", "* SEARCH 6"),
        // TEXT covers header and body
        ("TEXT jones", "* SEARCH 2"),
        ("TEXT \"plain body\"", "* SEARCH 1"),
        ("BODY jones", "* SEARCH"),
        ("UID 2:3", "* SEARCH 2 3"),
        ("NOT 1:5", "* SEARCH 6"),
        ("OR 1 SUBJECT multipart", "* SEARCH 1 4"),
        ("(FLAGGED ANSWERED) DELETED", "* SEARCH 2"),
        ("US-ASCII", ""),
    ];
    for (keys, want) in cases {
        if *keys == "US-ASCII" {
            continue;
        }
        assert_eq!(&search(&mut c, keys), want, "SEARCH {keys}");
    }
    let out = c.run("SEARCH CHARSET KOI8-R ALL");
    assert!(out.contains("NO [BADCHARSET (US-ASCII UTF-8)]"), "{out}");
    assert_eq!(
        c.data("SEARCH CHARSET US-ASCII FROM smith", "SEARCH"),
        "* SEARCH 1"
    );
}

#[test]
fn searchres_save_and_dollar() {
    let mut c = search_box();
    // RFC 5182 §2.1: SAVE alone returns no ESEARCH response
    let out = c.run("SEARCH RETURN (SAVE) FROM example.org");
    assert!(!out.contains("ESEARCH"), "{out}");
    assert_eq!(search(&mut c, "$"), "* SEARCH 1 2");
    assert_eq!(
        c.data("UID SEARCH UID $ SMALLER 190", "SEARCH"),
        "* SEARCH 1"
    );
    assert_eq!(search(&mut c, "OR $ 6"), "* SEARCH 1 2 6");
    let out = c.run("FETCH $ (UID)");
    assert!(
        out.contains("* 1 FETCH (UID 1)") && out.contains("* 2 FETCH (UID 2)"),
        "{out}"
    );
    // SAVE with other options: ESEARCH answers, and with MIN/MAX only those are saved
    let out = c.run("SEARCH RETURN (SAVE MIN MAX) SEEN");
    assert!(out.contains("* ESEARCH (TAG \"t"), "{out}");
    assert!(out.contains("MIN 1 MAX 6"), "{out}");
    assert_eq!(search(&mut c, "$"), "* SEARCH 1 6");
    // a failed SEARCH without SAVE leaves it; with SAVE it empties it (§2.1)
    c.run("SEARCH CHARSET KOI8-R ALL");
    assert_eq!(search(&mut c, "$"), "* SEARCH 1 6");
    let out = c.run("SEARCH RETURN (SAVE) CHARSET KOI8-R ALL");
    assert!(out.contains("BADCHARSET"), "{out}");
    assert_eq!(search(&mut c, "$"), "* SEARCH");
    // expunged messages leave the saved result; SELECT resets it
    c.run("SEARCH RETURN (SAVE) 1:3");
    c.run("EXPUNGE");
    assert_eq!(search(&mut c, "$"), "* SEARCH 1 2");
    c.run("SELECT INBOX");
    assert_eq!(search(&mut c, "$"), "* SEARCH");
    let out = c.run("FETCH $ (UID)");
    assert!(out.lines().last().unwrap().contains("OK"), "{out}");
}

/// A client with `files` of tests/messages delivered to INBOX, selected.
fn selected(files: &[&str]) -> (MemoryStore, Client) {
    let store = MemoryStore::new();
    let mut c = Client::new(&store);
    for f in files {
        let data = std::fs::read(format!("tests/messages/{f}")).unwrap();
        store.deliver("INBOX", &data).unwrap();
    }
    c.run("SELECT INBOX");
    (store, c)
}

#[test]
fn fetch_from_summary_matches_parsing() {
    let (_, mut c) = selected(&[
        "nested_rfc822.eml",
        "rfc2231.eml",
        "groups.eml",
        "digest.eml",
    ]);
    // cold (parsed, offered to the cache) and warm (from the cache) answers agree, and
    // agree with the items computed together with content items
    let cold = c.run("FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY)");
    let warm = c.run("FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY)");
    let with_content =
        c.run("FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY BODY.PEEK[HEADER.FIELDS (X)])");
    let strip = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with('*'))
            .map(|l| {
                let l = l.split(" BODY[HEADER").next().unwrap();
                l.trim_end_matches(')').to_string()
            })
            .collect()
    };
    assert_eq!(strip(&cold), strip(&warm));
    assert_eq!(strip(&cold), strip(&with_content));
    assert!(cold.contains("BODYSTRUCTURE ("), "{cold}");
}

/// `BODY[HEADER.FIELDS (…)]` answered from what the store kept (the answer of the list
/// asked for last) equals the answer parsed from the header, echoes the list as asked, and
/// sets `\Seen` without .PEEK; another list, a partial fetch or a part's header is parsed.
#[test]
fn header_fields_from_the_cache_match_parsing() {
    use imapd::core::store::Store;
    use imapd::message::section::fields_key;
    let (store, mut c) = selected(&[
        "nested_rfc822.eml",
        "rfc2231.eml",
        "groups.eml",
        "simple.eml",
    ]);
    let ask = "FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (From Subject Date)])";
    let cold = c.run(ask);
    assert!(cold.contains("Subject: "), "{cold}");
    // the store was offered each message's answer under the list's key
    let key = fields_key(&[b"SUBJECT".to_vec(), b"from".to_vec(), b"date".to_vec()]);
    let mut s = store.clone();
    for uid in 1..=4 {
        let kept = s.cached_header_fields("INBOX", uid, &key);
        assert!(kept.is_some_and(|a| a.ends_with(b"\r\n")), "uid {uid}");
    }
    let tag = |out: &str, n: u32| out.replace(&format!("t{n} "), "t ");
    assert_eq!(tag(&c.run(ask), 3), tag(&cold, 2));
    // the same key in other words: the answer kept, the list echoed as asked
    let other = c.run("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (date SUBJECT from DATE)])");
    let echoed = cold.replace("(From Subject Date)", "(date SUBJECT from DATE)");
    assert_eq!(tag(&other, 4), tag(&echoed, 2));
    // another list, a partial fetch, a part's header: parsed as always
    let from = c.run("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (From)])");
    assert!(!from.contains("Subject: "), "{from}");
    let part = c.run("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (From Subject Date)]<0.10>)");
    assert_eq!(part.matches("<0> {10}").count(), 4, "{part}");
    // without .PEEK: \Seen set, reported with the answer
    c.run(ask);
    let seen = c.run("FETCH 1 (BODY[HEADER.FIELDS (From Subject Date)])");
    assert!(seen.contains("FLAGS (\\Seen \\Recent)"), "{seen}");
    assert_eq!(
        seen.split("{").nth(1).map(|r| r.split(")\n").next()),
        cold.split("{").nth(1).map(|r| r.split(")\n").next()),
    );
}

#[test]
fn search_recent_new_old() {
    let store = MemoryStore::new();
    let mut c = Client::new(&store);
    store.deliver("INBOX", b"Subject: a\n\nx\n").unwrap();
    store.deliver("INBOX", b"Subject: b\n\nx\n").unwrap();
    // delivered from outside: this session's SELECT claims both as \Recent (RFC 3501 §2.3.2)
    c.run("SELECT INBOX");
    c.run("STORE 2 +FLAGS (\\Seen)");
    assert_eq!(search(&mut c, "RECENT"), "* SEARCH 1 2");
    assert_eq!(search(&mut c, "NEW"), "* SEARCH 1");
    assert_eq!(search(&mut c, "OLD"), "* SEARCH");
    // a second session sees them as old
    let mut d = Client::new(&store);
    d.run("SELECT INBOX");
    assert_eq!(search(&mut d, "OLD"), "* SEARCH 1 2");
    assert_eq!(search(&mut d, "NEW"), "* SEARCH");
}
