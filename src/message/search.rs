//! What SEARCH needs from a message: decoded header values, decoded body text, the sent
//! date, and a case-insensitive "contains" (RFC 3501 §6.4.4: "case-insensitive substring").
//!
//! Case folding approximates i;unicode-casemap (RFC 5051 §2, titlecase then NFKD): we put
//! the string in NFKD first (the `unicode-normalization` crate), then map each character to
//! its simple uppercase when that is one character (the same as the simple titlecase except
//! for digraph letters such as `ǆ`). Decomposing first also folds compatibility characters
//! whose decomposition has case (`ﬁ` matches `FI`), a slight widening of RFC 5051.

use std::cell::RefCell;
use std::ops::Range;

use unicode_normalization::char::decompose_compatible;
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
    Needle::new(needle).found_in(haystack)
}

/// A SEARCH string folded once, to be looked for in many texts ([`Needle::found_in`]).
///
/// Most needles fold to ASCII. Then a text is matched without folding it as a whole:
/// [`casefold`] maps ASCII to ASCII (letters to uppercase), and non-ASCII characters to
/// non-ASCII ones *or* to ASCII letters (`ﬁ` → `FI`, fullwidth `Ａ` → `A`, KELVIN SIGN →
/// `K`, `ı` → `I`, `ſ` → `S`). So an all-ASCII text is compared ASCII-case-insensitively in
/// place, and a text with other characters is lowered into a scratch buffer where each
/// non-ASCII character becomes what its fold contains: its ASCII characters, lowered, and a
/// byte ≥ 0x80 for each other character (which no ASCII needle contains). NFKD's canonical
/// reordering moves only combining marks (never ASCII), so folding character by character
/// gives the same ASCII runs as folding the whole text. Other needles take the full fold.
pub struct Needle {
    folded: String,
    /// For an ASCII fold: a finder of the fold lowercased.
    ascii: Option<memchr::memmem::Finder<'static>>,
    scratch: RefCell<Vec<u8>>,
}

impl std::fmt::Debug for Needle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Needle")
            .field("folded", &self.folded)
            .finish_non_exhaustive()
    }
}

impl Needle {
    /// Folds `needle` (see [`casefold`]).
    pub fn new(needle: &str) -> Self {
        let folded = casefold(needle);
        let ascii = folded.is_ascii().then(|| {
            memchr::memmem::Finder::new(&folded.to_ascii_lowercase().into_bytes()).into_owned()
        });
        Needle {
            folded,
            ascii,
            scratch: RefCell::new(Vec::new()),
        }
    }

    /// Folds a needle given as octets (lossy UTF-8, as SEARCH strings are taken).
    pub fn from_bytes(needle: &[u8]) -> Self {
        Needle::new(&String::from_utf8_lossy(needle))
    }

    /// True if the needle occurs in `haystack` after folding both: the same answer as
    /// `casefold(haystack).contains(&casefold(needle))`, faster.
    pub fn found_in(&self, haystack: &str) -> bool {
        if self.folded.is_empty() {
            return true;
        }
        let Some(finder) = &self.ascii else {
            return casefold(haystack).contains(&self.folded);
        };
        self.find_chunked(finder, haystack, CHUNK)
    }

    /// The ASCII-needle search, folding `haystack` in pieces of about `chunk` octets (so the
    /// scratch buffer stays in the CPU cache), each piece searched together with the last
    /// `needle length - 1` folded octets of the one before.
    fn find_chunked(
        &self,
        finder: &memchr::memmem::Finder<'_>,
        haystack: &str,
        chunk: usize,
    ) -> bool {
        let n = finder.needle().len();
        if n == 0 {
            return true;
        }
        if haystack.len() < n && haystack.is_ascii() {
            return false;
        }
        let chunk = chunk.max(2 * n);
        let mut buf = self.scratch.borrow_mut();
        buf.clear();
        let mut rest = haystack;
        while !rest.is_empty() {
            let mut cut = chunk.min(rest.len());
            while !rest.is_char_boundary(cut) {
                cut += 1;
            }
            let drop = buf.len().saturating_sub(n - 1);
            buf.drain(..drop);
            lower_ascii_fold(&rest[..cut], &mut buf);
            if finder.find(&buf).is_some() {
                return true;
            }
            rest = &rest[cut..];
        }
        false
    }
}

