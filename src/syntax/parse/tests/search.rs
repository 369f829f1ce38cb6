//! SEARCH (RFC 3501 §6.4.4; RFC 4731 ESEARCH; RFC 5182 SEARCHRES; RFC 5032 WITHIN) and
//! SORT / THREAD (RFC 5256).

use super::super::grammar::{ImapParser, Rule};
use super::{assert_accepts, assert_rejects, bad, body, body_lit};
use crate::syntax::types::{
    Atom, CommandBody, Date, SearchKey, SearchReturn, SeqNo, SeqRange, SequenceSet, SortCriterion,
    SortKey, ThreadAlgorithm,
};
use pest::{consumes_to, fails_with, parses_to};
use std::num::NonZeroU32;

fn criteria(text: &str) -> SearchKey {
    match body(text) {
        CommandBody::Search { criteria, .. } => criteria,
        other => panic!("{other:?}"),
    }
}

fn key(k: &str) -> SearchKey {
    criteria(&format!("a SEARCH {k}"))
}

fn date(y: u16, m: u8, d: u8) -> Date {
    Date {
        year: y,
        month: m,
        day: d,
    }
}

fn seq(a: u32, b: u32) -> SequenceSet {
    SequenceSet::Ranges(vec![SeqRange {
        start: SeqNo::Value(NonZeroU32::new(a).unwrap()),
        end: SeqNo::Value(NonZeroU32::new(b).unwrap()),
    }])
}

#[test]
fn search_key_grammar() {
    parses_to! {
        parser: ImapParser,
        input: "OR FROM x NOT 1:2",
        rule: Rule::search_key,
        tokens: [search_key(0, 17, [search_or(0, 17, [
            SP(2, 3),
            search_key(3, 9, [search_key_string(3, 9, [
                search_string_name(3, 7), SP(7, 8), astring(8, 9)
            ])]),
            SP(9, 10),
            search_key(10, 17, [search_not(10, 17, [
                SP(13, 14),
                search_key(14, 17, [sequence_set(14, 17, [seq_range(14, 17, [seq_number(14, 15), seq_number(16, 17)])])])
            ])])
        ])])]
    };
    assert_accepts(
        Rule::search_key,
        &[
            "ALL",
            "answered",
            "BCC x",
            "BEFORE 1-Jan-2000",
            "BODY \"a b\"",
            "CC {1}\r\n\u{1}",
            "DELETED",
            "DRAFT",
            "FLAGGED",
            "FROM x",
            "HEADER X-A b",
            "KEYWORD $x",
            "LARGER 0",
            "NEW",
            "NOT ALL",
            "OLD",
            "ON \"1-Jan-2000\"",
            "OR ALL ALL",
            "RECENT",
            "SEEN",
            "SENTBEFORE 1-Jan-2000",
            "SENTON 1-Jan-2000",
            "SENTSINCE 1-Jan-2000",
            "SINCE 1-Jan-2000",
            "SMALLER 10",
            "SUBJECT x",
            "TEXT x",
            "TO x",
            "UID 1:*",
            "UNANSWERED",
            "UNDELETED",
            "UNDRAFT",
            "UNFLAGGED",
            "UNKEYWORD $x",
            "UNSEEN",
            "OLDER 1",
            "YOUNGER 259200",
            "1:5,7",
            "*",
            "$",
            "(ALL)",
            "(SEEN (UNSEEN))",
        ],
    );
    assert_rejects(
        Rule::search_key,
        &[
            "ALLX",
            "OLDX",
            "FROM",
            "FROM  x",
            "KEYWORD \\Seen",
            "LARGER x",
            "OLDER 0",
            "NOT",
            "OR ALL",
            "()",
            "(ALL",
            "UID",
            "HEADER x",
            "SINCE 1-Jan-00",
            "0",
            "ON 32-Jan-2000x",
        ],
    );
    fails_with! {
        parser: ImapParser,
        input: "OR ALL",
        rule: Rule::search_key,
        positives: vec![Rule::SP],
        negatives: vec![],
        pos: 6
    };
}

