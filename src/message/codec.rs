//! A compact, versioned binary encoding of [`Summary`] for on-disk caches. Decoding never
//! panics and never trusts a length: any malformed input is `None` (the caller re-parses).

use crate::syntax::types::{
    Address, BodyFields, BodyStructure, Disposition, Envelope, MultiPartExt, NString,
    SinglePartExt, SinglePartSpecific,
};

use super::keys::SortKeys;
use super::summary::Summary;

/// Version of the encoding; bump when the layout or the parser's output changes. Version 2
/// puts the SORT/THREAD keys first, so [`decode_keys`] reads only them.
pub const VERSION: u8 = 2;

/// Deepest body structure nesting decoded (the parser limits nesting far below this).
const MAX_DEPTH: usize = 256;

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
    w.nstr(&k.message_id.as_ref().map(|s| s.as_bytes().to_vec()));
    w.u32(k.references.len() as u32);
    for r in &k.references {
        w.str(r);
    }
    w.envelope(&s.envelope);
    w.body(&s.body_structure);
}

/// Decodes a summary written by [`encode`] (the whole input must be consumed).
pub fn decode(data: &[u8]) -> Option<Summary> {
    let mut r = R { d: data, depth: 0 };
    let keys = r.keys()?;
    let envelope = r.envelope()?;
    let body_structure = r.body()?;
    if !r.d.is_empty() {
        return None;
    }
    Some(Summary {
        envelope,
        body_structure,
        keys,
    })
}

/// Only the SORT/THREAD keys of an encoded summary (they come first: SORT and THREAD of a
/// big folder need not decode every ENVELOPE and BODYSTRUCTURE).
pub fn decode_keys(data: &[u8]) -> Option<SortKeys> {
    R { d: data, depth: 0 }.keys()
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
    fn nstr(&mut self, s: &NString) {
        match s {
            Some(b) => {
                self.u8(1);
                self.bytes(b);
            }
            None => self.u8(0),
        }
    }
    fn list(&mut self, l: &[Vec<u8>]) {
        self.u32(l.len() as u32);
        for b in l {
            self.bytes(b);
        }
    }
    fn params(&mut self, p: &[(Vec<u8>, Vec<u8>)]) {
        self.u32(p.len() as u32);
        for (k, v) in p {
            self.bytes(k);
            self.bytes(v);
        }
    }
    fn addresses(&mut self, a: &[Address]) {
        self.u32(a.len() as u32);
        for x in a {
            self.nstr(&x.name);
            self.nstr(&x.adl);
            self.nstr(&x.mailbox);
            self.nstr(&x.host);
        }
    }
    fn envelope(&mut self, e: &Envelope) {
        self.nstr(&e.date);
        self.nstr(&e.subject);
        for l in [&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc] {
            self.addresses(l);
        }
        self.nstr(&e.in_reply_to);
        self.nstr(&e.message_id);
    }
    fn disposition(&mut self, d: &Option<Disposition>) {
        match d {
            Some(d) => {
                self.u8(1);
                self.bytes(&d.kind);
                self.params(&d.params);
            }
            None => self.u8(0),
        }
    }
    fn body(&mut self, b: &BodyStructure) {
        match b {
            BodyStructure::Single {
                fields,
                specific,
                ext,
            } => {
                self.u8(0);
                self.bytes(&fields.media_type);
                self.bytes(&fields.subtype);
                self.params(&fields.params);
                self.nstr(&fields.id);
                self.nstr(&fields.description);
                self.bytes(&fields.encoding);
                self.u32(fields.octets);
                match specific {
                    SinglePartSpecific::Basic => self.u8(0),
                    SinglePartSpecific::Text { lines } => {
                        self.u8(1);
                        self.u32(*lines);
                    }
                    SinglePartSpecific::Message {
                        envelope,
                        body,
                        lines,
                    } => {
                        self.u8(2);
                        self.envelope(envelope);
                        self.body(body);
                        self.u32(*lines);
                    }
                }
                match ext {
                    Some(x) => {
                        self.u8(1);
                        self.nstr(&x.md5);
                        self.disposition(&x.disposition);
                        self.list(&x.language);
                        self.nstr(&x.location);
                    }
                    None => self.u8(0),
                }
            }
            BodyStructure::Multi {
                parts,
                subtype,
                ext,
            } => {
                self.u8(1);
                self.u32(parts.len() as u32);
                for p in parts {
                    self.body(p);
                }
                self.bytes(subtype);
                match ext {
                    Some(x) => {
                        self.u8(1);
                        self.params(&x.params);
                        self.disposition(&x.disposition);
                        self.list(&x.language);
                        self.nstr(&x.location);
                    }
                    None => self.u8(0),
                }
            }
        }
    }
}

