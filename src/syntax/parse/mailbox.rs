//! Commands on one mailbox: SELECT, EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
//! UNSUBSCRIBE, STATUS (RFC 3501 §6.3), and the QUOTA commands (RFC 2087 §4).

use super::core::{parse_atom, parse_mailbox, parse_number64, parse_string};
use super::grammar::Rule;
use super::{args, keyword, next, Ctx, Fail, R};
use crate::syntax::types::{CommandBody, Mailbox, StatusAtt};
use pest::iterators::Pair;

/// The one `mailbox` argument of SELECT, EXAMINE, CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE
/// (RFC 3501 §9) and GETQUOTAROOT (RFC 2087 §7).
pub(super) fn parse_mailbox_arg(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Mailbox> {
    let outer = pair.clone();
    parse_mailbox(ctx, next(&mut args(pair), &outer)?)
}

/// `rename = "RENAME" SP mailbox SP mailbox` (RFC 3501 §9).
pub(super) fn parse_rename(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let from = parse_mailbox(ctx, next(&mut it, &outer)?)?;
    let to = parse_mailbox(ctx, next(&mut it, &outer)?)?;
    Ok(CommandBody::Rename { from, to })
}

/// `status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"` (RFC 3501 §9).
pub(super) fn parse_status(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let mailbox = parse_mailbox(ctx, next(&mut it, &outer)?)?;
    let items = parse_status_att_list(next(&mut it, &outer)?)?;
    Ok(CommandBody::Status { mailbox, items })
}

/// `"(" status-att *(SP status-att) ")"` (RFC 3501 §9, RFC 5819 §4).
pub(super) fn parse_status_att_list(pair: Pair<'_, Rule>) -> R<Vec<StatusAtt>> {
    pair.into_inner()
        .filter(|p| p.as_rule() == Rule::status_att)
        .map(|p| parse_status_att(&p))
        .collect()
}

/// `status-att` (RFC 3501 §9, RFC 8438 §4).
fn parse_status_att(pair: &Pair<'_, Rule>) -> R<StatusAtt> {
    keyword(
        pair.as_str(),
        &[
            ("MESSAGES", StatusAtt::Messages),
            ("RECENT", StatusAtt::Recent),
            ("UIDNEXT", StatusAtt::UidNext),
            ("UIDVALIDITY", StatusAtt::UidValidity),
            ("UNSEEN", StatusAtt::Unseen),
            ("SIZE", StatusAtt::Size),
        ],
    )
    .ok_or_else(|| Fail::internal(pair))
}

/// `getquota ::= "GETQUOTA" SP astring` (RFC 2087 §7).
pub(super) fn parse_getquota(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    Ok(CommandBody::GetQuota(parse_string(
        ctx,
        next(&mut args(pair), &outer)?,
    )?))
}

/// `setquota ::= "SETQUOTA" SP astring SP setquota_list` (RFC 2087 §7).
pub(super) fn parse_setquota(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let root = parse_string(ctx, next(&mut it, &outer)?)?;
    let list = next(&mut it, &outer)?;
    let mut limits = Vec::new();
    for resource in list.into_inner() {
        if resource.as_rule() != Rule::setquota_resource {
            continue;
        }
        let outer = resource.clone();
        let mut r = args(resource);
        let name = parse_atom(&next(&mut r, &outer)?)?;
        let limit = parse_number64(&next(&mut r, &outer)?)?;
        limits.push((name, limit));
    }
    Ok(CommandBody::SetQuota { root, limits })
}
