//! Properties of the response encoder: whatever the core asks it to send is accepted by the
//! response ABNF (`grammar/response.pest`), whole, and through the rule it should be.

use quickcheck::{Arbitrary, Gen, QuickCheck};

use super::grammar::{self, Rule};
use super::{check_wire, wire};
use crate::syntax::arbitrary;
use crate::syntax::types::*;

/// Runs `prop` on `tests` generated values.
fn qc<A: Arbitrary + std::fmt::Debug>(tests: u64, prop: fn(A) -> Result<(), String>) {
    QuickCheck::new()
        .tests(tests)
        .max_tests(tests * 10)
        .quickcheck(prop);
}

/// The rule a code must have matched (not the generic `atom [SP text]` fallback).
fn code_rule(code: &Code) -> Rule {
    match code {
        Code::Alert => Rule::code_alert,
        Code::BadCharset(_) => Rule::code_badcharset,
        Code::Capability(_) => Rule::capability_data,
        Code::Parse => Rule::code_parse,
        Code::PermanentFlags(_) => Rule::code_permanentflags,
        Code::ReadOnly => Rule::code_read_only,
        Code::ReadWrite => Rule::code_read_write,
        Code::TryCreate => Rule::code_trycreate,
        Code::UidNext(_) => Rule::code_uidnext,
        Code::UidValidity(_) => Rule::code_uidvalidity,
        Code::Unseen(_) => Rule::code_unseen,
        Code::AppendUid { .. } => Rule::code_appenduid,
        Code::CopyUid { .. } => Rule::code_copyuid,
        Code::UidNotSticky => Rule::code_uidnotsticky,
        Code::Closed => Rule::code_closed,
        Code::Rfc5530(_) => Rule::code_rfc5530,
        Code::Other(..) => Rule::code_other,
    }
}

/// The rule a data response must have matched.
fn data_rule(data: &Data) -> Rule {
    match data {
        Data::Capability(_) => Rule::capability_data,
        Data::List(_) | Data::Lsub(_) => Rule::mailbox_list,
        Data::Status { .. } => Rule::status_data,
        Data::Search(_) => Rule::search_data,
        Data::ESearch { .. } => Rule::esearch_response,
        Data::Sort(_) => Rule::sort_data,
        Data::Thread(_) => Rule::thread_data,
        Data::Flags(_) => Rule::flag_list,
        Data::Exists(_) | Data::Recent(_) => Rule::mailbox_data,
        Data::Expunge(_) => Rule::message_data,
        Data::Fetch { .. } => Rule::msg_att,
        Data::Namespace { .. } => Rule::namespace_response,
        Data::Enabled(_) => Rule::enable_data,
        Data::Id(_) => Rule::id_response,
        Data::Quota { .. } => Rule::quota_response,
        Data::QuotaRoot { .. } => Rule::quotaroot_response,
    }
}

/// Rules that must appear in the parse of `resp`, and how often `resp_text_code` must.
fn expectations(resp: &Response) -> (Vec<Rule>, usize) {
    let code = match resp {
        Response::Status(s) => s.code.as_ref(),
        Response::Continue(Continue::Text { code, .. }) => code.as_ref(),
        _ => None,
    };
    let mut rules: Vec<Rule> = code.map(code_rule).into_iter().collect();
    match resp {
        Response::Status(s) => rules.push(match (&s.tag, s.kind) {
            (Some(_), _) => Rule::response_tagged,
            (None, StatusKind::Bye) => Rule::resp_cond_bye,
            (None, StatusKind::PreAuth) => Rule::resp_cond_auth,
            (None, _) => Rule::resp_cond_state,
        }),
        Response::Continue(Continue::Base64(_)) => rules.push(Rule::base64),
        Response::Continue(Continue::Text { .. }) => rules.push(Rule::resp_text),
        Response::Data(d) => rules.push(data_rule(d)),
    }
    (rules, usize::from(code.is_some()))
}

/// One response: accepted as a line, through the expected rules, with one `msg-att` item
/// per FETCH value.
fn prop_response_line(resp: Response) -> Result<(), String> {
    let bytes = wire(&resp);
    let text = check_wire(&bytes, Rule::single)
        .map_err(|e| format!("{e}\nwire: {:?}", String::from_utf8_lossy(&bytes)))?;
    let pairs = grammar::parse(Rule::single, &text)?;
    let (rules, codes) = expectations(&resp);
    for rule in rules {
        if grammar::count(&pairs, rule) == 0 {
            return Err(format!("{rule:?} not matched in {text:?}"));
        }
    }
    if grammar::count(&pairs, Rule::resp_text_code) != codes {
        return Err(format!("expected {codes} resp-text-code in {text:?}"));
    }
    if let Response::Data(Data::Fetch { items, .. }) = &resp {
        let got = grammar::count(&pairs, Rule::msg_att_dynamic)
            + grammar::count(&pairs, Rule::msg_att_static);
        if got != items.len() {
            return Err(format!(
                "{} items written as {got} in {text:?}",
                items.len()
            ));
        }
    }
    Ok(())
}

#[test]
fn every_response_matches_the_abnf() {
    qc(3000, prop_response_line);
}

/// A server's answer to one command: untagged data, continuations and status responses,
/// then a tagged completion or a `BYE`.
#[derive(Debug, Clone)]
struct Transcript(Vec<Response>);

