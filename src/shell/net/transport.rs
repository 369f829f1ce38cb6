//! The client connection before login: cleartext TCP, or TLS over it (implicit, or after
//! STARTTLS). Blocking, with the socket's read timeout bounding every wait.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// A client connection.
pub enum Transport {
    /// Cleartext.
    Plain(TcpStream),
    /// TLS over the socket.
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

/// Sets the socket's read timeout to what is left until `deadline`; an error once it passed.
pub fn arm(sock: &TcpStream, deadline: Instant) -> io::Result<()> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(io::ErrorKind::TimedOut.into());
    }
    sock.set_read_timeout(Some(left))
}

impl Transport {
    /// The TCP socket underneath.
    pub fn socket(&self) -> &TcpStream {
        match self {
            Transport::Plain(s) => s,
            Transport::Tls(t) => &t.sock,
        }
    }

    /// True once TLS is in use.
    pub fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }

    /// Runs the TLS handshake on a cleartext connection (implicit TLS at connect, or after
    /// STARTTLS), finishing by `deadline`.
    pub fn start_tls(
        sock: TcpStream,
        config: Arc<ServerConfig>,
        deadline: Instant,
    ) -> Result<Self, String> {
        let mut conn = ServerConnection::new(config).map_err(|e| format!("TLS: {e}"))?;
        let mut sock = sock;
        while conn.is_handshaking() {
            arm(&sock, deadline).map_err(|_| "TLS handshake timed out".to_string())?;
            match conn.complete_io(&mut sock) {
                Ok((0, 0)) if conn.is_handshaking() => {
                    return Err("client closed the connection during the TLS handshake".into())
                }
                Ok(_) => {}
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    return Err("TLS handshake timed out".into())
                }
                Err(e) => {
                    // Send the alert rustls prepared, if any.
                    let _ = conn.write_tls(&mut sock);
                    return Err(format!("TLS handshake failed: {e}"));
                }
            }
        }
        Ok(Transport::Tls(Box::new(StreamOwned::new(conn, sock))))
    }

    /// The TLS protocol version and cipher suite, for the log.
    pub fn tls_description(&self) -> Option<String> {
        match self {
            Transport::Plain(_) => None,
            Transport::Tls(t) => Some(format!(
                "{:?}, {:?}",
                t.conn.protocol_version()?,
                t.conn.negotiated_cipher_suite()?.suite()
            )),
        }
    }
}

impl Read for Transport {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.read(buf),
            Transport::Tls(t) => t.read(buf),
        }
    }
}

impl Write for Transport {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.write(buf),
            Transport::Tls(t) => t.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Transport::Plain(s) => s.flush(),
            Transport::Tls(t) => t.flush(),
        }
    }
}
