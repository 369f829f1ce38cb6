//! `--only` patterns on scenario names: `*` within one path segment, `**` across segments,
//! `?` one character. A pattern without wildcards selects that name and everything under it.

/// Whether `pattern` selects scenario `name`.
pub fn selects(pattern: &str, name: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    if !pattern.contains(['*', '?']) {
        return name == pattern || name.starts_with(&format!("{pattern}/"));
    }
    glob_match(pattern.as_bytes(), name.as_bytes())
}

fn glob_match(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
            // `**/` may also match nothing at all
            (0..=s.len()).any(|i| glob_match(&p[2..], &s[i..]) || glob_match(rest, &s[i..]))
        }
        Some(b'*') => {
            let mut i = 0;
            loop {
                if glob_match(&p[1..], &s[i..]) {
                    return true;
                }
                if i == s.len() || s[i] == b'/' {
                    return false;
                }
                i += 1;
            }
        }
        Some(b'?') => !s.is_empty() && s[0] != b'/' && glob_match(&p[1..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && glob_match(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::selects;

    #[test]
    fn prefixes() {
        assert!(selects("rfc3501/6.4.5-fetch", "rfc3501/6.4.5-fetch/flags"));
        assert!(selects(
            "rfc3501/6.4.5-fetch/flags",
            "rfc3501/6.4.5-fetch/flags"
        ));
        assert!(!selects("rfc3501/6.4", "rfc3501/6.4.5-fetch/flags"));
    }

    #[test]
    fn wildcards() {
        assert!(selects("rfc3501/*/flags", "rfc3501/6.4.5-fetch/flags"));
        assert!(!selects("rfc3501/*", "rfc3501/6.4.5-fetch/flags"));
        assert!(selects("rfc3501/**", "rfc3501/6.4.5-fetch/flags"));
        assert!(selects("**/flags", "rfc3501/6.4.5-fetch/flags"));
        assert!(selects("**flags", "rfc3501/6.4.5-fetch/flags"));
        assert!(selects("*/6.4.?-*/*", "rfc3501/6.4.5-fetch/flags"));
        assert!(!selects("*idle*", "rfc2177/idle/basic"));
        assert!(selects("**idle**", "rfc2177/idle/basic"));
    }
}
