//! The client's output: the [`Responder`] the core sends each response to as it is produced.
//!
//! Responses are encoded into a buffer that is written out once it holds [`FLUSH_AT`] octets
//! (and at the end of every batch); a literal payload of at least [`DIRECT_AT`] octets goes
//! from the response straight to the client, never copied into the buffer. So `FETCH 1:*
//! BODY[]` holds one message's response at a time, whatever the mailbox size.
//!
//! Writes go to the descriptor itself (not through `W`'s own buffering), each after `poll`
//! says it is writable: a slow client blocks the session (backpressure, nothing queues up
//! here), and SIGTERM/SIGHUP still end it — a write a signal interrupts returns what it
//! wrote, and the next poll sees the signal pipe. A non-blocking descriptor works the same.

use std::io::{self, Write};
use std::os::fd::AsFd;

use rustix::event::{poll, PollFd, PollFlags};

use crate::core::Responder;
use crate::syntax::encode::{
    encode_response_to, literal_octets, write_literal_header, LiteralKind, Sink,
};
use crate::syntax::types::Response;

use super::log::Counters;
use super::signals::Signals;

/// Buffered octets that trigger a write after a response.
pub const FLUSH_AT: usize = 64 * 1024;
/// Literal payloads at least this long are written directly from the response.
pub const DIRECT_AT: usize = 16 * 1024;
/// Largest single write of a direct payload (bounds a NUL→0x80 conversion copy).
const CHUNK: usize = 256 * 1024;

/// Why output stopped.
#[derive(Debug)]
pub enum Stop {
    /// A write failed (a vanished client is `BrokenPipe`).
    Io(io::Error),
    /// SIGTERM or SIGHUP arrived while waiting to write.
    Signal,
}

/// Encoded output to the client, with the traffic counters and the signal pipe.
pub struct Output<W> {
    w: W,
    buf: Vec<u8>,
    /// Octets moved and message data sent, for the log's end line.
    pub counters: Counters,
    /// The signal pipe, also polled by the connection's main loop.
    pub signals: Option<Signals>,
    stop: Option<Stop>,
}

impl<W: Write + AsFd> Output<W> {
    /// Output to `w`; whatever `w` had buffered is written first.
    pub fn new(mut w: W) -> Self {
        let stop = w.flush().err().map(Stop::Io);
        Output {
            w,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            counters: Counters::default(),
            signals: None,
            stop,
        }
    }

    /// Sends one response (encoded now, written when the buffer is full or on [`flush`]).
    ///
    /// [`flush`]: Output::flush
    pub fn send_ref(&mut self, r: &Response) {
        if self.stop.is_some() {
            return;
        }
        self.counters.note(r);
        encode_response_to(r, self);
        if self.buf.len() >= FLUSH_AT {
            self.drain();
        }
    }

    /// Writes everything buffered. Returns why output stopped, if it did (now or earlier).
    pub fn flush(&mut self) -> Result<(), &Stop> {
        self.drain();
        match &self.stop {
            None => Ok(()),
            Some(s) => Err(s),
        }
    }

    /// Why output stopped, if it did; the reason is handed over once.
    pub fn take_stop(&mut self) -> Option<Stop> {
        self.stop.take()
    }

    fn drain(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        self.write_all(&buf);
        self.buf = buf;
        self.buf.clear();
    }

    /// Writes `data`, waiting for the descriptor to be writable before each write.
    fn write_all(&mut self, mut data: &[u8]) {
        while !data.is_empty() && self.stop.is_none() {
            if let Err(s) = self.wait_writable() {
                self.stop = Some(s);
                return;
            }
            match rustix::io::write(self.w.as_fd(), data) {
                Ok(0) => self.stop = Some(Stop::Io(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.counters.sent += n as u64;
                    data = &data[n..];
                }
                Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                Err(e) => self.stop = Some(Stop::Io(e.into())),
            }
        }
    }

    /// Blocks until the client can take octets, or a signal arrives.
    fn wait_writable(&mut self) -> Result<(), Stop> {
        loop {
            let out_fd = self.w.as_fd();
            let mut fds = vec![PollFd::new(&out_fd, PollFlags::OUT)];
            if let Some(s) = &self.signals {
                fds.push(PollFd::from_borrowed_fd(s.fd(), PollFlags::IN));
            }
            match poll(&mut fds, None) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(Stop::Io(e.into())),
            }
            let writable = !fds[0].revents().is_empty();
            let signalled = fds.get(1).is_some_and(|f| !f.revents().is_empty());
            drop(fds);
            if signalled && self.signals.as_mut().is_some_and(Signals::take) {
                return Err(Stop::Signal);
            }
            // POLLERR/POLLHUP count as writable: the write then reports the error.
            if writable {
                return Ok(());
            }
        }
    }
}

impl<W: Write + AsFd> Sink for Output<W> {
    fn put(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn literal(&mut self, data: &[u8], kind: LiteralKind) {
        write_literal_header(&mut self.buf, data.len(), kind, false);
        if data.len() < DIRECT_AT {
            self.buf.extend_from_slice(&literal_octets(data, kind));
            return;
        }
        // The header and what precedes it go first, then the payload from `data` itself.
        self.drain();
        for chunk in data.chunks(CHUNK) {
            self.write_all(&literal_octets(chunk, kind));
        }
    }
}

impl<W: Write + AsFd> Responder for Output<W> {
    fn send(&mut self, r: Response) {
        self.send_ref(&r);
    }

    fn closed(&self) -> bool {
        self.stop.is_some()
    }
}
