//! quickcheck generators for [`Command`] and [`Response`] (test only).
//!
//! Values are valid, bounded and canonical: each is something the parser can produce (for
//! commands) or the core may ask the encoder to send (for responses, see the preconditions
//! in [`crate::syntax::encode`]). Canonical means no two generated values stand for the same
//! wire text: no `And` of fewer than two keys, no `Flag::Extension("Seen")`, no
//! `ThreadAlgorithm::Other("REFERENCES")`, mailbox names through [`Mailbox::new`].
//! Strings mix the shapes that take different encodings: atoms, text with spaces, quotes
//! and backslashes, CR/LF, 8-bit, `NIL`, empty, and (rarely) longer than a quoted string.

use std::num::NonZeroU32;

use quickcheck::{Arbitrary, Gen};

use crate::syntax::types::*;

mod command;
mod response;

pub(crate) use self::response::{body_structure, envelope, status_response};

/// A number in `lo..=hi`.
pub(crate) fn range(g: &mut Gen, lo: u64, hi: u64) -> u64 {
    let span = hi - lo;
    if span == u64::MAX {
        return u64::arbitrary(g);
    }
    lo + u64::arbitrary(g) % (span + 1)
}

/// A `u32` in `lo..=hi`.
pub(crate) fn r32(g: &mut Gen, lo: u32, hi: u32) -> u32 {
    range(g, lo.into(), hi.into()) as u32
}

/// A small count in `lo..=hi`.
pub(crate) fn count(g: &mut Gen, lo: usize, hi: usize) -> usize {
    range(g, lo as u64, hi as u64) as usize
}

/// True with probability 1/n.
pub(crate) fn one_in(g: &mut Gen, n: u64) -> bool {
    range(g, 1, n) == 1
}

/// One of `items`.
pub(crate) fn pick<T: Clone>(g: &mut Gen, items: &[T]) -> T {
    g.choose(items).expect("non-empty choice").clone()
}

/// `lo..=hi` values from `f`.
pub(crate) fn vec_of<T>(
    g: &mut Gen,
    lo: usize,
    hi: usize,
    mut f: impl FnMut(&mut Gen) -> T,
) -> Vec<T> {
    (0..count(g, lo, hi)).map(|_| f(g)).collect()
}

/// `Some(f())` half of the time.
pub(crate) fn maybe<T>(g: &mut Gen, f: impl FnOnce(&mut Gen) -> T) -> Option<T> {
    bool::arbitrary(g).then(|| f(g))
}

/// A u32 that is a valid `nz-number`.
pub(crate) fn nz(g: &mut Gen) -> u32 {
    if bool::arbitrary(g) {
        r32(g, 1, 100)
    } else {
        r32(g, 1, u32::MAX)
    }
}

/// A u32 that is a valid `number`, often small.
pub(crate) fn num(g: &mut Gen) -> u32 {
    if bool::arbitrary(g) {
        r32(g, 0, 100)
    } else {
        u32::arbitrary(g)
    }
}

/// A `number64` (RFC 9208: 0..2^63).
pub(crate) fn num64(g: &mut Gen) -> u64 {
    if bool::arbitrary(g) {
        range(g, 0, 100_000)
    } else {
        range(g, 0, i64::MAX as u64)
    }
}

const ATOM_CHARS: &[u8] = b"abcxyzABCXYZ0129!#$&'+,-./:;<=>?@^_`|~";

/// Characters chosen from `chars`, `lo..=hi` of them.
pub(crate) fn chars_from(g: &mut Gen, chars: &[u8], lo: usize, hi: usize) -> Vec<u8> {
    vec_of(g, lo, hi, |g| pick(g, chars))
}

/// An `atom` (RFC 3501 §9).
pub(crate) fn atom(g: &mut Gen) -> Atom {
    let text = if one_in(g, 4) {
        // Any ATOM-CHAR at all.
        let all: Vec<u8> = (0x21..0x7f).filter(|&b| is_atom_char(b)).collect();
        chars_from(g, &all, 1, 8)
    } else {
        chars_from(g, ATOM_CHARS, 1, 8)
    };
    Atom::new(String::from_utf8(text).expect("ASCII")).expect("valid atom")
}

/// An atom whose uppercase is none of `taken`.
pub(crate) fn atom_except(g: &mut Gen, taken: &[&str]) -> Atom {
    loop {
        let a = atom(g);
        if !taken.iter().any(|t| a.eq_ignore_case(t)) {
            return a;
        }
    }
}

/// A command tag: `1*<any ASTRING-CHAR except "+">`.
pub(crate) fn tag(g: &mut Gen) -> Tag {
    let chars: Vec<u8> = (0x21..0x7f)
        .filter(|&b| is_astring_char(b) && b != b'+')
        .collect();
    let text = if bool::arbitrary(g) {
        format!("a{}", r32(g, 0, 999))
    } else {
        String::from_utf8(chars_from(g, &chars, 1, 6)).expect("ASCII")
    };
    Tag::new(text).expect("valid tag")
}

