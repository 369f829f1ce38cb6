//! The IMAP codec: framing, the pest grammar, typed commands and responses, and the encoder.
//!
//! Nothing here knows about mailboxes: it is pure syntax (RFC 3501 §9 and extensions).

pub mod frame;
pub mod mutf7;
pub mod types;
