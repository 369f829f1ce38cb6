//! One parsed message: MIME tree with exact offsets, CRLF sizes, ENVELOPE, BODYSTRUCTURE,
//! section extraction and the decoded text SEARCH needs. Pure: it takes the bytes of a
//! Maildir file and never does I/O.
//!
//! ```
//! use imapd::message::Message;
//! let m = Message::parse(b"Subject: hi\n\nhello\n");
//! assert_eq!(m.size(), 22); // RFC822.SIZE counts each LF as CRLF
//! assert_eq!(m.envelope().subject.as_deref(), Some(&b"hi"[..]));
//! ```
//!
//! Decisions (see each file for the RFC citations):
//! - Sizes, octets, section bytes and partial offsets are in CRLF form; a CRLF file is not
//!   doubled ([`size`]).
//! - Media types, subtypes, encodings, parameter names and disposition types are lowercased;
//!   parameter values keep their case ([`params`], [`structure`]).
//! - Missing Content-Type: `text/plain; charset=us-ascii` (RFC 2045 §5.2), in a digest
//!   `message/rfc822`; missing Content-Transfer-Encoding: `7bit` ([`structure`]).
//! - A nonexistent section is `None`; the core writes it as NIL ([`section`]).

pub mod address;
pub mod codec;
pub mod date;
pub mod decode;
pub mod envelope;
pub mod header;
pub mod keys;
pub mod mime;
pub mod params;
pub mod search;
pub mod section;
pub mod size;
pub mod structure;
pub mod subject;
pub mod summary;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::cell::OnceCell;
use std::ops::Range;

use self::mime::Part;
use self::size::CrlfIndex;

/// A message file parsed once: its bytes, where its header ends, and its MIME tree and line
/// index, each built when first needed (ENVELOPE, `BODY[HEADER.FIELDS …]` and the SEARCH
/// header keys need the top-level header alone; SEARCH never needs the index).
#[derive(Debug, Clone)]
pub struct Message<'a> {
    data: &'a [u8],
    /// The top-level header: `root().header`, found without parsing the MIME tree.
    header: Range<usize>,
    root: OnceCell<Part>,
    index: OnceCell<CrlfIndex>,
}

impl<'a> Message<'a> {
    /// Parses a message file (any bytes; never panics).
    pub fn parse(data: &'a [u8]) -> Self {
        Message {
            data,
            header: 0..mime::header_end(data).unwrap_or(data.len()),
            root: OnceCell::new(),
            index: OnceCell::new(),
        }
    }

    /// The file bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The root entity (the message header and body).
    pub fn root(&self) -> &Part {
        self.root.get_or_init(|| mime::parse(self.data))
    }

    /// The top-level header's range (the same as `root().header`).
    pub fn header_range(&self) -> Range<usize> {
        self.header.clone()
    }

    /// The line index, for CRLF sizes and bytes of any range.
    pub fn crlf(&self) -> &CrlfIndex {
        self.index.get_or_init(|| CrlfIndex::new(self.data))
    }

    /// `RFC822.SIZE`: the size of the whole message in CRLF form (RFC 3501 §2.3.4).
    pub fn size(&self) -> u32 {
        size::to_u32(self.crlf().size(0..self.data.len()))
    }
}
