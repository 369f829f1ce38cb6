//! Connections to the server under test: a spawned stdio command, plain TCP, or TLS through
//! `openssl s_client`. Each has a reader thread that turns bytes into whole responses and
//! hands them over a channel, so every wait has a timeout and a hung server never hangs us.

use std::collections::VecDeque;
use std::io::{self, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::wire::{Response, ResponseReader};

/// How much of a server's stderr is kept for failure reports.
const STDERR_KEEP: usize = 16 * 1024;

/// What the reader thread reports.
enum Event {
    Response(Response),
    Closed(String),
}

/// The result of waiting for a response.
#[derive(Debug)]
pub enum Next {
    /// A response; `fresh` is false when it had been pushed back and is seen again.
    Response {
        /// The response.
        resp: Response,
        /// First time the caller sees it.
        fresh: bool,
    },
    /// Nothing arrived in time.
    Timeout,
    /// The connection is closed; the reason.
    Closed(String),
}

/// One client connection to the server under test.
pub struct Connection {
    writer: Option<Box<dyn Write + Send>>,
    events: Receiver<Event>,
    queue: VecDeque<Response>,
    closed: Option<String>,
    child: Option<Child>,
    tcp: Option<TcpStream>,
    stderr: Option<Arc<Mutex<Vec<u8>>>>,
}

impl Connection {
    /// Spawns `sh -c COMMAND` with `cwd` as working directory, in its own process group,
    /// and speaks IMAP on its stdin/stdout.
    pub fn spawn(command: &str, cwd: &Path) -> io::Result<Connection> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(command).current_dir(cwd);
        Self::spawn_command(cmd)
    }

    /// Connects to HOST:PORT over TLS (`starttls`: STARTTLS first, RFC 3501 §6.2.1) by
    /// spawning `openssl s_client -quiet`, which does the TLS work and relays plain text.
    pub fn openssl(addr: &str, starttls: bool) -> io::Result<Connection> {
        let mut cmd = Command::new("openssl");
        cmd.args(["s_client", "-quiet", "-connect", addr]);
        if starttls {
            cmd.args(["-starttls", "imap"]);
        }
        Self::spawn_command(cmd)
    }

    fn spawn_command(mut cmd: Command) -> io::Result<Connection> {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        start_reader(stdout, tx);
        let buf = Arc::new(Mutex::new(Vec::new()));
        start_stderr(stderr, Arc::clone(&buf));
        Ok(Connection {
            writer: Some(Box::new(stdin)),
            events: rx,
            queue: VecDeque::new(),
            closed: None,
            child: Some(child),
            tcp: None,
            stderr: Some(buf),
        })
    }

    /// Connects to HOST:PORT over plain TCP.
    pub fn tcp(addr: &str, timeout: Duration) -> io::Result<Connection> {
        let sockaddr = addr
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "address did not resolve"))?;
        let stream = TcpStream::connect_timeout(&sockaddr, timeout)?;
        stream.set_nodelay(true)?;
        let (tx, rx) = mpsc::channel();
        start_reader(stream.try_clone()?, tx);
        Ok(Connection {
            writer: Some(Box::new(stream.try_clone()?)),
            events: rx,
            queue: VecDeque::new(),
            closed: None,
            child: None,
            tcp: Some(stream),
            stderr: None,
        })
    }

    /// Sends octets as they are.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let w = self
            .writer
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "connection closed"))?;
        w.write_all(bytes)?;
        w.flush()
    }

    /// The next response, waiting at most `timeout`.
    pub fn next(&mut self, timeout: Duration) -> Next {
        if let Some(resp) = self.queue.pop_front() {
            return Next::Response { resp, fresh: false };
        }
        if let Some(reason) = &self.closed {
            return Next::Closed(reason.clone());
        }
        match self.events.recv_timeout(timeout) {
            Ok(Event::Response(resp)) => Next::Response { resp, fresh: true },
            Ok(Event::Closed(reason)) => {
                self.closed = Some(reason.clone());
                Next::Closed(reason)
            }
            Err(RecvTimeoutError::Timeout) => Next::Timeout,
            Err(RecvTimeoutError::Disconnected) => {
                let reason = "reader stopped".to_string();
                self.closed = Some(reason.clone());
                Next::Closed(reason)
            }
        }
    }

    /// Puts a response back so the next [`Connection::next`] returns it first.
    pub fn push_front(&mut self, resp: Response) {
        self.queue.push_front(resp);
    }

    /// Everything received but not consumed, without waiting; `fresh` as in [`Next`].
    pub fn drain(&mut self) -> Vec<(Response, bool)> {
        let mut out: Vec<(Response, bool)> = self.queue.drain(..).map(|r| (r, false)).collect();
        while let Ok(ev) = self.events.try_recv() {
            match ev {
                Event::Response(r) => out.push((r, true)),
                Event::Closed(reason) => self.closed = Some(reason),
            }
        }
        out
    }

    /// Whether the server has closed the connection (as far as seen so far).
    pub fn closed_reason(&self) -> Option<&str> {
        self.closed.as_deref()
    }

    /// The last part of the server's stderr (stdio and openssl transports).
    pub fn stderr_tail(&self) -> String {
        let Some(buf) = &self.stderr else {
            return String::new();
        };
        let buf = buf.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// Closes our side; gives a spawned server a moment to exit, then kills its group.
    pub fn close(&mut self) {
        self.writer = None;
        if let Some(tcp) = self.tcp.take() {
            let _ = tcp.shutdown(std::net::Shutdown::Both);
        }
        let Some(mut child) = self.child.take() else {
            return;
        };
        let deadline = Instant::now() + Duration::from_millis(1000);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(5));
        }
        // The server ignored EOF: end its whole process group (it was started as a leader).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

fn start_reader<R: Read + Send + 'static>(input: R, tx: Sender<Event>) {
    thread::spawn(move || {
        let mut reader = ResponseReader::new(BufReader::new(input));
        loop {
            let ev = match reader.read_response() {
                Ok(Some(resp)) => Event::Response(resp),
                Ok(None) => Event::Closed("connection closed by the server".into()),
                Err(e) => Event::Closed(format!("connection lost: {e}")),
            };
            let last = matches!(ev, Event::Closed(_));
            if tx.send(ev).is_err() || last {
                return;
            }
        }
    });
}

fn start_stderr<R: Read + Send + 'static>(mut input: R, buf: Arc<Mutex<Vec<u8>>>) {
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = input.read(&mut chunk) {
            if n == 0 {
                return;
            }
            let mut b = buf.lock().unwrap_or_else(|e| e.into_inner());
            b.extend_from_slice(&chunk[..n]);
            if b.len() > STDERR_KEEP {
                let cut = b.len() - STDERR_KEEP;
                b.drain(..cut);
            }
        }
    });
}
