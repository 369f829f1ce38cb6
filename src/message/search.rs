//! What SEARCH needs from a message: decoded header values, decoded body text, the sent
//! date, and a case-insensitive "contains" (RFC 3501 §6.4.4: "case-insensitive substring").
//!
//! Case folding approximates i;unicode-casemap (RFC 5051 §2, titlecase then NFKD): we put
//! the string in NFKD first (the `unicode-normalization` crate), then map each character to
//! its simple uppercase when that is one character (the same as the simple titlecase except
//! for digraph letters such as `ǆ`). Decomposing first also folds compatibility characters
//! whose decomposition has case (`ﬁ` matches `FI`), a slight widening of RFC 5051.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

use super::date::{self, SentDate};
use super::mime::{Part, PartKind};
use super::structure::encoding_of;
use super::{decode, header, Message};

/// The i;unicode-casemap canonical form of `s` (see the module doc for the approximation).
pub fn casefold(s: &str) -> String {
    s.nfkd()
        .map(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

/// True if `needle` occurs in `haystack` after case folding both (the empty needle matches).
pub fn contains_folded(haystack: &str, needle: &str) -> bool {
    casefold(haystack).contains(&casefold(needle))
}

/// Decoded text of one leaf: transfer encoding removed, charset converted to UTF-8.
fn leaf_text(data: &[u8], part: &Part) -> String {
    let raw = &data[part.body.clone()];
    let cte = header::first(data, part.header.clone(), b"content-transfer-encoding");
    let bytes = match encoding_of(cte.as_deref()).as_slice() {
        b"base64" => decode::base64(raw),
        b"quoted-printable" => decode::quoted_printable(raw),
        _ => raw.to_vec(),
    };
    let cs = part
        .content_type
        .param(b"charset")
        .map_or(&b"us-ascii"[..], |p| p.value.as_slice());
    decode::charset(&bytes, cs)
}

fn collect_text(data: &[u8], part: &Part, out: &mut Vec<String>) {
    match &part.kind {
        PartKind::Multipart(children) => {
            for c in children {
                collect_text(data, c, out);
            }
        }
        PartKind::Message(inner) => {
            out.push(header_text(data, inner.header.clone()));
            collect_text(data, inner, out);
        }
        PartKind::Leaf if part.content_type.media_type == b"text" => {
            out.push(leaf_text(data, part));
        }
        PartKind::Leaf => {}
    }
}

/// The whole header block decoded: each field `name: value` unfolded, RFC 2047 decoded,
/// one per line.
fn header_text(data: &[u8], hdr: Range<usize>) -> String {
    let mut out = String::new();
    for f in header::fields(data, hdr) {
        out.push_str(&String::from_utf8_lossy(&data[f.name]));
        out.push_str(": ");
        out.push_str(&decode::rfc2047(&header::unfold(&data[f.value])));
        out.push('\n');
    }
    out
}

impl Message<'_> {
    /// Values of every top-level header field called `name` (case-insensitive), unfolded and
    /// RFC 2047 decoded to UTF-8 (for SEARCH HEADER/SUBJECT/FROM/…).
    pub fn header_values(&self, name: &[u8]) -> Vec<String> {
        header::fields(self.data, self.root.header.clone())
            .filter(|f| header::name_is(self.data, &f.name, name))
            .map(|f| decode::rfc2047(&header::unfold(&self.data[f.value])))
            .collect()
    }

    /// The top-level header decoded (for SEARCH TEXT).
    pub fn header_text(&self) -> String {
        header_text(self.data, self.root.header.clone())
    }

    /// Decoded text of the body for SEARCH BODY: every text/* leaf (transfer and charset
    /// decoded) and the header of every encapsulated message, in order. Other media types
    /// are not searched.
    pub fn body_text(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_text(self.data, &self.root, &mut out);
        out
    }

    /// The parsed Date: header (first one), for SENTBEFORE/SENTON/SENTSINCE and SORT DATE.
    pub fn sent_date(&self) -> Option<SentDate> {
        date::parse(&header::first(
            self.data,
            self.root.header.clone(),
            b"date",
        )?)
    }

    /// RFC 5256 §2.1 base subject of the Subject: header ("" if none).
    pub fn base_subject(&self) -> String {
        header::first(self.data, self.root.header.clone(), b"subject")
            .map(|s| super::subject::base_subject(&s))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert!(contains_folded("Grüße aus KÖLN", "köln"));
        assert!(contains_folded("ﬁle", "FI")); // NFKD of the ligature
        assert!(contains_folded("x", ""));
        assert!(!contains_folded("abc", "abd"));
    }
}
