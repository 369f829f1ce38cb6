//! Command-line arguments.

use std::path::PathBuf;

use crate::runner::target::{Login, Target, Tls, Transport};

/// Usage text.
pub const USAGE: &str = "\
usage: imap-conformance (--stdio 'COMMAND {maildir}' | --connect HOST:PORT --user U --pass P
                         [--starttls | --tls] [--deliver-cmd 'CMD {mailbox}'] [--wipe-account])
                        [--only GLOB]... [--timeout MS] [--settle MS] [--jobs N]
                        [--expected-failures FILE] [--junit FILE] [--results FILE]
                        [--scenarios DIR] [--fixtures DIR] [--keep] [--verbose]
       imap-conformance --list [--only GLOB]... [--scenarios DIR]
       imap-conformance report --column TITLE=RESULTS.tsv... [--update FILE]

Runs the IMAP conformance scenarios against a server and prints PASS/FAIL/SKIP per scenario.
  --stdio CMD        one process per connection: `sh -c CMD` in a fresh Maildir, {maildir}
                     replaced by its absolute path; must greet with PREAUTH (or use --user)
  --connect H:P      network server; LOGIN with --user/--pass. The account must be a
                     dedicated, empty test account: every mailbox is deleted after each scenario
  --starttls, --tls  TLS via `openssl s_client` (no certificate verification)
  --deliver-cmd CMD  network targets: deliver a message (on stdin) to {mailbox}
  --wipe-account     empty a non-empty network account first instead of refusing to run
  --only GLOB        scenario names to run (`*` one segment, `**` any); a plain name selects
                     that scenario or everything under it; repeatable
  --timeout MS       default per-step timeout (5000)
  --settle MS        how long optional lines are awaited when nothing else is expected (300)
  --jobs N           scenarios run in parallel on stdio targets (1)
  --expected-failures FILE  listed scenarios may fail (XFAIL) but must not pass (XPASS)
  --junit FILE, --results FILE  JUnit XML / TSV (name, status, rfc) reports
  --keep             keep temporary Maildirs; --verbose: details for XFAIL too
Exit status: 0 iff no scenario failed unexpectedly (FAIL or XPASS); 2 on usage errors.";

/// A `run` invocation.
#[derive(Clone, Debug)]
pub struct RunArgs {
    /// The server, unless only listing.
    pub target: Option<Target>,
    /// Where scenarios live.
    pub scenarios: PathBuf,
    /// Where `file:` fixtures live.
    pub fixtures: PathBuf,
    /// `--only` patterns.
    pub only: Vec<String>,
    /// `--list`.
    pub list: bool,
    /// `--timeout` ms.
    pub timeout: u64,
    /// `--settle` ms.
    pub settle: u64,
    /// `--jobs`.
    pub jobs: usize,
    /// `--expected-failures`.
    pub expected_failures: Option<PathBuf>,
    /// `--junit`.
    pub junit: Option<PathBuf>,
    /// `--results`.
    pub results: Option<PathBuf>,
    /// `--keep`.
    pub keep: bool,
    /// `--verbose`.
    pub verbose: bool,
    /// `--wipe-account`.
    pub wipe_account: bool,
}

/// A `report` invocation.
#[derive(Clone, Debug)]
pub struct ReportArgs {
    /// `TITLE=FILE` pairs, in column order.
    pub columns: Vec<(String, PathBuf)>,
    /// File whose marked section is replaced; stdout if none.
    pub update: Option<PathBuf>,
}

/// What to do.
#[derive(Clone, Debug)]
pub enum Invocation {
    /// Run (or list) scenarios.
    Run(Box<RunArgs>),
    /// Build the docs table from results files.
    Report(ReportArgs),
    /// Print usage.
    Help,
}

