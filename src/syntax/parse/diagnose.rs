//! Turning pest's "these rules failed at this position" into a sentence a person can act on.
//!
//! pest reports the farthest position at which any rule failed and the set of rules that
//! failed there (the grammar is shaped so that set is meaningful; see its header). This
//! module reads the tag and command name itself first (so that `Invalid tag`, `Command name
//! expected` and `Unknown command "FOO"` come out right however pest got there), then maps
//! the rule set through [`describe`], a rule → words table in the manner of tera's
//! `renamed_rules`, adding what came before the error (from a small per-command table of
//! argument names) and what was found instead.

use super::grammar::Rule;
use super::{parse_tag_only, position};
use crate::syntax::error::{ParseError, ParseErrorKind};
use crate::syntax::types::is_atom_char;
use pest::error::{Error, ErrorVariant, InputLocation};

/// Characters of found text quoted in a message at most.
const MAX_FOUND: usize = 24;

/// Every command name imapd knows, for `Unknown command`.
const COMMANDS: [&str; 36] = [
    "CAPABILITY",
    "NOOP",
    "LOGOUT",
    "STARTTLS",
    "AUTHENTICATE",
    "LOGIN",
    "SELECT",
    "EXAMINE",
    "CREATE",
    "DELETE",
    "RENAME",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "LIST",
    "LSUB",
    "STATUS",
    "APPEND",
    "CHECK",
    "CLOSE",
    "EXPUNGE",
    "SEARCH",
    "FETCH",
    "STORE",
    "COPY",
    "MOVE",
    "UID",
    "IDLE",
    "UNSELECT",
    "NAMESPACE",
    "ENABLE",
    "ID",
    "SORT",
    "THREAD",
    "GETQUOTA",
    "GETQUOTAROOT",
    "SETQUOTA",
];

/// The commands that may follow `UID`.
const UID_COMMANDS: [&str; 8] = [
    "COPY", "FETCH", "MOVE", "SEARCH", "STORE", "EXPUNGE", "SORT", "THREAD",
];

/// Builds the [`ParseError`] for a command pest refused.
pub(super) fn diagnose(text: &str, error: &Error<Rule>) -> ParseError {
    let tag = parse_tag_only(text);
    let (offset, kind) = match head(text) {
        Err(found) => found,
        Ok(head) => {
            let pos = match error.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((p, _)) => p,
            };
            match &error.variant {
                ErrorVariant::CustomError { .. } => (pos, ParseErrorKind::StackExhausted),
                ErrorVariant::ParsingError { positives, .. } => {
                    explain(text, &head, pos.min(text.len()), positives)
                }
            }
        }
    };
    let position = (!text.is_empty()).then(|| position(text, offset));
    ParseError::new(tag, position, kind)
}

/// The tag and command name(s) of a line, as far as they are valid.
struct Head {
    /// The command name in upper case (`FETCH`; for `UID FETCH` also `FETCH`).
    command: String,
    /// True for `UID ...`.
    uid: bool,
    /// Byte offset where the command's arguments start (after the name and its SP).
    args_start: usize,
}

