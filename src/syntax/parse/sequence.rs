//! Sequence sets (RFC 3501 §9 `sequence-set`, RFC 5182 §3 `seq-last-command`).

use super::core::parse_number;
use super::grammar::Rule;
use super::{Fail, R};
use crate::syntax::error::ParseErrorKind;
use crate::syntax::types::{SeqNo, SeqRange, SequenceSet};
use pest::iterators::Pair;
use std::num::NonZeroU32;

/// `sequence-set = (seq-number / seq-range) *("," sequence-set)` / `"$"`.
pub(super) fn parse_sequence_set(pair: Pair<'_, Rule>) -> R<SequenceSet> {
    let mut ranges = Vec::new();
    for item in pair.into_inner() {
        match item.as_rule() {
            Rule::seq_last_command => return Ok(SequenceSet::Saved),
            Rule::seq_range => ranges.push(parse_seq_range(item)?),
            _ => return Err(Fail::internal(&item)),
        }
    }
    Ok(SequenceSet::Ranges(ranges))
}

/// `seq-range = seq-number ":" seq-number`, or a lone `seq-number` (both ends equal).
fn parse_seq_range(pair: Pair<'_, Rule>) -> R<SeqRange> {
    let outer = pair.clone();
    let mut it = pair.into_inner();
    let start = parse_seq_number(&super::next(&mut it, &outer)?)?;
    let end = match it.next() {
        Some(p) => parse_seq_number(&p)?,
        None => start,
    };
    Ok(SeqRange { start, end })
}

/// `seq-number = nz-number / "*"`.
fn parse_seq_number(pair: &Pair<'_, Rule>) -> R<SeqNo> {
    if pair.as_str() == "*" {
        return Ok(SeqNo::Largest);
    }
    let n = parse_number(pair)?;
    NonZeroU32::new(n).map(SeqNo::Value).ok_or_else(|| {
        Fail::at(
            pair,
            ParseErrorKind::Zero {
                what: "Message number",
            },
        )
    })
}
