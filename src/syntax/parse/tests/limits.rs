//! Nesting limits: a command nested too deeply gets BAD, never a stack overflow.

use super::super::{parse_command, parse_command_with, ParseLimits};
use super::{bad, bad_with, body};
use crate::syntax::types::{CommandBody, SearchKey};

fn limits(depth: usize) -> ParseLimits {
    ParseLimits {
        max_search_depth: depth,
        ..ParseLimits::default()
    }
}

fn depth_of(key: &SearchKey) -> usize {
    match key {
        SearchKey::Not(k) => 1 + depth_of(k),
        SearchKey::Or(a, b) => 1 + depth_of(a).max(depth_of(b)),
        SearchKey::And(ks) => 1 + ks.iter().map(depth_of).max().unwrap_or(0),
        _ => 0,
    }
}

#[test]
fn exactly_the_limit_is_allowed() {
    let l = limits(3);
    assert!(parse_command_with("a SEARCH NOT NOT NOT ALL", vec![], &l).is_ok());
    assert_eq!(
        bad_with("a SEARCH NOT NOT NOT NOT ALL", &l),
        "SEARCH nesting too deep (limit 3), at column 22"
    );
    assert!(parse_command_with("a SEARCH (((ALL)))", vec![], &l).is_ok());
    assert_eq!(
        bad_with("a SEARCH ((((ALL))))", &l),
        "SEARCH nesting too deep (limit 3), at column 13"
    );
    assert!(parse_command_with("a SEARCH OR ALL OR ALL OR ALL ALL", vec![], &l).is_ok());
    assert_eq!(
        bad_with("a SEARCH OR ALL OR ALL OR ALL OR ALL ALL", &l),
        "SEARCH nesting too deep (limit 3), at column 31"
    );
    // Flat ORs do not nest.
    assert!(parse_command_with(
        "a SEARCH OR ALL ALL OR ALL ALL OR ALL ALL OR ALL ALL",
        vec![],
        &l
    )
    .is_ok());
    // Arguments that look like operators are arguments.
    assert!(parse_command_with(
        "a SEARCH FROM NOT FROM OR HEADER OR NOT (NOT ALL)",
        vec![],
        &l
    )
    .is_ok());
    // A sort criteria list and a RETURN list are not search nesting.
    let l1 = limits(1);
    assert!(parse_command_with("a UID SORT (DATE) UTF-8 NOT ALL", vec![], &l1).is_ok());
    assert!(parse_command_with("a SEARCH RETURN (MIN) (ALL)", vec![], &l1).is_ok());
}

#[test]
fn limit_zero_allows_flat_searches_only() {
    let l = limits(0);
    assert!(parse_command_with("a SEARCH ALL SEEN 1:5", vec![], &l).is_ok());
    assert_eq!(
        bad_with("a SEARCH NOT ALL", &l),
        "SEARCH nesting too deep (limit 0), at column 10"
    );
}

#[test]
fn the_default_limit_holds_and_matches_the_ast() {
    let n = ParseLimits::DEFAULT_SEARCH_DEPTH;
    let ok = format!("a SEARCH {}ALL", "NOT ".repeat(n));
    match body(&ok) {
        CommandBody::Search { criteria, .. } => assert_eq!(depth_of(&criteria), n),
        other => panic!("{other:?}"),
    }
    let too_deep = format!("a SEARCH {}ALL", "NOT ".repeat(n + 1));
    assert_eq!(
        bad(&too_deep),
        format!(
            "SEARCH nesting too deep (limit {n}), at column {}",
            10 + 4 * n
        )
    );
}

#[test]
fn hundred_thousand_levels_get_bad_not_a_stack_overflow() {
    let n = 100_000;
    let inputs = [
        format!("a SEARCH {}ALL{}", "(".repeat(n), ")".repeat(n)),
        format!("a SEARCH {}ALL", "NOT ".repeat(n)),
        format!("a UID SEARCH {}ALL ALL", "OR ALL ".repeat(n)),
        format!("a SORT (DATE) UTF-8 {}ALL", "not (".repeat(n)),
        format!("a THREAD REFERENCES UTF-8 {}", "(".repeat(n)),
        format!("a SEARCH {}", "OR ".repeat(n)),
    ];
    for text in &inputs {
        let e = parse_command(text, vec![]).unwrap_err();
        assert!(
            e.response_text()
                .starts_with("SEARCH nesting too deep (limit 256)"),
            "{}",
            e.response_text()
        );
    }
    // Deep parentheses elsewhere do not nest in the grammar at all: a plain syntax error.
    let e = parse_command(&format!("a FETCH 1 {}", "(".repeat(n)), vec![]).unwrap_err();
    assert_eq!(
        e.response_text(),
        "Expected a fetch item (like FLAGS, UID or BODY.PEEK[]), found \"((((((((((((((((((((((((...\", at column 12"
    );
    let e = parse_command(&format!("a STORE 1 FLAGS {}", "(".repeat(n)), vec![]).unwrap_err();
    assert!(
        e.response_text().starts_with("Expected"),
        "{}",
        e.response_text()
    );
}

#[test]
fn a_very_high_limit_still_cannot_overflow_the_stack() {
    // With the pre-check out of the way, pest's own stack guard (pest 2.9) stops the parse.
    let n = 100_000;
    let text = format!("a SEARCH {}ALL", "NOT ".repeat(n));
    let l = limits(usize::MAX);
    let e = parse_command_with(&text, vec![], &l).unwrap_err();
    assert!(
        e.response_text()
            .starts_with("Command nested too deeply to parse"),
        "{}",
        e.response_text()
    );
}