#[test]
fn search_program_grammar() {
    assert_accepts(
        Rule::search,
        &[
            "SEARCH ALL",
            "SEARCH CHARSET UTF-8 ALL",
            "SEARCH RETURN () ALL",
            "SEARCH RETURN (MIN MAX ALL COUNT SAVE) CHARSET \"UTF-8\" ALL SEEN",
        ],
    );
    assert_rejects(
        Rule::search,
        &[
            "SEARCH",
            "SEARCH CHARSET UTF-8",
            "SEARCH ALL RETURN (MIN)",
            "SEARCH RETURN (FOO) ALL",
            "SEARCH ALL ",
            "SEARCH RETURN ALL",
        ],
    );
}

#[test]
fn every_search_key() {
    let cases: Vec<(&str, SearchKey)> = vec![
        ("ALL", SearchKey::All),
        ("ANSWERED", SearchKey::Answered),
        ("BCC b", SearchKey::Bcc(b"b".to_vec())),
        ("BEFORE 1-Feb-1994", SearchKey::Before(date(1994, 2, 1))),
        ("BODY \"b c\"", SearchKey::Body(b"b c".to_vec())),
        ("CC c", SearchKey::Cc(b"c".to_vec())),
        ("DELETED", SearchKey::Deleted),
        ("DRAFT", SearchKey::Draft),
        ("FLAGGED", SearchKey::Flagged),
        ("FROM f", SearchKey::From(b"f".to_vec())),
        (
            "HEADER x-spam yes",
            SearchKey::Header(b"x-spam".to_vec(), b"yes".to_vec()),
        ),
        (
            "KEYWORD $Work",
            SearchKey::Keyword(Atom::new("$Work").unwrap()),
        ),
        ("LARGER 1000", SearchKey::Larger(1000)),
        ("NEW", SearchKey::New),
        ("NOT SEEN", SearchKey::Not(Box::new(SearchKey::Seen))),
        ("OLD", SearchKey::Old),
        ("ON \"3-Mar-2003\"", SearchKey::On(date(2003, 3, 3))),
        (
            "OR SEEN DRAFT",
            SearchKey::Or(Box::new(SearchKey::Seen), Box::new(SearchKey::Draft)),
        ),
        ("RECENT", SearchKey::Recent),
        ("SEEN", SearchKey::Seen),
        (
            "SENTBEFORE 1-Jan-2001",
            SearchKey::SentBefore(date(2001, 1, 1)),
        ),
        ("SENTON 1-Jan-2001", SearchKey::SentOn(date(2001, 1, 1))),
        (
            "SENTSINCE 1-Jan-2001",
            SearchKey::SentSince(date(2001, 1, 1)),
        ),
        ("SINCE 1-Jan-2001", SearchKey::Since(date(2001, 1, 1))),
        ("SMALLER 5", SearchKey::Smaller(5)),
        ("SUBJECT s", SearchKey::Subject(b"s".to_vec())),
        ("TEXT t", SearchKey::Text(b"t".to_vec())),
        ("TO t", SearchKey::To(b"t".to_vec())),
        ("UID 2:3", SearchKey::Uid(seq(2, 3))),
        ("UNANSWERED", SearchKey::Unanswered),
        ("UNDELETED", SearchKey::Undeleted),
        ("UNDRAFT", SearchKey::Undraft),
        ("UNFLAGGED", SearchKey::Unflagged),
        (
            "UNKEYWORD $Work",
            SearchKey::Unkeyword(Atom::new("$Work").unwrap()),
        ),
        ("UNSEEN", SearchKey::Unseen),
        ("OLDER 60", SearchKey::Older(60)),
        ("YOUNGER 259200", SearchKey::Younger(259200)),
        ("2:3", SearchKey::SequenceSet(seq(2, 3))),
        ("$", SearchKey::SequenceSet(SequenceSet::Saved)),
        ("(SEEN)", SearchKey::And(vec![SearchKey::Seen])),
    ];
    for (text, expected) in cases {
        assert_eq!(key(text), expected, "{text}");
        assert_eq!(
            key(&text.to_ascii_lowercase().replace("$work", "$Work")),
            expected,
            "{text} in lower case"
        );
    }
}

