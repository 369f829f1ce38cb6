//! Sans-IO framing: turns client bytes into complete commands for the grammar.
//!
//! IMAP literals are length-prefixed (RFC 3501 §4.3, RFC 7888 §3, RFC 3516 `literal8`),
//! which a PEG cannot count, so this layer assembles each command's lines and literal
//! octets first. It does no I/O and reads no clock: feed bytes with
//! [`Framer::handle_input`], then call [`Framer::poll_event`] until it returns `None`.
//!
//! # The text handed to the grammar
//!
//! [`RawCommand::text`] is the command's lines joined in order, without the final line
//! end. A line that ends in a literal header keeps the header exactly as sent (`{5}`,
//! `{5+}`, `~{5}`, `~{5+}`), then `"\r\n"` (even when the client sent a bare LF), then one
//! [`LITERAL_PLACEHOLDER`] (U+0001) standing for the octets, which are in
//! [`RawCommand::literals`] and never pass through UTF-8 conversion. So
//! `a LOGIN {3}\r\nbob {4+}\r\npass\r\n` gives the text `a LOGIN {3}\r\n\u{1} {4+}\r\n\u{1}`
//! and the literals `bob`, `pass`.
//!
//! **U+0001 in the text is always a placeholder.** A raw 0x01 octet in a client line is
//! replaced by U+FFFD and reported in [`RawCommand::invalid`], exactly like the first
//! octet of invalid UTF-8; the session must answer `BAD` when `invalid` is set, before
//! parsing. The grammar therefore never sees a client-sent SOH (a CTL, invalid anywhere in
//! RFC 3501 §9 anyway), and a placeholder appears only right after a literal header and
//! its CRLF: `text.matches('\u{1}').count() == literals.len()` always holds.
//!
//! # Limits and recovery
//!
//! All limits are in [`FrameLimits`]. When one is exceeded the framer reports it
//! ([`FrameEvent::LineTooLong`], [`FrameEvent::CommandTooLong`],
//! [`FrameEvent::LiteralTooLarge`]), drops the command and resynchronises on the protocol
//! structure: it discards to the end of the line, and, whenever a discarded line ends in a
//! non-synchronizing literal header, discards exactly that many octets and the following
//! line too (RFC 7888 §4, option 1), so octets of a refused literal are never read as
//! commands. A discarded line ending in a *synchronizing* header ends the command: the
//! client waits for a `+` that never comes and gets the tagged response instead
//! (RFC 3501 §7.5).
//!
//! # Memory
//!
//! After `poll_event` has returned `None`, [`Framer::buffered`] is at most
//! [`FrameLimits::max_buffered`]: one partial line plus one partial command. Between two
//! drains it grows by at most the chunk given to `handle_input`, so a session should read
//! from the network only after draining. Discarded input is never stored.
//!
//! # Line mode
//!
//! During an IDLE (RFC 2177: `"DONE" CRLF`) or an AUTHENTICATE exchange (RFC 3501 §6.2.2,
//! RFC 4959: base64 lines or `*`) the client sends bare lines in which the literal syntax
//! does not exist. Neither a correct `DONE` nor a base64 line can end in `}`, so literal
//! detection would do no harm for well-behaved clients; but a stray `{N}` line would then
//! produce a [`FrameEvent::Continue`] (or a non-synchronizing literal that swallows later
//! octets) in the middle of an exchange. [`Framer::set_line_mode`] makes the framer deliver
//! each line as is instead, as a [`RawCommand`] without literals and without tag, so the
//! session sees exactly what the exchange's grammar allows and rejects the rest.

use thiserror::Error;

/// The character that stands for a literal's octets in [`RawCommand::text`].
pub const LITERAL_PLACEHOLDER: char = '\u{1}';

/// RFC 7888 §5: under LITERAL- a non-synchronizing literal may hold at most this many octets.
pub const LITERAL_MINUS_MAX: u64 = 4096;

/// RFC 3501 §9 `number` is 32-bit; it bounds `{N}` (RFC 3516/4466 `literal8` may be larger).
const NUMBER_MAX: u64 = u32::MAX as u64;

/// Initial capacity for a literal's buffer: the announced size is not trusted for allocation.
const LITERAL_PREALLOC: u64 = 64 * 1024;

/// Limits and quirks of the framer; every field is configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameLimits {
    /// Longest line, in octets, excluding its line end and any literal octets.
    /// Default 64 KiB, enough for long UID sets and SEARCH programs.
    pub max_line: usize,
    /// Largest literal accepted, in octets. Default 64 MiB: literals are held in memory per
    /// connection, so lower it for many connections; keep it in line with an advertised
    /// APPENDLIMIT (RFC 7889).
    pub max_literal: u64,
    /// Most raw octets in one command: its lines with their line ends plus its literal
    /// octets. Default 64 MiB + 256 KiB: one maximal literal and a few long lines.
    pub max_command: u64,
    /// RFC 7888 LITERAL- is advertised: non-synchronizing literals over
    /// [`LITERAL_MINUS_MAX`] octets are refused (and drained). Default false (LITERAL+).
    pub literal_minus: bool,
    /// Quirk: a bare LF also ends a line (many clients and test scripts send LF alone).
    /// When false only CRLF ends a line and a lone LF is part of the line, which the
    /// grammar then rejects. Default true.
    pub accept_bare_lf: bool,
}

impl Default for FrameLimits {
    fn default() -> Self {
        Self {
            max_line: 64 * 1024,
            max_literal: 64 * 1024 * 1024,
            max_command: 64 * 1024 * 1024 + 256 * 1024,
            literal_minus: false,
            accept_bare_lf: true,
        }
    }
}

impl FrameLimits {
    /// The most [`Framer::buffered`] can report after `poll_event` has returned `None`:
    /// `max_command` for the command being assembled plus `max_line + 1` for a partial line
    /// (its last octet may be the CR of a CRLF not yet complete).
    pub fn max_buffered(&self) -> u64 {
        let line = u64::try_from(self.max_line).unwrap_or(u64::MAX);
        self.max_command.saturating_add(line).saturating_add(1)
    }
}

