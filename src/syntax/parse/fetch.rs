//! FETCH (RFC 3501 §6.4.5, §9 `fetch`, `fetch-att`, `section`) and BINARY's items
//! (RFC 3516 §7).

use super::core::parse_string;
use super::grammar::Rule;
use super::sequence::parse_sequence_set;
use super::{args, keyword, next, Ctx, Fail, R};
use crate::syntax::error::ParseErrorKind;
use crate::syntax::types::{CommandBody, FetchAtt, FetchItems, Partial, Section, SectionText};
use pest::iterators::Pair;

/// `fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
/// "(" fetch-att *(SP fetch-att) ")")`.
pub(super) fn parse_fetch(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>, uid: bool) -> R<CommandBody> {
    let outer = pair.clone();
    let mut it = args(pair);
    let set = parse_sequence_set(next(&mut it, &outer)?)?;
    let items = parse_fetch_items(ctx, next(&mut it, &outer)?)?;
    Ok(CommandBody::Fetch { uid, set, items })
}

/// The macro, single attribute or attribute list of `fetch`.
fn parse_fetch_items(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<FetchItems> {
    match pair.as_rule() {
        Rule::fetch_macro => parse_fetch_macro(&pair),
        Rule::fetch_att => Ok(FetchItems::List(vec![parse_fetch_att(ctx, pair)?])),
        Rule::fetch_att_list => {
            let mut atts = Vec::with_capacity(8);
            for p in pair.into_inner() {
                if p.as_rule() == Rule::fetch_att {
                    atts.push(parse_fetch_att(ctx, p)?);
                }
            }
            Ok(FetchItems::List(atts))
        }
        _ => Err(Fail::internal(&pair)),
    }
}

/// `"ALL" / "FULL" / "FAST"` (RFC 3501 §6.4.5).
fn parse_fetch_macro(pair: &Pair<'_, Rule>) -> R<FetchItems> {
    keyword(
        pair.as_str(),
        &[
            ("ALL", FetchItems::All),
            ("FAST", FetchItems::Fast),
            ("FULL", FetchItems::Full),
        ],
    )
    .ok_or_else(|| Fail::internal(pair))
}

/// `fetch-att` (RFC 3501 §9, RFC 3516 §7).
fn parse_fetch_att(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<FetchAtt> {
    let outer = pair.clone();
    let inner = next(&mut pair.into_inner(), &outer)?;
    match inner.as_rule() {
        Rule::fetch_att_simple => parse_fetch_att_simple(&inner),
        Rule::fetch_body_section => parse_fetch_body_section(ctx, inner),
        Rule::fetch_binary => parse_fetch_binary(inner),
        Rule::fetch_binary_size => {
            let outer = inner.clone();
            let part = parse_section_binary(next(&mut inner.into_inner(), &outer)?)?;
            Ok(FetchAtt::BinarySize { part })
        }
        _ => Err(Fail::internal(&inner)),
    }
}

/// The argument-less `fetch-att`s.
fn parse_fetch_att_simple(pair: &Pair<'_, Rule>) -> R<FetchAtt> {
    keyword(
        pair.as_str(),
        &[
            ("UID", FetchAtt::Uid),
            ("FLAGS", FetchAtt::Flags),
            ("RFC822.SIZE", FetchAtt::Rfc822Size),
            ("INTERNALDATE", FetchAtt::InternalDate),
            ("ENVELOPE", FetchAtt::Envelope),
            ("BODYSTRUCTURE", FetchAtt::BodyStructure),
            ("BODY", FetchAtt::Body),
            ("RFC822.HEADER", FetchAtt::Rfc822Header),
            ("RFC822.TEXT", FetchAtt::Rfc822Text),
            ("RFC822", FetchAtt::Rfc822),
        ],
    )
    .ok_or_else(|| Fail::internal(pair))
}

/// `"BODY" section [partial] / "BODY.PEEK" section [partial]`.
fn parse_fetch_body_section(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<FetchAtt> {
    let mut peek = false;
    let mut section = Section::default();
    let mut partial = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::body_peek => peek = true,
            Rule::section => section = parse_section(ctx, p)?,
            Rule::partial => partial = Some(parse_partial(&p)?),
            _ => return Err(Fail::internal(&p)),
        }
    }
    Ok(FetchAtt::BodySection {
        peek,
        section,
        partial,
    })
}

/// `"BINARY" [".PEEK"] section-binary [partial]` (RFC 3516 §7).
fn parse_fetch_binary(pair: Pair<'_, Rule>) -> R<FetchAtt> {
    let mut peek = false;
    let mut part = Vec::new();
    let mut partial = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::binary_peek => peek = true,
            Rule::section_binary => part = parse_section_binary(p)?,
            Rule::partial => partial = Some(parse_partial(&p)?),
            _ => return Err(Fail::internal(&p)),
        }
    }
    Ok(FetchAtt::Binary {
        peek,
        part,
        partial,
    })
}

