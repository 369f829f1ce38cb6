//! Codec throughput: framing + parsing of realistic client commands, and the response
//! encoder. `cargo bench --bench codec` runs criterion; `scripts/bench-codec` also counts
//! instructions per scenario under callgrind, using the counting mode below:
//!
//! ```text
//! CODEC_SCENARIO=thunderbird CODEC_ITERS=1000 target/release/deps/codec-*
//! ```
#![forbid(unsafe_code)]

use criterion::{criterion_group, Criterion, Throughput};
use imapd::message::Message;
use imapd::syntax::encode::encode_response;
use imapd::syntax::frame::{FrameEvent, FrameLimits, Framer};
use imapd::syntax::parse::parse_command;
use imapd::syntax::types::{
    Data, Date, DateTime, FetchValue, Flag, Response, Section, SectionText,
};
use std::hint::black_box;

/// The commands clients send most, one line each (CRLF added when framed).
const TYPICAL: &[(&str, &str)] = &[
    (
        "thunderbird",
        "a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc \
         Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To \
         Content-Type Reply-To)])",
    ),
    (
        "apple_mail",
        "a2 UID FETCH 4827313:4828442 (INTERNALDATE UID RFC822.SIZE FLAGS BODY.PEEK[HEADER])",
    ),
    ("fetch_flags", "a5 UID FETCH 4827313:4828442 (UID FLAGS)"),
    ("store", "a6 UID STORE 1,3:5 +FLAGS.SILENT (\\Seen)"),
    (
        "search",
        "a7 UID SEARCH UNDELETED SINCE 1-Feb-1994 OR FROM \"alice\" SUBJECT \"report\"",
    ),
    ("noop", "a8 NOOP"),
    ("select", "a9 SELECT INBOX"),
];

/// SEARCH with nested OR / NOT and parentheses, as a filter UI sends it.
const NESTED_SEARCH: &str = "s1 UID SEARCH CHARSET UTF-8 OR (OR FROM \"alice\" NOT SEEN) \
     (NOT (OR SUBJECT \"quarterly report\" (LARGER 1000 SMALLER 100000))) \
     OR HEADER X-Priority 1 (UNDELETED NOT OR KEYWORD $Junk KEYWORD $Phishing) \
     SINCE 1-Jan-2024 BEFORE 31-Dec-2024 UID 1:1000,2000:*";

/// One scenario: a name, the bytes a client sends, how many commands they hold.
struct Stream {
    name: &'static str,
    bytes: Vec<u8>,
    commands: usize,
}

/// `UID FETCH` of a sequence set with `n` ranges and singles, as after a long session of
/// flag changes (RFC 3501 §9 `sequence-set`).
fn long_set(n: u32) -> Vec<u8> {
    let mut line = b"L1 UID FETCH ".to_vec();
    for i in 0..n {
        if i > 0 {
            line.push(b',');
        }
        let base = 1000 + i * 7;
        if i % 2 == 0 {
            line.extend_from_slice(format!("{base}:{}", base + 3).as_bytes());
        } else {
            line.extend_from_slice(base.to_string().as_bytes());
        }
    }
    line.extend_from_slice(b" (UID FLAGS)\r\n");
    line
}

/// A 1 MiB message body of 76-column lines.
fn big_message() -> Vec<u8> {
    let mut m = b"From: a@example.com\r\nSubject: big\r\n\r\n".to_vec();
    let line = [
        b"0123456789abcdef".repeat(4).as_slice(),
        b"0123456789ab\r\n",
    ]
    .concat();
    while m.len() + line.len() <= 1 << 20 {
        m.extend_from_slice(&line);
    }
    m.resize(1 << 20, b'x');
    m
}

fn streams() -> Vec<Stream> {
    let mut out = Vec::new();
    for (name, text) in TYPICAL {
        out.push(Stream {
            name,
            bytes: [text.as_bytes(), b"\r\n"].concat(),
            commands: 1,
        });
    }
    // A realistic mix: what a client sends over a session, 100 commands.
    let mut mix = Vec::new();
    for i in 0..100 {
        let (_, text) = TYPICAL[i % TYPICAL.len()];
        mix.extend_from_slice(text.as_bytes());
        mix.extend_from_slice(b"\r\n");
    }
    out.push(Stream {
        name: "mix",
        bytes: mix,
        commands: 100,
    });
    out.push(Stream {
        name: "nested_search",
        bytes: [NESTED_SEARCH.as_bytes(), b"\r\n"].concat(),
        commands: 1,
    });
    out.push(Stream {
        name: "long_set_5000",
        bytes: long_set(5000),
        commands: 1,
    });
    let msg = big_message();
    let mut append = format!("A1 APPEND INBOX (\\Seen) {{{}+}}\r\n", msg.len()).into_bytes();
    append.extend_from_slice(&msg);
    append.extend_from_slice(b"\r\n");
    out.push(Stream {
        name: "append_1mib",
        bytes: append,
        commands: 1,
    });
    out
}

