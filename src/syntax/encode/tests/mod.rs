//! Tests of the encoder: exact bytes for RFC examples, the response grammar property, and
//! the command round trip through the parser.

mod commands;
mod grammar;
mod mailbox_data;
mod message_data;
mod properties;
mod status;

use std::num::NonZeroU32;

use super::encode_response;
use crate::syntax::types::*;
use grammar::Rule;

/// The wire bytes of one response.
fn wire(resp: &Response) -> Vec<u8> {
    let mut out = Vec::new();
    encode_response(resp, &mut out);
    out
}

/// Checks that `bytes` are one response line (or a whole `response` with `rule`
/// [`Rule::responses`]) by the test grammar, and returns the delimited text.
fn check_wire(bytes: &[u8], rule: Rule) -> Result<String, String> {
    let text = grammar::delimit(bytes)?;
    grammar::parse(rule, &text)?;
    Ok(text)
}

/// Encodes `resp`, checks the grammar accepts it, and compares with `expected`.
#[track_caller]
fn assert_wire(resp: impl Into<Response>, expected: &[u8]) {
    let resp = resp.into();
    let got = wire(&resp);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected),
        "for {resp:?}"
    );
    assert_eq!(got, expected);
    if let Err(e) = check_wire(&got, Rule::single) {
        panic!("grammar refused {:?}: {e}", String::from_utf8_lossy(&got));
    }
}

// Builders shared by the exact-bytes tests.

fn atom(s: &str) -> Atom {
    Atom::new(s).unwrap()
}

fn tag(s: &str) -> Tag {
    Tag::new(s).unwrap()
}

fn status(tag: Option<&str>, kind: StatusKind, code: Option<Code>, text: &str) -> StatusResponse {
    StatusResponse {
        tag: tag.map(self::tag),
        kind,
        code,
        text: text.into(),
    }
}

fn set(ranges: &[(u32, u32)]) -> SequenceSet {
    let n = |v| SeqNo::Value(NonZeroU32::new(v).unwrap());
    SequenceSet::Ranges(
        ranges
            .iter()
            .map(|&(a, b)| SeqRange {
                start: n(a),
                end: n(b),
            })
            .collect(),
    )
}

fn s(v: &str) -> Option<Vec<u8>> {
    Some(v.as_bytes().to_vec())
}

fn addr(name: Option<&str>, mailbox: &str, host: &str) -> Address {
    Address {
        name: name.and_then(s),
        adl: None,
        mailbox: s(mailbox),
        host: s(host),
    }
}

fn text_part(
    params: &[(&str, &str)],
    id: Option<&str>,
    desc: Option<&str>,
    enc: &str,
    octets: u32,
    lines: u32,
) -> BodyStructure {
    BodyStructure::Single {
        fields: BodyFields {
            media_type: b"TEXT".to_vec(),
            subtype: b"PLAIN".to_vec(),
            params: params
                .iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
                .collect(),
            id: id.and_then(s),
            description: desc.and_then(s),
            encoding: enc.as_bytes().to_vec(),
            octets,
        },
        specific: SinglePartSpecific::Text { lines },
        ext: None,
    }
}