/// Octets of the shapes that need different string forms. NUL only if `nul`.
pub(crate) fn octets(g: &mut Gen, nul: bool) -> Vec<u8> {
    let mut s = match range(g, 0, 11) {
        0 => Vec::new(),
        1 => pick(
            g,
            &[&b"NIL"[..], b"nil", b"INBOX", b"\"", b"\\", b"{3}", b"]"],
        )
        .to_vec(),
        2..=4 => chars_from(g, ATOM_CHARS, 1, 10),
        5 | 6 => chars_from(g, b"ab cd\tEF.-()%*[]{}~", 1, 12),
        7 => chars_from(g, b"ab\"\\\r\n \x01\x7f", 1, 8),
        8 => chars_from(g, &[b'a', 0xc3, 0xa9, 0xff, 0x80, b' '], 1, 8),
        9 if one_in(g, 4) => vec![b'x'; count(g, 1000, 1100)],
        _ => {
            let all: Vec<u8> = (1..=255).collect();
            chars_from(g, &all, 0, 10)
        }
    };
    if nul && one_in(g, 8) {
        let at = count(g, 0, s.len());
        s.insert(at, 0);
    }
    s
}

/// Client octets: never NUL (`CHAR8`).
pub(crate) fn cstr(g: &mut Gen) -> Vec<u8> {
    octets(g, false)
}

/// A mailbox name, normalised by [`Mailbox::new`].
pub(crate) fn mailbox(g: &mut Gen) -> Mailbox {
    if one_in(g, 5) {
        Mailbox::new(pick(
            g,
            &[
                &b"INBOX"[..],
                b"inbox",
                b"InBoX",
                b"INBOX.Sent",
                b"&AOk-t&AOk-",
            ],
        ))
    } else {
        Mailbox::new(cstr(g))
    }
}

/// A valid calendar date.
pub(crate) fn date(g: &mut Gen) -> Date {
    let year = if one_in(g, 5) {
        range(g, 0, 9999)
    } else {
        range(g, 1970, 2100)
    } as u16;
    let month = range(g, 1, 12) as u8;
    loop {
        let day = range(g, 1, 31) as u8;
        if let Ok(d) = Date::new(year, month, day) {
            return d;
        }
    }
}

/// A valid `date-time`.
pub(crate) fn date_time(g: &mut Gen) -> DateTime {
    let zone = range(g, 0, 2 * (99 * 60 + 59)) as i16 - (99 * 60 + 59);
    let zone = if bool::arbitrary(g) {
        zone
    } else {
        pick(g, &[0, 60, -420, 330])
    };
    DateTime::new(
        date(g),
        range(g, 0, 23) as u8,
        range(g, 0, 59) as u8,
        range(g, 0, 60) as u8,
        zone,
    )
    .expect("valid time")
}

const SYSTEM_FLAGS: &[&str] = &["Answered", "Flagged", "Deleted", "Seen", "Draft", "Recent"];

/// A flag; `\Recent` only if `recent`.
pub(crate) fn flag(g: &mut Gen, recent: bool) -> Flag {
    match range(g, 0, 7) {
        0 => Flag::Answered,
        1 => Flag::Flagged,
        2 => Flag::Deleted,
        3 => Flag::Seen,
        4 => Flag::Draft,
        5 if recent => Flag::Recent,
        5 | 6 => Flag::Keyword(atom(g)),
        _ => Flag::Extension(atom_except(g, SYSTEM_FLAGS)),
    }
}

/// A sequence set; `*` only if `star`, `$` only if `saved`.
pub(crate) fn sequence_set(g: &mut Gen, star: bool, saved: bool) -> SequenceSet {
    if saved && one_in(g, 8) {
        return SequenceSet::Saved;
    }
    let seq_no = |g: &mut Gen| {
        if star && one_in(g, 5) {
            SeqNo::Largest
        } else {
            SeqNo::Value(NonZeroU32::new(nz(g)).expect("non-zero"))
        }
    };
    SequenceSet::Ranges(vec_of(g, 1, 4, |g| {
        let start = seq_no(g);
        let end = if bool::arbitrary(g) { start } else { seq_no(g) };
        SeqRange { start, end }
    }))
}

/// Distinct items drawn from `all`, in random order.
pub(crate) fn subset<T: Clone + PartialEq>(g: &mut Gen, all: &[T], lo: usize, hi: usize) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for _ in 0..count(g, lo, hi) {
        let x = pick(g, all);
        if !out.contains(&x) {
            out.push(x);
        }
    }
    if out.len() < lo {
        out.extend(
            all.iter()
                .filter(|x| !out.contains(x))
                .take(lo - out.len())
                .cloned()
                .collect::<Vec<_>>(),
        );
    }
    out
}

pub(crate) const STATUS_ATTS: &[StatusAtt] = &[
    StatusAtt::Messages,
    StatusAtt::Recent,
    StatusAtt::UidNext,
    StatusAtt::UidValidity,
    StatusAtt::Unseen,
    StatusAtt::Size,
];