#[test]
fn search_program_parts() {
    assert_eq!(
        body("a UID SEARCH RETURN (MIN MAX ALL COUNT SAVE) CHARSET UTF-8 SEEN UNDELETED"),
        CommandBody::Search {
            uid: true,
            ret: Some(vec![
                SearchReturn::Min,
                SearchReturn::Max,
                SearchReturn::All,
                SearchReturn::Count,
                SearchReturn::Save
            ]),
            charset: Some("UTF-8".to_owned()),
            criteria: SearchKey::And(vec![SearchKey::Seen, SearchKey::Undeleted]),
        }
    );
    assert!(
        matches!(body("a SEARCH RETURN () ALL"), CommandBody::Search { ret: Some(r), .. } if r.is_empty())
    );
    assert_eq!(
        body_lit(
            "a SEARCH CHARSET {5}\r\n\u{1} SUBJECT {4}\r\n\u{1}",
            vec![b"UTF-8", "für".as_bytes()]
        ),
        CommandBody::Search {
            uid: false,
            ret: None,
            charset: Some("UTF-8".to_owned()),
            criteria: SearchKey::Subject("für".as_bytes().to_vec())
        }
    );
    assert_eq!(
        key("FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\""),
        SearchKey::And(vec![
            SearchKey::Flagged,
            SearchKey::Since(date(1994, 2, 1)),
            SearchKey::Not(Box::new(SearchKey::From(b"Smith".to_vec())))
        ])
    );
    assert_eq!(
        key("OR (SEEN FLAGGED) NOT (DELETED)"),
        SearchKey::Or(
            Box::new(SearchKey::And(vec![SearchKey::Seen, SearchKey::Flagged])),
            Box::new(SearchKey::Not(Box::new(SearchKey::And(vec![
                SearchKey::Deleted
            ]))))
        )
    );
}

#[test]
fn search_errors() {
    assert_eq!(
        bad("a SEARCH"),
        "Missing search key after SEARCH, at column 9"
    );
    assert_eq!(
        bad("a SEARCH ALLX"),
        "Unknown search key \"ALLX\", at column 10"
    );
    assert_eq!(
        bad("a SEARCH FROM"),
        "Missing string after FROM, at column 14"
    );
    assert_eq!(
        bad("a SEARCH SINCE"),
        "Missing date like 1-Feb-1994 after SINCE, at column 15"
    );
    assert_eq!(
        bad("a SEARCH SINCE 1-Fob-1994"),
        "Expected a date like 1-Feb-1994, found \"1-Fob-1994\", at column 16"
    );
    assert_eq!(
        bad("a SEARCH SINCE 31-Feb-1994"),
        "Invalid date \"31-Feb-1994\": there is no such day, at column 16"
    );
    assert_eq!(
        bad("a SEARCH OR ALL"),
        "Missing second search key after OR ALL, at column 16"
    );
    assert_eq!(
        bad("a SEARCH HEADER Subject"),
        "Missing string after HEADER Subject, at column 24"
    );
    assert_eq!(
        bad("a SEARCH (SEEN"),
        "Missing ')' to close the parenthesized search keys, at column 15"
    );
    assert_eq!(
        bad("a SEARCH RETURN (FOO) ALL"),
        "Unknown SEARCH return option \"FOO\", at column 18"
    );
    assert_eq!(bad("a SEARCH KEYWORD \\Seen"), "Expected a keyword like $Label1 (system flags have search keys of their own), found \"\\Seen\", at column 18");
    assert_eq!(
        bad("a SEARCH OLDER 0"),
        "Number 0 is not allowed (numbers start at 1), at column 16"
    );
    assert_eq!(
        bad("a SEARCH 0:4"),
        "Message number 0 is not allowed (numbers start at 1), at column 10"
    );
    assert_eq!(
        bad("a SEARCH CHARSET"),
        "Missing charset name after CHARSET, at column 17"
    );
}

