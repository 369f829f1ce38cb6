//! The bridge from the core to the message layer: FETCH items and SEARCH text tests over one
//! message's octets (parsed once per message per command).

use std::borrow::Cow;
use std::sync::Arc;

use crate::message::keys::{KeyFields, SortKeys};
use crate::message::search::Needle;
use crate::message::section::BinaryError;
use crate::message::summary::{Summary, Texts};
use crate::message::Message;
use crate::syntax::types::{
    Date, EncodedItem, FetchAtt, FetchValue, Partial, Section, SectionText,
};

use super::store::{Store, StoreError, Uid};

/// The summary parsed from the message's content, offered to the store's cache.
fn parsed_summary(
    store: &mut dyn Store,
    mailbox: &str,
    uid: Uid,
) -> Result<Arc<Summary>, StoreError> {
    let data = store.content(mailbox, uid)?;
    let msg = Message::parse(&data);
    let s = Arc::new(Summary::of(&msg));
    store.keep_summary(mailbox, uid, s.clone(), &data[msg.header_range()]);
    Ok(s)
}

/// The texts `want` of a message's summary: from the store's cache (those alone), or
/// parsed (and the whole summary offered to the cache).
pub fn texts(
    store: &mut dyn Store,
    mailbox: &str,
    uid: Uid,
    want: &[EncodedItem],
) -> Result<Texts, StoreError> {
    if let Some(t) = store.cached_texts(mailbox, uid, want) {
        return Ok(t);
    }
    let s = parsed_summary(store, mailbox, uid)?;
    // the store keeps its own copy (or none): the texts are moved out, not copied
    Ok(match Arc::try_unwrap(s) {
        Ok(s) => Texts::from_summary(s, want),
        Err(s) => Texts::of(&s, want),
    })
}

/// The SORT/THREAD keys of a message: from the store's cache (keys alone, at least those
/// `want` names), or parsed (all of them; the whole summary offered to the cache).
pub fn sort_keys(
    store: &mut dyn Store,
    mailbox: &str,
    uid: Uid,
    want: KeyFields,
) -> Result<SortKeys, StoreError> {
    if let Some(k) = store.cached_sort_keys(mailbox, uid, want) {
        return Ok(k);
    }
    let s = parsed_summary(store, mailbox, uid)?;
    // the store keeps its own copy (or none): the keys are moved out, not copied
    Ok(Arc::try_unwrap(s).map_or_else(|s| s.keys.clone(), |s| s.keys))
}

/// The summary text that answers a FETCH item without the message's content; `None` for
/// other items.
pub fn encoded_item(att: &FetchAtt) -> Option<EncodedItem> {
    Some(match att {
        FetchAtt::Envelope => EncodedItem::Envelope,
        FetchAtt::Body => EncodedItem::Body,
        FetchAtt::BodyStructure => EncodedItem::BodyStructure,
        _ => return None,
    })
}

/// Why an item could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// BINARY of a part whose Content-Transfer-Encoding is unknown (RFC 3516 §4.3).
    UnknownCte,
}

/// One message, parsed.
pub struct Parsed<'a> {
    msg: Message<'a>,
}

fn apply_partial(data: Cow<'_, [u8]>, partial: Option<Partial>) -> Vec<u8> {
    match partial {
        // §6.4.5: an origin past the end gives the empty string.
        Some(p) => {
            let start = (p.origin as usize).min(data.len());
            let end = start.saturating_add(p.count as usize).min(data.len());
            data[start..end].to_vec()
        }
        None => data.into_owned(),
    }
}

impl<'a> Parsed<'a> {
    /// Parses a message's octets (never fails: malformed MIME is normal).
    pub fn new(raw: &'a [u8]) -> Self {
        Parsed {
            msg: Message::parse(raw),
        }
    }

    fn section(&self, section: &Section) -> Option<Vec<u8>> {
        self.msg.section(section, None).map(Cow::into_owned)
    }

    /// One FETCH item that needs the message's content (RFC 3501 §6.4.5, RFC 3516 §4.2).
    pub fn item(&self, att: &FetchAtt) -> Result<FetchValue, RenderError> {
        let whole = Section::default();
        let header = Section {
            part: Vec::new(),
            text: Some(SectionText::Header),
        };
        let text = Section {
            part: Vec::new(),
            text: Some(SectionText::Text),
        };
        Ok(match att {
            FetchAtt::Envelope => FetchValue::Envelope(Box::new(self.msg.envelope())),
            FetchAtt::Body => FetchValue::Body(Box::new(self.msg.body_structure(false))),
            FetchAtt::BodyStructure => {
                FetchValue::BodyStructure(Box::new(self.msg.body_structure(true)))
            }
            FetchAtt::Rfc822 => FetchValue::Rfc822(self.section(&whole)),
            FetchAtt::Rfc822Header => FetchValue::Rfc822Header(self.section(&header)),
            FetchAtt::Rfc822Text => FetchValue::Rfc822Text(self.section(&text)),
            FetchAtt::BodySection {
                section, partial, ..
            } => FetchValue::BodySection {
                section: section.clone(),
                origin: partial.map(|p| p.origin),
                // A nonexistent part is NIL (the message layer says None).
                data: self.msg.section(section, *partial).map(Cow::into_owned),
            },
            FetchAtt::Binary { part, partial, .. } => match self.msg.binary(part) {
                Ok(data) => FetchValue::Binary {
                    part: part.clone(),
                    origin: partial.map(|p| p.origin),
                    data: data.map(|d| apply_partial(d, *partial)),
                },
                Err(BinaryError::UnknownCte(_)) => return Err(RenderError::UnknownCte),
            },
            FetchAtt::BinarySize { part } => match self.msg.binary_size(part) {
                Ok(size) => FetchValue::BinarySize {
                    part: part.clone(),
                    size: size.unwrap_or(0) as u64,
                },
                Err(BinaryError::UnknownCte(_)) => return Err(RenderError::UnknownCte),
            },
            // Metadata items are answered from the view, never here.
            FetchAtt::Flags | FetchAtt::Uid | FetchAtt::InternalDate | FetchAtt::Rfc822Size => {
                unreachable_metadata()
            }
        })
    }

    /// The Date: header's calendar date (SENT* keys, RFC 3501 §6.4.4: as written, the
    /// time and zone disregarded).
    pub fn sent_date(&self) -> Option<Date> {
        self.msg.sent_date().map(|d| d.date)
    }

    /// Case-insensitive substring test on a header field's decoded value (RFC 2047 words
    /// decoded, i;unicode-casemap folding).
    pub fn header_contains(&self, name: &[u8], needle: &Needle) -> bool {
        self.msg.any_header_value(name, &mut |v| needle.found_in(v))
    }

    /// Case-insensitive substring test on the decoded body text.
    pub fn body_contains(&self, needle: &Needle) -> bool {
        self.msg.any_body_text(&mut |t| needle.found_in(t))
    }

    /// Case-insensitive substring test on the header and body (SEARCH TEXT).
    pub fn text_contains(&self, needle: &Needle) -> bool {
        needle.found_in(&self.msg.header_text()) || self.body_contains(needle)
    }
}

/// Flags, UID, INTERNALDATE and RFC822.SIZE come from the view; the FETCH code never asks
/// for them here. Answering an empty FLAGS keeps the wire valid if it ever did.
fn unreachable_metadata() -> FetchValue {
    FetchValue::Flags(Vec::new())
}
