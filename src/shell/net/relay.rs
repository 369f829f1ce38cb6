//! Relays a TLS connection to the session process as plaintext over a socketpair, so the
//! process holding the TLS keys never runs as a mail user and the one running as the user
//! never sees the keys. Non-blocking on both sides with bounded buffers: neither side can
//! make the relay block, and memory stays bounded whatever the peers do.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;

use rustix::event::{poll, PollFd, PollFlags};
use rustls::{ServerConnection, StreamOwned};

/// Plaintext queued for the session before the relay stops reading from the client.
const MAX_TO_SESSION: usize = 256 * 1024;
/// TLS output queued for the client before the relay stops reading from the session.
const MAX_TO_CLIENT: usize = 256 * 1024;

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// Moves bytes until both directions are done. `pending` is plaintext for the session that
/// was already received (pipelined behind the login command).
pub fn run(
    tls: StreamOwned<ServerConnection, TcpStream>,
    session: UnixStream,
    pending: Vec<u8>,
) -> io::Result<()> {
    let StreamOwned { mut conn, mut sock } = tls;
    let mut session = session;
    sock.set_read_timeout(None)?;
    sock.set_nonblocking(true)?;
    session.set_nonblocking(true)?;
    conn.set_buffer_limit(Some(MAX_TO_CLIENT));
    let mut to_session = pending;
    let mut client_eof = false;
    let mut session_eof = false;
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        // Plaintext rustls already decrypted (e.g. sent right behind the handshake).
        loop {
            match conn.reader().read(&mut buf) {
                Ok(0) => {
                    client_eof = true;
                    break;
                }
                Ok(n) => to_session.extend_from_slice(&buf[..n]),
                Err(e) if would_block(&e) => break,
                // A client that closes without close_notify (most IMAP clients after LOGOUT).
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    client_eof = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        // Client → session.
        while !to_session.is_empty() {
            match session.write(&to_session) {
                Ok(n) => {
                    to_session.drain(..n);
                }
                Err(e) if would_block(&e) => break,
                Err(_) => return Ok(()), // the session is gone
            }
        }
        if client_eof && to_session.is_empty() {
            let _ = session.shutdown(std::net::Shutdown::Write);
        }
        // TLS records → client.
        while conn.wants_write() {
            match conn.write_tls(&mut sock) {
                Ok(_) => {}
                Err(e) if would_block(&e) => break,
                Err(_) => return Ok(()), // the client is gone
            }
        }
        if session_eof && !conn.wants_write() {
            return Ok(());
        }
        if client_eof && session_eof {
            return Ok(());
        }
        let read_client = !client_eof && to_session.len() < MAX_TO_SESSION;
        let read_session = !session_eof && !conn.wants_write();
        let mut client_flags = PollFlags::empty();
        if read_client {
            client_flags |= PollFlags::IN;
        }
        if conn.wants_write() {
            client_flags |= PollFlags::OUT;
        }
        let mut session_flags = PollFlags::empty();
        if read_session {
            session_flags |= PollFlags::IN;
        }
        if !to_session.is_empty() {
            session_flags |= PollFlags::OUT;
        }
        let mut fds = [
            PollFd::new(&sock, client_flags),
            PollFd::new(&session, session_flags),
        ];
        match poll(&mut fds, None) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
        let c = fds[0].revents();
        let s = fds[1].revents();
        let closed = PollFlags::HUP | PollFlags::ERR;
        if read_client && c.intersects(PollFlags::IN | closed) {
            match conn.read_tls(&mut sock) {
                Ok(0) => client_eof = true,
                Ok(_) => {
                    if let Err(e) = conn.process_new_packets() {
                        // Send the alert, then stop.
                        let _ = conn.write_tls(&mut sock);
                        return Err(io::Error::new(io::ErrorKind::InvalidData, e));
                    }
                }
                Err(e) if would_block(&e) => {}
                Err(_) => client_eof = true,
            }
        }
        if read_session && s.intersects(PollFlags::IN | closed) {
            match session.read(&mut buf) {
                Ok(0) => {
                    session_eof = true;
                    conn.send_close_notify();
                }
                Ok(n) => {
                    conn.writer().write_all(&buf[..n])?;
                }
                Err(e) if would_block(&e) => {}
                Err(_) => {
                    session_eof = true;
                    conn.send_close_notify();
                }
            }
        }
        if client_eof && session_eof {
            return Ok(());
        }
    }
}
