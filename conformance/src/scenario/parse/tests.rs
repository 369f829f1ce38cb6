use std::path::Path;

use super::parse;
use crate::pattern::Item;
use crate::scenario::{Fixture, Mode, Scenario, SendPiece, StepKind, TemplatePart};

fn p(src: &str) -> Scenario {
    parse("t", Path::new("t.imap"), src, Path::new("/nonexistent")).unwrap()
}

fn err(src: &str) -> String {
    parse("t", Path::new("t.imap"), src, Path::new("/nonexistent")).unwrap_err()
}

fn sent(kind: &StepKind) -> (String, Vec<SendPiece>) {
    match kind {
        StepKind::Send { client, pieces } => (client.clone(), pieces.clone()),
        other => panic!("not a send: {other:?}"),
    }
}

fn text(bytes: &str) -> SendPiece {
    SendPiece::Text(vec![TemplatePart::Lit(bytes.as_bytes().to_vec())])
}

#[test]
fn headers_and_simple_steps() {
    let s = p("# title: Noop\n# rfc: RFC 3501 §6.1.2\n# requires: IDLE UIDPLUS\n\nC: a1 NOOP\nS: a1 OK {*}\n");
    assert_eq!(s.title, "Noop");
    assert_eq!(s.rfc, "RFC 3501 §6.1.2");
    assert_eq!(s.requires, vec!["IDLE", "UIDPLUS"]);
    assert_eq!(s.steps.len(), 2);
    assert_eq!(
        sent(&s.steps[0].kind),
        ("A".into(), vec![text("a1 NOOP\r\n")])
    );
    assert_eq!(s.steps[0].line, 5);
    match &s.steps[1].kind {
        StepKind::Expect { expect, .. } => {
            assert_eq!(expect.mode, Mode::One);
            assert_eq!(expect.alts[0].source, "a1 OK {*}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_rfc_is_an_error() {
    assert!(err("C: a1 NOOP\n").contains("rfc"));
}

#[test]
fn auto_literal_in_a_command() {
    let s = p("# rfc: x\nC: a1 APPEND INBOX (\\Seen) {}\n| Subject: hi\n|\n| body\n");
    let (_, pieces) = sent(&s.steps[0].kind);
    assert_eq!(
        pieces,
        vec![
            text("a1 APPEND INBOX (\\Seen) {21}\r\n"),
            SendPiece::AwaitContinuation,
            SendPiece::Raw(b"Subject: hi\r\n\r\nbody\r\n".to_vec()),
            SendPiece::Raw(b"\r\n".to_vec()),
        ]
    );
}

#[test]
fn auto_literal_with_continuation_and_nonsync() {
    let s = p("# rfc: x\nC: a1 LOGIN {+}\n| bob\n> {}\n| pw\n");
    let (_, pieces) = sent(&s.steps[0].kind);
    assert_eq!(
        pieces,
        vec![
            text("a1 LOGIN {5+}\r\n"),
            SendPiece::Raw(b"bob\r\n".to_vec()),
            text("{4}\r\n"),
            SendPiece::AwaitContinuation,
            SendPiece::Raw(b"pw\r\n".to_vec()),
            SendPiece::Raw(b"\r\n".to_vec()),
        ]
    );
}

#[test]
fn explicit_literal_byte_stream() {
    let s = p("# rfc: x\nC: a1 LOGIN {3}\nC: bob {6}\nC: secret\nS: a1 OK {*}\n");
    let (_, pieces) = sent(&s.steps[0].kind);
    assert_eq!(
        pieces,
        vec![
            text("a1 LOGIN {3}\r\n"),
            SendPiece::AwaitContinuation,
            SendPiece::Raw(b"bob".to_vec()),
            text(" {6}\r\n"),
            SendPiece::AwaitContinuation,
            SendPiece::Raw(b"secret".to_vec()),
            text("\r\n"),
        ]
    );
}

#[test]
fn explicit_continuation_check_suppresses_auto_wait() {
    let s = p("# rfc: x\nC: a1 APPEND INBOX {7}\nS: + {*}\nC: hello\nC:\n");
    let (_, first) = sent(&s.steps[0].kind);
    assert_eq!(first, vec![text("a1 APPEND INBOX {7}\r\n")]);
    let (_, second) = sent(&s.steps[2].kind);
    assert_eq!(
        second,
        vec![SendPiece::Raw(b"hello\r\n".to_vec()), text("\r\n")]
    );
}

#[test]
fn incomplete_literal_is_an_error() {
    assert!(err("# rfc: x\nC: a1 APPEND INBOX {70}\nC: hello\n").contains("incomplete"));
}

#[test]
fn response_literals() {
    let s = p("# rfc: x\nS: * 1 FETCH (BODY[] {}\n| hi\n> )\nS: * 2 FETCH (BODY[] {4}\nS: hi\nS: )\nS: * 3 FETCH (X {2}\nS: ab)\n");
    let items = |i: usize| match &s.steps[i].kind {
        StepKind::Expect { expect, .. } => expect.alts[0].items.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        items(0)[1],
        Item::Literal {
            size: None,
            content: Some(b"hi\r\n".to_vec())
        }
    );
    assert_eq!(items(0)[2], Item::Text(b")".to_vec()));
    assert_eq!(
        items(1)[1],
        Item::Literal {
            size: Some(4),
            content: Some(b"hi\r\n".to_vec())
        }
    );
    assert_eq!(items(1)[2], Item::Text(b")".to_vec()));
    assert_eq!(
        items(2)[1],
        Item::Literal {
            size: Some(2),
            content: Some(b"ab".to_vec())
        }
    );
    assert_eq!(items(2)[2], Item::Text(b")".to_vec()));
    assert_eq!(s.steps.len(), 3);
}

#[test]
fn groups_alternatives_and_linger() {
    let s = p("# rfc: x\nC: a1 SELECT INBOX\nany-order\n  S: * 0 EXISTS\n  S? * OK [UNSEEN {u:n}] {*}\n  S* * OK {*}\nend\nS: a1 OK {*}\nS? * 1 EXISTS\nS| * 2 EXISTS\nB C: b1 NOOP\n");
    match &s.steps[1].kind {
        StepKind::Group {
            client,
            items,
            linger_full,
            ..
        } => {
            assert_eq!(client, "A");
            assert_eq!(items.len(), 3);
            assert!(*linger_full);
        }
        other => panic!("{other:?}"),
    }
    match &s.steps[3].kind {
        StepKind::Expect {
            expect,
            linger_full,
            ..
        } => {
            assert_eq!(expect.alts.len(), 2);
            assert!(!*linger_full);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sent(&s.steps[4].kind).0, "B");
}

#[test]
fn group_rules() {
    assert!(err("# rfc: x\nany-order\nC: a1 NOOP\nend\n").contains("any-order"));
    assert!(err("# rfc: x\nany-order\nS: a\nB S: b\nend\n").contains("one client"));
    assert!(err("# rfc: x\nany-order\nS: a\n").contains("end"));
    assert!(err("# rfc: x\nS| a\n").contains("S|"));
}

#[test]
fn directives_and_fixtures() {
    let s = p(concat!(
        "# rfc: x\n",
        "fixture INBOX (\\Seen) \"01-Jan-2024 10:00:00 +0000\"\n| Subject: a\n|\n| b\n",
        "mailbox INBOX.Empty\n",
        "within 3000\nB S: * 1 EXISTS\n",
        "quiet B 200\nquiet 100\nsleep 5\ndisconnect B\nclosed\n",
        "deliver INBOX\n| Subject: d\n",
    ));
    assert_eq!(s.fixtures.len(), 2);
    match &s.fixtures[0] {
        Fixture::Message {
            mailbox,
            flags,
            date,
            body,
        } => {
            assert_eq!(mailbox, "INBOX");
            assert_eq!(flags.as_deref(), Some("(\\Seen)"));
            assert!(date.is_some());
            assert_eq!(body, b"Subject: a\r\n\r\nb\r\n");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &s.steps[0].kind,
        StepKind::Expect {
            timeout: Some(3000),
            ..
        }
    ));
    assert!(matches!(&s.steps[1].kind, StepKind::Quiet { client, ms: 200 } if client == "B"));
    assert!(matches!(&s.steps[2].kind, StepKind::Quiet { client, ms: 100 } if client == "A"));
    assert!(matches!(&s.steps[3].kind, StepKind::Sleep(5)));
    assert!(matches!(&s.steps[4].kind, StepKind::Disconnect { client } if client == "B"));
    assert!(matches!(&s.steps[5].kind, StepKind::Closed { .. }));
    match &s.steps[6].kind {
        StepKind::Deliver { folder, message } => {
            assert_eq!(folder, "INBOX");
            assert_eq!(message, b"Subject: d\n");
        }
        other => panic!("{other:?}"),
    }
    assert!(s.delivers());
}

#[test]
fn unknown_directive_reports_line() {
    let e = err("# rfc: x\n\nfrobnicate\n");
    assert!(e.starts_with("t.imap:3:"), "{e}");
}
