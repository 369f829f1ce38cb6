//! Property tests: structural laws of sections and sizes on generated messages, and no
//! panics (in bounded time) on arbitrary bytes and pathological nesting.

use quickcheck::{Arbitrary, Gen};
use quickcheck_macros::quickcheck;

use super::Message;
use crate::syntax::types::{BodyStructure, Partial, Section, SectionText, SinglePartSpecific};

/// A generated message file.
#[derive(Debug, Clone)]
struct Msg(Vec<u8>);

const NAMES: &[&str] = &["From", "To", "Subject", "X-A", "cc", "Date", "Content-Id"];
const WORDS: &[&str] = &[
    "a",
    "b@c",
    "\"q w\"",
    "<x@y>",
    "=?utf-8?q?=C3=A9?=",
    "(c)",
    ";",
    ":",
    "--",
    "--b0",
    "é",
    "\t",
];

fn pick<'a>(g: &mut Gen, xs: &[&'a str]) -> &'a str {
    g.choose(xs).copied().unwrap_or("")
}

/// Line end: LF mostly, sometimes CRLF.
fn eol(g: &mut Gen) -> &'static str {
    if u8::arbitrary(g) % 4 == 0 {
        "\r\n"
    } else {
        "\n"
    }
}

fn header(g: &mut Gen, out: &mut String) {
    for _ in 0..usize::arbitrary(g) % 4 {
        out.push_str(pick(g, NAMES));
        out.push_str(": ");
        for _ in 0..usize::arbitrary(g) % 4 {
            out.push_str(pick(g, WORDS));
            out.push(' ');
        }
        if bool::arbitrary(g) {
            out.push_str(eol(g));
            out.push_str(" folded");
        }
        out.push_str(eol(g));
    }
}

fn text(g: &mut Gen, out: &mut String) {
    for _ in 0..usize::arbitrary(g) % 4 {
        out.push_str(pick(g, WORDS));
        out.push_str(eol(g));
    }
}

/// An entity (header + blank line + body); `depth` bounds nesting.
fn entity(g: &mut Gen, depth: usize, out: &mut String) {
    header(g, out);
    let kind = if depth == 0 { 0 } else { u8::arbitrary(g) % 4 };
    match kind {
        1 => {
            let b = format!("b{depth}");
            out.push_str(&format!("Content-Type: multipart/mixed; boundary={b}"));
            out.push_str(eol(g));
            out.push_str(eol(g));
            text(g, out); // preamble
            for _ in 0..usize::arbitrary(g) % 3 {
                out.push_str(&format!("--{b}"));
                out.push_str(eol(g));
                entity(g, depth - 1, out);
                out.push_str(eol(g));
            }
            if bool::arbitrary(g) {
                out.push_str(&format!("--{b}--"));
                out.push_str(eol(g));
                text(g, out); // epilogue
            }
        }
        2 => {
            out.push_str("Content-Type: message/rfc822");
            out.push_str(eol(g));
            out.push_str(eol(g));
            entity(g, depth - 1, out);
        }
        _ => {
            if bool::arbitrary(g) {
                out.push_str("Content-Transfer-Encoding: base64");
                out.push_str(eol(g));
            }
            if bool::arbitrary(g) {
                out.push_str(eol(g));
            }
            text(g, out);
        }
    }
}

impl Arbitrary for Msg {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut s = String::new();
        entity(g, 3, &mut s);
        Msg(s.into_bytes())
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Msg))
    }
}

fn sec(part: &[u32], text: Option<SectionText>) -> Section {
    Section {
        part: part.to_vec(),
        text,
    }
}

fn get(m: &Message<'_>, part: &[u32], text: Option<SectionText>) -> Option<Vec<u8>> {
    m.section(&sec(part, text), None).map(|b| b.into_owned())
}

