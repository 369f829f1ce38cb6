//! Every client line of RFC 3501's examples parses (§8's sample session, and the §6
//! command examples), as the framing layer would hand them over.

mod common;

use imapd::syntax::parse::{parse_authenticate_line, parse_command, AuthenticateLine};
use imapd::syntax::types::{
    CommandBody, FetchAtt, FetchItems, Flag, SearchKey, Section, SectionText, StoreMode,
};

fn parse_all(fixture: &str) -> Vec<CommandBody> {
    let stream = common::fixture(fixture);
    common::split_commands(&stream)
        .iter()
        .map(|raw| {
            let (text, literals) = common::split_literals(raw);
            match parse_command(&text, literals) {
                Ok(cmd) => cmd.body,
                Err(e) => panic!("{text:?}: {}", e.response_text()),
            }
        })
        .collect()
}

#[test]
fn rfc3501_8_sample_session_parses() {
    let bodies = parse_all("rfc3501-section8-client.txt");
    assert_eq!(bodies.len(), 6);
    assert!(matches!(&bodies[0], CommandBody::Login { username, .. } if username == b"mrc"));
    assert!(matches!(&bodies[1], CommandBody::Select(m) if m.is_inbox()));
    assert!(matches!(
        &bodies[2],
        CommandBody::Fetch {
            items: FetchItems::Full,
            ..
        }
    ));
    assert!(matches!(
        &bodies[3],
        CommandBody::Fetch { items: FetchItems::List(atts), .. }
            if atts == &[FetchAtt::BodySection {
                peek: false,
                section: Section { part: vec![], text: Some(SectionText::Header) },
                partial: None,
            }]
    ));
    assert!(matches!(
        &bodies[4],
        CommandBody::Store { mode: StoreMode::Add, silent: false, flags, .. }
            if flags == &[Flag::Deleted]
    ));
    assert_eq!(bodies[5], CommandBody::Logout);
}

#[test]
fn rfc3501_6_command_examples_parse() {
    let bodies = parse_all("rfc3501-section6-client.txt");
    assert_eq!(bodies.len(), 57);
    let append = bodies
        .iter()
        .find_map(|b| match b {
            CommandBody::Append { messages, .. } => Some(messages),
            _ => None,
        })
        .expect("the APPEND example");
    assert_eq!(append.len(), 1);
    assert_eq!(append[0].data.len(), 310);
    assert_eq!(append[0].flags, vec![Flag::Seen]);
    assert!(bodies.iter().any(|b| matches!(
        b,
        CommandBody::Search { charset: Some(c), criteria: SearchKey::Text(t), .. }
            if c == "UTF-8" && t == b"XXXXXX"
    )));
}

#[test]
fn rfc3501_6_2_2_gssapi_continuation_lines_parse() {
    // §6.2.2's example, with the editorial line breaks removed as its note says.
    let first = "YIIB+wYJKoZIhvcSAQICAQBuggHqMIIB5qADAgEFoQMCAQ6iBwMFACAAAACjggEmYYIBIjCCAR6gAwIBBaESGxB1Lndhc2hpbmd0b24uZWR1oi0wK6ADAgEDoSQwIhsEaW1hcBsac2hpdmFtcy5jYWMud2FzaGluZ3Rvbi5lZHWjgdMwgdCgAwIBAaEDAgEDooHDBIHAcS1GSa5b+fXnPZNmXB9SjL8Ollj2SKyb+3S0iXMljen/jNkpJXAleKTz6BQPzj8duz8EtoOuNfKgweViyn/9B9bccy1uuAE2HI0yC/PHXNNU9ZrBziJ8Lm0tTNc98kUpjXnHZhsMcz5Mx2GR6dGknbI0iaGcRerMUsWOuBmKKKRmVMMdR9T3EZdpqsBd7jZCNMWotjhivd5zovQlFqQ2Wjc2+y46vKP/iXxWIuQJuDiisyXF0Y8+5GTpALpHDc1/pIGmMIGjoAMCAQGigZsEgZg2on5mSuxoDHEA1w9bcW9nFdFxDKpdrQhVGVRDIzcCMCTzvUboqb5KjY1NJKJsfjRQiBYBdENKfzK+g5DlV8nrw81uOcP8NOQCLR5XkoMHC0Dr/80ziQzbNqhxO6652Npft0LQwJvenwDI13YxpwOdMXzkWZN/XrEqOWp6GCgXTBvCyLWLlWnbaUkZdEYbKHBPjd8t/1x5Yg==";
    let empty = "";
    let last = "YDMGCSqGSIb3EgECAgIBAAD/////3LQBHXTpFfZgrejpLlLImPwkhbfa2QteAQAgAG1yYwE=";
    for line in [first, empty, last] {
        match parse_authenticate_line(line) {
            Ok(AuthenticateLine::Response(r)) => {
                assert_eq!(
                    r.expose().len(),
                    line.len() / 4 * 3 - line.matches('=').count()
                )
            }
            other => panic!("{line:?}: {other:?}"),
        }
    }
    assert_eq!(
        parse_authenticate_line("*").unwrap(),
        AuthenticateLine::Cancel
    );
}
