//! Modified UTF-7 mailbox names (RFC 3501 §5.1.3).
//!
//! Printable US-ASCII (0x20–0x7e) stands for itself except `&`, written `&-`; every other
//! character is written as `&`, modified BASE64 (RFC 2152 with `,` for `/`, no `=`
//! padding) of its UTF-16BE form, and `-`.
//!
//! [`decode`] accepts exactly the canonical form that [`encode`] produces, so that
//! `encode(decode(b)?) == b`. RFC 3501 §5.1.3 says a server SHOULD verify names given to
//! CREATE for "correctly modified UTF-7 syntax", "no superfluous shifts" and "no encoding
//! in modified BASE64 of any printing US-ASCII character which can represent itself", and
//! MUST preserve the exact BASE64 form; accepting one spelling per name is how we keep a
//! name and its Maildir folder one-to-one. In particular decode rejects:
//! - null shifts: a BASE64 run ending in `-` immediately followed by a new `&` run
//!   (RFC 3501: `"-&" while in BASE64 … [is] not permitted`); `&-` after a run is fine;
//! - BASE64 encoding any character 0x20–0x7e, including `&` (which has the `&-` spelling);
//! - superfluous BASE64 characters and non-zero padding bits.
//!
//! Control characters (U+0000–U+001F, U+007F) are valid when BASE64-encoded and are
//! decoded: whether such a name is acceptable is the mailbox layer's policy, not syntax.

use std::fmt;

use thiserror::Error;

/// The modified BASE64 alphabet: RFC 2045's with `,` in place of `/` (RFC 3501 §5.1.3).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// A name that is not canonical modified UTF-7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("invalid modified UTF-7 at byte {offset}: {kind}")]
pub struct Mutf7Error {
    /// Offset of the offending byte in the name.
    pub offset: usize,
    /// What is wrong there.
    pub kind: Mutf7ErrorKind,
}

/// What is wrong with a modified UTF-7 name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutf7ErrorKind {
    /// An octet 0x80–0xff outside BASE64 (8-bit names are not modified UTF-7).
    EightBit,
    /// A control character (0x00–0x1f, 0x7f) outside BASE64.
    Control,
    /// An `&` shift with no closing `-`; the offset is the `&`.
    Unterminated,
    /// A byte that is neither modified BASE64 nor `-` inside a shift.
    InvalidBase64,
    /// A BASE64 character beyond the last whole octet.
    SuperfluousBase64,
    /// The bits after the last whole octet are not zero.
    NonZeroPadding,
    /// The BASE64 run decodes to an odd number of octets (UTF-16 needs pairs).
    OddLength,
    /// A UTF-16 surrogate without its partner.
    UnpairedSurrogate,
    /// BASE64 encodes a printable US-ASCII character (RFC 3501 §5.1.3 MUST NOT).
    EncodedAscii,
    /// A shift straight after a BASE64 run (`-&`), which should have been one run.
    NullShift,
}

impl fmt::Display for Mutf7ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EightBit => "8-bit byte",
            Self::Control => "control character",
            Self::Unterminated => "unterminated &-shift",
            Self::InvalidBase64 => "invalid modified BASE64 character",
            Self::SuperfluousBase64 => "superfluous modified BASE64 character",
            Self::NonZeroPadding => "non-zero padding bits in modified BASE64",
            Self::OddLength => "odd number of UTF-16 octets in modified BASE64",
            Self::UnpairedSurrogate => "unpaired UTF-16 surrogate",
            Self::EncodedAscii => "printable US-ASCII encoded in modified BASE64",
            Self::NullShift => "null shift: adjacent modified BASE64 runs",
        })
    }
}

