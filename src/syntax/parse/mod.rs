//! The command parser: one command's text → a typed [`Command`], or a [`ParseError`] that
//! says precisely what is wrong, where.
//!
//! The grammar is `grammar/imap.pest` (see its header for the conventions); this module walks
//! pest's pairs with one `parse_<rule>` function per rule, grouped by topic like the types:
//! `core` (strings, numbers, dates, flags), `sequence`, `fetch`, `search` (with SORT
//! and THREAD), `store` (STORE, COPY, MOVE, EXPUNGE), `append`, `list`, `mailbox`,
//! `auth` and `any` (ENABLE, ID).
//!
//! # Input
//!
//! The framing layer hands over one command as text plus literal octets: each literal is
//! left in the text as its header exactly as sent (`{5}`, `{5+}`, `~{5}`), then CRLF, then
//! one placeholder character U+0001; the octets come separately, in order, and are moved into
//! the command (never copied). The text has no final CRLF.
//!
//! ```
//! use imapd::syntax::parse::parse_command;
//! use imapd::syntax::types::CommandBody;
//!
//! let cmd = parse_command("a1 LOGIN {3}\r\n\u{1} secret", vec![b"bob".to_vec()]).unwrap();
//! assert_eq!(cmd.tag.as_str(), "a1");
//! assert!(matches!(cmd.body, CommandBody::Login { ref username, .. } if username == b"bob"));
//!
//! let err = parse_command("a2 FETCH 1:5(FLAGS)", vec![]).unwrap_err();
//! assert_eq!(err.tag().map(|t| t.as_str()), Some("a2"));
//! assert_eq!(
//!     err.response_text(),
//!     "Expected SP after FETCH sequence set, found \"(FLAGS)\", at column 13"
//! );
//! ```
//!
//! # Decisions
//!
//! * **UTF-8 in quoted strings** is accepted by default (RFC 6855 §3 `uQUOTED-CHAR`, RFC 9051
//!   §9): the text is UTF-8 already, clients send it with `SEARCH CHARSET UTF-8` anyway, and
//!   refusing it helps nobody. A session that wants RFC 3501's strict 7-bit quoting until
//!   `ENABLE UTF8=ACCEPT` sets [`ParseLimits::utf8_quoted`] to `false`.
//! * **A fast path** (`fast`) parses the plain forms of the commands clients send most
//!   (`[UID] FETCH`, `[UID] STORE`, simple `[UID] SEARCH`, `SELECT`/`EXAMINE`, the commands
//!   without arguments) without pest, after the depth check and only when there is no
//!   literal. It returns the `Command` pest would build, or `None` for anything else
//!   (including every error), so the grammar stays the definition and the error texts stay
//!   pest's; `tests/fast.rs` checks the two against each other.
//! * **Nesting** is bounded before pest runs: [`ParseLimits::max_search_depth`] limits how
//!   deeply SEARCH keys nest (`NOT`, `OR`, parentheses); see `depth`. Parenthesized lists
//!   elsewhere do not nest in the grammar. pest's own `set_call_limit` is not used: in pest
//!   2.9 it is a process-wide budget of *cumulative* calls, which limits long flat commands
//!   (a 100 000-number sequence set) rather than depth, and a process-wide setting would make
//!   one session's limit another's. pest 2.9 also guards the native stack itself; should
//!   that guard ever fire first, the command gets `BAD Command nested too deeply to parse`.
//! * What the RFC forbids in prose but the ABNF accepts (`\Recent` in STORE/APPEND, numbers
//!   above 2^32-1, `31-Feb-2024`, RECURSIVEMATCH alone) is refused here with its own message,
//!   after the grammar has matched. Mistakes the grammar itself refuses but that pest would
//!   only describe vaguely (`MIME` without a part number, a zero where `nz-number` is
//!   required, an unterminated quoted string) get their own message too, from `diagnose`.

mod any;
mod append;
mod auth;
mod core;
mod depth;
mod diagnose;
mod fast;
mod fetch;
mod grammar;
mod list;
mod mailbox;
mod search;
mod sequence;
mod store;

#[cfg(test)]
mod tests;