/// The default scenarios directory: `conformance/scenarios` under the working directory,
/// else the one next to this crate's manifest.
fn default_scenarios() -> PathBuf {
    let local = PathBuf::from("conformance/scenarios");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Parses `args` (without the program name).
pub fn parse(args: &[String]) -> Result<Invocation, String> {
    let mut it = args.iter();
    let value = |flag: &str, it: &mut std::slice::Iter<String>| {
        it.next()
            .cloned()
            .ok_or_else(|| format!("{flag} needs a value"))
    };
    if args.first().map(String::as_str) == Some("report") {
        it.next();
        let mut columns = Vec::new();
        let mut update = None;
        while let Some(a) = it.next() {
            match a.as_str() {
                "--column" => {
                    let v = value(a, &mut it)?;
                    let (title, file) = v.split_once('=').ok_or("--column TITLE=FILE")?;
                    columns.push((title.to_string(), PathBuf::from(file)));
                }
                "--update" => update = Some(PathBuf::from(value(a, &mut it)?)),
                "-h" | "--help" => return Ok(Invocation::Help),
                other => return Err(format!("unknown argument: {other}")),
            }
        }
        if columns.is_empty() {
            return Err("report needs at least one --column".into());
        }
        return Ok(Invocation::Report(ReportArgs { columns, update }));
    }
    let mut stdio = None;
    let mut connect = None;
    let (mut user, mut pass, mut tls, mut deliver_cmd) = (None, None, Tls::None, None);
    let mut r = RunArgs {
        target: None,
        scenarios: PathBuf::new(),
        fixtures: PathBuf::new(),
        only: Vec::new(),
        list: false,
        timeout: 5000,
        settle: 300,
        jobs: 1,
        expected_failures: None,
        junit: None,
        results: None,
        keep: false,
        verbose: false,
        wipe_account: false,
    };
    let mut scenarios = None;
    let mut fixtures = None;
    let num = |flag: &str, v: String| {
        v.parse::<u64>()
            .map_err(|_| format!("{flag}: not a number: {v}"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--stdio" => stdio = Some(value(a, &mut it)?),
            "--connect" => connect = Some(value(a, &mut it)?),
            "--user" => user = Some(value(a, &mut it)?),
            "--pass" => pass = Some(value(a, &mut it)?),
            "--starttls" => tls = Tls::StartTls,
            "--tls" => tls = Tls::Implicit,
            "--deliver-cmd" => deliver_cmd = Some(value(a, &mut it)?),
            "--wipe-account" => r.wipe_account = true,
            "--only" => r.only.push(value(a, &mut it)?),
            "--list" => r.list = true,
            "--timeout" => r.timeout = num(a, value(a, &mut it)?)?,
            "--settle" => r.settle = num(a, value(a, &mut it)?)?,
            "--jobs" => r.jobs = num(a, value(a, &mut it)?)?.max(1) as usize,
            "--expected-failures" => r.expected_failures = Some(value(a, &mut it)?.into()),
            "--junit" => r.junit = Some(value(a, &mut it)?.into()),
            "--results" => r.results = Some(value(a, &mut it)?.into()),
            "--scenarios" => scenarios = Some(PathBuf::from(value(a, &mut it)?)),
            "--fixtures" => fixtures = Some(PathBuf::from(value(a, &mut it)?)),
            "--keep" => r.keep = true,
            "--verbose" | "-v" => r.verbose = true,
            "-h" | "--help" => return Ok(Invocation::Help),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    r.scenarios = scenarios.unwrap_or_else(default_scenarios);
    r.fixtures = fixtures.unwrap_or_else(|| r.scenarios.join("../fixtures"));
    let login = match (user, pass) {
        (Some(user), Some(pass)) => Some(Login { user, pass }),
        (None, None) => None,
        _ => return Err("--user and --pass go together".into()),
    };
    let transport = match (stdio, connect) {
        (Some(command), None) => Some(Transport::Stdio { command }),
        (None, Some(addr)) => {
            if login.is_none() {
                return Err("--connect needs --user and --pass".into());
            }
            Some(Transport::Net { addr, tls })
        }
        (None, None) if r.list => None,
        (None, None) => {
            return Err("give --stdio COMMAND or --connect HOST:PORT (or --list)".into())
        }
        (Some(_), Some(_)) => return Err("--stdio and --connect exclude each other".into()),
    };
    if tls != Tls::None && !matches!(transport, Some(Transport::Net { .. })) {
        return Err("--starttls/--tls apply to --connect only".into());
    }
    r.target = transport.map(|transport| Target {
        transport,
        login,
        deliver_cmd,
    });
    Ok(Invocation::Run(Box::new(r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn stdio_run() {
        let Invocation::Run(r) = parse(&args(&[
            "--stdio",
            "x {maildir}",
            "--only",
            "a",
            "--jobs",
            "2",
        ]))
        .unwrap() else {
            panic!()
        };
        assert!(matches!(
            r.target.unwrap().transport,
            Transport::Stdio { .. }
        ));
        assert_eq!(r.only, vec!["a"]);
        assert_eq!(r.jobs, 2);
    }

    #[test]
    fn errors() {
        assert!(parse(&args(&[])).is_err());
        assert!(parse(&args(&["--connect", "h:1"])).is_err());
        assert!(parse(&args(&["--stdio", "x", "--tls"])).is_err());
        assert!(parse(&args(&["--bogus"])).is_err());
        assert!(parse(&args(&["--list"])).is_ok());
    }

    #[test]
    fn report() {
        let Invocation::Report(r) = parse(&args(&["report", "--column", "imapd=a.tsv"])).unwrap()
        else {
            panic!()
        };
        assert_eq!(r.columns[0].0, "imapd");
    }
}
