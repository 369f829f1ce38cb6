//! Parser throughput, measured by hand in a release build (debug numbers mean nothing):
//!
//! ```text
//! cargo test --release --test parse_throughput -- --ignored --nocapture
//! ```

use imapd::syntax::parse::parse_command;
use std::time::Instant;

const COMMANDS: [&str; 5] = [
    "a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])",
    "a5 UID FETCH 4827313:4828442 (UID FLAGS)",
    "a6 UID STORE 1,3:5 +FLAGS.SILENT (\\Seen)",
    "a7 UID SEARCH UNDELETED SINCE 1-Feb-1994 OR FROM \"alice\" SUBJECT \"report\"",
    "a8 NOOP",
];

#[test]
#[ignore = "a measurement, run by hand in release"]
fn commands_per_second() {
    for text in COMMANDS {
        let n = 1_000_000u32;
        let start = Instant::now();
        for _ in 0..n {
            let cmd = parse_command(std::hint::black_box(text), Vec::new());
            std::hint::black_box(cmd.is_ok());
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{:>10.0} commands/s  {:>6.0} ns  {text}",
            f64::from(n) / secs,
            secs * 1e9 / f64::from(n)
        );
    }
}
