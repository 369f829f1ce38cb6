//! The listening sockets: from `--listen`/`--tls-listen` (IPv4 or IPv6; `[::]` also takes
//! IPv4 where the system allows dual-stack), or inherited from systemd socket activation
//! (`LISTEN_FDS`/`LISTEN_PID`, sd_listen_fds(3)); a socket whose `LISTEN_FDNAMES` entry is
//! `imaps` or ends in `tls` speaks implicit TLS.

use std::net::{SocketAddr, TcpListener};

use rustix::io::{fcntl_setfd, FdFlags};

use super::options::ServeOptions;

/// One listening socket.
#[derive(Debug)]
pub struct Listener {
    /// The socket (non-blocking, close-on-exec).
    pub socket: TcpListener,
    /// Implicit TLS (RFC 8314) rather than cleartext with STARTTLS.
    pub tls: bool,
    /// The bound address.
    pub addr: SocketAddr,
}

fn prepare(socket: TcpListener, tls: bool) -> Result<Listener, String> {
    // Inherited sockets are not close-on-exec; connection processes must not hold them.
    fcntl_setfd(&socket, FdFlags::CLOEXEC).map_err(|e| format!("fcntl: {e}"))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| format!("non-blocking: {e}"))?;
    let addr = socket
        .local_addr()
        .map_err(|e| format!("local_addr: {e}"))?;
    Ok(Listener { socket, tls, addr })
}

/// Binds the configured addresses, or takes the sockets systemd passed.
pub fn open(options: &ServeOptions) -> Result<Vec<Listener>, String> {
    let mut out = Vec::new();
    if options.listen.is_empty() && options.tls_listen.is_empty() {
        let names: Vec<String> = std::env::var("LISTEN_FDNAMES")
            .map(|v| v.split(':').map(str::to_owned).collect())
            .unwrap_or_default();
        std::env::remove_var("LISTEN_FDNAMES");
        let mut fds = listenfd::ListenFd::from_env();
        for i in 0..fds.len() {
            let name = names.get(i).map(String::as_str).unwrap_or("");
            let tls = name == "imaps" || name.ends_with("tls");
            match fds.take_tcp_listener(i) {
                Ok(Some(s)) => out.push(prepare(s, tls)?),
                Ok(None) => {}
                Err(e) => return Err(format!("inherited socket {i} ({name}): {e}")),
            }
        }
        if out.is_empty() {
            return Err("nothing to listen on: give --listen or --tls-listen (or start from a systemd socket unit)".into());
        }
        return Ok(out);
    }
    for (addrs, tls) in [(&options.listen, false), (&options.tls_listen, true)] {
        for a in addrs {
            let s = TcpListener::bind(a).map_err(|e| format!("cannot listen on {a}: {e}"))?;
            out.push(prepare(s, tls)?);
        }
    }
    Ok(out)
}
