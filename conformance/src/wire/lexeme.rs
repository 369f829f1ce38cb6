//! Small scanners for IMAP lexemes (RFC 3501 §4, §9): numbers, atoms, strings, lists.
//!
//! Each takes the whole buffer and a start offset and returns the end offset of what it
//! recognised, so matchers can use them in place.

/// `{N}` or `{N+}` ending a line: the literal's size (RFC 3501 §4.3, RFC 7888).
pub fn literal_header_at_end(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"}")?;
    let body = body.strip_suffix(b"+").unwrap_or(body);
    let open = body.iter().rposition(|&b| b == b'{')?;
    let digits = &body[open + 1..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// End of a run of one or more digits starting at `pos`.
pub fn number_end(raw: &[u8], pos: usize) -> Option<usize> {
    let n = raw[pos.min(raw.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (n > 0).then_some(pos + n)
}

/// Octets that may appear in an atom as matchers see it: anything but SP, CTL and
/// `( ) { " [ ]`. Flags (`\Seen`) and list wildcards count as atoms here.
pub fn is_atom_char(b: u8) -> bool {
    b > b' ' && b != 0x7f && !matches!(b, b'(' | b')' | b'{' | b'"' | b'[' | b']')
}

/// End of a non-empty atom starting at `pos`.
pub fn atom_end(raw: &[u8], pos: usize) -> Option<usize> {
    let n = raw[pos.min(raw.len())..]
        .iter()
        .take_while(|&&b| is_atom_char(b))
        .count();
    (n > 0).then_some(pos + n)
}

/// A quoted string at `pos`: its end and its unescaped value (RFC 3501 §4.3).
pub fn quoted_at(raw: &[u8], pos: usize) -> Option<(usize, Vec<u8>)> {
    if raw.get(pos) != Some(&b'"') {
        return None;
    }
    let mut value = Vec::new();
    let mut i = pos + 1;
    while i < raw.len() {
        match raw[i] {
            b'"' => return Some((i + 1, value)),
            b'\\' if i + 1 < raw.len() => {
                value.push(raw[i + 1]);
                i += 2;
            }
            b'\r' | b'\n' => return None,
            b => {
                value.push(b);
                i += 1;
            }
        }
    }
    None
}

/// A literal at `pos` (`{N}` CRLF N octets): its end and the range of its data.
pub fn literal_at(raw: &[u8], pos: usize) -> Option<(usize, std::ops::Range<usize>)> {
    if raw.get(pos) != Some(&b'{') {
        return None;
    }
    let digits_end = number_end(raw, pos + 1)?;
    let mut i = digits_end;
    if raw.get(i) == Some(&b'+') {
        i += 1;
    }
    if raw.get(i..i + 3) != Some(&b"}\r\n"[..]) {
        return None;
    }
    let size: usize = std::str::from_utf8(&raw[pos + 1..digits_end])
        .ok()?
        .parse()
        .ok()?;
    let start = i + 3;
    let end = start.checked_add(size)?;
    (end <= raw.len()).then_some((end, start..end))
}

/// An astring-like value at `pos`: atom (with `]` allowed, as in ASTRING-CHAR), quoted
/// string, or literal. Returns its end and its value.
pub fn string_at(raw: &[u8], pos: usize) -> Option<(usize, Vec<u8>)> {
    if let Some(q) = quoted_at(raw, pos) {
        return Some(q);
    }
    if let Some((end, data)) = literal_at(raw, pos) {
        return Some((end, raw[data].to_vec()));
    }
    let n = raw[pos.min(raw.len())..]
        .iter()
        .take_while(|&&b| is_atom_char(b) || b == b']')
        .count();
    (n > 0).then(|| (pos + n, raw[pos..pos + n].to_vec()))
}

/// A parenthesized list of space-separated atoms at `pos`, e.g. a flag list
/// (RFC 3501 §9 `flag-list`). Returns its end and the members.
pub fn atom_list_at(raw: &[u8], pos: usize) -> Option<(usize, Vec<&[u8]>)> {
    if raw.get(pos) != Some(&b'(') {
        return None;
    }
    let mut items = Vec::new();
    let mut i = pos + 1;
    if raw.get(i) == Some(&b')') {
        return Some((i + 1, items));
    }
    loop {
        let end = atom_end(raw, i)?;
        items.push(&raw[i..end]);
        match raw.get(end) {
            Some(b')') => return Some((end + 1, items)),
            Some(b' ') => i = end + 1,
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_headers() {
        assert_eq!(literal_header_at_end(b"a APPEND x {12}"), Some(12));
        assert_eq!(literal_header_at_end(b"a APPEND x {12+}"), Some(12));
        assert_eq!(literal_header_at_end(b"a {x}"), None);
        assert_eq!(literal_header_at_end(b"a {}"), None);
        assert_eq!(literal_header_at_end(b"a OK"), None);
    }

    #[test]
    fn strings() {
        assert_eq!(string_at(b"\"a\\\"b\" x", 0), Some((6, b"a\"b".to_vec())));
        assert_eq!(string_at(b"INBOX.x y", 0), Some((7, b"INBOX.x".to_vec())));
        assert_eq!(string_at(b"{2}\r\nhi)", 0), Some((7, b"hi".to_vec())));
        assert_eq!(string_at(b"(x", 0), None);
    }

    #[test]
    fn lists() {
        let (end, items) = atom_list_at(b"(\\Seen $Foo) x", 0).unwrap();
        assert_eq!(end, 12);
        assert_eq!(items, vec![&b"\\Seen"[..], b"$Foo"]);
        assert_eq!(atom_list_at(b"()", 0).map(|x| x.0), Some(2));
        assert!(atom_list_at(b"(a  b)", 0).is_none());
    }
}
