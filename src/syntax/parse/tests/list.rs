//! LIST (RFC 3501 §6.3.8; RFC 5258; RFC 5819; RFC 6154), LSUB (§6.3.9), STATUS (§6.3.10,
//! RFC 8438).

use super::super::grammar::{ImapParser, Rule};
use super::{assert_accepts, assert_rejects, bad, body};
use crate::syntax::types::{CommandBody, ListCommand, ListReturn, ListSelect, Mailbox, StatusAtt};
use pest::{consumes_to, parses_to};

fn list(text: &str) -> ListCommand {
    match body(text) {
        CommandBody::List(l) => l,
        other => panic!("{other:?}"),
    }
}

#[test]
fn list_grammar() {
    parses_to! {
        parser: ImapParser,
        input: "LIST \"\" %",
        rule: Rule::list,
        tokens: [list(0, 9, [
            SP(4, 5), mailbox(5, 7, [quoted(5, 7, [quoted_inner(6, 6), quoted_close(6, 7)])]),
            SP(7, 8), list_mailbox(8, 9)
        ])]
    };
    assert_accepts(
        Rule::list,
        &[
            "LIST \"\" *",
            "LIST x %",
            "LIST () \"\" *",
            "LIST (SUBSCRIBED REMOTE) \"\" *",
            "LIST \"\" (a b)",
            "LIST \"\" * RETURN ()",
            "LIST \"\" * RETURN (CHILDREN SUBSCRIBED)",
            "LIST (SPECIAL-USE) \"\" * RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN SIZE))",
            "LIST ~/Mail/ %",
            "LIST #news.comp.mail.misc \"\"",
        ],
    );
    assert_rejects(
        Rule::list,
        &[
            "LIST",
            "LIST \"\"",
            "LIST * \"\"",
            "LIST (FOO) \"\" *",
            "LIST \"\" () ",
            "LIST \"\" * RETURN",
            "LIST \"\" * RETURN (STATUS ())",
            "LIST \"\" * (CHILDREN)",
        ],
    );
}

#[test]
fn list_forms() {
    assert_eq!(
        list("a LIST \"\" *"),
        ListCommand {
            selection: vec![],
            reference: Mailbox::new(""),
            patterns: vec![b"*".to_vec()],
            returns: vec![]
        }
    );
    assert_eq!(
        list("a LIST (SUBSCRIBED RECURSIVEMATCH remote special-use) \"~/\" (\"%\" Sent*) RETURN (CHILDREN SUBSCRIBED SPECIAL-USE STATUS (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE))"),
        ListCommand {
            selection: vec![ListSelect::Subscribed, ListSelect::RecursiveMatch, ListSelect::Remote, ListSelect::SpecialUse],
            reference: Mailbox::new("~/"),
            patterns: vec![b"%".to_vec(), b"Sent*".to_vec()],
            returns: vec![
                ListReturn::Children,
                ListReturn::Subscribed,
                ListReturn::SpecialUse,
                ListReturn::Status(vec![StatusAtt::Messages, StatusAtt::Recent, StatusAtt::UidNext, StatusAtt::UidValidity, StatusAtt::Unseen, StatusAtt::Size]),
            ],
        }
    );
}

#[test]
fn list_errors() {
    assert_eq!(
        bad("a LIST"),
        "Missing reference name after LIST, at column 7"
    );
    assert_eq!(
        bad("a LIST \"\""),
        "Missing mailbox pattern after LIST reference name, at column 10"
    );
    assert_eq!(
        bad("a LIST (RECURSIVEMATCH) \"\" *"),
        "RECURSIVEMATCH needs the SUBSCRIBED selection option (RFC 5258 section 3.1), at column 8"
    );
    assert_eq!(
        bad("a LIST (REMOTE RECURSIVEMATCH) \"\" *"),
        "RECURSIVEMATCH needs the SUBSCRIBED selection option (RFC 5258 section 3.1), at column 8"
    );
    assert_eq!(
        bad("a LIST (FOO) \"\" *"),
        "Unknown LIST selection option \"FOO\", at column 9"
    );
    assert_eq!(
        bad("a LIST \"\" * RETURN (FOO)"),
        "Unknown LIST return option \"FOO\", at column 21"
    );
    assert_eq!(
        bad("a LIST \"\" (a b"),
        "Missing ')' to close the pattern list, at column 15"
    );
}

#[test]
fn lsub() {
    assert_eq!(
        body("a LSUB \"#news.\" \"comp.mail.*\""),
        CommandBody::Lsub {
            reference: Mailbox::new("#news."),
            pattern: b"comp.mail.*".to_vec()
        }
    );
    assert_eq!(
        bad("a LSUB \"#news.\""),
        "Missing mailbox pattern after LSUB reference name, at column 16"
    );
    assert_rejects(Rule::lsub, &["LSUB \"\" (a b)", "LSUB () \"\" *"]);
}

