//! The whole run: load and filter scenarios, run them (in parallel if asked), in order.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crate::glob::selects;
use crate::report::{Record, Status};
use crate::runner::target::Target;
use crate::runner::{run_scenario, Failure, Options, Outcome};
use crate::scenario::{discover, parse, Scenario};

/// A scenario file and what parsing it gave.
pub struct Loaded {
    /// Scenario name.
    pub name: String,
    /// File path.
    pub path: PathBuf,
    /// The scenario, or the parse error.
    pub scenario: Result<Scenario, String>,
}

/// All scenario names under `dir` (for checking the expected-failures list).
pub fn all_names(dir: &Path) -> Result<Vec<String>, String> {
    Ok(discover(dir)?.into_iter().map(|(n, _)| n).collect())
}

/// Loads the scenarios under `dir` selected by `only` (all if empty).
pub fn load(dir: &Path, fixtures: &Path, only: &[String]) -> Result<Vec<Loaded>, String> {
    let mut out = Vec::new();
    for (name, path) in discover(dir)? {
        if !only.is_empty() && !only.iter().any(|p| selects(p, &name)) {
            continue;
        }
        let scenario = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|text| parse(&name, &path, &text, fixtures));
        out.push(Loaded {
            name,
            path,
            scenario,
        });
    }
    Ok(out)
}

fn run_one(l: &Loaded, target: &Target, opts: &Options, expected: &BTreeSet<String>) -> Record {
    let start = Instant::now();
    let (rfc, title, outcome, listed) = match &l.scenario {
        Ok(s) => (
            s.rfc.clone(),
            s.title.clone(),
            run_scenario(s, target, opts),
            expected.contains(&l.name),
        ),
        Err(e) => (
            String::from("scenario error"),
            l.name.clone(),
            Outcome::Fail(Box::new(Failure {
                location: l.path.display().to_string(),
                expected: "a valid scenario file".into(),
                got: e.clone(),
                ..Failure::default()
            })),
            false, // a broken scenario is never an expected failure
        ),
    };
    Record {
        name: l.name.clone(),
        rfc,
        title,
        status: Status::of(&outcome, listed),
        outcome,
        duration: start.elapsed(),
    }
}

/// Runs `scenarios` with `jobs` workers; `on_record` sees each result in scenario order.
pub fn run_all(
    scenarios: &[Loaded],
    target: &Target,
    opts: &Options,
    jobs: usize,
    expected: &BTreeSet<String>,
    mut on_record: impl FnMut(&Record),
) -> Vec<Record> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    let mut slots: Vec<Option<Record>> = vec![None; scenarios.len()];
    let mut printed = 0;
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, scenarios.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= scenarios.len() {
                    return;
                }
                let rec = run_one(&scenarios[i], target, opts, expected);
                if tx.send((i, rec)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        for (i, rec) in rx {
            slots[i] = Some(rec);
            while let Some(Some(rec)) = slots.get(printed) {
                on_record(rec);
                printed += 1;
            }
        }
    });
    slots.into_iter().flatten().collect()
}
