//! RFC 5322 §3.4 address lists into IMAP address structures (RFC 3501 §7.4.2).
//!
//! Lenient: obsolete syntax (unquoted dots in phrases, routes `<@a,@b:u@h>`, comments
//! anywhere, empty list elements) is accepted, and nothing ever fails — unparseable text
//! becomes an address with what could be recognised.
//!
//! - `addr-name`: the display phrase, words joined by one space, quoted strings unquoted,
//!   RFC 2047 words left encoded. Without a phrase, a comment after the address is used
//!   (`jdoe@example.org (John Doe)`), as Dovecot and Courier do; else NIL.
//! - `addr-adl`: the route without its colon (`@a,@b`), else NIL.
//! - `addr-mailbox`: the local part as written (a quoted local part keeps its quotes, so
//!   `mailbox "@" host` is still a valid address).
//! - `addr-host`: the domain. An address without `@` gets an empty host `""`, never NIL:
//!   NIL host means a group marker (§7.4.2), which would misread `To: joe` as a group.
//! - Groups `name: a, b;` become a start marker (mailbox = name, host NIL), the members, and
//!   an end marker (all NIL); an unterminated group is closed at the end of the list.

use crate::syntax::types::Address;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// Atom-ish run (atext, dots, 8-bit): source span.
    Atom,
    /// `"..."`: span includes the quotes.
    Quoted,
    /// `[...]` domain literal: span includes the brackets.
    Literal,
    /// `(...)`: span includes the parentheses.
    Comment,
    /// One of `<>@,;:`.
    Special(u8),
}

fn lex(s: &[u8]) -> Vec<(Tok, usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let start = i;
        let tok = match s[i] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'"' | b'[' => {
                let close = if s[i] == b'"' { b'"' } else { b']' };
                i += 1;
                while i < s.len() && s[i] != close {
                    i += if s[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(s.len());
                if close == b'"' {
                    Tok::Quoted
                } else {
                    Tok::Literal
                }
            }
            b'(' => {
                i = super::header::skip_comment(s, i);
                Tok::Comment
            }
            c @ (b'<' | b'>' | b'@' | b',' | b';' | b':') => {
                i += 1;
                Tok::Special(c)
            }
            _ => {
                while i < s.len() && !b" \t\r\n\"[()<>@,;:".contains(&s[i]) {
                    i += 1;
                }
                // A stray `)` stops the loop at once: take it as a one-octet atom, or the
                // lexer would push empty tokens forever (found by fuzz/message).
                if i == start {
                    i += 1;
                }
                Tok::Atom
            }
        };
        out.push((tok, start, i));
    }
    out
}

/// Unquotes a quoted string or comment body (drops the delimiters, resolves quoted-pairs).
fn unquote(s: &[u8]) -> Vec<u8> {
    let inner = if s.len() >= 2 {
        &s[1..s.len() - 1]
    } else {
        &[][..]
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'\\' && i + 1 < inner.len() {
            i += 1;
        }
        out.push(inner[i]);
        i += 1;
    }
    out
}

struct P<'a> {
    s: &'a [u8],
    toks: Vec<(Tok, usize, usize)>,
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<Tok> {
        self.toks.get(self.i).map(|t| t.0)
    }

    /// Phrase words up to a special; returns the joined phrase and the first comment seen.
    fn phrase(&mut self) -> (Vec<u8>, Option<Vec<u8>>) {
        let mut phrase = Vec::new();
        let mut comment = None;
        while let Some(&(tok, a, b)) = self.toks.get(self.i) {
            let word = match tok {
                Tok::Atom | Tok::Literal => self.s[a..b].to_vec(),
                Tok::Quoted => unquote(&self.s[a..b]),
                Tok::Comment => {
                    comment.get_or_insert_with(|| unquote(&self.s[a..b]));
                    self.i += 1;
                    continue;
                }
                Tok::Special(_) => break,
            };
            if !phrase.is_empty() {
                phrase.push(b' ');
            }
            phrase.extend_from_slice(&word);
            self.i += 1;
        }
        (phrase, comment)
    }

    /// Source text of tokens (comments skipped) until one of `stops`, without spaces.
    fn raw_until(&mut self, stops: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
        let mut out = Vec::new();
        let mut comment = None;
        while let Some(&(tok, a, b)) = self.toks.get(self.i) {
            match tok {
                Tok::Special(c) if stops.contains(&c) => break,
                Tok::Comment => {
                    comment.get_or_insert_with(|| unquote(&self.s[a..b]));
                }
                _ => out.extend_from_slice(&self.s[a..b]),
            }
            self.i += 1;
        }
        (out, comment)
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(Tok::Special(c));
        if hit {
            self.i += 1;
        }
        hit
    }

    /// `angle-addr` after its `<`: optional route, addr-spec, `>`.
    fn angle(&mut self) -> (Option<Vec<u8>>, Vec<u8>, Vec<u8>) {
        let mut adl = None;
        if self.peek() == Some(Tok::Special(b'@')) {
            // obs-route: "@a,@b:" — only if a ':' comes before the '>'
            let save = self.i;
            let (route, _) = self.raw_until(b":>");
            if self.eat(b':') {
                adl = Some(route);
            } else {
                self.i = save;
            }
        }
        let (local, _) = self.raw_until(b"@>,;");
        let host = if self.eat(b'@') {
            self.raw_until(b">,;").0
        } else {
            Vec::new()
        };
        self.eat(b'>');
        (adl, local, host)
    }
}