/// `section-binary = "[" [section-part] "]"` (RFC 3516 §7).
fn parse_section_binary(pair: Pair<'_, Rule>) -> R<Vec<u32>> {
    match pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::section_part)
    {
        Some(p) => parse_section_part(&p),
        None => Ok(Vec::new()),
    }
}

/// `section = "[" [section-spec] "]"`, `section-spec = section-msgtext / (section-part
/// ["." section-text])`.
fn parse_section(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Section> {
    let mut section = Section::default();
    let Some(spec) = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::section_spec)
    else {
        return Ok(section);
    };
    for p in spec.into_inner() {
        match p.as_rule() {
            Rule::section_part => section.part = parse_section_part(&p)?,
            Rule::section_msgtext => section.text = Some(parse_section_msgtext(ctx, p)?),
            Rule::section_text => {
                let outer = p.clone();
                let inner = next(&mut p.into_inner(), &outer)?;
                section.text = Some(match inner.as_rule() {
                    Rule::section_mime => SectionText::Mime,
                    _ => parse_section_msgtext(ctx, inner)?,
                });
            }
            _ => return Err(Fail::internal(&p)),
        }
    }
    Ok(section)
}

/// `section-part = nz-number *("." nz-number)`.
fn parse_section_part(pair: &Pair<'_, Rule>) -> R<Vec<u32>> {
    let mut parts = Vec::with_capacity(4);
    for n in pair.as_str().split('.') {
        match n.parse::<u32>() {
            Ok(v) => parts.push(v),
            Err(_) => {
                return Err(Fail::at(
                    pair,
                    ParseErrorKind::NumberTooLarge {
                        number: n.chars().take(24).collect(),
                        max: u64::from(u32::MAX),
                    },
                ))
            }
        }
    }
    Ok(parts)
}

/// `section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"`.
fn parse_section_msgtext(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<SectionText> {
    let outer = pair.clone();
    let inner = next(&mut pair.into_inner(), &outer)?;
    Ok(match inner.as_rule() {
        Rule::section_header => SectionText::Header,
        Rule::section_text_body => SectionText::Text,
        Rule::header_fields => SectionText::HeaderFields(parse_header_list(ctx, inner)?),
        Rule::header_fields_not => SectionText::HeaderFieldsNot(parse_header_list(ctx, inner)?),
        _ => return Err(Fail::internal(&inner)),
    })
}

/// `header-list = "(" header-fld-name *(SP header-fld-name) ")"`, found inside
/// `"HEADER.FIELDS" [".NOT"] SP header-list`.
fn parse_header_list(ctx: &mut Ctx<'_>, pair: Pair<'_, Rule>) -> R<Vec<Vec<u8>>> {
    let outer = pair.clone();
    let list = pair
        .into_inner()
        .find(|p| p.as_rule() == Rule::header_list)
        .ok_or_else(|| Fail::internal(&outer))?;
    let mut names = Vec::with_capacity(8);
    for p in list.into_inner() {
        if p.as_rule() == Rule::header_fld_name {
            names.push(parse_string(ctx, p)?);
        }
    }
    Ok(names)
}

/// `partial = "<" number "." nz-number ">"` (RFC 3516 §7, RFC 3501 §9).
fn parse_partial(pair: &Pair<'_, Rule>) -> R<Partial> {
    let s = pair.as_str();
    let inner = s.trim_start_matches('<').trim_end_matches('>');
    let (origin, count) = inner.split_once('.').ok_or_else(|| Fail::internal(pair))?;
    let number = |digits: &str| -> R<u32> {
        digits.parse::<u32>().map_err(|_| {
            Fail::at(
                pair,
                ParseErrorKind::NumberTooLarge {
                    number: digits.trim_start_matches('0').chars().take(24).collect(),
                    max: u64::from(u32::MAX),
                },
            )
        })
    };
    let origin = number(origin)?;
    let count = number(count)?;
    if count == 0 {
        return Err(Fail::at(
            pair,
            ParseErrorKind::Zero {
                what: "Partial count",
            },
        ));
    }
    Ok(Partial { origin, count })
}
