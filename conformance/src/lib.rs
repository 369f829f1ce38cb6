//! `imap-conformance`: a scripted, multi-client IMAP conformance runner.
//!
//! It talks to any IMAP server (a spawned stdio command or a TCP endpoint), plays scenario
//! files written as RFC-style transcripts, and matches what comes back with its own
//! literal-aware reader and pattern matcher. It deliberately shares no code with the `imapd`
//! crate, so it can serve as an independent oracle. See `docs/conformance.md`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cli;
pub mod expected;
pub mod glob;
pub mod pattern;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod suite;
pub mod transport;
pub mod wire;
