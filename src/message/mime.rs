//! The MIME tree of one message with exact byte offsets (RFC 2045, RFC 2046 §5).
//!
//! One forward pass over the file. Each entity (the message, a body part, an encapsulated
//! message) records its header range (including the blank line that ends it) and its body
//! range. Multipart bodies are split at boundary delimiter lines; following RFC 2046 §5.1.1
//! the line end *before* a delimiter belongs to the delimiter, so a part's body ends before
//! it. A delimiter of any enclosing multipart also ends the inner entities (a missing close
//! delimiter is tolerated, as are missing final boundaries at end of file). Delimiters are
//! matched like Dovecot and Courier do: a line that starts with `--` and the boundary,
//! innermost multipart first; `--` right after the boundary makes it a close delimiter.
//!
//! Limits: entities nested deeper than [`MAX_DEPTH`] levels, and any beyond the first
//! [`MAX_PARTS`] entities, are not descended into: their bodies stay opaque leaves. The work
//! is linear in the file size times the number of enclosing boundaries (at most
//! `MAX_DEPTH`); no recursion goes deeper than `MAX_DEPTH`.

use std::ops::Range;

use super::header;
use super::params::{self, Param, Value};

/// Deepest nesting of multiparts and message/rfc822 parts that is parsed (our choice; we
/// believe Dovecot's parser default is also 100, unverified); deeper content is an opaque body.
pub const MAX_DEPTH: usize = 100;

/// Most entities parsed in one message (our choice, believed to match Dovecot's default total
/// part limit, unverified); later parts of a multipart are ignored like an epilogue.
pub const MAX_PARTS: usize = 10_000;

/// The media type of an entity, as declared or defaulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType {
    /// Lowercased type, e.g. `text`.
    pub media_type: Vec<u8>,
    /// Lowercased subtype, e.g. `plain`.
    pub subtype: Vec<u8>,
    /// Parameters (RFC 2231 merged).
    pub params: Vec<Param>,
    /// True if there was no usable Content-Type field and the default applied.
    pub defaulted: bool,
}

impl ContentType {
    /// The default of RFC 2045 §5.2 (`text/plain; charset=us-ascii`) or, inside a
    /// multipart/digest, of RFC 2046 §5.1.5 (`message/rfc822`).
    pub fn default_for(in_digest: bool) -> Self {
        let (t, s, params) = if in_digest {
            (&b"message"[..], &b"rfc822"[..], Vec::new())
        } else {
            let charset = Param {
                name: b"charset".to_vec(),
                value: b"us-ascii".to_vec(),
                extended: false,
            };
            (&b"text"[..], &b"plain"[..], vec![charset])
        };
        ContentType {
            media_type: t.to_vec(),
            subtype: s.to_vec(),
            params,
            defaulted: true,
        }
    }

    /// True for `type/subtype` (lowercase arguments).
    pub fn is(&self, t: &[u8], s: &[u8]) -> bool {
        self.media_type == t && self.subtype == s
    }

    /// The first parameter called `name` (lowercase).
    pub fn param(&self, name: &[u8]) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    fn boundary(&self) -> Option<&[u8]> {
        let b = self.param(b"boundary")?;
        (self.media_type == b"multipart" && !b.extended && !b.value.is_empty())
            .then_some(b.value.as_slice())
    }
}

/// What an entity contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartKind {
    /// A leaf body (also a multipart or message/rfc822 that was not descended into).
    Leaf,
    /// The parts of a multipart, in order (possibly none if no delimiter was found).
    Multipart(Vec<Part>),
    /// The encapsulated message of a message/rfc822 part: its root entity.
    Message(Box<Part>),
}

/// One MIME entity: header and body ranges into the message file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The header, including the blank line that ends it when there is one.
    pub header: Range<usize>,
    /// The body, up to (not including) the line end before the next boundary delimiter.
    pub body: Range<usize>,
    /// The declared or default media type.
    pub content_type: ContentType,
    /// Children.
    pub kind: PartKind,
}

