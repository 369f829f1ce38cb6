//! Mailbox names between the wire and the store: modified UTF-7 (RFC 3501 §5.1.3) or UTF-8
//! after `ENABLE UTF8=ACCEPT` (RFC 6855 §3), INBOX case rules (§5.1), and LIST patterns
//! (§6.3.8 `*` and `%`).

use crate::syntax::mutf7;
use crate::syntax::types::Mailbox;

/// The hierarchy delimiter (Maildir++ uses `.`).
pub const DELIMITER: char = '.';

/// Decodes a wire name to the store's UTF-8 name. `INBOX` and a leading `INBOX.` are
/// case-insensitive (RFC 3501 §5.1).
pub fn decode(name: &Mailbox, utf8: bool) -> Result<String, String> {
    let raw = name.as_bytes();
    let text = if utf8 {
        String::from_utf8(raw.to_vec()).map_err(|e| {
            format!(
                "mailbox name is not valid UTF-8 at byte {}",
                e.utf8_error().valid_up_to()
            )
        })?
    } else {
        mutf7::decode(raw).map_err(|e| format!("mailbox name: {e}"))?
    };
    Ok(canonical_inbox(text))
}

/// Upper-cases a leading `INBOX` component.
fn canonical_inbox(text: String) -> String {
    let head = text.split(DELIMITER).next().unwrap_or("");
    if head.eq_ignore_ascii_case("INBOX") && head != "INBOX" {
        format!("INBOX{}", &text[head.len()..])
    } else {
        text
    }
}

/// Encodes a store name for the wire.
pub fn encode(name: &str, utf8: bool) -> Mailbox {
    if utf8 {
        Mailbox::new(name.as_bytes().to_vec())
    } else {
        Mailbox::new(mutf7::encode(name).into_bytes())
    }
}

/// Decodes a LIST reference or pattern: like a name, but wildcards pass through.
pub fn decode_pattern(raw: &[u8], utf8: bool) -> Result<String, String> {
    decode(&Mailbox::new(raw.to_vec()), utf8)
}

/// True if `name` matches `pattern`: `*` matches anything, `%` anything but the delimiter
/// (RFC 3501 §6.3.8). `INBOX` matches case-insensitively (§5.1).
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = canonical_inbox(pattern.to_owned()).chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Dynamic programming over (pattern, name) positions: O(|p|·|n|), no backtracking blowup.
    // reach[j] = the first i pattern chars can match the first j name chars.
    let mut reach = vec![false; n.len() + 1];
    reach[0] = true;
    for &pc in &p {
        let mut next = vec![false; n.len() + 1];
        match pc {
            '*' | '%' => {
                for j in 0..=n.len() {
                    next[j] =
                        reach[j] || (j > 0 && next[j - 1] && (pc == '*' || n[j - 1] != DELIMITER));
                }
            }
            c => {
                for j in 1..=n.len() {
                    next[j] = reach[j - 1] && n[j - 1] == c;
                }
            }
        }
        reach = next;
    }
    reach[n.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("*", "INBOX.a.b"));
        assert!(matches("INBOX.%", "INBOX.a"));
        assert!(!matches("INBOX.%", "INBOX.a.b"));
        assert!(matches("INBOX.*", "INBOX.a.b"));
        assert!(matches("inbox", "INBOX"));
        assert!(matches("%", "INBOX"));
        assert!(!matches("%", "INBOX.a"));
        assert!(matches("INBOX.%.b", "INBOX.a.b"));
        assert!(!matches("INBOX.x*", "INBOX.a"));
    }

    #[test]
    fn inbox_prefix_case() {
        let m = Mailbox::new(b"inbox.Sent".to_vec());
        assert_eq!(decode(&m, false).unwrap(), "INBOX.Sent");
        let m = Mailbox::new(b"caf&AOk-".to_vec());
        assert_eq!(decode(&m, false).unwrap(), "café");
    }
}
