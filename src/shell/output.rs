//! The client's output: the [`Responder`] the core sends each response to as it is produced.
//!
//! Responses are encoded into a buffer that is written out once it holds [`FLUSH_AT`] octets
//! (and at the end of every batch); a literal payload of at least [`DIRECT_AT`] octets goes
//! from the response straight to the client, never copied into the buffer. So `FETCH 1:*
//! BODY[]` holds one message's response at a time, whatever the mailbox size. (A cached
//! ENVELOPE or BODYSTRUCTURE text is buffered whole, literals included: header strings
//! are small.)
//!
//! Writes go to the descriptor itself (not through `W`'s own buffering), each after `poll`
//! says it is writable: a slow client blocks the session (backpressure, nothing queues up
//! here), and SIGTERM/SIGHUP still end a session whose client takes nothing — a write a
//! signal interrupts returns what it wrote (poll promised room for some), and the next poll
//! sees the signal pipe. A non-blocking descriptor works the same.

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
/// Literal payloads at least this long are written directly from the response. Below, the
/// payload is copied into the buffer, so the response goes out in one write with the rest
/// of the command's answer: a client fetching one message at a time wakes once per
/// response, not once per write (16 KiB made most `FETCH n BODY[]` three writes).
pub const DIRECT_AT: usize = 64 * 1024;
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
    fn write_all(&mut self, data: &[u8]) {
        self.write_both(data, &[]);
    }

    /// Writes `head` then `body`, one `writev` of what is left of both at a time, each after
    /// the descriptor is writable.
    fn write_both<'d>(&mut self, mut head: &'d [u8], mut body: &'d [u8]) {
        while self.stop.is_none() {
            if head.is_empty() {
                if body.is_empty() {
                    return;
                }
                (head, body) = (body, &[]);
            }
            if let Err(s) = self.wait_writable() {
                self.stop = Some(s);
                return;
            }
            let parts = [io::IoSlice::new(head), io::IoSlice::new(body)];
            match rustix::io::writev(self.w.as_fd(), &parts) {
                Ok(0) => self.stop = Some(Stop::Io(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.counters.sent += n as u64;
                    match head.get(n..) {
                        Some(rest) => head = rest,
                        None => (head, body) = (&[], &body[n - head.len()..]),
                    }
                }
                Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => {}
                Err(e) => self.stop = Some(Stop::Io(e.into())),
            }
        }
    }

    /// Blocks until the client can take octets, or a signal arrives while it cannot. A
    /// signal pending while writes still progress is left for the main loop (`* BYE` after
    /// the batch).
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
            // POLLERR/POLLHUP count as writable: the write then reports the error.
            if !fds[0].revents().is_empty() {
                return Ok(());
            }
            let signalled = fds.get(1).is_some_and(|f| !f.revents().is_empty());
            drop(fds);
            if signalled && self.signals.as_mut().is_some_and(Signals::take) {
                return Err(Stop::Signal);
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
            // (a response of many such literals is written as the buffer fills, not held)
            if self.buf.len() + data.len() > FLUSH_AT + DIRECT_AT {
                self.drain();
            }
            self.buf.extend_from_slice(&literal_octets(data, kind));
            return;
        }
        // What precedes the payload goes out with its first chunk (one `writev`), the rest
        // of the payload from `data` itself.
        let mut chunks = data.chunks(CHUNK);
        if let Some(first) = chunks.next() {
            let head = std::mem::take(&mut self.buf);
            self.write_both(&head, &literal_octets(first, kind));
            self.buf = head;
            self.buf.clear();
        }
        for chunk in chunks {
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek};

    use super::*;
    use crate::syntax::encode::encode_response;
    use crate::syntax::types::{Data, FetchValue, Section, StatusKind, StatusResponse};

    fn fetch(seq: u32, body: Vec<u8>, binary: Vec<u8>) -> Response {
        Response::Data(Data::Fetch {
            seq,
            items: vec![
                FetchValue::Rfc822Size(body.len() as u64),
                FetchValue::BodySection {
                    section: Section::default(),
                    origin: None,
                    data: Some(body),
                },
                FetchValue::Binary {
                    part: vec![1],
                    origin: None,
                    data: Some(binary),
                },
            ],
        })
    }

    /// Literals below and above DIRECT_AT, with and without NUL (0x80 in a text literal,
    /// `literal8` for BINARY), between status lines: the bytes are `encode_response`'s.
    #[test]
    fn writes_exactly_what_encode_response_gives() {
        let mut big = vec![b'x'; 3 * CHUNK + 17];
        big[CHUNK + 5] = 0;
        let responses = vec![
            fetch(1, b"short\r\n".to_vec(), b"a\0b".to_vec()),
            fetch(2, big.clone(), big.clone()),
            fetch(3, vec![b'y'; DIRECT_AT], vec![0; DIRECT_AT - 1]),
            Response::Status(StatusResponse {
                tag: None,
                kind: StatusKind::Ok,
                code: None,
                text: "done".into(),
            }),
        ];
        let mut expected = Vec::new();
        for r in &responses {
            encode_response(r, &mut expected);
        }
        let file = tempfile::tempfile().unwrap();
        let mut out = Output::new(file.try_clone().unwrap());
        for r in responses {
            out.send(r);
        }
        assert!(out.flush().is_ok());
        assert_eq!(out.counters.sent, expected.len() as u64);
        let mut written = Vec::new();
        let mut file = file;
        file.rewind().unwrap();
        file.read_to_end(&mut written).unwrap();
        assert!(written == expected, "output differs from encode_response");
    }

    /// Small responses stay buffered until FLUSH_AT octets; a large literal is written at
    /// once, never held in the buffer.
    #[test]
    fn buffer_stays_bounded() {
        let file = tempfile::tempfile().unwrap();
        let mut out = Output::new(file.try_clone().unwrap());
        out.send(fetch(1, b"small".to_vec(), b"small".to_vec()));
        assert_eq!(file.metadata().unwrap().len(), 0);
        assert!(out.buf.len() < FLUSH_AT);
        out.send(fetch(2, vec![b'z'; 4 * FLUSH_AT], Vec::new()));
        assert!(out.buf.len() < DIRECT_AT, "{}", out.buf.len());
        assert!(file.metadata().unwrap().len() >= 4 * FLUSH_AT as u64);
        for i in 0..2000 {
            out.send(fetch(3 + i, b"0123456789".to_vec(), Vec::new()));
            assert!(out.buf.len() < FLUSH_AT + 256);
        }
        assert!(out.flush().is_ok());
        assert_eq!(file.metadata().unwrap().len(), out.counters.sent);
    }

    /// Over a socket that takes a few KiB per write (a small send buffer, a slow reader),
    /// the buffered head and a large literal's chunks, written together by `writev` and
    /// cut anywhere, arrive whole and in order, and the count of octets sent is theirs.
    #[test]
    fn partial_writes_keep_order_and_count() {
        let (reader, writer) = std::os::unix::net::UnixStream::pair().unwrap();
        rustix::net::sockopt::set_socket_send_buffer_size(&writer, 4096).unwrap();
        // (non-blocking: a write takes what fits and returns, as a network socket does)
        writer.set_nonblocking(true).unwrap();
        // ~60 KiB buffered (under FLUSH_AT: not yet written) ahead of a literal of more
        // than one CHUNK with a NUL (converted) in its first chunk
        let mut responses: Vec<Response> = (1..=30)
            .map(|i| fetch(i, vec![b'h'; 2000], Vec::new()))
            .collect();
        let mut big = vec![b'b'; CHUNK + DIRECT_AT];
        big[7] = 0;
        responses.push(fetch(99, big, Vec::new()));
        let mut expected = Vec::new();
        for r in &responses {
            encode_response(r, &mut expected);
        }
        let slow = std::thread::spawn(move || {
            let (mut r, mut got, mut buf) = (reader, Vec::new(), [0u8; 4096]);
            loop {
                std::thread::sleep(std::time::Duration::from_micros(20));
                match r.read(&mut buf).unwrap() {
                    0 => return got,
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
        });
        let mut out = Output::new(writer);
        for r in responses {
            out.send(r);
        }
        assert!(out.flush().is_ok());
        let sent = out.counters.sent;
        drop(out);
        let got = slow.join().unwrap();
        assert_eq!(sent, expected.len() as u64);
        assert!(got == expected, "output differs from encode_response");
    }

    /// A closed reader stops the output with an error, and the responder says so.
    #[test]
    fn a_vanished_client_closes_the_responder() {
        let (reader, writer) = std::os::unix::net::UnixStream::pair().unwrap();
        drop(reader);
        let mut out = Output::new(writer);
        assert!(!out.closed());
        out.send(fetch(1, vec![b'q'; 2 * DIRECT_AT], Vec::new()));
        assert!(out.closed());
        assert!(
            matches!(out.take_stop(), Some(Stop::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe)
        );
    }
}
