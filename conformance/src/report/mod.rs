//! Presenting results: console lines, JUnit XML, a TSV results file, the docs table.

pub mod console;
pub mod junit;
pub mod results;
pub mod table;

use std::time::Duration;

use crate::runner::Outcome;

/// The verdict on one scenario once expected failures are taken into account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed, not expected to.
    Fail,
    /// Not applicable to this target.
    Skip,
    /// Failed and listed as an expected failure.
    XFail,
    /// Passed although listed as an expected failure: an error.
    XPass,
}

impl Status {
    /// The word printed for it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
            Status::XFail => "XFAIL",
            Status::XPass => "XPASS",
        }
    }

    /// Parses [`Status::word`].
    pub fn from_word(w: &str) -> Option<Status> {
        Some(match w {
            "PASS" => Status::Pass,
            "FAIL" => Status::Fail,
            "SKIP" => Status::Skip,
            "XFAIL" => Status::XFail,
            "XPASS" => Status::XPass,
            _ => return None,
        })
    }

    /// Combines an outcome with whether the scenario is listed as an expected failure.
    pub fn of(outcome: &Outcome, listed: bool) -> Status {
        match (outcome, listed) {
            (Outcome::Pass, false) => Status::Pass,
            (Outcome::Pass, true) => Status::XPass,
            (Outcome::Fail(_), false) => Status::Fail,
            (Outcome::Fail(_), true) => Status::XFail,
            (Outcome::Skip(_), _) => Status::Skip,
        }
    }
}

/// Everything known about one scenario's run.
#[derive(Clone, Debug)]
pub struct Record {
    /// Scenario name.
    pub name: String,
    /// `# rfc:` reference.
    pub rfc: String,
    /// `# title:`.
    pub title: String,
    /// Verdict.
    pub status: Status,
    /// Raw outcome, with failure details.
    pub outcome: Outcome,
    /// Wall time.
    pub duration: Duration,
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// PASS.
    pub passed: usize,
    /// FAIL + XPASS: the unexpected results.
    pub failed: usize,
    /// SKIP.
    pub skipped: usize,
    /// XFAIL.
    pub xfailed: usize,
}

impl Totals {
    /// Counts records.
    pub fn of(records: &[Record]) -> Totals {
        let mut t = Totals::default();
        for r in records {
            match r.status {
                Status::Pass => t.passed += 1,
                Status::Fail | Status::XPass => t.failed += 1,
                Status::Skip => t.skipped += 1,
                Status::XFail => t.xfailed += 1,
            }
        }
        t
    }
}
