//! The SEARCH nesting check that runs before pest (see [`exceeds`]).

/// How deeply SEARCH keys nest in `text`, checked against `limit` in one pass over the
/// bytes, before pest recurses into them: returns the byte offset of the first token that
/// goes deeper than `limit`, or `None`.
///
/// Only SEARCH, SORT and THREAD (with or without UID) are scanned; nothing else nests in the
/// grammar. The depth of a key is the number of `NOT`, `OR` and parenthesized groups around
/// it, the same count [`super::search`] checks while building the AST. The scan knows how
/// many arguments each search key takes, so it follows prefix notation exactly on
/// well-formed input: `OR a OR b OR c d` is three deep, `OR a b OR c d` only one. On
/// malformed input it may be off, but then pest stops at the error anyway.
pub(super) fn exceeds(text: &str, limit: usize) -> Option<usize> {
    if !is_search_command(text) {
        return None;
    }
    let bytes = text.as_bytes();
    // Each entry is an operator still waiting for operands (1 or 2), or an open parenthesis.
    let mut stack: Vec<u8> = Vec::new();
    const PAREN: u8 = 0;
    let mut skip = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        if b == b' ' || b == b'\r' || b == b'\n' {
            i += 1;
            continue;
        }
        if b == b'(' {
            i += 1;
            skip = 0;
            stack.push(PAREN);
            if stack.len() > limit {
                return Some(start);
            }
            continue;
        }
        if b == b')' {
            i += 1;
            while let Some(top) = stack.pop() {
                if top == PAREN {
                    break;
                }
            }
            complete(&mut stack);
            continue;
        }
        // A quoted string, a literal placeholder, or a word: one token.
        if b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            while i < bytes.len() && !matches!(bytes[i], b' ' | b'(' | b')' | b'"' | b'\r') {
                i += 1;
            }
            // A literal header's CRLF and placeholder belong to it.
            if i + 2 < bytes.len() && &bytes[i..i + 3] == b"\r\n\x01" {
                i += 3;
            }
        }
        let word = &bytes[start..i.min(bytes.len())];
        if skip > 0 {
            skip -= 1;
            if skip == 0 {
                complete(&mut stack);
            }
            continue;
        }
        if word.eq_ignore_ascii_case(b"NOT") {
            stack.push(1);
        } else if word.eq_ignore_ascii_case(b"OR") {
            stack.push(2);
        } else if let Some(n) = arguments(word) {
            skip = n;
            continue;
        } else {
            complete(&mut stack);
            continue;
        }
        if stack.len() > limit {
            return Some(start);
        }
    }
    None
}

/// One operand is complete: operators whose last operand it was are complete too.
fn complete(stack: &mut Vec<u8>) {
    while let Some(top) = stack.last_mut() {
        if *top == 0 {
            return;
        }
        *top -= 1;
        if *top > 0 {
            return;
        }
        stack.pop();
    }
}

/// How many arguments a search key takes (RFC 3501 §9 `search-key`, RFC 5032), for the keys
/// that take any; `CHARSET` and `UID` are here too, as they take one.
fn arguments(word: &[u8]) -> Option<usize> {
    const ONE: [&[u8]; 21] = [
        b"BCC",
        b"BEFORE",
        b"BODY",
        b"CC",
        b"FROM",
        b"KEYWORD",
        b"LARGER",
        b"ON",
        b"SENTBEFORE",
        b"SENTON",
        b"SENTSINCE",
        b"SINCE",
        b"SMALLER",
        b"SUBJECT",
        b"TEXT",
        b"TO",
        b"UID",
        b"UNKEYWORD",
        b"OLDER",
        b"YOUNGER",
        b"CHARSET",
    ];
    if word.eq_ignore_ascii_case(b"HEADER") {
        Some(2)
    } else if ONE.iter().any(|k| word.eq_ignore_ascii_case(k)) {
        Some(1)
    } else {
        None
    }
}

/// True if the command (after the tag, and `UID` if present) is SEARCH, SORT or THREAD.
fn is_search_command(text: &str) -> bool {
    let mut words = text.splitn(4, ' ').skip(1);
    let mut name = words.next().unwrap_or("");
    if name.eq_ignore_ascii_case("UID") {
        name = words.next().unwrap_or("");
    }
    ["SEARCH", "SORT", "THREAD"]
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c))
}
