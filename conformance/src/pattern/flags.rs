//! `{flags:...}`: a flag list compared as a set (RFC 3501 §2.3.2, §7.2.6).
//!
//! `{flags:\Seen \Deleted}` matches `(\Deleted \Seen)`; a flag written with a trailing `?`
//! (`\Recent?`) may be present or not; `...` admits any further flags. Flag names compare
//! case-insensitively (§2.3.2: flags are atoms); duplicates in the response never match.

/// A compiled `{flags:...}` specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagSpec {
    required: Vec<String>,
    optional: Vec<String>,
    extra: bool,
}

impl FlagSpec {
    /// Parses the text after `flags:`.
    pub fn parse(spec: &str) -> Result<FlagSpec, String> {
        let mut out = FlagSpec {
            required: Vec::new(),
            optional: Vec::new(),
            extra: false,
        };
        for word in spec.split_whitespace() {
            if word == "..." {
                out.extra = true;
            } else if let Some(flag) = word.strip_suffix('?') {
                out.optional.push(flag.to_ascii_lowercase());
            } else {
                out.required.push(word.to_ascii_lowercase());
            }
            if word.contains(['(', ')', '{', '}', '"']) {
                return Err(format!("bad flag '{word}' in {{flags:{spec}}}"));
            }
        }
        Ok(out)
    }

    /// Whether the members of a flag list satisfy this specification.
    pub fn matches(&self, flags: &[&[u8]]) -> bool {
        let got: Vec<String> = flags
            .iter()
            .map(|f| String::from_utf8_lossy(f).to_ascii_lowercase())
            .collect();
        for (i, f) in got.iter().enumerate() {
            if got[..i].contains(f) {
                return false;
            }
            if !self.extra && !self.required.contains(f) && !self.optional.contains(f) {
                return false;
            }
        }
        self.required.iter().all(|r| got.contains(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(spec: &str, flags: &[&str]) -> bool {
        let f: Vec<&[u8]> = flags.iter().map(|s| s.as_bytes()).collect();
        FlagSpec::parse(spec).unwrap().matches(&f)
    }

    #[test]
    fn set_semantics() {
        assert!(m("\\Seen \\Deleted", &["\\Deleted", "\\Seen"]));
        assert!(m("\\Seen \\Deleted", &["\\DELETED", "\\seen"]));
        assert!(!m("\\Seen \\Deleted", &["\\Seen"]));
        assert!(!m("\\Seen", &["\\Seen", "\\Flagged"]));
        assert!(!m("\\Seen", &["\\Seen", "\\Seen"]));
        assert!(m("", &[]));
    }

    #[test]
    fn optional_and_extra() {
        assert!(m("\\Seen \\Recent?", &["\\Seen"]));
        assert!(m("\\Seen \\Recent?", &["\\Recent", "\\Seen"]));
        assert!(m("\\Seen ...", &["\\Seen", "$Label1", "\\Draft"]));
        assert!(!m("\\Seen ...", &["\\Draft"]));
    }
}
