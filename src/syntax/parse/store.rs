//! Commands on message sets: STORE (RFC 3501 §6.4.6), COPY (§6.4.7), MOVE (RFC 6851) and
//! UID EXPUNGE (RFC 4315 §2.1).

use super::core::{parse_flag, parse_flag_list, parse_mailbox};
use super::grammar::Rule;
use super::sequence::parse_sequence_set;
use super::{args, next, Ctx, Fail, R};
use crate::syntax::types::{CommandBody, StoreMode};
use pest::iterators::Pair;

/// `store = "STORE" SP sequence-set SP store-att-flags`, `store-att-flags = (["+" / "-"]
/// "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))`.
pub(super) fn parse_store(_ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, uid: bool) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let set = parse_sequence_set(next(&mut it, &outer)?)?;
    let att = next(&mut it, &outer)?;
    let mut flags = Vec::new();
    let mut item = None;
    for p in args(att.clone()) {
        match p.as_rule() {
            Rule::store_item => item = Some(p),
            Rule::flag_list => flags = parse_flag_list(p)?,
            Rule::flag => flags.push(parse_flag(&p)?),
            _ => return Err(Fail::internal(&p)),
        }
    }
    let item = item.ok_or_else(|| Fail::internal(&att))?;
    let (mode, silent) = parse_store_item(&item);
    Ok(CommandBody::Store {
        uid,
        set,
        mode,
        silent,
        flags,
    })
}

/// `["+" / "-"] "FLAGS" [".SILENT"]`.
fn parse_store_item(pair: &Pair<'_, Rule>) -> (StoreMode, bool) {
    let s = pair.as_str();
    let mode = match s.as_bytes().first() {
        Some(b'+') => StoreMode::Add,
        Some(b'-') => StoreMode::Remove,
        _ => StoreMode::Replace,
    };
    let silent = s.len() > 7 && s[s.len() - 7..].eq_ignore_ascii_case(".SILENT");
    (mode, silent)
}

/// `copy = "COPY" SP sequence-set SP mailbox` (RFC 3501 §9).
pub(super) fn parse_copy(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, uid: bool) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let set = parse_sequence_set(next(&mut it, &outer)?)?;
    let mailbox = parse_mailbox(ctx, next(&mut it, &outer)?)?;
    Ok(CommandBody::Copy { uid, set, mailbox })
}

/// `move = "MOVE" SP sequence-set SP mailbox` (RFC 6851 §5).
pub(super) fn parse_move(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, uid: bool) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let set = parse_sequence_set(next(&mut it, &outer)?)?;
    let mailbox = parse_mailbox(ctx, next(&mut it, &outer)?)?;
    Ok(CommandBody::Move { uid, set, mailbox })
}

/// `uid-expunge = "UID" SP "EXPUNGE" SP sequence-set` (RFC 4315 §4).
pub(super) fn parse_uid_expunge(_ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let set = parse_sequence_set(next(&mut args(pair), &outer)?)?;
    Ok(CommandBody::UidExpunge(set))
}