#[test]
fn status() {
    assert_eq!(
        body("a STATUS blurdybloop (UIDNEXT MESSAGES size)"),
        CommandBody::Status {
            mailbox: Mailbox::new("blurdybloop"),
            items: vec![StatusAtt::UidNext, StatusAtt::Messages, StatusAtt::Size]
        }
    );
    assert_accepts(
        Rule::status_att_list,
        &["(MESSAGES)", "(RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE)"],
    );
    assert_rejects(
        Rule::status_att_list,
        &["()", "(MESSAGE)", "(MESSAGES UNSEEN", "MESSAGES"],
    );
    assert_eq!(
        bad("a STATUS INBOX"),
        "Missing status items after STATUS mailbox name, at column 15"
    );
    assert_eq!(
        bad("a STATUS INBOX MESSAGES"),
        "Expected a status item list like (MESSAGES UNSEEN), found \"MESSAGES\", at column 16"
    );
    assert_eq!(
        bad("a STATUS INBOX (MESSAGES FOO)"),
        "Unknown status item \"FOO\", at column 26"
    );
    assert_eq!(bad("a STATUS INBOX ()"), "Expected a status item (MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN or SIZE), found \")\", at column 17");
}

#[test]
fn list_option_rules() {
    assert_accepts(
        Rule::list_select_opts,
        &[
            "()",
            "(SUBSCRIBED)",
            "(subscribed remote RECURSIVEMATCH SPECIAL-USE)",
        ],
    );
    assert_rejects(
        Rule::list_select_opts,
        &["(", "(FOO)", "(SUBSCRIBED,REMOTE)", "SUBSCRIBED"],
    );
    assert_accepts(Rule::list_select_close, &[")"]);
    assert_rejects(Rule::list_select_close, &["("]);
    assert_accepts(
        Rule::list_select_opt,
        &[
            "SUBSCRIBED",
            "REMOTE",
            "RECURSIVEMATCH",
            "SPECIAL-USE",
            "special-use",
        ],
    );
    assert_rejects(
        Rule::list_select_opt,
        &["SUBSCRIBEDX", "CHILDREN", "SPECIAL"],
    );
    assert_accepts(Rule::patterns, &["(*)", "(\"a\" % b/*)"]);
    assert_rejects(Rule::patterns, &["()", "(a", "(a  b)"]);
    assert_accepts(Rule::patterns_close, &[")"]);
    assert_rejects(Rule::patterns_close, &["]"]);
    assert_accepts(Rule::list_return_opts, &["RETURN ()", "return (CHILDREN)"]);
    assert_rejects(
        Rule::list_return_opts,
        &["RETURN", "RETURN CHILDREN", "(CHILDREN)"],
    );
    assert_accepts(
        Rule::list_return_list,
        &["()", "(SUBSCRIBED CHILDREN SPECIAL-USE STATUS (UNSEEN))"],
    );
    assert_rejects(
        Rule::list_return_list,
        &["(", "(RECURSIVEMATCH)", "(STATUS)"],
    );
    assert_accepts(Rule::list_return_close, &[")"]);
    assert_rejects(Rule::list_return_close, &[""]);
    assert_accepts(
        Rule::return_option,
        &["SUBSCRIBED", "CHILDREN", "SPECIAL-USE", "STATUS (MESSAGES)"],
    );
    assert_rejects(
        Rule::return_option,
        &["STATUS", "STATUS ()", "REMOTE", "CHILDRENX"],
    );
    assert_accepts(
        Rule::return_keyword,
        &["children", "Subscribed", "SPECIAL-USE"],
    );
    assert_rejects(Rule::return_keyword, &["STATUS", "REMOTE"]);
    assert_accepts(
        Rule::status_option,
        &["STATUS (MESSAGES UNSEEN)", "status (size)"],
    );
    assert_rejects(Rule::status_option, &["STATUS MESSAGES", "STATUS (FOO)"]);
    assert_accepts(
        Rule::status_att,
        &[
            "MESSAGES",
            "RECENT",
            "UIDNEXT",
            "UIDVALIDITY",
            "UNSEEN",
            "SIZE",
            "uidnext",
        ],
    );
    assert_rejects(
        Rule::status_att,
        &["UID", "SIZES", "HIGHESTMODSEQ", "MESSAGE"],
    );
    assert_accepts(Rule::status_list_close, &[")"]);
    assert_rejects(Rule::status_list_close, &["("]);
}
