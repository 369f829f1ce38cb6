//! Section extraction for `BODY[section]<partial>` (RFC 3501 §6.4.5) and `BINARY[part]`
//! (RFC 3516 §4.2), in CRLF form.
//!
//! Part numbers: the parts of a multipart are numbered 1, 2, …; a non-multipart message (or
//! encapsulated message) has only part 1, its body; the number after a message/rfc822 part
//! walks into the encapsulated message's body by the same rules. `HEADER`, `HEADER.FIELDS`,
//! `HEADER.FIELDS.NOT` and `TEXT` apply to the message, or after a part number to a
//! message/rfc822 part's encapsulated message; `MIME` is the part's own header. The blank
//! line ending a header is included in every header fetch that has one (§6.4.5), also
//! after `HEADER.FIELDS` subsetting. Header field names match case-insensitively; matching
//! lines keep their original order.
//!
//! A section that does not exist (part number out of range, `HEADER` of a part that is not
//! message/rfc822, `MIME` without a part) is `None`. RFC 3501 does not say what to send;
//! Dovecot sends NIL, which is what the core should write. A partial origin past the end
//! gives the empty string (§6.4.5).

use std::borrow::Cow;
use std::ops::Range;

use super::mime::{Part, PartKind};
use super::size::{partial_slice, push_crlf, to_u32};
use super::structure::encoding_of;
use super::{decode, header, Message};
use crate::syntax::types::{Partial, Section, SectionText};

/// Why `BINARY` could not decode a part (RFC 3516 §4.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinaryError {
    /// The part's Content-Transfer-Encoding is not one we know: the core answers
    /// `NO [UNKNOWN-CTE]`.
    #[error("unknown content-transfer-encoding {0:?}")]
    UnknownCte(String),
}

/// Part `n` (1-based) of a message-level entity: a multipart's child, or the entity itself
/// for `n == 1` when it is not a multipart (its body is part 1).
fn msg_step(m: &Part, n: u32) -> Option<&Part> {
    match &m.kind {
        PartKind::Multipart(children) => children.get((n as usize).checked_sub(1)?),
        _ if n == 1 => Some(m),
        _ => None,
    }
}

/// The part a part path names, starting at the message root; `None` if it does not exist.
pub fn resolve<'p>(root: &'p Part, path: &[u32]) -> Option<&'p Part> {
    let (&first, rest) = path.split_first()?;
    let mut p = msg_step(root, first)?;
    for &n in rest {
        p = match &p.kind {
            PartKind::Message(inner) => msg_step(inner, n)?,
            PartKind::Multipart(_) => msg_step(p, n)?,
            PartKind::Leaf => return None,
        };
    }
    Some(p)
}

impl<'a> Message<'a> {
    /// The entity (header and body) that `HEADER`/`TEXT` of `path` refer to.
    fn message_at(&self, path: &[u32]) -> Option<&Part> {
        if path.is_empty() {
            return Some(self.root());
        }
        match &resolve(self.root(), path)?.kind {
            PartKind::Message(inner) => Some(inner),
            _ => None,
        }
    }

    /// The bytes of `BODY[section]<partial>` in CRLF form, or `None` if the section does not
    /// exist.
    pub fn section(&self, section: &Section, partial: Option<Partial>) -> Option<Cow<'a, [u8]>> {
        let path = section.part.as_slice();
        let range = match &section.text {
            None if path.is_empty() => 0..self.data.len(),
            None => resolve(self.root(), path)?.body.clone(),
            Some(SectionText::Mime) if path.is_empty() => return None,
            Some(SectionText::Mime) => resolve(self.root(), path)?.header.clone(),
            Some(SectionText::Header) => self.header_at(path)?,
            Some(SectionText::Text) => self.message_at(path)?.body.clone(),
            Some(SectionText::HeaderFields(names)) => {
                let out = self.header_subset(self.header_at(path)?, names, true);
                return Some(cut(out, partial));
            }
            Some(SectionText::HeaderFieldsNot(names)) => {
                let out = self.header_subset(self.header_at(path)?, names, false);
                return Some(cut(out, partial));
            }
        };
        Some(match partial {
            Some(p) => self.crlf().partial(self.data, range, p),
            None => self.crlf().bytes(self.data, range),
        })
    }

    /// The header of the message at `path` (the top level's needs no MIME parse).
    fn header_at(&self, path: &[u32]) -> Option<Range<usize>> {
        if path.is_empty() {
            return Some(self.header_range());
        }
        Some(self.message_at(path)?.header.clone())
    }

    /// `HEADER.FIELDS` (`keep = true`) or `HEADER.FIELDS.NOT` of the header at `range`.
    fn header_subset(&self, range: Range<usize>, names: &[Vec<u8>], keep: bool) -> Vec<u8> {
        // (room for all of it once, rather than growing by doubling field after field)
        let mut out = Vec::with_capacity(range.len() + 2);
        for f in header::fields(self.data, range.clone()) {
            let listed = names.iter().any(|n| header::name_is(self.data, &f.name, n));
            if listed == keep {
                // (the field's lines alone: no index of the whole message is built)
                push_crlf(&mut out, self.data, f.line);
            }
        }
        if header::has_blank_line(self.data, &range) {
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    /// `BINARY[part]` (RFC 3516): the part's body with its transfer encoding removed.
    /// `Ok(None)` if the part does not exist. An empty path is the whole message, as is.
    pub fn binary(&self, path: &[u32]) -> Result<Option<Cow<'a, [u8]>>, BinaryError> {
        if path.is_empty() {
            return Ok(Some(self.crlf().bytes(self.data, 0..self.data.len())));
        }
        let Some(part) = resolve(self.root(), path) else {
            return Ok(None);
        };
        let raw = self.crlf().bytes(self.data, part.body.clone());
        let cte = encoding_of(
            header::first(self.data, part.header.clone(), b"content-transfer-encoding").as_deref(),
        );
        match cte.as_slice() {
            b"7bit" | b"8bit" | b"binary" => Ok(Some(raw)),
            b"base64" => Ok(Some(Cow::Owned(decode::base64(&raw)))),
            b"quoted-printable" => Ok(Some(Cow::Owned(decode::quoted_printable(&raw)))),
            other => Err(BinaryError::UnknownCte(
                String::from_utf8_lossy(other).into_owned(),
            )),
        }
    }

    /// `BINARY.SIZE[part]` (RFC 3516 §4.2): the size of [`Message::binary`].
    pub fn binary_size(&self, path: &[u32]) -> Result<Option<u32>, BinaryError> {
        Ok(self.binary(path)?.map(|b| to_u32(b.len())))
    }
}

/// What the answer to `HEADER.FIELDS (names)` depends on, as octets: the names lowercased
/// (they match ASCII case-insensitively), sorted and without repeats (the answer keeps the
/// header's order, not the list's), each after its length. Two lists with the same key
/// have the same answer for every message, so a cache may keep answers by key.
pub fn fields_key(names: &[Vec<u8>]) -> Vec<u8> {
    let mut lower: Vec<Vec<u8>> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    lower.sort_unstable();
    lower.dedup();
    let mut key = Vec::new();
    for n in &lower {
        key.extend_from_slice(&(n.len() as u32).to_le_bytes());
        key.extend_from_slice(n);
    }
    key
}

fn cut<'a>(out: Vec<u8>, partial: Option<Partial>) -> Cow<'a, [u8]> {
    match partial {
        Some(p) => Cow::Owned(partial_slice(&out, p).to_vec()),
        None => Cow::Owned(out),
    }
}
