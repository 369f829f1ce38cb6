//! APPEND (RFC 3501 §6.3.11), MULTIAPPEND (RFC 3502), literal8 (RFC 3516), LITERAL+
//! (RFC 7888).

use super::super::grammar::{ImapParser, Rule};
use super::{assert_accepts, assert_rejects, bad, bad_lit, body_lit};
use crate::syntax::types::{AppendMessage, CommandBody, Date, DateTime, Flag, Mailbox};
use pest::{consumes_to, parses_to};

fn messages(text: &str, literals: Vec<&[u8]>) -> Vec<AppendMessage> {
    match body_lit(text, literals) {
        CommandBody::Append { messages, .. } => messages,
        other => panic!("{other:?}"),
    }
}

#[test]
fn append_grammar() {
    parses_to! {
        parser: ImapParser,
        input: "APPEND x (\\Seen) {1}\r\n\u{1}",
        rule: Rule::append,
        tokens: [append(0, 23, [
            SP(6, 7), mailbox(7, 8),
            append_message(8, 23, [SP(8, 9), flag_list(9, 16, [flag(10, 15), flag_list_close(15, 16)]), SP(16, 17), literal(17, 23)])
        ])]
    };
    assert_accepts(
        Rule::append,
        &[
            "APPEND x {1}\r\n\u{1}",
            "APPEND x {1+}\r\n\u{1}",
            "APPEND x ~{1}\r\n\u{1}",
            "APPEND x () \" 1-Jan-2000 00:00:00 +0000\" {1}\r\n\u{1}",
            "APPEND x \"01-Jan-2000 00:00:00 +0000\" ~{1+}\r\n\u{1}",
            "APPEND x {1}\r\n\u{1} {1}\r\n\u{1} (\\Seen) {1}\r\n\u{1}",
        ],
    );
    assert_rejects(
        Rule::append,
        &[
            "APPEND x",
            "APPEND x ()",
            "APPEND x \"x\"",
            "APPEND x {1}\r\n\u{1} ",
            "APPEND x \" 1-Jan-2000 00:00:00 +0000\" () {1}\r\n\u{1}",
            "APPEND x {1}\r\n\u{1}{1}\r\n\u{1}",
        ],
    );
}

#[test]
fn append_message_parts() {
    let m = messages(
        "a APPEND saved-messages (\\Seen $Label1) \" 7-Feb-1994 21:52:25 -0800\" {5}\r\n\u{1}",
        vec![b"hello"],
    );
    assert_eq!(
        m,
        vec![AppendMessage {
            flags: vec![Flag::Seen, Flag::from_wire("$Label1").unwrap()],
            date: Some(DateTime {
                date: Date {
                    year: 1994,
                    month: 2,
                    day: 7
                },
                hour: 21,
                minute: 52,
                second: 25,
                zone_minutes: -480
            }),
            data: b"hello".to_vec(),
            binary: false,
        }]
    );
    let m = messages("a APPEND INBOX ~{3+}\r\n\u{1}", vec![b"a\0b"]);
    assert_eq!(m[0].data, b"a\0b");
    assert!(m[0].binary);
}

#[test]
fn multiappend() {
    let text = "a APPEND Drafts {1}\r\n\u{1} (\\Draft) {2+}\r\n\u{1} \"01-Jan-2020 10:00:00 +0100\" ~{3}\r\n\u{1}";
    match body_lit(text, vec![b"1", b"22", b"333"]) {
        CommandBody::Append { mailbox, messages } => {
            assert_eq!(mailbox, Mailbox::new("Drafts"));
            assert_eq!(messages.len(), 3);
            assert_eq!(messages[0].data, b"1");
            assert_eq!(messages[1].flags, vec![Flag::Draft]);
            assert_eq!(messages[1].data, b"22");
            assert_eq!(messages[2].date.map(|d| d.zone_minutes), Some(60));
            assert!(messages[2].binary);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn append_errors() {
    assert_eq!(
        bad("a APPEND INBOX"),
        "Missing message literal after APPEND mailbox name, at column 15"
    );
    assert_eq!(
        bad_lit("a APPEND INBOX (\\Recent) {1}\r\n\u{1}", vec![b"x"]),
        "\\Recent cannot be set by a client (RFC 3501 section 2.3.2), at column 17"
    );
    assert_eq!(
        bad_lit("a APPEND INBOX \"7-Feb-1994 21:52:25 -0800\" {1}\r\n\u{1}", vec![b"x"]),
        "Expected a date-time like \"17-Jul-1996 02:44:25 -0700\", found \"7-Feb-1994 21:52:25 -0800\", at column 16"
    );
    assert_eq!(
        bad_lit(
            "a APPEND INBOX \"30-Feb-1994 21:52:25 -0800\" {1}\r\n\u{1}",
            vec![b"x"]
        ),
        "Invalid date \"30-Feb-1994\": there is no such day, at column 16"
    );
    assert_eq!(
        bad_lit(
            "a APPEND INBOX \"01-Feb-1994 24:00:00 -0800\" {1}\r\n\u{1}",
            vec![b"x"]
        ),
        "Invalid time or zone in \"01-Feb-1994 24:00:00 -0800\", at column 16"
    );
    assert_eq!(
        bad_lit("a APPEND INBOX {1}\r\n\u{1}", vec![b"\0"]),
        "NUL octet in a literal (only a literal8 ~{n} may contain NUL), at column 16"
    );
    assert_eq!(
        bad_lit("a APPEND INBOX {1}\r\n\u{1} x", vec![b"1"]),
        "Expected a literal, a literal8, a date-time like \"17-Jul-1996 02:44:25 -0700\" or a flag list like (\\Seen), found \"x\", at column 2 of line 2"
    );
}
