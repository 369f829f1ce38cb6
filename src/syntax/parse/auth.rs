//! LOGIN (RFC 3501 §6.2.3), AUTHENTICATE with its SASL-IR initial response (RFC 3501 §6.2.2,
//! RFC 4959) and the client's AUTHENTICATE continuation lines.

use super::core::parse_string;
use super::grammar::{ImapParser, Rule};
use super::{args, next, Ctx, Fail, R};
use crate::syntax::error::{ParseError, ParseErrorKind};
use crate::syntax::types::{Atom, CommandBody, Secret};
use pest::iterators::Pair;
use pest::Parser;

/// One line a client sends during an AUTHENTICATE exchange (RFC 3501 §6.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthenticateLine {
    /// A SASL response, base64-decoded (possibly empty).
    Response(Secret<Vec<u8>>),
    /// `*`: the client cancels the exchange; the server answers `BAD`.
    Cancel,
}

/// Parses one AUTHENTICATE continuation line (without CRLF): `base64` or `*`
/// (RFC 3501 §9 `authenticate`, §6.2.2).
pub fn parse_authenticate_line(text: &str) -> Result<AuthenticateLine, ParseError> {
    let invalid = |offset: usize| {
        ParseError::new(
            None,
            Some(super::position(text, offset)),
            ParseErrorKind::InvalidBase64 { after: None },
        )
    };
    let pairs = ImapParser::parse(Rule::auth_continuation, text).map_err(|e| {
        invalid(match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((p, _)) => p,
        })
    })?;
    for pair in pairs.flatten() {
        match pair.as_rule() {
            Rule::auth_cancel => return Ok(AuthenticateLine::Cancel),
            Rule::base64 => {
                return decode_base64(pair.as_str())
                    .map(|d| AuthenticateLine::Response(Secret::new(d)))
                    .ok_or_else(|| invalid(0))
            }
            _ => {}
        }
    }
    Err(invalid(0))
}

/// Decodes base64 that the grammar has checked (`base64`, RFC 3501 §9; RFC 4648 §4).
pub(super) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for &c in chunk {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
            n = (n << 6) | u32::from(v);
        }
        let [_, a, b, c] = n.to_be_bytes();
        out.push(a);
        if pad < 2 {
            out.push(b);
        }
        if pad < 1 {
            out.push(c);
        }
        if pad > 2 {
            return None;
        }
    }
    Some(out)
}

/// `login = "LOGIN" SP userid SP password` (RFC 3501 §9).
pub(super) fn parse_login(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let username = parse_string(ctx, next(&mut it, &outer)?)?;
    let password = Secret::new(parse_string(ctx, next(&mut it, &outer)?)?);
    Ok(CommandBody::Login { username, password })
}

/// `authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]` (RFC 4959 §7).
pub(super) fn parse_authenticate(_ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let mech = next(&mut it, &outer)?;
    let mechanism = Atom::new(mech.as_str()).map_err(|_| Fail::internal(&mech))?;
    let initial_response = match it.next() {
        None => None,
        Some(ir) if ir.as_str() == "=" => Some(Secret::new(Vec::new())),
        Some(ir) => Some(Secret::new(decode_base64(ir.as_str()).ok_or_else(
            || {
                Fail::at(
                    &ir,
                    ParseErrorKind::InvalidBase64 {
                        after: Some("AUTHENTICATE mechanism name".to_owned()),
                    },
                )
            },
        )?)),
    };
    Ok(CommandBody::Authenticate {
        mechanism,
        initial_response,
    })
}
