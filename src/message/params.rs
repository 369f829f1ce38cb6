//! `Content-Type` / `Content-Disposition` values: `token "/" token *(";" parameter)`
//! (RFC 2045 §5.1, RFC 2183 §2) with RFC 2231 continuations and extended values.
//!
//! Parameter names are lowercased (they are case-insensitive, RFC 2045 §5.1); values keep
//! their case (boundaries and file names are case-sensitive). RFC 2231 parameters are merged
//! the way Dovecot reports them in BODYSTRUCTURE: `title*0*=us-ascii'en'a%20; title*1=b`
//! becomes one parameter `title` with `extended: true` and value `us-ascii'en'a%20b`
//! (percent-encoded, charset kept), which the structure writes as `"title*"`. The decoded
//! text is available from [`Param::decoded`].

use super::decode;

/// One parameter after RFC 2231 merging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Lowercased name without any `*` section or extension marker.
    pub name: Vec<u8>,
    /// The value: unquoted; for extended values `charset'lang'percent-encoded`.
    pub value: Vec<u8>,
    /// True if the value is RFC 2231 extended (written as `name*` in BODYSTRUCTURE).
    pub extended: bool,
}

impl Param {
    /// The value as text: RFC 2231 charset and percent decoding for extended values, RFC 2047
    /// encoded words (common in practice in `filename=`) for plain ones.
    pub fn decoded(&self) -> String {
        if !self.extended {
            return decode::rfc2047(&self.value);
        }
        let mut it = self.value.splitn(3, |&b| b == b'\'');
        let (charset, _lang, text) = match (it.next(), it.next(), it.next()) {
            (Some(c), Some(l), Some(t)) => (c, l, t),
            _ => (&b""[..], &b""[..], &self.value[..]),
        };
        decode::charset(&decode::percent(text), charset)
    }

    /// The name as BODYSTRUCTURE writes it: `name*` for an extended value.
    pub fn wire_name(&self) -> Vec<u8> {
        let mut n = self.name.clone();
        if self.extended {
            n.push(b'*');
        }
        n
    }
}

/// A parsed `type/subtype; params` or `disposition; params` value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Value {
    /// The leading token, lowercased (`text/plain`'s `text`, or `attachment`).
    pub main: Vec<u8>,
    /// After the `/`, lowercased; empty for a disposition.
    pub sub: Vec<u8>,
    /// Parameters in order of first appearance.
    pub params: Vec<Param>,
}

impl Value {
    /// The first parameter called `name` (lowercase).
    pub fn param(&self, name: &[u8]) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let a = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let e = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(a, |i| i + 1);
    &s[a..e]
}

/// RFC 2045 `token` characters (plus 8-bit, tolerated).
fn is_token(b: u8) -> bool {
    b > 0x20 && b != 0x7f && !b"()<>@,;:\\\"/[]?=".contains(&b)
}

/// Skips whitespace and (nested) comments from `i`.
fn skip_cfws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        match s[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                i = super::header::skip_comment(s, i);
            }
            _ => break,
        }
    }
    // A comment ending in a lone `\` steps past the end (found by fuzz/message).
    i.min(s.len())
}

fn token(s: &[u8], i: usize) -> (Vec<u8>, usize) {
    let i = skip_cfws(s, i);
    let n = s[i..].iter().take_while(|&&b| is_token(b)).count();
    (s[i..i + n].to_ascii_lowercase(), i + n)
}

/// Parses `type "/" subtype *(";" param)`; `None` if the type or subtype is missing, in which
/// case RFC 2045 §5.2 says the default applies.
pub fn content_type(s: &[u8]) -> Option<Value> {
    let (main, i) = token(s, 0);
    let i = skip_cfws(s, i);
    if main.is_empty() || s.get(i) != Some(&b'/') {
        return None;
    }
    let (sub, i) = token(s, i + 1);
    if sub.is_empty() {
        return None;
    }
    Some(Value {
        main,
        sub,
        params: params(&s[i..]),
    })
}

/// Parses `disposition-type *(";" param)` (RFC 2183 §2); `None` if the type is missing.
pub fn disposition(s: &[u8]) -> Option<Value> {
    let (main, i) = token(s, 0);
    (!main.is_empty()).then(|| Value {
        main,
        sub: Vec::new(),
        params: params(&s[i..]),
    })
}

