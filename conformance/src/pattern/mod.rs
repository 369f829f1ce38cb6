//! Response patterns: the text of an `S:` line compiled into matchable items.
//!
//! Plain text matches itself; atoms compare case-insensitively (RFC 3501 §9 note 3), quoted
//! strings and literal data exactly. Braces introduce the special forms documented in
//! `docs/conformance.md`: `{*}`, `{name:n}`, `{name:atom}`, `{name:str}`, `{name:*}`,
//! `{name}`, `{flags:...}`, `{str:...}`, `{A|B}` and `{{` for a literal brace.

pub mod flags;
pub mod matcher;

use std::collections::BTreeMap;

pub use flags::FlagSpec;
pub use matcher::{match_response, Mismatch};

/// Values captured so far in a scenario, by name: the raw octets that matched.
pub type Captures = BTreeMap<String, Vec<u8>>;

/// What a `{name:kind}` capture accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `n`: one or more digits (RFC 3501 `number`).
    Number,
    /// `atom`: a run of atom characters (flags such as `\Seen` included).
    Atom,
    /// `str`: an atom, quoted string or literal (RFC 3501 `astring`/`string`).
    Str,
    /// `*`: any text, possibly empty.
    Any,
}

/// One element of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// Text compared case-insensitively outside quoted strings and literal data.
    Text(Vec<u8>),
    /// `{*}`: anything, possibly empty, possibly spanning literals.
    Any,
    /// `{name:kind}` (or `{:kind}` without a name).
    Capture {
        /// Where to store what matched; `None` just checks the shape.
        name: Option<String>,
        /// What is accepted.
        kind: Kind,
    },
    /// `{name}`: the octets captured earlier under this name.
    Ref(String),
    /// `{flags:...}`: a parenthesized flag list, compared as a set (RFC 3501 §2.3.2).
    Flags(FlagSpec),
    /// `{str:VALUE}`: VALUE written as atom, quoted string or literal (RFC 3501 §4.3).
    Str(Vec<u8>),
    /// `{A|B|C}`: one of these texts.
    Alt(Vec<Vec<u8>>),
    /// A literal: header `{M}` CRLF and M octets (RFC 3501 §4.3). `size` and `content`
    /// constrain it when given; content is compared exactly.
    Literal {
        /// Required size, if any.
        size: Option<usize>,
        /// Required content, if any.
        content: Option<Vec<u8>>,
    },
}

/// A compiled response pattern and the scenario text it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// The items, matched left to right against the whole response.
    pub items: Vec<Item>,
    /// The pattern as written, for failure reports.
    pub source: String,
}

/// Whether `s` is a valid capture name: `[A-Za-z_][A-Za-z0-9_-]*`.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Compiles pattern text (one line, without a trailing literal header) into items.
pub fn parse_text(text: &str) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut plain = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        plain.extend_from_slice(&rest.as_bytes()[..open]);
        let after = &rest[open + 1..];
        if let Some(tail) = after.strip_prefix('{') {
            plain.push(b'{');
            rest = tail;
            continue;
        }
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed '{{' in pattern: {text}"))?;
        let inner = &after[..close];
        if !plain.is_empty() {
            items.push(Item::Text(std::mem::take(&mut plain)));
        }
        items.push(parse_brace(inner)?);
        rest = &after[close + 1..];
    }
    plain.extend_from_slice(rest.as_bytes());
    if !plain.is_empty() {
        items.push(Item::Text(plain));
    }
    Ok(items)
}

fn parse_brace(inner: &str) -> Result<Item, String> {
    if inner == "*" {
        return Ok(Item::Any);
    }
    if let Some(spec) = inner.strip_prefix("flags:") {
        return Ok(Item::Flags(FlagSpec::parse(spec)?));
    }
    if let Some(value) = inner.strip_prefix("str:") {
        return Ok(Item::Str(value.as_bytes().to_vec()));
    }
    if inner.contains('|') {
        return Ok(Item::Alt(
            inner.split('|').map(|a| a.as_bytes().to_vec()).collect(),
        ));
    }
    if let Some((name, kind)) = inner.split_once(':') {
        let kind = match kind {
            "n" => Kind::Number,
            "atom" => Kind::Atom,
            "str" => Kind::Str,
            "*" => Kind::Any,
            other => return Err(format!("unknown capture kind '{other}' in {{{inner}}}")),
        };
        if !name.is_empty() && !is_name(name) {
            return Err(format!("bad capture name '{name}' in {{{inner}}}"));
        }
        let name = (!name.is_empty()).then(|| name.to_string());
        return Ok(Item::Capture { name, kind });
    }
    if is_name(inner) {
        return Ok(Item::Ref(inner.to_string()));
    }
    if inner.is_empty() || inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("literal header {{{inner}}} must end the line"));
    }
    Err(format!(
        "unknown pattern {{{inner}}} (write {{{{ for a literal brace)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let items = parse_text("* {n:n} EXISTS {*}{{x} {a|b} {:atom} {n}").unwrap();
        assert_eq!(items[0], Item::Text(b"* ".to_vec()));
        assert_eq!(
            items[1],
            Item::Capture {
                name: Some("n".into()),
                kind: Kind::Number
            }
        );
        assert_eq!(items[2], Item::Text(b" EXISTS ".to_vec()));
        assert_eq!(items[3], Item::Any);
        assert_eq!(items[4], Item::Text(b"{x} ".to_vec()));
        assert_eq!(items[5], Item::Alt(vec![b"a".to_vec(), b"b".to_vec()]));
        assert_eq!(
            items[7],
            Item::Capture {
                name: None,
                kind: Kind::Atom
            }
        );
        assert_eq!(items[9], Item::Ref("n".into()));
    }

    #[test]
    fn rejects_bad_forms() {
        assert!(parse_text("a {oops").is_err());
        assert!(parse_text("a {x:bogus}").is_err());
        assert!(parse_text("a {12} b").is_err());
        assert!(parse_text("a {1x}").is_err());
    }
}
