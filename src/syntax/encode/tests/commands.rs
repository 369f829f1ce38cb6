//! The client encoder: exact bytes for typical commands, and the round trip through the
//! framing's view and the parser (`parse_command(text, literals) == Ok(command)`).

use quickcheck::QuickCheck;

use crate::syntax::encode::{encode_command, encode_command_bytes, Fragment, LiteralMode};
use crate::syntax::frame::{FrameEvent, FrameLimits, Framer, LITERAL_PLACEHOLDER};
use crate::syntax::parse::parse_command;
use crate::syntax::types::*;

fn cmd(tag: &str, body: CommandBody) -> Command {
    Command {
        tag: Tag::new(tag).unwrap(),
        body,
    }
}

fn mailbox(name: &str) -> Mailbox {
    Mailbox::new(name.as_bytes().to_vec())
}

fn seq(ranges: &[(u32, u32)]) -> SequenceSet {
    let n = |v| SeqNo::Value(std::num::NonZeroU32::new(v).unwrap());
    SequenceSet::Ranges(
        ranges
            .iter()
            .map(|&(a, b)| SeqRange {
                start: n(a),
                end: n(b),
            })
            .collect(),
    )
}

#[track_caller]
fn assert_bytes(c: &Command, expected: &[u8]) {
    let got = encode_command_bytes(c);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

/// The text and literals the framing layer hands to the parser for these fragments: each
/// literal's header and CRLF stay, the octets become one [`LITERAL_PLACEHOLDER`], and the
/// final CRLF goes.
fn parser_input(frags: &[Fragment]) -> (String, Vec<Vec<u8>>) {
    let mut text = String::new();
    let mut literals = Vec::new();
    for f in frags {
        match f {
            Fragment::Line(line) => {
                text.push_str(std::str::from_utf8(line).expect("lines are ASCII"))
            }
            Fragment::Literal { data, .. } => {
                text.push(LITERAL_PLACEHOLDER);
                literals.push(data.clone());
            }
        }
    }
    let text = text.strip_suffix("\r\n").expect("final CRLF").to_string();
    (text, literals)
}

#[test]
fn login_quoted_and_literal() {
    let c = cmd(
        "a1",
        CommandBody::Login {
            username: b"fred".to_vec(),
            password: Secret::new(b"my secret".to_vec()),
        },
    );
    assert_bytes(&c, b"a1 LOGIN fred \"my secret\"\r\n");
    let c = cmd(
        "a2",
        CommandBody::Login {
            username: "fr\u{e9}d".as_bytes().to_vec(),
            password: Secret::new(b"a\"b".to_vec()),
        },
    );
    assert_bytes(&c, b"a2 LOGIN {5+}\r\nfr\xc3\xa9d {3+}\r\na\"b\r\n");
    assert_eq!(
        encode_command(&c),
        vec![
            Fragment::Line(b"a2 LOGIN {5}\r\n".to_vec()),
            Fragment::Literal {
                data: "fr\u{e9}d".as_bytes().to_vec(),
                mode: LiteralMode::Sync
            },
            Fragment::Line(b" {3}\r\n".to_vec()),
            Fragment::Literal {
                data: b"a\"b".to_vec(),
                mode: LiteralMode::Sync
            },
            Fragment::Line(b"\r\n".to_vec()),
        ]
    );
}

#[test]
fn append_text_and_binary() {
    let date = DateTime::new(Date::new(1994, 2, 7).unwrap(), 21, 52, 25, -480).unwrap();
    let c = cmd(
        "A003",
        CommandBody::Append {
            mailbox: mailbox("saved-messages"),
            messages: vec![
                AppendMessage {
                    flags: vec![Flag::Seen],
                    date: Some(date),
                    data: b"Hi\r\n".to_vec(),
                    binary: false,
                },
                AppendMessage {
                    flags: vec![],
                    date: None,
                    data: b"\0x".to_vec(),
                    binary: true,
                },
            ],
        },
    );
    assert_bytes(
        &c,
        b"A003 APPEND saved-messages (\\Seen) \"07-Feb-1994 21:52:25 -0800\" {4+}\r\nHi\r\n ~{2+}\r\n\0x\r\n",
    );
    let frags = encode_command(&c);
    assert!(matches!(
        frags[3],
        Fragment::Literal {
            mode: LiteralMode::Binary { sync: true },
            ..
        }
    ));
}

#[test]
fn search_fetch_store_list() {
    let c = cmd(
        "A282",
        CommandBody::Search {
            uid: false,
            ret: Some(vec![SearchReturn::Min, SearchReturn::Count]),
            charset: None,
            criteria: SearchKey::And(vec![
                SearchKey::Flagged,
                SearchKey::Since(Date::new(1994, 2, 1).unwrap()),
                SearchKey::Not(Box::new(SearchKey::From(b"Smith Jr".to_vec()))),
                SearchKey::Or(
                    Box::new(SearchKey::And(vec![SearchKey::Seen, SearchKey::Deleted])),
                    Box::new(SearchKey::Uid(SequenceSet::Saved)),
                ),
            ]),
        },
    );
    assert_bytes(
        &c,
        b"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith Jr\" OR (SEEN DELETED) UID $\r\n",
    );
    let c = cmd(
        "a",
        CommandBody::Fetch {
            uid: true,
            set: seq(&[(2, 4), (7, 7)]),
            items: FetchItems::List(vec![
                FetchAtt::Flags,
                FetchAtt::BodySection {
                    peek: true,
                    section: Section {
                        part: vec![1, 2],
                        text: Some(SectionText::Mime),
                    },
                    partial: Some(Partial {
                        origin: 0,
                        count: 100,
                    }),
                },
                FetchAtt::BodySection {
                    peek: false,
                    section: Section {
                        part: vec![],
                        text: Some(SectionText::HeaderFieldsNot(vec![b"DATE".to_vec()])),
                    },
                    partial: None,
                },
                FetchAtt::BinarySize { part: vec![] },
            ]),
        },
    );
    assert_bytes(
        &c,
        b"a UID FETCH 2:4,7 (FLAGS BODY.PEEK[1.2.MIME]<0.100> BODY[HEADER.FIELDS.NOT (DATE)] BINARY.SIZE[])\r\n",
    );
    let c = cmd(
        "a",
        CommandBody::Store {
            uid: false,
            set: SequenceSet::Ranges(vec![SeqRange {
                start: SeqNo::Value(1.try_into().unwrap()),
                end: SeqNo::Largest,
            }]),
            mode: StoreMode::Add,
            silent: true,
            flags: vec![Flag::Deleted, Flag::Keyword(Atom::new("$Junk").unwrap())],
        },
    );
    assert_bytes(&c, b"a STORE 1:* +FLAGS.SILENT (\\Deleted $Junk)\r\n");
    let c = cmd(
        "a",
        CommandBody::List(ListCommand {
            selection: vec![ListSelect::Subscribed, ListSelect::RecursiveMatch],
            reference: mailbox(""),
            patterns: vec![b"INBOX*".to_vec(), b"Drafts %".to_vec()],
            returns: vec![
                ListReturn::Children,
                ListReturn::Status(vec![StatusAtt::Messages, StatusAtt::Unseen]),
            ],
        }),
    );
    assert_bytes(
        &c,
        b"a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX* \"Drafts %\") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n",
    );
}

#[test]
fn authenticate_sort_thread() {
    let auth = |ir: Option<&[u8]>| {
        cmd(
            "a",
            CommandBody::Authenticate {
                mechanism: Atom::new("PLAIN").unwrap(),
                initial_response: ir.map(|b| Secret::new(b.to_vec())),
            },
        )
    };
    assert_bytes(&auth(None), b"a AUTHENTICATE PLAIN\r\n");
    assert_bytes(&auth(Some(b"")), b"a AUTHENTICATE PLAIN =\r\n");
    assert_bytes(&auth(Some(b"\0u\0p")), b"a AUTHENTICATE PLAIN AHUAcA==\r\n");
    let c = cmd(
        "a",
        CommandBody::Sort {
            uid: true,
            criteria: vec![
                SortCriterion {
                    reverse: true,
                    key: SortKey::Date,
                },
                SortCriterion {
                    reverse: false,
                    key: SortKey::Subject,
                },
            ],
            charset: "UTF-8".into(),
            search: SearchKey::All,
        },
    );
    assert_bytes(&c, b"a UID SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n");
    let c = cmd(
        "a",
        CommandBody::Thread {
            uid: false,
            algorithm: ThreadAlgorithm::References,
            charset: "US-ASCII".into(),
            search: SearchKey::And(vec![SearchKey::Unseen, SearchKey::Larger(0)]),
        },
    );
    assert_bytes(&c, b"a THREAD REFERENCES US-ASCII UNSEEN LARGER 0\r\n");
}

/// Round trip through the framing's view, as the brief for the parser defines it.
fn prop_roundtrip(c: Command) -> Result<(), String> {
    let (text, literals) = parser_input(&encode_command(&c));
    match parse_command(&text, literals) {
        Ok(parsed) if parsed == c => Ok(()),
        Ok(parsed) => Err(format!("text {text:?}\nparsed {parsed:?}")),
        Err(e) => Err(format!("text {text:?}\nerror {e:?}")),
    }
}

#[test]
fn commands_round_trip_through_the_parser() {
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop_roundtrip as fn(Command) -> Result<(), String>);
}

/// Round trip through the real framer, from LITERAL+ bytes.
fn prop_roundtrip_framed(c: Command) -> Result<(), String> {
    let bytes = encode_command_bytes(&c);
    let mut framer = Framer::new(FrameLimits::default());
    framer.handle_input(&bytes);
    let mut events = Vec::new();
    while let Some(e) = framer.poll_event() {
        events.push(e);
    }
    let [FrameEvent::Command(raw)] = events.as_slice() else {
        return Err(format!("framer gave {events:?}"));
    };
    if raw.invalid.is_some() {
        return Err(format!("framer flagged {:?}", raw.invalid));
    }
    match parse_command(&raw.text, raw.literals.clone()) {
        Ok(parsed) if parsed == c => Ok(()),
        Ok(parsed) => Err(format!("text {:?}\nparsed {parsed:?}", raw.text)),
        Err(e) => Err(format!("text {:?}\nerror {e:?}", raw.text)),
    }
}

#[test]
fn commands_round_trip_through_framer_and_parser() {
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop_roundtrip_framed as fn(Command) -> Result<(), String>);
}
