//! A message's parsed metadata in one value: what FETCH ENVELOPE/BODY/BODYSTRUCTURE and
//! SORT/THREAD need, so a store can cache it and the file need not be read again.

use crate::syntax::types::{BodyStructure, Envelope, SinglePartSpecific};

use super::keys::SortKeys;
use super::Message;

/// Parsed metadata of one message (see [`super::codec`] for its cache encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// `ENVELOPE` (RFC 3501 §7.4.2).
    pub envelope: Envelope,
    /// `BODYSTRUCTURE`, with extension data; [`Summary::body`] derives `BODY`.
    pub body_structure: BodyStructure,
    /// SORT and THREAD keys (RFC 5256).
    pub keys: SortKeys,
}

impl Summary {
    /// Parses everything the summary holds from a message.
    pub fn of(m: &Message<'_>) -> Self {
        Summary {
            envelope: m.envelope(),
            body_structure: m.body_structure(true),
            keys: m.sort_keys(),
        }
    }

    /// `BODY`: the body structure without extension data (§7.4.2), at every level.
    pub fn body(&self) -> BodyStructure {
        strip(&self.body_structure)
    }
}

fn strip(b: &BodyStructure) -> BodyStructure {
    match b {
        BodyStructure::Single {
            fields, specific, ..
        } => BodyStructure::Single {
            fields: fields.clone(),
            specific: match specific {
                SinglePartSpecific::Message {
                    envelope,
                    body,
                    lines,
                } => SinglePartSpecific::Message {
                    envelope: envelope.clone(),
                    body: Box::new(strip(body)),
                    lines: *lines,
                },
                other => other.clone(),
            },
            ext: None,
        },
        BodyStructure::Multi { parts, subtype, .. } => BodyStructure::Multi {
            parts: parts.iter().map(strip).collect(),
            subtype: subtype.clone(),
            ext: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_bodystructure_without_extensions() {
        for f in std::fs::read_dir("tests/messages").unwrap() {
            let data = std::fs::read(f.unwrap().path()).unwrap();
            let m = Message::parse(&data);
            assert_eq!(Summary::of(&m).body(), m.body_structure(false));
        }
    }
}