/// Non-ASCII characters whose simple uppercase is ASCII (ı → I, ſ → S); the test
/// `only_these_uppercase_to_ascii` checks the list against every character.
const UPPER_TO_ASCII: [(char, u8); 2] = [('\u{0131}', b'i'), ('\u{017F}', b's')];

/// One character of an NFKD decomposition as [`lower_ascii_fold`] writes it: the fold
/// (simple uppercase) lowered if it is ASCII, else 0x80.
fn ascii_view(d: char) -> u8 {
    if d.is_ascii() {
        (d as u8).to_ascii_lowercase()
    } else {
        UPPER_TO_ASCII
            .iter()
            .find(|&&(c, _)| c == d)
            .map_or(0x80, |&(_, a)| a)
    }
}

/// Octets of text folded at a time by [`Needle::found_in`].
const CHUNK: usize = 16 * 1024;

/// The length of the ASCII prefix of `b`, eight octets at a time.
fn ascii_prefix(b: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut words = b.chunks_exact(8);
    for (k, w) in words.by_ref().enumerate() {
        let high = u64::from_le_bytes(w.try_into().expect("8 octets")) & HIGH;
        if high != 0 {
            return 8 * k + high.trailing_zeros() as usize / 8;
        }
    }
    let tail = words.remainder();
    let done = b.len() - tail.len();
    done + tail.iter().position(|&x| x >= 0x80).unwrap_or(tail.len())
}

/// Appends to `out` the ASCII view of `casefold(s)`, lowercased: ASCII characters of the fold
/// lowered, every non-ASCII character of the fold as the byte 0x80.
fn lower_ascii_fold(s: &str, out: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    if bytes.is_ascii() {
        let start = out.len();
        out.extend_from_slice(bytes);
        out[start..].make_ascii_lowercase();
        return;
    }
    out.reserve(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let run = i + ascii_prefix(&bytes[i..]);
        let start = out.len();
        out.extend_from_slice(&bytes[i..run]);
        out[start..].make_ascii_lowercase();
        i = run;
        if i < bytes.len() {
            let c = s[i..].chars().next().expect("char boundary");
            i += c.len_utf8();
            decompose_compatible(c, |d| out.push(ascii_view(d)));
        }
    }
}

/// Calls `f` with the decoded text of one leaf (transfer encoding removed, charset converted
/// to UTF-8): borrowed from `data` when it already is that text (an identity transfer
/// encoding and ASCII, or valid UTF-8 labelled so), decoded otherwise.
fn with_leaf_text<R>(data: &[u8], part: &Part, f: impl FnOnce(&str) -> R) -> R {
    let raw = &data[part.body.clone()];
    let cte = header::first(data, part.header.clone(), b"content-transfer-encoding");
    let cs = part
        .content_type
        .param(b"charset")
        .map_or(&b"us-ascii"[..], |p| p.value.as_slice());
    match encoding_of(cte.as_deref()).as_slice() {
        b"base64" => f(&decode::charset_cow(&decode::base64(raw), cs)),
        b"quoted-printable" => f(&decode::charset_cow(&decode::quoted_printable(raw), cs)),
        _ => f(&decode::charset_cow(raw, cs)),
    }
}

/// Visits the body text pieces (see [`Message::body_text`]) until `f` returns true.
fn any_text(data: &[u8], part: &Part, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match &part.kind {
        PartKind::Multipart(children) => children.iter().any(|c| any_text(data, c, f)),
        PartKind::Message(inner) => {
            f(&header_text(data, inner.header.clone())) || any_text(data, inner, f)
        }
        PartKind::Leaf if part.content_type.media_type == b"text" => {
            with_leaf_text(data, part, |t| f(t))
        }
        PartKind::Leaf => false,
    }
}

