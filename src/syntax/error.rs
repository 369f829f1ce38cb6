//! Why a command line was refused: [`ParseError`], which becomes a tagged (or untagged) `BAD`.
//!
//! Every message is meant to be read by a person debugging a client: it says what was
//! expected, what was found and where. The text is plain ASCII with no CR or LF, because it is
//! sent as the `text` of a status response (RFC 3501 §9 `resp-text`).

use crate::syntax::types::Tag;
use std::fmt;

/// Where in a command an error was found.
///
/// A command with literals spans several client lines: line 1 is the command line up to its
/// first literal header, and line *n*+1 is what the client sent after the *n*-th literal's
/// octets (its columns count from the first octet after those octets). Columns count octets,
/// from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Position {
    /// 1-based line (see the type's documentation).
    pub line: u32,
    /// 1-based octet column within that line.
    pub column: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 1 {
            write!(f, "at column {}", self.column)
        } else {
            write!(f, "at column {} of line {}", self.column, self.line)
        }
    }
}

/// What exactly is wrong with a command. Each variant is one kind of protocol violation;
/// all of them are answered with `BAD`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The line is empty.
    #[error("Empty command line")]
    EmptyLine,
    /// The first word is not a valid `tag` (RFC 3501 §9).
    #[error("Invalid tag{}", match .found { Some(c) => format!(": {} is not allowed in a tag", describe_char(*c)), None => String::new() })]
    InvalidTag {
        /// The first character that may not appear in a tag, if there is one.
        found: Option<char>,
    },
    /// The tag is not followed by a command name.
    #[error("Command name expected")]
    MissingCommand,
    /// The command name is not one imapd knows.
    #[error("Unknown command \"{name}\"")]
    UnknownCommand {
        /// The name as sent (shortened if long).
        name: String,
    },
    /// `UID` is followed by something that is not a UID command.
    #[error("Unknown UID command \"{name}\" (expected COPY, FETCH, MOVE, SEARCH, STORE, EXPUNGE, SORT or THREAD)")]
    UnknownUidCommand {
        /// The word after `UID` (shortened if long).
        name: String,
    },
    /// Something else was expected at this place.
    #[error("Expected {expected}{}{}", fmt_after(.after), fmt_found(.found))]
    Expected {
        /// What the grammar allows here, in words.
        expected: String,
        /// What came just before, in words (`FETCH sequence set`), if known.
        after: Option<String>,
        /// What was found instead (shortened, made printable; in double quotes unless it
        /// is a description like `SP`).
        found: Option<String>,
    },
    /// The command ends where more was required.
    #[error("Missing {what}{}", fmt_after(.after))]
    Missing {
        /// What is missing, in words.
        what: String,
        /// What came just before, in words, if known.
        after: Option<String>,
    },
    /// The command should have ended here.
    #[error("Unexpected {found} after {after}")]
    Unexpected {
        /// The extra text (shortened, made printable, in double quotes).
        found: String,
        /// What came before, in words.
        after: String,
    },
    /// A keyword that this place does not know (`Unknown fetch item "FOO"`).
    #[error("Unknown {what} \"{word}\"")]
    UnknownKeyword {
        /// The kind of keyword expected here (`fetch item`, `search key`…).
        what: &'static str,
        /// The word that was found (shortened, made printable).
        word: String,
    },
    /// A zero where the RFC requires `nz-number`.
    #[error("{what} 0 is not allowed (numbers start at 1)")]
    Zero {
        /// What the number is (`Message number`, `Part number`, `Partial count`…).
        what: &'static str,
    },
    /// A number above the largest value its field can hold.
    #[error("Number {number} is too large (maximum {max})")]
    NumberTooLarge {
        /// The digits as sent (shortened if very long).
        number: String,
        /// The largest allowed value.
        max: u64,
    },
    /// A date that matches the syntax but does not exist (`31-Feb-2024`).
    #[error("Invalid date \"{date}\": there is no such day")]
    InvalidDate {
        /// The date as sent.
        date: String,
    },
    /// A date-time whose time of day or zone is out of range.
    #[error("Invalid time or zone in \"{date_time}\"")]
    InvalidTime {
        /// The date-time as sent, without quotes.
        date_time: String,
    },
    /// `\Recent` in STORE or APPEND flags: only the server sets it (RFC 3501 §2.3.2).
    #[error("\\Recent cannot be set by a client (RFC 3501 section 2.3.2)")]
    RecentFlag,
    /// `MIME` with no part number in front (`BODY[MIME]`), which `section-spec` forbids.
    #[error("MIME needs a part number, like BODY[1.MIME]")]
    MimeWithoutPart,
    /// `RECURSIVEMATCH` without a base selection option (RFC 5258 §3.1).
    #[error("RECURSIVEMATCH needs the SUBSCRIBED selection option (RFC 5258 section 3.1)")]
    RecursiveMatchAlone,
    /// SEARCH keys nested deeper than the configured limit.
    #[error("SEARCH nesting too deep (limit {limit})")]
    TooDeep {
        /// The configured limit ([`ParseLimits::max_search_depth`](crate::syntax::parse::ParseLimits::max_search_depth)).
        limit: usize,
    },
    /// pest ran out of native stack (its own guard, pest 2.9) before the nesting limit was
    /// reached: only possible with a very high [`max_search_depth`](crate::syntax::parse::ParseLimits::max_search_depth)
    /// or a small thread stack.
    #[error("Command nested too deeply to parse")]
    StackExhausted,
    /// A backslash in a quoted string that is not followed by `"` or `\`.
    #[error("Invalid escape \"\\{}\" in a quoted string (only \\\" and \\\\ are allowed)", printable_char(*.found))]
    InvalidEscape {
        /// The character after the backslash.
        found: char,
    },
    /// A quoted string that does not end before the line does.
    #[error("Missing '\"' to close the quoted string")]
    UnterminatedQuoted,
    /// 8-bit characters outside a quoted string or literal.
    #[error("8-bit characters must be sent in a quoted string or a literal")]
    EightBit,
    /// 8-bit characters in a quoted string while UTF-8 quoting is off (RFC 6855 §3).
    #[error("8-bit characters in a quoted string need ENABLE UTF8=ACCEPT; send a literal instead")]
    EightBitQuoted,
    /// A `literal8` (`~{n}`) where only a `literal` may appear (RFC 3516 §4.4).
    #[error("A literal8 (~{{n}}) is only allowed as APPEND message data")]
    Literal8NotAllowed,
    /// A NUL octet in a `literal`, which holds `CHAR8` (RFC 3501 §9).
    #[error("NUL octet in a literal (only a literal8 ~{{n}} may contain NUL)")]
    NulInLiteral,
    /// A string that must be text (a CHARSET name) is not valid UTF-8.
    #[error("{what} must be text, not binary octets")]
    NotText {
        /// What the string is.
        what: &'static str,
    },
    /// Malformed base64 in an AUTHENTICATE initial response or continuation line.
    #[error("Invalid base64{}", fmt_after(.after))]
    InvalidBase64 {
        /// Where the base64 was expected, in words.
        after: Option<String>,
    },
    /// The framing layer and the parser disagree about the literals (an imapd bug, not the
    /// client's).
    #[error("Internal error: literals do not match the command text")]
    LiteralMismatch,
    /// The grammar produced something the parser does not expect (an imapd bug).
    #[error("Internal parser error")]
    Internal,
}

