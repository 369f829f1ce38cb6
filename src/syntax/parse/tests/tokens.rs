//! Tokens: atoms, numbers, strings, literals, tags, mailbox names, dates, flags and
//! sequence sets (RFC 3501 §9, RFC 5182, RFC 6855, RFC 7888, RFC 3516).

use super::super::grammar::{ImapParser, Rule};
use super::{assert_accepts, assert_rejects, bad, bad_lit, bad_with, body, body_lit};
use crate::syntax::parse::ParseLimits;
use crate::syntax::types::{
    CommandBody, Date, Flag, Mailbox, SearchKey, SeqNo, SeqRange, SequenceSet,
};
use pest::{consumes_to, fails_with, parses_to};
use std::num::NonZeroU32;

#[test]
fn atom_accepts_atom_chars_only() {
    assert_accepts(
        Rule::atom,
        &[
            "a",
            "UTF8=ACCEPT",
            "$Label1",
            "a}b",
            "[x",
            "~/Mail/",
            "#news",
        ],
    );
    assert_rejects(
        Rule::atom,
        &[
            "", "a b", "a(", "a)", "a{", "a%", "a*", "a\"", "a\\", "a]", "\u{1}", "é",
        ],
    );
}

#[test]
fn number_and_nz_number() {
    assert_accepts(Rule::number, &["0", "42", "00017", "99999999999"]);
    assert_rejects(Rule::number, &["", "-1", "+1", "1.5", "x"]);
    assert_accepts(Rule::nz_number, &["1", "10", "4294967295"]);
    assert_rejects(Rule::nz_number, &["0", "01", ""]);
    fails_with! {
        parser: ImapParser,
        input: "0",
        rule: Rule::nz_number,
        positives: vec![Rule::nz_number],
        negatives: vec![],
        pos: 0
    };
}

#[test]
fn nil_is_a_whole_word() {
    assert_accepts(Rule::nil, &["NIL", "nil", "Nil"]);
    assert_rejects(Rule::nil, &["NILS", "NI", "\"NIL\""]);
}

#[test]
fn quoted_strings() {
    parses_to! {
        parser: ImapParser,
        input: r#""a \"b\" \\ c""#,
        rule: Rule::quoted,
        tokens: [quoted(0, 14, [quoted_inner(1, 13), quoted_close(13, 14)])]
    };
    assert_accepts(
        Rule::quoted,
        &["\"\"", "\"x y\"", "\"\u{1}\"", "\"Entwürfe\"", "\"日本\""],
    );
    assert_rejects(
        Rule::quoted,
        &["\"", "\"a", "\"a\\b\"", "\"a\r\nb\"", "'a'", "\"a\\\""],
    );
    fails_with! {
        parser: ImapParser,
        input: "\"abc",
        rule: Rule::quoted,
        positives: vec![Rule::quoted_close],
        negatives: vec![],
        pos: 4
    };
}

#[test]
fn literals_are_header_crlf_placeholder() {
    parses_to! {
        parser: ImapParser,
        input: "{5}\r\n\u{1}",
        rule: Rule::literal,
        tokens: [literal(0, 6)]
    };
    assert_accepts(
        Rule::literal,
        &["{0}\r\n\u{1}", "{5+}\r\n\u{1}", "{123}\r\n\u{1}"],
    );
    assert_rejects(
        Rule::literal,
        &[
            "{5}",
            "{5}\r\n",
            "{}\r\n\u{1}",
            "{x}\r\n\u{1}",
            "~{5}\r\n\u{1}",
        ],
    );
    assert_accepts(Rule::literal8, &["~{5}\r\n\u{1}", "~{5+}\r\n\u{1}"]);
    assert_rejects(Rule::literal8, &["{5}\r\n\u{1}", "~{5}"]);
}

#[test]
fn astring_forms() {
    parses_to! {
        parser: ImapParser,
        input: "a]b",
        rule: Rule::astring,
        tokens: [astring(0, 3)]
    };
    parses_to! {
        parser: ImapParser,
        input: "\"x\"",
        rule: Rule::astring,
        tokens: [astring(0, 3, [quoted(0, 3, [quoted_inner(1, 2), quoted_close(2, 3)])])]
    };
    assert_accepts(Rule::astring, &["INBOX", "{3}\r\n\u{1}", "\"\"", "a]"]);
    assert_rejects(Rule::astring, &["", "(a)", "a%"]);
}

#[test]
fn tags() {
    assert_accepts(Rule::tag, &["a001", "A.1", "x]", "t-1", "~a", "DONE"]);
    assert_rejects(Rule::tag, &["", "a+b", "+", "a b", "a(", "*", "a%"]);
}

#[test]
fn mailbox_and_list_mailbox() {
    assert_accepts(
        Rule::mailbox,
        &["INBOX", "inbox", "\"Sent Items\"", "{4}\r\n\u{1}", "a/b.c"],
    );
    assert_rejects(Rule::mailbox, &["a*", "a%", "(a)", ""]);
    assert_accepts(
        Rule::list_mailbox,
        &["*", "%", "a/%", "INBOX.*", "\"\"", "a]"],
    );
    assert_rejects(Rule::list_mailbox, &["", "(", "a b"]);
}