/// Parses `*(";" attribute "=" value)` and merges RFC 2231 sections.
pub fn params(s: &[u8]) -> Vec<Param> {
    let mut raw: Vec<Raw> = Vec::new();
    let mut i = 0;
    while i < s.len() {
        // up to the next ';' outside a quoted string
        let Some(semi) = s[i..].iter().position(|&b| b == b';') else {
            break;
        };
        i += semi + 1;
        let Some(eq) = s[i..].iter().position(|&b| b == b'=' || b == b';') else {
            break;
        };
        if s[i + eq] == b';' {
            continue;
        }
        let name = trim(&s[i..i + eq]).to_ascii_lowercase();
        let mut j = skip_cfws(s, i + eq + 1);
        let value = if s.get(j) == Some(&b'"') {
            let mut v = Vec::new();
            j += 1;
            while j < s.len() && s[j] != b'"' {
                if s[j] == b'\\' && j + 1 < s.len() {
                    j += 1;
                }
                if s[j] != b'\r' && s[j] != b'\n' {
                    v.push(s[j]);
                }
                j += 1;
            }
            j += 1;
            v
        } else {
            let n = s[j..]
                .iter()
                .position(|&b| b == b';')
                .unwrap_or(s.len() - j);
            let v = trim(&s[j..j + n]).to_vec();
            j += n;
            v
        };
        i = j.min(s.len());
        if name.is_empty() {
            continue;
        }
        raw.push(split_name(name, value));
    }
    merge(raw)
}

/// One `attribute=value` before merging: (base name, RFC 2231 section, encoded, value).
type Raw = (Vec<u8>, Option<u32>, bool, Vec<u8>);

/// `name*3*` → (`name`, Some(3), true); `name*` → (`name`, None, true).
fn split_name(name: Vec<u8>, value: Vec<u8>) -> Raw {
    let Some(star) = name.iter().position(|&b| b == b'*') else {
        return (name, None, false, value);
    };
    let rest = &name[star + 1..];
    let (digits, encoded) = match rest.strip_suffix(b"*") {
        Some(d) => (d, true),
        None => (rest, rest.is_empty()),
    };
    let section = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse().ok());
    if !digits.is_empty() && section.is_none() {
        return (name, None, false, value); // not RFC 2231 syntax: keep the name as written
    }
    (name[..star].to_vec(), section, encoded, value)
}

fn merge(raw: Vec<Raw>) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    let mut done: Vec<(Vec<u8>, bool)> = Vec::new(); // (name, is 2231 form)
    for (idx, (name, section, encoded, value)) in raw.iter().enumerate() {
        let rfc2231 = section.is_some() || *encoded;
        if done.iter().any(|(n, f)| n == name && *f == rfc2231) {
            continue;
        }
        done.push((name.clone(), rfc2231));
        if section.is_none() {
            out.push(Param {
                name: name.clone(),
                value: value.clone(),
                extended: *encoded,
            });
            continue;
        }
        // continuations 0, 1, 2… of this name, in numeric order, stopping at a gap
        let mut segs: Vec<(u32, bool, &[u8])> = raw[idx..]
            .iter()
            .filter(|(n, s, _, _)| n == name && s.is_some())
            .map(|(_, s, e, v)| (s.unwrap_or(0), *e, v.as_slice()))
            .collect();
        segs.sort_by_key(|s| s.0);
        segs.dedup_by_key(|s| s.0);
        let n = segs
            .iter()
            .enumerate()
            .take_while(|(k, s)| s.0 as usize == *k)
            .count();
        let segs = &segs[..n.max(1)];
        let extended = segs.iter().any(|s| s.1);
        let mut value = Vec::new();
        if extended && !segs[0].1 {
            value.extend_from_slice(b"''");
        }
        for &(_, enc, v) in segs {
            if extended && !enc {
                decode::percent_encode_into(v, &mut value);
            } else {
                value.extend_from_slice(v);
            }
        }
        out.push(Param {
            name: name.clone(),
            value,
            extended,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_basic() {
        let v = content_type(b" Text/HTML ; Charset=\"UTF-8\" ; name=a b.pdf").unwrap();
        assert_eq!(
            (v.main.as_slice(), v.sub.as_slice()),
            (&b"text"[..], &b"html"[..])
        );
        assert_eq!(v.params[0].name, b"charset");
        assert_eq!(v.params[0].value, b"UTF-8");
        assert_eq!(v.params[1].value, b"a b.pdf");
        assert!(content_type(b"text").is_none());
        assert!(content_type(b"").is_none());
    }

    #[test]
    fn rfc2231_merge_and_decode() {
        let v =
            params(b"; title*1*=%20b%C3%A4r; title*0*=utf-8'de'foo ; title*2=\" baz\"; x*=''a%41");
        assert_eq!(v[0].name, b"title");
        assert!(v[0].extended);
        assert_eq!(v[0].value, b"utf-8'de'foo%20b%C3%A4r%20baz");
        assert_eq!(v[0].decoded(), "foo bär baz");
        assert_eq!(v[0].wire_name(), b"title*");
        assert_eq!(v[1].decoded(), "aA");
        let plain = params(b"; filename*0=\"long \"; filename*1=\"name.txt\"");
        assert_eq!(plain[0].value, b"long name.txt");
        assert!(!plain[0].extended);
    }

    #[test]
    fn disposition_value() {
        let d = disposition(b"Attachment; filename=\"a.bin\"; size=3").unwrap();
        assert_eq!(d.main, b"attachment");
        assert_eq!(d.param(b"size").unwrap().value, b"3");
    }
}