fn fmt_after(after: &Option<String>) -> String {
    match after {
        Some(a) => format!(" after {a}"),
        None => String::new(),
    }
}

fn fmt_found(found: &Option<String>) -> String {
    match found {
        Some(f) => format!(", found {f}"),
        None => String::new(),
    }
}

fn printable_char(c: char) -> String {
    if c.is_ascii_graphic() {
        c.to_string()
    } else {
        format!("<U+{:04X}>", c as u32)
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        c if c.is_ascii_graphic() => format!("\"{c}\""),
        c => format!("<U+{:04X}>", c as u32),
    }
}

/// A command line the parser refused: the tag (if one could be read), where, and why.
///
/// [`ParseError::response_text`] is the text for the `BAD` response; send it tagged when
/// [`ParseError::tag`] is `Some`, untagged (`* BAD`) otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.response_text())]
#[non_exhaustive]
pub struct ParseError {
    tag: Option<Tag>,
    position: Option<Position>,
    kind: ParseErrorKind,
}

impl ParseError {
    /// A new error. `position` is `None` when the problem is not at one place.
    pub fn new(tag: Option<Tag>, position: Option<Position>, kind: ParseErrorKind) -> Self {
        ParseError {
            tag,
            position,
            kind,
        }
    }

    /// The command's tag, if one could be read: answer `tag BAD`, else `* BAD`.
    pub fn tag(&self) -> Option<&Tag> {
        self.tag.as_ref()
    }

    /// Where the error was found, if it is at one place.
    pub fn position(&self) -> Option<Position> {
        self.position
    }

    /// What is wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The human text for the `BAD` response, e.g.
    /// `Expected SP after FETCH sequence set, at column 12`. Plain ASCII, never CR or LF.
    pub fn response_text(&self) -> String {
        let mut text = self.kind.to_string();
        if let Some(p) = self.position {
            text.push_str(", ");
            text.push_str(&p.to_string());
        }
        // The pieces are sanitized where they are built; this is the last line of defence
        // for the promise made above.
        text.retain(|c| c != '\r' && c != '\n');
        if !text.is_ascii() {
            text = text
                .chars()
                .map(|c| if c.is_ascii() { c } else { '?' })
                .collect();
        }
        text
    }
}