/// Checks the tag and the command name; an `Err` is the error to report.
fn head(text: &str) -> Result<Head, (usize, ParseErrorKind)> {
    if text.is_empty() {
        return Err((0, ParseErrorKind::EmptyLine));
    }
    let tag_end = text.find(' ').unwrap_or(text.len());
    if let Some((i, c)) = text[..tag_end]
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii() && is_atom_char(c as u8) || c == ']') || c == '+')
    {
        return Err((i, ParseErrorKind::InvalidTag { found: Some(c) }));
    }
    if tag_end == 0 {
        return Err((0, ParseErrorKind::InvalidTag { found: Some(' ') }));
    }
    let name_start = (tag_end + 1).min(text.len());
    let (name, name_end) = word_at(text, name_start);
    if name.is_empty() {
        return Err((name_start, ParseErrorKind::MissingCommand));
    }
    let upper = name.to_ascii_uppercase();
    if !COMMANDS.contains(&upper.as_str()) {
        return Err((
            name_start,
            ParseErrorKind::UnknownCommand {
                name: shorten(name),
            },
        ));
    }
    if upper != "UID" {
        return Ok(Head {
            command: upper,
            uid: false,
            args_start: (name_end + 1).min(text.len()),
        });
    }
    if text.as_bytes().get(name_end) != Some(&b' ') {
        return Err((
            name_end,
            if name_end == text.len() {
                ParseErrorKind::Missing {
                    what: "command name".to_owned(),
                    after: Some("UID".to_owned()),
                }
            } else {
                ParseErrorKind::Expected {
                    expected: "SP".to_owned(),
                    after: Some("UID".to_owned()),
                    found: found_at(text, name_end),
                }
            },
        ));
    }
    let sub_start = name_end + 1;
    let (sub, sub_end) = word_at(text, sub_start);
    let sub_upper = sub.to_ascii_uppercase();
    if !UID_COMMANDS.contains(&sub_upper.as_str()) {
        if sub.is_empty() {
            return Err((
                sub_start,
                ParseErrorKind::Expected {
                    expected: "a command name".to_owned(),
                    after: Some("UID".to_owned()),
                    found: found_at(text, sub_start),
                },
            ));
        }
        return Err((
            sub_start,
            ParseErrorKind::UnknownUidCommand { name: shorten(sub) },
        ));
    }
    Ok(Head {
        command: sub_upper,
        uid: true,
        args_start: (sub_end + 1).min(text.len()),
    })
}

/// The run of atom characters at `start` and where it ends.
fn word_at(text: &str, start: usize) -> (&str, usize) {
    let rest = &text.as_bytes()[start.min(text.len())..];
    let len = rest.iter().take_while(|&&b| is_atom_char(b)).count();
    (&text[start..start + len], start + len)
}

