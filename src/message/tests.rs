//! Corpus tests (tests/messages/*.eml) and property tests for the message layer.
//!
//! Expected ENVELOPE/BODYSTRUCTURE values are written in IMAP wire form through a small
//! test-only renderer (every string quoted) so they can be read against RFC 3501 §7.4.2.

use super::Message;
use crate::syntax::types::{
    Address, BodyStructure, Envelope, NString, Section, SectionText, SinglePartSpecific,
};

fn q(s: &[u8]) -> String {
    let mut out = String::from("\"");
    out.push_str(
        &String::from_utf8_lossy(s)
            .replace('\\', "\\\\")
            .replace('"', "\\\""),
    );
    out.push('"');
    out
}

fn ns(s: &NString) -> String {
    s.as_deref().map_or("NIL".into(), q)
}

fn addrs(l: &[Address]) -> String {
    if l.is_empty() {
        return "NIL".into();
    }
    let items: Vec<String> = l
        .iter()
        .map(|a| {
            format!(
                "({} {} {} {})",
                ns(&a.name),
                ns(&a.adl),
                ns(&a.mailbox),
                ns(&a.host)
            )
        })
        .collect();
    format!("({})", items.concat())
}

pub(super) fn env(e: &Envelope) -> String {
    format!(
        "({} {} {} {} {} {} {} {} {} {})",
        ns(&e.date),
        ns(&e.subject),
        addrs(&e.from),
        addrs(&e.sender),
        addrs(&e.reply_to),
        addrs(&e.to),
        addrs(&e.cc),
        addrs(&e.bcc),
        ns(&e.in_reply_to),
        ns(&e.message_id)
    )
}

fn params(p: &[(Vec<u8>, Vec<u8>)]) -> String {
    if p.is_empty() {
        return "NIL".into();
    }
    let v: Vec<String> = p
        .iter()
        .map(|(k, v)| format!("{} {}", q(k), q(v)))
        .collect();
    format!("({})", v.join(" "))
}

fn dsp(d: &Option<crate::syntax::types::Disposition>) -> String {
    d.as_ref().map_or("NIL".into(), |d| {
        format!("({} {})", q(&d.kind), params(&d.params))
    })
}

fn lang(l: &[Vec<u8>]) -> String {
    match l {
        [] => "NIL".into(),
        [one] => q(one),
        many => format!(
            "({})",
            many.iter().map(|x| q(x)).collect::<Vec<_>>().join(" ")
        ),
    }
}

pub(super) fn bs(b: &BodyStructure) -> String {
    match b {
        BodyStructure::Multi {
            parts,
            subtype,
            ext,
        } => {
            let mut s: String = String::from("(");
            for p in parts {
                s.push_str(&bs(p));
            }
            s.push(' ');
            s.push_str(&q(subtype));
            if let Some(x) = ext {
                s.push_str(&format!(
                    " {} {} {} {}",
                    params(&x.params),
                    dsp(&x.disposition),
                    lang(&x.language),
                    ns(&x.location)
                ));
            }
            s + ")"
        }
        BodyStructure::Single {
            fields: f,
            specific,
            ext,
        } => {
            let mut s = format!(
                "({} {} {} {} {} {} {}",
                q(&f.media_type),
                q(&f.subtype),
                params(&f.params),
                ns(&f.id),
                ns(&f.description),
                q(&f.encoding),
                f.octets
            );
            match specific {
                SinglePartSpecific::Basic => {}
                SinglePartSpecific::Text { lines } => s.push_str(&format!(" {lines}")),
                SinglePartSpecific::Message {
                    envelope,
                    body,
                    lines,
                } => s.push_str(&format!(" {} {} {lines}", env(envelope), bs(body))),
            }
            if let Some(x) = ext {
                s.push_str(&format!(
                    " {} {} {} {}",
                    ns(&x.md5),
                    dsp(&x.disposition),
                    lang(&x.language),
                    ns(&x.location)
                ));
            }
            s + ")"
        }
    }
}