/// Decodes a canonical modified UTF-7 mailbox name.
///
/// # Errors
///
/// [`Mutf7Error`] with the offset of the first offending byte if `name` is not canonical
/// modified UTF-7 (see the module docs for what is rejected).
pub fn decode(name: &[u8]) -> Result<String, Mutf7Error> {
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    let mut after_run = false;
    while let Some(&b) = name.get(i) {
        let err = |kind| Err(Mutf7Error { offset: i, kind });
        match b {
            b'&' => {
                let body = i + 1;
                let Some(len) = name[body..].iter().position(|&c| c == b'-') else {
                    return err(Mutf7ErrorKind::Unterminated);
                };
                if len == 0 {
                    out.push('&');
                    after_run = false;
                } else if after_run {
                    return err(Mutf7ErrorKind::NullShift);
                } else {
                    decode_run(&name[body..body + len], body, &mut out)?;
                    after_run = true;
                }
                i = body + len + 1;
                continue;
            }
            0x20..=0x7e => out.push(char::from(b)),
            0x80..=0xff => return err(Mutf7ErrorKind::EightBit),
            _ => return err(Mutf7ErrorKind::Control),
        }
        after_run = false;
        i += 1;
    }
    Ok(out)
}

/// Decodes one BASE64 run (between `&` and `-`) starting at `base` in the name.
fn decode_run(run: &[u8], base: usize, out: &mut String) -> Result<(), Mutf7Error> {
    let err = |at: usize, kind| Mutf7Error {
        offset: base + at,
        kind,
    };
    let mut octets = Vec::with_capacity(run.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (at, &c) in run.iter().enumerate() {
        let value = sextet(c).ok_or(err(at, Mutf7ErrorKind::InvalidBase64))?;
        acc = (acc << 6 | u32::from(value)) & 0xffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            octets.push((acc >> bits) as u8);
        }
    }
    let last = run.len() - 1;
    if bits >= 6 {
        return Err(err(last, Mutf7ErrorKind::SuperfluousBase64));
    }
    if acc & ((1 << bits) - 1) != 0 {
        return Err(err(last, Mutf7ErrorKind::NonZeroPadding));
    }
    if octets.len() % 2 != 0 {
        return Err(err(last, Mutf7ErrorKind::OddLength));
    }
    // Offset of the BASE64 character holding the first bit of UTF-16 unit `k`.
    let unit_at = |k: usize| k * 16 / 6;
    let units = octets
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
    let mut k = 0;
    for decoded in char::decode_utf16(units) {
        let c = decoded.map_err(|_| err(unit_at(k), Mutf7ErrorKind::UnpairedSurrogate))?;
        if matches!(c, ' '..='~') {
            return Err(err(unit_at(k), Mutf7ErrorKind::EncodedAscii));
        }
        out.push(c);
        k += c.len_utf16();
    }
    Ok(())
}

/// The value of a modified BASE64 character.
fn sextet(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b',' => 63,
        _ => return None,
    })
}

