//! Literal-aware response reader (RFC 3501 §2.2, §4.3).
//!
//! A line ending in `{N}` (or `{N+}`, RFC 7888) is followed by N octets of literal data and
//! then by the rest of the same response, which may end in another literal header.

use std::io::{self, BufRead, Read};

use super::lexeme::literal_header_at_end;
use super::response::Response;

/// Longest line accepted before the reader gives up (a server spewing without CRLF).
const MAX_LINE: u64 = 1 << 20;
/// Largest literal accepted.
const MAX_LITERAL: usize = 64 << 20;

/// Reads whole responses from a byte stream.
pub struct ResponseReader<R> {
    inner: R,
}

impl<R: BufRead> ResponseReader<R> {
    /// Wraps a buffered stream.
    pub fn new(inner: R) -> Self {
        ResponseReader { inner }
    }

    /// The next response; `Ok(None)` on a clean end of stream between responses.
    pub fn read_response(&mut self) -> io::Result<Option<Response>> {
        let mut resp = Response::default();
        loop {
            let mut line = Vec::new();
            let n = (&mut self.inner)
                .take(MAX_LINE)
                .read_until(b'\n', &mut line)?;
            if n == 0 {
                if resp.raw.is_empty() {
                    return Ok(None);
                }
                return Err(eof("connection closed inside a response"));
            }
            if line.last() != Some(&b'\n') {
                if n as u64 >= MAX_LINE {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
                }
                resp.raw.extend_from_slice(&line);
                return Err(eof("connection closed inside a line"));
            }
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            } else {
                resp.bare_lf = true;
            }
            resp.raw.extend_from_slice(&line);
            let Some(size) = literal_header_at_end(&line) else {
                return Ok(Some(resp));
            };
            if size > MAX_LITERAL {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "literal too large",
                ));
            }
            resp.raw.extend_from_slice(b"\r\n");
            let start = resp.raw.len();
            resp.raw.resize(start + size, 0);
            self.inner
                .read_exact(&mut resp.raw[start..])
                .map_err(|_| eof("connection closed inside a literal"))?;
            resp.literals.push(start..start + size);
        }
    }
}

fn eof(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<Response> {
        let mut r = ResponseReader::new(input);
        let mut out = Vec::new();
        while let Some(resp) = r.read_response().unwrap() {
            out.push(resp);
        }
        out
    }

    #[test]
    fn plain_lines() {
        let v = read_all(b"* OK hi\r\na1 OK done\r\n");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].raw, b"* OK hi");
        assert!(!v[0].bare_lf);
    }

    #[test]
    fn literal_spans_lines() {
        let v = read_all(b"* 1 FETCH (BODY[] {8}\r\nab\r\ncd\r\n)\r\na OK x\r\n");
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].raw, b"* 1 FETCH (BODY[] {8}\r\nab\r\ncd\r\n)");
        assert_eq!(v[0].literals, vec![23..31]);
        assert_eq!(v[1].raw, b"a OK x");
    }

    #[test]
    fn two_literals_and_literal_containing_header_text() {
        let v = read_all(b"* X {5}\r\n{2}\r\n {0}\r\n\r\n");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].literals.len(), 2);
        assert_eq!(v[0].raw, b"* X {5}\r\n{2}\r\n {0}\r\n");
    }

    #[test]
    fn bare_lf_is_flagged() {
        let v = read_all(b"* OK hi\n");
        assert!(v[0].bare_lf);
    }

    #[test]
    fn eof_inside_literal_is_an_error() {
        let mut r = ResponseReader::new(&b"* X {10}\r\nabc"[..]);
        assert!(r.read_response().is_err());
    }
}
