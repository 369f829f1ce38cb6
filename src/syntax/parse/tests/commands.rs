//! The command dispatch (`command`, RFC 3501 §9) and the commands without arguments or
//! with one mailbox; ENABLE, ID, NAMESPACE, QUOTA, IDLE/DONE.

use super::super::grammar::{ImapParser, Rule};
use super::super::{parse_done, parse_tag_only};
use super::{assert_accepts, assert_rejects, bad, body};
use crate::syntax::types::{Atom, CommandBody, Mailbox, Tag};
use pest::{consumes_to, parses_to};

#[test]
fn command_structure() {
    parses_to! {
        parser: ImapParser,
        input: "a1 NOOP",
        rule: Rule::command,
        tokens: [command(0, 7, [tag(0, 2), SP(2, 3), noop(3, 7), EOI(7, 7)])]
    };
    parses_to! {
        parser: ImapParser,
        input: "a UID EXPUNGE 4:5",
        rule: Rule::command,
        tokens: [command(0, 17, [
            tag(0, 1), SP(1, 2),
            uid(2, 17, [SP(5, 6), uid_expunge(6, 17, [
                SP(13, 14),
                sequence_set(14, 17, [seq_range(14, 17, [seq_number(14, 15), seq_number(16, 17)])])
            ])]),
            EOI(17, 17)
        ])]
    };
}

#[test]
fn argumentless_commands_in_any_case() {
    let cases = [
        ("CAPABILITY", CommandBody::Capability),
        ("noop", CommandBody::Noop),
        ("LogOut", CommandBody::Logout),
        ("STARTTLS", CommandBody::StartTls),
        ("check", CommandBody::Check),
        ("CLOSE", CommandBody::Close),
        ("Expunge", CommandBody::Expunge),
        ("UNSELECT", CommandBody::Unselect),
        ("IDLE", CommandBody::Idle),
        ("namespace", CommandBody::Namespace),
    ];
    for (name, expected) in cases {
        assert_eq!(body(&format!("t {name}")), expected, "{name}");
        assert_eq!(
            bad(&format!("t {name} x")),
            format!(
                "Unexpected \"x\" after {}, at column {}",
                name.to_ascii_uppercase(),
                name.len() + 4
            )
        );
    }
    assert_rejects(
        Rule::command,
        &["t NOOP ", "t  NOOP", "t NOOP\r\n", " t NOOP", "t\tNOOP"],
    );
}

#[test]
fn single_mailbox_commands() {
    let m = || Mailbox::new("Drafts");
    assert_eq!(body("a SELECT Drafts"), CommandBody::Select(m()));
    assert_eq!(body("a examine Drafts"), CommandBody::Examine(m()));
    assert_eq!(body("a CREATE Drafts"), CommandBody::Create(m()));
    assert_eq!(body("a DELETE \"Drafts\""), CommandBody::Delete(m()));
    assert_eq!(body("a SUBSCRIBE Drafts"), CommandBody::Subscribe(m()));
    assert_eq!(body("a UNSUBSCRIBE Drafts"), CommandBody::Unsubscribe(m()));
    assert_eq!(
        body("a GETQUOTAROOT Drafts"),
        CommandBody::GetQuotaRoot(m())
    );
    assert_eq!(
        body("a RENAME Drafts \"Old Drafts\""),
        CommandBody::Rename {
            from: m(),
            to: Mailbox::new("Old Drafts")
        }
    );
    assert_eq!(
        bad("a SELECT"),
        "Missing mailbox name after SELECT, at column 9"
    );
    assert_eq!(
        bad("a SELECT INBOX (CONDSTORE)"),
        "Unexpected \"(CONDSTORE)\" after SELECT mailbox name, at column 16"
    );
    assert_eq!(
        bad("a RENAME Drafts"),
        "Missing new mailbox name after RENAME mailbox name, at column 16"
    );
    assert_eq!(
        bad("a CREATE (x)"),
        "Expected a mailbox name, found \"(x)\", at column 10"
    );
}

#[test]
fn enable() {
    assert_eq!(
        body("a ENABLE UTF8=ACCEPT condstore"),
        CommandBody::Enable(vec![
            Atom::new("UTF8=ACCEPT").unwrap(),
            Atom::new("condstore").unwrap()
        ])
    );
    assert_eq!(
        bad("a ENABLE"),
        "Missing capability name after ENABLE, at column 9"
    );
    assert_accepts(Rule::enable, &["ENABLE X", "enable A B C"]);
    assert_rejects(Rule::enable, &["ENABLE", "ENABLE (X)", "ENABLE \"X\""]);
}