#[test]
fn sort_and_thread() {
    assert_eq!(
        body("a UID SORT (REVERSE ARRIVAL cc date FROM SIZE SUBJECT reverse TO) UTF-8 UNSEEN"),
        CommandBody::Sort {
            uid: true,
            criteria: vec![
                SortCriterion {
                    reverse: true,
                    key: SortKey::Arrival
                },
                SortCriterion {
                    reverse: false,
                    key: SortKey::Cc
                },
                SortCriterion {
                    reverse: false,
                    key: SortKey::Date
                },
                SortCriterion {
                    reverse: false,
                    key: SortKey::From
                },
                SortCriterion {
                    reverse: false,
                    key: SortKey::Size
                },
                SortCriterion {
                    reverse: false,
                    key: SortKey::Subject
                },
                SortCriterion {
                    reverse: true,
                    key: SortKey::To
                },
            ],
            charset: "UTF-8".to_owned(),
            search: SearchKey::Unseen,
        }
    );
    assert_eq!(
        body("a THREAD ORDEREDSUBJECT \"US-ASCII\" ALL SEEN"),
        CommandBody::Thread {
            uid: false,
            algorithm: ThreadAlgorithm::OrderedSubject,
            charset: "US-ASCII".to_owned(),
            search: SearchKey::And(vec![SearchKey::All, SearchKey::Seen]),
        }
    );
    assert!(matches!(
        body("a UID THREAD references UTF-8 ALL"),
        CommandBody::Thread {
            uid: true,
            algorithm: ThreadAlgorithm::References,
            ..
        }
    ));
    assert!(
        matches!(body("a THREAD X-NEW UTF-8 ALL"), CommandBody::Thread { algorithm: ThreadAlgorithm::Other(a), .. } if a.as_str() == "X-NEW")
    );
    assert_accepts(Rule::sort_criteria, &["(DATE)", "(REVERSE DATE SUBJECT)"]);
    assert_rejects(
        Rule::sort_criteria,
        &[
            "()",
            "(REVERSE)",
            "(REVERSE REVERSE DATE)",
            "(DATEX)",
            "DATE",
        ],
    );
    assert_eq!(
        bad("a SORT (DATE) ALL"),
        "Missing search key after SORT charset, at column 18"
    );
    assert_eq!(
        bad("a SORT (DATES) UTF-8 ALL"),
        "Unknown sort criterion \"DATES\", at column 9"
    );
    assert_eq!(
        bad("a SORT DATE UTF-8 ALL"),
        "Expected a sort criteria list like (REVERSE DATE), found \"DATE\", at column 8"
    );
    assert_eq!(
        bad("a THREAD REFERENCES UTF-8"),
        "Missing search key after THREAD charset, at column 26"
    );
}