impl Part {
    /// The child parts of a multipart (empty otherwise).
    pub fn children(&self) -> &[Part] {
        match &self.kind {
            PartKind::Multipart(c) => c,
            _ => &[],
        }
    }

    /// The whole entity: header and body.
    pub fn range(&self) -> Range<usize> {
        self.header.start..self.body.end
    }
}

/// A delimiter line found while scanning.
#[derive(Debug, Clone, Copy)]
struct Hit {
    /// Start of the delimiter line.
    line: usize,
    /// Index of the matched boundary in the stack.
    level: usize,
    /// `--boundary--`
    close: bool,
    /// Start of the line after the delimiter line.
    next: usize,
}

struct Parser<'a> {
    data: &'a [u8],
    /// Boundaries of the enclosing multiparts, outermost first.
    stack: Vec<Vec<u8>>,
    /// Entities still allowed (see [`MAX_PARTS`]).
    budget: usize,
}

/// The length of the top-level header in `data`, blank line included, if `data` holds all
/// of it: the header ends at the first line that is empty (`LF` or `CRLF`), exactly where
/// [`parse`] ends the message's header. `None` if `data` has no such line (yet): a reader
/// of a file's start reads on; at the end of the file the whole file is the header.
///
/// `parse(&data[..n]).header == parse(data).header` for `Some(n)` (a property test checks
/// it), so whatever needs only the header can be answered from a prefix of the file.
pub fn header_end(data: &[u8]) -> Option<usize> {
    let mut pos = 0;
    loop {
        match (data.get(pos)?, data.get(pos + 1)) {
            (b'\n', _) => return Some(pos + 1),
            (b'\r', Some(b'\n')) => return Some(pos + 2),
            (b'\r', None) => return None,
            _ => {}
        }
        pos += memchr::memchr(b'\n', &data[pos..])? + 1;
    }
}

/// Parses the MIME structure of a whole message file.
pub fn parse(data: &[u8]) -> Part {
    let mut p = Parser {
        data,
        stack: Vec::new(),
        budget: MAX_PARTS,
    };
    p.entity(0, 0, false).0
}