#[test]
fn mailbox_names_keep_octets_and_fold_inbox() {
    assert_eq!(
        body("a SELECT inBoX"),
        CommandBody::Select(Mailbox::new("INBOX"))
    );
    assert_eq!(
        body("a SELECT \"iNbOx\""),
        CommandBody::Select(Mailbox::new("INBOX"))
    );
    assert_eq!(
        body("a SELECT \"Sent \\\"Items\\\" \\\\ x\""),
        CommandBody::Select(Mailbox::new(&b"Sent \"Items\" \\ x"[..]))
    );
    assert_eq!(
        body_lit("a SELECT {4}\r\n\u{1}", vec![b"a b("]),
        CommandBody::Select(Mailbox::new(&b"a b("[..]))
    );
    assert_eq!(
        body("a SELECT &AMQ-"),
        CommandBody::Select(Mailbox::new(&b"&AMQ-"[..]))
    );
}

#[test]
fn utf8_in_quoted_strings_is_a_switch() {
    assert_eq!(
        body("a SELECT \"Entwürfe\""),
        CommandBody::Select(Mailbox::new("Entwürfe".as_bytes()))
    );
    let strict = ParseLimits {
        utf8_quoted: false,
        ..ParseLimits::default()
    };
    assert_eq!(
        bad_with("a SELECT \"Entwürfe\"", &strict),
        "8-bit characters in a quoted string need ENABLE UTF8=ACCEPT; send a literal instead, at column 15"
    );
    assert_eq!(
        bad("a SELECT Entwürfe"),
        "8-bit characters must be sent in a quoted string or a literal, at column 14"
    );
}

#[test]
fn literal_octets_are_moved_in_and_checked() {
    // The literal goes where its placeholder is, whatever order the builder visits them.
    assert_eq!(
        body_lit("a RENAME {1}\r\n\u{1} {2}\r\n\u{1}", vec![b"x", b"yz"]),
        CommandBody::Rename {
            from: Mailbox::new("x"),
            to: Mailbox::new("yz")
        }
    );
    assert_eq!(
        bad_lit("a SELECT {3}\r\n\u{1}", vec![b"a\0b"]),
        "NUL octet in a literal (only a literal8 ~{n} may contain NUL), at column 10"
    );
    assert_eq!(
        bad_lit("a SELECT {3}\r\n\u{1}", vec![b"ab"]),
        "Internal error: literals do not match the command text, at column 10"
    );
    assert_eq!(
        bad_lit("a SELECT {3}\r\n\u{1}", vec![]),
        "Internal error: literals do not match the command text, at column 10"
    );
    assert_eq!(
        bad_lit("a SELECT ~{3}\r\n\u{1}", vec![b"abc"]),
        "A literal8 (~{n}) is only allowed as APPEND message data, at column 10"
    );
}

#[test]
fn numbers_must_fit_32_bits() {
    assert!(matches!(
        body("a SEARCH LARGER 4294967295"),
        CommandBody::Search {
            criteria: SearchKey::Larger(u32::MAX),
            ..
        }
    ));
    assert_eq!(
        bad("a SEARCH LARGER 4294967296"),
        "Number 4294967296 is too large (maximum 4294967295), at column 17"
    );
    assert_eq!(
        bad("a FETCH 1:99999999999999999999999999999999 FLAGS"),
        "Number 999999999999999999999999... is too large (maximum 4294967295), at column 11"
    );
}

#[test]
fn dates() {
    assert_accepts(
        Rule::date,
        &["1-Feb-1994", "01-feb-1994", "\"1-FEB-1994\"", "31-Dec-9999"],
    );
    assert_rejects(
        Rule::date,
        &[
            "1-Feb-94",
            "123-Feb-1994",
            "1 Feb 1994",
            "1-Fbr-1994",
            "\"1-Feb-1994",
            "1-Feb-1994\"",
        ],
    );
    parses_to! {
        parser: ImapParser,
        input: "\"1-Feb-1994\"",
        rule: Rule::date,
        tokens: [date(0, 12, [date_text(1, 11)])]
    };
    assert_eq!(
        body("a SEARCH SINCE 29-feb-2000"),
        CommandBody::Search {
            uid: false,
            ret: None,
            charset: None,
            criteria: SearchKey::Since(Date {
                year: 2000,
                month: 2,
                day: 29
            })
        }
    );
    assert_eq!(
        bad("a SEARCH SINCE 29-Feb-1900"),
        "Invalid date \"29-Feb-1900\": there is no such day, at column 16"
    );
    assert_eq!(
        bad("a SEARCH ON 0-Jan-2000"),
        "Invalid date \"0-Jan-2000\": there is no such day, at column 13"
    );
    assert_eq!(
        bad("a SEARCH ON 31-Apr-2000"),
        "Invalid date \"31-Apr-2000\": there is no such day, at column 13"
    );
}