fn load(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/messages/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sec(part: &[u32], text: Option<SectionText>) -> Section {
    Section {
        part: part.to_vec(),
        text,
    }
}

/// `BODY.PEEK[section]` as text, `None` for a nonexistent section.
fn fetch(m: &Message<'_>, part: &[u32], text: Option<SectionText>) -> Option<String> {
    m.section(&sec(part, text), None)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// True if no part of a BODY value carries extension data.
fn no_ext(b: &BodyStructure) -> bool {
    match b {
        BodyStructure::Multi { parts, ext, .. } => ext.is_none() && parts.iter().all(no_ext),
        BodyStructure::Single { specific, ext, .. } => {
            ext.is_none()
                && match specific {
                    SinglePartSpecific::Message { body, .. } => no_ext(body),
                    _ => true,
                }
        }
    }
}

fn fields(names: &[&str]) -> Vec<Vec<u8>> {
    names.iter().map(|n| n.as_bytes().to_vec()).collect()
}

/// Lists of names with one key have one answer (case, order and repeats do not count);
/// lists that differ have different keys, however their names are cut.
#[test]
fn fields_key_names_the_answer() {
    use super::section::fields_key;
    let key = |names: &[&str]| fields_key(&fields(names));
    let d = load("simple.eml");
    let m = Message::parse(&d);
    let answer = |names: &[&str]| fetch(&m, &[], Some(SectionText::HeaderFields(fields(names))));
    let (one, two) = (["Subject", "FROM"], ["from", "subject", "From", "SUBJECT"]);
    assert_eq!(key(&one), key(&two));
    assert_eq!(answer(&one), answer(&two));
    for (a, b) in [
        (&["from"][..], &["from", "to"][..]),
        (&["ab", "c"], &["a", "bc"]),
        (&["from"], &["from "]),
        (&[], &[""]),
    ] {
        assert_ne!(key(a), key(b), "{a:?} {b:?}");
    }
}

/// (file, ENVELOPE, BODYSTRUCTURE) with every value checked by hand against the file.
const CORPUS: &[(&str, &str, &str)] = &[
    (
        "simple.eml",
        r#"("Mon, 7 Feb 1994 21:52:25 -0800 (PST)" "afternoon meeting" (("Fred Foobar" NIL "foobar" "Blurdybloop.example")) (("Fred Foobar" NIL "foobar" "Blurdybloop.example")) (("Fred Foobar" NIL "foobar" "Blurdybloop.example")) ((NIL NIL "mooch" "owatagu.siam.edu.example")) NIL NIL NIL "<B27397-0100000@Blurdybloop.example>")"#,
        r#"("text" "plain" ("charset" "US-ASCII") NIL NIL "7bit" 55 1 NIL NIL NIL NIL)"#,
    ),
    (
        "alternative.eml",
        r#"(NIL "alt" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "b" "example.com")) NIL NIL NIL NIL)"#,
        r#"(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 15 1 NIL NIL NIL NIL)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 12 0 NIL NIL NIL NIL) "alternative" ("boundary" "XX") NIL NIL NIL)"#,
    ),
    (
        "bare_cr_nul.eml",
        r#"(NIL "odd" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 27 2 NIL NIL NIL NIL)"#,
    ),
    (
        "crlf.eml",
        r#"(NIL "crlf" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 18 1 NIL NIL NIL NIL) "mixed" ("boundary" "z") NIL NIL NIL)"#,
    ),
    (
        "digest.eml",
        r#"(NIL NIL ((NIL NIL "list" "example.com")) ((NIL NIL "list" "example.com")) ((NIL NIL "list" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"(("message" "rfc822" NIL NIL NIL "7bit" 51 (NIL "first" ((NIL NIL "one" "example.com")) ((NIL NIL "one" "example.com")) ((NIL NIL "one" "example.com")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)("text" "plain" NIL NIL NIL "7bit" 13 0 NIL NIL NIL NIL) "digest" ("boundary" "d") NIL NIL NIL)"#,
    ),
    (
        "eightbit_headers.eml",
        r#"(NIL "Grüße" (("Jörg Müller" NIL "joerg" "example.com")) (("Jörg Müller" NIL "joerg" "example.com")) (("Jörg Müller" NIL "joerg" "example.com")) (("Zoë" NIL "zoe" "example.com")) NIL NIL NIL NIL)"#,
        r#"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 9 1 NIL NIL NIL NIL)"#,
    ),
    (
        "groups.eml",
        r#"(NIL "groups" (("Doe, John" NIL "john" "example.com")) ((NIL NIL "secretary" "example.com")) (("Doe, John" NIL "john" "example.com")) ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) ((NIL NIL "Friends" NIL)(NIL NIL "alice" "a.example")("Bob" NIL "bob" "b.example")(NIL NIL NIL NIL)(NIL "@relay.example" "carol" "c.example")) ((NIL NIL "nohost" "")) NIL NIL)"#,
        r#"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)"#,
    ),
    (
        "header_only.eml",
        r#"(NIL "nobody" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)"#,
    ),
    (
        "missing_final_boundary.eml",
        r#"(NIL NIL ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"(("text" "plain" NIL NIL NIL "7bit" 3 0 NIL NIL NIL NIL)("text" "plain" NIL NIL NIL "7bit" 29 1 NIL NIL NIL NIL) "mixed" ("boundary" "mb") NIL NIL NIL)"#,
    ),
    (
        "mixed_base64.eml",
        r#"(NIL "attachment" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"(("text" "plain" NIL NIL NIL "7bit" 12 0 NIL NIL NIL NIL)("application" "octet-stream" ("name" "a.bin") "<id1@example.com>" "some bytes" "base64" 8 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("attachment" ("filename" "a.bin")) ("en" "de") "http://example.com/a.bin") "mixed" ("boundary" "b1") NIL NIL NIL)"#,
    ),
    (
        "nested_multipart.eml",
        r#"(NIL NIL ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"((("text" "plain" NIL NIL NIL "7bit" 5 0 NIL NIL NIL NIL)(("text" "html" NIL NIL NIL "7bit" 17 0 NIL NIL NIL NIL)("image" "png" NIL "<x>" NIL "base64" 8 NIL NIL NIL NIL) "related" ("boundary" "m-rel") NIL NIL NIL) "alternative" ("boundary" "m-alt") NIL NIL NIL)("text" "plain" ("charset" "iso-8859-1") NIL NIL "x-uuencode" 11 0 NIL NIL NIL NIL) "mixed" ("boundary" "m") NIL NIL NIL)"#,
    ),
    (
        "nested_rfc822.eml",
        r#"(NIL "fwd" ((NIL NIL "outer" "example.com")) ((NIL NIL "outer" "example.com")) ((NIL NIL "outer" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"(("text" "plain" NIL NIL NIL "7bit" 9 0 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7bit" 202 (NIL "inner" ((NIL NIL "inner" "example.com")) ((NIL NIL "inner" "example.com")) ((NIL NIL "inner" "example.com")) NIL NIL NIL NIL NIL) (("text" "plain" NIL NIL NIL "7bit" 10 0 NIL NIL NIL NIL)("text" "html" NIL NIL NIL "7bit" 8 0 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL) 12 NIL NIL NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL)"#,
    ),
    (
        "no_content_type.eml",
        r#"(NIL "plain" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 22 2 NIL NIL NIL NIL)"#,
    ),
    (
        "rfc2047_subject.eml",
        r#"(NIL "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=" (("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=" NIL "keld" "dkuug.dk")) (("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=" NIL "keld" "dkuug.dk")) (("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=" NIL "keld" "dkuug.dk")) (("=?US-ASCII?Q?Keith_Moore?=" NIL "moore" "cs.utk.edu")) NIL NIL "<parent@example.com>" NIL)"#,
        r#"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)"#,
    ),
    (
        "rfc2231.eml",
        r#"(NIL "2231" ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"("application" "x-stuff" ("title*" "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!") NIL NIL "7bit" 6 NIL ("attachment" ("filename*" "utf-8''na%C3%AFve.txt")) NIL NIL)"#,
    ),
    (
        "top_rfc822.eml",
        r#"(NIL NIL ((NIL NIL "wrapper" "example.com")) ((NIL NIL "wrapper" "example.com")) ((NIL NIL "wrapper" "example.com")) NIL NIL NIL NIL NIL)"#,
        r#"("message" "rfc822" NIL NIL NIL "7bit" 61 (NIL "wrapped" ((NIL NIL "wrapped" "example.com")) ((NIL NIL "wrapped" "example.com")) ((NIL NIL "wrapped" "example.com")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 1 NIL NIL NIL NIL) 4 NIL NIL NIL NIL)"#,
    ),
];

#[test]
fn corpus_envelope_and_bodystructure() {
    for (file, want_env, want_bs) in CORPUS {
        let d = load(file);
        let m = Message::parse(&d);
        assert_eq!(env(&m.envelope()), *want_env, "{file} ENVELOPE");
        assert_eq!(
            bs(&m.body_structure(true)),
            *want_bs,
            "{file} BODYSTRUCTURE"
        );
        // BODY is BODYSTRUCTURE without extension data
        assert!(no_ext(&m.body_structure(false)), "{file}");
        // RFC822.SIZE is the length of BODY[]
        let all = m.section(&Section::default(), None).unwrap();
        assert_eq!(m.size() as usize, all.len(), "{file}");
    }
    // The whole corpus (tests/corpus.rs has insta snapshots of each file's wire text):
    // BODY never has extension data, and RFC822.SIZE is the length of BODY[].
    for f in std::fs::read_dir(format!("{}/tests/messages", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let d = std::fs::read(f.unwrap().path()).unwrap();
        let m = Message::parse(&d);
        assert!(no_ext(&m.body_structure(false)));
        let all = m.section(&Section::default(), None).unwrap();
        assert_eq!(m.size() as usize, all.len());
    }
}

#[test]
fn simple_sections() {
    let d = load("simple.eml");
    let m = Message::parse(&d);
    let header = fetch(&m, &[], Some(SectionText::Header)).unwrap();
    assert!(header.starts_with("Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom:"));
    assert!(header.ends_with("CHARSET=US-ASCII\r\n\r\n"));
    let text = fetch(&m, &[], Some(SectionText::Text)).unwrap();
    assert_eq!(
        text,
        "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
    );
    assert_eq!(fetch(&m, &[], None).unwrap(), header.clone() + &text);
    // part 1 of a non-multipart message is its body; its MIME header is the message header
    assert_eq!(fetch(&m, &[1], None).unwrap(), text);
    assert_eq!(fetch(&m, &[1], Some(SectionText::Mime)).unwrap(), header);
    assert_eq!(fetch(&m, &[2], None), None);
    assert_eq!(fetch(&m, &[1, 1], None), None);
    assert_eq!(fetch(&m, &[1], Some(SectionText::Header)), None);
    assert_eq!(fetch(&m, &[], Some(SectionText::Mime)), None);
    // original order, case-insensitive names, blank line kept
    assert_eq!(
        fetch(
            &m,
            &[],
            Some(SectionText::HeaderFields(fields(&[
                "SUBJECT", "from", "x-none"
            ])))
        )
        .unwrap(),
        "From: Fred Foobar <foobar@Blurdybloop.example>\r\nSubject: afternoon meeting\r\n\r\n"
    );
    assert_eq!(
        fetch(
            &m,
            &[],
            Some(SectionText::HeaderFields(fields(&["x-none"])))
        )
        .unwrap(),
        "\r\n"
    );
    let not = fetch(
        &m,
        &[],
        Some(SectionText::HeaderFieldsNot(fields(&[
            "date",
            "message-id",
            "mime-version",
            "content-type",
            "to",
        ]))),
    )
    .unwrap();
    assert_eq!(
        not,
        "From: Fred Foobar <foobar@Blurdybloop.example>\r\nSubject: afternoon meeting\r\n\r\n"
    );
    assert_eq!(m.base_subject(), "afternoon meeting");
    let date = m.sent_date().unwrap();
    assert_eq!(
        (date.date.year, date.date.month, date.date.day),
        (1994, 2, 7)
    );
}

#[test]
fn partial_ranges() {
    use crate::syntax::types::Partial;
    let d = load("simple.eml");
    let m = Message::parse(&d);
    let all = m.section(&Section::default(), None).unwrap().into_owned();
    let p = |origin, count| Partial { origin, count };
    let text = sec(&[], Some(SectionText::Text));
    assert_eq!(&*m.section(&text, Some(p(0, 5))).unwrap(), b"Hello");
    // the CRLF at the end of the text is split by the partial: <54.1> is the CR
    assert_eq!(&*m.section(&text, Some(p(53, 1))).unwrap(), b"\r");
    assert_eq!(&*m.section(&text, Some(p(54, 10))).unwrap(), b"\n");
    assert_eq!(&*m.section(&text, Some(p(55, 10))).unwrap(), b"");
    assert_eq!(&*m.section(&text, Some(p(1000, 1))).unwrap(), b"");
    assert_eq!(
        &*m.section(&Section::default(), Some(p(20, 30))).unwrap(),
        &all[20..50]
    );
    let hf = sec(&[], Some(SectionText::HeaderFields(fields(&["subject"]))));
    assert_eq!(
        &*m.section(&hf, Some(p(9, 100))).unwrap(),
        b"afternoon meeting\r\n\r\n"
    );
}

#[test]
fn nested_rfc822_sections() {
    let d = load("nested_rfc822.eml");
    let m = Message::parse(&d);
    let inner = fetch(&m, &[2], None).unwrap();
    assert!(inner.starts_with("From: inner@example.com\r\n"));
    assert!(
        inner.ends_with("--inner--"),
        "the line end before --outer-- is the boundary's"
    );
    assert_eq!(
        fetch(&m, &[2], Some(SectionText::Mime)).unwrap(),
        "Content-Type: message/rfc822\r\n\r\n"
    );
    let h = fetch(&m, &[2], Some(SectionText::Header)).unwrap();
    assert!(
        h.starts_with("From: inner@example.com\r\nSubject: inner\r\n")
            && h.ends_with("\"inner\"\r\n\r\n")
    );
    let t = fetch(&m, &[2], Some(SectionText::Text)).unwrap();
    assert_eq!(h.clone() + &t, inner);
    assert_eq!(fetch(&m, &[2, 1], None).unwrap(), "inner text");
    assert_eq!(fetch(&m, &[2, 2], None).unwrap(), "<b>x</b>");
    assert_eq!(
        fetch(&m, &[2, 2], Some(SectionText::Mime)).unwrap(),
        "Content-Type: text/html\r\n\r\n"
    );
    assert_eq!(
        fetch(
            &m,
            &[2],
            Some(SectionText::HeaderFields(fields(&["subject"])))
        )
        .unwrap(),
        "Subject: inner\r\n\r\n"
    );
    // the same as the first thing asked of a fresh parse (the MIME tree built for it)
    let fresh = Message::parse(m.data());
    assert_eq!(
        fetch(
            &fresh,
            &[2],
            Some(SectionText::HeaderFields(fields(&["subject"])))
        )
        .unwrap(),
        "Subject: inner\r\n\r\n"
    );
    assert_eq!(fetch(&m, &[1], Some(SectionText::Header)), None);
    assert_eq!(fetch(&m, &[2, 3], None), None);
    assert_eq!(fetch(&m, &[3], None), None);
    assert_eq!(fetch(&m, &[1], None).unwrap(), "see below");
    assert_eq!(fetch(&m, &[2, 1, 1], None), None);
}

#[test]
fn top_level_rfc822_and_digest_sections() {
    let d = load("top_rfc822.eml");
    let m = Message::parse(&d);
    assert!(fetch(&m, &[1], None)
        .unwrap()
        .starts_with("From: wrapped@example.com\r\n"));
    assert_eq!(fetch(&m, &[1, 1], None).unwrap(), "wrapped body\r\n");
    assert_eq!(
        fetch(&m, &[1], Some(SectionText::Text)).unwrap(),
        "wrapped body\r\n"
    );
    let d = load("digest.eml");
    let m = Message::parse(&d);
    assert_eq!(
        fetch(&m, &[1], Some(SectionText::Header)).unwrap(),
        "From: one@example.com\r\nSubject: first\r\n\r\n"
    );
    assert_eq!(fetch(&m, &[1], Some(SectionText::Mime)).unwrap(), "\r\n");
    assert_eq!(fetch(&m, &[1, 1], None).unwrap(), "first body");
    assert_eq!(fetch(&m, &[2], None).unwrap(), "not a message");
}

#[test]
fn header_only_and_crlf() {
    let d = load("header_only.eml");
    let m = Message::parse(&d);
    // no body and no blank line: none is added (RFC 3501 §6.4.5)
    assert_eq!(
        fetch(&m, &[], Some(SectionText::Header)).unwrap(),
        "From: a@example.com\r\nSubject: nobody"
    );
    assert_eq!(fetch(&m, &[], Some(SectionText::Text)).unwrap(), "");
    assert_eq!(
        fetch(
            &m,
            &[],
            Some(SectionText::HeaderFields(fields(&["subject"])))
        )
        .unwrap(),
        "Subject: nobody"
    );
    let d = load("crlf.eml");
    let m = Message::parse(&d);
    assert_eq!(m.size() as usize, d.len(), "a CRLF file is not doubled");
    assert_eq!(
        &*m.section(&Section::default(), None).unwrap(),
        d.as_slice()
    );
    assert_eq!(fetch(&m, &[1], None).unwrap(), "line one\r\nline two");
    assert_eq!(fetch(&m, &[1], Some(SectionText::Mime)).unwrap(), "\r\n");
    let d = load("missing_final_boundary.eml");
    let m = Message::parse(&d);
    assert_eq!(
        fetch(&m, &[2], None).unwrap(),
        "two, and then the file ends\r\n"
    );
    let d = load("nested_multipart.eml");
    let m = Message::parse(&d);
    assert_eq!(fetch(&m, &[1, 2, 1], None).unwrap(), "<img src=\"cid:x\">");
    assert_eq!(
        fetch(&m, &[1, 2, 2], Some(SectionText::Mime)).unwrap(),
        "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <x>\r\n\r\n"
    );
    assert!(fetch(&m, &[], Some(SectionText::Text))
        .unwrap()
        .ends_with("--m--\r\ntrailing epilogue\r\n"));
}

#[test]
fn binary_sections() {
    use super::section::BinaryError;
    let d = load("mixed_base64.eml");
    let m = Message::parse(&d);
    assert_eq!(&*m.binary(&[2]).unwrap().unwrap(), &[0, 1, 2, 255]);
    assert_eq!(m.binary_size(&[2]).unwrap(), Some(4));
    assert_eq!(&*m.binary(&[1]).unwrap().unwrap(), b"see attached");
    assert_eq!(m.binary(&[3]).unwrap(), None);
    assert_eq!(m.binary(&[]).unwrap().unwrap().len(), m.size() as usize);
    let d = load("alternative.eml");
    let m = Message::parse(&d);
    assert_eq!(
        String::from_utf8(m.binary(&[1]).unwrap().unwrap().into_owned()).unwrap(),
        "café ok"
    );
    let d = load("nested_multipart.eml");
    let m = Message::parse(&d);
    assert_eq!(
        m.binary(&[2]),
        Err(BinaryError::UnknownCte("x-uuencode".into()))
    );
    assert_eq!(&*m.binary(&[1, 2, 2]).unwrap().unwrap(), b"\x89PNG\r\n");
}

#[test]
fn search_helpers() {
    let d = load("rfc2047_subject.eml");
    let m = Message::parse(&d);
    assert_eq!(
        m.header_values(b"SUBJECT"),
        vec!["If you can read this you understand the example."]
    );
    assert_eq!(
        m.header_values(b"from"),
        vec!["Keld Jørn Simonsen <keld@dkuug.dk>"]
    );
    let d = load("alternative.eml");
    let m = Message::parse(&d);
    assert_eq!(
        m.body_text(),
        vec!["café ok".to_string(), "<p>café</p>".to_string()]
    );
    let d = load("eightbit_headers.eml");
    let m = Message::parse(&d);
    assert_eq!(m.header_values(b"subject"), vec!["Grüße"]);
    assert!(super::search::contains_folded(&m.header_text(), "JÖRG"));
    let d = load("nested_rfc822.eml");
    let m = Message::parse(&d);
    let body = m.body_text();
    assert!(
        body[1].contains("Subject: inner"),
        "encapsulated headers are body text"
    );
    assert_eq!(body.len(), 4);
    let d = load("rfc2231.eml");
    let m = Message::parse(&d);
    let t = m.root().content_type.param(b"title").unwrap();
    assert_eq!(t.decoded(), "This is even more ***fun*** isn't it!");
}