/// Explains `positives` failing at `pos`.
fn explain(text: &str, head: &Head, pos: usize, positives: &[Rule]) -> (usize, ParseErrorKind) {
    let rest = &text[pos..];
    let at_end = rest.is_empty();
    let has = |r: Rule| positives.contains(&r);
    let content: Vec<Rule> = positives
        .iter()
        .copied()
        .filter(|r| !matches!(r, Rule::SP | Rule::EOI) && close_of(*r).is_none())
        .collect();

    // Things that are clear from the text at the error, whatever was expected.
    if !rest.starts_with('"') {
        let token = rest.split([' ', '(', ')']).next().unwrap_or("");
        if let Some(i) = token.find(|c: char| !c.is_ascii()) {
            return (pos + i, ParseErrorKind::EightBit);
        }
    }
    if rest.starts_with('{') && text[..pos].ends_with('~') {
        return (pos - 1, ParseErrorKind::Literal8NotAllowed);
    }
    if has(Rule::quoted_close) {
        return match rest.chars().next() {
            Some('\\') => (
                pos,
                ParseErrorKind::InvalidEscape {
                    found: rest[1..].chars().next().unwrap_or(' '),
                },
            ),
            _ => (pos, ParseErrorKind::UnterminatedQuoted),
        };
    }
    if rest.starts_with('0') {
        let what = if content.iter().any(|r| {
            matches!(
                r,
                Rule::sequence_set | Rule::seq_range | Rule::seq_number | Rule::search_key
            )
        }) {
            Some("Message number")
        } else if content.iter().any(|r| {
            matches!(
                r,
                Rule::section_spec | Rule::section_part | Rule::section_text
            )
        }) || (has(Rule::section_close) && text[..pos].ends_with('['))
        {
            Some("Part number")
        } else if has(Rule::nz_number) {
            Some("Number")
        } else {
            None
        };
        if let Some(what) = what {
            return (pos, ParseErrorKind::Zero { what });
        }
    }
    if has(Rule::date_time) && rest.starts_with('"') {
        return (
            pos,
            ParseErrorKind::Expected {
                expected: describe(Rule::date_time).to_owned(),
                after: None,
                found: found_at(text, pos),
            },
        );
    }
    if has(Rule::partial) && rest.starts_with('<') {
        let range = rest.split('>').next().unwrap_or(rest);
        if range
            .split_once('.')
            .is_some_and(|(_, count)| !count.is_empty() && count.bytes().all(|b| b == b'0'))
        {
            return (
                pos,
                ParseErrorKind::Zero {
                    what: "Partial count",
                },
            );
        }
        return (
            pos,
            ParseErrorKind::Expected {
                expected: describe(Rule::partial).to_owned(),
                after: None,
                found: found_at(text, pos),
            },
        );
    }
    if rest.starts_with("~{") && !has(Rule::literal8) && !content.is_empty() {
        return (pos, ParseErrorKind::Literal8NotAllowed);
    }
    if has(Rule::section_spec) && starts_with_word(rest, "MIME") {
        return (pos, ParseErrorKind::MimeWithoutPart);
    }
    if head.command == "AUTHENTICATE" {
        // Whatever pest matched of it, a bad initial response is bad base64.
        let toks = tokens(text, head.args_start);
        if let [_, (ir_start, _)] = toks[..] {
            if pos >= ir_start {
                return (
                    ir_start,
                    ParseErrorKind::InvalidBase64 {
                        after: Some("AUTHENTICATE mechanism name".to_owned()),
                    },
                );
            }
        }
    }

    // The command is complete and something follows.
    if has(Rule::EOI) && content.is_empty() && !at_end && rest.bytes().all(|b| b == b' ') {
        return (
            pos,
            ParseErrorKind::Unexpected {
                found: "trailing SP".to_owned(),
                after: context(text, head, pos).prev,
            },
        );
    }
    if has(Rule::EOI) && content.is_empty() && !at_end {
        let (shown_at, found) = match rest.strip_prefix(' ') {
            Some(r) if !r.is_empty() && has(Rule::SP) => (pos, rest),
            Some(r) if !r.is_empty() => (pos + 1, r),
            _ => (pos, rest),
        };
        return (
            shown_at,
            ParseErrorKind::Unexpected {
                found: printable(found),
                after: context(text, head, pos).prev,
            },
        );
    }

    // Only a separator fits here: say what came before, and what should follow.
    if content.is_empty() && has(Rule::SP) && !positives.iter().any(|r| close_of(*r).is_some()) {
        let ctx = context(text, head, pos);
        return if at_end {
            (
                pos,
                ParseErrorKind::Missing {
                    what: ctx.next,
                    after: Some(ctx.prev),
                },
            )
        } else {
            (
                pos,
                ParseErrorKind::Expected {
                    expected: "SP".to_owned(),
                    after: Some(ctx.prev),
                    found: found_at(text, pos),
                },
            )
        };
    }

    // A keyword this place does not know.
    if let Some(what) = keyword_family(&content) {
        let (word, _) = keyword_at(text, pos);
        if what == "search key" {
            let hint = if word.eq_ignore_ascii_case("RETURN") {
                Some("RETURN (...) must come right after SEARCH")
            } else if word.eq_ignore_ascii_case("CHARSET") {
                Some("CHARSET must come before the search keys")
            } else {
                None
            };
            if let Some(hint) = hint {
                return (
                    pos,
                    ParseErrorKind::Expected {
                        expected: format!("a search key ({hint})"),
                        after: None,
                        found: found_at(text, pos),
                    },
                );
            }
        }
        if word
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'\\')
        {
            return (
                pos,
                ParseErrorKind::UnknownKeyword {
                    what,
                    word: shorten(word),
                },
            );
        }
    }

    // APPEND's messages start with their SP, so the rule stands for the whole next argument.
    if at_end && content == [Rule::append_message] {
        return (
            pos,
            ParseErrorKind::Missing {
                what: "message literal".to_owned(),
                after: Some(context(text, head, pos).prev),
            },
        );
    }

    // A list that is not closed.
    let closes: Vec<(char, &str)> = positives.iter().filter_map(|r| close_of(*r)).collect();
    if at_end && content.is_empty() {
        if let Some((c, list)) = closes.first() {
            return (
                pos,
                ParseErrorKind::Missing {
                    what: format!("'{c}' to close the {list}"),
                    after: None,
                },
            );
        }
    }

    // The general case: list what would have fitted.
    let mut expected: Vec<String> = Vec::new();
    for r in &content {
        let d = describe(*r).to_owned();
        if !expected.contains(&d) {
            expected.push(d);
        }
    }
    if has(Rule::SP) {
        expected.push("SP".to_owned());
    }
    for (c, list) in &closes {
        expected.push(if has(Rule::SP) || !content.is_empty() {
            format!("'{c}'")
        } else {
            format!("'{c}' to close the {list}")
        });
    }
    if has(Rule::EOI) {
        expected.push("end of command".to_owned());
    }
    let mut expected = join_or(&expected);
    if (has(Rule::SP) || !content.is_empty()) && closes.len() == 1 {
        expected.push_str(&format!(" in the {}", closes[0].1));
    }
    if at_end {
        // "Missing a section like [HEADER] or [1.2] after BODY.PEEK": name the keyword the
        // missing part belongs to, when the error comes right after one.
        let (word, _, _) = words_before(text, head.args_start, pos);
        let after = (!word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
        .then(|| word.to_ascii_uppercase());
        (
            pos,
            ParseErrorKind::Missing {
                what: expected,
                after,
            },
        )
    } else {
        (
            pos,
            ParseErrorKind::Expected {
                expected,
                after: None,
                found: found_at(text, pos),
            },
        )
    }
}