fn nstr(v: Vec<u8>) -> Option<Vec<u8>> {
    (!v.is_empty()).then_some(v)
}

/// Parses an unfolded address-list header value into IMAP addresses (empty means NIL).
pub fn parse_list(s: &[u8]) -> Vec<Address> {
    let mut p = P {
        s,
        toks: lex(s),
        i: 0,
    };
    let mut out = Vec::new();
    let mut in_group = false;
    while p.i < p.toks.len() {
        let (phrase, comment) = p.phrase();
        match p.peek() {
            Some(Tok::Special(b':')) if !in_group => {
                p.i += 1;
                in_group = true;
                out.push(Address {
                    mailbox: Some(phrase),
                    ..Address::default()
                });
            }
            Some(Tok::Special(b'<')) => {
                p.i += 1;
                let (adl, local, host) = p.angle();
                let (_, trailing) = p.raw_until(b",;");
                out.push(Address {
                    name: nstr(phrase).or(trailing),
                    adl,
                    mailbox: Some(local),
                    host: Some(host),
                });
            }
            Some(Tok::Special(b'@')) => {
                // the phrase was the local part: re-read it raw
                let start = p.toks[..p.i]
                    .iter()
                    .rposition(|t| matches!(t.0, Tok::Special(_)))
                    .map_or(0, |k| k + 1);
                p.i = start;
                let (local, c1) = p.raw_until(b"@,;<");
                p.eat(b'@');
                let (host, c2) = p.raw_until(b",;<>");
                out.push(Address {
                    name: c1.or(c2),
                    adl: None,
                    mailbox: Some(local),
                    host: Some(host),
                });
            }
            Some(Tok::Special(b';')) if in_group => {
                if !phrase.is_empty() {
                    out.push(bare(phrase, comment));
                }
                p.i += 1;
                in_group = false;
                out.push(Address::default());
            }
            _ => {
                if !phrase.is_empty() {
                    out.push(bare(phrase, comment));
                }
                p.i += 1; // ',' or a stray special
            }
        }
    }
    if in_group {
        out.push(Address::default());
    }
    out
}

/// A word with no `@`: a mailbox without host (see the module doc).
fn bare(phrase: Vec<u8>, comment: Option<Vec<u8>>) -> Address {
    let mailbox = phrase.into_iter().filter(|&b| b != b' ').collect();
    Address {
        name: comment,
        adl: None,
        mailbox: Some(mailbox),
        host: Some(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: Option<&str>, adl: Option<&str>, mb: Option<&str>, host: Option<&str>) -> Address {
        let f = |s: Option<&str>| s.map(|s| s.as_bytes().to_vec());
        Address {
            name: f(name),
            adl: f(adl),
            mailbox: f(mb),
            host: f(host),
        }
    }

    #[test]
    fn rfc5322_examples() {
        let l = parse_list(
            b"\"Joe Q. Public\" <john.q.public@example.com>, Mary Smith <mary@x.test>, \
              jdoe@example.org, Who? <one@y.test>",
        );
        assert_eq!(
            l,
            vec![
                a(
                    Some("Joe Q. Public"),
                    None,
                    Some("john.q.public"),
                    Some("example.com")
                ),
                a(Some("Mary Smith"), None, Some("mary"), Some("x.test")),
                a(None, None, Some("jdoe"), Some("example.org")),
                a(Some("Who?"), None, Some("one"), Some("y.test")),
            ]
        );
        let l = parse_list(
            b"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>, \
              A Group(Some people):Chris Jones <c@(Chris's host.)public.example>, joe@example.org;",
        );
        assert_eq!(
            l,
            vec![
                a(Some("Pete"), None, Some("pete"), Some("silly.test")),
                a(None, None, Some("A Group"), None),
                a(Some("Chris Jones"), None, Some("c"), Some("public.example")),
                a(None, None, Some("joe"), Some("example.org")),
                a(None, None, None, None),
            ]
        );
    }

    #[test]
    fn odd_forms() {
        assert_eq!(
            parse_list(b"undisclosed-recipients:;"),
            vec![
                a(None, None, Some("undisclosed-recipients"), None),
                Address::default()
            ]
        );
        assert_eq!(
            parse_list(b"<@a.test,@b.test:joe@c.test>"),
            vec![a(
                None,
                Some("@a.test,@b.test"),
                Some("joe"),
                Some("c.test")
            )]
        );
        assert_eq!(
            parse_list(b"jdoe@example.org (John Doe), joe, \"a b\"@x"),
            vec![
                a(Some("John Doe"), None, Some("jdoe"), Some("example.org")),
                a(None, None, Some("joe"), Some("")),
                a(None, None, Some("\"a b\""), Some("x")),
            ]
        );
        assert_eq!(parse_list(b""), vec![]);
        assert_eq!(parse_list(b" , ,"), vec![]);
        assert_eq!(
            parse_list(b"=?utf-8?q?J=C3=B6rg?= <j@x>"),
            vec![a(Some("=?utf-8?q?J=C3=B6rg?="), None, Some("j"), Some("x"))]
        );
    }
}