#[test]
fn id() {
    assert_eq!(body("a ID NIL"), CommandBody::Id(None));
    assert_eq!(body("a ID ()"), CommandBody::Id(Some(vec![])));
    assert_eq!(
        body("a ID (\"name\" \"sodr\" \"version\" NIL)"),
        CommandBody::Id(Some(vec![
            (b"name".to_vec(), Some(b"sodr".to_vec())),
            (b"version".to_vec(), None)
        ]))
    );
    assert_accepts(
        Rule::id_params_list,
        &["NIL", "()", "(\"a\" \"b\")", "({1}\r\n\u{1} NIL)"],
    );
    assert_rejects(
        Rule::id_params_list,
        &[
            "(a b)",
            "(\"a\")",
            "(\"a\" \"b\" \"c\")",
            "nil2",
            "(NIL \"b\")",
        ],
    );
    assert_eq!(bad("a ID"), "Missing parameter list after ID, at column 5");
    assert_eq!(
        bad("a ID (\"a\" \"b\""),
        "Missing ')' to close the ID parameter list, at column 14"
    );
}

#[test]
fn quota_commands() {
    assert_eq!(body("a GETQUOTA \"\""), CommandBody::GetQuota(vec![]));
    assert_eq!(
        body("a SETQUOTA \"\" (STORAGE 512 MESSAGE 9223372036854775807)"),
        CommandBody::SetQuota {
            root: vec![],
            limits: vec![
                (Atom::new("STORAGE").unwrap(), 512),
                (Atom::new("MESSAGE").unwrap(), i64::MAX as u64)
            ]
        }
    );
    assert_eq!(
        body("a SETQUOTA x ()"),
        CommandBody::SetQuota {
            root: b"x".to_vec(),
            limits: vec![]
        }
    );
    assert_eq!(
        bad("a SETQUOTA x (STORAGE 9223372036854775808)"),
        "Number 9223372036854775808 is too large (maximum 9223372036854775807), at column 23"
    );
    assert_eq!(
        bad("a SETQUOTA x (STORAGE)"),
        "Expected SP after \"STORAGE\", found \")\", at column 22"
    );
    assert_accepts(Rule::setquota_list, &["()", "(STORAGE 1)", "(A 1 B 2)"]);
    assert_rejects(
        Rule::setquota_list,
        &["(STORAGE)", "(1 STORAGE)", "(STORAGE -1)", "STORAGE 1"],
    );
}

#[test]
fn unknown_and_missing_command_names() {
    assert_eq!(bad("a FOO"), "Unknown command \"FOO\", at column 3");
    assert_eq!(
        bad("a FETCHX 1 ALL"),
        "Unknown command \"FETCHX\", at column 3"
    );
    assert_eq!(
        bad("a XPIG-LATIN"),
        "Unknown command \"XPIG-LATIN\", at column 3"
    );
    assert_eq!(bad("a"), "Command name expected, at column 2");
    assert_eq!(bad("a "), "Command name expected, at column 3");
    assert_eq!(bad("a (x)"), "Command name expected, at column 3");
    assert_eq!(bad("a UID FOO 1"), "Unknown UID command \"FOO\" (expected COPY, FETCH, MOVE, SEARCH, STORE, EXPUNGE, SORT or THREAD), at column 7");
    assert_eq!(bad("a UID NOOP"), "Unknown UID command \"NOOP\" (expected COPY, FETCH, MOVE, SEARCH, STORE, EXPUNGE, SORT or THREAD), at column 7");
    assert_eq!(bad("a UID"), "Missing command name after UID, at column 6");
}

#[test]
fn tags_and_done() {
    assert_eq!(parse_tag_only("a1 FETCH"), Some(Tag::new("a1").unwrap()));
    assert_eq!(parse_tag_only("a1"), Some(Tag::new("a1").unwrap()));
    assert_eq!(parse_tag_only("+ x"), None);
    assert_eq!(parse_tag_only(""), None);
    assert_eq!(parse_tag_only(" a"), None);
    assert_eq!(parse_tag_only("a(b c"), None);
    assert!(parse_done("DONE"));
    assert!(parse_done("done"));
    assert!(!parse_done("DONE "));
    assert!(!parse_done("DONEX"));
    assert!(!parse_done("a DONE"));
    assert!(!parse_done(""));
    assert_eq!(
        bad("+ NOOP"),
        "Invalid tag: \"+\" is not allowed in a tag, at column 1"
    );
    assert_eq!(
        bad("a+b NOOP"),
        "Invalid tag: \"+\" is not allowed in a tag, at column 2"
    );
    assert_eq!(
        bad("a(b NOOP"),
        "Invalid tag: \"(\" is not allowed in a tag, at column 2"
    );
    assert_eq!(
        bad(" NOOP"),
        "Invalid tag: a space is not allowed in a tag, at column 1"
    );
    assert_eq!(bad(""), "Empty command line");
}

