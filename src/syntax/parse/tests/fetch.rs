//! FETCH and UID FETCH (RFC 3501 §6.4.5, §9; RFC 3516 BINARY).

use super::super::grammar::{ImapParser, Rule};
use super::{assert_accepts, assert_rejects, bad, body, body_lit};
use crate::syntax::types::{
    CommandBody, FetchAtt, FetchItems, Partial, Section, SectionText, SeqNo, SeqRange, SequenceSet,
};
use pest::{consumes_to, fails_with, parses_to};
use std::num::NonZeroU32;

fn items(text: &str) -> FetchItems {
    match body(text) {
        CommandBody::Fetch { items, .. } => items,
        other => panic!("{other:?}"),
    }
}

fn atts(text: &str) -> Vec<FetchAtt> {
    match items(text) {
        FetchItems::List(atts) => atts,
        other => panic!("{other:?}"),
    }
}

fn section(part: &[u32], text: Option<SectionText>) -> Section {
    Section {
        part: part.to_vec(),
        text,
    }
}

#[test]
fn fetch_att_grammar() {
    parses_to! {
        parser: ImapParser,
        input: "BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100>",
        rule: Rule::fetch_att,
        tokens: [fetch_att(0, 45, [fetch_body_section(0, 45, [
            body_peek(0, 9),
            section(9, 38, [
                section_spec(10, 37, [
                    section_part(10, 13),
                    section_text(14, 37, [section_msgtext(14, 37, [header_fields(14, 37, [
                        SP(27, 28),
                        header_list(28, 37, [
                            header_fld_name(29, 33),
                            SP(33, 34),
                            header_fld_name(34, 36),
                            header_list_close(36, 37)
                        ])
                    ])])])
                ]),
                section_close(37, 38)
            ]),
            partial(38, 45)
        ])])]
    };
    assert_accepts(
        Rule::fetch_att,
        &[
            "ENVELOPE",
            "flags",
            "INTERNALDATE",
            "RFC822",
            "RFC822.HEADER",
            "RFC822.SIZE",
            "RFC822.TEXT",
            "BODY",
            "BODYSTRUCTURE",
            "UID",
            "BODY[]",
            "body.peek[text]",
            "BODY[1]",
            "BODY[1.2.3.MIME]",
            "BODY[HEADER]",
            "BODY[4.TEXT]<0.1>",
            "BODY[HEADER.FIELDS.NOT (X-A \"x b\" {1}\r\n\u{1})]",
            "BINARY[]",
            "BINARY[1.2]",
            "BINARY.PEEK[3]<10.20>",
            "BINARY.SIZE[]",
            "BINARY.SIZE[1]",
        ],
    );
    assert_rejects(
        Rule::fetch_att,
        &[
            "BODY[MIME]",
            "BODY[0]",
            "BODY[1.0]",
            "BODY[]<0.0>",
            "BODY[]<0>",
            "BODY[]<>",
            "BODY[HEADER.FIELDS]",
            "BODY[HEADER.FIELDS ()]",
            "BODY[TEXT.MIME]",
            "BODY[1.]",
            "BINARY[TEXT]",
            "BINARY.SIZE[]<0.1>",
            "BODY [1]",
            "BODY[1",
            "FLAGSX",
            "BODYX",
            "RFC822.SIZES",
        ],
    );
    fails_with! {
        parser: ImapParser,
        input: "BODY[HEADER.FIELDS (From",
        rule: Rule::fetch_att,
        positives: vec![Rule::SP, Rule::header_list_close],
        negatives: vec![],
        pos: 24
    };
}

#[test]
fn fetch_items_grammar() {
    assert_accepts(
        Rule::fetch,
        &[
            "FETCH 1 ALL",
            "FETCH 1 fast",
            "FETCH 1 FULL",
            "FETCH 1 (UID)",
            "FETCH 1:* (UID FLAGS)",
            "FETCH $ UID",
        ],
    );
    assert_rejects(
        Rule::fetch,
        &[
            "FETCH 1 ()",
            "FETCH 1 (ALL)",
            "FETCH 1 (UID FLAGS",
            "FETCH 1 UID FLAGS",
            "FETCH 1",
            "FETCH ALL",
        ],
    );
}

