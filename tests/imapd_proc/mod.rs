//! A real `imapd` process on stdio, for integration tests: send lines, read response lines
//! with a timeout (a reader thread feeds a channel), collect stderr at the end.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// The binary under test.
pub const IMAPD: &str = env!("CARGO_BIN_EXE_imapd");

/// One running session.
pub struct Imapd {
    pub child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Imapd {
    /// Starts `imapd [args] MAILDIR` with extra environment variables.
    /// The working directory is the Maildir (as Courier's login chain starts it).
    pub fn spawn(maildir: &Path, args: &[&str], env: &[(&str, &str)]) -> Imapd {
        let mut cmd = Command::new(IMAPD);
        cmd.current_dir(maildir)
            .args(args)
            .arg(maildir)
            .env_remove("MAILDIR")
            .env_remove("IMAPLOGINTAG")
            .env_remove("AUTHENTICATED")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn imapd");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Imapd {
            child,
            stdin,
            lines,
        }
    }

    /// Sends one line (CRLF appended).
    pub fn send(&mut self, line: &str) {
        let w = self.stdin.as_mut().expect("stdin open");
        w.write_all(line.as_bytes()).unwrap();
        w.write_all(b"\r\n").unwrap();
        w.flush().unwrap();
    }

    /// The next line, or None after `timeout`.
    pub fn line(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Lines up to and including the first one that starts with `prefix`.
    pub fn until(&self, prefix: &str, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.line(left) {
                Some(l) => {
                    let done = l.starts_with(prefix);
                    out.push(l);
                    if done {
                        return out;
                    }
                }
                None => panic!("no line starting with {prefix:?}; got {out:?}"),
            }
        }
    }

    /// Sends a tagged command and returns its responses through the tagged one.
    pub fn cmd(&mut self, tag: &str, command: &str) -> Vec<String> {
        self.send(&format!("{tag} {command}"));
        self.until(&format!("{tag} "), Duration::from_secs(10))
    }

    /// Lines that arrive within `quiet` of each other (nothing more for `quiet`: done).
    pub fn drain(&self, quiet: Duration) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(l) = self.line(quiet) {
            out.push(l);
        }
        out
    }

    /// Closes stdin, waits for exit; returns (exit success, stderr).
    pub fn finish(mut self) -> (bool, String) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut err).unwrap();
        }
        (status.success(), err)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}