impl Parser<'_> {
    fn line_after(&self, pos: usize) -> usize {
        memchr::memchr(b'\n', &self.data[pos..]).map_or(self.data.len(), |i| pos + i + 1)
    }

    /// Is the line at `line` a delimiter of an enclosing multipart?
    fn delimiter(&self, line: usize) -> Option<Hit> {
        let rest = self.data[line..].strip_prefix(b"--")?;
        let (level, b) = self
            .stack
            .iter()
            .enumerate()
            .rev()
            .find(|(_, b)| rest.starts_with(b))?;
        Some(Hit {
            line,
            level,
            close: rest[b.len()..].starts_with(b"--"),
            next: self.line_after(line),
        })
    }

    /// The first delimiter line at or after the line start `pos`.
    fn find_hit(&self, pos: usize) -> Option<Hit> {
        if self.stack.is_empty() {
            return None;
        }
        if let Some(h) = self.delimiter(pos) {
            return Some(h);
        }
        memchr::memmem::find_iter(&self.data[pos..], b"\n--")
            .find_map(|i| self.delimiter(pos + i + 1))
    }

    /// `end` moved back over the line end that belongs to a delimiter (RFC 2046 §5.1.1),
    /// but not before `start`.
    fn before_eol(&self, start: usize, end: usize) -> usize {
        let mut e = end;
        if e > start && self.data[e - 1] == b'\n' {
            e -= 1;
            if e > start && self.data[e - 1] == b'\r' {
                e -= 1;
            }
        }
        e
    }

    fn end_of(&self, start: usize, hit: Option<&Hit>) -> usize {
        hit.map_or(self.data.len(), |h| self.before_eol(start, h.line))
    }

    /// Header of the entity at `start`: (header range, body start, delimiter that cut it).
    fn header(&self, start: usize) -> (Range<usize>, usize, Option<Hit>) {
        let (data, len) = (self.data, self.data.len());
        let mut pos = start;
        loop {
            if pos >= len {
                return (start..len, len, None);
            }
            let blank = match data[pos] {
                b'\n' => 1,
                b'\r' if data.get(pos + 1) == Some(&b'\n') => 2,
                _ => 0,
            };
            if blank > 0 {
                return (start..pos + blank, pos + blank, None);
            }
            if !self.stack.is_empty() {
                if let Some(h) = self.delimiter(pos) {
                    let e = self.before_eol(start, pos);
                    return (start..e, e, Some(h));
                }
            }
            pos = self.line_after(pos);
        }
    }

    /// Parses the entity starting at `start`; returns it and the delimiter that ended it.
    fn entity(&mut self, start: usize, depth: usize, in_digest: bool) -> (Part, Option<Hit>) {
        self.budget = self.budget.saturating_sub(1);
        let (header, body_start, cut) = self.header(start);
        let content_type = header::first(self.data, header.clone(), b"content-type")
            .and_then(|v| params::content_type(&v))
            .map_or_else(
                || ContentType::default_for(in_digest),
                |Value { main, sub, params }| ContentType {
                    media_type: main,
                    subtype: sub,
                    params,
                    defaulted: false,
                },
            );
        let leaf = |body: Range<usize>, content_type| Part {
            header: header.clone(),
            body,
            content_type,
            kind: PartKind::Leaf,
        };
        if cut.is_some() {
            return (leaf(body_start..body_start, content_type), cut);
        }
        let descend = depth < MAX_DEPTH && self.budget > 0;
        if descend {
            if let Some(b) = content_type.boundary() {
                let b = b.to_vec();
                return self.multipart(header, body_start, content_type, b, depth);
            }
            if content_type.is(b"message", b"rfc822") {
                let (inner, hit) = self.entity(body_start, depth + 1, false);
                // exactly the encapsulated message: when its header's blank line is also
                // the line end before a delimiter, the header keeps it
                let body = body_start..inner.body.end;
                let part = Part {
                    kind: PartKind::Message(Box::new(inner)),
                    ..leaf(body, content_type)
                };
                return (part, hit);
            }
        }
        let hit = self.find_hit(body_start);
        let body = body_start..self.end_of(body_start, hit.as_ref());
        (leaf(body, content_type), hit)
    }

    fn multipart(
        &mut self,
        header: Range<usize>,
        body_start: usize,
        content_type: ContentType,
        boundary: Vec<u8>,
        depth: usize,
    ) -> (Part, Option<Hit>) {
        let level = self.stack.len();
        self.stack.push(boundary);
        let digest = content_type.subtype == b"digest";
        let mut children = Vec::new();
        let mut hit = self.find_hit(body_start);
        let end_hit = loop {
            match hit {
                None => break None,
                Some(h) if h.level == level && h.close => {
                    // the epilogue runs to an enclosing delimiter or the end
                    self.stack.truncate(level);
                    break self.find_hit(h.next);
                }
                Some(h) if h.level == level => {
                    if self.budget == 0 {
                        hit = self.find_hit(h.next);
                        continue;
                    }
                    let (child, next) = self.entity(h.next, depth + 1, digest);
                    children.push(child);
                    hit = next;
                }
                Some(h) => break Some(h), // an enclosing multipart's delimiter
            }
        };
        self.stack.truncate(level);
        // never end inside the last child (its header may have claimed the line end)
        let last = children.last().map_or(body_start, |c: &Part| c.body.end);
        let body = body_start..self.end_of(body_start, end_hit.as_ref()).max(last);
        let part = Part {
            header,
            body,
            content_type,
            kind: PartKind::Multipart(children),
        };
        (part, end_hit)
    }
}
