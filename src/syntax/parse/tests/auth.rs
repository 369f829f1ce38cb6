//! LOGIN (RFC 3501 §6.2.3), AUTHENTICATE with SASL-IR (§6.2.2, RFC 4959) and its
//! continuation lines.

use super::super::auth::decode_base64;
use super::super::grammar::Rule;
use super::super::{parse_authenticate_line, AuthenticateLine};
use super::{assert_accepts, assert_rejects, bad, body, body_lit};
use crate::syntax::types::{Atom, CommandBody};

#[test]
fn login() {
    match body("a LOGIN joe \"pass word\"") {
        CommandBody::Login { username, password } => {
            assert_eq!(username, b"joe");
            assert_eq!(password.expose(), b"pass word");
        }
        other => panic!("{other:?}"),
    }
    match body_lit(
        "a LOGIN {3+}\r\n\u{1} {5}\r\n\u{1}",
        vec![b"joe", b"p\"a)s"],
    ) {
        CommandBody::Login { username, password } => {
            assert_eq!(username, b"joe");
            assert_eq!(password.expose(), b"p\"a)s");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        bad("a LOGIN joe"),
        "Missing password after LOGIN user name, at column 12"
    );
    assert_eq!(bad("a LOGIN"), "Missing user name after LOGIN, at column 8");
    assert_eq!(
        bad("a LOGIN joe (x)"),
        "Expected a password, found \"(x)\", at column 13"
    );
    assert!(!format!("{:?}", body("a LOGIN joe secret")).contains("secret"));
}

#[test]
fn authenticate() {
    assert_eq!(
        body("a AUTHENTICATE PLAIN"),
        CommandBody::Authenticate {
            mechanism: Atom::new("PLAIN").unwrap(),
            initial_response: None
        }
    );
    match body("a authenticate plain AGpvZQBzZWNyZXQ=") {
        CommandBody::Authenticate {
            mechanism,
            initial_response: Some(ir),
        } => {
            assert_eq!(mechanism.as_str(), "plain");
            assert_eq!(ir.expose(), b"\0joe\0secret");
        }
        other => panic!("{other:?}"),
    }
    match body("a AUTHENTICATE EXTERNAL =") {
        CommandBody::Authenticate {
            initial_response: Some(ir),
            ..
        } => assert!(ir.expose().is_empty()),
        other => panic!("{other:?}"),
    }
    assert_accepts(
        Rule::initial_response,
        &["=", "AAAA", "AAA=", "AA==", "AAAAAA=="],
    );
    assert_rejects(
        Rule::initial_response,
        &["", "A", "AA", "AAA", "A===", "==", "AAAA=", "AA=A"],
    );
    assert_eq!(
        bad("a AUTHENTICATE PLAIN abc"),
        "Invalid base64 after AUTHENTICATE mechanism name, at column 22"
    );
    assert_eq!(
        bad("a AUTHENTICATE PLAIN AAAA="),
        "Invalid base64 after AUTHENTICATE mechanism name, at column 22"
    );
    assert_eq!(
        bad("a AUTHENTICATE"),
        "Missing mechanism name after AUTHENTICATE, at column 15"
    );
}

#[test]
fn continuation_lines() {
    assert_eq!(
        parse_authenticate_line("*").unwrap(),
        AuthenticateLine::Cancel
    );
    match parse_authenticate_line("dGVzdA==").unwrap() {
        AuthenticateLine::Response(r) => assert_eq!(r.expose(), b"test"),
        other => panic!("{other:?}"),
    }
    match parse_authenticate_line("").unwrap() {
        AuthenticateLine::Response(r) => assert!(r.expose().is_empty()),
        other => panic!("{other:?}"),
    }
    let e = parse_authenticate_line("dGVzd").unwrap_err();
    assert_eq!(e.tag(), None);
    assert_eq!(e.response_text(), "Invalid base64, at column 5");
    assert!(parse_authenticate_line("**").is_err());
    assert!(parse_authenticate_line(" dGVzdA==").is_err());
    assert_accepts(Rule::auth_continuation, &["", "*", "AAAA", "AA=="]);
    assert_rejects(Rule::auth_continuation, &["* ", "A", "AAAA AAAA"]);
}

#[test]
fn base64_decoding() {
    assert_eq!(decode_base64("").unwrap(), b"");
    assert_eq!(decode_base64("Zg==").unwrap(), b"f");
    assert_eq!(decode_base64("Zm8=").unwrap(), b"fo");
    assert_eq!(decode_base64("Zm9v").unwrap(), b"foo");
    assert_eq!(decode_base64("Zm9vYmFy").unwrap(), b"foobar");
    assert_eq!(decode_base64("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
    assert!(decode_base64("Zm9").is_none());
    assert!(decode_base64("Z=9v").is_none());
    assert!(decode_base64("Z===").is_none());
}

#[test]
fn auth_rules() {
    assert_accepts(
        Rule::authenticate,
        &[
            "AUTHENTICATE PLAIN",
            "AUTHENTICATE X-A =",
            "authenticate GSSAPI AAAA",
        ],
    );
    assert_rejects(
        Rule::authenticate,
        &[
            "AUTHENTICATE",
            "AUTHENTICATE \"PLAIN\"",
            "AUTHENTICATE PLAIN ",
            "AUTHENTICATE PLAIN == ",
        ],
    );
    assert_accepts(Rule::auth_type, &["PLAIN", "SCRAM-SHA-256", "X-OAUTH2"]);
    assert_rejects(Rule::auth_type, &["\"PLAIN\"", "", "A B"]);
    assert_accepts(Rule::base64, &["", "AAAA", "AA==", "AAA=", "+/+/"]);
    assert_rejects(Rule::base64, &["A", "AAAAA", "A===", "AA=A", "-_-_"]);
    assert_accepts(Rule::auth_cancel, &["*"]);
    assert_rejects(Rule::auth_cancel, &["**", ""]);
    assert_accepts(Rule::login, &["LOGIN a b", "login \"a\" {1}\r\n\u{1}"]);
    assert_rejects(Rule::login, &["LOGIN a", "LOGIN a b c", "LOGIN (a) b"]);
    assert_accepts(
        Rule::userid,
        &["joe", "\"joe@example.com\"", "{3}\r\n\u{1}", "a]"],
    );
    assert_rejects(Rule::userid, &["", "a b", "(joe)", "joe%"]);
    assert_accepts(
        Rule::password,
        &["s3cr3t", "\"pass word\"", "{6+}\r\n\u{1}"],
    );
    assert_rejects(Rule::password, &["", "pass word", "pass*"]);
}
