//! The test-only response grammar (`grammar/response.pest`) and the checks around it:
//! literal delimiting, number ranges, and which rules a response must have matched.

use pest::iterators::{Pair, Pairs};
use pest::Parser;

pub(super) use self::derived::{ResponseGrammar, Rule};

#[allow(unreachable_pub, missing_docs)]
mod derived {
    /// Parser for `grammar/response.pest` (pest_derive resolves the path against
    /// `CARGO_MANIFEST_DIR` first, then `src/`).
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/response.pest"]
    pub struct ResponseGrammar;
}

/// Stands for the octets of a `literal` in the delimited text.
const LITERAL: char = '\u{E000}';
/// Stands for the octets of a `literal8`.
const LITERAL8: char = '\u{E001}';

/// Reads wire bytes as a client does: line by line, and when a line ends in `{n}` or `~{n}`
/// the next n octets are a literal. Returns the text with each literal's octets replaced by
/// one placeholder. Lines must be 7-bit; a `literal` must not hold NUL (`CHAR8`).
pub(super) fn delimit(wire: &[u8]) -> Result<String, String> {
    let mut out = String::new();
    let mut i = 0;
    while i < wire.len() {
        let Some(eol) = wire[i..].windows(2).position(|w| w == b"\r\n") else {
            return Err(format!("no CRLF after offset {i}"));
        };
        let line = &wire[i..i + eol];
        if !line.is_ascii() {
            return Err(format!(
                "8-bit octet in line {:?}",
                String::from_utf8_lossy(line)
            ));
        }
        out.push_str(std::str::from_utf8(line).expect("ASCII"));
        out.push_str("\r\n");
        i += eol + 2;
        if let Some((n, binary)) = literal_header(line) {
            let Some(data) = wire.get(i..i + n) else {
                return Err(format!("literal of {n} octets runs past the end"));
            };
            if !binary && data.contains(&0) {
                return Err("NUL in a literal".into());
            }
            out.push(if binary { LITERAL8 } else { LITERAL });
            i += n;
        }
    }
    Ok(out)
}

/// `{n}` or `~{n}` at the end of a line: the count and whether it is a literal8.
fn literal_header(line: &[u8]) -> Option<(usize, bool)> {
    let rest = line.strip_suffix(b"}")?;
    let digits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let head = rest[..rest.len() - digits].strip_suffix(b"{")?;
    if digits == 0 {
        return None;
    }
    let n = std::str::from_utf8(&rest[rest.len() - digits..])
        .ok()?
        .parse()
        .ok()?;
    Some((n, head.ends_with(b"~")))
}

/// Parses `text` with `rule`, requiring the whole input, and checks number ranges.
pub(super) fn parse(rule: Rule, text: &str) -> Result<Pairs<'_, Rule>, String> {
    let pairs = ResponseGrammar::parse(rule, text).map_err(|e| e.to_string())?;
    for pair in pairs.clone().flatten() {
        check_range(&pair)?;
    }
    Ok(pairs)
}

/// `number` and `nz-number` are 32-bit (§9), `number64` below 2^63.
fn check_range(pair: &Pair<'_, Rule>) -> Result<(), String> {
    let s = pair.as_str();
    let ok = match pair.as_rule() {
        Rule::number => s.parse::<u32>().is_ok(),
        Rule::nz_number => s.parse::<u32>().is_ok_and(|n| n > 0),
        Rule::number64 => s.parse::<u64>().is_ok_and(|n| n <= i64::MAX as u64),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{:?} out of range: {s}", pair.as_rule()))
    }
}

/// How many pairs of `rule` the parse produced, at any depth.
pub(super) fn count(pairs: &Pairs<'_, Rule>, rule: Rule) -> usize {
    pairs
        .clone()
        .flatten()
        .filter(|p| p.as_rule() == rule)
        .count()
}