pub use self::auth::{parse_authenticate_line, AuthenticateLine};

use self::grammar::{ImapParser, Rule};
use crate::syntax::error::{ParseError, ParseErrorKind, Position};
use crate::syntax::types::{Command, CommandBody, Tag};
use pest::iterators::Pair;
use pest::Parser;

/// Bounds and switches for parsing one command (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLimits {
    /// How deeply SEARCH keys may nest: each `NOT`, `OR` and parenthesized group around a
    /// key is one level. A deeper command gets `BAD SEARCH nesting too deep (limit N)`.
    pub max_search_depth: usize,
    /// Accept 8-bit (UTF-8) characters in quoted strings (RFC 6855 §3). With `false`, they
    /// must come in literals, as RFC 3501 requires before `ENABLE UTF8=ACCEPT`.
    pub utf8_quoted: bool,
}

impl ParseLimits {
    /// The default SEARCH depth: deep enough for long `OR` chains (`OR a OR b OR c …` nests
    /// one level per `OR`), shallow enough to stay far from the stack's end even in a debug
    /// build on a 2 MiB thread, where pest needs about 3 KiB per level and its own guard
    /// stops it near 700 levels.
    pub const DEFAULT_SEARCH_DEPTH: usize = 256;
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_search_depth: Self::DEFAULT_SEARCH_DEPTH,
            utf8_quoted: true,
        }
    }
}

/// Parses one command with the default [`ParseLimits`].
///
/// `text` is the command as the framing layer assembled it (literal headers followed by CRLF
/// and U+0001, no final CRLF); `literals` are the literals' octets in order, moved into the
/// resulting [`Command`].
pub fn parse_command(text: &str, literals: Vec<Vec<u8>>) -> Result<Command, ParseError> {
    parse_command_with(text, literals, &ParseLimits::default())
}

/// Parses one command with explicit [`ParseLimits`]; see [`parse_command`].
pub fn parse_command_with(
    text: &str,
    literals: Vec<Vec<u8>>,
    limits: &ParseLimits,
) -> Result<Command, ParseError> {
    check_depth(text, limits)?;
    // The common commands in their plain forms, without pest (see `fast`): it gives the
    // same `Command` pest would, or `None`. It never reads literals.
    if literals.is_empty() {
        if let Some(cmd) = fast::parse(text, limits) {
            return Ok(cmd);
        }
    }
    parse_with_pest(text, literals, limits)
}

/// Refuses a SEARCH nested deeper than the limit, before pest (or the fast path) recurses.
fn check_depth(text: &str, limits: &ParseLimits) -> Result<(), ParseError> {
    match depth::exceeds(text, limits.max_search_depth) {
        Some(offset) => Err(ParseError::new(
            parse_tag_only(text),
            Some(position(text, offset)),
            ParseErrorKind::TooDeep {
                limit: limits.max_search_depth,
            },
        )),
        None => Ok(()),
    }
}

/// The pest path of [`parse_command_with`], after the depth check: every command, and every
/// error text.
fn parse_with_pest(
    text: &str,
    literals: Vec<Vec<u8>>,
    limits: &ParseLimits,
) -> Result<Command, ParseError> {
    let mut pairs = match ImapParser::parse(Rule::command, text) {
        Ok(pairs) => pairs,
        Err(e) => return Err(diagnose::diagnose(text, &e)),
    };
    let mut ctx = Ctx::new(text, literals, limits);
    let result = match pairs.next() {
        Some(pair) => ctx
            .check_literals()
            .and_then(|()| parse_command_pair(&mut ctx, pair)),
        None => Err(Fail::new(0, ParseErrorKind::Internal)),
    };
    result
        .map_err(|f| ParseError::new(parse_tag_only(text), Some(position(text, f.offset)), f.kind))
}

/// Reads just the tag at the start of a line, if it is a valid `tag` (RFC 3501 §9).
///
/// For a line that failed to parse, this decides between `tag BAD` and `* BAD`.
pub fn parse_tag_only(text: &str) -> Option<Tag> {
    let end = text.find(' ').unwrap_or(text.len());
    Tag::new(&text[..end]).ok()
}

