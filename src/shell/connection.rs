//! Drives one client connection: bytes in → framer → parser → core → encoder → bytes out,
//! with IDLE push from the [`Watcher`], the autologout timer (RFC 3501 §5.4), `* OK Still
//! here` keepalives while idling, and SIGTERM/SIGHUP ([`Signals`]) ending the session with
//! `* BYE`. Used by stdio mode and, after authentication, by the network front end.
//! Responses go to the client as the core produces them, through [`Output`].

use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};

use crate::core::{Responder, Session, State, Store};
use crate::syntax::frame::{FrameEvent, FrameLimits, Framer, RawCommand};
use crate::syntax::parse::parse_command;
use crate::syntax::types::{Code, Response, Rfc5530Code, StatusKind, StatusResponse, Tag};

use super::log::Counters;
use super::output::{Output, Stop};
use super::settings::Settings;
use super::signals::Signals;
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
    /// SIGTERM or SIGHUP.
    Signal,
}

/// Why serving stopped early.
#[derive(Debug)]
enum Stopped {
    /// SIGTERM or SIGHUP arrived while waiting to write.
    Signal,
    /// Reading or writing failed.
    Io(io::Error),
}

impl From<io::Error> for Stopped {
    fn from(e: io::Error) -> Self {
        Stopped::Io(e)
    }
}

/// What woke the poll loop.
#[derive(Debug, Default, Clone, Copy)]
struct Ready {
    input: bool,
    change: bool,
    signal: bool,
}

/// One client connection over a readable descriptor and a writer.
pub struct Connection<'s, R, W, S> {
    input: R,
    store: &'s mut S,
    session: Session,
    framer: Framer,
    watcher: Watcher,
    settings: Settings,
    greeting: Option<Response>,
    /// Encoded output, the counters and the signal pipe.
    out: Output<W>,
}

fn tagged(tag: Option<&str>, kind: StatusKind, code: Option<Code>, text: String) -> Response {
    Response::Status(StatusResponse {
        tag: tag.and_then(|t| Tag::new(t).ok()),
        kind,
        code,
        text,
    })
}