#[test]
fn search_rules() {
    assert_accepts(
        Rule::search_return_opts,
        &[" RETURN ()", " return (MIN max)"],
    );
    assert_rejects(
        Rule::search_return_opts,
        &["RETURN ()", " RETURN", " RETURN MIN"],
    );
    assert_accepts(
        Rule::search_return_list,
        &["()", "(MIN MAX ALL COUNT SAVE)"],
    );
    assert_rejects(
        Rule::search_return_list,
        &["(", "(MIN,MAX)", "(PARTIAL 1:5)"],
    );
    assert_accepts(Rule::search_return_close, &[")"]);
    assert_rejects(Rule::search_return_close, &["]"]);
    assert_accepts(
        Rule::search_return_opt,
        &["MIN", "MAX", "ALL", "COUNT", "SAVE", "count"],
    );
    assert_rejects(Rule::search_return_opt, &["MINX", "CONTEXT", "UPDATE"]);
    assert_accepts(
        Rule::search_charset,
        &[
            "CHARSET UTF-8",
            "charset \"ISO-8859-1\"",
            "CHARSET {5}\r\n\u{1}",
        ],
    );
    assert_rejects(Rule::search_charset, &["CHARSET", "CHARSET (UTF-8)"]);
    assert_accepts(Rule::search_key_flag, &["ALL", "UNSEEN", "new", "Old"]);
    assert_rejects(Rule::search_key_flag, &["OLDER", "ALLX", "FROM"]);
    assert_accepts(
        Rule::search_key_string,
        &["FROM x", "to \"y\"", "BODY {1}\r\n\u{1}"],
    );
    assert_rejects(Rule::search_key_string, &["FROM", "FROMx y", "SUBJECT (x)"]);
    assert_accepts(
        Rule::search_string_name,
        &["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"],
    );
    assert_rejects(Rule::search_string_name, &["TOO", "HEADER"]);
    assert_accepts(
        Rule::search_key_date,
        &["BEFORE 1-Jan-2000", "senton \"2-feb-2000\""],
    );
    assert_rejects(
        Rule::search_key_date,
        &["BEFORE", "ON 2000-01-01", "SINCE 1-Jan-2000 x"],
    );
    assert_accepts(
        Rule::search_date_name,
        &["BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"],
    );
    assert_rejects(Rule::search_date_name, &["AFTER", "SENT"]);
    assert_accepts(
        Rule::search_key_header,
        &["HEADER Subject x", "HEADER \"X\" \"\""],
    );
    assert_rejects(
        Rule::search_key_header,
        &["HEADER Subject", "HEADER", "HEADERS a b"],
    );
    assert_accepts(Rule::search_key_keyword, &["KEYWORD $x", "unkeyword Junk"]);
    assert_rejects(
        Rule::search_key_keyword,
        &["KEYWORD \\Seen", "KEYWORD \"x\"", "KEYWORD"],
    );
    assert_accepts(Rule::search_keyword_name, &["KEYWORD", "UNKEYWORD"]);
    assert_rejects(Rule::search_keyword_name, &["KEYWORDS"]);
    assert_accepts(Rule::search_key_size, &["LARGER 0", "smaller 10"]);
    assert_rejects(Rule::search_key_size, &["LARGER", "LARGER -1", "LARGER 1k"]);
    assert_accepts(Rule::search_size_name, &["LARGER", "SMALLER"]);
    assert_rejects(Rule::search_size_name, &["BIGGER"]);
    assert_accepts(Rule::search_key_within, &["OLDER 1", "younger 86400"]);
    assert_rejects(Rule::search_key_within, &["OLDER 0", "OLDER", "YOUNGER x"]);
    assert_accepts(Rule::search_within_name, &["OLDER", "YOUNGER"]);
    assert_rejects(Rule::search_within_name, &["OLD", "NEWER"]);
    assert_accepts(Rule::search_key_uid, &["uid 1:*", "UID $"]);
    assert_rejects(Rule::search_key_uid, &["UID", "UID x", "UIDS 1"]);
    assert_accepts(Rule::search_not, &["NOT ALL", "not (SEEN)"]);
    assert_rejects(Rule::search_not, &["NOT", "NOT  ALL", "NOTALL"]);
    assert_accepts(Rule::search_or, &["OR ALL SEEN", "or (SEEN) NOT DRAFT"]);
    assert_rejects(Rule::search_or, &["OR ALL", "OR", "OR ALL SEEN DRAFT"]);
    assert_accepts(Rule::search_group, &["(ALL)", "(SEEN (UNSEEN OR ALL ALL))"]);
    assert_rejects(Rule::search_group, &["()", "(ALL", "( ALL)", "(ALL )"]);
    assert_accepts(Rule::search_group_close, &[")"]);
    assert_rejects(Rule::search_group_close, &["("]);
    assert_accepts(
        Rule::sort,
        &[
            "SORT (DATE) UTF-8 ALL",
            "sort (reverse size) \"US-ASCII\" SEEN 1:5",
        ],
    );
    assert_rejects(
        Rule::sort,
        &[
            "SORT (DATE) ALL",
            "SORT (DATE) UTF-8",
            "SORT DATE UTF-8 ALL",
            "SORT () UTF-8 ALL",
        ],
    );
    assert_accepts(
        Rule::sort_criterion,
        &["DATE", "REVERSE DATE", "reverse arrival"],
    );
    assert_rejects(
        Rule::sort_criterion,
        &["REVERSE", "REVERSEDATE", "DATE REVERSE", "DISPLAYFROM"],
    );
    assert_accepts(Rule::sort_criteria_close, &[")"]);
    assert_rejects(Rule::sort_criteria_close, &["]"]);
    assert_accepts(
        Rule::thread,
        &[
            "THREAD REFERENCES UTF-8 ALL",
            "thread orderedsubject US-ASCII SEEN",
        ],
    );
    assert_rejects(
        Rule::thread,
        &[
            "THREAD REFERENCES ALL",
            "THREAD UTF-8 ALL",
            "THREAD (REFERENCES) UTF-8 ALL",
        ],
    );
    assert_accepts(Rule::thread_alg, &["REFERENCES", "ORDEREDSUBJECT", "X-NEW"]);
    assert_rejects(Rule::thread_alg, &["\"REFERENCES\"", "(X)"]);
    assert_accepts(Rule::charset, &["UTF-8", "\"UTF-8\"", "US-ASCII"]);
    assert_rejects(Rule::charset, &["{5}\r\n\u{1}", "(UTF-8)", ""]);
}
