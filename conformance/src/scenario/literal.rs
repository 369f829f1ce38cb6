//! Literal headers ending a `C:`/`S:` line, and `{name}` templates in command text.

use super::TemplatePart;
use crate::pattern::is_name;

/// A literal header found at the end of a scenario line (RFC 3501 §4.3, RFC 7888).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Header {
    /// `{N}` / `{N+}`: N octets, written on the following lines exactly as on the wire.
    Explicit {
        /// The size.
        size: usize,
        /// `false` for the non-synchronizing `{N+}`.
        sync: bool,
    },
    /// `{}` / `{+}`: the content is the `|` block that follows; the size is computed.
    Auto {
        /// `false` for `{+}`.
        sync: bool,
    },
    /// `{file:NAME}` / `{file:NAME+}`: the content is a fixture file (CRLF line ends).
    File {
        /// File name under the fixtures directory.
        name: String,
        /// `false` for the `+` form.
        sync: bool,
    },
}

/// Splits a line into the text before a trailing literal header and the header.
pub fn split_header(text: &str) -> (&str, Option<Header>) {
    let Some(body) = text.strip_suffix('}') else {
        return (text, None);
    };
    let Some(open) = body.rfind('{') else {
        return (text, None);
    };
    if open > 0 && body[..open].ends_with('{') && !body[..open].ends_with("{{") {
        return (text, None); // `{{...}` is an escaped brace, not a header
    }
    let inner = &body[open + 1..];
    let (inner_core, sync) = match inner.strip_suffix('+') {
        Some(core) => (core, false),
        None => (inner, true),
    };
    let header = if inner_core.is_empty() {
        Header::Auto { sync }
    } else if inner_core.bytes().all(|b| b.is_ascii_digit()) {
        match inner_core.parse() {
            Ok(size) => Header::Explicit { size, sync },
            Err(_) => return (text, None),
        }
    } else if let Some(name) = inner_core.strip_prefix("file:") {
        Header::File {
            name: name.to_string(),
            sync,
        }
    } else {
        return (text, None);
    };
    (&body[..open], Some(header))
}

/// The wire form of a header of `size` octets.
pub fn header_text(size: usize, sync: bool) -> String {
    if sync {
        format!("{{{size}}}")
    } else {
        format!("{{{size}+}}")
    }
}

/// Compiles command text: `{name}` becomes a capture reference, `{{` a literal brace.
pub fn template(text: &str) -> Result<Vec<TemplatePart>, String> {
    let mut parts = Vec::new();
    let mut lit = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        lit.extend_from_slice(&rest.as_bytes()[..open]);
        let after = &rest[open + 1..];
        if let Some(tail) = after.strip_prefix('{') {
            lit.push(b'{');
            rest = tail;
            continue;
        }
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed '{{' in command: {text}"))?;
        let name = &after[..close];
        if !is_name(name) {
            return Err(format!(
                "'{{{name}}}' in a command: only {{capture}} names, {{{{ and a literal header at the end of the line are allowed"
            ));
        }
        if !lit.is_empty() {
            parts.push(TemplatePart::Lit(std::mem::take(&mut lit)));
        }
        parts.push(TemplatePart::Var(name.to_string()));
        rest = &after[close + 1..];
    }
    lit.extend_from_slice(rest.as_bytes());
    if !lit.is_empty() {
        parts.push(TemplatePart::Lit(lit));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            split_header("a APPEND INBOX {12}"),
            (
                "a APPEND INBOX ",
                Some(Header::Explicit {
                    size: 12,
                    sync: true
                })
            )
        );
        assert_eq!(
            split_header("a APPEND INBOX {12+}").1,
            Some(Header::Explicit {
                size: 12,
                sync: false
            })
        );
        assert_eq!(
            split_header("a APPEND INBOX {}").1,
            Some(Header::Auto { sync: true })
        );
        assert_eq!(
            split_header("a APPEND INBOX {+}").1,
            Some(Header::Auto { sync: false })
        );
        assert_eq!(
            split_header("a APPEND INBOX {file:m.eml}").1,
            Some(Header::File {
                name: "m.eml".into(),
                sync: true
            })
        );
        assert_eq!(split_header("a FETCH {uid}").1, None);
        assert_eq!(split_header("a NOOP").1, None);
        assert_eq!(split_header("x {{12}").1, None);
    }

    #[test]
    fn templates() {
        assert_eq!(
            template("a UID FETCH {u} FLAGS").unwrap(),
            vec![
                TemplatePart::Lit(b"a UID FETCH ".to_vec()),
                TemplatePart::Var("u".into()),
                TemplatePart::Lit(b" FLAGS".to_vec()),
            ]
        );
        assert_eq!(
            template("x {{y}").unwrap(),
            vec![TemplatePart::Lit(b"x {y}".to_vec())]
        );
        assert!(template("x {1:n}").is_err());
    }
}