struct R<'a> {
    d: &'a [u8],
    depth: usize,
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
        let message_id = match self.nstr()? {
            Some(b) => Some(String::from_utf8(b).ok()?),
            None => None,
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
    /// A count of items that each take at least `min` bytes: never more than could fit.
    fn count(&mut self, min: usize) -> Option<usize> {
        let n = self.u32()? as usize;
        (n.saturating_mul(min) <= self.d.len()).then_some(n)
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.u32()? as usize;
        Some(self.take(n)?.to_vec())
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?).ok()
    }
    fn nstr(&mut self) -> Option<NString> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(self.bytes()?)),
            _ => None,
        }
    }
    fn list(&mut self) -> Option<Vec<Vec<u8>>> {
        let n = self.count(4)?;
        (0..n).map(|_| self.bytes()).collect()
    }
    fn params(&mut self) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
        let n = self.count(8)?;
        (0..n)
            .map(|_| Some((self.bytes()?, self.bytes()?)))
            .collect()
    }
    fn addresses(&mut self) -> Option<Vec<Address>> {
        let n = self.count(4)?;
        (0..n)
            .map(|_| {
                Some(Address {
                    name: self.nstr()?,
                    adl: self.nstr()?,
                    mailbox: self.nstr()?,
                    host: self.nstr()?,
                })
            })
            .collect()
    }
    fn envelope(&mut self) -> Option<Envelope> {
        Some(Envelope {
            date: self.nstr()?,
            subject: self.nstr()?,
            from: self.addresses()?,
            sender: self.addresses()?,
            reply_to: self.addresses()?,
            to: self.addresses()?,
            cc: self.addresses()?,
            bcc: self.addresses()?,
            in_reply_to: self.nstr()?,
            message_id: self.nstr()?,
        })
    }
    fn disposition(&mut self) -> Option<Option<Disposition>> {
        match self.u8()? {
            0 => Some(None),
            1 => Some(Some(Disposition {
                kind: self.bytes()?,
                params: self.params()?,
            })),
            _ => None,
        }
    }
    fn body(&mut self) -> Option<BodyStructure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let b = match self.u8()? {
            0 => {
                let fields = BodyFields {
                    media_type: self.bytes()?,
                    subtype: self.bytes()?,
                    params: self.params()?,
                    id: self.nstr()?,
                    description: self.nstr()?,
                    encoding: self.bytes()?,
                    octets: self.u32()?,
                };
                let specific = match self.u8()? {
                    0 => SinglePartSpecific::Basic,
                    1 => SinglePartSpecific::Text { lines: self.u32()? },
                    2 => SinglePartSpecific::Message {
                        envelope: Box::new(self.envelope()?),
                        body: Box::new(self.body()?),
                        lines: self.u32()?,
                    },
                    _ => return None,
                };
                let ext = match self.u8()? {
                    0 => None,
                    1 => Some(SinglePartExt {
                        md5: self.nstr()?,
                        disposition: self.disposition()?,
                        language: self.list()?,
                        location: self.nstr()?,
                    }),
                    _ => return None,
                };
                BodyStructure::Single {
                    fields,
                    specific,
                    ext,
                }
            }
            1 => {
                let n = self.count(1)?;
                let parts = (0..n).map(|_| self.body()).collect::<Option<Vec<_>>>()?;
                let subtype = self.bytes()?;
                let ext = match self.u8()? {
                    0 => None,
                    1 => Some(MultiPartExt {
                        params: self.params()?,
                        disposition: self.disposition()?,
                        language: self.list()?,
                        location: self.nstr()?,
                    }),
                    _ => return None,
                };
                BodyStructure::Multi {
                    parts,
                    subtype,
                    ext,
                }
            }
            _ => return None,
        };
        self.depth -= 1;
        Some(b)
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
            assert_eq!(decode(&out), Some(s));
            // every truncation is rejected, never a panic
            for cut in 0..out.len() {
                assert_eq!(decode(&out[..cut]), None);
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
        true
    }

    #[quickcheck]
    fn parsed_messages_round_trip(data: Vec<u8>) -> bool {
        let s = Summary::of(&Message::parse(&data));
        let mut out = Vec::new();
        encode(&s, &mut out);
        decode_keys(&out).as_ref() == Some(&s.keys) && decode(&out) == Some(s)
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
