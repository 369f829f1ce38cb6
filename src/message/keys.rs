//! What SORT and THREAD need from one message (RFC 5256 §2–§4), computed once per message
//! and small enough to cache: the sent date, the canonical base subject, the first address
//! mailboxes, the Message-ID and the references.

use super::search::casefold;
use super::{address, header, subject, Message};

/// SORT and THREAD keys of one message. Strings are already in i;unicode-casemap canonical
/// form (RFC 5051 §2), so comparing them as octets is the collation (RFC 5256 §7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SortKeys {
    /// The sent date in seconds since the epoch, UTC (§2.2); `None` when the Date: header is
    /// missing or unparseable (the caller substitutes INTERNALDATE).
    pub sent: Option<i64>,
    /// The base subject (§2.1), case-folded.
    pub subject: String,
    /// The subject extraction removed a reply or forward marker (§4 REFERENCES).
    pub reply: bool,
    /// `addr-mailbox` of the first From address, case-folded ("" if none) (§3 FROM).
    pub from: String,
    /// `addr-mailbox` of the first To address, case-folded (§3 TO).
    pub to: String,
    /// `addr-mailbox` of the first Cc address, case-folded (§3 CC).
    pub cc: String,
    /// The normalised Message-ID, if valid (§4 "Message ID").
    pub message_id: Option<String>,
    /// The references (§4): the References ids, or else the first In-Reply-To id.
    pub references: Vec<String>,
}

/// Which string keys a SORT or THREAD compares: a cache may decode only those and leave the
/// others empty ([`crate::message::codec::decode_keys`]). The sent date and the reply
/// marker, a number and a flag, are always there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFields {
    /// The base subject (SORT SUBJECT, every THREAD algorithm).
    pub subject: bool,
    /// SORT FROM.
    pub from: bool,
    /// SORT TO.
    pub to: bool,
    /// SORT CC.
    pub cc: bool,
    /// The Message-ID and the references (THREAD REFERENCES, RFC 5256 §4).
    pub threads: bool,
}

impl KeyFields {
    /// Every key.
    pub const ALL: KeyFields = KeyFields {
        subject: true,
        from: true,
        to: true,
        cc: true,
        threads: true,
    };
    /// No string key: the sent date and the reply marker alone.
    pub const NONE: KeyFields = KeyFields {
        subject: false,
        from: false,
        to: false,
        cc: false,
        threads: false,
    };
}

/// `addr-mailbox` of the first real address (group markers skipped), case-folded.
fn first_mailbox(raw: Option<Vec<u8>>) -> String {
    let Some(raw) = raw else {
        return String::new();
    };
    address::parse_list(&raw)
        .into_iter()
        .find(|a| a.host.is_some())
        .and_then(|a| a.mailbox)
        .map(|m| casefold(&String::from_utf8_lossy(&m)))
        .unwrap_or_default()
}

/// The valid msg-ids in a header value, normalised (§4: "Implementations ... MUST normalize
/// any msg-id in order to avoid false non-matches due to differences in quoting"): the text
/// between `<` and `>` with quoting, escapes, whitespace and comments removed. An id must have
/// an `@` with text on both sides (RFC 5322 §3.6.4 `id-left "@" id-right`).
pub fn message_ids(value: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'(' => i = header::skip_comment(value, i),
            b'<' => {
                let (id, next) = one_id(value, i + 1);
                out.extend(id);
                i = next;
            }
            _ => i += 1,
        }
    }
    out
}

/// The id whose text starts at `i` (after `<`), and the position after its `>`.
fn one_id(s: &[u8], mut i: usize) -> (Option<String>, usize) {
    let mut id = Vec::new();
    let mut quoted = false;
    while i < s.len() {
        match s[i] {
            b'\\' if i + 1 < s.len() => {
                id.push(s[i + 1]);
                i += 2;
                continue;
            }
            b'"' => quoted = !quoted,
            b'(' if !quoted => {
                i = header::skip_comment(s, i);
                continue;
            }
            b'>' if !quoted => {
                return (valid_id(id), i + 1);
            }
            // a second `<` before `>`: the first was stray; restart there
            b'<' if !quoted => return (None, i),
            b' ' | b'\t' | b'\r' | b'\n' if !quoted => {}
            c => id.push(c),
        }
        i += 1;
    }
    (None, s.len())
}