/// Checks a BODYSTRUCTURE value against the sections at `path`, recursively.
fn check(m: &Message<'_>, b: &BodyStructure, path: &mut Vec<u32>) -> bool {
    match b {
        BodyStructure::Multi { parts, .. } => parts.iter().enumerate().all(|(i, p)| {
            path.push(i as u32 + 1);
            let ok = check(m, p, path);
            path.pop();
            ok
        }),
        BodyStructure::Single {
            fields, specific, ..
        } => {
            let Some(body) = get(m, path, None) else {
                return fields.octets == 0; // the stand-in part of an empty multipart
            };
            let mut ok = body.len() == fields.octets as usize;
            if let SinglePartSpecific::Message { body: inner, .. } = specific {
                let h = get(m, path, Some(SectionText::Header)).unwrap_or_default();
                let t = get(m, path, Some(SectionText::Text)).unwrap_or_default();
                ok &= [h, t].concat() == body;
                let single = matches!(**inner, BodyStructure::Single { .. });
                if single {
                    path.push(1);
                }
                ok &= check(m, inner, path);
                if single {
                    path.pop();
                }
            }
            ok
        }
    }
}

/// What needs only the header can be answered from the file's start up to `header_end`
/// (what `Store::header` reads): same header range, header sections, envelope, fields.
#[quickcheck]
fn header_prefix_answers_like_the_whole_file(msg: Msg, cut: usize, raw: Vec<u8>) -> bool {
    let check = |data: &[u8]| {
        let whole = Message::parse(data);
        let n = super::mime::header_end(data);
        let prefix = Message::parse(&data[..n.unwrap_or(data.len())]);
        let sections = [
            Some(SectionText::Header),
            Some(SectionText::HeaderFields(vec![
                b"subject".to_vec(),
                b"x-a".to_vec(),
            ])),
            Some(SectionText::HeaderFieldsNot(vec![b"from".to_vec()])),
        ];
        // a prefix without the blank line finds none either (a reader reads on)
        let shorter =
            n.is_none_or(|n| (0..n).all(|k| super::mime::header_end(&data[..k]).is_none()));
        // the header found without the MIME parse is the parse's (it is used in its stead)
        shorter
            && whole.header_range() == whole.root().header
            && prefix.header_range() == prefix.root().header
            && n.is_none_or(|n| whole.root().header == (0..n))
            && prefix.root().header == whole.root().header
            && prefix.envelope() == whole.envelope()
            && prefix.header_values(b"subject") == whole.header_values(b"subject")
            && prefix.sent_date() == whole.sent_date()
            && sections
                .iter()
                .all(|t| get(&prefix, &[], t.clone()) == get(&whole, &[], t.clone()))
    };
    // generated messages, arbitrary cuts of them, and arbitrary bytes
    let cut = &msg.0[..cut % (msg.0.len() + 1)];
    check(&msg.0) && check(cut) && check(&raw)
}

#[quickcheck]
fn body_is_header_plus_text(msg: Msg) -> bool {
    let m = Message::parse(&msg.0);
    let all = get(&m, &[], None).unwrap();
    let h = get(&m, &[], Some(SectionText::Header)).unwrap();
    let t = get(&m, &[], Some(SectionText::Text)).unwrap();
    all == [h, t].concat() && m.size() as usize == all.len()
}

#[quickcheck]
fn bodystructure_agrees_with_sections(msg: Msg) -> bool {
    let m = Message::parse(&msg.0);
    let b = m.body_structure(true);
    let mut path = Vec::new();
    if matches!(b, BodyStructure::Single { .. }) {
        path.push(1);
    }
    check(&m, &b, &mut path)
}

#[quickcheck]
fn partials_are_substrings(msg: Msg, part: Vec<u8>, origin: u16, count: u16) -> bool {
    let m = Message::parse(&msg.0);
    let path: Vec<u32> = part.iter().take(3).map(|&p| u32::from(p % 3) + 1).collect();
    let p = Partial {
        origin: origin.into(),
        count: u32::from(count).max(1),
    };
    [
        None,
        Some(SectionText::Mime),
        Some(SectionText::Text),
        Some(SectionText::Header),
    ]
    .into_iter()
    .all(|t| {
        let s = sec(&path, t);
        match (m.section(&s, None), m.section(&s, Some(p))) {
            (None, None) => true,
            (Some(full), Some(cut)) => *crate::message::size::partial_slice(&full, p) == *cut,
            _ => false,
        }
    })
}

/// Arbitrary bytes biased towards MIME syntax.
#[derive(Debug, Clone)]
struct Soup(Vec<u8>);