/// Frames `bytes` in 16 KiB reads, as a socket delivers them, and parses every command.
fn frame_and_parse(bytes: &[u8]) -> usize {
    let mut framer = Framer::new(FrameLimits::default());
    let mut parsed = 0;
    for chunk in bytes.chunks(16 * 1024) {
        framer.handle_input(chunk);
        while let Some(event) = framer.poll_event() {
            if let FrameEvent::Command(raw) = event {
                let cmd = parse_command(&raw.text, raw.literals);
                parsed += usize::from(black_box(cmd).is_ok());
            }
        }
    }
    assert!(parsed > 0);
    parsed
}

/// FETCH responses: ENVELOPE + BODYSTRUCTURE of a nested multipart, and a 1 MiB BODY[].
fn responses() -> Vec<(&'static str, Response, usize)> {
    let eml = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/messages/nested_multipart.eml"
    ))
    .expect("test message");
    let msg = Message::parse(&eml);
    let date = DateTime::new(Date::new(2024, 2, 17).unwrap(), 9, 41, 7, 60).unwrap();
    let structure = Response::Data(Data::Fetch {
        seq: 4711,
        items: vec![
            FetchValue::Uid(104_711),
            FetchValue::Flags(vec![Flag::Seen, Flag::Answered]),
            FetchValue::InternalDate(date),
            FetchValue::Rfc822Size(u64::from(msg.size())),
            FetchValue::Envelope(Box::new(msg.envelope())),
            FetchValue::BodyStructure(Box::new(msg.body_structure(true))),
        ],
    });
    let headers = Response::Data(Data::Fetch {
        seq: 4711,
        items: vec![
            FetchValue::Uid(104_711),
            FetchValue::Rfc822Size(u64::from(msg.size())),
            FetchValue::Flags(vec![Flag::Seen]),
            FetchValue::BodySection {
                section: Section {
                    part: Vec::new(),
                    text: Some(SectionText::HeaderFields(
                        ["From", "To", "Subject", "Date", "Message-ID"]
                            .map(|s| s.as_bytes().to_vec())
                            .to_vec(),
                    )),
                },
                origin: None,
                data: Some(
                    b"From: Alice <alice@example.com>\r\nTo: bob@example.com\r\n\
                      Subject: Quarterly report\r\nDate: Sat, 17 Feb 2024 09:41:07 +0100\r\n\
                      Message-ID: <1234@example.com>\r\n\r\n"
                        .to_vec(),
                ),
            },
        ],
    });
    let big = big_message();
    let body = Response::Data(Data::Fetch {
        seq: 1,
        items: vec![
            FetchValue::Uid(1),
            FetchValue::BodySection {
                section: Section::default(),
                origin: None,
                data: Some(big.clone()),
            },
        ],
    });
    let len = |r: &Response| {
        let mut out = Vec::new();
        encode_response(r, &mut out);
        out.len()
    };
    vec![
        (
            "fetch_envelope_bodystructure",
            structure.clone(),
            len(&structure),
        ),
        ("fetch_header_fields", headers.clone(), len(&headers)),
        ("fetch_body_1mib", body.clone(), len(&body)),
    ]
}

fn encode(resp: &Response, out: &mut Vec<u8>) -> usize {
    out.clear();
    encode_response(resp, out);
    out.len()
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame+parse");
    for s in streams() {
        group.throughput(Throughput::Bytes(s.bytes.len() as u64));
        group.bench_function(s.name, |b| {
            b.iter(|| assert_eq!(frame_and_parse(black_box(&s.bytes)), s.commands))
        });
    }
    group.finish();
    let mut group = c.benchmark_group("parse");
    for (name, text) in TYPICAL {
        group.throughput(Throughput::Elements(1));
        group.bench_function(*name, |b| {
            b.iter(|| parse_command(black_box(text), Vec::new()).is_ok())
        });
    }
    group.finish();
}

fn bench_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let mut out = Vec::with_capacity(2 << 20);
    for (name, resp, len) in responses() {
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(name, |b| b.iter(|| encode(black_box(&resp), &mut out)));
    }
    group.finish();
}

criterion_group!(benches, bench_parse, bench_encode);

/// Runs one scenario `CODEC_ITERS` times without criterion (for callgrind), or criterion.
fn main() {
    let iters: usize = std::env::var("CODEC_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let Ok(name) = std::env::var("CODEC_SCENARIO") else {
        benches();
        Criterion::default().configure_from_args().final_summary();
        return;
    };
    // Build every input first, so that the count of `iters = 0` is the setup alone.
    let streams = streams();
    let responses = responses();
    let mut out = Vec::with_capacity(2 << 20);
    if let Some(s) = streams.iter().find(|s| s.name == name) {
        for _ in 0..iters {
            black_box(frame_and_parse(black_box(&s.bytes)));
        }
    } else if let Some((_, resp, _)) = responses.iter().find(|r| r.0 == name) {
        for _ in 0..iters {
            black_box(encode(black_box(resp), &mut out));
        }
    } else {
        let names: Vec<_> = streams.iter().map(|s| s.name).collect();
        let encoders: Vec<_> = responses.iter().map(|r| r.0).collect();
        eprintln!("unknown scenario {name}; known: {names:?} {encoders:?}");
        std::process::exit(2);
    }
}