fn valid_id(id: Vec<u8>) -> Option<String> {
    let at = id.iter().rposition(|&b| b == b'@')?;
    (at > 0 && at + 1 < id.len()).then(|| String::from_utf8_lossy(&id).into_owned())
}

impl Message<'_> {
    /// The SORT and THREAD keys of the message (RFC 5256).
    pub fn sort_keys(&self) -> SortKeys {
        const NAMES: [&[u8]; 8] = [
            b"date",
            b"subject",
            b"from",
            b"to",
            b"cc",
            b"message-id",
            b"references",
            b"in-reply-to",
        ];
        let data = self.data();
        let mut found: [Option<Vec<u8>>; 8] = Default::default();
        for f in header::fields(data, self.header_range()) {
            if let Some(k) = NAMES.iter().position(|n| header::name_is(data, &f.name, n)) {
                if found[k].is_none() {
                    found[k] = Some(header::unfold(&data[f.value]));
                }
            }
        }
        let [date, subj, from, to, cc, mid, refs, irt] = found;
        let (base, reply) = subj.as_deref().map(subject::extract).unwrap_or_default();
        // §4: References if it has a valid id, else the first valid In-Reply-To id.
        let mut references = refs.as_deref().map(message_ids).unwrap_or_default();
        if references.is_empty() {
            references = irt
                .as_deref()
                .map(message_ids)
                .unwrap_or_default()
                .into_iter()
                .take(1)
                .collect();
        }
        SortKeys {
            sent: date
                .as_deref()
                .and_then(super::date::parse)
                .map(|d| d.timestamp),
            subject: casefold(&base),
            reply,
            from: first_mailbox(from),
            to: first_mailbox(to),
            cc: first_mailbox(cc),
            message_id: mid
                .as_deref()
                .and_then(|m| message_ids(m).into_iter().next()),
            references,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalised() {
        assert_eq!(
            message_ids(br#"<"01KF8JCEOCBS0045PS"@xxx.yyy.com>"#),
            vec!["01KF8JCEOCBS0045PS@xxx.yyy.com"]
        );
        assert_eq!(
            message_ids(b"<a@b> (comment <x@y>)\n <c@d>  <bogus> <e @ f>"),
            vec!["a@b", "c@d", "e@f"]
        );
        assert_eq!(message_ids(b"<<a@b>"), vec!["a@b"]);
        assert!(message_ids(b"<@b> <a@> foo@bar").is_empty());
    }

    #[test]
    fn keys_of_a_reply() {
        let m = Message::parse(
            b"Date: Fri, 21 Nov 1997 09:55:06 -0600\nSubject: Re: [list] Hello\n\
              From: group: ; \"J\" <John.Doe@Example.org>\nTo: x@y\n\
              Message-ID: <m@h>\nIn-Reply-To: <p@h> <q@h>\n\nbody\n",
        );
        let k = m.sort_keys();
        assert_eq!(k.sent, Some(880_127_706));
        assert_eq!(k.subject, "HELLO");
        assert!(k.reply);
        assert_eq!(k.from, "JOHN.DOE");
        assert_eq!(k.to, "X");
        assert_eq!(k.cc, "");
        assert_eq!(k.message_id.as_deref(), Some("m@h"));
        assert_eq!(k.references, vec!["p@h"]);
    }

    #[test]
    fn references_win_over_in_reply_to() {
        let m = Message::parse(b"References: <a@h>\n <b@h>\nIn-Reply-To: <c@h>\n\n");
        assert_eq!(m.sort_keys().references, vec!["a@h", "b@h"]);
        let m = Message::parse(b"References: junk\nIn-Reply-To: <c@h>\n\n");
        assert_eq!(m.sort_keys().references, vec!["c@h"]);
    }
}
