//! Typed values to wire bytes: server responses ([`encode_response`]) and, for tests and the
//! model checker, client commands ([`encode_command`]).
//!
//! One concern per file: `string` decides between atom, quoted, literal and NIL (the rules
//! are listed there); `core` writes sequence sets, flags and dates; `response` status
//! responses, codes and data; `fetch` FETCH items; `body` ENVELOPE and BODYSTRUCTURE;
//! `command` the client side; `framing` checks text it wrote (cached ENVELOPE/BODYSTRUCTURE).
//!
//! The encoder writes what it is given. It repairs what it can without changing meaning
//! (status text: control characters become spaces, 8-bit `?`, empty text a default word,
//! a leading `[` without a code `(`, a trailing `{n}` gets a `.`; NUL in a non-binary
//! literal 0x80; thread dummies are pruned; LIST attributes that are not
//! `\atom` are dropped; an empty NAMESPACE list is NIL). The rest is the caller's part:
//! numbers the ABNF calls `nz-number` are non-zero, sequence sets are non-empty (and not
//! `$` in responses), FETCH item lists and multipart part lists are non-empty, a
//! CAPABILITY list contains `IMAP4rev1`, a `Text`/`Message` body part has type `TEXT` /
//! `MESSAGE RFC822`, only OK/NO/BAD are tagged. Commands must be ones the parser can
//! produce (the generators in `syntax::arbitrary` say which).

mod base64;
mod body;
mod command;
mod core;
mod fetch;
mod framing;
mod response;
mod string;

#[cfg(test)]
mod tests;

pub use self::framing::is_one_list;
pub use self::string::QUOTED_MAX;
pub(crate) use self::string::{literal_octets, write_literal_header, LiteralKind, Sink};
use crate::syntax::types::{BodyStructure, Command, Envelope, Response};

/// How a client literal is announced (RFC 3501 §4.3, RFC 7888, RFC 3516 §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralMode {
    /// `{n}`: the client waits for a `+` continuation before sending the octets.
    Sync,
    /// `{n+}`: the octets follow at once (LITERAL+).
    NonSync,
    /// `~{n}` (or `~{n+}` when not `sync`): `literal8`, octets may include NUL.
    Binary {
        /// Wait for `+` before sending.
        sync: bool,
    },
}

/// A piece of an encoded command, in wire order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fragment {
    /// Line text up to and including a CRLF: either a literal's header (`{n}\r\n`) or the
    /// command's final CRLF.
    Line(Vec<u8>),
    /// A literal's octets; the preceding [`Fragment::Line`] ends with its header.
    Literal {
        /// The octets.
        data: Vec<u8>,
        /// How the header announced it.
        mode: LiteralMode,
    },
}

/// Appends one response, as complete line(s) ending in CRLF, to `out`.
pub fn encode_response(resp: &Response, out: &mut Vec<u8>) {
    response::write_response(out, resp);
}

/// The wire text of an `envelope` (RFC 3501 §9), as [`FetchValue::Envelope`] writes it after
/// `ENVELOPE ` (what a cache keeps to send as [`FetchValue::Encoded`]).
///
/// [`FetchValue::Envelope`]: crate::syntax::types::FetchValue::Envelope
/// [`FetchValue::Encoded`]: crate::syntax::types::FetchValue::Encoded
pub fn envelope_text(env: &Envelope) -> Vec<u8> {
    let mut out = Vec::new();
    body::write_envelope(&mut out, env);
    out
}

/// The wire text of a `body` (§9): with extension data for `BODYSTRUCTURE`, without for
/// `BODY` (as [`envelope_text`] for ENVELOPE).
pub fn body_text(b: &BodyStructure, extensible: bool) -> Vec<u8> {
    let mut out = Vec::new();
    body::write_body(&mut out, b, extensible);
    out
}

/// Encodes one response into any [`Sink`]: the same bytes as [`encode_response`], with each
/// literal's payload handed over by reference (the shell writes large ones without a copy).
pub(crate) fn encode_response_to(resp: &Response, out: &mut dyn Sink) {
    response::write_response(out, resp);
}

/// Encodes a command as fragments, with synchronizing literals (`{n}`, `~{n}`): a client
/// sends each [`Fragment::Line`] and waits for `+` before each literal.
pub fn encode_command(cmd: &Command) -> Vec<Fragment> {
    encode_command_with(cmd, true)
}

/// Encodes a command as one byte string using non-synchronizing literals (`{n+}`,
/// `~{n+}`, RFC 7888), as a LITERAL+ client may send it in one write.
pub fn encode_command_bytes(cmd: &Command) -> Vec<u8> {
    let mut out = Vec::new();
    for f in encode_command_with(cmd, false) {
        match f {
            Fragment::Line(b) | Fragment::Literal { data: b, .. } => out.extend_from_slice(&b),
        }
    }
    out
}

/// Encodes a command with synchronizing (`sync`) or LITERAL+ literals.
fn encode_command_with(cmd: &Command, sync: bool) -> Vec<Fragment> {
    let mut sink = command::FragmentSink::new(sync);
    command::write_command(&mut sink, cmd);
    sink.finish()
}
