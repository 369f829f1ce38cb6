//! ENVELOPE (RFC 3501 §7.4.2) from a header block.
//!
//! Values are the first field of each name, unfolded and trimmed, octets kept raw (RFC 2047
//! words and 8-bit bytes pass through; the encoder picks quoted or literal). A field that is
//! absent is NIL; a field that is present but empty is the empty string. Sender and Reply-To
//! default to From when absent or empty (§7.4.2).

use std::ops::Range;

use super::{address, header, Message};
use crate::syntax::types::Envelope;

/// The envelope of the header block `hdr` of `data` (a message or encapsulated message).
pub fn envelope(data: &[u8], hdr: Range<usize>) -> Envelope {
    // one pass over the fields, keeping the first of each
    const NAMES: [&[u8]; 10] = [
        b"date",
        b"subject",
        b"from",
        b"sender",
        b"reply-to",
        b"to",
        b"cc",
        b"bcc",
        b"in-reply-to",
        b"message-id",
    ];
    let mut found: [Option<Vec<u8>>; 10] = Default::default();
    for f in header::fields(data, hdr) {
        if let Some(k) = NAMES.iter().position(|n| header::name_is(data, &f.name, n)) {
            if found[k].is_none() {
                found[k] = Some(header::unfold(&data[f.value]));
            }
        }
    }
    let [date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id] = found;
    let list = |v: Option<Vec<u8>>| v.map(|v| address::parse_list(&v)).unwrap_or_default();
    let from = list(from);
    let or_from = |v: Vec<_>| if v.is_empty() { from.clone() } else { v };
    Envelope {
        date,
        subject,
        sender: or_from(list(sender)),
        reply_to: or_from(list(reply_to)),
        to: list(to),
        cc: list(cc),
        bcc: list(bcc),
        in_reply_to,
        message_id,
        from,
    }
}

impl Message<'_> {
    /// `ENVELOPE` of the message.
    pub fn envelope(&self) -> Envelope {
        envelope(self.data, self.header_range())
    }
}
