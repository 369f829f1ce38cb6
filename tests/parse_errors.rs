//! The BAD text for a table of malformed commands, one insta snapshot for the whole table
//! (`snapshots/parse_errors__bad_responses.snap`). Each line is the command as a client
//! would send it (`\r\n` and literal octets written out), then the response imapd sends.

mod common;

use imapd::syntax::parse::parse_command;

/// Malformed commands, grouped roughly by what is wrong.
const MALFORMED: &[&str] = &[
    // The line, the tag and the command name.
    "",
    " NOOP",
    "+ NOOP",
    "a+1 NOOP",
    "a(1 NOOP",
    "a",
    "a ",
    "a (NOOP)",
    "a FOO",
    "a XPIG-LATIN",
    "a FETCHX 1 ALL",
    "a UID",
    "a UID NOOP",
    "a UID FOO 1:2",
    // Commands without arguments, and stray arguments.
    "a NOOP foo",
    "a CAPABILITY IMAP4rev1",
    "a LOGOUT  ",
    "a SELECT INBOX (CONDSTORE)",
    "a EXPUNGE 1:3",
    "a IDLE DONE",
    // Mailbox commands.
    "a SELECT",
    "a SELECT  INBOX",
    "a SELECT Entwürfe",
    "a SELECT ~{3}\r\nabc",
    "a CREATE (x)",
    "a RENAME Drafts",
    "a STATUS INBOX",
    "a STATUS INBOX MESSAGES",
    "a STATUS INBOX ()",
    "a STATUS INBOX (MESSAGES FOO)",
    "a STATUS INBOX (MESSAGES UNSEEN",
    // LOGIN, AUTHENTICATE, strings.
    "a LOGIN",
    "a LOGIN joe",
    "a LOGIN \"joe",
    "a LOGIN \"jo\\e\" x",
    "a LOGIN {3}\r\njoe {6}\r\nsecret extra",
    "a LOGIN {3}\r\njoe \"unterminated",
    "a AUTHENTICATE",
    "a AUTHENTICATE PLAIN abc",
    "a AUTHENTICATE PLAIN AAAA=",
    "a AUTHENTICATE \"PLAIN\"",
    // LIST and LSUB.
    "a LIST",
    "a LIST \"\"",
    "a LIST (FOO) \"\" *",
    "a LIST (RECURSIVEMATCH) \"\" *",
    "a LIST \"\" * RETURN (FOO)",
    "a LIST \"\" * RETURN (STATUS ())",
    "a LIST \"\" (a b",
    "a LSUB \"#news.\"",
    // APPEND.
    "a APPEND INBOX",
    "a APPEND INBOX (\\Seen)",
    "a APPEND INBOX (\\Recent) {1}\r\nx",
    "a APPEND INBOX \"7-Feb-1994 21:52:25 -0800\" {1}\r\nx",
    "a APPEND INBOX \"30-Feb-1994 21:52:25 -0800\" {1}\r\nx",
    "a APPEND INBOX \"01-Feb-1994 24:00:00 -0800\" {1}\r\nx",
    "a APPEND INBOX {1}\r\n\0",
    "a APPEND INBOX {1}\r\nx x",
    // FETCH.
    "a FETCH",
    "a FETCH 1",
    "a FETCH 1:5(FLAGS)",
    "a FETCH x FLAGS",
    "a FETCH 0 FLAGS",
    "a FETCH 3:0 FLAGS",
    "a FETCH 1,2, ALL",
    "a FETCH 4294967296 ALL",
    "a FETCH 1  ALL",
    "a FETCH 1 FOO",
    "a FETCH 1 (FLAGS FOO)",
    "a FETCH 1 (FLAGS",
    "a FETCH 1 (FLAGS,UID)",
    "a FETCH 1 FLAGS)",
    "a FETCH 1 ()",
    "a FETCH 1 BODY.PEEK",
    "a FETCH 1 BODY[MIME]",
    "a FETCH 1 BODY[0]",
    "a FETCH 1 BODY[1.0]",
    "a FETCH 1 BODY[HEADER",
    "a FETCH 1 BODY[HEADER.FIELDS]",
    "a FETCH 1 BODY[HEADER.FIELDS (From]",
    "a FETCH 1 BODY[]<0.0>",
    "a FETCH 1 BODY[]<10>",
    "a FETCH 1 BINARY[TEXT]",
    // STORE, COPY, MOVE.
    "a STORE 1",
    "a STORE 1 FLAGS",
    "a STORE 1 FLAG \\Seen",
    "a STORE 1 FLAGS (\\Seen",
    "a STORE 1 +FLAGS (\\Seen \\Recent)",
    "a STORE 1 FLAGS (\\Seen)(\\Draft)",
    "a COPY 2:4",
    "a MOVE Trash",
    "a UID EXPUNGE",
    // SEARCH, SORT, THREAD.
    "a SEARCH",
    "a SEARCH ALLX",
    "a SEARCH FROM",
    "a SEARCH SINCE",
    "a SEARCH SINCE 1-Fob-1994",
    "a SEARCH SINCE 31-Feb-1994",
    "a SEARCH SINCE 1-Feb-94",
    "a SEARCH OR ALL",
    "a SEARCH NOT",
    "a SEARCH HEADER Subject",
    "a SEARCH (SEEN",
    "a SEARCH ()",
    "a SEARCH LARGER x",
    "a SEARCH LARGER 99999999999",
    "a SEARCH OLDER 0",
    "a SEARCH 0:4",
    "a SEARCH KEYWORD \\Seen",
    "a SEARCH CHARSET",
    "a SEARCH RETURN (FOO) ALL",
    "a SEARCH RETURN (MIN ALL",
    "a SEARCH ALL RETURN (MIN)",
    "a SEARCH SUBJECT Entwürfe",
    "a SORT DATE UTF-8 ALL",
    "a SORT (DATES) UTF-8 ALL",
    "a SORT (DATE) ALL",
    "a THREAD REFERENCES UTF-8",
    // ENABLE, ID, QUOTA.
    "a ENABLE",
    "a ID",
    "a ID (\"a\")",
    "a ID (\"a\" \"b\"",
    "a SETQUOTA \"\" (STORAGE)",
    "a SETQUOTA \"\" (STORAGE 9223372036854775808)",
    "a GETQUOTA",
];

/// The command as written in the snapshot: CR, LF and NUL spelled out.
fn show(input: &str) -> String {
    input
        .replace('\r', "\\r")
        .replace('\n', "\\n")
        .replace('\0', "\\0")
}

#[test]
fn bad_responses() {
    let mut table = String::new();
    for input in MALFORMED {
        let (text, literals) = common::split_literals(input.as_bytes());
        let response = match parse_command(&text, literals) {
            Ok(cmd) => panic!("{input:?} should not parse, got {:?}", cmd.body),
            Err(e) => {
                let text = e.response_text();
                assert!(text.is_ascii() && !text.contains(['\r', '\n']), "{text:?}");
                match e.tag() {
                    Some(tag) => format!("{tag} BAD {text}"),
                    None => format!("* BAD {text}"),
                }
            }
        };
        table.push_str(&format!("{}\n  => {response}\n", show(input)));
    }
    assert!(MALFORMED.len() >= 60);
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => "command => BAD response, for malformed commands (tests/parse_errors.rs)",
    }, {
        insta::assert_snapshot!("parse_errors", table);
    });
}
