//! Inputs the fuzz targets (`fuzz/fuzz_targets/`) found to crash, hang or exhaust memory,
//! each replayed through what that target does, with a postmortem.

use imapd::message::address::parse_list;
use imapd::message::Message;

/// Everything `fuzz/fuzz_targets/message.rs` asks of a message, for the whole message.
fn message_target(data: &[u8]) {
    let msg = Message::parse(data);
    let _ = msg.envelope();
    let _ = msg.body_structure(true);
    let _ = msg.body_structure(false);
    let _ = msg.section(&Default::default(), None);
}

#[test]
fn message_stray_close_paren_in_address() {
    // postmortem: the address lexer's atom branch stops at `)` without consuming it, and a
    // `)` outside a comment reached that branch, so `lex` pushed empty atoms until the
    // process ran out of memory (fuzz/message, oom-a131fd4d…). A stray `)` is now a
    // one-octet atom.
    message_target(
        b"From: wrapper@exampl).com\nContent-Type: message/rfc822\n\n\
          From: wrapped@example.com\nSubject: wrapped\n\nwrapped body\n",
    );
    let list = parse_list(b"wrapper@exampl).com");
    assert_eq!(list.len(), 1);
    assert!(parse_list(b")").len() <= 1);
}

#[test]
fn message_content_type_comment_ending_in_backslash() {
    // postmortem: `skip_cfws` steps over the octet after a `\` in a comment; a header value
    // ending in `(…\` left the index one past the end, and slicing there panicked
    // (fuzz/message, crash-63f2ba72…). The index is now clamped to the value's end.
    assert!(imapd::message::params::content_type(b"(a\\").is_none());
    message_target(b"From: a@example.com\nContent-Type:(multipart/a\\\\\\ccc\\");
    message_target(b"Content-Type:(multipart/a\\");
}
