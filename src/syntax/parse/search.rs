//! SEARCH (RFC 3501 §6.4.4, §9 `search-key`; RFC 4466 §3; RFC 4731 ESEARCH; RFC 5182
//! SEARCHRES; RFC 5032 WITHIN) and SORT / THREAD (RFC 5256 §5).

use super::core::{parse_atom, parse_date, parse_number, parse_nz_number, parse_string};
use super::grammar::Rule;
use super::sequence::parse_sequence_set;
use super::{args, keyword, next, Ctx, Fail, R};
use crate::syntax::error::ParseErrorKind;
use crate::syntax::types::{
    CommandBody, SearchKey, SearchReturn, SortCriterion, SortKey, ThreadAlgorithm,
};
use pest::iterators::Pair;

/// `search = "SEARCH" [search-return-opts] SP search-program` (RFC 4466 §3).
pub(super) fn parse_search(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, uid: bool) -> R<CommandBody> {
    let mut ret = None;
    let mut charset = None;
    let mut keys = Vec::new();
    for p in args(pair) {
        match p.as_rule() {
            Rule::search_return_opts => ret = Some(parse_search_return_opts(p)?),
            Rule::search_charset => {
                let outer = p.clone();
                charset = Some(parse_charset(ctx, next(&mut args(p), &outer)?)?);
            }
            Rule::search_key => keys.push(parse_search_key(ctx, p, 0)?),
            _ => return Err(Fail::internal(&p)),
        }
    }
    Ok(CommandBody::Search {
        uid,
        ret,
        charset,
        criteria: and_of(keys),
    })
}

/// The criteria of a search program: one key, or the implicit AND of several.
fn and_of(mut keys: Vec<SearchKey>) -> SearchKey {
    if keys.len() == 1 {
        keys.pop().unwrap_or(SearchKey::All)
    } else {
        SearchKey::And(keys)
    }
}

/// `search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"`.
fn parse_search_return_opts(pair: Pair<'_, Rule>) -> R<Vec<SearchReturn>> {
    let outer = pair.clone();
    let list = args(pair)
        .find(|p| p.as_rule() == Rule::search_return_list)
        .ok_or_else(|| Fail::internal(&outer))?;
    list.into_inner()
        .filter(|p| p.as_rule() == Rule::search_return_opt)
        .map(|p| parse_search_return_opt(&p))
        .collect()
}

/// `search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT"` (RFC 4731) `/ "SAVE"` (RFC 5182).
fn parse_search_return_opt(pair: &Pair<'_, Rule>) -> R<SearchReturn> {
    keyword(
        pair.as_str(),
        &[
            ("MIN", SearchReturn::Min),
            ("MAX", SearchReturn::Max),
            ("ALL", SearchReturn::All),
            ("COUNT", SearchReturn::Count),
            ("SAVE", SearchReturn::Save),
        ],
    )
    .ok_or_else(|| Fail::internal(pair))
}