impl<'s, R: Read + AsFd, W: Write + AsFd, S: Store + Watchable> Connection<'s, R, W, S> {
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
            store,
            session,
            framer: Framer::new(FrameLimits::default()),
            watcher: Watcher::new(),
            settings,
            greeting: None,
            out: Output::new(output),
        }
    }

    /// Sends `first` instead of the session's greeting (e.g. `tag OK LOGIN Ok.` when a login
    /// program answered the LOGIN command).
    pub fn with_greeting(mut self, first: Response) -> Self {
        self.greeting = Some(first);
        self
    }

    /// Ends the session with `* BYE` when one of these signals arrives.
    pub fn with_signals(mut self, signals: Signals) -> Self {
        self.out.signals = Some(signals);
        self
    }

    /// Bytes moved so far.
    pub fn traffic(&self) -> Traffic {
        Traffic {
            received: self.out.counters.received,
            sent: self.out.counters.sent,
        }
    }

    /// Bytes moved so far, with the message header/body octets sent in FETCH responses.
    pub fn counters(&self) -> Counters {
        self.out.counters
    }

    fn send(&mut self, r: &Response) {
        self.out.send_ref(r);
    }

    /// Writes what is buffered. A signal that arrived while the client was not reading
    /// surfaces as [`Stopped::Signal`], a write error as an I/O error.
    fn flush(&mut self) -> Result<(), Stopped> {
        match self.out.flush() {
            Ok(()) => Ok(()),
            Err(_) => Err(match self.out.take_stop() {
                Some(Stop::Signal) => Stopped::Signal,
                Some(Stop::Io(e)) => Stopped::Io(e),
                None => Stopped::Io(io::ErrorKind::BrokenPipe.into()),
            }),
        }
    }

    /// Ends the session from the server side: `* BYE reason` (RFC 3501 §7.1.5).
    fn bye(&mut self, reason: &str, end: End) -> Result<End, Stopped> {
        let bye = self.session.handle_shutdown(reason);
        self.send(&bye);
        match self.flush() {
            Ok(()) => Ok(end),
            // The client is gone already: the end is still the server's decision.
            Err(Stopped::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(end),
            Err(e) => Err(e),
        }
    }

    /// Sends the greeting, then serves until LOGOUT, EOF, autologout, a signal or an I/O
    /// error. A client that vanished (EOF, or a broken pipe on write) is `Disconnected`.
    pub fn run(&mut self) -> io::Result<End> {
        let greeting = self
            .greeting
            .take()
            .unwrap_or_else(|| self.session.greeting());
        self.run_after(&[greeting], &[])
    }

    /// Like [`Connection::run`], but sends `first` instead of the greeting and treats
    /// `pipelined` as already received: a network session after LOGIN starts with the tagged
    /// OK and whatever the client sent behind its LOGIN command.
    pub fn run_after(&mut self, first: &[Response], pipelined: &[u8]) -> io::Result<End> {
        match self.serve(first, pipelined) {
            Ok(end) => Ok(end),
            // SIGTERM/SIGHUP while the client was not taking output (a response may be cut
            // short, so no BYE follows it).
            Err(Stopped::Signal) => Ok(End::Signal),
            Err(Stopped::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(End::Disconnected),
            Err(Stopped::Io(e)) => Err(e),
        }
    }

    fn serve(&mut self, first: &[Response], pipelined: &[u8]) -> Result<End, Stopped> {
        for r in first {
            self.send(r);
        }
        self.flush()?;
        self.framer.handle_input(pipelined);
        let mut buf = vec![0u8; 64 * 1024];
        let mut last_command = Instant::now();
        // While idling: when the last keepalive (or the IDLE itself) went out.
        let mut idle_mark: Option<Instant> = None;
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
            idle_mark = match (self.session.is_idle(), idle_mark) {
                (true, Some(t)) => Some(t),
                (true, None) => Some(Instant::now()),
                (false, _) => None,
            };
            self.framer.set_line_mode(self.session.is_idle());
            let watch = match &idle_dirs {
                Some(dirs) if self.settings.inotify => self.watcher.watch(dirs),
                _ => {
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
                // RFC 3501 §5.4 autologout; Courier's text (imaptoken.c).
                return self.bye("Disconnected for inactivity.", End::Autologout);
            }
            let mut wait = match (&idle_dirs, inotify) {
                (Some(_), false) => remaining.min(self.settings.idle_poll),
                _ => remaining,
            };
            let keepalive_due = match (idle_mark, self.settings.idle_keepalive) {
                (Some(mark), Some(every)) => {
                    let left = every.saturating_sub(mark.elapsed());
                    wait = wait.min(left);
                    left.is_zero()
                }
                _ => false,
            };
            if keepalive_due {
                // While idling, an untagged OK now and then keeps NAT and firewall state alive
                // (RFC 2177 §3 allows any untagged response during IDLE).
                let r = tagged(None, StatusKind::Ok, None, "Still here".into());
                self.send(&r);
                self.flush()?;
                idle_mark = Some(Instant::now());
                continue;
            }
            let ready = self.wait(wait, inotify)?;
            if ready.signal {
                return self.bye("imapd shut down by signal.", End::Signal);
            }
            if ready.change || (idle_dirs.is_some() && !inotify && !ready.input) {
                self.watcher.drain();
                let updates = self.session.handle_store_changed(self.store);
                for r in &updates {
                    self.send(r);
                }
            }
            if ready.input {
                let n = match self.input.read(&mut buf) {
                    Ok(0) => return Ok(End::Disconnected),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                        return Ok(End::Disconnected)
                    }
                    Err(e) => return Err(e.into()),
                };
                self.out.counters.received += n as u64;
                self.framer.handle_input(&buf[..n]);
                last_command = Instant::now();
            }
        }
    }

    /// Waits for client input, a change event or a signal.
    fn wait(&mut self, timeout: Duration, inotify: bool) -> io::Result<Ready> {
        let ts = Timespec {
            tv_sec: timeout.as_secs().min(i64::MAX as u64) as i64,
            tv_nsec: timeout.subsec_nanos() as i64,
        };
        let input_fd = self.input.as_fd();
        let mut fds = vec![PollFd::new(&input_fd, PollFlags::IN)];
        let signal_at = self.out.signals.as_ref().map(|s| {
            fds.push(PollFd::from_borrowed_fd(s.fd(), PollFlags::IN));
            fds.len() - 1
        });
        let change_at = match (inotify, self.watcher.fd()) {
            (true, Some(fd)) => {
                fds.push(PollFd::from_borrowed_fd(fd, PollFlags::IN));
                Some(fds.len() - 1)
            }
            _ => None,
        };
        match poll(&mut fds, Some(&ts)) {
            Ok(_) => {}
            // A signal interrupted the wait: its pipe byte is read on the next round.
            Err(rustix::io::Errno::INTR) => return Ok(Ready::default()),
            Err(e) => return Err(e.into()),
        }
        let ready = |i: Option<usize>| {
            i.is_some_and(|i| {
                fds[i]
                    .revents()
                    .intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR)
            })
        };
        let out = Ready {
            input: ready(Some(0)),
            signal: ready(signal_at),
            change: ready(change_at),
        };
        drop(fds);
        let signal = out.signal && self.out.signals.as_mut().is_some_and(Signals::take);
        Ok(Ready { signal, ..out })
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
            if self.session.is_logout() || self.out.closed() {
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
                // Each response is encoded and, past FLUSH_AT octets, written as it comes.
                self.session
                    .handle_command_to(cmd, self.store, &mut self.out);
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
