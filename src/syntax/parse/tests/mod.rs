//! Tests of the grammar (`parses_to!` / `fails_with!` and accept/reject tables, one module
//! per rule family) and of the parser built on it (AST-level, error texts, limits).

mod append;
mod auth;
mod bench;
mod commands;
mod errors;
mod fast;
mod fetch;
mod limits;
mod list;
mod properties;
mod search;
mod store;
mod tokens;

use super::grammar::{ImapParser, Rule};
use super::{parse_command, parse_command_with, ParseLimits};
use crate::syntax::types::CommandBody;
use pest::Parser;

/// True if `rule` matches all of `input`.
fn accepts(rule: Rule, input: &str) -> bool {
    match ImapParser::parse(rule, input) {
        Ok(mut pairs) => pairs
            .next()
            .is_some_and(|p| p.as_span().end() == input.len()),
        Err(_) => false,
    }
}

/// Asserts that `rule` matches each input completely.
#[track_caller]
fn assert_accepts(rule: Rule, inputs: &[&str]) {
    for input in inputs {
        assert!(accepts(rule, input), "{rule:?} should accept {input:?}");
    }
}

/// Asserts that `rule` does not match any of the inputs completely.
#[track_caller]
fn assert_rejects(rule: Rule, inputs: &[&str]) {
    for input in inputs {
        assert!(!accepts(rule, input), "{rule:?} should reject {input:?}");
    }
}

/// Parses a command without literals, panicking with the error text.
#[track_caller]
fn body(text: &str) -> CommandBody {
    body_lit(text, vec![])
}

/// Parses a command with literals, panicking with the error text.
#[track_caller]
fn body_lit(text: &str, literals: Vec<&[u8]>) -> CommandBody {
    match parse_command(text, literals.into_iter().map(<[u8]>::to_vec).collect()) {
        Ok(cmd) => cmd.body,
        Err(e) => panic!("{text:?} should parse: {}", e.response_text()),
    }
}

/// The BAD text for a command that must fail.
#[track_caller]
fn bad(text: &str) -> String {
    bad_lit(text, vec![])
}

/// The BAD text for a command with literals that must fail.
#[track_caller]
fn bad_lit(text: &str, literals: Vec<&[u8]>) -> String {
    match parse_command(text, literals.into_iter().map(<[u8]>::to_vec).collect()) {
        Ok(cmd) => panic!("{text:?} should fail, parsed as {:?}", cmd.body),
        Err(e) => e.response_text(),
    }
}

/// The BAD text with explicit limits.
#[track_caller]
fn bad_with(text: &str, limits: &ParseLimits) -> String {
    match parse_command_with(text, vec![], limits) {
        Ok(cmd) => panic!("{text:?} should fail, parsed as {:?}", cmd.body),
        Err(e) => e.response_text(),
    }
}

/// The grammar's own promises: every rule has a `///` doc comment naming its ABNF, and every
/// rule that produces pairs appears by name in these tests.
#[test]
fn every_rule_is_documented_and_tested() {
    let grammar = include_str!("../../../../grammar/imap.pest");
    let tests = [
        include_str!("mod.rs"),
        include_str!("append.rs"),
        include_str!("auth.rs"),
        include_str!("commands.rs"),
        include_str!("errors.rs"),
        include_str!("fetch.rs"),
        include_str!("limits.rs"),
        include_str!("list.rs"),
        include_str!("properties.rs"),
        include_str!("search.rs"),
        include_str!("store.rs"),
        include_str!("tokens.rs"),
    ]
    .concat();
    let lines: Vec<&str> = grammar.lines().collect();
    let mut rules = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some((name, rest)) = line.split_once(" = ") else {
            continue;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        rules += 1;
        assert!(
            i > 0 && lines[i - 1].starts_with("///"),
            "rule {name} has no /// doc comment"
        );
        let silent = rest.starts_with("_{");
        let tested =
            tests.contains(&format!("Rule::{name}")) || tests.contains(&format!("{name}("));
        assert!(silent || tested, "rule {name} has no grammar-level test");
    }
    assert!(rules > 150, "only {rules} rules found");
}