/// What the framer tells the session; drive [`Framer::poll_event`] until it returns `None`.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A complete command: its text for the grammar and its literals' octets.
    Command(RawCommand),
    /// A synchronizing literal `{N}` was announced and is within limits. The session must
    /// now send a `+` continuation request (RFC 3501 §7.5) and keep polling; the framer then
    /// reads N octets. To refuse instead, answer with a tagged response and call
    /// [`Framer::reject_literal`] before polling again.
    Continue {
        /// The command's tag, if its first token is a valid tag.
        tag: Option<String>,
        /// The announced octet count.
        size: u64,
    },
    /// A literal exceeds a limit (`max_literal`, what is left of `max_command`, LITERAL-'s
    /// 4096 for a non-synchronizing literal, or RFC 3501's 32-bit `number` for `{N}`). The
    /// command is dropped; the session answers `tag BAD [TOOBIG]` (or `NO [TOOBIG]`,
    /// RFC 4469; RFC 7888 §5 requires TOOBIG for APPEND).
    ///
    /// Synchronizing: the client waits for a `+` and sends nothing more of this command;
    /// the framer expects a new command. Non-synchronizing: the octets arrive anyway; the
    /// framer discards exactly `size` octets and the rest of the command (RFC 7888 §4,
    /// option 1). A session preferring option 2 sends `* BYE` and closes instead, which it
    /// should do when `size` is absurd (it saturates at `u64::MAX` on overflow).
    LiteralTooLarge {
        /// The command's tag, if its first token is a valid tag.
        tag: Option<String>,
        /// The announced octet count, saturated at `u64::MAX`.
        size: u64,
        /// The largest literal that would have been accepted at that point.
        limit: u64,
        /// Whether the literal was synchronizing (`{N}`) rather than `{N+}`.
        synchronizing: bool,
    },
    /// A line exceeds `max_line`. The framer discards the command: the rest of this line
    /// and, if it ends in a non-synchronizing header, that literal and the next line, and
    /// so on. The session answers `tag BAD` (or `* BAD` without a tag).
    LineTooLong {
        /// The command's tag: from its first line, if a valid tag followed by a space lies
        /// within the first `max_line` octets.
        tag: Option<String>,
    },
    /// The command's raw octets would exceed `max_command` at a line end. Recovery is as
    /// for [`FrameEvent::LineTooLong`].
    CommandTooLong {
        /// The command's tag, if its first token is a valid tag.
        tag: Option<String>,
    },
}

/// One complete command as framed, ready for the grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommand {
    /// The first token of the first line if it is a valid `tag` (RFC 3501 §9:
    /// `1*<any ASTRING-CHAR except "+">`), so even an unparsable command can get a tagged
    /// `BAD`. Always `None` in line mode.
    pub tag: Option<String>,
    /// The lines joined with literal headers, CRLFs and placeholders; see the module docs.
    /// Invalid UTF-8 and raw 0x01 octets are replaced by U+FFFD (see [`Self::invalid`]).
    pub text: String,
    /// Each literal's octets, in the order of the placeholders in `text`.
    pub literals: Vec<Vec<u8>>,
    /// Raw octets the command took on the wire: lines, line ends and literal octets.
    pub raw_len: u64,
    /// The first octet that made `text` differ from the client's line octets. When set
    /// the session must answer `BAD` without parsing.
    pub invalid: Option<InvalidByte>,
}

/// Why a line octet was replaced in [`RawCommand::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidKind {
    /// The start of an invalid UTF-8 sequence (the grammar needs `&str`).
    Utf8,
    /// A raw 0x01 (SOH): reserved for [`LITERAL_PLACEHOLDER`], and a CTL anyway.
    Soh,
}

/// Where the first invalid line octet of a command is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidByte {
    /// What is wrong with it.
    pub kind: InvalidKind,
    /// The octet itself.
    pub byte: u8,
    /// Index of the line within the command (0 = the line with the tag).
    pub line: usize,
    /// Octet offset within that line, counting from 0.
    pub column: usize,
    /// Byte offset in [`RawCommand::text`] of the U+FFFD that replaced it.
    pub text_offset: usize,
}

/// [`Framer::reject_literal`] was called with no synchronizing literal awaiting a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("no synchronizing literal is awaiting a decision")]
pub struct NoPendingLiteral;

/// The sans-IO framer for one connection's client-to-server stream.
#[derive(Debug)]
pub struct Framer {
    limits: FrameLimits,
    line_mode: bool,
    /// Unconsumed input is `input[pos..]`.
    input: Vec<u8>,
    pos: usize,
    /// Octets of the current line (from `pos`) already searched for a line end.
    scanned: usize,
    state: State,
    cmd: Partial,
}

/// What the framer is in the middle of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a line: a command's first line, or the line after a literal.
    Line,
    /// Reading literal octets into the last literal of `cmd`.
    Literal {
        remaining: u64,
        /// A synchronizing literal none of whose octets were read: may still be rejected.
        rejectable: bool,
    },
    /// Discarding the rest of a refused command's line.
    DiscardLine {
        header: HeaderScan,
        pending_cr: bool,
    },
    /// Discarding the octets of a refused command's non-synchronizing literal.
    DiscardLiteral { remaining: u64 },
}

/// The command being assembled.
#[derive(Debug, Default)]
struct Partial {
    tag: Option<String>,
    text: String,
    literals: Vec<Vec<u8>>,
    raw_len: u64,
    lines: usize,
    invalid: Option<InvalidByte>,
}

/// One step of the state machine.
enum Step {
    Event(FrameEvent),
    Progress,
    NeedInput,
}

impl Default for Framer {
    fn default() -> Self {
        Self::new(FrameLimits::default())
    }
}

