//! Running one scenario against a target: fresh Maildir, fixtures, steps, teardown.

pub mod connect;
pub mod session;
pub mod setup;
pub mod target;
pub mod transcript;
pub mod wipe;

use std::path::PathBuf;
use std::time::Duration;

use crate::scenario::Scenario;
use crate::transport::Connection;
use session::Session;
use target::{Target, TempMaildir};

/// Runner-wide settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// Default per-step timeout.
    pub timeout: Duration,
    /// How long optional lines are waited for when nothing else is expected next.
    pub settle: Duration,
    /// Keep temporary Maildirs (for debugging).
    pub keep: bool,
    /// Where temporary Maildirs are made.
    pub tmp_base: PathBuf,
}

/// What went wrong in one step.
#[derive(Clone, Debug, Default)]
pub struct StepError {
    /// What the scenario expected.
    pub expected: String,
    /// What happened instead.
    pub got: String,
    /// The server's stderr, when it is relevant.
    pub stderr: String,
}

impl StepError {
    /// A new error.
    pub fn new(expected: impl Into<String>, got: impl Into<String>) -> StepError {
        StepError {
            expected: expected.into(),
            got: got.into(),
            stderr: String::new(),
        }
    }

    /// Attaches the stderr of a connection.
    pub fn with_stderr(mut self, conn: &Connection) -> StepError {
        self.stderr = conn.stderr_tail();
        self
    }
}

/// A failed scenario, with everything needed to see why.
#[derive(Clone, Debug, Default)]
pub struct Failure {
    /// `path:line` of the failing step (or `setup`).
    pub location: String,
    /// The step as written.
    pub step: String,
    /// What was expected.
    pub expected: String,
    /// What came.
    pub got: String,
    /// Traffic so far.
    pub transcript: Vec<String>,
    /// Responses received but not consumed by any step.
    pub unconsumed: Vec<String>,
    /// The tail of the servers' stderr.
    pub stderr: String,
}

/// The result of one scenario.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Every step held.
    Pass,
    /// A step failed.
    Fail(Box<Failure>),
    /// Not applicable to this target (missing capability, no delivery).
    Skip(String),
}

/// Runs `s` against `target`.
pub fn run_scenario(s: &Scenario, target: &Target, opts: &Options) -> Outcome {
    if s.delivers() && !target.can_deliver() {
        return Outcome::Skip("'deliver' needs a --stdio target or --deliver-cmd".into());
    }
    let maildir = if target.is_stdio() {
        match TempMaildir::create(&opts.tmp_base, opts.keep) {
            Ok(m) => Some(m),
            Err(e) => {
                return Outcome::Fail(Box::new(Failure {
                    location: "setup".into(),
                    expected: "a temporary Maildir".into(),
                    got: e.to_string(),
                    ..Failure::default()
                }))
            }
        }
    } else {
        None
    };
    let timeout = s.timeout.map_or(opts.timeout, Duration::from_millis);
    let settle = s.settle.map_or(opts.settle, Duration::from_millis);
    let mut session = Session::new(target, maildir.as_ref().map(|m| m.path()), timeout, settle);
    let mut outcome = play(&mut session, s);
    session.close_all();
    if !target.is_stdio() {
        if let Err(e) = wipe::wipe(target, timeout) {
            if matches!(outcome, Outcome::Pass) {
                outcome = Outcome::Fail(Box::new(Failure {
                    location: "cleanup".into(),
                    expected: e.expected,
                    got: e.got,
                    ..Failure::default()
                }));
            }
        }
    }
    if opts.keep {
        if let Some(m) = &maildir {
            eprintln!("kept {} for {}", m.path().display(), s.name);
        }
    }
    outcome
}

fn play(session: &mut Session, s: &Scenario) -> Outcome {
    match setup::prepare(session, s) {
        Ok(Some(reason)) => return Outcome::Skip(reason),
        Ok(None) => {}
        Err(e) => {
            return fail(
                session,
                "setup (capabilities and fixtures)".into(),
                String::new(),
                e,
            )
        }
    }
    for step in &s.steps {
        if let Err(e) = session.run_step(step) {
            let location = format!("{}:{}", s.path.display(), step.line);
            return fail(session, location, step.source.clone(), e);
        }
    }
    Outcome::Pass
}

fn fail(session: &mut Session, location: String, step: String, e: StepError) -> Outcome {
    let (unconsumed, stderr) = session.leftovers();
    Outcome::Fail(Box::new(Failure {
        location,
        step,
        expected: e.expected,
        got: e.got,
        transcript: session.transcript().lines().to_vec(),
        unconsumed,
        stderr: if e.stderr.is_empty() {
            stderr
        } else {
            e.stderr
        },
    }))
}