#[test]
fn fetch_macros_and_lists() {
    assert_eq!(items("a FETCH 1 all"), FetchItems::All);
    assert_eq!(items("a FETCH 1 FAST"), FetchItems::Fast);
    assert_eq!(items("a FETCH 1 Full"), FetchItems::Full);
    assert_eq!(atts("a FETCH 1 uid"), vec![FetchAtt::Uid]);
    assert_eq!(
        atts("a FETCH 1 (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT BODY BODYSTRUCTURE UID)"),
        vec![
            FetchAtt::Envelope, FetchAtt::Flags, FetchAtt::InternalDate, FetchAtt::Rfc822,
            FetchAtt::Rfc822Header, FetchAtt::Rfc822Size, FetchAtt::Rfc822Text, FetchAtt::Body,
            FetchAtt::BodyStructure, FetchAtt::Uid,
        ]
    );
}

#[test]
fn the_typical_uid_fetch() {
    let cmd = body("a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])");
    let CommandBody::Fetch { uid, set, items } = cmd else {
        panic!("{cmd:?}")
    };
    assert!(uid);
    assert_eq!(
        set,
        SequenceSet::Ranges(vec![SeqRange {
            start: SeqNo::Value(NonZeroU32::MIN),
            end: SeqNo::Largest
        }])
    );
    assert_eq!(
        items,
        FetchItems::List(vec![
            FetchAtt::Uid,
            FetchAtt::Rfc822Size,
            FetchAtt::Flags,
            FetchAtt::BodySection {
                peek: true,
                section: section(
                    &[],
                    Some(SectionText::HeaderFields(
                        ["From", "To", "Subject", "Date", "Message-ID"]
                            .iter()
                            .map(|s| s.as_bytes().to_vec())
                            .collect()
                    ))
                ),
                partial: None
            }
        ])
    );
}

#[test]
fn body_sections() {
    let one = |text: &str| atts(&format!("a FETCH 1 {text}")).remove(0);
    assert_eq!(
        one("BODY[]"),
        FetchAtt::BodySection {
            peek: false,
            section: Section::default(),
            partial: None
        }
    );
    assert_eq!(
        one("body[1.2.mime]<5.10>"),
        FetchAtt::BodySection {
            peek: false,
            section: section(&[1, 2], Some(SectionText::Mime)),
            partial: Some(Partial {
                origin: 5,
                count: 10
            })
        }
    );
    assert_eq!(
        one("BODY.PEEK[3.TEXT]"),
        FetchAtt::BodySection {
            peek: true,
            section: section(&[3], Some(SectionText::Text)),
            partial: None
        }
    );
    assert_eq!(
        one("BODY[2.HEADER]"),
        FetchAtt::BodySection {
            peek: false,
            section: section(&[2], Some(SectionText::Header)),
            partial: None
        }
    );
    assert_eq!(
        one("BODY[HEADER.FIELDS.NOT (Received)]"),
        FetchAtt::BodySection {
            peek: false,
            section: section(
                &[],
                Some(SectionText::HeaderFieldsNot(vec![b"Received".to_vec()]))
            ),
            partial: None
        }
    );
    assert_eq!(
        atts_lit("a FETCH 1 BODY[HEADER.FIELDS ({7}\r\n\u{1})]", b"X-Weird"),
        vec![FetchAtt::BodySection {
            peek: false,
            section: section(
                &[],
                Some(SectionText::HeaderFields(vec![b"X-Weird".to_vec()]))
            ),
            partial: None
        }]
    );
}

fn atts_lit(text: &str, literal: &[u8]) -> Vec<FetchAtt> {
    match body_lit(text, vec![literal]) {
        CommandBody::Fetch {
            items: FetchItems::List(a),
            ..
        } => a,
        other => panic!("{other:?}"),
    }
}

#[test]
fn binary_items() {
    assert_eq!(
        atts("a FETCH 1 (BINARY[] BINARY.PEEK[1.2]<0.512> BINARY.SIZE[3])"),
        vec![
            FetchAtt::Binary {
                peek: false,
                part: vec![],
                partial: None
            },
            FetchAtt::Binary {
                peek: true,
                part: vec![1, 2],
                partial: Some(Partial {
                    origin: 0,
                    count: 512
                })
            },
            FetchAtt::BinarySize { part: vec![3] },
        ]
    );
}

