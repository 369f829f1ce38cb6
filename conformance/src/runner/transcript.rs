//! What each client sent and received, in the order the runner saw it: printed on FAIL.

use std::collections::BTreeMap;

use crate::wire::response::escape;
use crate::wire::Response;

/// A readable log of a scenario's traffic: `A C: ...` / `A S: ...` lines.
#[derive(Default)]
pub struct Transcript {
    lines: Vec<String>,
    partial: BTreeMap<String, Vec<u8>>,
}

impl Transcript {
    /// Logs octets a client sent; complete lines are logged now, the rest on [`Self::flush`].
    pub fn sent(&mut self, client: &str, bytes: &[u8]) {
        let buf = self.partial.entry(client.to_string()).or_default();
        buf.extend_from_slice(bytes);
        while let Some(pos) = buf.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = buf.drain(..pos + 2).take(pos).collect();
            self.lines.push(format!("{client} C: {}", escape(&line)));
        }
    }

    /// Logs what is left of a client's sent octets that did not end in CRLF.
    pub fn flush(&mut self, client: &str) {
        if let Some(buf) = self.partial.get_mut(client) {
            if !buf.is_empty() {
                let line = escape(buf);
                buf.clear();
                self.lines.push(format!("{client} C: {line}"));
            }
        }
    }

    /// Logs a response a client received.
    pub fn received(&mut self, client: &str, resp: &Response) {
        for line in resp.display_lines() {
            self.lines.push(format!("{client} S: {line}"));
        }
    }

    /// Logs a note (connection events, runner actions).
    pub fn note(&mut self, text: &str) {
        self.lines.push(format!("-- {text}"));
    }

    /// All lines so far.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sent_octets_into_lines() {
        let mut t = Transcript::default();
        t.sent("A", b"a1 APPEND INBOX {5}\r\n");
        t.sent("A", b"hello");
        t.sent("A", b"\r\n");
        t.received("A", &Response::line("a1 OK"));
        t.sent("B", b"partial");
        t.flush("B");
        assert_eq!(
            t.lines(),
            [
                "A C: a1 APPEND INBOX {5}",
                "A C: hello",
                "A S: a1 OK",
                "B C: partial"
            ]
        );
    }
}
