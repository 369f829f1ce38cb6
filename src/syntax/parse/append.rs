//! APPEND (RFC 3501 §6.3.11), with MULTIAPPEND (RFC 3502) and `literal8` (RFC 3516 §4.4).

use super::core::{parse_date_time, parse_flag_list, parse_literal, parse_literal8, parse_mailbox};
use super::grammar::Rule;
use super::{args, next, Ctx, Fail, R};
use crate::syntax::types::{AppendMessage, CommandBody};
use pest::iterators::Pair;

/// `append = "APPEND" SP mailbox 1*append-message` (RFC 4466 §3).
pub(super) fn parse_append(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let mailbox = parse_mailbox(ctx, next(&mut it, &outer)?)?;
    let mut messages = Vec::with_capacity(1);
    for p in it {
        messages.push(parse_append_message(ctx, p)?);
    }
    Ok(CommandBody::Append { mailbox, messages })
}

/// `append-message = [SP flag-list] [SP date-time] SP (literal / literal8)`.
fn parse_append_message(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<AppendMessage> {
    let outer = pair.clone();
    let mut flags = Vec::new();
    let mut date = None;
    let mut data = None;
    for p in args(pair) {
        match p.as_rule() {
            Rule::flag_list => flags = parse_flag_list(p)?,
            Rule::date_time => date = Some(parse_date_time(&p)?),
            Rule::literal => data = Some((parse_literal(ctx, p)?, false)),
            Rule::literal8 => data = Some((parse_literal8(ctx, p)?, true)),
            _ => return Err(Fail::internal(&p)),
        }
    }
    let (data, binary) = data.ok_or_else(|| Fail::internal(&outer))?;
    Ok(AppendMessage {
        flags,
        date,
        data,
        binary,
    })
}
