//! What a ParseError carries: the tag, the line and column, and a text fit for a status
//! response.

use super::super::parse_command;
use crate::syntax::error::{ParseErrorKind, Position};

#[test]
fn tag_is_kept_when_valid() {
    let e = parse_command("A1 FETCH x", vec![]).unwrap_err();
    assert_eq!(e.tag().map(|t| t.as_str()), Some("A1"));
    let e = parse_command("A(1 FETCH 1 ALL", vec![]).unwrap_err();
    assert_eq!(e.tag(), None);
    let e = parse_command("", vec![]).unwrap_err();
    assert_eq!(e.tag(), None);
    assert_eq!(e.position(), None);
    assert_eq!(e.kind(), &ParseErrorKind::EmptyLine);
}

#[test]
fn columns_count_octets_from_one() {
    let e = parse_command("a FETCH x FLAGS", vec![]).unwrap_err();
    assert_eq!(e.position(), Some(Position { line: 1, column: 9 }));
    // A multi-octet character counts as its octets, as the client sent them.
    let e = parse_command("a SEARCH SUBJECT \"é\" FOO", vec![]).unwrap_err();
    assert_eq!(
        e.position(),
        Some(Position {
            line: 1,
            column: 23
        })
    );
}

#[test]
fn lines_after_literals() {
    let e = parse_command(
        "a LOGIN {3}\r\n\u{1} {2}\r\n\u{1} extra",
        vec![b"bob".to_vec(), b"pw".to_vec()],
    )
    .unwrap_err();
    assert_eq!(e.position(), Some(Position { line: 3, column: 2 }));
    assert_eq!(
        e.response_text(),
        "Unexpected \"extra\" after LOGIN password, at column 2 of line 3"
    );
    let e = parse_command("a SELECT {3}\r\n\u{1}x", vec![b"bob".to_vec()]).unwrap_err();
    assert_eq!(e.position(), Some(Position { line: 2, column: 1 }));
}

#[test]
fn texts_are_plain_ascii_lines() {
    let inputs = [
        "a SELECT \u{1}\r\n\u{1}",
        "a FOO\u{7}\u{1b}[31m",
        "a FETCH 1 (\u{0})",
        "a\r\nb NOOP",
        "a SEARCH SUBJECT \"x\r\ny\"",
        "a NOOP \u{85}\u{2028}",
        "a UID \u{7f}",
        "\u{feff}a NOOP",
        "a SELECT \"ok\" ünïcödé",
    ];
    for input in inputs {
        let e = parse_command(input, vec![]).unwrap_err();
        let text = e.response_text();
        assert!(text.is_ascii(), "{input:?} -> {text:?}");
        assert!(!text.contains(['\r', '\n']), "{input:?} -> {text:?}");
        assert!(
            !text.chars().any(|c| c.is_ascii_control()),
            "{input:?} -> {text:?}"
        );
        assert!(!text.is_empty());
    }
}

#[test]
fn display_is_the_response_text() {
    let e = parse_command("a FOO", vec![]).unwrap_err();
    assert_eq!(e.to_string(), e.response_text());
    assert_eq!(e.to_string(), "Unknown command \"FOO\", at column 3");
}
