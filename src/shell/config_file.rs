//! Reads a configuration file in the format of Courier's `imapd` file
//! (`shared/rfc/courier-imapd-config.txt`): the file a startup script loads into the
//! environment with `set -a; . /etc/courier/imapd`, so an existing Courier file works as is.
//!
//! Accepted, as a POSIX shell reads such a file: blank lines; `#` comments (whole lines, or
//! after unquoted whitespace); `NAME=VALUE` (optionally after `export `) where VALUE is any mix
//! of unquoted text, `'literal'` and `"double quoted"` text; `$NAME` and `${NAME}` expand to a
//! value assigned earlier in the file, else to the environment, else to nothing (as in the
//! stock `IMAP_CAPABILITY_TLS="$IMAP_CAPABILITY AUTH=PLAIN"`). Anything else a shell would
//! run — commands, command substitution, a `\` line continuation (which the Courier file
//! itself forbids: "do not use \ to split long variable contents") — is rejected with the
//! line number, never guessed at.

use std::path::{Path, PathBuf};

/// One `NAME=VALUE` line, after quote removal and expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The variable name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// 1-based line number in the file.
    pub line: usize,
}

/// A line the reader could not accept, or a file it could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {problem}", file.display())]
pub struct ConfigFileError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line number (0: the file as a whole).
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Reads and parses `path`; `env` resolves `$NAME` for names the file has not assigned.
pub fn read(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Assignment>, ConfigFileError> {
    let bytes = std::fs::read(path).map_err(|e| ConfigFileError {
        file: path.to_owned(),
        line: 0,
        problem: format!("cannot read: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ConfigFileError {
        file: path.to_owned(),
        line: 0,
        problem: format!("not UTF-8 text: {e}"),
    })?;
    parse(&text, env).map_err(|(line, problem)| ConfigFileError {
        file: path.to_owned(),
        line,
        problem,
    })
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Parses the text of a file; an error carries its 1-based line number.
pub fn parse(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Assignment>, (usize, String)> {
    let mut out: Vec<Assignment> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let s = raw.trim_start();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        let s = s.strip_prefix("export ").map(str::trim_start).unwrap_or(s);
        let name_len = s
            .char_indices()
            .find(|&(_, c)| !is_name_char(c))
            .map_or(s.len(), |(i, _)| i);
        let name = &s[..name_len];
        if name.is_empty() || !name.starts_with(is_name_start) || !s[name_len..].starts_with('=') {
            return Err((
                line,
                format!(
                    "expected NAME=VALUE, found {:?} (only variable assignments are allowed)",
                    raw.trim()
                ),
            ));
        }
        let lookup = |n: &str| {
            out.iter()
                .rev()
                .find(|a| a.name == n)
                .map(|a| a.value.clone())
                .or_else(|| env(n))
        };
        let value = value(&s[name_len + 1..], &lookup).map_err(|p| (line, p))?;
        out.push(Assignment {
            name: name.to_owned(),
            value,
            line,
        });
    }
    Ok(out)
}

/// The value part of an assignment: quote removal and `$NAME` expansion.
fn value(src: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => out.push(c),
                    None => return Err("unterminated '...' quote".into()),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        // In double quotes a backslash escapes only these (POSIX 2.2.3).
                        Some(c @ ('"' | '\\' | '$' | '`')) => out.push(c),
                        Some(c) => {
                            out.push('\\');
                            out.push(c);
                        }
                        None => return Err(continuation()),
                    },
                    Some('$') => expand(&mut chars, &mut out, lookup)?,
                    Some('`') => return Err(substitution()),
                    Some(c) => out.push(c),
                    None => return Err("unterminated \"...\" quote".into()),
                }
            },
            '\\' => match chars.next() {
                Some(c) => out.push(c),
                None => return Err(continuation()),
            },
            '$' => expand(&mut chars, &mut out, lookup)?,
            '`' => return Err(substitution()),
            c if c.is_whitespace() => {
                let rest: String = chars.collect();
                let rest = rest.trim_start();
                if rest.is_empty() || rest.starts_with('#') {
                    break;
                }
                return Err(format!(
                    "unquoted space before {rest:?}: quote the value (\"...\")"
                ));
            }
            ';' | '|' | '&' | '<' | '>' | '(' | ')' => {
                return Err(format!(
                    "shell operator {c:?} is not supported: only plain assignments"
                ))
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn continuation() -> String {
    "a trailing \\ (line continuation) is not allowed: Courier's file says \"do not use \\ to \
     split long variable contents on multiple lines\""
        .into()
}

fn substitution() -> String {
    "command substitution is not supported".into()
}

/// `$NAME`, `${NAME}`; a `$` followed by anything else is literal, as in the shell.
fn expand(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    let mut name = String::new();
    match chars.peek() {
        Some('{') => {
            chars.next();
            loop {
                match chars.next() {
                    Some('}') => break,
                    Some(c) if is_name_char(c) => name.push(c),
                    Some(c) => {
                        return Err(format!(
                            "only ${{NAME}} is supported inside ${{...}}, found {c:?}"
                        ))
                    }
                    None => return Err("unterminated ${...}".into()),
                }
            }
        }
        Some('(') => return Err(substitution()),
        Some(&c) if is_name_start(c) => {
            while let Some(&c) = chars.peek() {
                if !is_name_char(c) {
                    break;
                }
                name.push(c);
                chars.next();
            }
        }
        _ => {
            out.push('$');
            return Ok(());
        }
    }
    out.push_str(&lookup(&name).unwrap_or_default());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<(String, String)>, (usize, String)> {
        let env = |n: &str| (n == "HOME").then(|| "/home/u".to_string());
        parse(text, &env).map(|v| v.into_iter().map(|a| (a.name, a.value)).collect())
    }

    #[test]
    fn courier_file_shapes() {
        let got = p(
            "##NAME: X:0\n#\n\nADDRESS=0\nTCPDOPTS=\"-nodnslookup -noidentlookup\"\n\
                     IMAP_CAPABILITY=\"IMAP4rev1 IDLE\"\n\
                     IMAP_CAPABILITY_TLS=\"$IMAP_CAPABILITY AUTH=PLAIN\"\n\
                     PIDFILE=@piddir@/imapd.pid\nA='lit $X'\nB=${HOME}/x # note\nC=\n",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                ("ADDRESS", "0"),
                ("TCPDOPTS", "-nodnslookup -noidentlookup"),
                ("IMAP_CAPABILITY", "IMAP4rev1 IDLE"),
                ("IMAP_CAPABILITY_TLS", "IMAP4rev1 IDLE AUTH=PLAIN"),
                ("PIDFILE", "@piddir@/imapd.pid"),
                ("A", "lit $X"),
                ("B", "/home/u/x"),
                ("C", ""),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn rejects_what_a_shell_would_run() {
        assert_eq!(p("X=1\nrm -rf /\n").unwrap_err().0, 2);
        assert!(p("X=a b\n").unwrap_err().1.contains("unquoted space"));
        assert!(p("X=\"a\\\n").is_err());
        assert!(p("X=a\\\n").unwrap_err().1.contains("continuation"));
        assert!(p("X=$(id)\n").unwrap_err().1.contains("substitution"));
        assert!(p("X=`id`\n").is_err());
        assert!(p("X=\"open\n").unwrap_err().1.contains("unterminated"));
        assert!(p("1X=2\n").is_err());
        assert!(p("X=1; Y=2\n").is_err());
    }
}