/// True if `text` (one line without CRLF) is `DONE`, which ends IDLE (RFC 2177 §4);
/// case-insensitive, nothing else on the line.
pub fn parse_done(text: &str) -> bool {
    ImapParser::parse(Rule::idle_done, text).is_ok()
}

/// The byte offset of each literal's placeholder in `text`, in order.
fn literal_markers(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut markers = Vec::new();
    let mut i = 0;
    while let Some(found) = bytes[i..].iter().position(|&b| b == 0x01) {
        let at = i + found;
        if at >= 2 && &bytes[at - 2..at] == b"\r\n" {
            markers.push(at);
        }
        i = at + 1;
    }
    markers
}

/// The line and column of a byte offset (see [`Position`]).
pub(crate) fn position(text: &str, offset: usize) -> Position {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let mut line = 1u32;
    let mut line_start = 0usize;
    if before.contains(&0x01) {
        for marker in literal_markers(text) {
            if marker < offset {
                line += 1;
                line_start = marker + 1;
            }
        }
    }
    Position {
        line,
        column: u32::try_from(offset - line_start + 1).unwrap_or(u32::MAX),
    }
}

/// A failure found while building the AST: where (a byte offset in the text) and what.
#[derive(Debug)]
pub(crate) struct Fail {
    offset: usize,
    kind: ParseErrorKind,
}

impl Fail {
    fn new(offset: usize, kind: ParseErrorKind) -> Self {
        Fail { offset, kind }
    }

    /// A failure at the start of `pair`.
    fn at(pair: &Pair<'_, Rule>, kind: ParseErrorKind) -> Self {
        Fail::new(pair.as_span().start(), kind)
    }

    /// The grammar and this module disagree: an imapd bug, reported rather than panicking.
    fn internal(pair: &Pair<'_, Rule>) -> Self {
        Fail::at(pair, ParseErrorKind::Internal)
    }
}

/// What the builders return.
type R<T> = Result<T, Fail>;

/// State shared by the builders: the literals still to be claimed, and the limits.
pub(crate) struct Ctx<'a> {
    text: &'a str,
    literals: Vec<Option<Vec<u8>>>,
    markers: Vec<usize>,
    limits: &'a ParseLimits,
}

impl<'a> Ctx<'a> {
    fn new(text: &'a str, literals: Vec<Vec<u8>>, limits: &'a ParseLimits) -> Self {
        let markers = if literals.is_empty() && !text.contains('\u{1}') {
            Vec::new()
        } else {
            literal_markers(text)
        };
        Ctx {
            text,
            literals: literals.into_iter().map(Some).collect(),
            markers,
            limits,
        }
    }

    /// The framing layer must have handed exactly one octet string per placeholder.
    fn check_literals(&self) -> R<()> {
        if self.markers.len() == self.literals.len() {
            Ok(())
        } else {
            // Point at the first literal's header, or at the end if there is none.
            let at = match self.markers.first() {
                Some(&m) => self.text[..m].rfind('{').unwrap_or(m),
                None => self.text.len(),
            };
            Err(Fail::new(at, ParseErrorKind::LiteralMismatch))
        }
    }

    /// Claims the octets of the literal whose placeholder is at byte `offset`.
    fn take_literal(&mut self, offset: usize) -> Option<Vec<u8>> {
        let index = self.markers.binary_search(&offset).ok()?;
        self.literals.get_mut(index)?.take()
    }
}

/// The children of `pair` without the `SP` separators.
fn args<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| p.as_rule() != Rule::SP)
}

/// Looks `word` up case-insensitively in `table` (keywords are case-insensitive, RFC 5234
/// §2.3).
fn keyword<T: Clone>(word: &str, table: &[(&str, T)]) -> Option<T> {
    table
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map(|(_, v)| v.clone())
}

/// The next child, or an internal error pointing at `parent` if the grammar gave none.
fn next<'i>(
    it: &mut impl Iterator<Item = Pair<'i, Rule>>,
    parent: &Pair<'i, Rule>,
) -> R<Pair<'i, Rule>> {
    it.next().ok_or_else(|| Fail::internal(parent))
}

