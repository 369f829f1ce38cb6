//! Header fields of one header block: iteration, lookup and unfolding (RFC 5322 §2.2).
//!
//! A field is a line `name ":" value` plus any continuation lines that start with SP or HTAB
//! (§2.2.3). Lines without a colon are yielded with an empty name so that
//! `HEADER.FIELDS.NOT` can pass them through; no lookup matches them.

use std::ops::Range;

/// One header field as byte ranges into the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field name, without the colon or trailing whitespace (obs-optional allows WSP
    /// before the colon, RFC 5322 §4.5.3).
    pub name: Range<usize>,
    /// The value after the colon up to the end of the last continuation line, line end
    /// excluded; still folded.
    pub value: Range<usize>,
    /// The whole field including its final line end (what `HEADER.FIELDS` copies).
    pub line: Range<usize>,
}

/// Iterator over the fields of a header block (see [`fields`]).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

/// The fields of the header block `header` of `data`, in order. Stops at the blank line.
pub fn fields(data: &[u8], header: Range<usize>) -> Fields<'_> {
    Fields {
        data,
        pos: header.start,
        end: header.end.min(data.len()),
    }
}

/// Position just after the next LF at or after `pos`, or `end`.
fn next_line(data: &[u8], pos: usize, end: usize) -> usize {
    memchr::memchr(b'\n', &data[pos..end]).map_or(end, |i| pos + i + 1)
}

/// `range` without a final LF or CRLF.
fn strip_eol(data: &[u8], range: Range<usize>) -> Range<usize> {
    let mut e = range.end;
    if e > range.start && data[e - 1] == b'\n' {
        e -= 1;
        if e > range.start && data[e - 1] == b'\r' {
            e -= 1;
        }
    }
    range.start..e
}

impl Iterator for Fields<'_> {
    type Item = Field;

    fn next(&mut self) -> Option<Field> {
        let (data, start, end) = (self.data, self.pos, self.end);
        if start >= end || data[start] == b'\n' || data[start..end].starts_with(b"\r\n") {
            return None;
        }
        let first_end = next_line(data, start, end);
        let mut e = first_end;
        while e < end && matches!(data[e], b' ' | b'\t') {
            e = next_line(data, e, end);
        }
        self.pos = e;
        let first = strip_eol(data, start..first_end);
        let (name, value) = match memchr::memchr(b':', &data[first.clone()]) {
            Some(i) => {
                let mut n = start + i;
                while n > start && matches!(data[n - 1], b' ' | b'\t') {
                    n -= 1;
                }
                (start..n, strip_eol(data, start + i + 1..e))
            }
            None => (start..start, strip_eol(data, start..e)),
        };
        Some(Field {
            name,
            value,
            line: start..e,
        })
    }
}

/// True if the field name at `name` equals `want`, ASCII case-insensitively (RFC 5322 §1.2.2).
pub fn name_is(data: &[u8], name: &Range<usize>, want: &[u8]) -> bool {
    !name.is_empty() && data[name.clone()].eq_ignore_ascii_case(want)
}

/// Unfolds a raw value (removes CR and LF, RFC 5322 §2.2.3) and trims surrounding WSP.
pub fn unfold(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    unfold_into(raw, &mut out);
    out
}

/// [`unfold`], appending to `out`. Trimming WSP after removing CR and LF is trimming WSP,
/// CR and LF before; the middle is copied a line at a time.
pub fn unfold_into(raw: &[u8], out: &mut Vec<u8>) {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = raw.iter().position(|b| !space(b)).unwrap_or(raw.len());
    let end = raw.iter().rposition(|b| !space(b)).map_or(start, |i| i + 1);
    let mut rest = &raw[start..end];
    while let Some(i) = memchr::memchr2(b'\r', b'\n', rest) {
        out.extend_from_slice(&rest[..i]);
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// The unfolded value of the first field called `name`, if any.
pub fn first(data: &[u8], header: Range<usize>, name: &[u8]) -> Option<Vec<u8>> {
    fields(data, header)
        .find(|f| name_is(data, &f.name, name))
        .map(|f| unfold(&data[f.value]))
}

/// True if a header block ends with its blank line (RFC 3501 §6.4.5: the blank line is part
/// of every header fetch when the message has one).
pub fn has_blank_line(data: &[u8], header: &Range<usize>) -> bool {
    let h = &data[header.clone()];
    h == b"\n" || h == b"\r\n" || h.ends_with(b"\n\n") || h.ends_with(b"\n\r\n")
}

/// The index just past the (nested) comment that starts at `s[i] == b'('` (RFC 5322
/// §3.2.2: comments nest, `\` quotes the next octet). An unclosed comment runs to the end.
pub fn skip_comment(s: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
        if depth == 0 {
            break;
        }
    }
    i.min(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_continuations() {
        let d = b"A: 1\nSubject : x\n  y\r\nNoColon\nB:2\n\nbody";
        let f: Vec<_> = fields(d, 0..d.len()).collect();
        assert_eq!(f.len(), 4);
        assert_eq!(&d[f[1].name.clone()], b"Subject");
        assert_eq!(unfold(&d[f[1].value.clone()]), b"x  y");
        assert_eq!(&d[f[1].line.clone()], b"Subject : x\n  y\r\n");
        assert!(f[2].name.is_empty());
        assert_eq!(first(d, 0..d.len(), b"b"), Some(b"2".to_vec()));
    }

    /// The definition: every CR and LF removed, then WSP trimmed at both ends.
    #[test]
    fn unfold_is_remove_then_trim() {
        fn prop(picks: Vec<u8>) -> bool {
            let raw: Vec<u8> = picks
                .iter()
                .map(|p| b" \t\r\nab=?"[*p as usize % 8])
                .collect();
            let mut want: Vec<u8> = raw
                .iter()
                .copied()
                .filter(|b| !b"\r\n".contains(b))
                .collect();
            while want.first().is_some_and(|b| b" \t".contains(b)) {
                want.remove(0);
            }
            while want.last().is_some_and(|b| b" \t".contains(b)) {
                want.pop();
            }
            unfold(&raw) == want
        }
        quickcheck::QuickCheck::new()
            .tests(5_000)
            .quickcheck(prop as fn(Vec<u8>) -> bool);
    }
}