/// A CHARSET name (`astring` in RFC 3501 SEARCH, `atom / quoted` in RFC 5256): text.
fn parse_charset(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<String> {
    let at = pair.as_span().start();
    String::from_utf8(parse_string(ctx, pair)?).map_err(|_| {
        Fail::new(
            at,
            ParseErrorKind::NotText {
                what: "A CHARSET name",
            },
        )
    })
}

/// `search-key` (RFC 3501 §9, RFC 5032 §3). `depth` is how many `NOT`, `OR` and
/// parenthesized groups enclose this key; the limit was checked before pest ran (see
/// [`super::depth`]) and is checked again here, so the AST never outgrows it. Only the three
/// nesting keys recurse, and they do it in this small function, so that a deep key costs
/// little stack even in a debug build; the other keys are built by [`parse_search_leaf`].
fn parse_search_key(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, depth: usize) -> R<SearchKey> {
    let outer = pair.clone();
    let inner = next(&mut pair.into_inner(), &outer)?;
    let rule = inner.as_rule();
    if !matches!(
        rule,
        Rule::search_not | Rule::search_or | Rule::search_group
    ) {
        return parse_search_leaf(ctx, inner);
    }
    let limit = ctx.limits.max_search_depth;
    if depth >= limit {
        return Err(Fail::at(&outer, ParseErrorKind::TooDeep { limit }));
    }
    let mut keys = Vec::new();
    for p in inner.clone().into_inner() {
        if p.as_rule() == Rule::search_key {
            keys.push(parse_search_key(ctx, p, depth + 1)?);
        }
    }
    Ok(match (rule, keys.len()) {
        (Rule::search_not, 1) => SearchKey::Not(Box::new(keys.remove(0))),
        (Rule::search_or, 2) => {
            let b = keys.remove(1);
            SearchKey::Or(Box::new(keys.remove(0)), Box::new(b))
        }
        (Rule::search_group, _) => SearchKey::And(keys),
        _ => return Err(Fail::internal(&inner)),
    })
}

/// The search keys that do not nest.
#[inline(never)]
fn parse_search_leaf(ctx: &mut Ctx<'_>, inner: Pair<'_, Rule>) -> R<SearchKey> {
    Ok(match inner.as_rule() {
        Rule::search_key_flag => parse_search_key_flag(&inner)?,
        Rule::sequence_set => SearchKey::SequenceSet(parse_sequence_set(inner)?),
        Rule::search_key_string => {
            let mut it = args(inner.clone());
            let name = next(&mut it, &inner)?;
            let value = parse_string(ctx, next(&mut it, &inner)?)?;
            let is = |k: &str| name.as_str().eq_ignore_ascii_case(k);
            if is("FROM") {
                SearchKey::From(value)
            } else if is("SUBJECT") {
                SearchKey::Subject(value)
            } else if is("TO") {
                SearchKey::To(value)
            } else if is("CC") {
                SearchKey::Cc(value)
            } else if is("BCC") {
                SearchKey::Bcc(value)
            } else if is("BODY") {
                SearchKey::Body(value)
            } else if is("TEXT") {
                SearchKey::Text(value)
            } else {
                return Err(Fail::internal(&name));
            }
        }
        Rule::search_key_date => {
            let mut it = args(inner.clone());
            let name = next(&mut it, &inner)?;
            let date = parse_date(next(&mut it, &inner)?)?;
            let is = |k: &str| name.as_str().eq_ignore_ascii_case(k);
            if is("SINCE") {
                SearchKey::Since(date)
            } else if is("BEFORE") {
                SearchKey::Before(date)
            } else if is("ON") {
                SearchKey::On(date)
            } else if is("SENTSINCE") {
                SearchKey::SentSince(date)
            } else if is("SENTBEFORE") {
                SearchKey::SentBefore(date)
            } else if is("SENTON") {
                SearchKey::SentOn(date)
            } else {
                return Err(Fail::internal(&name));
            }
        }
        Rule::search_key_header => {
            let mut it = args(inner.clone());
            let field = parse_string(ctx, next(&mut it, &inner)?)?;
            let value = parse_string(ctx, next(&mut it, &inner)?)?;
            SearchKey::Header(field, value)
        }
        Rule::search_key_keyword => {
            let mut it = args(inner.clone());
            let name = next(&mut it, &inner)?;
            let flag = parse_atom(&next(&mut it, &inner)?)?;
            if name.as_str().eq_ignore_ascii_case("KEYWORD") {
                SearchKey::Keyword(flag)
            } else {
                SearchKey::Unkeyword(flag)
            }
        }
        Rule::search_key_size => {
            let mut it = args(inner.clone());
            let name = next(&mut it, &inner)?;
            let n = parse_number(&next(&mut it, &inner)?)?;
            if name.as_str().eq_ignore_ascii_case("LARGER") {
                SearchKey::Larger(n)
            } else {
                SearchKey::Smaller(n)
            }
        }
        Rule::search_key_within => {
            let mut it = args(inner.clone());
            let name = next(&mut it, &inner)?;
            let n = parse_nz_number(&next(&mut it, &inner)?)?.get();
            if name.as_str().eq_ignore_ascii_case("OLDER") {
                SearchKey::Older(n)
            } else {
                SearchKey::Younger(n)
            }
        }
        Rule::search_key_uid => {
            let set = next(&mut args(inner.clone()), &inner)?;
            SearchKey::Uid(parse_sequence_set(set)?)
        }
        _ => return Err(Fail::internal(&inner)),
    })
}

/// The argument-less search keys.
fn parse_search_key_flag(pair: &Pair<'_, Rule>) -> R<SearchKey> {
    keyword(
        pair.as_str(),
        &[
            ("ALL", SearchKey::All),
            ("UNSEEN", SearchKey::Unseen),
            ("SEEN", SearchKey::Seen),
            ("DELETED", SearchKey::Deleted),
            ("UNDELETED", SearchKey::Undeleted),
            ("FLAGGED", SearchKey::Flagged),
            ("UNFLAGGED", SearchKey::Unflagged),
            ("ANSWERED", SearchKey::Answered),
            ("UNANSWERED", SearchKey::Unanswered),
            ("DRAFT", SearchKey::Draft),
            ("UNDRAFT", SearchKey::Undraft),
            ("NEW", SearchKey::New),
            ("OLD", SearchKey::Old),
            ("RECENT", SearchKey::Recent),
        ],
    )
    .ok_or_else(|| Fail::internal(pair))
}

/// `sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria` (RFC 5256 §5).
pub(super) fn parse_sort(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, uid: bool) -> R<CommandBody> {
    let mut criteria = Vec::new();
    let mut charset = String::new();
    let mut keys = Vec::new();
    for p in args(pair) {
        match p.as_rule() {
            Rule::sort_criteria => {
                for c in p.into_inner() {
                    if c.as_rule() == Rule::sort_criterion {
                        criteria.push(parse_sort_criterion(&c)?);
                    }
                }
            }
            Rule::charset => charset = parse_charset(ctx, p)?,
            Rule::search_key => keys.push(parse_search_key(ctx, p, 0)?),
            _ => return Err(Fail::internal(&p)),
        }
    }
    Ok(CommandBody::Sort {
        uid,
        criteria,
        charset,
        search: and_of(keys),
    })
}

/// `sort-criterion = ["REVERSE" SP] sort-key` (RFC 5256 §5).
fn parse_sort_criterion(pair: &Pair<'_, Rule>) -> R<SortCriterion> {
    let s = pair.as_str();
    let (reverse, key) = match s.split_once(' ') {
        Some((_, key)) => (true, key),
        None => (false, s),
    };
    let key = keyword(
        key,
        &[
            ("ARRIVAL", SortKey::Arrival),
            ("CC", SortKey::Cc),
            ("DATE", SortKey::Date),
            ("FROM", SortKey::From),
            ("SIZE", SortKey::Size),
            ("SUBJECT", SortKey::Subject),
            ("TO", SortKey::To),
        ],
    )
    .ok_or_else(|| Fail::internal(pair))?;
    Ok(SortCriterion { reverse, key })
}

/// `thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria` (RFC 5256 §5).
pub(super) fn parse_thread(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, uid: bool) -> R<CommandBody> {
    let mut algorithm = ThreadAlgorithm::References;
    let mut charset = String::new();
    let mut keys = Vec::new();
    for p in args(pair) {
        match p.as_rule() {
            Rule::thread_alg => algorithm = parse_thread_alg(&p)?,
            Rule::charset => charset = parse_charset(ctx, p)?,
            Rule::search_key => keys.push(parse_search_key(ctx, p, 0)?),
            _ => return Err(Fail::internal(&p)),
        }
    }
    Ok(CommandBody::Thread {
        uid,
        algorithm,
        charset,
        search: and_of(keys),
    })
}

/// `thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext` (RFC 5256 §5).
fn parse_thread_alg(pair: &Pair<'_, Rule>) -> R<ThreadAlgorithm> {
    let s = pair.as_str();
    Ok(if s.eq_ignore_ascii_case("ORDEREDSUBJECT") {
        ThreadAlgorithm::OrderedSubject
    } else if s.eq_ignore_ascii_case("REFERENCES") {
        ThreadAlgorithm::References
    } else {
        ThreadAlgorithm::Other(parse_atom(pair)?)
    })
}
