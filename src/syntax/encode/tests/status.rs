//! Exact bytes for status responses and continuation requests (RFC 3501 §7.1, §7.5;
//! RFC 4315, RFC 5530 codes).

use super::*;
use crate::syntax::types::*;

// --- Status responses (§7.1) ---------------------------------------------------------

#[test]
fn untagged_ok_uidvalidity() {
    // RFC 3501 §8.
    let r = status(
        None,
        StatusKind::Ok,
        Some(Code::UidValidity(3857529045)),
        "UIDs valid",
    );
    assert_wire(r, b"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
}

#[test]
fn tagged_ok_read_write() {
    let r = status(
        Some("a002"),
        StatusKind::Ok,
        Some(Code::ReadWrite),
        "SELECT completed",
    );
    assert_wire(r, b"a002 OK [READ-WRITE] SELECT completed\r\n");
}

#[test]
fn untagged_ok_unseen_and_permanentflags() {
    let r = status(
        None,
        StatusKind::Ok,
        Some(Code::Unseen(17)),
        "Message 17 is the first unseen message",
    );
    assert_wire(
        r,
        b"* OK [UNSEEN 17] Message 17 is the first unseen message\r\n",
    );
    let flags = vec![
        FlagPerm::Flag(Flag::Deleted),
        FlagPerm::Flag(Flag::Seen),
        FlagPerm::Asterisk,
    ];
    let r = status(
        None,
        StatusKind::Ok,
        Some(Code::PermanentFlags(flags)),
        "Limited",
    );
    assert_wire(
        r,
        b"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n",
    );
}

#[test]
fn empty_text_gets_a_default_word() {
    // `text = 1*TEXT-CHAR` (RFC 3501 §9): never `a1 OK` alone, nor `* BYE` (dbmail#46).
    assert_wire(
        status(Some("a1"), StatusKind::Ok, None, ""),
        b"a1 OK Completed\r\n",
    );
    assert_wire(
        status(Some("a1"), StatusKind::No, None, ""),
        b"a1 NO Failed\r\n",
    );
    assert_wire(
        status(Some("a1"), StatusKind::Bad, None, ""),
        b"a1 BAD Error\r\n",
    );
    assert_wire(
        status(None, StatusKind::Bye, None, ""),
        b"* BYE Logging out\r\n",
    );
    assert_wire(
        status(None, StatusKind::PreAuth, None, ""),
        b"* PREAUTH Logged in\r\n",
    );
    let r = status(None, StatusKind::Ok, Some(Code::UidNext(4392)), "");
    assert_wire(r, b"* OK [UIDNEXT 4392] Completed\r\n");
}

#[test]
fn text_is_sanitized() {
    let r = status(Some("a1"), StatusKind::No, None, "bad\r\nthing\0 caf\u{e9}");
    assert_wire(r, b"a1 NO bad  thing  caf?\r\n");
    // A line ending in `{5}` would announce a literal to a client.
    let r = status(Some("a1"), StatusKind::No, None, "try {5}");
    assert_wire(r, b"a1 NO try {5}.\r\n");
    // Without a code, a leading `[` would be read as one.
    let r = status(None, StatusKind::Ok, None, "[ALERT] no");
    assert_wire(r, b"* OK (ALERT] no\r\n");
    let r = status(None, StatusKind::Ok, Some(Code::Alert), "[x]");
    assert_wire(r, b"* OK [ALERT] [x]\r\n");
}

#[test]
fn codes_uidplus() {
    // RFC 4315 §3 examples.
    let r = status(
        Some("A003"),
        StatusKind::Ok,
        Some(Code::AppendUid {
            uidvalidity: 38505,
            uids: set(&[(3955, 3955)]),
        }),
        "APPEND completed",
    );
    assert_wire(r, b"A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
    let r = status(
        Some("A004"),
        StatusKind::Ok,
        Some(Code::CopyUid {
            uidvalidity: 38505,
            source: set(&[(304, 304), (319, 320)]),
            dest: set(&[(3956, 3958)]),
        }),
        "Done",
    );
    assert_wire(r, b"A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
}

#[test]
fn codes_other_rfc5530_capability_badcharset() {
    let r = status(
        Some("a"),
        StatusKind::No,
        Some(Code::Rfc5530(Rfc5530Code::NonExistent)),
        "No such mailbox",
    );
    assert_wire(r, b"a NO [NONEXISTENT] No such mailbox\r\n");
    let r = status(
        None,
        StatusKind::Ok,
        Some(Code::Other(atom("X-FOO"), Some("a]b\nc".into()))),
        "hi",
    );
    assert_wire(r, b"* OK [X-FOO a b c] hi\r\n");
    let r = status(
        None,
        StatusKind::Ok,
        Some(Code::Other(atom("X-FOO"), Some(String::new()))),
        "hi",
    );
    assert_wire(r, b"* OK [X-FOO] hi\r\n");
    let caps = vec![atom("IMAP4rev1"), atom("AUTH=PLAIN")];
    let r = status(None, StatusKind::Ok, Some(Code::Capability(caps)), "ready");
    assert_wire(r, b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n");
    let r = status(
        Some("a"),
        StatusKind::No,
        Some(Code::BadCharset(vec!["UTF-8".into(), "a]b".into()])),
        "x",
    );
    assert_wire(r, b"a NO [BADCHARSET (UTF-8 \"a]b\")] x\r\n");
    let r = status(
        Some("a"),
        StatusKind::No,
        Some(Code::BadCharset(vec![])),
        "x",
    );
    assert_wire(r, b"a NO [BADCHARSET] x\r\n");
}

// --- Continuation requests (§7.5) -----------------------------------------------------

#[test]
fn continuation_requests() {
    let text = |t: &str| {
        Response::Continue(Continue::Text {
            code: None,
            text: t.into(),
        })
    };
    assert_wire(text("idling"), b"+ idling\r\n");
    assert_wire(text(""), b"+ Ready\r\n");
    assert_wire(
        Response::Continue(Continue::Base64(b"foo".to_vec())),
        b"+ Zm9v\r\n",
    );
    assert_wire(Response::Continue(Continue::Base64(Vec::new())), b"+ \r\n");
}