impl Arbitrary for Transcript {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = arbitrary::range(g, 0, 4);
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(match Response::arbitrary(g) {
                // `response-data` has no PREAUTH and no tag.
                Response::Status(mut s) => {
                    s.tag = None;
                    if s.kind == StatusKind::PreAuth {
                        s.kind = StatusKind::Ok;
                    }
                    Response::Status(s)
                }
                other => other,
            });
        }
        let mut done = arbitrary::status_response(g);
        if done.tag.is_none() {
            done.kind = StatusKind::Bye;
        }
        out.push(Response::Status(done));
        Transcript(out)
    }
}

/// A sequence of responses is a `response` (§9).
fn prop_transcript(t: Transcript) -> Result<(), String> {
    let mut bytes = Vec::new();
    for r in &t.0 {
        crate::syntax::encode::encode_response(r, &mut bytes);
    }
    check_wire(&bytes, Rule::responses)
        .map(drop)
        .map_err(|e| format!("{e}\nwire: {:?}", String::from_utf8_lossy(&bytes)))
}

#[test]
fn transcripts_match_the_response_rule() {
    qc(500, prop_transcript);
}

#[test]
fn grammar_refuses_what_the_abnf_refuses() {
    // The checker must be able to fail: these break one rule each.
    let bad: &[&[u8]] = &[
        b"a1 OK\r\n",                          // empty text
        b"* 0 EXPUNGE\r\n",                    // nz-number
        b"* 1 FETCH ()\r\n",                   // empty msg-att
        b"* CAPABILITY IMAP4 X\r\n",           // no IMAP4rev1
        b"* LIST () \"/\" a b\r\n",            // unquoted space
        b"* 1 FETCH (BODY[] {3}\r\na\0b)\r\n", // NUL in a literal
        b"* SEARCH 4294967296\r\n",            // beyond 32 bits
        b"* THREAD ((3))\r\n",                 // thread-nested needs two
        b"* 1 FETCH (UID 1)",                  // no CRLF
        b"* ENVELOPE x\r\n",
        b"a+ OK x\r\n",
        b"* LIST () \"/\" caf\xc3\xa9\r\n", // 8-bit outside a literal
    ];
    for b in bad {
        assert!(
            check_wire(b, Rule::single).is_err(),
            "accepted {:?}",
            String::from_utf8_lossy(b)
        );
    }
}

/// Octets of every shape, NUL included.
#[derive(Debug, Clone)]
struct Octets(Vec<u8>);

impl Arbitrary for Octets {
    fn arbitrary(g: &mut Gen) -> Self {
        Octets(arbitrary::octets(g, true))
    }
}

/// Reads back an atom, quoted string, literal or literal8 at the start of `wire`, as a
/// client would; returns the value and the rest.
fn read_string(wire: &[u8]) -> Result<(Vec<u8>, &[u8]), String> {
    if let Some(rest) = wire.strip_prefix(b"\"") {
        let end = rest
            .iter()
            .position(|&b| b == b'"')
            .ok_or("unterminated quoted")?;
        return Ok((rest[..end].to_vec(), &rest[end + 1..]));
    }
    let rest = wire.strip_prefix(b"~").unwrap_or(wire);
    if let Some(rest) = rest.strip_prefix(b"{") {
        let close = rest.iter().position(|&b| b == b'}').ok_or("bad literal")?;
        let n: usize = std::str::from_utf8(&rest[..close])
            .map_err(|e| e.to_string())?
            .parse()
            .map_err(|e: std::num::ParseIntError| e.to_string())?;
        let data = rest[close + 1..].strip_prefix(b"\r\n").ok_or("no CRLF")?;
        return Ok((data[..n].to_vec(), &data[n..]));
    }
    let end = wire
        .iter()
        .position(|&b| b == b' ' || b == b')' || b == b'\r');
    let end = end.unwrap_or(wire.len());
    Ok((wire[..end].to_vec(), &wire[end..]))
}

/// The value comes back: strings exactly (NUL as 0x80), astrings too, BINARY exactly.
fn prop_values_survive(o: Octets) -> Result<(), String> {
    let data = o.0;
    let unnul: Vec<u8> = data
        .iter()
        .map(|&b| if b == 0 { 0x80 } else { b })
        .collect();
    let name = Mailbox::new(unnul.clone());
    let cases: [(Data, &[u8], &[u8]); 3] = [
        (
            Data::Fetch {
                seq: 1,
                items: vec![FetchValue::Rfc822(Some(data.clone()))],
            },
            b"* 1 FETCH (RFC822 ",
            &unnul,
        ),
        (
            Data::Fetch {
                seq: 1,
                items: vec![FetchValue::Binary {
                    part: vec![],
                    origin: None,
                    data: Some(data.clone()),
                }],
            },
            b"* 1 FETCH (BINARY[] ",
            &data,
        ),
        (
            Data::QuotaRoot {
                mailbox: name.clone(),
                roots: vec![],
            },
            b"* QUOTAROOT ",
            name.as_bytes(),
        ),
    ];
    for (d, prefix, expected) in cases {
        let bytes = wire(&Response::Data(d));
        let rest = bytes.strip_prefix(prefix).ok_or("prefix")?;
        let (value, _) = read_string(rest)?;
        if value != expected {
            return Err(format!(
                "{value:?} != {expected:?} in {:?}",
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    Ok(())
}

#[test]
fn string_values_survive_encoding() {
    qc(2000, prop_values_survive);
}
