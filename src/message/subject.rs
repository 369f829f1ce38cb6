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

/// `subj-leader = (*subj-blob subj-refwd) / WSP`: the rest after one leader, if any.
fn leader(s: &str) -> Option<&str> {
    if let Some(r) = s.strip_prefix([' ', '\t']) {
        return Some(r);
    }
    let mut r = s;
    while let Some(next) = blob(r) {
        if let Some(after) = refwd(next) {
            return Some(after);
        }
        r = next;
    }
    refwd(s)
}

/// The base subject of a raw Subject: value (RFC 5256 §2.1 steps 1–6): RFC 2047 decoded,
/// whitespace runs collapsed, `(fwd)` trailers, `Re:`/`Fw:`/`Fwd:` leaders, `[blob]`
/// prefixes and a `[fwd: …]` wrapper removed. Not case-folded: compare with
/// [`super::search::casefold`].
pub fn base_subject(raw: &[u8]) -> String {
    // (1) decode, tabs and continuations to single spaces
    let decoded = decode::rfc2047(raw);
    let mut s: String = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        // (2) trailers
        loop {
            let t = s.trim_end_matches([' ', '\t']);
            let cut = t.len().wrapping_sub(5);
            let t = match t.get(cut..) {
                Some(tail) if tail.eq_ignore_ascii_case("(fwd)") => &t[..cut],
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
            while let Some(r) = leader(&s) {
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
            Some(inner) => s = inner.to_string(),
            None => return s,
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
    }
}