/// Encodes a mailbox name in canonical modified UTF-7: printable US-ASCII as itself,
/// `&` as `&-`, and each maximal run of other characters as one BASE64 shift.
#[must_use]
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut run: Vec<u16> = Vec::new();
    for c in name.chars() {
        if matches!(c, ' '..='~') {
            flush_run(&mut run, &mut out);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut buf = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush_run(&mut run, &mut out);
    out
}

/// Writes a pending run of UTF-16 units as `&`BASE64`-` and empties it.
fn flush_run(run: &mut Vec<u16>, out: &mut String) {
    if run.is_empty() {
        return;
    }
    out.push('&');
    let (mut acc, mut bits) = (0u32, 0u32);
    for octet in run.drain(..).flat_map(u16::to_be_bytes) {
        acc = (acc << 8 | u32::from(octet)) & 0xffff;
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(ALPHABET[(acc >> bits) as usize & 63]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[(acc << (6 - bits)) as usize & 63]));
    }
    out.push('-');
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{Arbitrary, Gen};
    use quickcheck_macros::quickcheck;

    #[test]
    fn rfc3501_example() {
        let name = "~peter/mail/&U,BTFw-/&ZeVnLIqe-";
        let text = "~peter/mail/台北/日本語";
        assert_eq!(decode(name.as_bytes()).as_deref(), Ok(text));
        assert_eq!(encode(text), name);
    }

    #[test]
    fn encodings() {
        let cases = [
            ("", ""),
            ("INBOX", "INBOX"),
            ("&", "&-"),
            ("a&b", "a&-b"),
            ("é", "&AOk-"),
            ("éé", "&AOkA6Q-"),
            ("é&", "&AOk-&-"),
            ("&é", "&-&AOk-"),
            ("😀", "&2D3eAA-"),
            ("\t", "&AAk-"),
            ("~\\+/ -", "~\\+/ -"),
        ];
        for (text, name) in cases {
            assert_eq!(encode(text), name);
            assert_eq!(decode(name.as_bytes()).as_deref(), Ok(text), "{name}");
        }
    }

    #[test]
    fn rejects() {
        use Mutf7ErrorKind::*;
        let cases: &[(&[u8], usize, Mutf7ErrorKind)] = &[
            (b"&Jjo!", 0, Unterminated), // RFC 3501 §5.1.3's own example
            (b"a&AOk", 1, Unterminated),
            (b"&", 0, Unterminated),
            (b"a\xc3\xa9", 1, EightBit),
            (b"a\tb", 1, Control),
            (b"\x7f", 0, Control),
            (b"\0", 0, Control),
            (b"&AO*-", 3, InvalidBase64),
            (b"&AOk/-", 4, InvalidBase64),
            (b"&AOk=-", 4, InvalidBase64),
            (b"&A-", 1, SuperfluousBase64),
            (b"&AOkA6QAAA-", 9, SuperfluousBase64),
            (b"&AOl-", 3, NonZeroPadding),
            (b"&AOkA-", 4, OddLength),
            (b"&2AA-", 1, UnpairedSurrogate),
            (b"&3AA-", 1, UnpairedSurrogate),
            (b"&AOnYAA-", 3, UnpairedSurrogate),
            (b"&AGE-", 1, EncodedAscii),
            (b"&ACY-", 1, EncodedAscii),
            (b"&AOkAYQ-", 3, EncodedAscii),
            (b"&AOk-&AOk-", 5, NullShift),
        ];
        for &(name, offset, kind) in cases {
            let expected = Err(Mutf7Error { offset, kind });
            assert_eq!(decode(name), expected, "{}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn error_message() {
        let err = decode(b"ab&Jjo").unwrap_err();
        let expected = "invalid modified UTF-7 at byte 2: unterminated &-shift";
        assert_eq!(err.to_string(), expected);
    }

    /// Bytes that look like modified UTF-7, so that many of them decode.
    #[derive(Debug, Clone)]
    struct Name(Vec<u8>);

    impl Arbitrary for Name {
        fn arbitrary(g: &mut Gen) -> Self {
            const TOKENS: &[&[u8]] = &[
                b"&",
                b"-",
                b"&-",
                b"A",
                b"AOk",
                b"A6Q",
                b"2D3eAA",
                b"ZeVnLIqe",
                b"U,BTFw",
                b"a",
                b"/",
                b"+",
                b",",
                b"~",
                b"Z",
                b"9",
                b"&AOk-",
                b"&2D3eAA-",
            ];
            let len = usize::arbitrary(g) % (g.size() / 4 + 1);
            let mut bytes = Vec::new();
            for _ in 0..len {
                if u8::arbitrary(g) % 64 == 0 {
                    bytes.push(u8::arbitrary(g));
                } else {
                    bytes.extend_from_slice(g.choose(TOKENS).copied().unwrap_or_default());
                }
            }
            Name(bytes)
        }

        fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
            Box::new(self.0.shrink().map(Name))
        }
    }

    #[quickcheck]
    fn decode_inverts_encode(text: String) -> bool {
        decode(encode(&text).as_bytes()).as_deref() == Ok(text.as_str())
    }

    #[quickcheck]
    fn encode_is_printable_ascii(text: String) -> bool {
        encode(&text).bytes().all(|b| (0x20..=0x7e).contains(&b))
    }

    /// Decode accepts only the canonical form: whatever decodes, encodes back to itself.
    #[quickcheck]
    fn decoded_names_are_canonical(name: Name) -> bool {
        match decode(&name.0) {
            Ok(text) => encode(&text).as_bytes() == name.0,
            Err(e) => e.offset < name.0.len(),
        }
    }

    #[quickcheck]
    fn arbitrary_bytes_are_canonical_or_rejected(name: Vec<u8>) -> bool {
        decode(&name).map_or(true, |text| encode(&text).as_bytes() == name)
    }
}