/// `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => "something else".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The rule → words table: what a rule stands for in "Expected …".
fn describe(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        SP => "SP",
        EOI => "end of command",
        atom => "an atom",
        number => "a number",
        nz_number => "a non-zero number",
        nil => "NIL",
        astring => "a string",
        nstring => "a string or NIL",
        quoted => "a quoted string",
        quoted_inner | quoted_close => "'\"' to close the quoted string",
        literal => "a literal",
        literal8 => "a literal8",
        tag => "a tag",
        mailbox => "a mailbox name",
        list_mailbox => "a mailbox pattern",
        sequence_set | seq_range => "a sequence set (like 1:5,7 or *)",
        seq_number => "a message number (like 1 or *)",
        seq_last_command => "$",
        date | date_text => "a date like 1-Feb-1994",
        date_month => "a month name (Jan to Dec)",
        date_time => "a date-time like \"17-Jul-1996 02:44:25 -0700\"",
        flag_list => "a flag list like (\\Seen)",
        flag | flag_extension => "a flag like \\Seen",
        flag_keyword => "a keyword like $Label1 (system flags have search keys of their own)",
        capability_name => "a capability name",
        id_params_list | id_param_list => "a parenthesized list of field-value strings, or NIL",
        id_param => "a field name string",
        auth_type => "a SASL mechanism name",
        initial_response | base64 => "base64",
        userid => "a user name",
        password => "a password",
        list_select_opts => "LIST selection options",
        list_select_opt => "a selection option (SUBSCRIBED, REMOTE, RECURSIVEMATCH or SPECIAL-USE)",
        patterns => "a parenthesized list of mailbox patterns",
        list_return_opts => "RETURN",
        list_return_list => "a parenthesized list of return options",
        return_option | return_keyword | status_option => {
            "a return option (SUBSCRIBED, CHILDREN, SPECIAL-USE or STATUS (...))"
        }
        status_att_list => "a status item list like (MESSAGES UNSEEN)",
        status_att => {
            "a status item (MESSAGES, RECENT, UIDNEXT, UIDVALIDITY, UNSEEN or SIZE)"
        }
        append_message => "a message literal",
        setquota_list => "a resource limit list like (STORAGE 512)",
        setquota_resource => "a resource name and limit",
        fetch_macro | fetch_att_list | fetch_att | fetch_att_simple | fetch_body_section
        | fetch_binary | fetch_binary_size => "a fetch item (like FLAGS, UID or BODY.PEEK[])",
        body_peek => "BODY.PEEK",
        binary_peek => "BINARY.PEEK",
        partial => "a partial range like <0.2048>",
        section => "a section like [HEADER] or [1.2]",
        section_binary => "a section like [1.2] or []",
        section_spec => "a section (HEADER, HEADER.FIELDS (...), TEXT or a part number like 1.2)",
        section_part => "a part number like 1.2",
        section_text => "HEADER, HEADER.FIELDS (...), TEXT or MIME",
        section_mime => "MIME",
        section_msgtext | header_fields | header_fields_not | section_header
        | section_text_body => "HEADER, HEADER.FIELDS (...) or TEXT",
        header_list => "a parenthesized list of header field names",
        header_fld_name => "a header field name",
        store_att_flags | store_item => "FLAGS, +FLAGS or -FLAGS (optionally .SILENT)",
        search_return_opts | search_return_list => "a return option list like (MIN MAX COUNT)",
        search_return_opt => "a return option (MIN, MAX, ALL, COUNT or SAVE)",
        search_charset => "CHARSET",
        search_key | search_key_flag | search_key_string | search_string_name
        | search_key_date | search_date_name | search_key_header | search_key_keyword
        | search_keyword_name | search_key_size | search_size_name | search_key_within
        | search_within_name | search_key_uid | search_not | search_or | search_group => {
            "a search key (like ALL, UNSEEN, FROM \"x\" or 1:5)"
        }
        sort_criteria => "a sort criteria list like (REVERSE DATE)",
        sort_criterion => {
            "a sort criterion (ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT or TO, optionally after REVERSE)"
        }
        thread_alg => "a threading algorithm (REFERENCES or ORDEREDSUBJECT)",
        charset => "a charset name like UTF-8",
        _ => "a command name",
    }
}

