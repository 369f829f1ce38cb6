//! The core's model check over the real Maildir store (issue 5): each session holds its own
//! `MaildirStore` handle on one Maildir in a temporary directory, as separate processes
//! would, and "another process" delivers into new/, changes flags and expunges through a
//! handle of its own. Every step is checked against the same reference model and invariants
//! as the in-memory runs (tests/model_quickcheck.rs).

mod model;

use model::ops::Op;
use model::world::{run_in, World};
use quickcheck::{QuickCheck, TestResult};

fn prop(ops: Vec<Op>) -> TestResult {
    match run_in(World::maildir(model::gen::SESSIONS, &[]), &ops) {
        Ok(_) => TestResult::passed(),
        Err(e) => TestResult::error(e),
    }
}

/// Disk I/O with fsync makes a run much slower than in memory: fewer runs by default
/// (`MODEL_MAILDIR_TESTS` raises it).
fn tests() -> u64 {
    std::env::var("MODEL_MAILDIR_TESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

#[test]
fn maildir_sessions_match_the_reference_model() {
    QuickCheck::new()
        .tests(tests())
        .max_tests(tests() * 10)
        .quickcheck(prop as fn(Vec<Op>) -> TestResult);
}
