//! `FETCH 1:* BODY[]` over a mailbox far larger than the memory bound: the `imapd` process
//! must stream the answer (one message's response at a time), not hold the mailbox. The
//! peak resident set (VmHWM) is read from /proc just before LOGOUT. Measured (debug build):
//! 208 MiB when every response of a command was collected before writing (commit c50da0d),
//! 8 MiB streamed. With a client that reads nothing, c50da0d reached 139 MiB in 1.5 s and
//! ignored SIGTERM while blocked in its write; now it waits at 8 MiB and SIGTERM ends it.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const IMAPD: &str = env!("CARGO_BIN_EXE_imapd");

/// 400 messages of 256 KiB: 100 MiB in all.
const COUNT: usize = 400;
const SIZE: usize = 256 * 1024;
/// Peak RSS allowed, far below the mailbox size (the streaming server needs a few MiB).
const BOUND_KIB: u64 = 48 * 1024;

/// Message `i`: a short header, then lines of a letter that depends on `i`, exactly SIZE
/// octets with CRLF line ends (so RFC822.SIZE is the file size).
fn message(i: usize) -> Vec<u8> {
    let mut m = format!(
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: message {i}\r\n\
         Message-ID: <{i}@bounded.test>\r\nDate: Thu, 26 Nov 2026 12:00:00 +0000\r\n\r\n"
    )
    .into_bytes();
    let letter = b'A' + (i % 26) as u8;
    while m.len() < SIZE {
        let n = (SIZE - m.len()).min(78);
        if n < 2 {
            m.resize(SIZE, b'.');
            break;
        }
        m.extend(std::iter::repeat_n(letter, n - 2));
        m.extend_from_slice(b"\r\n");
    }
    m
}

fn maildir(root: &Path) {
    for d in ["cur", "new", "tmp"] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    for i in 0..COUNT {
        let name = format!("{}.M{i}P1.bounded:2,", 1_700_000_000 + i);
        fs::write(root.join("cur").join(name), message(i)).unwrap();
    }
}

/// Reads one response line; a line ending in a literal `{n}` has its octets appended (as
/// `payloads`) and continues with the rest of the line.
fn read_response(r: &mut impl BufRead, payloads: &mut Vec<Vec<u8>>) -> String {
    let mut text = String::new();
    loop {
        let mut line = Vec::new();
        r.read_until(b'\n', &mut line).unwrap();
        assert!(
            line.ends_with(b"\r\n"),
            "truncated: {:?}",
            String::from_utf8_lossy(&line)
        );
        let line = String::from_utf8(line).unwrap();
        let body = line.trim_end_matches("\r\n");
        text.push_str(body);
        let Some(open) = body.rfind('{').filter(|_| body.ends_with('}')) else {
            return text;
        };
        let n: usize = body[open + 1..body.len() - 1].parse().unwrap();
        let mut data = vec![0u8; n];
        r.read_exact(&mut data).unwrap();
        payloads.push(data);
    }
}

fn vm_hwm_kib(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// `imapd MAILDIR` on pipes, stderr to a file; the greeting is read and SELECT INBOX done.
fn start(md: &Path, stderr: &Path) -> (Child, ChildStdin, BufReader<ChildStdout>) {
    let mut child = Command::new(IMAPD)
        .arg(md)
        .current_dir(md)
        .env_remove("MAILDIR")
        .env_remove("IMAPLOGINTAG")
        .env_remove("AUTHENTICATED")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(fs::File::create(stderr).unwrap())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut out = BufReader::with_capacity(1 << 20, child.stdout.take().unwrap());
    let mut payloads = Vec::new();
    let greeting = read_response(&mut out, &mut payloads);
    assert!(greeting.starts_with("* PREAUTH "), "{greeting}");
    input.write_all(b"a SELECT INBOX\r\n").unwrap();
    loop {
        let r = read_response(&mut out, &mut payloads);
        if r.starts_with("a ") {
            assert!(r.starts_with("a OK "), "{r}");
            break;
        }
    }
    (child, input, out)
}

#[test]
fn fetch_all_bodies_of_a_100_mib_mailbox_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("Maildir");
    maildir(&md);
    let (mut child, mut input, mut out) = start(&md, &dir.path().join("stderr"));
    let pid = child.id();
    let mut payloads = Vec::new();

    let started = Instant::now();
    input
        .write_all(b"b FETCH 1:* (RFC822.SIZE BODY[])\r\n")
        .unwrap();
    let mut seen = 0usize;
    loop {
        payloads.clear();
        let r = read_response(&mut out, &mut payloads);
        if r.starts_with("b ") {
            assert_eq!(r, "b OK FETCH completed");
            break;
        }
        if seen == 0 {
            // A client that stops reading for a while: the server must wait, not buffer.
            std::thread::sleep(Duration::from_millis(300));
        }
        let prefix = format!(
            "* {} FETCH (FLAGS (\\Seen) RFC822.SIZE {SIZE} BODY[] {{",
            seen + 1
        );
        assert!(r.starts_with(&prefix), "{r:.200}");
        assert!(r.ends_with(")"), "{r:.200}");
        assert_eq!(payloads.len(), 1, "{r:.200}");
        // The literal is exactly RFC822.SIZE octets: the message itself.
        assert_eq!(payloads[0].len(), SIZE);
        assert!(payloads[0] == message(seen), "message {} differs", seen + 1);
        seen += 1;
    }
    let elapsed = started.elapsed();
    assert_eq!(seen, COUNT);

    let hwm = vm_hwm_kib(pid);
    input.write_all(b"c LOGOUT\r\n").unwrap();
    assert!(read_response(&mut out, &mut payloads).starts_with("* BYE"));
    assert_eq!(
        read_response(&mut out, &mut payloads),
        "c OK LOGOUT completed"
    );
    assert!(child.wait().unwrap().success());
    eprintln!(
        "FETCH 1:* BODY[] of {COUNT} × {} KiB: {elapsed:?}, imapd VmHWM {} KiB",
        SIZE / 1024,
        hwm
    );
    assert!(
        hwm < BOUND_KIB,
        "imapd peak RSS {hwm} KiB for a {} MiB mailbox (bound {BOUND_KIB} KiB)",
        (COUNT * SIZE) >> 20
    );
}

#[test]
fn a_client_that_stops_reading_holds_the_server_back_and_sigterm_still_ends_it() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("Maildir");
    maildir(&md);
    let log = dir.path().join("stderr");
    let (mut child, mut input, out) = start(&md, &log);
    let pid = child.id();
    input.write_all(b"b FETCH 1:* BODY[]\r\n").unwrap();
    // Nothing is read: the server fills the pipe, then must wait for the client
    // (backpressure), not read and buffer the rest of the mailbox.
    std::thread::sleep(Duration::from_millis(1500));
    let hwm = vm_hwm_kib(pid);
    assert!(
        hwm < BOUND_KIB,
        "imapd peak RSS {hwm} KiB while its client reads nothing (bound {BOUND_KIB} KiB)"
    );
    // A blocked write still gives way to SIGTERM (RFC 3501 §7.1.5 BYE cannot follow a
    // response cut short, so the session just ends and logs it).
    let p = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(p, rustix::process::Signal::TERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("imapd did not end within 10 s of SIGTERM while its client was not reading");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(out);
    assert!(status.success(), "{status:?}");
    let err = fs::read_to_string(&log).unwrap();
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.starts_with("NOTICE: Disconnected during shutdown by signal")),
        "{err}"
    );
}
