//! Content decoding: base64 (RFC 2045 §6.8), quoted-printable (§6.7), RFC 2047 encoded words,
//! RFC 2231 percent encoding, and charsets via `encoding_rs` (the WHATWG encodings, which
//! cover what mail uses; unknown charsets fall back to UTF-8 with replacement characters).

use std::borrow::Cow;

/// Decodes base64, skipping characters outside the alphabet (RFC 2045 §6.8: "any characters
/// outside of the base64 alphabet are to be ignored") and stopping at the first `=` pad.
pub fn base64(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes quoted-printable. Line ends become CRLF (a hard line break is a CRLF, §6.7 rule 4),
/// trailing whitespace on a line is dropped (rule 3), `=` at the end of a line is a soft
/// break; a malformed `=` sequence is kept literally (the "robust" advice of §6.7 note 1).
pub fn quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut soft = true; // no line break before the first line
    let mut rest = Some(input);
    // the lines, as `split` at LF gives them (a final empty one after a last LF)
    while let Some(text) = rest {
        let (line, next) = match memchr::memchr(b'\n', text) {
            Some(k) => (&text[..k], Some(&text[k + 1..])),
            None => (text, None),
        };
        rest = next;
        if !soft {
            out.extend_from_slice(b"\r\n");
        }
        soft = false;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let end = line
            .iter()
            .rposition(|&b| b != b' ' && b != b'\t')
            .map_or(0, |i| i + 1);
        let line = &line[..end];
        let mut i = 0;
        while let Some(k) = memchr::memchr(b'=', &line[i..]) {
            out.extend_from_slice(&line[i..i + k]);
            i += k;
            if i + 1 == line.len() {
                soft = true;
                break;
            }
            match hex_pair(line, i + 1) {
                Some(v) => {
                    out.push(v);
                    i += 3;
                }
                None => {
                    out.push(b'=');
                    i += 1;
                }
            }
        }
        if !soft {
            out.extend_from_slice(&line[i..]);
        }
    }
    out
}

/// The byte written as two hex digits at `s[i..i + 2]`.
fn hex_pair(s: &[u8], i: usize) -> Option<u8> {
    Some(hex(*s.get(i)?)? << 4 | hex(*s.get(i + 1)?)?)
}

/// Decodes `bytes` in the charset labelled `label` to UTF-8 (lossy). Empty or unknown labels
/// are treated as UTF-8 (US-ASCII is a subset).
pub fn charset(bytes: &[u8], label: &[u8]) -> String {
    charset_cow(bytes, label).into_owned()
}

/// [`charset`] without a copy when `bytes` already are that text (ASCII in an
/// ASCII-compatible charset, or valid UTF-8 labelled UTF-8 or unknown).
pub fn charset_cow<'a>(bytes: &'a [u8], label: &[u8]) -> Cow<'a, str> {
    match encoding_rs::Encoding::for_label_no_replacement(label) {
        Some(enc) => enc.decode_without_bom_handling(bytes).0,
        None => String::from_utf8_lossy(bytes),
    }
}

/// Decodes `%XX` escapes (RFC 2231 §4); other bytes are copied.
pub fn percent(s: &[u8]) -> Vec<u8> {
    unescape_hex(s, b'%')
}

