//! A compact, versioned binary encoding of [`Summary`] for on-disk caches. Decoding never
//! panics and never trusts a length: any malformed input is `None` (the caller re-parses),
//! except in strings a partial decode walks over unread (their octets are never used).
//! The ENVELOPE, BODY and BODYSTRUCTURE texts go to clients as they are, so decoding also
//! checks that each is one well-formed parenthesised list ([`is_one_list`]): a damaged
//! entry can never break a response's framing.

use crate::syntax::encode::is_one_list;
use crate::syntax::types::EncodedItem;

use super::keys::{KeyFields, SortKeys};
use super::summary::{Summary, Texts};

/// Version of the encoding; bump when the layout, the parser's output or the encoder's text
/// for ENVELOPE and `body` (`syntax::encode`, `body.rs` and `string.rs`) changes: cached
/// texts are sent as they are (a test ties the corpus's texts to this number). Version 2
/// put the SORT/THREAD keys first, so [`decode_keys`] reads only them; version 3 keeps
/// ENVELOPE, BODYSTRUCTURE and BODY as wire text.
pub const VERSION: u8 = 3;

/// Appends the encoding of `s` to `out`.
pub fn encode(s: &Summary, out: &mut Vec<u8>) {
    let mut w = W(out);
    w.u8(VERSION);
    let k = &s.keys;
    match k.sent {
        Some(t) => {
            w.u8(1);
            w.u64(t as u64);
        }
        None => w.u8(0),
    }
    w.str(&k.subject);
    w.u8(u8::from(k.reply));
    w.str(&k.from);
    w.str(&k.to);
    w.str(&k.cc);
    match &k.message_id {
        Some(id) => {
            w.u8(1);
            w.str(id);
        }
        None => w.u8(0),
    }
    w.u32(k.references.len() as u32);
    for r in &k.references {
        w.str(r);
    }
    w.bytes(&s.envelope);
    w.bytes(&s.body_structure);
    w.bytes(&s.body);
}

/// Decodes a summary written by [`encode`] (the whole input must be consumed).
pub fn decode(data: &[u8]) -> Option<Summary> {
    let mut r = R { d: data };
    let keys = r.keys(KeyFields::ALL)?;
    let envelope = r.text()?;
    let body_structure = r.text()?;
    let body = r.text()?;
    if !r.d.is_empty() {
        return None;
    }
    Some(Summary {
        envelope,
        body_structure,
        body,
        keys,
    })
}

/// Only the texts `want` of an encoded summary, each checked: a FETCH of BODYSTRUCTURE
/// need not decode the keys nor copy or check the ENVELOPE.
pub fn decode_texts(data: &[u8], want: &[EncodedItem]) -> Option<Texts> {
    let mut r = R { d: data };
    r.keys(KeyFields::NONE)?;
    r.texts(want)
}

/// The two halves of an encoding that a cache keeps apart, so SORT and THREAD read the keys
/// alone and FETCH the texts alone: the keys (behind the version, as the encoding begins)
/// and the texts behind a version byte of their own, so that either half read alone is
/// checked against [`VERSION`]. `None` if `data` is not an encoding of this version.
pub fn split(data: &[u8]) -> Option<(&[u8], Vec<u8>)> {
    let mut r = R { d: data };
    r.keys(KeyFields::NONE)?;
    let (keys, texts) = data.split_at(data.len() - r.d.len());
    let mut second = Vec::with_capacity(1 + texts.len());
    second.push(VERSION);
    second.extend_from_slice(texts);
    Some((keys, second))
}

/// The encoding whose halves [`split`] made (`None` if the texts are of another version).
pub fn join(keys: &[u8], texts: &[u8]) -> Option<Vec<u8>> {
    let (&version, texts) = texts.split_first()?;
    if version != VERSION {
        return None;
    }
    let mut data = Vec::with_capacity(keys.len() + texts.len());
    data.extend_from_slice(keys);
    data.extend_from_slice(texts);
    Some(data)
}

