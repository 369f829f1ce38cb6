//! One complete server response (RFC 3501 §2.2.2), literals included.

use std::ops::Range;

/// A server response exactly as it came over the wire, minus its final CRLF.
///
/// A response that carries literals spans several wire lines: `raw` keeps the literal
/// header, the CRLF after it, the literal octets and the rest of the response, so a pattern
/// can be matched against the whole thing in one pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// The octets of the response without the CRLF that ends it.
    pub raw: Vec<u8>,
    /// Where literal data sits inside `raw`.
    pub literals: Vec<Range<usize>>,
    /// Some line of it ended in a bare LF (RFC 3501 §2.2 requires CRLF).
    pub bare_lf: bool,
}

impl Response {
    /// A response made of one line of text without literals (handy in tests).
    pub fn line(text: &str) -> Response {
        Response {
            raw: text.as_bytes().to_vec(),
            ..Response::default()
        }
    }

    /// `+ ...`: a command continuation request (RFC 3501 §7.5).
    pub fn is_continuation(&self) -> bool {
        self.raw.first() == Some(&b'+')
    }

    /// `* ...`: untagged data or status (RFC 3501 §2.2.2).
    pub fn is_untagged(&self) -> bool {
        self.raw.starts_with(b"* ") || self.raw == b"*"
    }

    /// The tag of a tagged response, `None` for untagged data and continuations.
    pub fn tag(&self) -> Option<&[u8]> {
        if self.is_untagged() || self.is_continuation() {
            return None;
        }
        let end = self
            .raw
            .iter()
            .position(|&b| b == b' ')
            .unwrap_or(self.raw.len());
        Some(&self.raw[..end])
    }

    /// The word after the tag or `*`, upper-cased: `OK`, `NO`, `BAD`, `BYE`, `PREAUTH`,
    /// `CAPABILITY`, or a number for `* 3 EXISTS`.
    pub fn status_word(&self) -> String {
        let mut words = self.raw.split(|&b| b == b' ');
        words.next();
        words
            .next()
            .map(|w| String::from_utf8_lossy(w).to_ascii_uppercase())
            .unwrap_or_default()
    }

    /// Per octet: compare case-sensitively? True inside quoted strings and literal data,
    /// whose case is content; false elsewhere, where atoms are case-insensitive (§9 note 3).
    pub fn case_sensitive_mask(&self) -> Vec<bool> {
        // (Quoted strings and literal octets are case-sensitive; the rest is not.)
        let mut mask = vec![false; self.raw.len()];
        for range in &self.literals {
            mask[range.clone()].iter_mut().for_each(|m| *m = true);
        }
        let mut i = 0;
        while i < self.raw.len() {
            // Skip literal octets; an empty literal (`{0}`) has nothing to skip, so it must
            // not stop the scan from advancing.
            if let Some(lit) = self.literals.iter().find(|r| r.start == i && !r.is_empty()) {
                i = lit.end;
                continue;
            }
            if self.raw[i] == b'"' {
                let start = i;
                i += 1;
                while i < self.raw.len() && self.raw[i] != b'"' {
                    i += if self.raw[i] == b'\\' { 2 } else { 1 };
                }
                let end = (i + 1).min(self.raw.len());
                mask[start..end].iter_mut().for_each(|m| *m = true);
                i = end;
            } else {
                i += 1;
            }
        }
        mask
    }

    /// The response as transcript lines: split at CRLF, control octets escaped.
    pub fn display_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut start = 0;
        let raw = &self.raw;
        let mut i = 0;
        while i + 1 < raw.len() {
            if raw[i] == b'\r' && raw[i + 1] == b'\n' {
                out.push(escape(&raw[start..i]));
                start = i + 2;
                i += 2;
            } else {
                i += 1;
            }
        }
        out.push(escape(&raw[start..]));
        out
    }
}

/// Printable rendering of wire octets: UTF-8 kept, control octets as `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_kinds() {
        assert_eq!(Response::line("a1 OK done").tag(), Some(&b"a1"[..]));
        assert_eq!(Response::line("* 3 EXISTS").tag(), None);
        assert!(Response::line("+ idling").is_continuation());
        assert_eq!(Response::line("* PREAUTH hi").status_word(), "PREAUTH");
    }

    #[test]
    fn mask_marks_quoted_strings_and_literals() {
        let r = Response {
            raw: b"* X \"Ab\" {2}\r\nCd x".to_vec(),
            literals: std::iter::once(14..16).collect(),
            bare_lf: false,
        };
        let m = r.case_sensitive_mask();
        assert!(!m[2]);
        assert!(m[4] && m[5] && m[7]);
        assert!(!m[9]);
        assert!(m[14] && m[15]);
        assert!(!m[17]);
    }

    #[test]
    fn mask_terminates_on_empty_literal() {
        // `BODY[]<800> {0}`: a partial fetch past the end (RFC 3501 §6.4.5).
        let r = Response {
            raw: b"* 1 FETCH (BODY[]<800> {0}\r\n)".to_vec(),
            literals: std::iter::once(29..29).collect(),
            bare_lf: false,
        };
        let m = r.case_sensitive_mask();
        assert_eq!(m.len(), r.raw.len());
    }

    #[test]
    fn display_splits_lines() {
        let r = Response {
            raw: b"* 1 FETCH (BODY[] {3}\r\nhi\n)".to_vec(),
            literals: std::iter::once(23..26).collect(),
            bare_lf: false,
        };
        assert_eq!(r.display_lines(), vec!["* 1 FETCH (BODY[] {3}", "hi\\x0A)"]);
    }
}