/// For the rules that close a list: the closing character and the list's name.
fn close_of(rule: Rule) -> Option<(char, &'static str)> {
    use Rule::*;
    Some(match rule {
        flag_list_close => (')', "flag list"),
        id_list_close => (')', "ID parameter list"),
        list_select_close => (')', "selection options"),
        patterns_close => (')', "pattern list"),
        list_return_close => (')', "return options"),
        status_list_close => (')', "status item list"),
        quota_list_close => (')', "resource limit list"),
        fetch_list_close => (')', "fetch item list"),
        section_close => (']', "section"),
        header_list_close => (')', "header field list"),
        search_return_close => (')', "return options"),
        search_group_close => (')', "parenthesized search keys"),
        sort_criteria_close => (')', "sort criteria"),
        _ => return None,
    })
}

/// If every expected rule is one kind of keyword, that kind's name (for `Unknown … "X"`).
fn keyword_family(content: &[Rule]) -> Option<&'static str> {
    use Rule::*;
    let family = |r: &Rule| -> Option<&'static str> {
        Some(match r {
            fetch_macro | fetch_att_list | fetch_att | fetch_att_simple | fetch_body_section
            | fetch_binary | fetch_binary_size => "fetch item",
            search_key | search_key_flag | search_key_string | search_string_name
            | search_key_date | search_date_name | search_key_header | search_key_keyword
            | search_keyword_name | search_key_size | search_size_name | search_key_within
            | search_within_name | search_key_uid | search_not | search_or | search_group
            | search_charset => "search key",
            status_att => "status item",
            list_select_opt => "LIST selection option",
            return_option | return_keyword | status_option => "LIST return option",
            search_return_opt => "SEARCH return option",
            sort_criterion => "sort criterion",
            store_item | store_att_flags => "STORE item",
            section_spec | section_msgtext | section_text => "section",
            _ => return None,
        })
    };
    let first = family(content.first()?)?;
    content
        .iter()
        .all(|r| family(r) == Some(first))
        .then_some(first)
}

/// The keyword-like word at `pos` (an atom, or a flag, up to a `[` or `<` that would start
/// a section or partial), and where it ends.
fn keyword_at(text: &str, pos: usize) -> (&str, usize) {
    let rest = &text.as_bytes()[pos..];
    let len = rest
        .iter()
        .enumerate()
        .take_while(|&(i, &b)| {
            (is_atom_char(b) && b != b'[' && b != b'<') || (i == 0 && b == b'\\')
        })
        .count();
    (&text[pos..pos + len], pos + len)
}

