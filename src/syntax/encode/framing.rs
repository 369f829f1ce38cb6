//! A check of text this encoder wrote: a cache keeps ENVELOPE and BODYSTRUCTURE as wire text
//! (`message::summary`) and sends it as it is, so what it reads back must be one
//! well-formed list that cannot break a response's framing, even if damaged.

/// True if `text` is one parenthesised list as this encoder writes ENVELOPE and `body`
/// (RFC 3501 §9): atoms of letters and digits (`NIL`, numbers), quoted strings without
/// escapes or CR/LF, literals `{n}` CRLF and `n` octets, spaces; the list closes exactly at
/// the end. CR and LF appear only inside literals.
pub fn is_one_list(text: &[u8]) -> bool {
    if text.first() != Some(&b'(') {
        return false;
    }
    // Every cached ENVELOPE and BODYSTRUCTURE passes here when read back: the bytes
    // between the marks that matter are skipped by a table lookup each.
    let mut depth = 0usize;
    let mut i = 0;
    loop {
        match text[i..]
            .iter()
            .position(|&b| CLASS[usize::from(b)] != PLAIN)
        {
            Some(n) => i += n,
            None => return false,
        }
        match text[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1 == text.len();
                }
            }
            b'"' => {
                // printable ASCII but `\` up to the closing quote
                let len = text[i + 1..]
                    .iter()
                    .position(|&b| !QUOTED[usize::from(b)])
                    .unwrap_or(text.len() - i - 1);
                if text.get(i + 1 + len) != Some(&b'"') {
                    return false;
                }
                i += len + 1;
            }
            b'{' => {
                let digits = text[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let after = i + 1 + digits;
                if digits == 0 || digits > 10 || !text[after..].starts_with(b"}\r\n") {
                    return false;
                }
                // at most ten digits: no overflow
                let n = text[i + 1..after]
                    .iter()
                    .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
                if n > (text.len() - (after + 3)) as u64 {
                    return false;
                }
                let n = n as usize;
                // `literal = "{" number "}" CRLF *CHAR8`: no NUL (§9)
                if memchr::memchr(0, &text[after + 3..after + 3 + n]).is_some() {
                    return false;
                }
                i = after + 2 + n;
            }
            _ => return false,
        }
        i += 1;
    }
}

/// [`CLASS`] of a byte that may stand anywhere between marks: a space, a letter, a digit.
const PLAIN: u8 = 0;

/// Each byte's class: [`PLAIN`], or 1 for the marks (`(`, `)`, `"`, `{`) and for bytes
/// allowed nowhere outside a literal.
static CLASS: [u8; 256] = {
    let mut t = [1u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c == b' ' || c.is_ascii_alphanumeric() {
            t[b] = PLAIN;
        }
        b += 1;
    }
    t
};

