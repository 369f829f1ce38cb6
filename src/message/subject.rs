//! RFC 5256 §2.1 base subject, for SORT SUBJECT and THREAD.

use super::decode;

fn strip_prefix_ci<'s>(s: &'s str, p: &str) -> Option<&'s str> {
    let head = s.get(..p.len())?;
    head.eq_ignore_ascii_case(p).then(|| &s[p.len()..])
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP` at the start of `s`: the rest after it.
fn blob(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find([']', '['])?;
    rest[close..]
        .strip_prefix(']')
        .map(|r| r.trim_start_matches([' ', '\t']))
}

/// `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"` at the start of `s`.
fn refwd(s: &str) -> Option<&str> {
    let r = strip_prefix_ci(s, "re")
        .or_else(|| strip_prefix_ci(s, "fwd"))
        .or_else(|| strip_prefix_ci(s, "fw"))?;
    let r = r.trim_start_matches([' ', '\t']);
    let r = blob(r).unwrap_or(r);
    r.strip_prefix(':')
}

/// `subj-leader = (*subj-blob subj-refwd) / WSP`: the rest after one leader, if any, and
/// whether it was a subj-refwd.
fn leader(s: &str) -> Option<(&str, bool)> {
    if let Some(r) = s.strip_prefix([' ', '\t']) {
        return Some((r, false));
    }
    let mut r = s;
    while let Some(next) = blob(r) {
        if let Some(after) = refwd(next) {
            return Some((after, true));
        }
        r = next;
    }
    refwd(s).map(|r| (r, true))
}

/// The base subject of a raw Subject: value (RFC 5256 §2.1 steps 1–6): RFC 2047 decoded,
/// whitespace runs collapsed, `(fwd)` trailers, `Re:`/`Fw:`/`Fwd:` leaders, `[blob]`
/// prefixes and a `[fwd: …]` wrapper removed. Not case-folded: compare with
/// [`super::search::casefold`].
pub fn base_subject(raw: &[u8]) -> String {
    extract(raw).0
}

/// The base subject and whether the message is a reply or forward: RFC 5256 §4 REFERENCES,
/// "if the base subject extraction rules, applied to the original subject, remove any of
/// the following: a subj-refwd, a "(fwd)" subj-trailer, or a subj-fwd-hdr and subj-fwd-trl".
pub fn extract(raw: &[u8]) -> (String, bool) {
    // (1) decode, tabs and continuations to single spaces (ASCII whitespace only: the
    // subj-* rules know only SP and HTAB as WSP)
    let decoded = decode::rfc2047(raw);
    let mut s: String = decoded
        .split([' ', '\t', '\r', '\n'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut reply = false;
    loop {
        // (2) trailers
        loop {
            let t = s.trim_end_matches([' ', '\t']);
            let cut = t.len().wrapping_sub(5);
            let t = match t.get(cut..) {
                Some(tail) if tail.eq_ignore_ascii_case("(fwd)") => {
                    reply = true;
                    &t[..cut]
                }
                _ => t,
            };
            if t.len() == s.len() {
                break;
            }
            s = t.to_string();
        }
        // (3)-(5) leaders and blobs
        loop {
            let before = s.len();
            while let Some((r, refwd)) = leader(&s) {
                reply |= refwd;
                s = r.to_string();
            }
            if let Some(r) = blob(&s) {
                if !r.is_empty() {
                    s = r.to_string();
                }
            }
            if s.len() == before {
                break;
            }
        }
        // (6) [fwd: ...]
        match strip_prefix_ci(&s, "[fwd:").and_then(|r| r.strip_suffix(']')) {
            Some(inner) => {
                reply = true;
                s = inner.to_string();
            }
            None => return (s, reply),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::base_subject;

    #[test]
    fn base_subjects() {
        assert_eq!(base_subject(b"Re: hello"), "hello");
        assert_eq!(base_subject(b"RE: [list] Fwd: Re:hello (fwd)"), "hello");
        assert_eq!(base_subject(b"[fwd: Re: x]"), "x");
        assert_eq!(base_subject(b"[only blob]"), "[only blob]");
        assert_eq!(base_subject(b"  re:  \t  =?utf-8?q?caf=C3=A9?=  "), "café");
        assert_eq!(base_subject(b"Rebecca"), "Rebecca");
        assert_eq!(base_subject(b"Re: [fwd: [list] re: x (fwd)]"), "x");
        assert_eq!(base_subject(b"[a][b] [c] d"), "d");
        assert_eq!(base_subject(b"[a] [b]"), "[b]");
        assert_eq!(base_subject(b"re: [a] fw: [b]"), "[b]");
        assert_eq!(base_subject(b"Fw : hi"), "hi");
        assert_eq!(base_subject(b"Re[2]: hi"), "hi");
        assert_eq!(base_subject(b""), "");
        assert_eq!(base_subject(b"(fwd)"), "");
        assert_eq!(base_subject(b"re:"), "");
        assert_eq!(base_subject(b"x\xc2\xa0 y"), "x\u{a0} y");
    }

    #[test]
    fn replies() {
        use super::extract;
        assert!(extract(b"Re: x").1);
        assert!(extract(b"x (fwd)").1);
        assert!(extract(b"[fwd: x]").1);
        assert!(extract(b"[list] Fwd: x").1);
        assert!(!extract(b"[list] x").1);
        assert!(!extract(b"  x  ").1);
    }
}
