//! Human-readable output: one line per scenario, details under each failure.

use std::fmt::Write;

use super::{Record, Status, Totals};
use crate::runner::{Failure, Outcome};

/// The result line, e.g. `PASS  rfc3501/6.1.2-noop/basic  (RFC 3501 §6.1.2)`, plus details
/// for failures (and for expected failures when `verbose`).
pub fn record(r: &Record, verbose: bool, xfail_file: Option<&str>) -> String {
    let mut out = format!("{:<5} {}  ({})", r.status.word(), r.name, r.rfc);
    match (&r.outcome, r.status) {
        (Outcome::Skip(reason), _) => {
            let _ = write!(out, " - {reason}");
        }
        (_, Status::XPass) => {
            let _ = write!(
                out,
                " - unexpectedly passed - remove it from {}",
                xfail_file.unwrap_or("the expected-failures list")
            );
        }
        (Outcome::Fail(f), Status::Fail) => out.push_str(&details(f)),
        (Outcome::Fail(f), Status::XFail) if verbose => out.push_str(&details(f)),
        _ => {}
    }
    out
}

fn section(out: &mut String, title: &str, body: &str) {
    if body.trim().is_empty() {
        return;
    }
    let _ = writeln!(out, "    {title}:");
    for line in body.lines() {
        let _ = writeln!(out, "      {line}");
    }
}

/// The failure details: where, step, expected, got, transcript, leftovers, stderr.
pub fn details(f: &Failure) -> String {
    let mut out = String::from("\n");
    let _ = writeln!(out, "    at {}", f.location);
    section(&mut out, "step", &f.step);
    section(&mut out, "expected", &f.expected);
    section(&mut out, "got", &f.got);
    section(&mut out, "transcript", &f.transcript.join("\n"));
    section(
        &mut out,
        "received but not consumed",
        &f.unconsumed.join("\n"),
    );
    let stderr: Vec<&str> = f.stderr.lines().collect();
    let tail = &stderr[stderr.len().saturating_sub(20)..];
    section(&mut out, "server stderr (last lines)", &tail.join("\n"));
    out.trim_end().to_string()
}

/// The closing lines: expected failures if any, then `N passed, M failed, K skipped`.
pub fn summary(t: &Totals) -> String {
    let mut out = String::new();
    if t.xfailed > 0 {
        let _ = writeln!(out, "{} expected failures (XFAIL)", t.xfailed);
    }
    let _ = write!(
        out,
        "{} passed, {} failed, {} skipped",
        t.passed, t.failed, t.skipped
    );
    out
}
