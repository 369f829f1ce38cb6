//! Properties over arbitrary input: the parser never panics, and what it says is a valid
//! status response text.

use super::super::{parse_authenticate_line, parse_command, parse_done, parse_tag_only};
use crate::syntax::encode::{encode_command, Fragment};
use crate::syntax::types::Command;
use quickcheck::{Arbitrary, Gen, TestResult};
use quickcheck_macros::quickcheck;

/// Commands that parse, to be mutated into near-misses.
const SEEDS: [&str; 12] = [
    "a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])",
    "a SEARCH RETURN (MIN COUNT) CHARSET UTF-8 OR FROM \"x\" NOT (SEEN 1:5) SINCE 1-Feb-1994",
    "a STORE 1,3:5 +FLAGS.SILENT (\\Seen $Label1)",
    "a APPEND INBOX (\\Seen) \" 7-Feb-1994 21:52:25 -0800\" {3}\r\n\u{1}",
    "a LIST (SUBSCRIBED) \"\" (\"INBOX\" %) RETURN (CHILDREN STATUS (MESSAGES SIZE))",
    "a LOGIN {3}\r\n\u{1} \"p\\\"w\"",
    "a SORT (REVERSE DATE) UTF-8 HEADER X-A {3}\r\n\u{1}",
    "a THREAD REFERENCES US-ASCII UNSEEN",
    "a ID (\"name\" NIL)",
    "a SETQUOTA \"\" (STORAGE 512)",
    "a AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=",
    "a FETCH 2 BINARY.PEEK[1.2]<0.10>",
];

fn check_text(text: &str, literals: Vec<Vec<u8>>) -> bool {
    match parse_command(text, literals) {
        Ok(_) => true,
        Err(e) => {
            let t = e.response_text();
            !t.is_empty() && t.is_ascii() && !t.chars().any(|c| c.is_ascii_control())
        }
    }
}

#[quickcheck]
fn arbitrary_text_never_panics(text: String, literals: Vec<Vec<u8>>) -> bool {
    let _ = parse_tag_only(&text);
    let _ = parse_done(&text);
    let _ = parse_authenticate_line(&text);
    check_text(&text, literals)
}

/// A seed command with some bytes replaced, inserted or removed.
#[derive(Debug, Clone)]
struct Mutated(String, Vec<Vec<u8>>);

impl Arbitrary for Mutated {
    fn arbitrary(g: &mut Gen) -> Self {
        const ALPHABET: &[u8] = b" ()[]<>{}\"\\*%$:.,+-~0123456789ANOTRUIDHEADERSEEN\r\n\x01\x00";
        let seed = *g.choose(&SEEDS).unwrap_or(&SEEDS[0]);
        let mut bytes = seed.as_bytes().to_vec();
        let edits = usize::arbitrary(g) % 4 + 1;
        for _ in 0..edits {
            if bytes.is_empty() {
                break;
            }
            let at = usize::arbitrary(g) % bytes.len();
            let b = *g.choose(ALPHABET).unwrap_or(&b' ');
            match u8::arbitrary(g) % 3 {
                0 => bytes[at] = b,
                1 => bytes.insert(at, b),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let placeholders = text.matches('\u{1}').count();
        let literals = (0..placeholders).map(|i| vec![b'x'; 3 + i % 2]).collect();
        Mutated(text, literals)
    }
}

#[quickcheck]
fn mutated_commands_never_panic(m: Mutated) -> TestResult {
    TestResult::from_bool(check_text(&m.0, m.1))
}

#[test]
fn every_seed_parses() {
    for seed in SEEDS {
        let literals = seed.matches('\u{1}').map(|_| b"xyz".to_vec()).collect();
        if let Err(e) = parse_command(seed, literals) {
            panic!("{seed:?}: {}", e.response_text());
        }
    }
}

/// The framing layer's job for a test: the encoder's fragments as the parser's input.
fn as_parser_input(fragments: Vec<Fragment>) -> Option<(String, Vec<Vec<u8>>)> {
    let mut text = Vec::new();
    let mut literals = Vec::new();
    for f in fragments {
        match f {
            Fragment::Line(line) => text.extend_from_slice(&line),
            Fragment::Literal { data, .. } => {
                text.push(0x01);
                literals.push(data);
            }
        }
    }
    text.strip_suffix(b"\r\n")?;
    text.truncate(text.len() - 2);
    Some((String::from_utf8(text).ok()?, literals))
}

/// Whatever the encoder writes for a command, the parser reads back as the same command.
#[quickcheck]
fn encoded_commands_parse_back(cmd: Command) -> TestResult {
    let Some((text, literals)) = as_parser_input(encode_command(&cmd)) else {
        return TestResult::error(format!("encoder output is not a line: {cmd:?}"));
    };
    match parse_command(&text, literals) {
        Ok(parsed) if parsed == cmd => TestResult::passed(),
        Ok(parsed) => TestResult::error(format!("{text:?}\n  sent {cmd:?}\n  read {parsed:?}")),
        Err(e) => TestResult::error(format!("{text:?}: {}\n  sent {cmd:?}", e.response_text())),
    }
}
