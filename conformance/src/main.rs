//! `imap-conformance`: run the IMAP conformance scenarios against a server.
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::time::Duration;

use imap_conformance::cli::{self, Invocation, ReportArgs, RunArgs, USAGE};
use imap_conformance::report::{console, junit, results, table, Totals};
use imap_conformance::runner::{target::Transport, wipe, Options};
use imap_conformance::{expected, suite};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match cli::parse(&args) {
        Ok(Invocation::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Report(r)) => report(&r),
        Ok(Invocation::Run(r)) => run(&r),
        Err(e) => Err(format!("{e}\n\n{USAGE}")),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("imap-conformance: {e}");
            ExitCode::from(2)
        }
    }
}

fn report(r: &ReportArgs) -> Result<bool, String> {
    let mut columns = Vec::new();
    for (title, path) in &r.columns {
        columns.push((title.clone(), results::read(path)?));
    }
    let rendered = table::render(&columns);
    match &r.update {
        None => print!("{rendered}"),
        Some(path) => {
            let doc =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let new =
                table::splice(&doc, &rendered).map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::write(path, new).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(true)
}

fn run(r: &RunArgs) -> Result<bool, String> {
    let scenarios = suite::load(&r.scenarios, &r.fixtures, &r.only)?;
    if scenarios.is_empty() {
        return Err(format!("no scenario in {} matches", r.scenarios.display()));
    }
    if r.list {
        for l in &scenarios {
            match &l.scenario {
                Ok(s) => println!("{}  ({})  {}", l.name, s.rfc, s.title),
                Err(e) => println!("{}  (scenario error: {e})", l.name),
            }
        }
        return Ok(true);
    }
    let target = r
        .target
        .as_ref()
        .expect("cli requires a target unless --list");
    let xfail_file = r
        .expected_failures
        .as_ref()
        .map(|p| p.display().to_string());
    let listed = match &r.expected_failures {
        Some(p) => expected::load(p)?,
        None => BTreeSet::new(),
    };
    let known = suite::all_names(&r.scenarios)?;
    for name in listed.iter().filter(|n| !known.contains(n)) {
        eprintln!("warning: expected-failures lists unknown scenario {name}");
    }
    let opts = Options {
        timeout: Duration::from_millis(r.timeout),
        settle: Duration::from_millis(r.settle),
        keep: r.keep,
        tmp_base: std::env::temp_dir(),
    };
    let mut jobs = r.jobs;
    if let Transport::Net { .. } = target.transport {
        jobs = 1; // one shared account
        let (mailboxes, messages) = wipe::inventory(target, opts.timeout)
            .map_err(|e| format!("{}: {}", e.expected, e.got))?;
        if !mailboxes.is_empty() || messages > 0 {
            if !r.wipe_account {
                return Err(format!(
                    "the test account is not empty ({} mailboxes besides INBOX, {messages} messages in INBOX); \
                     use a dedicated test account, or pass --wipe-account to empty it",
                    mailboxes.len()
                ));
            }
            wipe::wipe(target, opts.timeout)
                .map_err(|e| format!("wipe: {}: {}", e.expected, e.got))?;
        }
    }
    let records = suite::run_all(&scenarios, target, &opts, jobs, &listed, |rec| {
        println!("{}", console::record(rec, r.verbose, xfail_file.as_deref()));
    });
    let totals = Totals::of(&records);
    if let Some(p) = &r.junit {
        junit::write(p, &records).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    if let Some(p) = &r.results {
        results::write(p, &records).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    println!("{}", console::summary(&totals));
    Ok(totals.failed == 0)
}
