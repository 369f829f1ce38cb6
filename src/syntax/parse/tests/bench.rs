//! Where the time goes (run by hand in release; see tests/parse_throughput.rs).

use super::super::grammar::{ImapParser, Rule};
use super::super::parse_command;
use pest::Parser;
use std::time::Instant;

const TYPICAL: &str = "a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])";

/// The best of five rounds of `n` calls (the machine is shared: the minimum is the signal).
fn time(label: &str, n: u32, mut f: impl FnMut()) {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e9 / f64::from(n));
    }
    println!("{best:>8.0} ns  {label}");
}

/// For `perf stat -e instructions:u`: one scenario, `BENCH_N` times (noise-free when the
/// machine is busy). `BENCH=pest|full|noop`.
#[test]
#[ignore = "a measurement, run by hand in release"]
fn one_scenario() {
    let n: u32 = std::env::var("BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let which = std::env::var("BENCH").unwrap_or_default();
    for _ in 0..n {
        match which.as_str() {
            "pest" => {
                std::hint::black_box(
                    ImapParser::parse(Rule::command, std::hint::black_box(TYPICAL)).is_ok(),
                );
            }
            "full" => {
                std::hint::black_box(
                    parse_command(std::hint::black_box(TYPICAL), Vec::new()).is_ok(),
                );
            }
            "noop" => {
                std::hint::black_box(
                    parse_command(std::hint::black_box("a NOOP"), Vec::new()).is_ok(),
                );
            }
            _ => {}
        }
    }
}

#[test]
#[ignore = "a measurement, run by hand in release"]
fn split_of_the_time() {
    let n = 200_000;
    time("pest only", n, || {
        let p = ImapParser::parse(Rule::command, std::hint::black_box(TYPICAL));
        std::hint::black_box(p.is_ok());
    });
    time("pest + walk all pairs", n, || {
        let p = ImapParser::parse(Rule::command, std::hint::black_box(TYPICAL)).unwrap();
        std::hint::black_box(p.flatten().count());
    });
    time("full parse", n, || {
        std::hint::black_box(parse_command(std::hint::black_box(TYPICAL), Vec::new()).is_ok());
    });
    time("pest NOOP", n, || {
        std::hint::black_box(
            ImapParser::parse(Rule::command, std::hint::black_box("a NOOP")).is_ok(),
        );
    });
    let pairs = ImapParser::parse(Rule::command, TYPICAL).unwrap();
    println!("pairs: {}", pairs.flatten().count());
}
