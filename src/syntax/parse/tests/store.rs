//! STORE (RFC 3501 §6.4.6), COPY (§6.4.7), MOVE (RFC 6851), UID EXPUNGE (RFC 4315).

use super::super::grammar::{ImapParser, Rule};
use super::{assert_accepts, assert_rejects, bad, body};
use crate::syntax::types::{CommandBody, Flag, Mailbox, SeqNo, SeqRange, SequenceSet, StoreMode};
use pest::{consumes_to, parses_to};
use std::num::NonZeroU32;

fn store(text: &str) -> (bool, StoreMode, bool, Vec<Flag>) {
    match body(text) {
        CommandBody::Store {
            uid,
            mode,
            silent,
            flags,
            ..
        } => (uid, mode, silent, flags),
        other => panic!("{other:?}"),
    }
}

#[test]
fn store_grammar() {
    parses_to! {
        parser: ImapParser,
        input: "+FLAGS.SILENT \\Seen",
        rule: Rule::store_att_flags,
        tokens: [store_att_flags(0, 19, [store_item(0, 13), SP(13, 14), flag(14, 19)])]
    };
    assert_accepts(
        Rule::store_att_flags,
        &[
            "FLAGS ()",
            "FLAGS (\\Seen)",
            "-flags \\Seen $x",
            "+FLAGS.silent (\\Deleted \\Seen)",
            "FLAGS.SILENT \\Draft",
        ],
    );
    assert_rejects(
        Rule::store_att_flags,
        &[
            "FLAGS",
            "FLAGS  ()",
            "*FLAGS ()",
            "FLAGS.LOUD ()",
            "+FLAGSX ()",
            "FLAGS (\\Seen",
            "FLAGS \\Seen ",
        ],
    );
}

#[test]
fn store_forms() {
    assert_eq!(
        store("a STORE 1 FLAGS ()"),
        (false, StoreMode::Replace, false, vec![])
    );
    assert_eq!(
        store("a STORE 1 +FLAGS \\Seen \\Flagged"),
        (
            false,
            StoreMode::Add,
            false,
            vec![Flag::Seen, Flag::Flagged]
        )
    );
    assert_eq!(
        store("a UID STORE 1 -FLAGS.SILENT (\\Deleted)"),
        (true, StoreMode::Remove, true, vec![Flag::Deleted])
    );
    assert_eq!(
        store("a store 1 flags.silent $Junk"),
        (
            false,
            StoreMode::Replace,
            true,
            vec![Flag::from_wire("$Junk").unwrap()]
        )
    );
}

#[test]
fn store_refuses_recent() {
    assert_eq!(
        bad("a STORE 1 +FLAGS (\\Seen \\Recent)"),
        "\\Recent cannot be set by a client (RFC 3501 section 2.3.2), at column 25"
    );
    assert_eq!(
        bad("a STORE 1 FLAGS \\recent"),
        "\\Recent cannot be set by a client (RFC 3501 section 2.3.2), at column 17"
    );
}

#[test]
fn store_errors() {
    assert_eq!(
        bad("a STORE 1 FLAGS (\\Seen"),
        "Missing ')' to close the flag list, at column 23"
    );
    assert_eq!(
        bad("a STORE 1 FLAG \\Seen"),
        "Unknown STORE item \"FLAG\", at column 11"
    );
    assert_eq!(
        bad("a STORE 1 FLAGS"),
        "Missing flags after FLAGS, at column 16"
    );
    assert_eq!(
        bad("a STORE 1"),
        "Missing FLAGS, +FLAGS or -FLAGS after STORE sequence set, at column 10"
    );
}

#[test]
fn copy_move_expunge() {
    let set = SequenceSet::Ranges(vec![SeqRange {
        start: SeqNo::Value(NonZeroU32::new(2).unwrap()),
        end: SeqNo::Value(NonZeroU32::new(4).unwrap()),
    }]);
    assert_eq!(
        body("a COPY 2:4 MEETING"),
        CommandBody::Copy {
            uid: false,
            set: set.clone(),
            mailbox: Mailbox::new("MEETING")
        }
    );
    assert_eq!(
        body("a UID COPY 2:4 \"a b\""),
        CommandBody::Copy {
            uid: true,
            set: set.clone(),
            mailbox: Mailbox::new("a b")
        }
    );
    assert_eq!(
        body("a MOVE 2:4 Trash"),
        CommandBody::Move {
            uid: false,
            set: set.clone(),
            mailbox: Mailbox::new("Trash")
        }
    );
    assert_eq!(
        body("a uid move $ inbox"),
        CommandBody::Move {
            uid: true,
            set: SequenceSet::Saved,
            mailbox: Mailbox::new("INBOX")
        }
    );
    assert_eq!(body("a UID EXPUNGE 2:4"), CommandBody::UidExpunge(set));
    assert_eq!(
        bad("a COPY 2:4"),
        "Missing mailbox name after COPY sequence set, at column 11"
    );
    assert_eq!(
        bad("a MOVE Trash"),
        "Expected a sequence set (like 1:5,7 or *), found \"Trash\", at column 8"
    );
    assert_eq!(
        bad("a UID EXPUNGE"),
        "Missing sequence set after UID EXPUNGE, at column 14"
    );
    assert_eq!(
        bad("a EXPUNGE 1:2"),
        "Unexpected \"1:2\" after EXPUNGE, at column 11"
    );
    assert_accepts(Rule::copy, &["COPY 1 x", "copy 1:* \"\""]);
    assert_rejects(Rule::copy, &["COPY 1", "COPY x y", "COPY 1 (x)"]);
}

#[test]
fn move_and_store_rules() {
    assert_accepts(Rule::move_cmd, &["MOVE 1 x", "move 1:*,7 \"Trash\""]);
    assert_accepts(
        Rule::move_cmd,
        &["move 2:4 \"Trash\"", "MOVE $ {5}\r\n\u{1}"],
    );
    assert_rejects(Rule::move_cmd, &["MOVE 1", "MOVE x y", "MOVE  1 x"]);
    assert_accepts(Rule::store, &["STORE 1 FLAGS ()", "store $ +flags \\Seen"]);
    assert_rejects(
        Rule::store,
        &[
            "STORE 1",
            "STORE FLAGS ()",
            "STORE 1 (UNCHANGEDSINCE 5) FLAGS ()",
        ],
    );
    assert_accepts(
        Rule::store_item,
        &["FLAGS", "+FLAGS", "-FLAGS", "FLAGS.SILENT", "+flags.silent"],
    );
    assert_rejects(Rule::store_item, &["*FLAGS", "FLAGS.", "+-FLAGS", "FLAGSX"]);
    assert_accepts(Rule::uid_expunge, &["EXPUNGE 1:5", "expunge $"]);
    assert_rejects(Rule::uid_expunge, &["EXPUNGE", "EXPUNGE x"]);
    assert_accepts(
        Rule::uid,
        &[
            "UID FETCH 1 FLAGS",
            "UID STORE 1 FLAGS ()",
            "UID COPY 1 x",
            "UID MOVE 1 x",
            "UID SEARCH ALL",
            "UID EXPUNGE 1",
            "UID SORT (DATE) UTF-8 ALL",
            "UID THREAD REFERENCES UTF-8 ALL",
        ],
    );
    assert_rejects(
        Rule::uid,
        &[
            "UID NOOP",
            "UID",
            "UID  FETCH 1 FLAGS",
            "UID APPEND x {1}\r\n\u{1}",
        ],
    );
}
