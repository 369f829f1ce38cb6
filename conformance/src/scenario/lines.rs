//! First pass over a scenario file: what kind of line each one is.

use super::{Mode, DEFAULT_CLIENT};

/// Header keys recognised in `# key: value` lines at the top of a file.
pub const HEADER_KEYS: &[&str] = &["title", "rfc", "requires", "timeout", "settle"];

/// Direction and mode of a client line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// `C:` the client sends.
    C,
    /// `S:`, `S?`, `S*` the server is expected to send.
    S(Mode),
    /// `S|` an alternative for the previous `S` line.
    Alt,
}

/// A classified line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// Empty or whitespace only.
    Blank,
    /// `#` comment (or an unrecognised `# key:` line).
    Comment,
    /// `# key: value` before the first step.
    Header(&'a str, &'a str),
    /// `[CLIENT] C: text` / `[CLIENT] S: text` / `S?` / `S*` / `S|`.
    Client {
        /// Client name (`A` when none is written).
        client: &'a str,
        /// Which prefix.
        dir: Dir,
        /// Everything after the prefix and one space.
        text: &'a str,
    },
    /// `| text`: a line of literal or message content.
    Block(&'a str),
    /// `> text`: the command or response goes on after a literal.
    Cont(&'a str),
    /// Anything else: a directive such as `sleep 100`.
    Directive(&'a str),
}

/// Classifies one line. `in_header` is true while only headers and comments have been seen.
pub fn classify(raw: &str, in_header: bool) -> Line<'_> {
    let line = raw.strip_suffix('\r').unwrap_or(raw);
    let trimmed = line.trim_start();
    if trimmed.trim().is_empty() {
        return Line::Blank;
    }
    if let Some(rest) = trimmed.strip_prefix('#') {
        if in_header {
            if let Some((key, value)) = rest.trim_start().split_once(':') {
                let key = key.trim();
                if HEADER_KEYS.contains(&key) {
                    return Line::Header(key, value.trim());
                }
            }
        }
        return Line::Comment;
    }
    if let Some(rest) = trimmed.strip_prefix('|') {
        return Line::Block(rest.strip_prefix(' ').unwrap_or(rest));
    }
    if let Some(rest) = trimmed.strip_prefix('>') {
        return Line::Cont(rest.strip_prefix(' ').unwrap_or(rest));
    }
    if let Some((dir, text)) = prefix(trimmed) {
        return Line::Client {
            client: DEFAULT_CLIENT,
            dir,
            text,
        };
    }
    if let Some((word, rest)) = trimmed.split_once(' ') {
        let is_client = word.starts_with(|c: char| c.is_ascii_alphabetic())
            && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_client {
            if let Some((dir, text)) = prefix(rest) {
                return Line::Client {
                    client: word,
                    dir,
                    text,
                };
            }
        }
    }
    Line::Directive(trimmed.trim_end())
}

fn prefix(s: &str) -> Option<(Dir, &str)> {
    let dir = match s.get(..2)? {
        "C:" => Dir::C,
        "S:" => Dir::S(Mode::One),
        "S?" => Dir::S(Mode::Optional),
        "S*" => Dir::S(Mode::Many),
        "S|" => Dir::Alt,
        _ => return None,
    };
    let rest = &s[2..];
    if rest.is_empty() {
        return Some((dir, ""));
    }
    rest.strip_prefix(' ').map(|text| (dir, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(classify("", false), Line::Blank);
        assert_eq!(
            classify("# rfc: RFC 3501 §6.1.1", true),
            Line::Header("rfc", "RFC 3501 §6.1.1")
        );
        assert_eq!(classify("# rfc: x", false), Line::Comment);
        assert_eq!(classify("# Note: hi", true), Line::Comment);
        assert_eq!(
            classify("C: a1 NOOP", false),
            Line::Client {
                client: "A",
                dir: Dir::C,
                text: "a1 NOOP"
            }
        );
        assert_eq!(
            classify("  B S? * OK {*}\r", false),
            Line::Client {
                client: "B",
                dir: Dir::S(Mode::Optional),
                text: "* OK {*}"
            }
        );
        assert_eq!(
            classify("C:", false),
            Line::Client {
                client: "A",
                dir: Dir::C,
                text: ""
            }
        );
        assert_eq!(classify("| Subject: x", false), Line::Block("Subject: x"));
        assert_eq!(classify("|", false), Line::Block(""));
        assert_eq!(classify("> )", false), Line::Cont(")"));
        assert_eq!(classify("sleep 10", false), Line::Directive("sleep 10"));
        assert_eq!(classify("C:x", false), Line::Directive("C:x"));
    }
}