#[test]
fn command_rules() {
    for (rule, name) in [
        (Rule::capability, "CAPABILITY"),
        (Rule::noop, "NOOP"),
        (Rule::logout, "LOGOUT"),
        (Rule::starttls, "STARTTLS"),
        (Rule::idle, "IDLE"),
        (Rule::namespace, "NAMESPACE"),
        (Rule::check, "CHECK"),
        (Rule::close, "CLOSE"),
        (Rule::unselect, "UNSELECT"),
        (Rule::expunge, "EXPUNGE"),
    ] {
        assert_accepts(rule, &[name, &name.to_ascii_lowercase()]);
        assert_rejects(rule, &[&name[..name.len() - 1], "", "X"]);
    }
    for (rule, name) in [
        (Rule::select, "SELECT"),
        (Rule::examine, "EXAMINE"),
        (Rule::create, "CREATE"),
        (Rule::delete, "DELETE"),
        (Rule::subscribe, "SUBSCRIBE"),
        (Rule::unsubscribe, "UNSUBSCRIBE"),
        (Rule::getquotaroot, "GETQUOTAROOT"),
    ] {
        let ok = [
            format!("{name} INBOX"),
            format!("{name} \"a b\""),
            format!("{name} {{1}}\r\n\u{1}"),
        ];
        assert_accepts(rule, &ok.iter().map(String::as_str).collect::<Vec<_>>());
        let no = [
            name.to_owned(),
            format!("{name} "),
            format!("{name}  x"),
            format!("{name} a*"),
            format!("{name}x y"),
        ];
        assert_rejects(rule, &no.iter().map(String::as_str).collect::<Vec<_>>());
    }
    assert_accepts(Rule::rename, &["RENAME a b", "rename \"a\" {1}\r\n\u{1}"]);
    assert_rejects(Rule::rename, &["RENAME a", "RENAME a  b", "RENAME (a) b"]);
    assert_accepts(Rule::getquota, &["GETQUOTA \"\"", "getquota root"]);
    assert_rejects(Rule::getquota, &["GETQUOTA", "GETQUOTA (x)"]);
    assert_accepts(
        Rule::setquota,
        &["SETQUOTA \"\" ()", "SETQUOTA r (STORAGE 1 MESSAGE 2)"],
    );
    assert_rejects(Rule::setquota, &["SETQUOTA \"\"", "SETQUOTA (STORAGE 1)"]);
    assert_accepts(Rule::setquota_resource, &["STORAGE 512", "x 0"]);
    assert_rejects(
        Rule::setquota_resource,
        &["STORAGE", "512 STORAGE", "\"S\" 1"],
    );
    assert_accepts(Rule::quota_list_close, &[")"]);
    assert_rejects(Rule::quota_list_close, &["]", ""]);
    assert_accepts(
        Rule::capability_name,
        &["IMAP4rev1", "AUTH=PLAIN", "UTF8=ACCEPT"],
    );
    assert_rejects(Rule::capability_name, &["\"X\"", "(X)", ""]);
    assert_accepts(Rule::id_param_list, &["()", "(\"a\" NIL \"b\" \"c\")"]);
    assert_rejects(Rule::id_param_list, &["NIL", "(\"a\")", "( )"]);
    assert_accepts(
        Rule::id_param,
        &["\"a\" NIL", "\"a\" \"b\"", "{1}\r\n\u{1} {1}\r\n\u{1}"],
    );
    assert_rejects(Rule::id_param, &["a b", "NIL \"b\"", "\"a\""]);
    assert_accepts(Rule::id_list_close, &[")"]);
    assert_rejects(Rule::id_list_close, &["("]);
    assert_accepts(Rule::idle_done, &["DONE", "done", "Done"]);
    assert_rejects(
        Rule::idle_done,
        &["DONE ", " DONE", "DON", "DONE\r\n", "IDLE"],
    );
}
