//! Helpers shared by integration tests: the parser's framing stand-ins, fixtures, and a
//! seeded random number generator for randomised store tests.

#![allow(dead_code)]

/// Plays the framing layer for a test: turns a raw command (CRLF line ends, literals
/// inline as `{n}\r\n` + n octets) into the parser's input, the text with each literal's
/// octets replaced by one U+0001 placeholder, plus the literals in order. The final CRLF,
/// if any, is removed.
pub fn split_literals(raw: &[u8]) -> (String, Vec<Vec<u8>>) {
    let mut text = Vec::new();
    let mut literals = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'{' {
            let digits: Vec<u8> = raw[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .copied()
                .collect();
            let mut j = i + 1 + digits.len();
            if raw.get(j) == Some(&b'+') {
                j += 1;
            }
            if !digits.is_empty()
                && raw.get(j) == Some(&b'}')
                && raw.get(j + 1..j + 3) == Some(b"\r\n")
            {
                let n: usize = std::str::from_utf8(&digits).unwrap().parse().unwrap();
                let start = j + 3;
                text.extend_from_slice(&raw[i..start]);
                text.push(0x01);
                literals.push(raw[start..start + n].to_vec());
                i = start + n;
                continue;
            }
        }
        text.push(raw[i]);
        i += 1;
    }
    if text.ends_with(b"\r\n") {
        text.truncate(text.len() - 2);
    }
    (
        String::from_utf8(text).expect("test commands are UTF-8"),
        literals,
    )
}

/// Splits a client's byte stream (CRLF line ends) into commands, each with its literals
/// inline: a line that ends in a literal header `{n}` / `{n+}` / `~{n}` continues after the
/// literal's n octets.
pub fn split_commands(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut commands = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while let Some(found) = find(&stream[i..], b"\r\n") {
        let eol = i + found;
        let line = &stream[i..eol];
        if let Some(n) = literal_length(line) {
            i = eol + 2 + n;
            continue;
        }
        commands.push(stream[start..eol].to_vec());
        start = eol + 2;
        i = start;
    }
    if start < stream.len() {
        commands.push(stream[start..].to_vec());
    }
    commands
}

/// Reads a fixture file, turning its LF line ends into CRLF.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::with_capacity(text.len() + text.len() / 20);
    for &b in &text {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length announced by a literal header at the end of `line`, if there is one.
fn literal_length(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"}")?;
    let line = line.strip_suffix(b"+").unwrap_or(line);
    let open = line.iter().rposition(|&b| b == b'{')?;
    let digits = &line[open + 1..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// xorshift64*: enough randomness for choosing operations, reproducible from its seed, no
/// dependency.
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 for `n` = 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
