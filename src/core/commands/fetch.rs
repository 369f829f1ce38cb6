//! FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8; RFC 3516 BINARY).

use crate::syntax::types::{
    Code, Data, EncodedItem, FetchAtt, FetchItems, FetchValue, Flag, Rfc5530Code, SectionText,
    SequenceSet,
};

use crate::message::section::fields_key;

use super::super::flags::FlagSet;
use super::super::render;
use super::super::sequence;
use super::super::session::State;
use super::super::store::{message_date, message_size, FlagChange, MessageMeta, Reads, StoreError};
use super::{Ctx, Outcome};

/// True for attributes that set `\Seen` implicitly (§6.4.5: BODY[...] without .PEEK, RFC822,
/// RFC822.TEXT; RFC 3516 BINARY[...] without .PEEK).
fn sets_seen(att: &FetchAtt) -> bool {
    matches!(
        att,
        FetchAtt::Rfc822
            | FetchAtt::Rfc822Text
            | FetchAtt::BodySection { peek: false, .. }
            | FetchAtt::Binary { peek: false, .. }
    )
}

fn needs_content(att: &FetchAtt) -> bool {
    !matches!(
        att,
        FetchAtt::Flags | FetchAtt::Uid | FetchAtt::InternalDate | FetchAtt::Rfc822Size
    )
}

/// True for attributes answered from the top-level header alone ([`Store::header`]):
/// `RFC822.HEADER` and `BODY[HEADER]`, `BODY[HEADER.FIELDS (…)]`, `BODY[HEADER.FIELDS.NOT
/// (…)]` of the message itself.
///
/// [`Store::header`]: super::super::store::Store::header
fn header_only(att: &FetchAtt) -> bool {
    match att {
        FetchAtt::Rfc822Header => true,
        FetchAtt::BodySection { section, .. } => {
            section.part.is_empty()
                && matches!(
                    section.text,
                    Some(
                        SectionText::Header
                            | SectionText::HeaderFields(_)
                            | SectionText::HeaderFieldsNot(_)
                    )
                )
        }
        _ => false,
    }
}

/// When the one item that needs the content is `BODY[HEADER.FIELDS (…)]` of the message
/// itself, whole (what a client's list view fetches of every message): its place and
/// [`fields_key`], under which a store may keep the answer of each message.
fn picked_fields(atts: &[FetchAtt]) -> Option<(usize, Vec<u8>)> {
    let mut content = atts.iter().enumerate().filter(|(_, a)| needs_content(a));
    let (i, att) = content.next()?;
    if content.next().is_some() {
        return None;
    }
    match att {
        FetchAtt::BodySection {
            section,
            partial: None,
            ..
        } if section.part.is_empty() => match &section.text {
            Some(SectionText::HeaderFields(names)) => Some((i, fields_key(names))),
            _ => None,
        },
        _ => None,
    }
}

