//! The wire side: what a server sends, read without any help from the server's own codec.
//!
//! RFC 3501 §2.2: responses are lines ended by CRLF; a line that ends in a literal header
//! `{N}` is followed by exactly N octets and then more of the same response (§4.3).

pub mod lexeme;
pub mod reader;
pub mod response;

pub use reader::ResponseReader;
pub use response::Response;
