//! Random interleavings of up to 4 sessions and outside events, checked step by step
//! against the reference model (style principle 9). Shrunk failures go to regression.rs.
//!
//! `MODEL_STRICT=all` (or a comma list of `Bug` names) drops the tolerance for known bugs; `MODEL_TESTS=n` sets the run count.

mod model;

use model::ops::Op;
use model::reference::Bug;
use model::world::run;
use quickcheck::{QuickCheck, TestResult};

/// Known core bugs tolerated here so the property keeps hunting new ones; each has an
/// ignored test in tests/regression.rs. Empty this list once they are fixed.
const KNOWN: &[Bug] = &[];

/// The tolerated bugs, minus those named in `MODEL_STRICT` (`all`, or `Debug` names).
fn known() -> Vec<Bug> {
    let strict = std::env::var("MODEL_STRICT").unwrap_or_default();
    KNOWN
        .iter()
        .copied()
        .filter(|b| !(strict == "all" || strict.split(',').any(|s| s == format!("{b:?}"))))
        .collect()
}

fn prop(ops: Vec<Op>) -> TestResult {
    match run(model::gen::SESSIONS, &ops, &known()) {
        Ok(_) => TestResult::passed(),
        Err(e) => TestResult::error(e),
    }
}

fn tests() -> u64 {
    std::env::var("MODEL_TESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

/// 2000 random runs of up to 100 ops each (quickcheck's default size).
#[test]
fn sessions_match_the_reference_model() {
    QuickCheck::new()
        .tests(tests())
        .max_tests(tests() * 10)
        .quickcheck(prop as fn(Vec<Op>) -> TestResult);
}

/// The generator reaches the interesting states: selected sessions, EXPUNGEs announced,
/// idlers pushed, and every tolerated bug actually occurs (or the list is stale).
#[test]
fn generator_reaches_interesting_states() {
    let mut g = quickcheck::Gen::new(100);
    let (mut expunges, mut pushes, mut tolerated) = (0, 0, std::collections::BTreeSet::new());
    for _ in 0..600 {
        let ops: Vec<Op> = quickcheck::Arbitrary::arbitrary(&mut g);
        let w = run(model::gen::SESSIONS, &ops, KNOWN).expect("passes with tolerance");
        expunges += w.log.iter().filter(|l| l.ends_with(" EXPUNGE")).count();
        pushes += w
            .log
            .iter()
            .filter(|l| l.ends_with("(store changed)"))
            .count();
        tolerated.extend(w.tolerated);
    }
    // Observed over 600 runs: ~2000+ EXPUNGEs and 60–90 pushes; the bounds leave a wide
    // margin so the check stays deterministic in practice while still catching a generator
    // that stops reaching these states.
    assert!(expunges > 300, "{expunges} EXPUNGE responses");
    assert!(pushes > 20, "{pushes} IDLE pushes");
    println!("EXPUNGE responses {expunges}, IDLE pushes {pushes}, tolerated {tolerated:?}");
}
