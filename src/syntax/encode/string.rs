//! The string forms of RFC 3501 §4.3 and §9: which of atom, quoted, literal or NIL a value
//! is written as.
//!
//! The rules, in one place:
//! - `None` in an `nstring` position is `NIL`.
//! - In an `astring` position a non-empty value made of `ATOM-CHAR`s is written bare,
//!   except any case of `NIL` (an astring cannot be NIL, but lax clients read it as one).
//!   `]` is an `ASTRING-CHAR` too, but we quote it: inside a response code (`BADCHARSET`)
//!   a bare `]` would end the code for many clients.
//! - Otherwise a value is quoted when it is at most [`QUOTED_MAX`] octets of printable
//!   ASCII (0x20–0x7E) other than `"` and `\`. We never escape: a value that would need it
//!   goes out as a literal, and so does one with CR, LF, 8-bit octets or any control
//!   character (`QUOTED-CHAR` allows controls other than CR/LF, but clients mishandle them,
//!   and our framer reserves 0x01).
//! - Everything else is a literal `{n}\r\n` + octets. NUL cannot appear in a `literal`
//!   (`CHAR8`, §9); it is written as 0x80 (as Dovecot does). Exact octets need BINARY's
//!   `literal8` (`~{n}`, RFC 3516 §4.2), used by [`write_nstring8`].
//!
//! Output goes through [`Sink`], which takes line bytes and whole literals separately: the
//! response encoder appends both to one buffer, the command encoder cuts fragments at each
//! literal, and the shell's output writes a large literal's payload straight from the
//! response to the client (header from [`write_literal_header`], octets from
//! [`literal_octets`]) instead of copying it into its buffer. (One exception: ENVELOPE,
//! BODY and BODYSTRUCTURE text kept by a cache is put whole, literals included: it was
//! written through a `Vec` sink, and [`super::is_one_list`] checked it when read back.)

use crate::syntax::types::is_atom_char;

/// Longest value written as a quoted string; longer values are literals.
pub const QUOTED_MAX: usize = 1024;

/// Which literal syntax introduces a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiteralKind {
    /// `literal = "{" number "}" CRLF *CHAR8` (RFC 3501 §9).
    Text,
    /// `literal8 = "~{" number "}" CRLF *OCTET` (RFC 3516 §4.2).
    Binary,
}

/// Where encoded text goes: line bytes, and literals (header and payload together).
pub(crate) trait Sink {
    /// Appends line text (never CR/LF, except the final CRLF of a line, and the literals
    /// inside a cached ENVELOPE or body text).
    fn put(&mut self, bytes: &[u8]);
    /// Appends a literal: header, CRLF, payload.
    fn literal(&mut self, data: &[u8], kind: LiteralKind);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    /// A server literal; NUL becomes 0x80 unless binary (`CHAR8`, RFC 3501 §9).
    fn literal(&mut self, data: &[u8], kind: LiteralKind) {
        write_literal_header(self, data.len(), kind, false);
        self.extend_from_slice(&literal_octets(data, kind));
    }
}

/// A server literal's payload as sent: `data` itself (no copy) unless a text literal holds
/// NUL, which `CHAR8` excludes (RFC 3501 §9) and is sent as 0x80. Works on any piece of a
/// payload, so a writer may convert it chunk by chunk.
pub(crate) fn literal_octets(data: &[u8], kind: LiteralKind) -> std::borrow::Cow<'_, [u8]> {
    if kind == LiteralKind::Text && data.contains(&0) {
        data.iter()
            .map(|&b| if b == 0 { 0x80 } else { b })
            .collect::<Vec<u8>>()
            .into()
    } else {
        data.into()
    }
}

/// True if `value` may be written as a quoted string without escapes.
pub(crate) fn quotable(value: &[u8]) -> bool {
    value.len() <= QUOTED_MAX
        && value
            .iter()
            .all(|&b| matches!(b, 0x20..=0x7e) && b != b'"' && b != b'\\')
}

/// True if `value` may be written bare where an `astring` is expected.
pub(crate) fn astring_atom(value: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= QUOTED_MAX
        && value.iter().all(|&b| is_atom_char(b))
        && !value.eq_ignore_ascii_case(b"NIL")
}

/// Writes `"` + value + `"`; the caller has checked [`quotable`].
pub(crate) fn write_quoted(out: &mut dyn Sink, value: &[u8]) {
    out.put(b"\"");
    out.put(value);
    out.put(b"\"");
}

/// Writes `{n}` or `~{n}`, with `+` for a non-synchronizing literal (RFC 7888 §3), and CRLF.
pub(crate) fn write_literal_header(out: &mut Vec<u8>, len: usize, kind: LiteralKind, plus: bool) {
    if kind == LiteralKind::Binary {
        out.push(b'~');
    }
    out.push(b'{');
    out.extend_from_slice(len.to_string().as_bytes());
    if plus {
        out.push(b'+');
    }
    out.extend_from_slice(b"}\r\n");
}

/// `string = quoted / literal` (RFC 3501 §9).
pub(crate) fn write_string(out: &mut dyn Sink, value: &[u8]) {
    if quotable(value) {
        write_quoted(out, value);
    } else {
        out.literal(value, LiteralKind::Text);
    }
}

/// `nstring = string / nil` (RFC 3501 §9).
pub(crate) fn write_nstring(out: &mut dyn Sink, value: Option<&[u8]>) {
    match value {
        Some(v) => write_string(out, v),
        None => out.put(b"NIL"),
    }
}

/// `astring = 1*ASTRING-CHAR / string` (RFC 3501 §9).
pub(crate) fn write_astring(out: &mut dyn Sink, value: &[u8]) {
    if astring_atom(value) {
        out.put(value);
    } else {
        write_string(out, value);
    }
}

/// Message content (BODY[...], RFC822*, BINARY): NIL or always a literal, whatever its
/// length — `nstring` allows a quoted string, but clients (and both reference servers)
/// treat message data as literals, and a literal never needs escaping.
pub(crate) fn write_body_data(out: &mut dyn Sink, value: Option<&[u8]>) {
    match value {
        Some(v) => out.literal(v, LiteralKind::Text),
        None => out.put(b"NIL"),
    }
}

/// `nstring / literal8` (RFC 3516 §4.2): `literal8` only when the data holds a NUL, as
/// §4.2 asks ("SHOULD return the data in a string" otherwise).
pub(crate) fn write_nstring8(out: &mut dyn Sink, value: Option<&[u8]>) {
    match value {
        Some(v) if v.contains(&0) => out.literal(v, LiteralKind::Binary),
        _ => write_body_data(out, value),
    }
}

/// A `QUOTED-CHAR` between quotes (list delimiters, RFC 3501 §9 `mailbox-list`), or NIL.
/// This is the one place we escape, since the syntax allows only a quoted char here.
/// Like strings, only printable ASCII is written; any other delimiter becomes NIL.
pub(crate) fn write_quoted_char(out: &mut dyn Sink, c: Option<char>) {
    match c {
        Some(c) if matches!(c, ' '..='~') => {
            let escape: &[u8] = if matches!(c, '"' | '\\') { b"\\" } else { b"" };
            out.put(b"\"");
            out.put(escape);
            out.put(&[c as u8]);
            out.put(b"\"");
        }
        _ => out.put(b"NIL"),
    }
}