fn starts_with_word(rest: &str, word: &str) -> bool {
    rest.len() >= word.len()
        && rest.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
        && !rest
            .as_bytes()
            .get(word.len())
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

/// What was found at `pos`, for `…, found "x"`: the rest of the token, shortened and printable.
fn found_at(text: &str, pos: usize) -> Option<String> {
    let rest = &text[pos..];
    if rest.is_empty() {
        return None;
    }
    if rest.starts_with(' ') {
        return Some(if text[..pos].ends_with(' ') {
            "a second SP".to_owned()
        } else {
            "SP".to_owned()
        });
    }
    if let Some(inner) = rest.strip_prefix('"') {
        let mut escaped = false;
        let close = inner.char_indices().find(|&(_, c)| {
            let end = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            end
        });
        if let Some((i, _)) = close {
            return Some(show(&rest[..i + 2]));
        }
    }
    let end = rest.find([' ', '\r']).unwrap_or(rest.len());
    Some(printable(&rest[..end]))
}

/// `"text"`, shortened to [`MAX_FOUND`] characters, with anything that is not printable
/// ASCII shown as `?` (the result goes into a response line).
fn printable(s: &str) -> String {
    printable_n(s, MAX_FOUND)
}

/// [`printable`] with a given maximum length.
fn printable_n(s: &str, max: usize) -> String {
    let s = s.split("\r\n\u{1}").next().unwrap_or(s);
    let shown: String = s
        .chars()
        .take(max)
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect();
    if s.chars().count() > max {
        format!("\"{shown}...\"")
    } else {
        format!("\"{shown}\"")
    }
}

/// A word from the client, shortened and printable, for `Unknown … "X"` (no quotes).
fn shorten(word: &str) -> String {
    let p = printable(word);
    p[1..p.len() - 1].to_owned()
}

/// What came before an error and what should have followed, in words.
struct Context {
    prev: String,
    next: String,
}

/// Argument names of the commands with a fixed argument list, and whether the last repeats.
fn argument_names(command: &str, first_arg: Option<&str>) -> (&'static [&'static str], bool) {
    match command {
        "FETCH" => (&["sequence set", "fetch items"], false),
        "STORE" => (&["sequence set", "FLAGS, +FLAGS or -FLAGS", "flags"], true),
        "COPY" | "MOVE" => (&["sequence set", "mailbox name"], false),
        "EXPUNGE" => (&["sequence set"], false),
        "SELECT" | "EXAMINE" | "CREATE" | "DELETE" | "SUBSCRIBE" | "UNSUBSCRIBE"
        | "GETQUOTAROOT" => (&["mailbox name"], false),
        "RENAME" => (&["mailbox name", "new mailbox name"], false),
        "LOGIN" => (&["user name", "password"], false),
        "AUTHENTICATE" => (&["mechanism name", "initial response"], false),
        "LSUB" => (&["reference name", "mailbox pattern"], false),
        "LIST" if first_arg.is_some_and(|a| a.starts_with('(')) => (
            &[
                "selection options",
                "reference name",
                "mailbox pattern",
                "return options",
            ],
            false,
        ),
        "LIST" => (
            &["reference name", "mailbox pattern", "return options"],
            false,
        ),
        "STATUS" => (&["mailbox name", "status items"], false),
        "GETQUOTA" => (&["quota root"], false),
        "SETQUOTA" => (&["quota root", "resource limits"], false),
        "ID" => (&["parameter list"], false),
        "ENABLE" => (&["capability name"], true),
        "APPEND" => (&["mailbox name", "message literal"], true),
        "SEARCH" => (&["search key"], true),
        "SORT" => (&["sort criteria", "charset", "search key"], true),
        "THREAD" => (&["threading algorithm", "charset", "search key"], true),
        _ => (&[], false),
    }
}

/// What a keyword that takes an argument wants next.
fn keyword_argument(word: &str) -> Option<&'static str> {
    let w = word.to_ascii_uppercase();
    Some(match w.as_str() {
        "FROM" | "TO" | "CC" | "BCC" | "SUBJECT" | "BODY" | "TEXT" => "string",
        "BEFORE" | "ON" | "SINCE" | "SENTBEFORE" | "SENTON" | "SENTSINCE" => "date like 1-Feb-1994",
        "HEADER" => "header field name",
        "KEYWORD" | "UNKEYWORD" => "keyword",
        "LARGER" | "SMALLER" => "size in octets",
        "OLDER" | "YOUNGER" => "interval in seconds",
        "NOT" => "search key",
        "OR" => "two search keys",
        "UID" => "sequence set",
        "CHARSET" => "charset name",
        "RETURN" => "option list",
        "HEADER.FIELDS" | "HEADER.FIELDS.NOT" => "header field list",
        "FLAGS" | "+FLAGS" | "-FLAGS" | "FLAGS.SILENT" | "+FLAGS.SILENT" | "-FLAGS.SILENT" => {
            "flags"
        }
        _ => return None,
    })
}