/// Bytes a quoted string may hold: printable ASCII but `"` and `\\`.
static QUOTED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x20;
    while b <= 0x7e {
        t[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck_macros::quickcheck;

    /// Every text the encoder writes passes [`is_one_list`], whatever the values.
    #[test]
    fn encoded_texts_are_is_one_list() {
        use crate::syntax::arbitrary::{body_structure, envelope};
        use crate::syntax::encode::{body_text, envelope_text};
        let mut g = quickcheck::Gen::new(64);
        for _ in 0..500 {
            let env = envelope(&mut g);
            let body = body_structure(&mut g, 3);
            assert!(is_one_list(&envelope_text(&env)), "{env:?}");
            assert!(is_one_list(&body_text(&body, true)), "{body:?}");
            assert!(is_one_list(&body_text(&body, false)), "{body:?}");
        }
    }

    /// Damage that would break a response's framing is refused.
    #[test]
    fn malformed_texts_are_refused() {
        let good: &[&[u8]] = &[
            b"(NIL NIL)",
            b"(\"a b\" {3}\r\nx\r\n 12 ((NIL)))",
            b"({0}\r\n)",
        ];
        for t in good {
            assert!(is_one_list(t), "{}", String::from_utf8_lossy(t));
        }
        let bad: &[&[u8]] = &[
            b"",
            b"NIL",
            b"(NIL",
            b"(NIL))",
            b"(NIL)(NIL)",
            b"(NIL) ",
            b"(NIL\r\nNIL)",
            b"(\"a\\\")",
            b"(\"a\r\")",
            b"(\"open)",
            b"({4}\r\nab)",
            b"({}\r\n)",
            b"({99999999999}\r\n)",
            b"({2}\nab)",
            b"({1}\r\n)",
            b"(\x00)",
            b"(a\x80)",
            b"({2}\r\na\x00)",
        ];
        for t in bad {
            assert!(!is_one_list(t), "{}", String::from_utf8_lossy(t));
        }
    }

    /// The check as first written, byte by byte: the table-driven one must agree.
    fn is_one_list_model(text: &[u8]) -> bool {
        if text.first() != Some(&b'(') {
            return false;
        }
        let mut depth = 0usize;
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1 == text.len();
                    }
                }
                b'"' => {
                    let Some(len) = text[i + 1..].iter().position(|&b| b == b'"') else {
                        return false;
                    };
                    let quoted = &text[i + 1..i + 1 + len];
                    if !quoted
                        .iter()
                        .all(|&b| matches!(b, 0x20..=0x7e) && b != b'\\')
                    {
                        return false;
                    }
                    i += len + 1;
                }
                b'{' => {
                    let digits = text[i + 1..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    let after = i + 1 + digits;
                    if digits == 0 || digits > 10 || !text[after..].starts_with(b"}\r\n") {
                        return false;
                    }
                    // at most ten digits: no overflow
                    let n = text[i + 1..after]
                        .iter()
                        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
                    if n > (text.len() - (after + 3)) as u64 {
                        return false;
                    }
                    let n = n as usize;
                    // `literal = "{" number "}" CRLF *CHAR8`: no NUL (§9)
                    if text[after + 3..after + 3 + n].contains(&0) {
                        return false;
                    }
                    i = after + 2 + n;
                }
                b' ' => {}
                b if b.is_ascii_alphanumeric() => {}
                _ => return false,
            }
            i += 1;
        }
        false
    }

    /// The same verdict as the byte-by-byte model on arbitrary input, and on encoded texts
    /// with one byte changed to one that matters.
    #[quickcheck]
    fn agrees_with_the_model_on_any_input(data: Vec<u8>) -> bool {
        let listed: Vec<u8> = std::iter::once(b'(').chain(data.iter().copied()).collect();
        is_one_list(&data) == is_one_list_model(&data)
            && is_one_list(&listed) == is_one_list_model(&listed)
    }

    #[test]
    fn agrees_with_the_model_on_damaged_texts() {
        use crate::syntax::arbitrary::{body_structure, envelope};
        use crate::syntax::encode::{body_text, envelope_text};
        const MARKS: &[u8] = b"(){}\"\\\r\n 7aZ\x00\x01\x7f\x80\xff";
        let mut g = quickcheck::Gen::new(32);
        let mut damaged = 0;
        for round in 0..200 {
            let text = if round % 2 == 0 {
                envelope_text(&envelope(&mut g))
            } else {
                body_text(&body_structure(&mut g, 2), true)
            };
            for at in (0..text.len()).step_by(text.len() / 40 + 1) {
                for &m in MARKS {
                    let mut t = text.clone();
                    t[at] = m;
                    assert_eq!(is_one_list(&t), is_one_list_model(&t), "{t:?}");
                    damaged += usize::from(!is_one_list(&t));
                }
            }
        }
        assert!(damaged > 1000, "the damage is seen: {damaged}");
    }

    #[quickcheck]
    fn any_input_is_checked_without_panic(data: Vec<u8>) -> bool {
        let mut list = b"(".to_vec();
        list.extend_from_slice(&data);
        let _ = is_one_list(&data);
        let _ = is_one_list(&list);
        true
    }
}
