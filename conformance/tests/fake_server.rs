//! End-to-end: the runner binary against a tiny scripted IMAP server (a POSIX shell script),
//! proving the PASS, FAIL, SKIP, XFAIL/XPASS and timeout paths.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A fake server: PREAUTH, then canned answers keyed on the command name.
const FAKE: &str = r#"#!/bin/sh
printf '* PREAUTH fake ready\r\n'
while IFS= read -r line; do
  line=$(printf '%s' "$line" | tr -d '\r')
  tag=${line%% *}
  rest=${line#* }
  cmd=${rest%% *}
  case "$cmd" in
    NOOP) printf '%s OK NOOP done\r\n' "$tag" ;;
    CAPABILITY) printf '* CAPABILITY IMAP4rev1 FAKE\r\n%s OK done\r\n' "$tag" ;;
    SELECT) printf '* 2 EXISTS\r\n* OK [UIDVALIDITY 42] ok\r\n* 0 RECENT\r\n%s OK [READ-WRITE] done\r\n' "$tag" ;;
    ECHO) printf '* ECHO %s\r\n%s OK echoed\r\n' "${rest#* }" "$tag" ;;
    FETCH) printf '* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[] {8}\r\nhi\r\nyo\r\n)\r\n%s OK done\r\n' "$tag" ;;
    APPEND)
      n=${line##*\{}; n=${n%\}}
      printf '+ go ahead\r\n'
      dd bs=1 count="$n" of=/dev/null 2>/dev/null
      IFS= read -r end
      printf '%s OK appended %s\r\n' "$tag" "$n" ;;
    HANG) sleep 30 ;;
    LOGOUT) printf '* BYE bye\r\n%s OK bye\r\n' "$tag"; exit 0 ;;
    *) printf '%s BAD unknown\r\n' "$tag" ;;
  esac
done
"#;

struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!(
            "imap-conformance-test-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("scenarios")).unwrap();
        std::fs::create_dir_all(dir.join("fixtures")).unwrap();
        let fake = dir.join("fake-server");
        std::fs::write(&fake, FAKE).unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        Fixture { dir }
    }

    fn scenario(&self, name: &str, text: &str) -> &Fixture {
        let path = self.dir.join("scenarios").join(format!("{name}.imap"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn run(&self, extra: &[&str]) -> (Output, String) {
        let fake = self.dir.join("fake-server");
        let out = Command::new(env!("CARGO_BIN_EXE_imap-conformance"))
            .arg("--stdio")
            .arg(format!("{} {{maildir}}", fake.display()))
            .arg("--scenarios")
            .arg(self.dir.join("scenarios"))
            .args(["--timeout", "2000", "--settle", "100"])
            .args(extra)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out, text)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const HEADER: &str = "# title: t\n# rfc: RFC 3501 §6\n";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn pass_path_with_groups_captures_and_literals() {
    let f = Fixture::new("pass");
    f.scenario(
        "a/pass",
        &format!(
            "{HEADER}
C: a1 SELECT INBOX
any-order
  S: * 0 RECENT
  S: * OK [UIDVALIDITY {{uv:n}}] {{*}}
  S: * 2 EXISTS
end
S: a1 ok [read-write] {{*}}
C: a2 ECHO {{uv}}
S: * ECHO 42
S: a2 OK {{*}}
C: a3 FETCH 1 (FLAGS BODY[])
S: * 1 FETCH (FLAGS {{flags:\\Recent \\Seen}} BODY[] {{}}
| hi
| yo
> )
S: a3 OK {{*}}
C: a4 APPEND INBOX {{}}
| Subject: x
|
| body
S: a4 OK appended 20
C: a5 LOGOUT
S: * BYE {{*}}
S: a5 OK {{*}}
closed
"
        ),
    );
    let (out, text) = f.run(&[
        "--junit",
        f.path("j.xml").to_str().unwrap(),
        "--results",
        f.path("r.tsv").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("PASS  a/pass  (RFC 3501 §6)"), "{text}");
    assert!(text.contains("1 passed, 0 failed, 0 skipped"), "{text}");
    assert!(read(&f.path("j.xml")).contains("<testcase classname=\"a\" name=\"pass\""));
    assert_eq!(
        read(&f.path("r.tsv")),
        "scenario\tstatus\trfc\na/pass\tPASS\tRFC 3501 §6\n"
    );
}

#[test]
fn fail_path_shows_expected_got_and_transcript() {
    let f = Fixture::new("fail");
    f.scenario("bad", &format!("{HEADER}C: a1 NOOP\nS: a1 BAD {{*}}\n"));
    let (out, text) = f.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL  bad"), "{text}");
    assert!(
        text.contains("    expected:\n      A S: a1 BAD {*}"),
        "{text}"
    );
    assert!(
        text.contains("    got:\n      A S: a1 OK NOOP done"),
        "{text}"
    );
    assert!(text.contains("A C: a1 NOOP"), "{text}");
    assert!(text.contains("0 passed, 1 failed, 0 skipped"), "{text}");
}

#[test]
fn hung_server_fails_within_the_timeout() {
    let f = Fixture::new("hang");
    f.scenario("hang", &format!("{HEADER}C: a1 HANG\nS: a1 OK {{*}}\n"));
    let start = Instant::now();
    let (out, text) = f.run(&["--timeout", "500"]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("nothing within 500 ms"), "{text}");
}

#[test]
fn quiet_detects_unexpected_data() {
    let f = Fixture::new("quiet");
    f.scenario("q", &format!("{HEADER}C: a1 NOOP\nquiet 200\n"));
    let (out, text) = f.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("nothing from A for 200 ms"), "{text}");
}

#[test]
fn requires_skips_and_expected_failures_invert() {
    let f = Fixture::new("xfail");
    f.scenario(
        "needs-idle",
        &format!("{HEADER}# requires: IDLE\nC: a1 NOOP\nS: a1 OK {{*}}\n"),
    )
    .scenario("fails", &format!("{HEADER}C: a1 NOOP\nS: a1 NO {{*}}\n"))
    .scenario("passes", &format!("{HEADER}C: a1 NOOP\nS: a1 OK {{*}}\n"));
    let list = f.path("xfail.txt");
    std::fs::write(&list, "# known\nfails\n").unwrap();
    let (out, text) = f.run(&["--expected-failures", list.to_str().unwrap()]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("SKIP  needs-idle  (RFC 3501 §6) - server lacks IDLE"),
        "{text}"
    );
    assert!(text.contains("XFAIL fails"), "{text}");
    assert!(text.contains("1 passed, 0 failed, 1 skipped"), "{text}");

    std::fs::write(&list, "fails\npasses\n").unwrap();
    let (out, text) = f.run(&[
        "--expected-failures",
        list.to_str().unwrap(),
        "--only",
        "passes",
    ]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("XPASS passes"), "{text}");
    assert!(text.contains("unexpectedly passed"), "{text}");
}

#[test]
fn broken_scenario_is_a_failure_with_its_line() {
    let f = Fixture::new("broken");
    f.scenario("broken", &format!("{HEADER}C: a1 NOOP\nfrobnicate\n"));
    let (out, text) = f.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("broken.imap:4: unknown directive"), "{text}");
}
