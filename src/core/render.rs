//! The bridge from the core to the message layer: FETCH items and SEARCH text tests over one
//! message's octets.

use crate::syntax::types::{Date, FetchAtt, FetchValue, Section, SectionText};

/// Why an item could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// BINARY of a part whose Content-Transfer-Encoding is unknown (RFC 3516 §4.3).
    UnknownCte,
}

/// One message, parsed on demand.
pub struct Parsed<'a> {
    raw: &'a [u8],
}

/// The message octets with every bare LF turned into CRLF (RFC 3501 §2.3.4 wire form).
pub fn to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

impl<'a> Parsed<'a> {
    /// Wraps a message's octets.
    pub fn new(raw: &'a [u8]) -> Self {
        Parsed { raw }
    }

    fn split(&self) -> (&'a [u8], &'a [u8]) {
        let r = self.raw;
        let mut i = 0;
        while i < r.len() {
            if r[i] == b'\n' {
                if r.get(i + 1) == Some(&b'\n') {
                    return (&r[..i + 2], &r[i + 2..]);
                }
                if r.get(i + 1) == Some(&b'\r') && r.get(i + 2) == Some(&b'\n') {
                    return (&r[..i + 3], &r[i + 3..]);
                }
            }
            i += 1;
        }
        (r, &[])
    }

    /// One FETCH item that needs the message's content.
    pub fn item(&self, att: &FetchAtt) -> Result<FetchValue, RenderError> {
        let (header, text) = self.split();
        Ok(match att {
            FetchAtt::Rfc822 => FetchValue::Rfc822(Some(to_crlf(self.raw))),
            FetchAtt::Rfc822Header => FetchValue::Rfc822Header(Some(to_crlf(header))),
            FetchAtt::Rfc822Text => FetchValue::Rfc822Text(Some(to_crlf(text))),
            FetchAtt::BodySection {
                section, partial, ..
            } => {
                let data = match section {
                    Section { part, text: None } if part.is_empty() => to_crlf(self.raw),
                    Section {
                        part,
                        text: Some(SectionText::Header),
                    } if part.is_empty() => to_crlf(header),
                    Section {
                        part,
                        text: Some(SectionText::Text),
                    } if part.is_empty() => to_crlf(text),
                    _ => Vec::new(),
                };
                let (origin, data) = match partial {
                    Some(p) => {
                        let start = (p.origin as usize).min(data.len());
                        let end = start.saturating_add(p.count as usize).min(data.len());
                        (Some(p.origin), data[start..end].to_vec())
                    }
                    None => (None, data),
                };
                FetchValue::BodySection {
                    section: section.clone(),
                    origin,
                    data: Some(data),
                }
            }
            _ => return Err(RenderError::UnknownCte),
        })
    }

    /// The Date: header as a calendar date (SENT* keys).
    pub fn sent_date(&self) -> Option<Date> {
        None
    }

    /// Case-insensitive substring test on a header field's value.
    pub fn header_contains(&self, name: &[u8], needle: &[u8]) -> bool {
        let (header, _) = self.split();
        header.split(|&b| b == b'\n').any(|line| {
            line.len() > name.len()
                && line[..name.len()].eq_ignore_ascii_case(name)
                && line[name.len()] == b':'
                && contains_ci(&line[name.len() + 1..], needle)
        })
    }

    /// Case-insensitive substring test on the body.
    pub fn body_contains(&self, needle: &[u8]) -> bool {
        contains_ci(self.split().1, needle)
    }

    /// Case-insensitive substring test on the whole message.
    pub fn text_contains(&self, needle: &[u8]) -> bool {
        contains_ci(self.raw, needle)
    }
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}