/// Decodes `<escape>XX` hex escapes; other bytes (and malformed escapes) are copied.
fn unescape_hex(s: &[u8], escape: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == escape {
            if let Some(v) = hex_pair(s, i + 1) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Appends `s` percent-encoded: every byte outside RFC 2231 `attribute-char` becomes `%XX`.
pub fn percent_encode_into(s: &[u8], out: &mut Vec<u8>) {
    for &b in s {
        if b.is_ascii_graphic() && !b"*'%()<>@,;:\\\"/[]?=".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
}

/// One `=?charset?enc?text?=` word (RFC 2047 §2) decoded, or `None` if malformed.
fn encoded_word(w: &[u8]) -> Option<String> {
    let inner = w.strip_prefix(b"=?")?.strip_suffix(b"?=")?;
    let mut it = inner.splitn(3, |&b| b == b'?');
    let (cs, enc, text) = (it.next()?, it.next()?, it.next()?);
    let cs = cs.split(|&b| b == b'*').next()?; // RFC 2231 §5 language suffix
    let bytes = match enc {
        b"B" | b"b" => base64(text),
        b"Q" | b"q" => {
            let t: Vec<u8> = text
                .iter()
                .map(|&b| if b == b'_' { b' ' } else { b })
                .collect();
            // RFC 2047 §4.2: "=XX" escapes, "_" for space.
            unescape_hex(&t, b'=')
        }
        _ => return None,
    };
    Some(charset(&bytes, cs))
}

/// Decodes RFC 2047 encoded words in an unstructured header value to UTF-8. Whitespace
/// between two adjacent encoded words is dropped (§6.2); other text is taken as UTF-8, lossy
/// (raw 8-bit headers are usually UTF-8 nowadays). Line breaks are unfolded.
pub fn rfc2047(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    rfc2047_into(raw, &mut out);
    out
}

/// [`rfc2047`], appending to `out`.
pub fn rfc2047_into(raw: &[u8], out: &mut String) {
    let start = out.len();
    if memchr::memmem::find(raw, b"=?").is_none() {
        out.push_str(&String::from_utf8_lossy(raw));
    } else {
        encoded_words_into(raw, out);
    }
    if memchr::memchr2(b'\r', b'\n', &out.as_bytes()[start..]).is_some() {
        let unfolded = out[start..].replace(['\r', '\n'], "");
        out.truncate(start);
        out.push_str(&unfolded);
    }
}

/// The words of `raw` decoded (see [`rfc2047`]), line breaks kept.
fn encoded_words_into(raw: &[u8], out: &mut String) {
    let mut pending_ws: &[u8] = b"";
    let mut last_was_word = false;
    let mut i = 0;
    let mut text_start = 0;
    let flush = |out: &mut String, s: &[u8]| out.push_str(&String::from_utf8_lossy(s));
    while i < raw.len() {
        if raw[i..].starts_with(b"=?") {
            // find the end: =?cs?e?text?=  (text has no '?')
            if let Some(end) = word_end(&raw[i..]) {
                if let Some(dec) = encoded_word(&raw[i..i + end]) {
                    let before = &raw[text_start..i];
                    let only_ws = before.iter().all(|b| b.is_ascii_whitespace());
                    if !(last_was_word && only_ws) {
                        flush(out, pending_ws);
                        flush(out, before);
                    }
                    pending_ws = b"";
                    out.push_str(&dec);
                    i += end;
                    text_start = i;
                    last_was_word = true;
                    continue;
                }
            }
        }
        if !raw[i].is_ascii_whitespace() {
            last_was_word = false;
        }
        i += 1;
    }
    flush(out, pending_ws);
    flush(out, &raw[text_start..]);
}

fn word_end(s: &[u8]) -> Option<usize> {
    // "=?" cs "?" enc "?" text "?="
    let mut q = 0;
    for (i, &b) in s.iter().enumerate().skip(2) {
        if b == b'?' {
            q += 1;
            if q >= 3 && s.get(i + 1) == Some(&b'=') {
                return Some(i + 2);
            }
        } else if b == b' ' || b == b'\t' || b == b'\n' {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_qp() {
        assert_eq!(base64(b"aGVs\nbG8=\n"), b"hello");
        assert_eq!(
            quoted_printable(b"a=3Db  \nsoft=\nline=\r\nend=ZZ"),
            b"a=b\r\nsoftlineend=ZZ"
        );
    }

    #[test]
    fn encoded_words() {
        assert_eq!(
            rfc2047(b"=?utf-8?q?caf=C3=A9?= =?ISO-8859-1?B?4Q==?= x"),
            "caféá x"
        );
        assert_eq!(rfc2047(b"a =?x-unknown?q?b?= c"), "a b c");
        assert_eq!(rfc2047(b"plain =?bad"), "plain =?bad");
        assert_eq!(charset(b"\xe9", b"latin1"), "é");
    }
}
