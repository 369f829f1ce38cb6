//! SIGTERM and SIGHUP end a session cleanly: the handler (signal-hook's self-pipe) writes a
//! byte to a pipe whose read end is in the connection's poll loop, which then sends `* BYE`
//! and logs the end, as Courier's `sigexit` does (imapd.c). SIGPIPE is ignored (Courier:
//! `signal(SIGPIPE, SIG_IGN)`), so a vanished client is a write error, not a silent death;
//! Rust's runtime already sets that.

use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;

use signal_hook::consts::{SIGHUP, SIGTERM};

/// The read end of the signal pipe.
#[derive(Debug)]
pub struct Signals {
    read: UnixStream,
}

impl Signals {
    /// Installs the handlers for SIGTERM and SIGHUP.
    pub fn install() -> io::Result<Self> {
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        write.set_nonblocking(true)?;
        signal_hook::low_level::pipe::register(SIGTERM, write.try_clone()?)?;
        signal_hook::low_level::pipe::register(SIGHUP, write)?;
        Ok(Signals { read })
    }

    /// The descriptor to poll for readability.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// True if a signal arrived (and consumes the notification).
    pub fn take(&mut self) -> bool {
        let mut buf = [0u8; 16];
        let mut any = false;
        while let Ok(n) = self.read.read(&mut buf) {
            if n == 0 {
                break;
            }
            any = true;
        }
        any
    }
}
