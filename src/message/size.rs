//! The CRLF view of a message file (RFC 3501 §2.3.4 RFC822.SIZE, §6.4.5 partial fetches).
//!
//! Maildir files usually hold bare LF line ends, sometimes CRLF, sometimes a mix. IMAP sizes
//! and octets are counted as if every line ended in CRLF, so a *bare* LF (one not preceded by
//! CR in the file) counts as two octets and is sent as CRLF, while an LF already preceded by CR
//! is sent as it is (a CRLF file is not doubled: Dovecot's behaviour; Courier writes `\r\r\n`).
//! Bare CR and NUL are passed through unchanged: we never invent or drop octets other than the
//! CR of a bare LF. Whether an LF is bare is decided on the whole file, so the view of a range
//! is always a substring of the view of the file, and sizes of adjacent ranges add up.
//!
//! [`CrlfIndex`] keeps the sorted positions of the LFs, so sizes, line counts and partial
//! ranges of any part are answered in O(log n) after one O(n) pass.

use std::borrow::Cow;
use std::ops::Range;

use crate::syntax::types::Partial;

/// Positions of the line feeds of one message file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CrlfIndex {
    /// Every LF, ascending.
    lf: Vec<usize>,
    /// The LFs not preceded by CR; `None` when that is every LF (the usual Maildir file).
    bare: Option<Vec<usize>>,
}

/// How many positions in the sorted `v` lie in `r`.
fn count_in(v: &[usize], r: &Range<usize>) -> usize {
    v.partition_point(|&p| p < r.end) - v.partition_point(|&p| p < r.start)
}

/// Appends the CRLF form of `data[r]` to `out`, as [`CrlfIndex::bytes`] gives it, without
/// an index of the whole file (for a few lines of it: a header field).
pub fn push_crlf(out: &mut Vec<u8>, data: &[u8], r: Range<usize>) {
    let mut from = r.start;
    for p in memchr::memchr_iter(b'\n', &data[r.clone()]).map(|i| r.start + i) {
        if p == 0 || data[p - 1] != b'\r' {
            out.extend_from_slice(&data[from..p]);
            out.extend_from_slice(b"\r\n");
            from = p + 1;
        }
    }
    out.extend_from_slice(&data[from..r.end]);
}

impl CrlfIndex {
    /// Indexes `data` (one pass).
    pub fn new(data: &[u8]) -> Self {
        let lf: Vec<usize> = memchr::memchr_iter(b'\n', data).collect();
        let has_crlf = lf.iter().any(|&p| p > 0 && data[p - 1] == b'\r');
        let bare = has_crlf.then(|| {
            lf.iter()
                .copied()
                .filter(|&p| p == 0 || data[p - 1] != b'\r')
                .collect()
        });
        CrlfIndex { lf, bare }
    }

    fn bare(&self) -> &[usize] {
        self.bare.as_deref().unwrap_or(&self.lf)
    }

    /// Number of LFs in `r`.
    pub fn lf_count(&self, r: Range<usize>) -> usize {
        count_in(&self.lf, &r)
    }

    /// Size in octets of the CRLF form of the file range `r`.
    pub fn size(&self, r: Range<usize>) -> usize {
        r.len() + count_in(self.bare(), &r)
    }

    /// `body-fld-lines` (RFC 3501 §7.4.2 "size of the body in text lines"): the line ends in
    /// `r`. The line end before a boundary belongs to the boundary (RFC 2046 §5.1.1), so a
    /// part's last line is not counted — as Dovecot and Courier count (docs/messages.md).
    pub fn lines(&self, _data: &[u8], r: Range<usize>) -> usize {
        self.lf_count(r)
    }

