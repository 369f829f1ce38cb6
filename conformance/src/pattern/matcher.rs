//! Matching a compiled pattern against a whole response, with backtracking over `{*}`.

use std::cell::{Cell, RefCell};

use super::{Captures, Item, Kind, Pattern};
use crate::wire::lexeme::{atom_end, atom_list_at, literal_at, number_end, string_at};
use crate::wire::Response;

/// Why a response did not match: how far the best attempt got, and a reason if one is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Offset in the response that the furthest-reaching attempt matched up to.
    pub furthest: usize,
    /// A specific reason (bare LF, unbound capture), when there is one.
    pub reason: Option<String>,
}

/// Matches `pattern` against all of `resp`. On success returns `caps` plus the new captures.
pub fn match_response(
    pattern: &Pattern,
    resp: &Response,
    caps: &Captures,
) -> Result<Captures, Mismatch> {
    if resp.bare_lf {
        return Err(Mismatch {
            furthest: 0,
            reason: Some("line ended in a bare LF, not CRLF (RFC 3501 §2.2)".into()),
        });
    }
    let m = Matcher {
        raw: &resp.raw,
        mask: resp.case_sensitive_mask(),
        furthest: Cell::new(0),
        unbound: RefCell::new(None),
    };
    m.run(&pattern.items, 0, caps).ok_or_else(|| Mismatch {
        furthest: m.furthest.get(),
        reason: m
            .unbound
            .borrow()
            .as_ref()
            .map(|n| format!("capture {{{n}}} is not bound yet")),
    })
}

struct Matcher<'a> {
    raw: &'a [u8],
    mask: Vec<bool>,
    furthest: Cell<usize>,
    unbound: RefCell<Option<String>>,
}

impl Matcher<'_> {
    fn run(&self, items: &[Item], pos: usize, caps: &Captures) -> Option<Captures> {
        if pos > self.furthest.get() {
            self.furthest.set(pos);
        }
        let len = self.raw.len();
        let Some((item, rest)) = items.split_first() else {
            return (pos == len).then(|| caps.clone());
        };
        match item {
            Item::Text(t) => self.run(rest, self.text_at(pos, t)?, caps),
            Item::Any => self.any(rest, pos, caps, None),
            Item::Capture { name, kind } => {
                let end = match kind {
                    Kind::Any => return self.any(rest, pos, caps, name.as_deref()),
                    Kind::Number => number_end(self.raw, pos)?,
                    Kind::Atom => atom_end(self.raw, pos)?,
                    Kind::Str => string_at(self.raw, pos)?.0,
                };
                self.run(rest, end, &bind(caps, name.as_deref(), &self.raw[pos..end]))
            }
            Item::Ref(name) => {
                let Some(value) = caps.get(name) else {
                    *self.unbound.borrow_mut() = Some(name.clone());
                    return None;
                };
                if !self.raw[pos..].starts_with(value) {
                    return None;
                }
                self.run(rest, pos + value.len(), caps)
            }
            Item::Flags(spec) => {
                let (end, flags) = atom_list_at(self.raw, pos)?;
                spec.matches(&flags).then_some(())?;
                self.run(rest, end, caps)
            }
            Item::Str(want) => {
                let (end, value) = string_at(self.raw, pos)?;
                (&value == want).then_some(())?;
                self.run(rest, end, caps)
            }
            Item::Alt(alts) => alts
                .iter()
                .find_map(|a| self.run(rest, self.text_at(pos, a)?, caps)),
            Item::Literal { size, content } => {
                let (end, data) = literal_at(self.raw, pos)?;
                if size.is_some_and(|s| s != data.len()) {
                    return None;
                }
                if content.as_ref().is_some_and(|c| c[..] != self.raw[data]) {
                    return None;
                }
                self.run(rest, end, caps)
            }
        }
    }

    /// `{*}` / `{name:*}`: shortest extension first, so later items decide where it stops.
    fn any(
        &self,
        rest: &[Item],
        pos: usize,
        caps: &Captures,
        name: Option<&str>,
    ) -> Option<Captures> {
        let len = self.raw.len();
        if rest.is_empty() {
            self.furthest.set(len);
            return Some(bind(caps, name, &self.raw[pos..]));
        }
        (pos..=len).find_map(|end| self.run(rest, end, &bind(caps, name, &self.raw[pos..end])))
    }

    /// Compares text at `pos`: exact inside quoted strings and literals, ASCII
    /// case-insensitive elsewhere. Returns the end offset.
    fn text_at(&self, pos: usize, text: &[u8]) -> Option<usize> {
        let end = pos + text.len();
        if end > self.raw.len() {
            return None;
        }
        let ok = text.iter().enumerate().all(|(i, &want)| {
            let got = self.raw[pos + i];
            if self.mask[pos + i] {
                got == want
            } else {
                got.eq_ignore_ascii_case(&want)
            }
        });
        ok.then_some(end)
    }
}

