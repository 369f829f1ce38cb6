//! Arbitrary client bytes, cut into chunks at arbitrary points, through the framer and
//! the command parser. Checks the framer's documented invariants and that every parsed
//! command survives encode → frame → parse unchanged.
#![no_main]
#![forbid(unsafe_code)]

use imapd::syntax::encode::encode_command_bytes;
use imapd::syntax::frame::{FrameEvent, FrameLimits, Framer, LITERAL_PLACEHOLDER};
use imapd::syntax::parse::{parse_command, parse_done};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    // The control byte picks the limits (small ones exercise the recovery paths) and the
    // chunk pattern; the rest is the client's byte stream.
    let limits = if control & 1 == 0 {
        FrameLimits::default()
    } else {
        FrameLimits {
            max_line: 64,
            max_literal: 32,
            max_command: 256,
            literal_minus: control & 2 != 0,
            accept_bare_lf: control & 4 == 0,
        }
    };
    let max_buffered = limits.max_buffered();
    let mut framer = Framer::new(limits);
    let mut chunk = usize::from(control >> 3) + 1;
    let mut rest = input;
    while !rest.is_empty() {
        let (now, later) = rest.split_at(chunk.min(rest.len()));
        rest = later;
        chunk = chunk % 7 + 1;
        framer.handle_input(now);
        while let Some(event) = framer.poll_event() {
            if let FrameEvent::Command(raw) = event {
                assert_eq!(
                    raw.text.matches(LITERAL_PLACEHOLDER).count(),
                    raw.literals.len(),
                    "one placeholder per literal"
                );
                if raw.invalid.is_none() {
                    check_command(&raw.text, raw.literals);
                }
            }
        }
        assert!(framer.buffered() as u64 <= max_buffered, "framer memory bound");
    }
});

/// Parses one framed command; a parsed command must read back the same after encoding.
fn check_command(text: &str, literals: Vec<Vec<u8>>) {
    let _ = parse_done(text);
    let Ok(cmd) = parse_command(text, literals) else {
        return;
    };
    let wire = encode_command_bytes(&cmd);
    let mut framer = Framer::new(FrameLimits {
        max_line: usize::MAX / 4,
        max_literal: u64::MAX / 4,
        max_command: u64::MAX / 4,
        literal_minus: false,
        accept_bare_lf: false,
    });
    framer.handle_input(&wire);
    match framer.poll_event() {
        Some(FrameEvent::Command(raw)) => {
            assert!(raw.invalid.is_none(), "encoder wrote invalid text: {wire:?}");
            let again = parse_command(&raw.text, raw.literals)
                .unwrap_or_else(|e| panic!("re-parse of {:?}: {}", raw.text, e.response_text()));
            assert_eq!(cmd, again, "round trip through {:?}", String::from_utf8_lossy(&wire));
        }
        other => panic!("encoded command did not frame: {other:?} from {wire:?}"),
    }
}