#[test]
fn fetch_errors() {
    assert_eq!(
        bad("a FETCH 1:5(FLAGS)"),
        "Expected SP after FETCH sequence set, found \"(FLAGS)\", at column 12"
    );
    assert_eq!(
        bad("a FETCH"),
        "Missing sequence set after FETCH, at column 8"
    );
    assert_eq!(
        bad("a FETCH 1"),
        "Missing fetch items after FETCH sequence set, at column 10"
    );
    assert_eq!(
        bad("a FETCH x FLAGS"),
        "Expected a sequence set (like 1:5,7 or *), found \"x\", at column 9"
    );
    assert_eq!(
        bad("a FETCH 1 FOO"),
        "Unknown fetch item \"FOO\", at column 11"
    );
    assert_eq!(
        bad("a FETCH 1 (FLAGS BODY.PEAK[])"),
        "Unknown fetch item \"BODY.PEAK\", at column 18"
    );
    assert_eq!(
        bad("a FETCH 1 (FLAGS"),
        "Missing ')' to close the fetch item list, at column 17"
    );
    assert_eq!(
        bad("a FETCH 1 (FLAGS,UID)"),
        "Unknown fetch item \"FLAGS,UID\", at column 12"
    );
    assert_eq!(
        bad("a FETCH 1 BODY[MIME]"),
        "MIME needs a part number, like BODY[1.MIME], at column 16"
    );
    assert_eq!(
        bad("a FETCH 1 BODY[0]"),
        "Part number 0 is not allowed (numbers start at 1), at column 16"
    );
    assert_eq!(
        bad("a FETCH 1 BODY[]<0.0>"),
        "Partial count 0 is not allowed (numbers start at 1), at column 17"
    );
    assert_eq!(
        bad("a FETCH 1 BODY[HEADER"),
        "Missing ']' to close the section, at column 22"
    );
    assert_eq!(
        bad("a FETCH 1 BODY[HEADER.FIELDS]"),
        "Expected SP after HEADER.FIELDS, found \"]\", at column 29"
    );
    assert_eq!(
        bad("a FETCH 1 BODY[1.99999999999]"),
        "Number 99999999999 is too large (maximum 4294967295), at column 16"
    );
    assert_eq!(
        bad("a FETCH 1 BODY[]<99999999999.1>"),
        "Number 99999999999 is too large (maximum 4294967295), at column 17"
    );
}

