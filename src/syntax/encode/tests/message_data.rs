//! Exact bytes for message data (RFC 3501 §7.4): FETCH items, ENVELOPE, BODYSTRUCTURE,
//! literals, BINARY (RFC 3516).

use super::*;
use crate::syntax::types::*;

// --- Message data (§7.4) --------------------------------------------------------------

fn date_time(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8, zone: i16) -> DateTime {
    DateTime::new(Date::new(y, mo, d).unwrap(), h, mi, s, zone).unwrap()
}

#[test]
fn fetch_full_rfc3501_example() {
    // RFC 3501 §8, `a003 fetch 12 full`, on one line.
    let gray = addr(Some("Terry Gray"), "gray", "cac.washington.edu");
    let env = Envelope {
        date: s("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)"),
        subject: s("IMAP4rev1 WG mtg summary and minutes"),
        from: vec![gray.clone()],
        sender: vec![gray.clone()],
        reply_to: vec![gray],
        to: vec![addr(None, "imap", "cac.washington.edu")],
        cc: vec![
            addr(None, "minutes", "CNRI.Reston.VA.US"),
            addr(Some("John Klensin"), "KLENSIN", "MIT.EDU"),
        ],
        bcc: vec![],
        in_reply_to: None,
        message_id: s("<B27397-0100000@cac.washington.edu>"),
    };
    let body = text_part(&[("CHARSET", "US-ASCII")], None, None, "7BIT", 3028, 92);
    let r = Data::Fetch {
        seq: 12,
        items: vec![
            FetchValue::Flags(vec![Flag::Seen]),
            FetchValue::InternalDate(date_time(1996, 7, 17, 2, 44, 25, -420)),
            FetchValue::Rfc822Size(4286),
            FetchValue::Envelope(Box::new(env)),
            FetchValue::Body(Box::new(body)),
        ],
    };
    assert_wire(
        r,
        b"* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" \
RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \
\"IMAP4rev1 WG mtg summary and minutes\" \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((NIL NIL \"imap\" \"cac.washington.edu\")) \
((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \
\"<B27397-0100000@cac.washington.edu>\") \
BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n",
    );
}

fn rfc3501_multipart(ext: bool) -> BodyStructure {
    let mut second = text_part(
        &[("CHARSET", "US-ASCII"), ("NAME", "cc.diff")],
        Some("<960723163407.20117h@cac.washington.edu>"),
        Some("Compiler diff"),
        "BASE64",
        4554,
        73,
    );
    if ext {
        if let BodyStructure::Single { ext, .. } = &mut second {
            *ext = Some(SinglePartExt {
                md5: None,
                disposition: Some(Disposition {
                    kind: b"attachment".to_vec(),
                    params: vec![(b"filename".to_vec(), b"cc.diff".to_vec())],
                }),
                language: vec![b"en".to_vec()],
                location: None,
            });
        }
    }
    BodyStructure::Multi {
        parts: vec![
            text_part(&[("CHARSET", "US-ASCII")], None, None, "7BIT", 1152, 23),
            second,
        ],
        subtype: b"MIXED".to_vec(),
        ext: ext.then(|| MultiPartExt {
            params: vec![(b"BOUNDARY".to_vec(), b"x".to_vec())],
            disposition: None,
            language: vec![b"en".to_vec(), b"de".to_vec()],
            location: s("http://a/b"),
        }),
    }
}

#[test]
fn body_rfc3501_multipart_example() {
    // RFC 3501 §7.4.2 BODYSTRUCTURE example (as BODY: no extension data).
    let r = Data::Fetch {
        seq: 1,
        items: vec![FetchValue::Body(Box::new(rfc3501_multipart(true)))],
    };
    assert_wire(
        r,
        b"* 1 FETCH (BODY ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)\
(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \
\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) \"MIXED\"))\r\n",
    );
}

#[test]
fn bodystructure_writes_all_extension_fields() {
    let r = Data::Fetch {
        seq: 1,
        items: vec![FetchValue::BodyStructure(Box::new(rfc3501_multipart(true)))],
    };
    assert_wire(
        r,
        b"* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)\
(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") \
\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73 \
NIL (\"attachment\" (\"filename\" \"cc.diff\")) \"en\" NIL) \"MIXED\" \
(\"BOUNDARY\" \"x\") NIL (\"en\" \"de\") \"http://a/b\"))\r\n",
    );
}

