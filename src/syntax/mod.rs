//! The IMAP codec: framing, the pest grammar, typed commands and responses, and the encoder.
//!
//! Nothing here knows about mailboxes: it is pure syntax (RFC 3501 §9 and extensions).

pub mod encode;
pub mod error;
pub mod frame;
pub mod mutf7;
pub mod parse;
pub mod types;

pub use self::error::{ParseError, ParseErrorKind};
pub use self::parse::{
    parse_authenticate_line, parse_command, parse_command_with, parse_done, parse_tag_only,
    AuthenticateLine, ParseLimits,
};

#[cfg(test)]
pub(crate) mod arbitrary;