/// Answers one FETCH response per message, in sequence order.
pub(crate) fn fetch(
    ctx: &mut Ctx<'_>,
    state: &mut State,
    uid: bool,
    set: &SequenceSet,
    items: &FetchItems,
) -> Outcome {
    let State::Selected(sel) = state else {
        return Outcome::bad("No mailbox selected");
    };
    let uids = match sequence::resolve(set, &sel.view, uid, Some(&sel.saved)) {
        Ok(u) => u,
        Err(e) => return Outcome::bad(e.to_string()),
    };
    let mut atts = items.expand();
    // §6.4.8: UID FETCH always returns UID.
    if uid && !atts.contains(&FetchAtt::Uid) {
        atts.insert(0, FetchAtt::Uid);
    }
    let mark_seen = !sel.read_only && atts.iter().any(sets_seen);
    let want_content = atts
        .iter()
        .any(|a| needs_content(a) && render::encoded_item(a).is_none());
    // ENVELOPE, BODY and BODYSTRUCTURE come from the summary's texts unless the content is
    // read anyway; the last request of each takes its text (moved, not copied).
    let wanted: Vec<EncodedItem> = atts.iter().filter_map(render::encoded_item).collect();
    let want_texts = !want_content && !wanted.is_empty();
    let last_of = |i: usize, item: EncodedItem| {
        !atts[i + 1..]
            .iter()
            .any(|a| render::encoded_item(a) == Some(item))
    };
    let want_size = atts.contains(&FetchAtt::Rfc822Size);
    let want_date = atts.contains(&FetchAtt::InternalDate);
    // only header items need content: read no further than the header
    let header_suffices = atts
        .iter()
        .all(|a| !needs_content(a) || header_only(a) || *a == FetchAtt::Envelope);
    let picked = picked_fields(&atts);
    let mut missing = 0usize;
    let mut unknown_cte = false;
    // One message at a time: its content is read, its FETCH response sent to the responder
    // and both dropped before the next, so memory is bounded by the largest message (plus
    // what a store reads ahead, bounded by the store).
    // The UIDs ascend: each lookup starts where the previous one ended.
    let mut cursor = super::super::view::Cursor::default();
    if want_content && !header_suffices {
        ctx.store.read_ahead(&sel.mailbox, &uids, Reads::All);
    } else if want_texts {
        // (a message without a kept summary is parsed from its content, render::texts)
        ctx.store
            .read_ahead(&sel.mailbox, &uids, Reads::Unsummarised);
    }
    for u in uids {
        if ctx.closed() {
            // Nothing more can reach the client: stop reading (and marking \Seen).
            break;
        }
        let Some(seq) = sel.view.seq_at(u, &mut cursor) else {
            continue;
        };
        // (a store's answer for the header fields asked for spares reading the header)
        let mut picked_answer = picked
            .as_ref()
            .and_then(|(_, key)| ctx.store.cached_header_fields(&sel.mailbox, u, key));
        let content = if want_content && picked_answer.is_none() {
            let data = if header_suffices {
                ctx.store.header(&sel.mailbox, u)
            } else {
                ctx.store.content(&sel.mailbox, u)
            };
            match data {
                Ok(c) => Some(c),
                Err(_) => {
                    // RFC 2180 §4.1.2: the message was expunged by someone else; answer what
                    // the view still knows and report EXPUNGEISSUED at the end.
                    missing += 1;
                    None
                }
            }
        } else {
            None
        };
        if want_content && content.is_none() && picked_answer.is_none() {
            continue;
        }
        let mut texts = if want_texts {
            match render::texts(ctx.store, &sel.mailbox, u, &wanted) {
                Ok(t) => Some(t),
                Err(_) => {
                    missing += 1;
                    continue;
                }
            }
        } else {
            None
        };
        // RFC822.SIZE and INTERNALDATE may need a read or a stat too (a store that does not
        // know them yet): a message gone meanwhile is left out whole, as for content.
        let meta = (want_size || want_date).then(|| sel.view.meta(u)).flatten();
        let Ok(size) = looked_up(want_size, meta, |m| {
            message_size(&mut *ctx.store, &sel.mailbox, m)
        }) else {
            missing += 1;
            continue;
        };
        let Ok(date) = looked_up(want_date, meta, |m| {
            message_date(&mut *ctx.store, &sel.mailbox, m)
        }) else {
            missing += 1;
            continue;
        };
        let parsed = content.as_deref().map(render::Parsed::new);
        let mut values = Vec::with_capacity(atts.len() + 1);
        if mark_seen && sel.view.flags(u).is_some_and(|f| !f.seen()) {
            let change = FlagChange::Add(FlagSet::from_flags(&[Flag::Seen]));
            if let Ok(changed) = ctx.store.change_flags(&sel.mailbox, &[u], &change) {
                for (cu, f) in changed {
                    sel.view.note_flags(cu, f);
                }
                // The new flags travel in the same FETCH response (§6.4.5).
                if !atts.contains(&FetchAtt::Flags) {
                    values.push(FetchValue::Flags(sel.view.wire_flags(u)));
                }
            }
        }
        // One lookup per message (the view is not changed below).
        let meta = sel.view.meta_at(u, &mut cursor);
        for (i, att) in atts.iter().enumerate() {
            let v = match att {
                FetchAtt::Flags => FetchValue::Flags(
                    meta.map(|m| m.flags.to_flags(sel.view.is_recent(u)))
                        .unwrap_or_default(),
                ),
                FetchAtt::Uid => FetchValue::Uid(u),
                FetchAtt::InternalDate => match date {
                    Some(d) => FetchValue::InternalDate(d),
                    None => continue,
                },
                FetchAtt::Rfc822Size => match size {
                    Some(s) => FetchValue::Rfc822Size(s),
                    None => continue,
                },
                other if texts.is_some() => {
                    let (Some(t), Some(item)) = (texts.as_mut(), render::encoded_item(other))
                    else {
                        continue;
                    };
                    match if last_of(i, item) {
                        t.take(item)
                    } else {
                        t.item(item)
                    } {
                        Some(v) => v,
                        None => continue,
                    }
                }
                FetchAtt::BodySection { section, .. } if picked_answer.is_some() => {
                    FetchValue::BodySection {
                        section: section.clone(),
                        origin: None,
                        data: picked_answer.take(),
                    }
                }
                other => match parsed.as_ref().map(|p| p.item(other)) {
                    Some(Ok(v)) => {
                        if let (Some((at, key)), FetchValue::BodySection { data: Some(d), .. }) =
                            (&picked, &v)
                        {
                            if *at == i {
                                ctx.store.keep_header_fields(&sel.mailbox, u, key, d);
                            }
                        }
                        v
                    }
                    Some(Err(render::RenderError::UnknownCte)) => {
                        unknown_cte = true;
                        continue;
                    }
                    None => continue,
                },
            };
            values.push(v);
        }
        ctx.data(Data::Fetch { seq, items: values });
    }
    ctx.store.end_read_ahead();
    if unknown_cte {
        // RFC 3516 §4.3: BINARY of a part with an unknown transfer encoding.
        return Outcome::no(
            Some(Code::Other(
                crate::syntax::types::Atom::new("UNKNOWN-CTE").expect("atom"),
                None,
            )),
            "Unknown content transfer encoding",
        );
    }
    if missing > 0 {
        return Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::ExpungeIssued)),
            "Some messages were expunged by another session",
        );
    }
    Outcome::ok(if uid {
        "UID FETCH completed"
    } else {
        "FETCH completed"
    })
}

/// `get` of a message's metadata when `wanted` (and the view still has the message); an error
/// if the store finds the message gone.
fn looked_up<T>(
    wanted: bool,
    meta: Option<&MessageMeta>,
    get: impl FnOnce(&MessageMeta) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    match meta.filter(|_| wanted) {
        Some(m) => get(m).map(Some),
        None => Ok(None),
    }
}