#[test]
fn bodystructure_message_rfc822() {
    let inner = text_part(&[], None, None, "7BIT", 10, 1);
    let msg = BodyStructure::Single {
        fields: BodyFields {
            media_type: b"MESSAGE".to_vec(),
            subtype: b"RFC822".to_vec(),
            params: vec![],
            id: None,
            description: None,
            encoding: b"7BIT".to_vec(),
            octets: 120,
        },
        specific: SinglePartSpecific::Message {
            envelope: Box::new(Envelope {
                subject: s("hi"),
                ..Envelope::default()
            }),
            body: Box::new(inner),
            lines: 6,
        },
        ext: Some(SinglePartExt::default()),
    };
    let r = Data::Fetch {
        seq: 3,
        items: vec![FetchValue::BodyStructure(Box::new(msg))],
    };
    assert_wire(
        r,
        b"* 3 FETCH (BODYSTRUCTURE (\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 120 \
(NIL \"hi\" NIL NIL NIL NIL NIL NIL NIL NIL) \
(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1) 6 NIL NIL NIL NIL))\r\n",
    );
}

#[test]
fn address_groups() {
    // RFC 3501 §7.4.2: group start (host NIL, mailbox = name), members, end (all NIL).
    let env = Envelope {
        to: vec![
            Address {
                mailbox: s("undisclosed"),
                ..Address::default()
            },
            addr(None, "a", "b.example"),
            Address::default(),
        ],
        ..Envelope::default()
    };
    let r = Data::Fetch {
        seq: 1,
        items: vec![FetchValue::Envelope(Box::new(env))],
    };
    assert_wire(
        r,
        b"* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL \
((NIL NIL \"undisclosed\" NIL)(NIL NIL \"a\" \"b.example\")(NIL NIL NIL NIL)) NIL NIL NIL NIL))\r\n",
    );
}

#[test]
fn body_sections_and_literals() {
    // RFC 3501 §8 `BODY[HEADER] {342}`, shortened.
    let header = b"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n\r\n".to_vec();
    let r = Data::Fetch {
        seq: 12,
        items: vec![FetchValue::BodySection {
            section: Section {
                part: vec![],
                text: Some(SectionText::Header),
            },
            origin: None,
            data: Some(header),
        }],
    };
    assert_wire(
        r,
        b"* 12 FETCH (BODY[HEADER] {47}\r\nDate: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n\r\n)\r\n",
    );
    let r = Data::Fetch {
        seq: 2,
        items: vec![
            FetchValue::Uid(7),
            FetchValue::BodySection {
                section: Section {
                    part: vec![1, 2],
                    text: Some(SectionText::HeaderFields(vec![
                        b"DATE".to_vec(),
                        b"X Y".to_vec(),
                    ])),
                },
                origin: Some(0),
                data: None,
            },
            FetchValue::Rfc822Text(Some(b"a\0b".to_vec())),
        ],
    };
    // NUL cannot be sent in a `literal` (CHAR8): it becomes 0x80.
    assert_wire(
        r,
        b"* 2 FETCH (UID 7 BODY[1.2.HEADER.FIELDS (DATE \"X Y\")]<0> NIL RFC822.TEXT {3}\r\na\x80b)\r\n",
    );
    let long = vec![b'x'; crate::syntax::encode::QUOTED_MAX + 1];
    let mut expected = b"* 1 FETCH (RFC822.HEADER {1025}\r\n".to_vec();
    expected.extend_from_slice(&long);
    expected.extend_from_slice(b")\r\n");
    let r = Data::Fetch {
        seq: 1,
        items: vec![FetchValue::Rfc822Header(Some(long))],
    };
    assert_wire(r, &expected);
}

#[test]
fn binary_uses_literal8_only_for_nul() {
    let r = Data::Fetch {
        seq: 1,
        items: vec![
            FetchValue::Binary {
                part: vec![1],
                origin: None,
                data: Some(b"a\0b".to_vec()),
            },
            FetchValue::Binary {
                part: vec![],
                origin: Some(4),
                data: Some(b"plain".to_vec()),
            },
            FetchValue::BinarySize {
                part: vec![1, 2],
                size: 3,
            },
        ],
    };
    assert_wire(
        r,
        b"* 1 FETCH (BINARY[1] ~{3}\r\na\0b BINARY[]<4> {5}\r\nplain BINARY.SIZE[1.2] 3)\r\n",
    );
}

#[test]
fn internaldate_day_is_zero_padded() {
    let r = Data::Fetch {
        seq: 1,
        items: vec![FetchValue::InternalDate(date_time(2020, 1, 1, 0, 0, 0, 0))],
    };
    assert_wire(
        r,
        b"* 1 FETCH (INTERNALDATE \"01-Jan-2020 00:00:00 +0000\")\r\n",
    );
}
