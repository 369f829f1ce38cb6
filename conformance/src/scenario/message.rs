//! Message and literal content: `|` blocks, fixture files, `fixture` directive arguments.

use std::path::Path;

/// Joins block lines with CRLF, each line ended (RFC 5322 §2.1 line ends on the wire).
pub fn block_crlf(lines: &[&str]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| [l.as_bytes(), b"\r\n"].concat())
        .collect()
}

/// Joins block lines with LF, each line ended (how an MTA writes a Maildir file).
pub fn block_lf(lines: &[&str]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| [l.as_bytes(), b"\n"].concat())
        .collect()
}

/// Converts any mix of LF / CRLF line ends to LF.
pub fn to_lf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'\r' && data.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

/// Converts any mix of LF / CRLF line ends to CRLF.
pub fn to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 16);
    for &b in &to_lf(data) {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// Reads `NAME` from the fixtures directory (no path escapes allowed).
pub fn read_fixture(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    if name.is_empty() || name.contains("..") || name.starts_with('/') {
        return Err(format!("bad fixture file name '{name}'"));
    }
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| format!("cannot read fixture {}: {e}", path.display()))
}

/// Arguments of `fixture MAILBOX [(FLAGS)] ["DATE"] [file:NAME]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixtureArgs {
    /// Mailbox, as written (atom or quoted string).
    pub mailbox: String,
    /// Flag list with parentheses.
    pub flags: Option<String>,
    /// Internal date with quotes.
    pub date: Option<String>,
    /// Fixture file name.
    pub file: Option<String>,
}

/// Parses the text after `fixture `.
pub fn fixture_args(text: &str) -> Result<FixtureArgs, String> {
    let mut rest = text.trim();
    let mut args = FixtureArgs::default();
    let (mailbox, tail) = take_token(rest)?;
    args.mailbox = mailbox.to_string();
    rest = tail;
    while !rest.is_empty() {
        if rest.starts_with('(') {
            let close = rest.find(')').ok_or("unclosed flag list")?;
            args.flags = Some(rest[..=close].to_string());
            rest = rest[close + 1..].trim_start();
        } else if rest.starts_with('"') {
            let (tok, tail) = take_token(rest)?;
            args.date = Some(tok.to_string());
            rest = tail;
        } else if let Some(after) = rest.strip_prefix("file:") {
            let (name, tail) = after.split_once(' ').unwrap_or((after, ""));
            args.file = Some(name.to_string());
            rest = tail.trim_start();
        } else {
            return Err(format!("unexpected fixture argument: {rest}"));
        }
    }
    Ok(args)
}

/// One atom-like word or quoted string, and what follows it (trimmed).
pub fn take_token(text: &str) -> Result<(&str, &str), String> {
    let text = text.trim_start();
    if text.is_empty() {
        return Err("missing argument".into());
    }
    if text.starts_with('"') {
        let bytes = text.as_bytes();
        let mut i = 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => return Ok((&text[..=i], text[i + 1..].trim_start())),
                _ => i += 1,
            }
        }
        return Err(format!("unclosed quoted string: {text}"));
    }
    let end = text.find(' ').unwrap_or(text.len());
    Ok((&text[..end], text[end..].trim_start()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends() {
        assert_eq!(block_crlf(&["a", "", "b"]), b"a\r\n\r\nb\r\n");
        assert_eq!(block_lf(&["a", "b"]), b"a\nb\n");
        assert_eq!(to_crlf(b"a\nb\r\nc"), b"a\r\nb\r\nc");
        assert_eq!(to_lf(b"a\r\nb\n"), b"a\nb\n");
    }

    #[test]
    fn fixture_arguments() {
        let a =
            fixture_args(r#"INBOX.Work (\Seen \Flagged) "01-Jan-2024 10:00:00 +0000" file:x.eml"#)
                .unwrap();
        assert_eq!(a.mailbox, "INBOX.Work");
        assert_eq!(a.flags.as_deref(), Some(r"(\Seen \Flagged)"));
        assert_eq!(a.date.as_deref(), Some("\"01-Jan-2024 10:00:00 +0000\""));
        assert_eq!(a.file.as_deref(), Some("x.eml"));
        let b = fixture_args(r#""INBOX.a b""#).unwrap();
        assert_eq!(b.mailbox, "\"INBOX.a b\"");
        assert!(fixture_args("INBOX junk").is_err());
    }
}
