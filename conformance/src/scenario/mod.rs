//! Scenarios: `.imap` transcript files compiled into steps the runner executes.
//!
//! The language is documented, with examples, in `docs/conformance.md`.

pub mod discover;
pub mod lines;
pub mod literal;
pub mod message;
pub mod parse;

use std::path::PathBuf;

use crate::pattern::Pattern;

pub use discover::discover;
pub use parse::parse;

/// The client a line without a client name belongs to.
pub const DEFAULT_CLIENT: &str = "A";

/// A parsed scenario file.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Path under the scenarios directory without `.imap`, e.g. `rfc3501/6.4.5-fetch/flags`.
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    /// `# title:` (defaults to the name).
    pub title: String,
    /// `# rfc:`, e.g. `RFC 3501 §6.4.5`.
    pub rfc: String,
    /// `# requires:` capabilities; the scenario is skipped when the server lacks one.
    pub requires: Vec<String>,
    /// `# timeout:` default per-step timeout in ms for this scenario.
    pub timeout: Option<u64>,
    /// `# settle:` how long optional lines are waited for when nothing else is expected.
    pub settle: Option<u64>,
    /// Mailboxes and messages loaded through CREATE/APPEND before the first step.
    pub fixtures: Vec<Fixture>,
    /// What to do, in order.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Whether any step drops a message into the Maildir out of band.
    pub fn delivers(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.kind, StepKind::Deliver { .. }))
    }
}

/// Something loaded before the scenario starts (RFC 3501 §6.3.3 CREATE, §6.3.11 APPEND).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fixture {
    /// `mailbox NAME`: create it (empty).
    Mailbox(String),
    /// `fixture MAILBOX [(FLAGS)] ["DATE"] ...`: append this message (CRLF line ends).
    Message {
        /// Mailbox name as written (an atom or quoted string); created if needed.
        mailbox: String,
        /// Flag list as written, e.g. `(\Seen)`.
        flags: Option<String>,
        /// Internal date as written, with quotes, e.g. `"01-Jan-2024 10:00:00 +0000"`.
        date: Option<String>,
        /// The message, CRLF line ends.
        body: Vec<u8>,
    },
}

/// One step and where it was written.
#[derive(Clone, Debug)]
pub struct Step {
    /// 1-based line number in the scenario file.
    pub line: usize,
    /// The scenario text of the step, for reports.
    pub source: String,
    /// What it does.
    pub kind: StepKind,
}

/// The kinds of step.
#[derive(Clone, Debug)]
pub enum StepKind {
    /// `C:` lines: octets sent by a client, possibly waiting for continuations.
    Send {
        /// Client name.
        client: String,
        /// What to send, in order.
        pieces: Vec<SendPiece>,
    },
    /// One `S:`/`S?`/`S*` expectation.
    Expect {
        /// The expectation.
        expect: Expect,
        /// `within MS` given for this step.
        timeout: Option<u64>,
        /// Wait the full timeout (not just the settle time) for optional lines: a required
        /// response of the same client comes next, so a decision is guaranteed.
        linger_full: bool,
    },
    /// `any-order` ... `end`: responses of one client in any order.
    Group {
        /// Client name.
        client: String,
        /// The expectations; each `S:` once, `S?` at most once, `S*` any number of times.
        items: Vec<Expect>,
        /// `within MS` given for this step.
        timeout: Option<u64>,
        /// As for [`StepKind::Expect`].
        linger_full: bool,
    },
    /// `quiet [CLIENT] MS`: nothing arrives for MS milliseconds.
    Quiet {
        /// Client name.
        client: String,
        /// How long.
        ms: u64,
    },
    /// `closed [CLIENT]`: the server closes the connection.
    Closed {
        /// Client name.
        client: String,
        /// `within MS` given for this step.
        timeout: Option<u64>,
    },
    /// `disconnect [CLIENT]`: the client drops its connection.
    Disconnect {
        /// Client name.
        client: String,
    },
    /// `sleep MS`.
    Sleep(u64),
    /// `deliver FOLDER ...`: an MTA-style delivery into the Maildir (tmp/ then new/).
    Deliver {
        /// `INBOX` or a Maildir++ folder directory such as `.Work`.
        folder: String,
        /// The message with LF line ends, as an MTA writes it.
        message: Vec<u8>,
    },
}

/// Part of what a `Send` step transmits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendPiece {
    /// Text with `{name}` captures substituted at run time.
    Text(Vec<TemplatePart>),
    /// Octets sent as they are (literal data).
    Raw(Vec<u8>),
    /// Wait for a `+` continuation request before going on (RFC 3501 §7.5).
    AwaitContinuation,
}

/// A piece of command text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    /// Sent as is.
    Lit(Vec<u8>),
    /// Replaced by the octets captured under this name.
    Var(String),
}

/// How many responses an expectation consumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `S:` exactly one.
    One,
    /// `S?` zero or one.
    Optional,
    /// `S*` zero or more.
    Many,
}

/// An expectation on the responses of one client.
#[derive(Clone, Debug)]
pub struct Expect {
    /// Client name.
    pub client: String,
    /// `S:`, `S?` or `S*`.
    pub mode: Mode,
    /// The pattern and its `S|` alternatives; any one may match.
    pub alts: Vec<Pattern>,
    /// Line number of the first pattern.
    pub line: usize,
}

impl Expect {
    /// The expectation as written, for reports.
    pub fn describe(&self) -> String {
        let mark = match self.mode {
            Mode::One => ":",
            Mode::Optional => "?",
            Mode::Many => "*",
        };
        let mut out = Vec::new();
        for (i, p) in self.alts.iter().enumerate() {
            let m = if i == 0 { mark } else { "|" };
            for (j, l) in p.source.lines().enumerate() {
                if j == 0 {
                    out.push(format!("{} S{m} {l}", self.client));
                } else {
                    out.push(format!("    {l}"));
                }
            }
        }
        out.join("\n")
    }
}