    /// The CRLF form of `data[r]`; borrowed when `r` has no bare LF.
    pub fn bytes<'a>(&self, data: &'a [u8], r: Range<usize>) -> Cow<'a, [u8]> {
        if count_in(self.bare(), &r) == 0 {
            return Cow::Borrowed(&data[r]);
        }
        let mut out = Vec::with_capacity(self.size(r.clone()));
        let mut from = r.start;
        let bare = self.bare();
        for &p in &bare[bare.partition_point(|&p| p < r.start)..] {
            if p >= r.end {
                break;
            }
            out.extend_from_slice(&data[from..p]);
            out.extend_from_slice(b"\r\n");
            from = p + 1;
        }
        out.extend_from_slice(&data[from..r.end]);
        Cow::Owned(out)
    }

    /// Smallest file position `p` in `r` whose CRLF offset from `r.start` is at least `x`.
    fn position(&self, r: &Range<usize>, x: usize) -> usize {
        let (mut lo, mut hi) = (r.start, r.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.size(r.start..mid) >= x {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    /// `<origin.count>` of the CRLF form of `data[r]`, in CRLF coordinates (RFC 3501 §6.4.5):
    /// an origin past the end gives the empty string; the count is cut at the end. An edge that
    /// falls between the CR and LF of an expanded line end yields the lone half.
    pub fn partial<'a>(&self, data: &'a [u8], r: Range<usize>, p: Partial) -> Cow<'a, [u8]> {
        let total = self.size(r.clone());
        let x = (p.origin as usize).min(total);
        let y = x.saturating_add(p.count as usize).min(total);
        if x == y {
            return Cow::Borrowed(&[]);
        }
        let p0 = self.position(&r, x);
        let p1 = self.position(&r, y);
        let head = self.size(r.start..p0) > x; // x is the LF of the expansion at p0 - 1
        let tail = self.size(r.start..p1) > y; // y cuts after the CR of the LF at p1 - 1
        let mid_end = if tail { p1 - 1 } else { p1 };
        if !head && !tail {
            return self.bytes(data, p0..p1);
        }
        let mut out = Vec::with_capacity(y - x);
        if head {
            out.push(b'\n');
        }
        if p0 < mid_end {
            out.extend_from_slice(&self.bytes(data, p0..mid_end));
        }
        if tail {
            out.push(b'\r');
        }
        Cow::Owned(out)
    }
}

/// `<origin.count>` of bytes already in CRLF form (RFC 3501 §6.4.5).
pub fn partial_slice(bytes: &[u8], p: Partial) -> &[u8] {
    let x = (p.origin as usize).min(bytes.len());
    let y = x.saturating_add(p.count as usize).min(bytes.len());
    &bytes[x..y]
}

/// Converts a length to an IMAP `number`, saturating (sizes above 4 GiB cannot be expressed).
pub fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &b) in data.iter().enumerate() {
            if b == b'\n' && (i == 0 || data[i - 1] != b'\r') {
                out.push(b'\r');
            }
            out.push(b);
        }
        out
    }

    #[test]
    fn lf_and_crlf_sizes() {
        let lf = b"a\nbb\n\nc";
        let i = CrlfIndex::new(lf);
        assert_eq!(i.size(0..lf.len()), 10);
        assert_eq!(&*i.bytes(lf, 0..lf.len()), b"a\r\nbb\r\n\r\nc");
        let crlf = b"a\r\nb\r\n";
        let i = CrlfIndex::new(crlf);
        assert_eq!(i.size(0..crlf.len()), 6);
        assert!(matches!(i.bytes(crlf, 0..6), Cow::Borrowed(_)));
        let mixed = b"a\r\nb\nc\r\r\n";
        let i = CrlfIndex::new(mixed);
        assert_eq!(&*i.bytes(mixed, 0..mixed.len()), naive(mixed).as_slice());
        assert_eq!(i.lines(mixed, 0..mixed.len()), 3);
        assert_eq!(i.lines(b"x\ny", 0..3), 1);
    }

    #[quickcheck_macros::quickcheck]
    fn partial_matches_naive(data: Vec<u8>, a: usize, b: usize, origin: u16, count: u16) -> bool {
        let data: Vec<u8> = data
            .into_iter()
            .map(|b| b"ab\r\n"[b as usize % 4])
            .collect();
        let n = data.len();
        let (a, b) = if n == 0 {
            (0, 0)
        } else {
            (a % (n + 1), b % (n + 1))
        };
        let r = a.min(b)..a.max(b);
        let i = CrlfIndex::new(&data);
        let whole = naive(&data);
        let pre = naive(&data[..r.start]).len();
        // the view of a range is the matching substring of the view of the file
        let view = i.bytes(&data, r.clone());
        let mut pushed = b"x".to_vec();
        push_crlf(&mut pushed, &data, r.clone());
        let p = Partial {
            origin: origin.into(),
            count: u32::from(count).max(1),
        };
        view.len() == i.size(r.clone())
            && pushed[1..] == *view
            && whole[pre..pre + view.len()] == *view
            && *i.partial(&data, r, p) == *partial_slice(&view, p)
    }
}
