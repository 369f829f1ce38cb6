//! The Maildir info suffix `:2,<letters>` (maildir.txt, "info semantics") and the system
//! flags it carries.
//!
//! Letters (maildir.txt; Courier peers.md §5): D=\Draft F=\Flagged R=\Answered S=\Seen
//! T=\Deleted (Courier's `T`, "trashed"), written in ASCII order. Letters we do not know
//! (e.g. `P` = passed, Dovecot's keyword letters `a`..`z`) are kept as they are. Keywords are
//! never in the file name for Courier (they live in `courierimapkeywords/`).

use crate::core::flags::FlagSet;
use crate::syntax::types::Flag;

/// Letter ↔ system flag, in ASCII order of the letter.
const LETTERS: [(char, Flag); 5] = [
    ('D', Flag::Draft),
    ('F', Flag::Flagged),
    ('R', Flag::Answered),
    ('S', Flag::Seen),
    ('T', Flag::Deleted),
];

/// Splits a Maildir file name into its base name (the unique name, before the first `:`)
/// and its info (after the `:`), if any. Unique names never contain `:` (maildir.txt).
pub fn split(file_name: &str) -> (&str, Option<&str>) {
    // (the memchr crate's search: a listing splits every name)
    match memchr::memchr(b':', file_name.as_bytes()) {
        Some(i) => (&file_name[..i], Some(&file_name[i + 1..])),
        None => (file_name, None),
    }
}

/// The flag letters of a file name: the part after `:2,`, or empty for other infos.
pub fn letters(file_name: &str) -> &str {
    info_letters(split(file_name).1)
}

/// The flag letters of an info (the part of a file name after its `:`): the part after
/// `2,`, or empty for other infos and for none.
pub fn info_letters(info: Option<&str>) -> &str {
    info.and_then(|i| i.strip_prefix("2,")).unwrap_or("")
}

/// The system flags the letters stand for (keywords are not in the name).
pub fn from_letters(letters: &str) -> FlagSet {
    let mut set = FlagSet::new();
    // (one pass over the letters: this runs for every message of a folder at SELECT)
    for b in letters.bytes() {
        if let Some((_, f)) = LETTERS.iter().find(|(c, _)| u32::from(*c) == u32::from(b)) {
            set.insert(f);
        }
    }
    set
}

/// New letters for `flags`: the system flags' letters plus every unknown letter from `old`,
/// sorted in ASCII order and without duplicates (maildir.txt).
pub fn to_letters(flags: &FlagSet, old: &str) -> String {
    let mut out: Vec<char> = old
        .chars()
        .filter(|c| !LETTERS.iter().any(|(l, _)| l == c))
        .collect();
    for (c, f) in &LETTERS {
        if flags.contains(f) {
            out.push(*c);
        }
    }
    out.sort_unstable();
    out.dedup();
    out.into_iter().collect()
}

/// The file name for `base` with info `:2,<letters>`.
pub fn with_letters(base: &str, letters: &str) -> String {
    format!("{base}:2,{letters}")
}

/// A `,K=<n>` size hint from the base name (`S` = bytes on disk, `W` = RFC822.SIZE), as
/// written by Maildir++ (`,S=`) and Dovecot (`,W=`) (peers.md §5, §6).
pub fn size_hint(base: &str, key: char) -> Option<u64> {
    let key = u8::try_from(key).ok()?;
    let name = base.as_bytes();
    // The first `,K=` (a base has a comma or two: this runs for every message at SELECT).
    let at = memchr::memchr_iter(b',', name)
        .find(|&i| name.get(i + 1..i + 3) == Some(&[key, b'=']))?
        + 3;
    let digits = &name[at..];
    let n = digits.iter().take_while(|d| d.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    digits[..n].iter().try_fold(0u64, |v, d| {
        v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_names() {
        assert_eq!(split("1.M2P3.h,S=5:2,FS"), ("1.M2P3.h,S=5", Some("2,FS")));
        assert_eq!(split("1.M2P3.h"), ("1.M2P3.h", None));
        assert_eq!(letters("x:2,FS"), "FS");
        assert_eq!(letters("x:1,FS"), "");
        assert_eq!(letters("x"), "");
    }

    #[test]
    fn letter_mapping() {
        let f = from_letters("DFPRST");
        for flag in [
            Flag::Draft,
            Flag::Flagged,
            Flag::Answered,
            Flag::Seen,
            Flag::Deleted,
        ] {
            assert!(f.contains(&flag), "{flag:?}");
        }
        assert_eq!(to_letters(&f, ""), "DFRST");
        let seen = from_letters("S");
        assert!(seen.seen() && !seen.deleted());
        assert_eq!(to_letters(&FlagSet::new(), "S"), "");
    }

    #[test]
    fn unknown_letters_are_preserved_and_sorted() {
        let mut f = from_letters("PS");
        f.insert(&Flag::Flagged);
        assert_eq!(to_letters(&f, "PS"), "FPS");
        f.remove(&Flag::Seen);
        assert_eq!(to_letters(&f, "PSab"), "FPab");
        assert_eq!(to_letters(&FlagSet::new(), "aPS"), "Pa");
    }

    #[test]
    fn size_hints() {
        let b = "1795693322.M1P2V00I00_1.vm,S=189,W=197";
        assert_eq!(size_hint(b, 'S'), Some(189));
        assert_eq!(size_hint(b, 'W'), Some(197));
        assert_eq!(size_hint("1.M2P3.h", 'S'), None);
        // The first `,S=` counts, digits up to the next non-digit; none or too many: none.
        assert_eq!(size_hint("1.h,S=12x,S=5", 'S'), Some(12));
        assert_eq!(size_hint("1.h,S=,S=5", 'S'), None);
        assert_eq!(size_hint("1.h,S=", 'S'), None);
        assert_eq!(size_hint("1.h,S", 'S'), None);
        assert_eq!(size_hint("1.h,X=1,W=7", 'W'), Some(7));
        assert_eq!(size_hint("1.h,S=18446744073709551615", 'S'), Some(u64::MAX));
        assert_eq!(size_hint("1.h,S=18446744073709551616", 'S'), None);
        assert_eq!(size_hint("1.h,S=5", 'é'), None);
    }
}