#[test]
fn date_times() {
    assert_accepts(
        Rule::date_time,
        &[
            "\"17-Jul-1996 02:44:25 -0700\"",
            "\" 7-Jul-1996 02:44:25 +0000\"",
            "\"07-jul-1996 23:59:60 +1400\"",
        ],
    );
    assert_rejects(
        Rule::date_time,
        &[
            "\"7-Jul-1996 02:44:25 -0700\"",
            "17-Jul-1996 02:44:25 -0700",
            "\"17-Jul-1996 2:44:25 -0700\"",
            "\"17-Jul-1996 02:44:25 0700\"",
            "\"17-Jul-1996 02:44:25\"",
        ],
    );
}

#[test]
fn flags() {
    assert_accepts(
        Rule::flag,
        &[
            "\\Seen",
            "\\seen",
            "$Forwarded",
            "\\X-Custom",
            "\\Recent",
            "NonJunk",
        ],
    );
    assert_rejects(Rule::flag, &["\\", "\\*", "(\\Seen)", "a b", "\\\\Seen"]);
    parses_to! {
        parser: ImapParser,
        input: "(\\Seen $A)",
        rule: Rule::flag_list,
        tokens: [flag_list(0, 10, [flag(1, 6), SP(6, 7), flag(7, 9), flag_list_close(9, 10)])]
    };
    assert_accepts(Rule::flag_list, &["()", "(\\Deleted)"]);
    assert_rejects(
        Rule::flag_list,
        &["(", "( )", "(\\Seen )", "(\\Seen  $A)", "\\Seen"],
    );
    fails_with! {
        parser: ImapParser,
        input: "(\\Seen",
        rule: Rule::flag_list,
        positives: vec![Rule::SP, Rule::flag_list_close],
        negatives: vec![],
        pos: 6
    };
    assert!(matches!(
        body("a STORE 1 FLAGS (\\SEEN \\answered \\X $k)"),
        CommandBody::Store { flags, .. } if flags == vec![
            Flag::Seen,
            Flag::Answered,
            Flag::from_wire("\\X").unwrap(),
            Flag::from_wire("$k").unwrap()
        ]
    ));
}

#[test]
fn sequence_sets() {
    parses_to! {
        parser: ImapParser,
        input: "1:5,7,*",
        rule: Rule::sequence_set,
        tokens: [sequence_set(0, 7, [
            seq_range(0, 3, [seq_number(0, 1), seq_number(2, 3)]),
            seq_range(4, 5, [seq_number(4, 5)]),
            seq_range(6, 7, [seq_number(6, 7)])
        ])]
    };
    parses_to! {
        parser: ImapParser,
        input: "$",
        rule: Rule::sequence_set,
        tokens: [sequence_set(0, 1, [seq_last_command(0, 1)])]
    };
    assert_accepts(
        Rule::sequence_set,
        &["1", "*", "*:4", "4:2", "1,2,3", "3291:*", "$"],
    );
    assert_rejects(
        Rule::sequence_set,
        &["0", "1:0", "1,", ",1", "1::2", "1:2:3", "$,1", "-1", ""],
    );
    fails_with! {
        parser: ImapParser,
        input: "0",
        rule: Rule::sequence_set,
        positives: vec![Rule::sequence_set],
        negatives: vec![],
        pos: 0
    };
    let set = |text: &str| match body(&format!("a FETCH {text} FLAGS")) {
        CommandBody::Fetch { set, .. } => set,
        other => panic!("{other:?}"),
    };
    let v = |n: u32| SeqNo::Value(NonZeroU32::new(n).unwrap());
    assert_eq!(
        set("2,4:7,*:3"),
        SequenceSet::Ranges(vec![
            SeqRange {
                start: v(2),
                end: v(2)
            },
            SeqRange {
                start: v(4),
                end: v(7)
            },
            SeqRange {
                start: SeqNo::Largest,
                end: v(3)
            },
        ])
    );
    assert_eq!(set("$"), SequenceSet::Saved);
    assert_eq!(
        bad("a FETCH 0 FLAGS"),
        "Message number 0 is not allowed (numbers start at 1), at column 9"
    );
    assert_eq!(
        bad("a FETCH 3:0 FLAGS"),
        "Message number 0 is not allowed (numbers start at 1), at column 11"
    );
}

#[test]
fn small_token_rules() {
    assert_accepts(Rule::nstring, &["NIL", "nil", "\"x\"", "{1}\r\n\u{1}"]);
    assert_rejects(Rule::nstring, &["x", "NILL", "()"]);
    assert_accepts(
        Rule::date_month,
        &[
            "Jan", "feb", "MAR", "apr", "May", "jun", "Jul", "aug", "Sep", "oct", "Nov", "dec",
        ],
    );
    assert_rejects(Rule::date_month, &["January", "Fe", "1", "Dez"]);
    assert_accepts(Rule::flag_extension, &["\\Seen", "\\X-Foo", "\\Recent"]);
    assert_rejects(Rule::flag_extension, &["Seen", "\\", "\\*", "\\a b"]);
    assert_accepts(Rule::flag_keyword, &["$Label1", "NonJunk", "a[b"]);
    assert_rejects(Rule::flag_keyword, &["\\Seen", "a]", "(", ""]);
}