/// [`decode_texts`] of the second half that [`split`] made.
pub fn decode_texts_alone(data: &[u8], want: &[EncodedItem]) -> Option<Texts> {
    let (&version, texts) = data.split_first()?;
    if version != VERSION {
        return None;
    }
    R { d: texts }.texts(want)
}

/// Only the SORT/THREAD keys of an encoded summary (they come first: SORT and THREAD of a
/// big folder need not decode every ENVELOPE and BODYSTRUCTURE), and of those only the
/// strings `want` names: the others are left empty (SORT (DATE) allocates nothing).
pub fn decode_keys(data: &[u8], want: KeyFields) -> Option<SortKeys> {
    R { d: data }.keys(want)
}

/// [`decode_keys`] of the first half that [`split`] made: nothing may follow the keys.
pub fn decode_keys_alone(data: &[u8], want: KeyFields) -> Option<SortKeys> {
    let mut r = R { d: data };
    let keys = r.keys(want)?;
    r.d.is_empty().then_some(keys)
}

struct W<'a>(&'a mut Vec<u8>);

impl W<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
}

struct R<'a> {
    d: &'a [u8],
}

impl R<'_> {
    /// The three texts (the rest of every encoding), of which `want` are checked and kept.
    fn texts(&mut self, want: &[EncodedItem]) -> Option<Texts> {
        let mut texts = Texts::default();
        for item in [
            EncodedItem::Envelope,
            EncodedItem::BodyStructure,
            EncodedItem::Body,
        ] {
            let b = self.bytes()?;
            if want.contains(&item) {
                texts.set(item, is_one_list(b).then(|| b.into())?);
            }
        }
        self.d.is_empty().then_some(texts)
    }

    /// The version and the keys (the start of every encoding); strings not in `want` are
    /// walked over and left empty.
    fn keys(&mut self, want: KeyFields) -> Option<SortKeys> {
        if self.u8()? != VERSION {
            return None;
        }
        let sent = match self.u8()? {
            0 => None,
            1 => Some(self.u64()? as i64),
            _ => return None,
        };
        let subject = self.string_if(want.subject)?;
        let reply = self.u8()? == 1;
        let from = self.string_if(want.from)?;
        let to = self.string_if(want.to)?;
        let cc = self.string_if(want.cc)?;
        let message_id = match self.u8()? {
            0 => None,
            1 => Some(self.string_if(want.threads)?).filter(|_| want.threads),
            _ => return None,
        };
        let n = self.u32()? as usize;
        let mut references = Vec::with_capacity(if want.threads { n.min(64) } else { 0 });
        for _ in 0..n {
            let r = self.string_if(want.threads)?;
            if want.threads {
                references.push(r);
            }
        }
        Some(SortKeys {
            sent,
            subject,
            reply,
            from,
            to,
            cc,
            message_id,
            references,
        })
    }

    /// A string if `wanted`, else walked over and left empty: its octets are never used,
    /// so they are not checked either (damage to them is the part checksum's to find; a
    /// SORT by DATE need not validate every message's subject and addresses).
    fn string_if(&mut self, wanted: bool) -> Option<String> {
        if wanted {
            self.string()
        } else {
            self.bytes().map(|_| String::new())
        }
    }

    /// One ENVELOPE or body text, checked ([`is_one_list`]).
    fn text(&mut self) -> Option<Box<[u8]>> {
        let b = self.bytes()?;
        is_one_list(b).then(|| b.into())
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if n > self.d.len() {
            return None;
        }
        let (a, b) = self.d.split_at(n);
        self.d = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn bytes(&mut self) -> Option<&[u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use quickcheck_macros::quickcheck;

    #[test]
    fn corpus_round_trips() {
        for f in std::fs::read_dir("tests/messages").unwrap() {
            let data = std::fs::read(f.unwrap().path()).unwrap();
            let s = Summary::of(&Message::parse(&data));
            let mut out = Vec::new();
            encode(&s, &mut out);
            assert_eq!(decode_keys(&out, KeyFields::ALL).as_ref(), Some(&s.keys));
            let date_only = decode_keys(&out, KeyFields::NONE).unwrap();
            assert_eq!(
                date_only,
                SortKeys {
                    sent: s.keys.sent,
                    reply: s.keys.reply,
                    ..SortKeys::default()
                }
            );
            let subject = KeyFields {
                subject: true,
                ..KeyFields::NONE
            };
            assert_eq!(decode_keys(&out, subject).unwrap().subject, s.keys.subject);
            for want in [
                &[EncodedItem::BodyStructure][..],
                &[EncodedItem::Envelope, EncodedItem::Body],
            ] {
                assert_eq!(decode_texts(&out, want), Some(Texts::of(&s, want)));
            }
            // the halves a cache keeps apart answer alike, each checked for its version
            let (keys, texts) = split(&out).unwrap();
            assert_eq!(
                decode_keys_alone(keys, KeyFields::ALL).as_ref(),
                Some(&s.keys)
            );
            let want = [EncodedItem::Envelope, EncodedItem::BodyStructure];
            assert_eq!(
                decode_texts_alone(&texts, &want),
                Some(Texts::of(&s, &want))
            );
            assert_eq!(join(keys, &texts).as_deref(), Some(&out[..]));
            let mut other = texts.clone();
            other[0] = VERSION.wrapping_add(1);
            assert_eq!(decode_texts_alone(&other, &want), None);
            assert_eq!(join(keys, &other), None);
            assert_eq!(decode_keys_alone(&out, KeyFields::ALL), None);
            assert_eq!(decode(&out), Some(s));
            // every truncation is rejected, never a panic
            for cut in 0..out.len() {
                assert_eq!(decode(&out[..cut]), None);
                assert_eq!(decode_texts(&out[..cut], &[EncodedItem::Envelope]), None);
            }
        }
    }

    #[quickcheck]
    fn garbage_never_panics(data: Vec<u8>) -> bool {
        let _ = decode(&data);
        let mut v = vec![VERSION];
        v.extend_from_slice(&data);
        let _ = decode(&v);
        let _ = decode_keys(&v, KeyFields::ALL);
        let _ = decode_keys(&v, KeyFields::NONE);
        let _ = decode_texts(&v, &[EncodedItem::Body, EncodedItem::Envelope]);
        let _ = decode_texts_alone(&v, &[EncodedItem::Body, EncodedItem::Envelope]);
        let _ = decode_keys_alone(&v, KeyFields::ALL);
        let _ = split(&v);
        true
    }

    #[quickcheck]
    fn parsed_messages_round_trip(data: Vec<u8>) -> bool {
        let s = Summary::of(&Message::parse(&data));
        let mut out = Vec::new();
        encode(&s, &mut out);
        decode_keys(&out, KeyFields::ALL).as_ref() == Some(&s.keys) && decode(&out) == Some(s)
    }

    /// The texts of the corpus, hashed: a change of the encoder's output for ENVELOPE or
    /// `body` fails here until [`VERSION`] is bumped (and this pair updated), so no cache
    /// keeps sending the old text.
    #[test]
    fn the_encoders_texts_belong_to_this_version() {
        let mut paths: Vec<_> = std::fs::read_dir("tests/messages")
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        paths.sort();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for p in paths {
            let s = Summary::of(&Message::parse(&std::fs::read(p).unwrap()));
            for text in [&s.envelope, &s.body_structure, &s.body] {
                for &b in text.iter() {
                    hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        assert_eq!(
            (VERSION, hash),
            (3, 0xf8e8_a512_5c57_c0a8),
            "the corpus's ENVELOPE/BODY texts changed: if the encoder changed, bump VERSION \
             (caches would keep sending the old texts); then put the new hash here (a file \
             added to tests/messages changes it too)"
        );
    }

    /// A version 1 encoding (keys last) is not misread as keys.
    #[test]
    fn other_versions_are_refused() {
        let s = Summary::of(&Message::parse(b"Subject: x\n\nbody\n"));
        let mut out = Vec::new();
        encode(&s, &mut out);
        out[0] = 1;
        assert_eq!(decode_keys(&out, KeyFields::ALL), None);
        assert_eq!(decode(&out), None);
    }
}
