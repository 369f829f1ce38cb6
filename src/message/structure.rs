//! BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, ABNF `body` in §9) from the MIME tree.
//!
//! Decisions:
//! - Type, subtype, parameter names, encoding and disposition type are lowercased. Both
//!   peers write lowercase for the usual lowercase headers (Dovecot otherwise echoes the
//!   header's case, Courier lowercases); IMAP compares them case-insensitively anyway.
//! - No Content-Type: `"text" "plain" ("charset" "us-ascii")` as Dovecot (RFC 2045 §5.2),
//!   not Courier's NIL parameters. No Content-Transfer-Encoding: `"7bit"` (RFC 2045 §6.1;
//!   Courier says "8bit").
//! - `body-fld-octets` is the CRLF size of the body, the line end before a boundary excluded
//!   (RFC 2046 §5.1.1, Dovecot; Courier counts it).
//! - `body-fld-lines` for text/* and message/rfc822, see [`CrlfIndex::lines`].
//! - RFC 2231 parameters are reported merged, extended ones as `name*` with the
//!   `charset'lang'%XX` value (Dovecot).
//! - Extension data always has all fields including body-fld-loc (Dovecot; Courier omits it).
//! - A multipart with no boundary parameter, or one not descended into because of the
//!   nesting limits, is reported as `application/octet-stream` with its parameters: written
//!   as `multipart` or `message/rfc822` it would claim children or an envelope it does not
//!   have. A multipart with no parts gets one empty `text/plain` part (the ABNF requires one).
//!
//! [`CrlfIndex::lines`]: super::size::CrlfIndex::lines

use super::envelope::envelope;
use super::mime::{ContentType, Part, PartKind};
use super::params::{self, Param};
use super::size::{to_u32, CrlfIndex};
use super::{header, Message};
use crate::syntax::types::{
    BodyFields, BodyStructure, Disposition, MultiPartExt, NString, SinglePartExt,
    SinglePartSpecific,
};

/// The MIME fields of one part's header that BODYSTRUCTURE reports.
#[derive(Debug, Default)]
struct MimeFields {
    id: NString,
    description: NString,
    encoding: Option<Vec<u8>>,
    disposition: Option<Vec<u8>>,
    language: Option<Vec<u8>>,
    location: NString,
    md5: NString,
}

fn mime_fields(data: &[u8], part: &Part) -> MimeFields {
    let mut m = MimeFields::default();
    for f in header::fields(data, part.header.clone()) {
        let slot = match &data[f.name.clone()] {
            n if n.eq_ignore_ascii_case(b"content-id") => &mut m.id,
            n if n.eq_ignore_ascii_case(b"content-description") => &mut m.description,
            n if n.eq_ignore_ascii_case(b"content-transfer-encoding") => &mut m.encoding,
            n if n.eq_ignore_ascii_case(b"content-disposition") => &mut m.disposition,
            n if n.eq_ignore_ascii_case(b"content-language") => &mut m.language,
            n if n.eq_ignore_ascii_case(b"content-location") => &mut m.location,
            n if n.eq_ignore_ascii_case(b"content-md5") => &mut m.md5,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(header::unfold(&data[f.value]));
        }
    }
    m
}

fn wire_params(ps: &[Param]) -> Vec<(Vec<u8>, Vec<u8>)> {
    ps.iter()
        .map(|p| (p.wire_name(), p.value.clone()))
        .collect()
}

fn disposition(raw: Option<Vec<u8>>) -> Option<Disposition> {
    let v = params::disposition(&raw?)?;
    Some(Disposition {
        kind: v.main,
        params: wire_params(&v.params),
    })
}

/// `Content-Language: en, de` → `["en", "de"]` (RFC 3282), comments and spaces dropped.
fn languages(raw: Option<Vec<u8>>) -> Vec<Vec<u8>> {
    let Some(raw) = raw else { return Vec::new() };
    raw.split(|&b| b == b',')
        .map(|t| {
            let t: Vec<u8> = t.split(|&b| b == b'(').next().unwrap_or(&[]).to_vec();
            t.into_iter()
                .filter(|b| !b.is_ascii_whitespace())
                .collect::<Vec<u8>>()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// The encoding as written, lowercased, or `7bit`.
pub(crate) fn encoding_of(raw: Option<&[u8]>) -> Vec<u8> {
    match raw {
        Some(e) if !e.is_empty() => e.to_ascii_lowercase(),
        _ => b"7bit".to_vec(),
    }
}

struct Builder<'a> {
    data: &'a [u8],
    index: &'a CrlfIndex,
    ext: bool,
}

impl Builder<'_> {
    fn part(&self, part: &Part) -> BodyStructure {
        let m = mime_fields(self.data, part);
        if let PartKind::Multipart(children) = &part.kind {
            let mut parts: Vec<_> = children.iter().map(|c| self.part(c)).collect();
            if parts.is_empty() {
                parts.push(self.empty_text());
            }
            return BodyStructure::Multi {
                parts,
                subtype: part.content_type.subtype.clone(),
                ext: self.ext.then(|| MultiPartExt {
                    params: wire_params(&part.content_type.params),
                    disposition: disposition(m.disposition),
                    language: languages(m.language),
                    location: m.location,
                }),
            };
        }
        let ct = &part.content_type;
        let opaque = ct.media_type == b"multipart"
            || (ct.is(b"message", b"rfc822") && !matches!(part.kind, PartKind::Message(_)));
        let (media_type, subtype) = if opaque {
            (b"application".to_vec(), b"octet-stream".to_vec())
        } else {
            (ct.media_type.clone(), ct.subtype.clone())
        };
        let body = part.body.clone();
        let lines = to_u32(self.index.lines(self.data, body.clone()));
        let specific = match &part.kind {
            PartKind::Message(inner) => SinglePartSpecific::Message {
                envelope: Box::new(envelope(self.data, inner.header.clone())),
                body: Box::new(self.part(inner)),
                lines,
            },
            _ if media_type == b"text" => SinglePartSpecific::Text { lines },
            _ => SinglePartSpecific::Basic,
        };
        BodyStructure::Single {
            fields: BodyFields {
                media_type,
                subtype,
                params: wire_params(&ct.params),
                id: m.id,
                description: m.description,
                encoding: encoding_of(m.encoding.as_deref()),
                octets: to_u32(self.index.size(body)),
            },
            specific,
            ext: self.ext.then(|| SinglePartExt {
                md5: m.md5,
                disposition: disposition(m.disposition),
                language: languages(m.language),
                location: m.location,
            }),
        }
    }

    fn empty_text(&self) -> BodyStructure {
        let ct = ContentType::default_for(false);
        BodyStructure::Single {
            fields: BodyFields {
                media_type: ct.media_type,
                subtype: ct.subtype,
                params: wire_params(&ct.params),
                id: None,
                description: None,
                encoding: b"7bit".to_vec(),
                octets: 0,
            },
            specific: SinglePartSpecific::Text { lines: 0 },
            ext: self.ext.then(SinglePartExt::default),
        }
    }
}

impl Message<'_> {
    /// `BODYSTRUCTURE` (`extensible = true`) or `BODY` (`false`, no extension data).
    pub fn body_structure(&self, extensible: bool) -> BodyStructure {
        Builder {
            data: self.data,
            index: self.crlf(),
            ext: extensible,
        }
        .part(self.root())
    }
}
