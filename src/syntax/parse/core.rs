//! Builders for the shared tokens: strings, numbers, dates, flags and mailbox names
//! (RFC 3501 §9).

use super::grammar::Rule;
use super::{Ctx, Fail, R};
use crate::syntax::error::ParseErrorKind;
use crate::syntax::types::{Atom, Date, DateTime, Flag, Mailbox, MONTHS};
use pest::iterators::Pair;
use std::num::NonZeroU32;

/// Digits shown in a "too large" message at most.
const MAX_SHOWN_DIGITS: usize = 24;

/// The bytes of any string-valued rule: `astring`, `mailbox`, `userid`, `password`,
/// `header_fld_name`, `list_mailbox`, `charset`, `nstring` (non-NIL) — whichever of
/// `atom` / `quoted` / `literal` it holds, or its own text when it has no inner pair (the
/// atom form, `ASTRING_CHARS` / `LIST_CHARS`, is silent) — or of a bare `quoted` or
/// `literal`.
pub(super) fn parse_string(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Vec<u8>> {
    match pair.as_rule() {
        Rule::atom => Ok(pair.as_str().as_bytes().to_vec()),
        Rule::quoted => parse_quoted(ctx, pair),
        Rule::literal => parse_literal(ctx, pair),
        Rule::literal8 => Err(Fail::at(&pair, ParseErrorKind::Literal8NotAllowed)),
        _ => {
            let text = pair.as_str();
            match pair.into_inner().next() {
                Some(inner) => parse_string(ctx, inner),
                None => Ok(text.as_bytes().to_vec()),
            }
        }
    }
}

/// `quoted = DQUOTE *QUOTED-CHAR DQUOTE` (RFC 3501 §9; RFC 6855 §3 for UTF-8): the
/// unescaped octets.
pub(super) fn parse_quoted(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Vec<u8>> {
    let outer = pair.clone();
    let inner = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::quoted_inner)
        .ok_or_else(|| Fail::internal(&outer))?;
    let raw = inner.as_str();
    if !ctx.limits.utf8_quoted && !raw.is_ascii() {
        let at = raw.bytes().position(|b| !b.is_ascii()).unwrap_or(0);
        return Err(Fail::new(
            inner.as_span().start() + at,
            ParseErrorKind::EightBitQuoted,
        ));
    }
    if !raw.contains('\\') {
        return Ok(raw.as_bytes().to_vec());
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut escaped = false;
    for &b in raw.as_bytes() {
        if b == b'\\' && !escaped {
            escaped = true;
        } else {
            out.push(b);
            escaped = false;
        }
    }
    Ok(out)
}

/// `literal = "{" number ["+"] "}" CRLF *CHAR8` (RFC 3501 §9, RFC 7888 §8): claims the
/// octets the framing layer cut out. `CHAR8` excludes NUL.
pub(super) fn parse_literal(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Vec<u8>> {
    let data = claim_literal(ctx, &pair)?;
    if data.contains(&0) {
        return Err(Fail::at(&pair, ParseErrorKind::NulInLiteral));
    }
    Ok(data)
}

/// `literal8 = "~{" number ["+"] "}" CRLF *OCTET` (RFC 3516 §7): any octets.
pub(super) fn parse_literal8(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Vec<u8>> {
    claim_literal(ctx, &pair)
}

/// Takes the literal whose placeholder ends `pair`, checking that its length is the one the
/// header announced.
fn claim_literal(ctx: &mut Ctx<'_>, pair: &Pair<'_, Rule>) -> R<Vec<u8>> {
    let span = pair.as_span();
    let placeholder = span.end().saturating_sub(1);
    let header = pair.as_str();
    let digits: String = header
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    let announced: Option<usize> = digits.parse().ok();
    let data = ctx
        .take_literal(placeholder)
        .ok_or_else(|| Fail::at(pair, ParseErrorKind::LiteralMismatch))?;
    if announced != Some(data.len()) {
        return Err(Fail::at(pair, ParseErrorKind::LiteralMismatch));
    }
    Ok(data)
}

/// `number = 1*DIGIT`, "unsigned 32-bit integer" (RFC 3501 §9).
pub(super) fn parse_number(pair: &Pair<'_, Rule>) -> R<u32> {
    let digits = pair.as_str();
    digits
        .parse::<u32>()
        .map_err(|_| too_large(pair, u64::from(u32::MAX)))
}

/// A `number` that may use 63 bits (RFC 9208 §7 `number64`, for quota limits).
pub(super) fn parse_number64(pair: &Pair<'_, Rule>) -> R<u64> {
    const MAX: u64 = i64::MAX as u64;
    match pair.as_str().parse::<u64>() {
        Ok(n) if n <= MAX => Ok(n),
        _ => Err(too_large(pair, MAX)),
    }
}

/// `nz-number = digit-nz *DIGIT` (RFC 3501 §9); the grammar has excluded zero already.
pub(super) fn parse_nz_number(pair: &Pair<'_, Rule>) -> R<NonZeroU32> {
    NonZeroU32::new(parse_number(pair)?)
        .ok_or_else(|| Fail::at(pair, ParseErrorKind::Zero { what: "Number" }))
}

fn too_large(pair: &Pair<'_, Rule>, max: u64) -> Fail {
    let digits = pair.as_str().trim_start_matches('0');
    let shown = if digits.len() > MAX_SHOWN_DIGITS {
        format!("{}...", &digits[..MAX_SHOWN_DIGITS])
    } else {
        digits.to_owned()
    };
    Fail::at(pair, ParseErrorKind::NumberTooLarge { number: shown, max })
}

/// An `atom` whose characters the grammar has checked.
pub(super) fn parse_atom(pair: &Pair<'_, Rule>) -> R<Atom> {
    Atom::new(pair.as_str()).map_err(|_| Fail::internal(pair))
}

/// `mailbox = "INBOX" / astring` (RFC 3501 §9); INBOX in any case is INBOX (§5.1).
pub(super) fn parse_mailbox(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Mailbox> {
    Ok(Mailbox::new(parse_string(ctx, pair)?))
}

/// The month number (1–12) of a `date-month` (RFC 3501 §9), case-insensitively.
fn month_number(name: &str) -> Option<u8> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .and_then(|i| u8::try_from(i + 1).ok())
}

fn digits_value(s: &str) -> Option<u16> {
    s.trim_start().parse().ok()
}

/// `date = date-text / DQUOTE date-text DQUOTE` (RFC 3501 §9), checked to exist.
pub(super) fn parse_date(pair: Pair<'_, Rule>) -> R<Date> {
    let outer = pair.clone();
    let text = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::date_text)
        .ok_or_else(|| Fail::internal(&outer))?;
    parse_date_text(&text)
}

/// `date-text = date-day "-" date-month "-" date-year` (RFC 3501 §9).
fn parse_date_text(pair: &Pair<'_, Rule>) -> R<Date> {
    let s = pair.as_str();
    let mut parts = s.splitn(3, '-');
    let (Some(d), Some(m), Some(y)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Fail::internal(pair));
    };
    build_date(d, m, y)
        .ok_or_else(|| Fail::at(pair, ParseErrorKind::InvalidDate { date: s.to_owned() }))
}

fn build_date(day: &str, month: &str, year: &str) -> Option<Date> {
    let day = u8::try_from(digits_value(day)?).ok()?;
    let month = month_number(month)?;
    let year = digits_value(year)?;
    Date::new(year, month, day).ok()
}

/// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`
/// (RFC 3501 §9), e.g. `"17-Jul-1996 02:44:25 -0700"`; fixed width, so read by position.
pub(super) fn parse_date_time(pair: &Pair<'_, Rule>) -> R<DateTime> {
    let s = pair.as_str();
    let inner = s.trim_matches('"');
    let field = |range: std::ops::Range<usize>| inner.get(range);
    let date = (|| build_date(field(0..2)?, field(3..6)?, field(7..11)?))().ok_or_else(|| {
        Fail::at(
            pair,
            ParseErrorKind::InvalidDate {
                date: field(0..11).unwrap_or(inner).trim_start().to_owned(),
            },
        )
    })?;
    let time = (|| {
        let num = |r: std::ops::Range<usize>| -> Option<u8> { field(r)?.parse().ok() };
        let (hour, minute, second) = (num(12..14)?, num(15..17)?, num(18..20)?);
        let sign: i16 = if field(21..22)? == "-" { -1 } else { 1 };
        let zh: i16 = field(22..24)?.parse().ok()?;
        let zm: i16 = field(24..26)?.parse().ok()?;
        if zm > 59 {
            return None;
        }
        DateTime::new(date, hour, minute, second, sign * (zh * 60 + zm)).ok()
    })();
    time.ok_or_else(|| {
        Fail::at(
            pair,
            ParseErrorKind::InvalidTime {
                date_time: inner.to_owned(),
            },
        )
    })
}

/// `flag` (RFC 3501 §9). `\Recent` "does not" belong to `flag` (§9) and "cannot be altered
/// by the client" (§2.3.2): refused here, where clients store or append flags.
pub(super) fn parse_flag(pair: &Pair<'_, Rule>) -> R<Flag> {
    match Flag::from_wire(pair.as_str()) {
        Ok(Flag::Recent) => Err(Fail::at(pair, ParseErrorKind::RecentFlag)),
        Ok(flag) => Ok(flag),
        Err(_) => Err(Fail::internal(pair)),
    }
}

/// `flag-list = "(" [flag *(SP flag)] ")"` (RFC 3501 §9).
pub(super) fn parse_flag_list(pair: Pair<'_, Rule>) -> R<Vec<Flag>> {
    pair.into_inner()
        .filter(|p| p.as_rule() == Rule::flag)
        .map(|p| parse_flag(&p))
        .collect()
}
