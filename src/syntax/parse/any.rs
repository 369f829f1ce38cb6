//! Extensions valid in any state: ENABLE (RFC 5161) and ID (RFC 2971).

use super::core::{parse_atom, parse_string};
use super::grammar::Rule;
use super::{args, next, Ctx, Fail, R};
use crate::syntax::types::CommandBody;
use pest::iterators::Pair;

/// `command-any =/ "ENABLE" 1*(SP capability)` (RFC 5161 §4).
pub(super) fn parse_enable(_ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let caps = args(pair).map(|p| parse_atom(&p)).collect::<R<Vec<_>>>()?;
    Ok(CommandBody::Enable(caps))
}

/// `id ::= "ID" SPACE id_params_list`, `id_params_list ::= "(" #(string SPACE nstring) ")" /
/// nil` (RFC 2971 §4).
pub(super) fn parse_id(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<CommandBody> {
    let outer = pair.clone();
    let params = next(&mut args(pair), &outer)?;
    let outer = params.clone();
    let inner = next(&mut params.into_inner(), &outer)?;
    if inner.as_rule() == Rule::nil {
        return Ok(CommandBody::Id(None));
    }
    let mut fields = Vec::new();
    for param in inner.into_inner() {
        if param.as_rule() != Rule::id_param {
            continue;
        }
        let outer = param.clone();
        let mut it = args(param);
        let name = parse_string(ctx, next(&mut it, &outer)?)?;
        let value = parse_nstring(ctx, next(&mut it, &outer)?)?;
        fields.push((name, value));
    }
    Ok(CommandBody::Id(Some(fields)))
}

/// `nstring = string / nil` (RFC 3501 §9).
fn parse_nstring(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Option<Vec<u8>>> {
    let outer = pair.clone();
    let inner = next(&mut pair.into_inner(), &outer)?;
    match inner.as_rule() {
        Rule::nil => Ok(None),
        Rule::quoted | Rule::literal => parse_string(ctx, inner).map(Some),
        _ => Err(Fail::internal(&inner)),
    }
}
