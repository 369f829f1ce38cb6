//! One scenario's clients, captures and transcript, and how each step kind executes.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::connect;
use super::target::{deliver, shell_quote, Target};
use super::transcript::Transcript;
use super::StepError;
use crate::pattern::{match_response, Captures, Mismatch};
use crate::scenario::{Expect, Mode, SendPiece, Step, StepKind, TemplatePart};
use crate::transport::{Connection, Next};
use crate::wire::Response;

/// The live state of a running scenario.
pub struct Session<'a> {
    target: &'a Target,
    maildir: Option<&'a Path>,
    clients: BTreeMap<String, Connection>,
    caps: Captures,
    t: Transcript,
    timeout: Duration,
    settle: Duration,
}

/// What waiting on a client produced.
enum Got {
    Resp(Response),
    Timeout,
    Closed(String),
}

impl<'a> Session<'a> {
    /// A session with no client connected yet.
    pub fn new(
        target: &'a Target,
        maildir: Option<&'a Path>,
        timeout: Duration,
        settle: Duration,
    ) -> Session<'a> {
        Session {
            target,
            maildir,
            clients: BTreeMap::new(),
            caps: Captures::new(),
            t: Transcript::default(),
            timeout,
            settle,
        }
    }

    /// The target, Maildir, transcript and timeout, for setup code.
    pub fn parts(&mut self) -> (&'a Target, Option<&'a Path>, &mut Transcript, Duration) {
        (self.target, self.maildir, &mut self.t, self.timeout)
    }

    /// The traffic so far.
    pub fn transcript(&self) -> &Transcript {
        &self.t
    }

    /// Runs one step.
    pub fn run_step(&mut self, step: &Step) -> Result<(), StepError> {
        let ms = |t: &Option<u64>, d: Duration| t.map_or(d, Duration::from_millis);
        match &step.kind {
            StepKind::Send { client, pieces } => self.send(client, pieces),
            StepKind::Expect {
                expect,
                timeout,
                linger_full,
            } => {
                let timeout = ms(timeout, self.timeout);
                let linger = if *linger_full { timeout } else { self.settle };
                match expect.mode {
                    Mode::One => self.expect_one(expect, timeout),
                    Mode::Optional => self.expect_some(expect, linger, 1),
                    Mode::Many => self.expect_some(expect, linger, usize::MAX),
                }
            }
            StepKind::Group {
                client,
                items,
                timeout,
                linger_full,
            } => {
                let timeout = ms(timeout, self.timeout);
                let linger = if *linger_full { timeout } else { self.settle };
                self.group(client, items, timeout, linger)
            }
            StepKind::Quiet { client, ms } => self.quiet(client, Duration::from_millis(*ms)),
            StepKind::Closed { client, timeout } => self.closed(client, ms(timeout, self.timeout)),
            StepKind::Disconnect { client } => {
                if let Some(mut conn) = self.clients.remove(client) {
                    conn.close();
                }
                self.t.note(&format!("{client} disconnects"));
                Ok(())
            }
            StepKind::Sleep(n) => {
                std::thread::sleep(Duration::from_millis(*n));
                Ok(())
            }
            StepKind::Deliver { folder, message } => self.deliver(folder, message),
        }
    }

    fn conn(&mut self, client: &str) -> Result<&mut Connection, StepError> {
        if !self.clients.contains_key(client) {
            let conn = connect::open(self.target, self.maildir, client, &mut self.t, self.timeout)?;
            self.clients.insert(client.to_string(), conn);
        }
        Ok(self.clients.get_mut(client).expect("just inserted"))
    }

    fn next(&mut self, client: &str, timeout: Duration) -> Result<Got, StepError> {
        let conn = self.conn(client)?;
        Ok(match conn.next(timeout) {
            Next::Response { resp, fresh } => {
                if fresh {
                    self.t.received(client, &resp);
                }
                Got::Resp(resp)
            }
            Next::Timeout => Got::Timeout,
            Next::Closed(reason) => Got::Closed(reason),
        })
    }

    fn push_back(&mut self, client: &str, resps: Vec<Response>) {
        if let Some(conn) = self.clients.get_mut(client) {
            for r in resps.into_iter().rev() {
                conn.push_front(r);
            }
        }
    }

    // ---- C: -------------------------------------------------------------------------

    fn send(&mut self, client: &str, pieces: &[SendPiece]) -> Result<(), StepError> {
        for piece in pieces {
            let bytes = match piece {
                SendPiece::Text(parts) => self.render(parts)?,
                SendPiece::Raw(bytes) => bytes.clone(),
                SendPiece::AwaitContinuation => {
                    self.t.flush(client);
                    if !self.await_continuation(client)? {
                        self.t.note(&format!(
                            "{client}: command answered before its literal was sent; rest not sent"
                        ));
                        return Ok(());
                    }
                    continue;
                }
            };
            self.conn(client)?;
            self.t.sent(client, &bytes);
            let conn = self.conn(client)?;
            if let Err(e) = conn.send(&bytes) {
                let err = StepError::new("to send the command", format!("write failed: {e}"))
                    .with_stderr(conn);
                self.t.flush(client);
                return Err(err);
            }
        }
        self.t.flush(client);
        Ok(())
    }

    fn render(&self, parts: &[TemplatePart]) -> Result<Vec<u8>, StepError> {
        let mut out = Vec::new();
        for part in parts {
            match part {
                TemplatePart::Lit(b) => out.extend_from_slice(b),
                TemplatePart::Var(name) => match self.caps.get(name) {
                    Some(v) => out.extend_from_slice(v),
                    None => {
                        return Err(StepError::new(
                            format!("a value captured as {{{name}}} earlier"),
                            "no such capture".to_string(),
                        ))
                    }
                },
            }
        }
        Ok(out)
    }

    /// Waits for `+` (RFC 3501 §7.5). Untagged data may come first and is kept for later
    /// steps. `Ok(false)` if a tagged response came instead: the command was refused.
    fn await_continuation(&mut self, client: &str) -> Result<bool, StepError> {
        let mut held = Vec::new();
        loop {
            match self.next(client, self.timeout)? {
                Got::Resp(r) if r.is_continuation() => {
                    self.push_back(client, held);
                    return Ok(true);
                }
                Got::Resp(r) if r.tag().is_some() => {
                    held.push(r);
                    self.push_back(client, held);
                    return Ok(false);
                }
                Got::Resp(r) => held.push(r),
                Got::Timeout => {
                    self.push_back(client, held);
                    return Err(StepError::new(
                        "a + continuation request for the literal (RFC 3501 §7.5)",
                        format!("nothing within {} ms", self.timeout.as_millis()),
                    ));
                }
                Got::Closed(reason) => {
                    return Err(self.closed_error(client, "a + continuation request", reason))
                }
            }
        }
    }

    // ---- S: -------------------------------------------------------------------------

    fn try_match(&self, e: &Expect, r: &Response) -> Result<Captures, Mismatch> {
        let mut best: Option<Mismatch> = None;
        for alt in &e.alts {
            match match_response(alt, r, &self.caps) {
                Ok(caps) => return Ok(caps),
                Err(m) => {
                    if best
                        .as_ref()
                        .is_none_or(|b| m.furthest > b.furthest || b.reason.is_none())
                    {
                        best = Some(m);
                    }
                }
            }
        }
        Err(best.unwrap_or(Mismatch {
            furthest: 0,
            reason: None,
        }))
    }

    fn expect_one(&mut self, e: &Expect, timeout: Duration) -> Result<(), StepError> {
        match self.next(&e.client, timeout)? {
            Got::Resp(r) => match self.try_match(e, &r) {
                Ok(caps) => {
                    self.caps = caps;
                    Ok(())
                }
                Err(m) => Err(StepError::new(
                    e.describe(),
                    render_mismatch(&e.client, &r, &m),
                )),
            },
            Got::Timeout => Err(StepError::new(
                e.describe(),
                format!("nothing within {} ms", timeout.as_millis()),
            )),
            Got::Closed(reason) => Err(self.closed_error(&e.client, &e.describe(), reason)),
        }
    }

    /// `S?` (max 1) and `S*` (max unbounded): consume matching responses, leave the rest.
    fn expect_some(&mut self, e: &Expect, linger: Duration, max: usize) -> Result<(), StepError> {
        let mut count = 0;
        while count < max {
            let Got::Resp(r) = self.next(&e.client, linger)? else {
                return Ok(());
            };
            match self.try_match(e, &r) {
                Ok(caps) => {
                    self.caps = caps;
                    count += 1;
                }
                Err(_) => {
                    self.push_back(&e.client, vec![r]);
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// `any-order` ... `end`.
    fn group(
        &mut self,
        client: &str,
        items: &[Expect],
        timeout: Duration,
        linger: Duration,
    ) -> Result<(), StepError> {
        let mut seen = vec![0usize; items.len()];
        loop {
            let missing: Vec<usize> = (0..items.len())
                .filter(|&i| items[i].mode == Mode::One && seen[i] == 0)
                .collect();
            let wait = if missing.is_empty() { linger } else { timeout };
            let describe_missing = || {
                let lines: Vec<String> = missing.iter().map(|&i| items[i].describe()).collect();
                format!("(any order) still missing:\n{}", lines.join("\n"))
            };
            let r = match self.next(client, wait)? {
                Got::Resp(r) => r,
                _ if missing.is_empty() => return Ok(()),
                Got::Timeout => {
                    return Err(StepError::new(
                        describe_missing(),
                        format!("nothing within {} ms", wait.as_millis()),
                    ))
                }
                Got::Closed(reason) => {
                    return Err(self.closed_error(client, &describe_missing(), reason))
                }
            };
            let order = (0..items.len())
                .filter(|&i| items[i].mode != Mode::Many && seen[i] == 0)
                .chain((0..items.len()).filter(|&i| items[i].mode == Mode::Many));
            let mut matched = false;
            for i in order {
                if let Ok(caps) = self.try_match(&items[i], &r) {
                    self.caps = caps;
                    seen[i] += 1;
                    matched = true;
                    break;
                }
            }
            if matched {
                continue;
            }
            if missing.is_empty() {
                self.push_back(client, vec![r]);
                return Ok(());
            }
            let got = format!("{client} S: {}", r.display_lines().join("\n"));
            let expected = format!(
                "{}\n(or one of the group's other lines)",
                describe_missing()
            );
            return Err(StepError::new(
                expected,
                format!("{got}\n(matches no line of the group)"),
            ));
        }
    }

    fn quiet(&mut self, client: &str, wait: Duration) -> Result<(), StepError> {
        let what = format!("nothing from {client} for {} ms", wait.as_millis());
        match self.next(client, wait)? {
            Got::Timeout => Ok(()),
            Got::Resp(r) => Err(StepError::new(
                what,
                format!("{client} S: {}", r.display_lines().join("\n")),
            )),
            Got::Closed(reason) => Err(self.closed_error(client, &what, reason)),
        }
    }

    fn closed(&mut self, client: &str, wait: Duration) -> Result<(), StepError> {
        let what = format!("{client}: the server closes the connection");
        match self.next(client, wait)? {
            Got::Closed(_) => Ok(()),
            Got::Timeout => Err(StepError::new(
                what,
                format!("still open after {} ms", wait.as_millis()),
            )),
            Got::Resp(r) => Err(StepError::new(
                what,
                format!("{client} S: {}", r.display_lines().join("\n")),
            )),
        }
    }

    fn closed_error(&self, client: &str, expected: &str, reason: String) -> StepError {
        let mut e = StepError::new(expected, format!("{client}: {reason}"));
        if let Some(conn) = self.clients.get(client) {
            e = e.with_stderr(conn);
        }
        e
    }

    // ---- out of band ----------------------------------------------------------------

    fn deliver(&mut self, folder: &str, message: &[u8]) -> Result<(), StepError> {
        if let Some(md) = self.maildir {
            let path = deliver(md, folder, message)
                .map_err(|e| StepError::new(format!("to deliver into {folder}"), e.to_string()))?;
            self.t.note(&format!("delivered {}", path.display()));
            return Ok(());
        }
        let cmd = self
            .target
            .deliver_cmd
            .as_deref()
            .ok_or_else(|| StepError::new("a way to deliver", "none configured"))?
            .replace("{mailbox}", &shell_quote(folder));
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| StepError::new("to run --deliver-cmd", e.to_string()))?;
        use std::io::Write;
        let wrote = child.stdin.take().map(|mut s| s.write_all(message));
        let status = child
            .wait()
            .map_err(|e| StepError::new("to run --deliver-cmd", e.to_string()))?;
        if !status.success() || matches!(wrote, Some(Err(_))) {
            return Err(StepError::new(
                "--deliver-cmd to succeed",
                format!("{cmd}: {status}"),
            ));
        }
        self.t.note(&format!("delivered via {cmd}"));
        Ok(())
    }

    // ---- teardown -------------------------------------------------------------------

    /// Responses nobody consumed (as transcript lines) and the servers' stderr.
    pub fn leftovers(&mut self) -> (Vec<String>, String) {
        let mut lines = Vec::new();
        let mut stderr = String::new();
        std::thread::sleep(Duration::from_millis(50));
        for (name, conn) in &mut self.clients {
            for (r, _) in conn.drain() {
                lines.extend(
                    r.display_lines()
                        .into_iter()
                        .map(|l| format!("{name} S: {l}")),
                );
            }
            if let Some(reason) = conn.closed_reason() {
                lines.push(format!("-- {name}: {reason}"));
            }
            let tail = conn.stderr_tail();
            if !tail.trim().is_empty() {
                stderr.push_str(&format!("[{name}]\n{tail}"));
                if !tail.ends_with('\n') {
                    stderr.push('\n');
                }
            }
        }
        (lines, stderr)
    }

    /// Closes every client.
    pub fn close_all(&mut self) {
        for (_, mut conn) in std::mem::take(&mut self.clients) {
            conn.close();
        }
    }
}

/// The response, with a caret under the first octet the best attempt could not match.
fn render_mismatch(client: &str, r: &Response, m: &Mismatch) -> String {
    let prefix = format!("{client} S: ");
    let lines = r.display_lines();
    let mut out = Vec::new();
    let mut offset = 0;
    let mut caret_done = false;
    for line in &lines {
        out.push(format!("{prefix}{line}"));
        let raw_len = line.len(); // close enough: escapes only widen control octets
        if !caret_done && m.furthest <= offset + raw_len {
            let k = m.furthest.saturating_sub(offset);
            let col = prefix.len() + line.char_indices().take_while(|(i, _)| *i < k).count();
            out.push(format!(
                "{}^ (pattern stops matching here)",
                " ".repeat(col)
            ));
            caret_done = true;
        }
        offset += raw_len + 2;
    }
    if let Some(reason) = &m.reason {
        out.push(format!("({reason})"));
    }
    out.join("\n")
}