/// `command = tag SP (command-any / command-auth / command-nonauth / command-select)`.
fn parse_command_pair(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Command> {
    let outer = pair.clone();
    let mut it = args(pair);
    let tag_pair = next(&mut it, &outer)?;
    let tag = Tag::new(tag_pair.as_str())
        .map_err(|_| Fail::at(&tag_pair, ParseErrorKind::InvalidTag { found: None }))?;
    let body = parse_command_body(ctx, next(&mut it, &outer)?)?;
    Ok(Command { tag, body })
}

/// Dispatches on the command rule (`command_body`, RFC 3501 §9 and extensions).
fn parse_command_body(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    Ok(match pair.as_rule() {
        Rule::capability => CommandBody::Capability,
        Rule::noop => CommandBody::Noop,
        Rule::logout => CommandBody::Logout,
        Rule::starttls => CommandBody::StartTls,
        Rule::idle => CommandBody::Idle,
        Rule::namespace => CommandBody::Namespace,
        Rule::check => CommandBody::Check,
        Rule::close => CommandBody::Close,
        Rule::unselect => CommandBody::Unselect,
        Rule::expunge => CommandBody::Expunge,
        Rule::enable => any::parse_enable(ctx, pair)?,
        Rule::id => any::parse_id(ctx, pair)?,
        Rule::authenticate => auth::parse_authenticate(ctx, pair)?,
        Rule::login => auth::parse_login(ctx, pair)?,
        Rule::select => CommandBody::Select(mailbox::parse_mailbox_arg(ctx, pair)?),
        Rule::examine => CommandBody::Examine(mailbox::parse_mailbox_arg(ctx, pair)?),
        Rule::create => CommandBody::Create(mailbox::parse_mailbox_arg(ctx, pair)?),
        Rule::delete => CommandBody::Delete(mailbox::parse_mailbox_arg(ctx, pair)?),
        Rule::subscribe => CommandBody::Subscribe(mailbox::parse_mailbox_arg(ctx, pair)?),
        Rule::unsubscribe => CommandBody::Unsubscribe(mailbox::parse_mailbox_arg(ctx, pair)?),
        Rule::getquotaroot => CommandBody::GetQuotaRoot(mailbox::parse_mailbox_arg(ctx, pair)?),
        Rule::rename => mailbox::parse_rename(ctx, pair)?,
        Rule::status => mailbox::parse_status(ctx, pair)?,
        Rule::getquota => mailbox::parse_getquota(ctx, pair)?,
        Rule::setquota => mailbox::parse_setquota(ctx, pair)?,
        Rule::list => list::parse_list(ctx, pair)?,
        Rule::lsub => list::parse_lsub(ctx, pair)?,
        Rule::append => append::parse_append(ctx, pair)?,
        Rule::uid => {
            let outer = pair.clone();
            let inner = next(&mut args(pair), &outer)?;
            parse_uid_body(ctx, inner)?
        }
        _ => parse_selected_body(ctx, pair, false)?,
    })
}

/// `uid = "UID" SP (copy / fetch / search / store / move / uid-expunge / sort / thread)`
/// (RFC 3501 §9, RFC 4315, RFC 5256, RFC 6851).
fn parse_uid_body(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    if pair.as_rule() == Rule::uid_expunge {
        return store::parse_uid_expunge(ctx, pair);
    }
    parse_selected_body(ctx, pair, true)
}

/// The commands that exist with and without `UID` in front.
fn parse_selected_body(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, uid: bool) -> R<CommandBody> {
    match pair.as_rule() {
        Rule::fetch => fetch::parse_fetch(ctx, pair, uid),
        Rule::store => store::parse_store(ctx, pair, uid),
        Rule::copy => store::parse_copy(ctx, pair, uid),
        Rule::move_cmd => store::parse_move(ctx, pair, uid),
        Rule::search => search::parse_search(ctx, pair, uid),
        Rule::sort => search::parse_sort(ctx, pair, uid),
        Rule::thread => search::parse_thread(ctx, pair, uid),
        _ => Err(Fail::internal(&pair)),
    }
}