impl Framer {
    /// A framer expecting a command line, with the given limits.
    pub fn new(limits: FrameLimits) -> Self {
        Self {
            limits,
            line_mode: false,
            input: Vec::new(),
            pos: 0,
            scanned: 0,
            state: State::Line,
            cmd: Partial::default(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &FrameLimits {
        &self.limits
    }

    /// Buffers a chunk of client input; nothing is interpreted until [`Self::poll_event`].
    pub fn handle_input(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            self.input.drain(..self.pos);
            self.pos = 0;
        }
        self.input.extend_from_slice(bytes);
    }

    /// The next event, or `None` when more input is needed. Call until `None` after every
    /// [`Self::handle_input`], acting on each event before polling again.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<FrameEvent> {
        loop {
            let step = match self.state {
                State::Line => self.step_line(),
                State::Literal { remaining, .. } => self.step_literal(remaining),
                State::DiscardLine { header, pending_cr } => {
                    self.step_discard_line(header, pending_cr)
                }
                State::DiscardLiteral { remaining } => self.step_discard_literal(remaining),
            };
            match step {
                Step::Event(event) => return Some(event),
                Step::Progress => {}
                Step::NeedInput => return None,
            }
        }
    }

    /// Refuses the synchronizing literal just reported by [`FrameEvent::Continue`]: the
    /// session answers with a tagged `BAD`/`NO` instead of `+`, so the client will not send
    /// the octets (RFC 3501 §7.5); the command is dropped and the framer expects a new one.
    ///
    /// Accepting needs no call: send `+` and keep polling.
    ///
    /// # Errors
    ///
    /// [`NoPendingLiteral`] unless the last event was a [`FrameEvent::Continue`] and no
    /// octet of that literal has been read since (only a client that does not wait for the
    /// `+` sends them early).
    pub fn reject_literal(&mut self) -> Result<(), NoPendingLiteral> {
        match self.state {
            State::Literal {
                rejectable: true, ..
            } => {
                self.cmd = Partial::default();
                self.state = State::Line;
                Ok(())
            }
            _ => Err(NoPendingLiteral),
        }
    }

    /// Switches line mode (see the module docs) for lines not yet read: no literal
    /// detection, every line is delivered as a [`RawCommand`] without tag. Switch at a
    /// command boundary, e.g. right after the `IDLE` or `AUTHENTICATE` command.
    pub fn set_line_mode(&mut self, on: bool) {
        self.line_mode = on;
    }

    /// Whether line mode is on.
    pub fn line_mode(&self) -> bool {
        self.line_mode
    }

    /// Raw octets held: unconsumed input plus the octets of the command being assembled.
    /// See [`FrameLimits::max_buffered`] for the bound.
    pub fn buffered(&self) -> usize {
        let cmd = usize::try_from(self.cmd.raw_len).unwrap_or(usize::MAX);
        (self.input.len() - self.pos).saturating_add(cmd)
    }

    /// The text of the command being assembled so far, e.g. to decide on a
    /// [`FrameEvent::Continue`]; it ends with the literal header, CRLF and placeholder.
    pub fn partial_text(&self) -> &str {
        &self.cmd.text
    }

    /// Discards all buffered input and any partial command, returning the octets dropped,
    /// and expects a new command. Call it when the transport changes under the stream,
    /// e.g. after STARTTLS (RFC 3501 §6.2.1), so that plaintext pipelined before the TLS
    /// handshake is never read as commands.
    pub fn reset(&mut self) -> usize {
        let dropped = self.buffered();
        self.input.clear();
        self.pos = 0;
        self.scanned = 0;
        self.state = State::Line;
        self.cmd = Partial::default();
        dropped
    }

    /// Takes the octets no event has consumed yet and empties the framer. Call it at a command
    /// boundary (right after a [`FrameEvent::Command`]), e.g. to hand the input a client
    /// pipelined behind LOGIN to the session process that serves the rest of the connection.
    pub fn take_unread(&mut self) -> Vec<u8> {
        let rest = self.input[self.pos..].to_vec();
        self.reset();
        rest
    }

    fn available(&self) -> &[u8] {
        &self.input[self.pos..]
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        if self.pos == self.input.len() {
            self.input.clear();
            self.pos = 0;
        }
    }

    /// Reads a line, or detects that it is too long.
    fn step_line(&mut self) -> Step {
        let max = self.limits.max_line;
        let avail = &self.input[self.pos..];
        let mut from = self.scanned;
        let found = loop {
            match avail[from..].iter().position(|&b| b == b'\n') {
                None => break None,
                Some(i) => {
                    let lf = from + i;
                    if lf > 0 && avail[lf - 1] == b'\r' {
                        break Some((lf - 1, lf + 1));
                    }
                    if self.limits.accept_bare_lf {
                        break Some((lf, lf + 1));
                    }
                    // RFC 3501 §2.2: only CRLF ends a line; the LF is part of it.
                    from = lf + 1;
                }
            }
        };
        match found {
            Some((content_len, line_len)) if content_len <= max => {
                self.scanned = 0;
                self.complete_line(content_len, line_len)
            }
            Some(_) => self.line_too_long(),
            None => {
                self.scanned = avail.len();
                let n = avail.len();
                let cr_pending = avail.last() == Some(&b'\r');
                if n > max.saturating_add(1) || (n > max && !cr_pending) {
                    self.line_too_long()
                } else {
                    Step::NeedInput
                }
            }
        }
    }

    /// Reports a line over `max_line` and discards its command from the line's start.
    fn line_too_long(&mut self) -> Step {
        let tag = if self.cmd.lines == 0 && !self.line_mode {
            let avail = self.available();
            let head = &avail[..avail.len().min(self.limits.max_line)];
            head.iter()
                .position(|&b| b == b' ')
                .and_then(|sp| tag_of(&head[..sp]))
        } else {
            self.cmd.tag.clone()
        };
        self.abandon(State::DiscardLine {
            header: HeaderScan::default(),
            pending_cr: false,
        });
        Step::Event(FrameEvent::LineTooLong { tag })
    }

    /// Drops the command being assembled and continues in `state`.
    fn abandon(&mut self, state: State) {
        self.cmd = Partial::default();
        self.scanned = 0;
        self.state = state;
    }

    /// Handles a complete line of `content_len` octets, `line_len` with its line end.
    fn complete_line(&mut self, content_len: usize, line_len: usize) -> Step {
        let start = self.pos;
        let content = &self.input[start..start + content_len];
        let header = if self.line_mode {
            None
        } else {
            HeaderScan::scan(content)
        };
        if self.cmd.lines == 0 && !self.line_mode {
            let token = content.split(|&b| b == b' ').next().unwrap_or_default();
            self.cmd.tag = tag_of(token);
        }
        let raw = line_len as u64;
        let within = self
            .cmd
            .raw_len
            .checked_add(raw)
            .is_some_and(|n| n <= self.limits.max_command);
        if !within {
            let tag = self.cmd.tag.take();
            let next = match header {
                Some(h) if !h.sync => State::DiscardLiteral { remaining: h.size },
                _ => State::Line,
            };
            self.abandon(next);
            self.consume(line_len);
            return Step::Event(FrameEvent::CommandTooLong { tag });
        }
        push_line(&mut self.cmd, &self.input[start..start + content_len]);
        self.cmd.raw_len += raw;
        self.cmd.lines += 1;
        self.consume(line_len);
        let Some(h) = header else {
            let cmd = std::mem::take(&mut self.cmd);
            return Step::Event(FrameEvent::Command(cmd.finish()));
        };
        let limit = self.literal_limit(h);
        if h.overflow || h.size > limit {
            let tag = self.cmd.tag.take();
            let next = if h.sync {
                State::Line
            } else {
                State::DiscardLiteral { remaining: h.size }
            };
            self.abandon(next);
            return Step::Event(FrameEvent::LiteralTooLarge {
                tag,
                size: h.size,
                limit,
                synchronizing: h.sync,
            });
        }
        self.cmd.text.push_str("\r\n");
        self.cmd.text.push(LITERAL_PLACEHOLDER);
        let prealloc = usize::try_from(h.size.min(LITERAL_PREALLOC)).unwrap_or(0);
        self.cmd.literals.push(Vec::with_capacity(prealloc));
        self.state = State::Literal {
            remaining: h.size,
            rejectable: h.sync,
        };
        if h.sync {
            Step::Event(FrameEvent::Continue {
                tag: self.cmd.tag.clone(),
                size: h.size,
            })
        } else {
            Step::Progress
        }
    }

    /// The largest literal acceptable now for header `h`.
    fn literal_limit(&self, h: Header) -> u64 {
        let mut limit = self.limits.max_literal;
        if !h.binary {
            limit = limit.min(NUMBER_MAX);
        }
        if self.limits.literal_minus && !h.sync {
            limit = limit.min(LITERAL_MINUS_MAX);
        }
        limit.min(self.limits.max_command.saturating_sub(self.cmd.raw_len))
    }

    /// Moves available octets into the current literal.
    fn step_literal(&mut self, remaining: u64) -> Step {
        if remaining == 0 {
            self.state = State::Line;
            return Step::Progress;
        }
        let avail = &self.input[self.pos..];
        if avail.is_empty() {
            return Step::NeedInput;
        }
        let n = avail
            .len()
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        if let Some(literal) = self.cmd.literals.last_mut() {
            literal.extend_from_slice(&avail[..n]);
        }
        self.cmd.raw_len += n as u64;
        self.consume(n);
        self.state = State::Literal {
            remaining: remaining - n as u64,
            rejectable: false,
        };
        Step::Progress
    }

    /// Discards the rest of a line, then its literal if the line announced a
    /// non-synchronizing one.
    fn step_discard_line(&mut self, mut header: HeaderScan, mut pending_cr: bool) -> Step {
        let bare_lf = self.limits.accept_bare_lf;
        let mut end = None;
        for (i, &b) in self.available().iter().enumerate() {
            if pending_cr {
                pending_cr = false;
                if b == b'\n' {
                    end = Some(i + 1);
                    break;
                }
                header.feed(b'\r');
            }
            match b {
                b'\r' => pending_cr = true,
                b'\n' if bare_lf => {
                    end = Some(i + 1);
                    break;
                }
                _ => header.feed(b),
            }
        }
        let Some(n) = end else {
            let n = self.available().len();
            self.consume(n);
            self.state = State::DiscardLine { header, pending_cr };
            return Step::NeedInput;
        };
        self.consume(n);
        self.state = match header.finish() {
            Some(h) if !h.sync && !self.line_mode => State::DiscardLiteral { remaining: h.size },
            _ => State::Line,
        };
        Step::Progress
    }

    /// Discards octets of a refused non-synchronizing literal.
    fn step_discard_literal(&mut self, remaining: u64) -> Step {
        if remaining == 0 {
            self.state = State::DiscardLine {
                header: HeaderScan::default(),
                pending_cr: false,
            };
            return Step::Progress;
        }
        let avail = self.available().len();
        if avail == 0 {
            return Step::NeedInput;
        }
        let n = avail.min(usize::try_from(remaining).unwrap_or(usize::MAX));
        self.consume(n);
        self.state = State::DiscardLiteral {
            remaining: remaining - n as u64,
        };
        Step::Progress
    }
}

impl Partial {
    fn finish(self) -> RawCommand {
        RawCommand {
            tag: self.tag,
            text: self.text,
            literals: self.literals,
            raw_len: self.raw_len,
            invalid: self.invalid,
        }
    }

