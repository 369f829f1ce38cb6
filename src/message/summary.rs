//! A message's parsed metadata in one value: what FETCH ENVELOPE/BODY/BODYSTRUCTURE and
//! SORT/THREAD need, so a store can cache it and the file need not be read again.
//!
//! ENVELOPE, BODY and BODYSTRUCTURE are kept as the wire text the encoder writes for them
//! (RFC 3501 §7.4.2): a cached FETCH copies octets instead of decoding a structure and
//! encoding it again, and nothing reads their fields. The SORT/THREAD keys stay typed.

use crate::syntax::encode::{body_text, envelope_text};
use crate::syntax::types::{EncodedItem, FetchValue};

use super::keys::SortKeys;
use super::Message;

/// Parsed metadata of one message (see [`super::codec`] for its cache encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `ENVELOPE` wire text ([`envelope_text`]).
    pub envelope: Box<[u8]>,
    /// `BODYSTRUCTURE` wire text, with extension data ([`body_text`]).
    pub body_structure: Box<[u8]>,
    /// `BODY` wire text: the same without extension data at every level.
    pub body: Box<[u8]>,
    /// SORT and THREAD keys (RFC 5256).
    pub keys: SortKeys,
}

impl Summary {
    /// Parses everything the summary holds from a message.
    pub fn of(m: &Message<'_>) -> Self {
        let structure = m.body_structure(true);
        Summary {
            envelope: envelope_text(&m.envelope()).into(),
            body_structure: body_text(&structure, true).into(),
            body: body_text(&structure, false).into(),
            keys: m.sort_keys(),
        }
    }

    /// The text of `item`.
    pub fn text(&self, item: EncodedItem) -> &[u8] {
        match item {
            EncodedItem::Envelope => &self.envelope,
            EncodedItem::Body => &self.body,
            EncodedItem::BodyStructure => &self.body_structure,
        }
    }
}

/// The ENVELOPE, BODY and BODYSTRUCTURE texts one FETCH asked for, of one message: what a
/// cache decodes when those items alone are wanted (no keys, no other text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts([Option<Box<[u8]>>; 3]);

fn slot(item: EncodedItem) -> usize {
    match item {
        EncodedItem::Envelope => 0,
        EncodedItem::Body => 1,
        EncodedItem::BodyStructure => 2,
    }
}

impl Texts {
    /// The texts of `want` from a whole summary.
    pub fn of(s: &Summary, want: &[EncodedItem]) -> Texts {
        let mut t = Texts::default();
        for &item in want {
            t.set(item, s.text(item).into());
        }
        t
    }

    /// [`Texts::of`], moving the texts out of a summary no one else holds.
    pub fn from_summary(s: Summary, want: &[EncodedItem]) -> Texts {
        let mut t = Texts::default();
        for (item, text) in [
            (EncodedItem::Envelope, s.envelope),
            (EncodedItem::Body, s.body),
            (EncodedItem::BodyStructure, s.body_structure),
        ] {
            if want.contains(&item) {
                t.set(item, text);
            }
        }
        t
    }

    /// Sets the text of `item`.
    pub fn set(&mut self, item: EncodedItem, text: Box<[u8]>) {
        self.0[slot(item)] = Some(text);
    }

    /// The FETCH item `item`, its text copied; `None` if it was not asked for.
    pub fn item(&self, item: EncodedItem) -> Option<FetchValue> {
        let text = self.0[slot(item)].clone()?;
        Some(FetchValue::Encoded { item, text })
    }

    /// [`Texts::item`], moving the text out (for the last request of the item).
    pub fn take(&mut self, item: EncodedItem) -> Option<FetchValue> {
        let text = self.0[slot(item)].take()?;
        Some(FetchValue::Encoded { item, text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::encode::encode_response;
    use crate::syntax::types::{Data, Response};

    fn wire(item: FetchValue) -> Vec<u8> {
        let mut out = Vec::new();
        let items = vec![item];
        encode_response(&Response::Data(Data::Fetch { seq: 1, items }), &mut out);
        out
    }

    /// The text kept, encoded for a cache and read back, is sent exactly as the typed value
    /// would be, for every item (the corpus has NULs, 8-bit text and literals).
    #[test]
    fn cached_items_are_sent_as_the_typed_values_would_be() {
        for f in std::fs::read_dir("tests/messages").unwrap() {
            let data = std::fs::read(f.unwrap().path()).unwrap();
            let m = Message::parse(&data);
            let mut encoded = Vec::new();
            super::super::codec::encode(&Summary::of(&m), &mut encoded);
            for (item, typed) in [
                (
                    EncodedItem::Envelope,
                    FetchValue::Envelope(Box::new(m.envelope())),
                ),
                (
                    EncodedItem::Body,
                    FetchValue::Body(Box::new(m.body_structure(false))),
                ),
                (
                    EncodedItem::BodyStructure,
                    FetchValue::BodyStructure(Box::new(m.body_structure(true))),
                ),
            ] {
                let mut t = super::super::codec::decode_texts(&encoded, &[item]).unwrap();
                let whole = Summary::of(&m);
                assert_eq!(
                    Texts::from_summary(whole.clone(), &[item]),
                    Texts::of(&whole, &[item])
                );
                assert_eq!(wire(t.item(item).unwrap()), wire(typed.clone()));
                assert_eq!(wire(t.take(item).unwrap()), wire(typed));
                assert_eq!(t.take(item), None, "taken");
            }
        }
    }
}