/// The whole header block decoded: each field `name: value` unfolded, RFC 2047 decoded,
/// one per line.
fn header_text(data: &[u8], hdr: Range<usize>) -> String {
    let mut out = String::with_capacity(hdr.len() + hdr.len() / 8);
    let mut value = Vec::new();
    for f in header::fields(data, hdr) {
        out.push_str(&String::from_utf8_lossy(&data[f.name]));
        out.push_str(": ");
        value.clear();
        header::unfold_into(&data[f.value], &mut value);
        decode::rfc2047_into(&value, &mut out);
        out.push('\n');
    }
    out
}

impl Message<'_> {
    /// Values of every top-level header field called `name` (case-insensitive), unfolded and
    /// RFC 2047 decoded to UTF-8 (for SEARCH HEADER/SUBJECT/FROM/…).
    pub fn header_values(&self, name: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        self.any_header_value(name, &mut |v| {
            out.push(v.to_owned());
            false
        });
        out
    }

    /// Visits the values [`Message::header_values`] gives until `f` returns true; returns
    /// whether it did.
    pub fn any_header_value(&self, name: &[u8], f: &mut dyn FnMut(&str) -> bool) -> bool {
        header::fields(self.data, self.header_range())
            .filter(|fl| header::name_is(self.data, &fl.name, name))
            .any(|fl| f(&decode::rfc2047(&header::unfold(&self.data[fl.value]))))
    }

    /// The top-level header decoded (for SEARCH TEXT).
    pub fn header_text(&self) -> String {
        header_text(self.data, self.header_range())
    }

    /// Decoded text of the body for SEARCH BODY: every text/* leaf (transfer and charset
    /// decoded) and the header of every encapsulated message, in order. Other media types
    /// are not searched.
    pub fn body_text(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.any_body_text(&mut |t| {
            out.push(t.to_owned());
            false
        });
        out
    }

    /// Visits the pieces [`Message::body_text`] gives, without copying a piece that needs no
    /// decoding, until `f` returns true; returns whether it did.
    pub fn any_body_text(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        any_text(self.data, self.root(), f)
    }

    /// The parsed Date: header (first one), for SENTBEFORE/SENTON/SENTSINCE and SORT DATE.
    pub fn sent_date(&self) -> Option<SentDate> {
        date::parse(&header::first(self.data, self.header_range(), b"date")?)
    }

    /// RFC 5256 §2.1 base subject of the Subject: header ("" if none).
    pub fn base_subject(&self) -> String {
        header::first(self.data, self.header_range(), b"subject")
            .map(|s| super::subject::base_subject(&s))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{Arbitrary, Gen, QuickCheck};

    #[test]
    fn folding() {
        assert!(contains_folded("Grüße aus KÖLN", "köln"));
        assert!(contains_folded("ﬁle", "FI")); // NFKD of the ligature
        assert!(contains_folded("x", ""));
        assert!(!contains_folded("abc", "abd"));
    }

    /// Non-ASCII characters whose fold has ASCII in it, and neighbours that must not match.
    #[test]
    fn ascii_needles_see_folded_non_ascii() {
        let n = Needle::new("file");
        assert!(n.found_in("a ﬁle")); // U+FB01 → FI
        assert!(Needle::new("ab").found_in("ＡＢ")); // fullwidth
        assert!(Needle::new("k").found_in("\u{212A}")); // KELVIN SIGN → K
        assert!(Needle::new("kelvin").found_in("\u{212A}ELVIN"));
        assert!(Needle::new("is").found_in("ıſ")); // dotless i → I, long s → S
        assert!(Needle::new("a").found_in("\u{212B}")); // ANGSTROM SIGN → A + ring
        assert!(!Needle::new("ab").found_in("a\u{301}b")); // the mark sits between
        assert!(!Needle::new("ss").found_in("ß")); // no one-character uppercase: kept
        assert!(Needle::new("café").found_in("CAFE\u{301}")); // non-ASCII needle: full fold
        assert!(!Needle::new("abc").found_in("ab"));
        assert!(Needle::new("").found_in(""));
        // across the pieces found_in folds at a time
        let mut long = "x".repeat(CHUNK - 3);
        long.push_str("WOMBAT");
        assert!(Needle::new("wombat").found_in(&long));
        let mut long = "é".repeat(CHUNK / 2 - 1);
        long.push_str("Wo\u{FB01}x");
        assert!(Needle::new("wofix").found_in(&long));
        assert!(!Needle::new("wofiy").found_in(&long));
    }

    #[test]
    fn ascii_prefix_finds_the_first_high_octet() {
        fn prop(picks: Vec<u8>) -> bool {
            // mostly ASCII: long runs cross the eight-octet words
            let text: Vec<u8> = picks
                .iter()
                .map(|&b| if b > 250 { b } else { b % 0x80 })
                .collect();
            (0..text.len()).all(|s| {
                let want = text[s..].iter().position(|&b| b >= 0x80);
                ascii_prefix(&text[s..]) == want.unwrap_or(text.len() - s)
            })
        }
        QuickCheck::new()
            .tests(5_000)
            .quickcheck(prop as fn(Vec<u8>) -> bool);
    }

    /// The folded form of one character, as [`casefold`] maps it (NFKD, then each character to
    /// its simple uppercase when that is one character).
    fn fold_char(c: char) -> impl Iterator<Item = char> {
        std::iter::once(c).nfkd().map(|d| {
            let mut up = d.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => d,
            }
        })
    }

    #[test]
    fn only_these_uppercase_to_ascii() {
        for c in (0x80..=0x10_FFFF).filter_map(char::from_u32) {
            let view: String = fold_char(c)
                .map(|f| if f.is_ascii() { f } else { '\u{80}' })
                .collect();
            let mut mine = String::new();
            decompose_compatible(c, |d| mine.push(char::from(ascii_view(d))));
            assert_eq!(view.to_ascii_lowercase(), mine, "{c:?}");
        }
    }

    /// Characters that stress the fold: ASCII, compatibility and case oddities, marks.
    const ALPHABET: &[char] = &[
        'a', 'b', 'f', 'i', 'k', 's', 'A', 'F', 'I', 'K', 'S', ' ', '1', '\u{FB01}', '\u{FF21}',
        '\u{FF41}', '\u{212A}', '\u{212B}', '\u{0131}', '\u{017F}', '\u{00DF}', '\u{00E9}',
        '\u{0301}', '\u{0323}', '\u{01C6}', '\u{0149}', '\u{D55C}', '\u{2460}', '\u{00BD}',
        '\u{1E9E}', '\u{0130}', 'é', 'É', '\u{03A3}', '\u{03C2}',
    ];

    #[derive(Debug, Clone)]
    struct Text(String);

    impl Arbitrary for Text {
        fn arbitrary(g: &mut Gen) -> Self {
            let n = usize::arbitrary(g) % 12;
            Text(
                (0..n)
                    .map(|_| *g.choose(ALPHABET).expect("alphabet"))
                    .collect(),
            )
        }
        fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
            Box::new(self.0.shrink().map(Text))
        }
    }

    /// The fast paths answer exactly what the full fold answers.
    #[test]
    fn needle_agrees_with_full_fold() {
        fn prop(hay: Text, needle: Text, start: usize, len: usize) -> bool {
            let slow = |n: &str| casefold(&hay.0).contains(&casefold(n));
            // also a needle cut from the haystack, so that matches are common
            let chars: Vec<char> = hay.0.chars().collect();
            let s = start % (chars.len() + 1);
            let cut: String = chars[s..(s + len % 5).min(chars.len())].iter().collect();
            [needle.0.as_str(), cut.as_str()].iter().all(|n| {
                let fast = Needle::new(n);
                let want = slow(n);
                fast.found_in(&hay.0) == want
                    // tiny chunks: matches across chunk borders
                    && fast.ascii.as_ref().is_none_or(|f| {
                        (1..4).all(|c| fast.find_chunked(f, &hay.0, c) == want)
                    })
            })
        }
        QuickCheck::new()
            .tests(20_000)
            .quickcheck(prop as fn(Text, Text, usize, usize) -> bool);
    }
}
