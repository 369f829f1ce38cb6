//! `--junit FILE`: JUnit XML, one testcase per scenario.

use std::fmt::Write;
use std::path::Path;

use super::{console, Record, Status, Totals};
use crate::runner::Outcome;

/// Writes the JUnit XML report.
pub fn write(path: &Path, records: &[Record]) -> std::io::Result<()> {
    std::fs::write(path, render(records))
}

/// Renders the JUnit XML report.
pub fn render(records: &[Record]) -> String {
    let t = Totals::of(records);
    let time: f64 = records.iter().map(|r| r.duration.as_secs_f64()).sum();
    let tests = records.len();
    let failures = t.failed;
    let skipped = t.skipped + t.xfailed;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"imap-conformance\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"imap-conformance\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">"
    );
    for r in records {
        let (class, name) = r
            .name
            .rsplit_once('/')
            .unwrap_or(("imap-conformance", &r.name));
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            esc(&class.replace('/', ".")),
            esc(name),
            r.duration.as_secs_f64()
        );
        let body = match (&r.outcome, r.status) {
            (Outcome::Fail(f), Status::Fail) => format!(
                "<failure message=\"{}\">{}</failure>",
                esc(&format!("{} ({})", f.location, r.rfc)),
                esc(&console::details(f))
            ),
            (Outcome::Fail(_), Status::XFail) => "<skipped message=\"expected failure\"/>".to_string(),
            (_, Status::XPass) => {
                "<failure message=\"unexpectedly passed: remove it from the expected-failures list\"/>".to_string()
            }
            (Outcome::Skip(reason), _) => format!("<skipped message=\"{}\"/>", esc(reason)),
            _ => String::new(),
        };
        if body.is_empty() {
            out.push_str("/>\n");
        } else {
            let _ = writeln!(out, ">{body}</testcase>");
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// XML text/attribute escaping; control characters other than TAB/LF/CR dropped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn renders_pass_skip_and_fail() {
        let rec = |name: &str, status, outcome| Record {
            name: name.into(),
            rfc: "RFC 3501 §6".into(),
            title: String::new(),
            status,
            outcome,
            duration: Duration::from_millis(5),
        };
        let xml = render(&[
            rec("a/b", Status::Pass, Outcome::Pass),
            rec("a/c", Status::Skip, Outcome::Skip("lacks <IDLE>".into())),
            rec("d", Status::Fail, Outcome::Fail(Box::default())),
        ]);
        assert!(xml.contains("tests=\"3\" failures=\"1\" skipped=\"1\""));
        assert!(xml.contains("<testcase classname=\"a\" name=\"b\" time=\"0.005\"/>"));
        assert!(xml.contains("lacks &lt;IDLE&gt;"));
        assert!(xml.contains("<failure message="));
    }
}