fn bind(caps: &Captures, name: Option<&str>, value: &[u8]) -> Captures {
    let mut out = caps.clone();
    if let Some(name) = name {
        out.insert(name.to_string(), value.to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::parse_text;

    fn pat(text: &str) -> Pattern {
        Pattern {
            items: parse_text(text).unwrap(),
            source: text.into(),
        }
    }

    fn ok(p: &str, line: &str) -> bool {
        match_response(&pat(p), &Response::line(line), &Captures::new()).is_ok()
    }

    #[test]
    fn exact_and_case_insensitive_atoms() {
        assert!(ok("a1 OK done", "a1 OK done"));
        assert!(ok("a1 OK done", "A1 ok DONE"));
        assert!(!ok("a1 OK done", "a1 OK done."));
        assert!(!ok(
            "* LIST () \".\" \"INBOX.x\"",
            "* LIST () \".\" \"INBOX.X\""
        ));
    }

    #[test]
    fn star_matches_anything_including_nothing() {
        assert!(ok("a1 OK {*}", "a1 OK [READ-WRITE] Select completed"));
        assert!(ok("a1 OK{*}", "a1 OK"));
        assert!(ok(
            "* CAPABILITY {*}IMAP4rev1{*}",
            "* CAPABILITY IMAP4rev1 IDLE"
        ));
        assert!(ok(
            "* CAPABILITY {*}IMAP4rev1{*}",
            "* CAPABILITY X IMAP4REV1"
        ));
        assert!(!ok("* CAPABILITY {*}IMAP4rev1{*}", "* CAPABILITY IMAP4"));
    }

    #[test]
    fn captures_and_references() {
        let p = pat("* OK [UIDVALIDITY {uv:n}] {*}");
        let caps = match_response(
            &p,
            &Response::line("* OK [UIDVALIDITY 42] x"),
            &Captures::new(),
        )
        .unwrap();
        assert_eq!(caps["uv"], b"42");
        let p2 = pat("* STATUS X (UIDVALIDITY {uv})");
        assert!(match_response(&p2, &Response::line("* STATUS X (UIDVALIDITY 42)"), &caps).is_ok());
        assert!(
            match_response(&p2, &Response::line("* STATUS X (UIDVALIDITY 43)"), &caps).is_err()
        );
        let err = match_response(
            &p2,
            &Response::line("* STATUS X (UIDVALIDITY 42)"),
            &Captures::new(),
        )
        .unwrap_err();
        assert!(err.reason.unwrap().contains("not bound"));
    }

    #[test]
    fn atom_str_and_alternatives() {
        assert!(ok(
            "* LIST ({*}) \".\" {str:INBOX.x}",
            "* LIST (\\HasNoChildren) \".\" INBOX.x"
        ));
        assert!(ok(
            "* LIST ({*}) \".\" {str:INBOX.x}",
            "* LIST () \".\" \"INBOX.x\""
        ));
        assert!(!ok(
            "* LIST ({*}) \".\" {str:INBOX.x}",
            "* LIST () \".\" \"INBOX.y\""
        ));
        assert!(ok("a2 {NO|BAD} {*}", "a2 BAD nope"));
        assert!(ok("a2 {NO|BAD} {*}", "a2 no nope"));
        assert!(!ok("a2 {NO|BAD} {*}", "a2 OK nope"));
        assert!(ok(
            "* {:n} FETCH (FLAGS ({:atom}))",
            "* 12 FETCH (FLAGS (\\Seen))"
        ));
        assert!(!ok("* {:n} FETCH", "* x FETCH"));
    }

    #[test]
    fn flags_as_sets() {
        assert!(ok(
            "* 1 FETCH (FLAGS {flags:\\Seen \\Recent?})",
            "* 1 FETCH (FLAGS (\\Recent \\Seen))"
        ));
        assert!(ok(
            "* 1 FETCH (FLAGS {flags:\\Seen \\Recent?})",
            "* 1 FETCH (FLAGS (\\Seen))"
        ));
        assert!(!ok(
            "* 1 FETCH (FLAGS {flags:\\Seen})",
            "* 1 FETCH (FLAGS (\\Seen \\Deleted))"
        ));
    }

    #[test]
    fn literals() {
        let resp = Response {
            raw: b"* 1 FETCH (BODY[] {4}\r\nhi\r\n)".to_vec(),
            literals: std::iter::once(23..27).collect(),
            bare_lf: false,
        };
        let mut p = Pattern {
            items: vec![
                Item::Text(b"* 1 FETCH (BODY[] ".to_vec()),
                Item::Literal {
                    size: None,
                    content: Some(b"hi\r\n".to_vec()),
                },
                Item::Text(b")".to_vec()),
            ],
            source: String::new(),
        };
        assert!(match_response(&p, &resp, &Captures::new()).is_ok());
        p.items[1] = Item::Literal {
            size: None,
            content: Some(b"HI\r\n".to_vec()),
        };
        assert!(match_response(&p, &resp, &Captures::new()).is_err());
        p.items[1] = Item::Literal {
            size: Some(4),
            content: None,
        };
        assert!(match_response(&p, &resp, &Captures::new()).is_ok());
        assert!(match_response(&pat("* 1 FETCH {*}"), &resp, &Captures::new()).is_ok());
    }

    #[test]
    fn bare_lf_never_matches() {
        let mut r = Response::line("a OK");
        r.bare_lf = true;
        let err = match_response(&pat("a OK"), &r, &Captures::new()).unwrap_err();
        assert!(err.reason.is_some());
    }
}
