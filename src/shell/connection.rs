//! Drives one client connection: bytes in → framer → parser → core → encoder → bytes out,
//! with IDLE push from the [`Watcher`] and the autologout timer. Used by stdio mode and,
//! after authentication, by the network front end.

use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};

use crate::core::{Session, State, Store};
use crate::syntax::encode::encode_response;
use crate::syntax::frame::{FrameEvent, FrameLimits, Framer, RawCommand};
use crate::syntax::parse::parse_command;
use crate::syntax::types::{Code, Response, Rfc5530Code, StatusKind, StatusResponse, Tag};

use super::settings::Settings;
use super::watch::{Watch, Watcher};

/// A store that can tell which directories to watch for a mailbox's changes.
pub trait Watchable {
    /// Directories whose entries change when the mailbox changes.
    fn watch_dirs(&self, mailbox: &str) -> Vec<PathBuf>;
}

/// Byte counts for the LOGOUT log line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Traffic {
    /// Octets received from the client.
    pub received: u64,
    /// Octets sent to the client.
    pub sent: u64,
}

/// Why the connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// LOGOUT completed.
    Logout,
    /// The client closed its side.
    Disconnected,
    /// No command within the autologout time.
    Autologout,
}

/// One client connection over a readable descriptor and a writer.
pub struct Connection<'s, R, W, S> {
    input: R,
    output: W,
    store: &'s mut S,
    session: Session,
    framer: Framer,
    watcher: Watcher,
    settings: Settings,
    traffic: Traffic,
    out: Vec<u8>,
}

fn tagged(tag: Option<&str>, kind: StatusKind, code: Option<Code>, text: String) -> Response {
    Response::Status(StatusResponse {
        tag: tag.and_then(|t| Tag::new(t).ok()),
        kind,
        code,
        text,
    })
}

impl<'s, R: Read + AsFd, W: Write, S: Store + Watchable> Connection<'s, R, W, S> {
    /// A connection whose session is already set up (PREAUTH or after login).
    pub fn new(
        input: R,
        output: W,
        store: &'s mut S,
        session: Session,
        settings: Settings,
    ) -> Self {
        Connection {
            input,
            output,
            store,
            session,
            framer: Framer::new(FrameLimits::default()),
            watcher: Watcher::new(),
            settings,
            traffic: Traffic::default(),
            out: Vec::with_capacity(64 * 1024),
        }
    }

    /// Bytes moved so far.
    pub fn traffic(&self) -> Traffic {
        self.traffic
    }