impl Arbitrary for Soup {
    fn arbitrary(g: &mut Gen) -> Self {
        const BITS: &[&str] = &[
            "\n",
            "\r\n",
            "\r",
            "\0",
            "--",
            "b",
            "--b\n",
            "--b--",
            ":",
            " ",
            "\n\n",
            "Content-Type: multipart/mixed; boundary=b\n",
            "Content-Type: multipart/digest; boundary=\"b\"\n",
            "Content-Type: message/rfc822\n",
            "Content-Transfer-Encoding: quoted-printable\n",
            "From: a@b\n",
            "To: g:;\n",
            "Date: 1 Jan 2000 99999999999:1 -9999\n",
            "Subject: Re: [x] (fwd) é\n",
            "=?",
            "?=",
            "=\n",
            "\u{ff}",
        ];
        let n = usize::arbitrary(g) % 64;
        let mut v = Vec::new();
        for _ in 0..n {
            if bool::arbitrary(g) {
                v.extend_from_slice(pick(g, BITS).as_bytes());
            } else {
                v.push(u8::arbitrary(g));
            }
        }
        Soup(v)
    }
}

/// Every public operation on one message, for no-panic checks.
fn exercise(data: &[u8]) {
    let m = Message::parse(data);
    let _ = (
        m.size(),
        m.envelope(),
        m.body_structure(true),
        m.body_structure(false),
    );
    let _ = (
        m.body_text(),
        m.header_text(),
        m.sent_date(),
        m.base_subject(),
    );
    let texts = || {
        [
            None,
            Some(SectionText::Header),
            Some(SectionText::Text),
            Some(SectionText::Mime),
            Some(SectionText::HeaderFields(vec![b"from".to_vec()])),
            Some(SectionText::HeaderFieldsNot(vec![b"to".to_vec()])),
        ]
    };
    for path in [&[][..], &[1], &[2], &[1, 1], &[1, 2, 1], &[2, 1, 1, 1]] {
        for t in texts() {
            let _ = m.section(
                &sec(path, t),
                Some(Partial {
                    origin: 3,
                    count: 7,
                }),
            );
        }
        let _ = m.binary(path);
    }
}

#[quickcheck]
fn never_panics(soup: Soup) -> bool {
    exercise(&soup.0);
    true
}

#[quickcheck]
fn never_panics_on_generated_prefixes(msg: Msg, cut: usize) -> bool {
    let n = if msg.0.is_empty() {
        0
    } else {
        cut % msg.0.len()
    };
    exercise(&msg.0[..n]);
    true
}

fn depth(b: &BodyStructure) -> usize {
    match b {
        BodyStructure::Multi { parts, .. } => 1 + parts.iter().map(depth).max().unwrap_or(0),
        BodyStructure::Single {
            specific: SinglePartSpecific::Message { body, .. },
            ..
        } => 1 + depth(body),
        BodyStructure::Single { .. } => 1,
    }
}

#[test]
fn deep_nesting_is_cut_at_the_limit() {
    use std::time::Instant;
    let mut multi = String::new();
    for i in 0..1000 {
        multi.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"n{i}\"\n\n--n{i}\n"
        ));
    }
    multi.push_str("innermost\n");
    let mut rfc822 = "Content-Type: message/rfc822\n\n".repeat(1000);
    rfc822.push_str("body\n");
    for data in [multi, rfc822] {
        let t = Instant::now();
        let m = Message::parse(data.as_bytes());
        let b = m.body_structure(true);
        assert!(depth(&b) <= super::mime::MAX_DEPTH + 1, "{}", depth(&b));
        exercise(data.as_bytes());
        assert!(t.elapsed().as_secs() < 10);
    }
}

#[test]
fn huge_inputs_stay_linear() {
    use std::time::Instant;
    // a 10 MB single-line body inside a multipart, and 100k empty parts (capped)
    let mut one = b"Content-Type: multipart/mixed; boundary=x\n\n--x\n\n".to_vec();
    one.extend(std::iter::repeat_n(b'a', 10 << 20));
    let many = format!(
        "Content-Type: multipart/mixed; boundary=x\n\n{}",
        "--x\n".repeat(100_000)
    );
    for data in [one, many.into_bytes()] {
        let t = Instant::now();
        let m = Message::parse(&data);
        let _ = m.body_structure(true);
        let _ = m.section(
            &Section::default(),
            Some(Partial {
                origin: 5 << 20,
                count: 10,
            }),
        );
        assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
        if let BodyStructure::Multi { parts, .. } = m.body_structure(false) {
            assert!(parts.len() < super::mime::MAX_PARTS);
        }
    }
}