/// The top-level tokens (outside quotes, parentheses and brackets) from `start`, as spans.
fn tokens(text: &str, start: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut tok_start = start;
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quote {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_quote = false;
            }
        } else {
            match b {
                b'"' => in_quote = true,
                b'(' | b'[' => depth += 1,
                b')' | b']' => depth = depth.saturating_sub(1),
                b' ' if depth == 0 => {
                    if i > tok_start {
                        out.push((tok_start, i));
                    }
                    tok_start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    if bytes.len() > tok_start {
        out.push((tok_start, bytes.len()));
    }
    out
}

/// The word that ends at `pos` and the one before it (words end at SP, `(` and `[`,
/// outside quoted strings), and the parenthesis/bracket depth at `pos`.
fn words_before(text: &str, from: usize, pos: usize) -> (&str, Option<&str>, usize) {
    let bytes = &text.as_bytes()[..pos];
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut word_start = from.min(pos);
    let mut prev: Option<(usize, usize)> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quote {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_quote = false;
            }
        } else {
            match b {
                b'"' => in_quote = true,
                b' ' | b'(' | b'[' => {
                    if i > word_start {
                        prev = Some((word_start, i));
                    }
                    if b != b' ' {
                        depth += 1;
                    }
                    word_start = i + 1;
                }
                b')' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        i += 1;
    }
    let word = &text[word_start.min(pos)..pos];
    (word, prev.map(|(s, e)| &text[s..e]), depth)
}

/// A client's token for a message: quoted strings as they are, anything else in quotes.
fn show(token: &str) -> String {
    if token.len() > 1 && token.starts_with('"') && token.ends_with('"') {
        // A quoted string is shown as it was sent, if it is not too long.
        printable_n(&token[1..token.len() - 1], 2 * MAX_FOUND)
    } else {
        printable(token)
    }
}

/// Describes what precedes `pos` and what should come next. These are guesses from the text
/// (the grammar has failed, there is no parse tree), good on the common inputs where only an
/// argument or a separator is missing.
fn context(text: &str, head: &Head, pos: usize) -> Context {
    let name = if head.uid {
        format!("UID {}", head.command)
    } else {
        head.command.clone()
    };
    let (word, prev_word, depth) = words_before(text, head.args_start, pos);

    // A keyword right before: "after FROM", "Missing string after FROM".
    if !word.is_empty() {
        if prev_word.is_some_and(|b| b.eq_ignore_ascii_case("HEADER")) {
            return Context {
                prev: format!("HEADER {}", shorten(word)),
                next: "string".to_owned(),
            };
        }
        if let Some(arg) = keyword_argument(word) {
            return Context {
                prev: word.to_ascii_uppercase(),
                next: arg.to_owned(),
            };
        }
        if prev_word.is_some_and(|b| b.eq_ignore_ascii_case("OR")) {
            return Context {
                prev: format!("OR {}", shorten(word)),
                next: "second search key".to_owned(),
            };
        }
        if depth > 0 {
            return Context {
                prev: show(word),
                next: "argument".to_owned(),
            };
        }
    }

    // At the top level: the command's argument names.
    let toks: Vec<(usize, usize)> = tokens(text, head.args_start)
        .into_iter()
        .filter(|&(s, _)| s < pos)
        .collect();
    let first_arg = toks.first().map(|&(s, e)| &text[s..e]);
    let (names, repeats) = argument_names(&head.command, first_arg);
    let name_of = |i: usize| -> Option<&'static str> {
        names
            .get(i)
            .copied()
            .or_else(|| repeats.then(|| names.last().copied()).flatten())
    };
    let variadic = repeats && toks.len() >= names.len();
    match toks.last() {
        None => Context {
            prev: name,
            next: name_of(0).unwrap_or("argument").to_owned(),
        },
        Some(&(s, e)) if variadic || name_of(toks.len() - 1).is_none() => Context {
            prev: show(text[s..e.min(pos)].trim_end()),
            next: name_of(toks.len()).unwrap_or("argument").to_owned(),
        },
        Some(_) => Context {
            prev: format!("{name} {}", name_of(toks.len() - 1).unwrap_or("argument")),
            next: name_of(toks.len()).unwrap_or("argument").to_owned(),
        },
    }
}