#[test]
fn fetch_item_rules() {
    assert_accepts(Rule::fetch_macro, &["ALL", "fast", "Full"]);
    assert_rejects(Rule::fetch_macro, &["ALLX", "FLAGS", "(ALL)"]);
    assert_accepts(Rule::fetch_att_list, &["(UID)", "(UID FLAGS BODY[])"]);
    assert_rejects(
        Rule::fetch_att_list,
        &["()", "(UID", "(UID  FLAGS)", "(ALL)"],
    );
    assert_accepts(Rule::fetch_list_close, &[")"]);
    assert_rejects(Rule::fetch_list_close, &["]"]);
    assert_accepts(
        Rule::fetch_att_simple,
        &["ENVELOPE", "RFC822.TEXT", "bodystructure", "uid"],
    );
    assert_rejects(
        Rule::fetch_att_simple,
        &["BODY[]", "RFC822.", "UIDS", "ALL"],
    );
    assert_accepts(Rule::fetch_body_section, &["BODY[]", "BODY.PEEK[1]<0.1>"]);
    assert_rejects(
        Rule::fetch_body_section,
        &["BODY", "BODY.PEEK", "BODY[1]<0.0>"],
    );
    assert_accepts(
        Rule::fetch_binary,
        &["BINARY[]", "BINARY.PEEK[1.2]", "binary[3]<0.9>"],
    );
    assert_rejects(
        Rule::fetch_binary,
        &["BINARY", "BINARY[HEADER]", "BINARY.SIZE[]"],
    );
    assert_accepts(Rule::binary_peek, &["BINARY.PEEK", "binary.peek"]);
    assert_rejects(Rule::binary_peek, &["BINARY", "BODY.PEEK"]);
    assert_accepts(Rule::body_peek, &["BODY.PEEK"]);
    assert_rejects(Rule::body_peek, &["BODY.PEK"]);
    assert_accepts(
        Rule::fetch_binary_size,
        &["BINARY.SIZE[]", "BINARY.SIZE[1.2]"],
    );
    assert_rejects(
        Rule::fetch_binary_size,
        &["BINARY.SIZE", "BINARY.SIZE[TEXT]", "BINARY.SIZE[1]<0.1>"],
    );
    assert_accepts(Rule::section_binary, &["[]", "[1]", "[1.2.3]"]);
    assert_rejects(Rule::section_binary, &["[0]", "[HEADER]", "[1.MIME]", "["]);
    assert_accepts(Rule::section, &["[]", "[TEXT]", "[1.2.HEADER.FIELDS (A)]"]);
    assert_rejects(Rule::section, &["[MIME]", "[1.]", "[ ]", "[1"]);
    assert_accepts(Rule::section_close, &["]"]);
    assert_rejects(Rule::section_close, &[")"]);
    assert_accepts(
        Rule::section_spec,
        &[
            "HEADER",
            "1",
            "1.2.MIME",
            "3.TEXT",
            "HEADER.FIELDS.NOT (A B)",
        ],
    );
    assert_rejects(Rule::section_spec, &["MIME", "0", "1.0", "1.FOO"]);
    assert_accepts(Rule::section_part, &["1", "1.2", "10.20.30"]);
    assert_rejects(Rule::section_part, &["0", "1.0", "01"]);
    assert_accepts(
        Rule::section_text,
        &["MIME", "HEADER", "TEXT", "HEADER.FIELDS (A)"],
    );
    assert_rejects(Rule::section_text, &["MIMEX", "1"]);
    assert_accepts(Rule::section_mime, &["MIME", "mime"]);
    assert_rejects(Rule::section_mime, &["MIM"]);
    assert_accepts(
        Rule::section_msgtext,
        &[
            "HEADER",
            "TEXT",
            "HEADER.FIELDS (A)",
            "HEADER.FIELDS.NOT (A)",
        ],
    );
    assert_rejects(Rule::section_msgtext, &["MIME", "HEADER.FIELDS", "HEADERS"]);
    assert_accepts(
        Rule::header_fields,
        &["HEADER.FIELDS (From)", "header.fields (a \"b c\")"],
    );
    assert_rejects(
        Rule::header_fields,
        &[
            "HEADER.FIELDS ()",
            "HEADER.FIELDS From",
            "HEADER.FIELDS.NOT (A)",
        ],
    );
    assert_accepts(Rule::header_fields_not, &["HEADER.FIELDS.NOT (Received)"]);
    assert_rejects(
        Rule::header_fields_not,
        &["HEADER.FIELDS (Received)", "HEADER.FIELDS.NOT"],
    );
    assert_accepts(Rule::section_header, &["HEADER", "header"]);
    assert_rejects(Rule::section_header, &["HEAD"]);
    assert_accepts(Rule::section_text_body, &["TEXT", "text"]);
    assert_rejects(Rule::section_text_body, &["TXT"]);
    assert_accepts(Rule::header_list, &["(a)", "(a b {1}\r\n\u{1} \"c d\")"]);
    assert_rejects(Rule::header_list, &["()", "(a", "(a  b)"]);
    assert_accepts(Rule::header_list_close, &[")"]);
    assert_rejects(Rule::header_list_close, &["]"]);
    assert_accepts(
        Rule::header_fld_name,
        &["From", "\"X Y\"", "{2}\r\n\u{1}", "a]b"],
    );
    assert_rejects(Rule::header_fld_name, &["", "(a)", "a%"]);
    assert_accepts(Rule::partial, &["<0.1>", "<10.4294967295>"]);
    assert_rejects(Rule::partial, &["<0.0>", "<0>", "<.1>", "<1.2", "<-1.2>"]);
}