    /// Records the first invalid octet and puts U+FFFD in its place.
    fn replace_invalid(&mut self, kind: InvalidKind, byte: u8, column: usize) {
        if self.invalid.is_none() {
            self.invalid = Some(InvalidByte {
                kind,
                byte,
                line: self.lines,
                column,
                text_offset: self.text.len(),
            });
        }
        self.text.push(char::REPLACEMENT_CHARACTER);
    }
}

/// Appends a line's content to the command text: invalid UTF-8 and raw SOH become U+FFFD.
fn push_line(cmd: &mut Partial, content: &[u8]) {
    let mut column = 0;
    for chunk in content.utf8_chunks() {
        for (i, piece) in chunk.valid().split(LITERAL_PLACEHOLDER).enumerate() {
            if i > 0 {
                cmd.replace_invalid(InvalidKind::Soh, 0x01, column);
                column += 1;
            }
            cmd.text.push_str(piece);
            column += piece.len();
        }
        if let Some(&byte) = chunk.invalid().first() {
            cmd.replace_invalid(InvalidKind::Utf8, byte, column);
            column += chunk.invalid().len();
        }
    }
}

/// `token` as a tag if it is one: RFC 3501 §9 `tag = 1*<any ASTRING-CHAR except "+">`.
fn tag_of(token: &[u8]) -> Option<String> {
    let valid = !token.is_empty() && token.iter().all(|&b| is_tag_char(b));
    valid.then(|| token.iter().map(|&b| char::from(b)).collect())
}

/// ASTRING-CHAR except "+": CHAR minus CTL, SP, `(`, `)`, `{`, `%`, `*`, `"`, `\` (RFC 3501 §9).
fn is_tag_char(b: u8) -> bool {
    matches!(b, 0x21..=0x7e) && !b"(){%*\"\\+".contains(&b)
}

/// A literal header found at the end of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    size: u64,
    overflow: bool,
    sync: bool,
    binary: bool,
}

/// Streaming recogniser of a literal header ending a line: `["~"] "{" 1*DIGIT ["+"] "}"`
/// immediately before the line end (RFC 3501 §9 `literal`, RFC 7888 §3, RFC 3516).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct HeaderScan {
    at: Scan,
    /// The candidate's `{` came right after a `~`.
    binary: bool,
    /// The digits so far, saturating at `u64::MAX`.
    size: u64,
    overflow: bool,
    prev_tilde: bool,
}