    fn send(&mut self, r: &Response) {
        encode_response(r, &mut self.out);
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            self.output.write_all(&self.out)?;
            self.output.flush()?;
            self.traffic.sent += self.out.len() as u64;
            self.out.clear();
        }
        Ok(())
    }

    /// Sends the greeting, then serves until LOGOUT, EOF, autologout or an I/O error.
    pub fn run(&mut self) -> io::Result<End> {
        let greeting = self.session.greeting();
        self.run_after(&[greeting], &[])
    }

    /// Like [`Connection::run`], but sends `first` instead of the greeting and treats
    /// `pipelined` as already received: a network session after LOGIN starts with the tagged
    /// OK and whatever the client sent behind its LOGIN command.
    pub fn run_after(&mut self, first: &[Response], pipelined: &[u8]) -> io::Result<End> {
        for r in first {
            self.send(r);
        }
        self.flush()?;
        self.framer.handle_input(pipelined);
        let mut buf = vec![0u8; 64 * 1024];
        let mut last_command = Instant::now();
        loop {
            self.drain_events();
            self.flush()?;
            if self.session.is_logout() {
                return Ok(End::Logout);
            }
            let idle_dirs = match self.session.state() {
                State::Idle {
                    selected: Some(sel),
                    ..
                } => Some(self.store.watch_dirs(&sel.mailbox)),
                _ => None,
            };
            self.framer.set_line_mode(self.session.is_idle());
            let watch = match &idle_dirs {
                Some(dirs) => self.watcher.watch(dirs),
                None => {
                    self.watcher.unwatch();
                    Watch::Poll
                }
            };
            let inotify = watch != Watch::Poll;
            if watch == Watch::Fresh {
                // Whatever changed between the last sync and the watch being in place.
                let updates = self.session.handle_store_changed(self.store);
                for r in &updates {
                    self.send(r);
                }
                self.flush()?;
            }
            let remaining = self
                .settings
                .autologout
                .saturating_sub(last_command.elapsed());
            if remaining.is_zero() {
                let bye = self
                    .session
                    .handle_shutdown("Autologout; idle for too long");
                self.send(&bye);
                self.flush()?;
                return Ok(End::Autologout);
            }
            let wait = match (&idle_dirs, inotify) {
                (Some(_), false) => remaining.min(self.settings.idle_poll),
                _ => remaining,
            };
            let (input_ready, change_ready) = self.wait(wait, inotify)?;
            if change_ready || (idle_dirs.is_some() && !inotify && !input_ready) {
                self.watcher.drain();
                let updates = self.session.handle_store_changed(self.store);
                for r in &updates {
                    self.send(r);
                }
            }
            if input_ready {
                let n = match self.input.read(&mut buf) {
                    Ok(0) => return Ok(End::Disconnected),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                self.traffic.received += n as u64;
                self.framer.handle_input(&buf[..n]);
                last_command = Instant::now();
            }
        }
    }

    /// Waits for client input or a change event; returns (input ready, change ready).
    fn wait(&mut self, timeout: Duration, inotify: bool) -> io::Result<(bool, bool)> {
        let ts = Timespec {
            tv_sec: timeout.as_secs().min(i64::MAX as u64) as i64,
            tv_nsec: timeout.subsec_nanos() as i64,
        };
        let input_fd = self.input.as_fd();
        let mut fds = vec![PollFd::new(&input_fd, PollFlags::IN)];
        if inotify {
            if let Some(fd) = self.watcher.fd() {
                fds.push(PollFd::from_borrowed_fd(fd, PollFlags::IN));
            }
        }
        match poll(&mut fds, Some(&ts)) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => return Ok((false, false)),
            Err(e) => return Err(e.into()),
        }
        let ready = |f: &PollFd<'_>| {
            f.revents()
                .intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR)
        };
        let input = ready(&fds[0]);
        let change = fds.get(1).is_some_and(ready);
        Ok((input, change))
    }

    /// Handles every complete command the framer has.
    fn drain_events(&mut self) {
        while let Some(event) = self.framer.poll_event() {
            match event {
                FrameEvent::Command(raw) => self.command(raw),
                FrameEvent::Continue { .. } => {
                    let cont = self.session.literal_continuation();
                    self.send(&cont);
                }
                FrameEvent::LiteralTooLarge {
                    tag, size, limit, ..
                } => {
                    // RFC 7888 §4 / RFC 4469 TOOBIG: refuse, the framer drains the octets.
                    let r = tagged(
                        tag.as_deref(),
                        StatusKind::No,
                        Some(Code::Rfc5530(Rfc5530Code::TooBig)),
                        format!("Literal of {size} octets exceeds the limit of {limit}"),
                    );
                    self.send(&r);
                }
                FrameEvent::LineTooLong { tag } => {
                    let limit = self.framer.limits().max_line;
                    let r = tagged(
                        tag.as_deref(),
                        StatusKind::Bad,
                        None,
                        format!("Line too long (limit {limit} octets)"),
                    );
                    self.send(&r);
                }
                FrameEvent::CommandTooLong { tag } => {
                    let limit = self.framer.limits().max_command;
                    let r = tagged(
                        tag.as_deref(),
                        StatusKind::Bad,
                        Some(Code::Rfc5530(Rfc5530Code::TooBig)),
                        format!("Command too long (limit {limit} octets)"),
                    );
                    self.send(&r);
                }
            }
            if self.session.is_logout() {
                return;
            }
        }
    }

    fn command(&mut self, raw: RawCommand) {
        if self.session.is_idle() {
            let responses = self
                .session
                .handle_idle_line(raw.text.trim_end(), self.store);
            for r in &responses {
                self.send(r);
            }
            return;
        }
        if let Some(bad) = &raw.invalid {
            let r = tagged(
                raw.tag.as_deref(),
                StatusKind::Bad,
                None,
                format!(
                    "Invalid octet {:#04x} at line {}, column {}",
                    bad.byte, bad.line, bad.column
                ),
            );
            self.send(&r);
            return;
        }
        if raw.text.is_empty() {
            // An empty line is not a command; RFC 3501 gives it no answer, so ignore it.
            return;
        }
        match parse_command(&raw.text, raw.literals) {
            Ok(cmd) => {
                let responses = self.session.handle_command(cmd, self.store);
                for r in &responses {
                    self.send(r);
                }
            }
            Err(e) => {
                let tag = e
                    .tag()
                    .cloned()
                    .or_else(|| raw.tag.as_deref().and_then(|t| Tag::new(t).ok()));
                let r = self.session.handle_bad(tag, e.response_text());
                self.send(&r);
            }
        }
    }
}
