//! A compact, versioned binary encoding of [`Summary`] for on-disk caches. Decoding never
//! panics and never trusts a length: any malformed input is `None` (the caller re-parses).
//! The ENVELOPE, BODY and BODYSTRUCTURE texts go to clients as they are, so decoding also
//! checks that each is one well-formed parenthesised list ([`well_formed`]): a damaged
//! entry can never break a response's framing.

use crate::syntax::types::EncodedItem;

use super::keys::SortKeys;
use super::summary::{Summary, Texts};

/// Version of the encoding; bump when the layout or the parser's output changes. Version 2
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
    let keys = r.keys()?;
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
    r.skip_keys()?;
    let mut texts = Texts::default();
    for item in [
        EncodedItem::Envelope,
        EncodedItem::BodyStructure,
        EncodedItem::Body,
    ] {
        let b = r.bytes()?;
        if want.contains(&item) {
            texts.set(item, well_formed(b).then(|| b.into())?);
        }
    }
    r.d.is_empty().then_some(texts)
}

/// Only the SORT/THREAD keys of an encoded summary (they come first: SORT and THREAD of a
/// big folder need not decode every ENVELOPE and BODYSTRUCTURE).
pub fn decode_keys(data: &[u8]) -> Option<SortKeys> {
    R { d: data }.keys()
}

/// True if `text` is one parenthesised list as the encoder writes ENVELOPE and `body`
/// (RFC 3501 §9): atoms of letters and digits (`NIL`, numbers), quoted strings without
/// escapes or CR/LF, literals `{n}` CRLF and `n` octets, spaces; the list closes exactly at
/// the end. CR and LF appear only inside literals.
fn well_formed(text: &[u8]) -> bool {
    if text.first() != Some(&b'(') {
        return false;
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1 == text.len();
                }
            }
            b'"' => {
                let Some(len) = text[i + 1..].iter().position(|&b| b == b'"') else {
                    return false;
                };
                let quoted = &text[i + 1..i + 1 + len];
                if !quoted
                    .iter()
                    .all(|&b| matches!(b, 0x20..=0x7e) && b != b'\\')
                {
                    return false;
                }
                i += len + 1;
            }
            b'{' => {
                let digits = text[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let after = i + 1 + digits;
                if digits == 0 || digits > 10 || !text[after..].starts_with(b"}\r\n") {
                    return false;
                }
                // at most ten digits: no overflow
                let n = text[i + 1..after]
                    .iter()
                    .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
                if n > (text.len() - (after + 3)) as u64 {
                    return false;
                }
                let n = n as usize;
                i = after + 2 + n;
            }
            b' ' => {}
            b if b.is_ascii_alphanumeric() => {}
            _ => return false,
        }
        i += 1;
    }
    false
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
    /// The version and the keys (the start of every encoding).
    fn keys(&mut self) -> Option<SortKeys> {
        if self.u8()? != VERSION {
            return None;
        }
        let sent = match self.u8()? {
            0 => None,
            1 => Some(self.u64()? as i64),
            _ => return None,
        };
        let subject = self.string()?;
        let reply = self.u8()? == 1;
        let (from, to, cc) = (self.string()?, self.string()?, self.string()?);
        let message_id = match self.u8()? {
            0 => None,
            1 => Some(self.string()?),
            _ => return None,
        };
        let n = self.u32()? as usize;
        let mut references = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            references.push(self.string()?);
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

    /// [`R::keys`] without building them: the version, and the lengths walked.
    fn skip_keys(&mut self) -> Option<()> {
        if self.u8()? != VERSION {
            return None;
        }
        match self.u8()? {
            0 => {}
            1 => _ = self.u64()?,
            _ => return None,
        }
        self.bytes()?; // subject
        self.u8()?;
        for _ in 0..3 {
            self.bytes()?; // from, to, cc
        }
        match self.u8()? {
            0 => {}
            1 => _ = self.bytes()?,
            _ => return None,
        }
        for _ in 0..self.u32()? {
            self.bytes()?;
        }
        Some(())
    }

    /// One ENVELOPE or body text, checked ([`well_formed`]).
    fn text(&mut self) -> Option<Box<[u8]>> {
        let b = self.bytes()?;
        well_formed(b).then(|| b.into())
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
            assert_eq!(decode_keys(&out).as_ref(), Some(&s.keys));
            for want in [
                &[EncodedItem::BodyStructure][..],
                &[EncodedItem::Envelope, EncodedItem::Body],
            ] {
                assert_eq!(decode_texts(&out, want), Some(Texts::of(&s, want)));
            }
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
        let _ = decode_keys(&v);
        let _ = decode_texts(&v, &[EncodedItem::Body, EncodedItem::Envelope]);
        true
    }

    #[quickcheck]
    fn parsed_messages_round_trip(data: Vec<u8>) -> bool {
        let s = Summary::of(&Message::parse(&data));
        let mut out = Vec::new();
        encode(&s, &mut out);
        decode_keys(&out).as_ref() == Some(&s.keys) && decode(&out) == Some(s)
    }

    /// Every text the encoder writes passes [`well_formed`], whatever the values.
    #[test]
    fn encoded_texts_are_well_formed() {
        use crate::syntax::arbitrary::{body_structure, envelope};
        use crate::syntax::encode::{body_text, envelope_text};
        let mut g = quickcheck::Gen::new(64);
        for _ in 0..500 {
            let env = envelope(&mut g);
            let body = body_structure(&mut g, 3);
            assert!(well_formed(&envelope_text(&env)), "{env:?}");
            assert!(well_formed(&body_text(&body, true)), "{body:?}");
            assert!(well_formed(&body_text(&body, false)), "{body:?}");
        }
    }

    /// Damage that would break a response's framing is refused.
    #[test]
    fn malformed_texts_are_refused() {
        let good: &[&[u8]] = &[
            b"(NIL NIL)",
            b"(\"a b\" {3}\r\nx\r\n 12 ((NIL)))",
            b"({0}\r\n)",
        ];
        for t in good {
            assert!(well_formed(t), "{}", String::from_utf8_lossy(t));
        }
        let bad: &[&[u8]] = &[
            b"",
            b"NIL",
            b"(NIL",
            b"(NIL))",
            b"(NIL)(NIL)",
            b"(NIL) ",
            b"(NIL\r\nNIL)",
            b"(\"a\\\")",
            b"(\"a\r\")",
            b"(\"open)",
            b"({4}\r\nab)",
            b"({}\r\n)",
            b"({99999999999}\r\n)",
            b"({2}\nab)",
            b"({1}\r\n)",
            b"(\x00)",
            b"(a\x80)",
        ];
        for t in bad {
            assert!(!well_formed(t), "{}", String::from_utf8_lossy(t));
        }
    }

    /// A version 1 encoding (keys last) is not misread as keys.
    #[test]
    fn other_versions_are_refused() {
        let s = Summary::of(&Message::parse(b"Subject: x\n\nbody\n"));
        let mut out = Vec::new();
        encode(&s, &mut out);
        out[0] = 1;
        assert_eq!(decode_keys(&out), None);
        assert_eq!(decode(&out), None);
    }
}