/// Where in a candidate header the scanner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Scan {
    #[default]
    Outside,
    Open,
    Digits,
    Plus,
    Closed {
        sync: bool,
    },
}

impl HeaderScan {
    /// The header ending a complete line's content, if any.
    fn scan(content: &[u8]) -> Option<Header> {
        let mut scan = Self::default();
        for &b in content {
            scan.feed(b);
        }
        scan.finish()
    }

    fn feed(&mut self, b: u8) {
        self.at = match (self.at, b) {
            (_, b'{') => {
                (self.binary, self.size, self.overflow) = (self.prev_tilde, 0, false);
                Scan::Open
            }
            (Scan::Open | Scan::Digits, b'0'..=b'9') => {
                let next = self.size.checked_mul(10);
                let next = next.and_then(|n| n.checked_add(u64::from(b - b'0')));
                self.overflow |= next.is_none();
                self.size = next.unwrap_or(u64::MAX);
                Scan::Digits
            }
            (Scan::Digits, b'+') => Scan::Plus,
            (Scan::Digits, b'}') => Scan::Closed { sync: true },
            (Scan::Plus, b'}') => Scan::Closed { sync: false },
            _ => Scan::Outside,
        };
        self.prev_tilde = b == b'~';
    }

    fn finish(self) -> Option<Header> {
        match self.at {
            Scan::Closed { sync } => Some(Header {
                size: self.size,
                overflow: self.overflow,
                sync,
                binary: self.binary,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{Arbitrary, Gen};
    use quickcheck_macros::quickcheck;

    /// Feeds `chunks` one by one, draining after each; rejects synchronizing literals
    /// whose size is 2 mod 3 (a policy that depends on events only) when `reject` is set.
    fn drive<'a>(
        framer: &mut Framer,
        chunks: impl IntoIterator<Item = &'a [u8]>,
        reject: bool,
    ) -> Vec<FrameEvent> {
        let mut events = Vec::new();
        for chunk in chunks {
            framer.handle_input(chunk);
            while let Some(event) = framer.poll_event() {
                if let FrameEvent::Continue { size, .. } = event {
                    if reject && size % 3 == 2 {
                        framer
                            .reject_literal()
                            .expect("a fresh Continue is rejectable");
                    }
                }
                events.push(event);
            }
            let bound = framer.limits().max_buffered();
            assert!(
                framer.buffered() as u64 <= bound,
                "{} > {bound}",
                framer.buffered()
            );
        }
        events
    }

    fn run(limits: FrameLimits, input: &[u8]) -> Vec<FrameEvent> {
        drive(&mut Framer::new(limits), [input], false)
    }

    fn small() -> FrameLimits {
        FrameLimits {
            max_line: 32,
            max_literal: 16,
            max_command: 128,
            ..FrameLimits::default()
        }
    }

    fn command(tag: &str, text: &str, literals: &[&[u8]], raw_len: u64) -> FrameEvent {
        FrameEvent::Command(RawCommand {
            tag: (!tag.is_empty()).then(|| tag.to_owned()),
            text: text.to_owned(),
            literals: literals.iter().map(|l| l.to_vec()).collect(),
            raw_len,
            invalid: None,
        })
    }

    fn cont(tag: &str, size: u64) -> FrameEvent {
        FrameEvent::Continue {
            tag: Some(tag.to_owned()),
            size,
        }
    }

    fn texts(events: &[FrameEvent]) -> Vec<&str> {
        let texts = events.iter().filter_map(|e| match e {
            FrameEvent::Command(c) => Some(c.text.as_str()),
            _ => None,
        });
        texts.collect()
    }

    #[test]
    fn plain_command() {
        let events = run(FrameLimits::default(), b"a1 NOOP\r\n");
        assert_eq!(events, [command("a1", "a1 NOOP", &[], 9)]);
    }

    #[test]
    fn synchronizing_literals_wait_for_continuation() {
        let mut f = Framer::new(FrameLimits::default());
        assert_eq!(
            drive(&mut f, [&b"A001 LOGIN {11}\r\n"[..]], false),
            [cont("A001", 11)]
        );
        assert_eq!(f.partial_text(), "A001 LOGIN {11}\r\n\u{1}");
        let events = drive(&mut f, [&b"FRED FOOBAR {7}\r\n"[..]], false);
        assert_eq!(events, [cont("A001", 7)]);
        let events = drive(&mut f, [&b"fat man\r\n"[..]], false);
        let text = "A001 LOGIN {11}\r\n\u{1} {7}\r\n\u{1}";
        assert_eq!(
            events,
            [command("A001", text, &[b"FRED FOOBAR", b"fat man"], 43)]
        );
        assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn brief_example_mixed_literals() {
        let events = run(
            FrameLimits::default(),
            b"a LOGIN {3}\r\nbob {4+}\r\npass\r\n",
        );
        let text = "a LOGIN {3}\r\n\u{1} {4+}\r\n\u{1}";
        assert_eq!(
            events,
            [cont("a", 3), command("a", text, &[b"bob", b"pass"], 29)]
        );
    }

    #[test]
    fn non_synchronizing_literal_needs_no_event() {
        let events = run(
            FrameLimits::default(),
            b"A001 LOGIN {11+}\r\nFRED FOOBAR {7+}\r\nfat man\r\n",
        );
        let text = "A001 LOGIN {11+}\r\n\u{1} {7+}\r\n\u{1}";
        assert_eq!(
            events,
            [command("A001", text, &[b"FRED FOOBAR", b"fat man"], 45)]
        );
    }

    #[test]
    fn literal8_keeps_octets_verbatim() {
        let input = b"a APPEND box ~{5+}\r\n\0\r\n\xff\x01 ~{2}\r\n\0\0\r\n";
        let events = run(FrameLimits::default(), input);
        let text = "a APPEND box ~{5+}\r\n\u{1} ~{2}\r\n\u{1}";
        let lits: &[&[u8]] = &[b"\0\r\n\xff\x01", b"\0\0"];
        assert_eq!(
            events,
            [cont("a", 2), command("a", text, lits, input.len() as u64)]
        );
    }

    #[test]
    fn literal_octets_are_not_lines() {
        // CRLFs and headers inside a literal are octets; the line after it continues.
        let input = b"a APPEND box {11+}\r\nx {3}\r\nb NO\r\n";
        let events = run(FrameLimits::default(), input);
        let text = "a APPEND box {11+}\r\n\u{1}";
        assert_eq!(
            events,
            [command("a", text, &[b"x {3}\r\nb NO"], input.len() as u64)]
        );
    }

    #[test]
    fn zero_length_literals() {
        let input = b"a LOGIN {0}\r\n {0+}\r\n\r\n";
        let events = run(FrameLimits::default(), input);
        let text = "a LOGIN {0}\r\n\u{1} {0+}\r\n\u{1}";
        assert_eq!(events, [cont("a", 0), command("a", text, &[b"", b""], 22)]);
    }

    #[test]
    fn header_only_at_line_end() {
        let events = run(
            FrameLimits::default(),
            b"a X {3} y\r\nb X {3 }\r\nc X {+3}\r\nd X {}\r\n",
        );
        assert_eq!(
            texts(&events),
            ["a X {3} y", "b X {3 }", "c X {+3}", "d X {}"]
        );
    }

    #[test]
    fn empty_line_is_an_empty_command() {
        assert_eq!(
            run(FrameLimits::default(), b"\r\n"),
            [command("", "", &[], 2)]
        );
    }

    #[test]
    fn line_too_long_recovers() {
        let long = format!("t1 SEARCH {}\r\nt2 NOOP\r\n", "X".repeat(40));
        let events = run(small(), long.as_bytes());
        let tag = Some("t1".to_owned());
        assert_eq!(
            events,
            [
                FrameEvent::LineTooLong { tag },
                command("t2", "t2 NOOP", &[], 9)
            ]
        );
        // Without a space in the first max_line octets the tag is unknown.
        let long = format!("{}\r\nt2 NOOP\r\n", "X".repeat(40));
        let events = run(small(), long.as_bytes());
        assert_eq!(
            events,
            [
                FrameEvent::LineTooLong { tag: None },
                command("t2", "t2 NOOP", &[], 9)
            ]
        );
    }

    #[test]
    fn line_too_long_drains_its_non_synchronizing_literal() {
        let input = format!(
            "t1 X {} {{10+}}\r\nx LOGOUT\r\n y\r\nt2 NOOP\r\n",
            "X".repeat(40)
        );
        let events = run(small(), input.as_bytes());
        let tag = Some("t1".to_owned());
        assert_eq!(
            events,
            [
                FrameEvent::LineTooLong { tag },
                command("t2", "t2 NOOP", &[], 9)
            ]
        );
    }

    #[test]
    fn line_too_long_after_a_literal() {
        let input = format!("t1 X {{1+}}\r\nz {}\r\nt2 NOOP\r\n", "Y".repeat(40));
        let events = run(small(), input.as_bytes());
        let tag = Some("t1".to_owned());
        assert_eq!(
            events,
            [
                FrameEvent::LineTooLong { tag },
                command("t2", "t2 NOOP", &[], 9)
            ]
        );
    }

    #[test]
    fn line_limit_is_exact() {
        let limits = FrameLimits {
            max_line: 8,
            ..FrameLimits::default()
        };
        let events = run(limits.clone(), b"a NOOP12\r\n");
        assert_eq!(events, [command("a", "a NOOP12", &[], 10)]);
        let events = run(limits, b"a NOOP123\r\n");
        let tag = Some("a".to_owned());
        assert_eq!(events, [FrameEvent::LineTooLong { tag }]);
    }

    #[test]
    fn synchronizing_literal_too_large() {
        let events = run(small(), b"a APPEND box {17}\r\nb NOOP\r\n");
        let too_large = FrameEvent::LiteralTooLarge {
            tag: Some("a".to_owned()),
            size: 17,
            limit: 16,
            synchronizing: true,
        };
        assert_eq!(events, [too_large, command("b", "b NOOP", &[], 8)]);
    }

    #[test]
    fn non_synchronizing_literal_too_large_is_drained() {
        let input =
            b"a APPEND box {20+}\r\nx LOGOUT\r\nx LOGOUT\r\n {10+}\r\nc LOGOUT\r\n\r\nb NOOP\r\n";
        let events = run(small(), input);
        let too_large = FrameEvent::LiteralTooLarge {
            tag: Some("a".to_owned()),
            size: 20,
            limit: 16,
            synchronizing: false,
        };
        assert_eq!(events, [too_large, command("b", "b NOOP", &[], 8)]);
    }

    #[test]
    fn literal_minus() {
        let limits = FrameLimits {
            literal_minus: true,
            ..FrameLimits::default()
        };
        let ok = format!("a APPEND box {{4096+}}\r\n{}\r\n", "m".repeat(4096));
        let events = run(limits.clone(), ok.as_bytes());
        assert!(matches!(&events[..], [FrameEvent::Command(c)] if c.literals[0].len() == 4096));

        let refused = format!(
            "a APPEND box {{4097+}}\r\n{}\r\nb NOOP\r\n",
            "m".repeat(4097)
        );
        let too_large = FrameEvent::LiteralTooLarge {
            tag: Some("a".to_owned()),
            size: 4097,
            limit: LITERAL_MINUS_MAX,
            synchronizing: false,
        };
        let events = run(limits.clone(), refused.as_bytes());
        assert_eq!(events, [too_large, command("b", "b NOOP", &[], 8)]);

        // Synchronizing literals over 4096 are fine under LITERAL-.
        assert_eq!(run(limits, b"a APPEND box {5000}\r\n"), [cont("a", 5000)]);
    }

    #[test]
    fn number_overflow_is_too_large() {
        let limits = FrameLimits {
            max_literal: u64::MAX,
            max_command: u64::MAX,
            ..FrameLimits::default()
        };
        let events = run(limits.clone(), b"a X {4294967296}\r\nb X ~{4294967296}\r\n");
        let too_large = FrameEvent::LiteralTooLarge {
            tag: Some("a".to_owned()),
            size: 1 << 32,
            limit: u64::from(u32::MAX),
            synchronizing: true,
        };
        assert_eq!(events[0], too_large);
        assert!(matches!(&events[1], FrameEvent::Continue { size, .. } if *size == 1 << 32));

        let events = run(limits, b"c X ~{000018446744073709551616}\r\n");
        let too_large = FrameEvent::LiteralTooLarge {
            tag: Some("c".to_owned()),
            size: u64::MAX,
            limit: u64::MAX - 33,
            synchronizing: true,
        };
        assert_eq!(events, [too_large]);
    }

    #[test]
    fn command_too_long() {
        let limits = FrameLimits {
            max_command: 40,
            ..small()
        };
        let input = b"a X {16+}\r\n0123456789abcdef {16+}\r\n0123456789abcdef\r\nb NOOP\r\n";
        let events = run(limits.clone(), input);
        let too_large = FrameEvent::LiteralTooLarge {
            tag: Some("a".to_owned()),
            size: 16,
            limit: 40 - 11 - 16 - 8,
            synchronizing: false,
        };
        assert_eq!(events, [too_large, command("b", "b NOOP", &[], 8)]);

        let input = b"a X {16+}\r\n0123456789abcdef 0123456789ab\r\nb NOOP\r\n";
        let events = run(limits.clone(), input);
        let tag = Some("a".to_owned());
        assert_eq!(
            events,
            [
                FrameEvent::CommandTooLong { tag },
                command("b", "b NOOP", &[], 8)
            ]
        );
        // A line over the budget that announces a non-synchronizing literal drains it.
        let input = b"a X {16+}\r\n0123456789abcdef 01234567 {3+}\r\nabc\r\nb NOOP\r\n";
        let events = run(limits, input);
        let tag = Some("a".to_owned());
        assert_eq!(
            events,
            [
                FrameEvent::CommandTooLong { tag },
                command("b", "b NOOP", &[], 8)
            ]
        );
    }

    #[test]
    fn bare_lf_quirk() {
        let input = b"a NOOP\nb LOGIN {3}\nbob x\r\n";
        let events = run(FrameLimits::default(), input);
        let text = "b LOGIN {3}\r\n\u{1} x";
        assert_eq!(
            events,
            [
                command("a", "a NOOP", &[], 7),
                cont("b", 3),
                command("b", text, &[b"bob"], 19)
            ]
        );
        let strict = FrameLimits {
            accept_bare_lf: false,
            ..FrameLimits::default()
        };
        let events = run(strict, b"a NOOP\nb NOOP\r\n");
        assert_eq!(events, [command("a", "a NOOP\nb NOOP", &[], 15)]);
    }

    #[test]
    fn tags() {
        let input = b"A]1 NOOP\r\n+ NOOP\r\na* NOOP\r\n\"a\" NOOP\r\nx{1} y\r\n lead\r\nonly\r\n\xc3\xa9 x\r\n";
        let tags: Vec<Option<String>> = run(FrameLimits::default(), input)
            .into_iter()
            .map(|e| match e {
                FrameEvent::Command(c) => c.tag,
                other => panic!("{other:?}"),
            })
            .collect();
        let expected = [
            Some("A]1"),
            None,
            None,
            None,
            None,
            None,
            Some("only"),
            None,
        ];
        assert_eq!(tags, expected.map(|t| t.map(str::to_owned)));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let events = run(FrameLimits::default(), b"a LOGIN {1+}\r\nx \xffb\xfe\r\n");
        let [FrameEvent::Command(c)] = &events[..] else {
            panic!("{events:?}")
        };
        assert_eq!(c.text, "a LOGIN {1+}\r\n\u{1} \u{fffd}b\u{fffd}");
        let invalid = InvalidByte {
            kind: InvalidKind::Utf8,
            byte: 0xff,
            line: 1,
            column: 1,
            text_offset: 16,
        };
        assert_eq!(c.invalid, Some(invalid));
        assert_eq!(&c.text[16..], "\u{fffd}b\u{fffd}");
    }

    #[test]
    fn raw_soh_never_reaches_the_grammar() {
        let events = run(FrameLimits::default(), b"a LOGIN {1}\r\n\x01\x01 \x01\r\n");
        let [_, FrameEvent::Command(c)] = &events[..] else {
            panic!("{events:?}")
        };
        assert_eq!(c.literals, [b"\x01"]);
        assert_eq!(c.text, "a LOGIN {1}\r\n\u{1}\u{fffd} \u{fffd}");
        let invalid = InvalidByte {
            kind: InvalidKind::Soh,
            byte: 1,
            line: 1,
            column: 0,
            text_offset: 14,
        };
        assert_eq!(c.invalid, Some(invalid));
    }

    #[test]
    fn reject_literal_resumes_with_a_new_command() {
        let mut f = Framer::new(FrameLimits::default());
        assert_eq!(f.reject_literal(), Err(NoPendingLiteral));
        let events = drive(&mut f, [&b"a LOGIN {5}\r\n"[..]], false);
        assert_eq!(events, [cont("a", 5)]);
        assert_eq!(f.reject_literal(), Ok(()));
        assert_eq!(f.reject_literal(), Err(NoPendingLiteral));
        assert_eq!(f.buffered(), 0);
        let events = drive(&mut f, [&b"b NOOP\r\n"[..]], false);
        assert_eq!(events, [command("b", "b NOOP", &[], 8)]);
        // Once octets are read the literal can no longer be rejected.
        let events = drive(&mut f, [&b"c LOGIN {5}\r\nab"[..]], false);
        assert_eq!(events, [cont("c", 5)]);
        assert_eq!(f.reject_literal(), Err(NoPendingLiteral));
    }

    #[test]
    fn line_mode_has_no_literals() {
        let mut f = Framer::new(FrameLimits::default());
        f.set_line_mode(true);
        let events = drive(&mut f, [&b"dGVzdA== {5}\r\nDONE\r\n"[..]], false);
        assert_eq!(
            events,
            [
                command("", "dGVzdA== {5}", &[], 14),
                command("", "DONE", &[], 6)
            ]
        );
        f.set_line_mode(false);
        assert_eq!(drive(&mut f, [&b"a X {5}\r\n"[..]], false), [cont("a", 5)]);
    }

    #[test]
    fn reset_drops_pipelined_input() {
        let mut f = Framer::new(FrameLimits::default());
        let events = drive(&mut f, [&b"a STARTTLS\r\nb LOGIN {3+}\r\nbo"[..]], false);
        assert_eq!(events, [command("a", "a STARTTLS", &[], 12)]);
        assert_eq!(f.reset(), 16);
        assert_eq!(f.buffered(), 0);
        let events = drive(&mut f, [&b"c NOOP\r\n"[..]], false);
        assert_eq!(events, [command("c", "c NOOP", &[], 8)]);
    }

    #[test]
    fn split_crlf_and_header() {
        let input = b"a LOGIN {3+}\r\nbob x\r\n";
        let whole = run(FrameLimits::default(), input);
        let bytes = drive(
            &mut Framer::new(FrameLimits::default()),
            input.chunks(1),
            false,
        );
        assert_eq!(whole, bytes);
    }

    /// An IMAP-flavoured byte stream: mostly tokens that exercise framing.
    #[derive(Debug, Clone)]
    struct Stream(Vec<u8>);

    impl Arbitrary for Stream {
        fn arbitrary(g: &mut Gen) -> Self {
            const TOKENS: &[&[u8]] = &[
                b"a",
                b"A1",
                b" ",
                b"LOGIN",
                b"x LOGOUT",
                b"{",
                b"}",
                b"+",
                b"~",
                b"0",
                b"3",
                b"9",
                b"{3}",
                b"{2+}",
                b"~{4}",
                b"{0}",
                b"{5+}",
                b"{12}",
                b"{3}\r\n",
                b"{2+}\r\n",
                b"~{1+}\n",
                b"{7+}\r\n",
                b"\r\n",
                b"\n",
                b"\r",
                b"\x01",
                b"\xff",
                b"\xc3\xa9",
                b"*",
                b"]",
                b"{99999999999999999999}",
                b"{4294967296}\r\n",
            ];
            let len = usize::arbitrary(g) % (g.size() * 2 + 1);
            let mut bytes = Vec::new();
            for _ in 0..len {
                if u8::arbitrary(g) % 6 == 0 {
                    bytes.push(u8::arbitrary(g));
                } else {
                    bytes.extend_from_slice(g.choose(TOKENS).copied().unwrap_or_default());
                }
            }
            Stream(bytes)
        }

        fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
            Box::new(self.0.shrink().map(Stream))
        }
    }

    /// Small limits so that every limit is hit.
    #[derive(Debug, Clone)]
    struct Limits(FrameLimits);

    impl Arbitrary for Limits {
        fn arbitrary(g: &mut Gen) -> Self {
            Limits(FrameLimits {
                max_line: usize::from(u8::arbitrary(g) % 24 + 1),
                max_literal: u64::from(u8::arbitrary(g) % 16),
                max_command: u64::from(u8::arbitrary(g) % 96 + 1),
                literal_minus: bool::arbitrary(g),
                accept_bare_lf: bool::arbitrary(g),
            })
        }
    }

    /// Splits `bytes` at the given points (taken modulo its length).
    fn split(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.push(0);
        cuts.push(bytes.len());
        cuts.sort_unstable();
        cuts.windows(2)
            .map(|w| bytes[w[0]..w[1]].to_vec())
            .collect()
    }

    /// Checks what every delivered command promises.
    fn check_command(c: &RawCommand) {
        assert_eq!(
            c.text.matches(LITERAL_PLACEHOLDER).count(),
            c.literals.len()
        );
        for (i, _) in c.text.match_indices(LITERAL_PLACEHOLDER) {
            assert!(c.text[..i].ends_with("}\r\n"), "{c:?}");
        }
        let line_octets = c.text.len() - c.literals.len() * 3;
        assert!(c.raw_len >= c.literals.iter().map(|l| l.len() as u64).sum::<u64>());
        assert!(line_octets as u64 <= c.raw_len * 3, "{c:?}");
        if c.invalid.is_none() {
            assert!(!c.text.contains(char::REPLACEMENT_CHARACTER));
        }
    }

    /// (1) no panic, (2) the events do not depend on the chunking, (3) the buffer bound
    /// holds after every drain (asserted in `drive`).
    #[quickcheck]
    fn chunking_does_not_matter(stream: Stream, cuts: Vec<usize>, limits: Limits, reject: bool) {
        let bytes = &stream.0;
        let new = || Framer::new(limits.0.clone());
        let whole = drive(&mut new(), [&bytes[..]], reject);
        let chunks = split(bytes, &cuts);
        let chunked = drive(&mut new(), chunks.iter().map(Vec::as_slice), reject);
        assert_eq!(whole, chunked);
        let single = drive(&mut new(), bytes.chunks(1), reject);
        assert_eq!(whole, single);
        for event in &whole {
            if let FrameEvent::Command(c) = event {
                check_command(c);
            }
        }
    }

    /// The same, for arbitrary octets rather than IMAP-flavoured ones.
    #[quickcheck]
    fn arbitrary_bytes_do_not_matter(bytes: Vec<u8>, cuts: Vec<usize>, limits: Limits) {
        let new = || Framer::new(limits.0.clone());
        let whole = drive(&mut new(), [&bytes[..]], true);
        let chunks = split(&bytes, &cuts);
        assert_eq!(
            whole,
            drive(&mut new(), chunks.iter().map(Vec::as_slice), true)
        );
    }

    /// (4) The octets of a drained literal are never read as commands, whether it was
    /// refused for its size, under LITERAL-, or because its line was too long.
    #[quickcheck]
    fn drained_literal_is_never_a_command(extra: u16, cuts: Vec<usize>, case: u8) -> bool {
        let limits = FrameLimits {
            max_line: 64,
            max_literal: 100,
            max_command: 10_000,
            literal_minus: case % 3 == 1,
            ..FrameLimits::default()
        };
        let size = match case % 3 {
            0 => 101 + usize::from(extra % 1000),
            1 => 4097 + usize::from(extra % 1000),
            _ => usize::from(extra % 200),
        };
        let pad = if case % 3 == 2 {
            "P".repeat(70)
        } else {
            String::new()
        };
        let body: Vec<u8> = b"x LOGOUT\r\n".iter().copied().cycle().take(size).collect();
        let mut input = b"p NOOP\r\n".to_vec();
        input.extend_from_slice(format!("a APPEND box {pad}{{{size}+}}\r\n").as_bytes());
        input.extend_from_slice(&body);
        input.extend_from_slice(b" {11+}\r\ny LOGOUT\r\n\r\nb NOOP\r\n");
        let chunks = split(&input, &cuts);
        let events = drive(
            &mut Framer::new(limits),
            chunks.iter().map(Vec::as_slice),
            false,
        );
        let refused = matches!(
            events[1],
            FrameEvent::LiteralTooLarge {
                synchronizing: false,
                ..
            } | FrameEvent::LineTooLong { .. }
        );
        refused && texts(&events) == ["p NOOP", "b NOOP"] && events.len() == 3
    }
}
