//! LIST (RFC 3501 §6.3.8; RFC 5258 LIST-EXTENDED; RFC 5819 LIST-STATUS; RFC 6154
//! SPECIAL-USE) and LSUB (RFC 3501 §6.3.9).

use super::core::{parse_mailbox, parse_string};
use super::grammar::Rule;
use super::mailbox::parse_status_att_list;
use super::{args, keyword, next, Ctx, Fail, R};
use crate::syntax::error::ParseErrorKind;
use crate::syntax::types::{CommandBody, ListCommand, ListReturn, ListSelect, Mailbox};
use pest::iterators::Pair;

/// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`
/// (RFC 5258 §6).
pub(super) fn parse_list(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let mut selection = Vec::new();
    let mut reference = None;
    let mut patterns = Vec::with_capacity(1);
    let mut returns = Vec::new();
    let mut select_at = None;
    for p in args(pair.clone()) {
        match p.as_rule() {
            Rule::list_select_opts => {
                select_at = Some(p.as_span().start());
                for o in p.into_inner() {
                    if o.as_rule() == Rule::list_select_opt {
                        selection.push(parse_list_select_opt(&o)?);
                    }
                }
            }
            Rule::mailbox => reference = Some(parse_mailbox(ctx, p)?),
            Rule::list_mailbox => patterns.push(parse_string(ctx, p)?),
            Rule::patterns => {
                for m in p.into_inner() {
                    if m.as_rule() == Rule::list_mailbox {
                        patterns.push(parse_string(ctx, m)?);
                    }
                }
            }
            Rule::list_return_opts => returns = parse_list_return_opts(p)?,
            _ => return Err(Fail::internal(&p)),
        }
    }
    // RFC 5258 §3.1: "RECURSIVEMATCH ... MUST NOT occur as the only selection option (or
    // only with REMOTE)"; its ABNF requires a list-select-base-opt, i.e. SUBSCRIBED.
    if selection.contains(&ListSelect::RecursiveMatch)
        && !selection.contains(&ListSelect::Subscribed)
    {
        return Err(Fail::new(
            select_at.unwrap_or(0),
            ParseErrorKind::RecursiveMatchAlone,
        ));
    }
    let reference = reference.ok_or_else(|| Fail::internal(&pair))?;
    Ok(CommandBody::List(ListCommand {
        selection,
        reference,
        patterns,
        returns,
    }))
}

/// `list-select-opt` (RFC 5258 §6, RFC 6154 §6).
fn parse_list_select_opt(pair: &Pair<'_, Rule>) -> R<ListSelect> {
    keyword(
        pair.as_str(),
        &[
            ("SUBSCRIBED", ListSelect::Subscribed),
            ("REMOTE", ListSelect::Remote),
            ("RECURSIVEMATCH", ListSelect::RecursiveMatch),
            ("SPECIAL-USE", ListSelect::SpecialUse),
        ],
    )
    .ok_or_else(|| Fail::internal(pair))
}

/// `list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"`.
fn parse_list_return_opts(pair: Pair<'_, Rule>) -> R<Vec<ListReturn>> {
    let outer = pair.clone();
    let list = args(pair)
        .find(|p| p.as_rule() == Rule::list_return_list)
        .ok_or_else(|| Fail::internal(&outer))?;
    let mut out = Vec::new();
    for p in list.into_inner() {
        if p.as_rule() == Rule::return_option {
            out.push(parse_return_option(p)?);
        }
    }
    Ok(out)
}

/// `return-option = "SUBSCRIBED" / "CHILDREN" / status-option / "SPECIAL-USE"`.
fn parse_return_option(pair: Pair<'_, Rule>) -> R<ListReturn> {
    let outer = pair.clone();
    let inner = next(&mut pair.into_inner(), &outer)?;
    match inner.as_rule() {
        Rule::status_option => {
            let outer = inner.clone();
            let list = next(&mut args(inner), &outer)?;
            Ok(ListReturn::Status(parse_status_att_list(list)?))
        }
        Rule::return_keyword => keyword(
            inner.as_str(),
            &[
                ("SUBSCRIBED", ListReturn::Subscribed),
                ("CHILDREN", ListReturn::Children),
                ("SPECIAL-USE", ListReturn::SpecialUse),
            ],
        )
        .ok_or_else(|| Fail::internal(&inner)),
        _ => Err(Fail::internal(&inner)),
    }
}

/// `lsub = "LSUB" SP mailbox SP list-mailbox` (RFC 3501 §9).
pub(super) fn parse_lsub(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let reference: Mailbox = parse_mailbox(ctx, next(&mut it, &outer)?)?;
    let pattern = parse_string(ctx, next(&mut it, &outer)?)?;
    Ok(CommandBody::Lsub { reference, pattern })
}
