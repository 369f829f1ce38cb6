//! The listening process (`imapd serve`): accepts connections and starts one login process
//! per connection — our own binary again, role `login`, with the socket as stdin/stdout —
//! after checking MAXDAEMONS and MAXPERIP. It never reads a password or a mailbox. Signals:
//! SIGCHLD reaps, SIGHUP checks the certificate and user database again (connection
//! processes read them afresh anyway), SIGTERM/SIGINT stop listening (sessions finish).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rustix::event::{poll, PollFd, PollFlags};

use super::limits::{Admission, Limits};
use super::listen::{self, Listener};
use super::login::{env as login_env, FAILURE_STATUS_BASE};
use super::options::ServeOptions;
use super::{handoff, tls};

struct Signals {
    wake: UnixStream,
    hup: Arc<AtomicBool>,
    term: Arc<AtomicBool>,
}

fn signals() -> std::io::Result<Signals> {
    use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM};
    let (wake, write) = UnixStream::pair()?;
    wake.set_nonblocking(true)?;
    write.set_nonblocking(true)?;
    let hup = Arc::new(AtomicBool::new(false));
    let term = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(SIGHUP, Arc::clone(&hup))?;
    signal_hook::flag::register(SIGTERM, Arc::clone(&term))?;
    signal_hook::flag::register(SIGINT, Arc::clone(&term))?;
    for sig in [SIGCHLD, SIGHUP, SIGTERM, SIGINT] {
        signal_hook::low_level::pipe::register(sig, write.try_clone()?)?;
    }
    Ok(Signals { wake, hup, term })
}

/// Checks what every connection will need, so that mistakes show at start-up and on SIGHUP
/// rather than as failing connections.
fn check(options: &ServeOptions, listeners: &[Listener]) -> Result<(), String> {
    match (&options.cert, options.key_file()) {
        (Some(c), Some(k)) => {
            tls::load(c, k)?;
        }
        _ => {
            if let Some(l) = listeners.iter().find(|l| l.tls) {
                return Err(format!(
                    "implicit-TLS listener {} has no certificate: give --cert and --key",
                    l.addr
                ));
            }
            for l in listeners {
                eprintln!(
                    "WARN: listener {} has no certificate: STARTTLS is not offered{}",
                    l.addr,
                    if options.allow_plaintext {
                        " and passwords cross the network in cleartext (--allow-plaintext)"
                    } else {
                        " and LOGIN is refused (LOGINDISABLED); give --cert/--key or --allow-plaintext"
                    }
                );
            }
        }
    }
    if let Some(f) = &options.passwd_file {
        std::fs::metadata(f).map_err(|e| format!("passwd-file {}: {e}", f.display()))?;
    }
    if let Some(p) = &options.checkpassword {
        std::fs::metadata(p).map_err(|e| format!("checkpassword {}: {e}", p.display()))?;
    }
    Ok(())
}

/// Writes a one-line refusal to a cleartext client without ever blocking the listener.
fn refuse(stream: TcpStream, tls: bool, text: &str) {
    if !tls {
        let _ = stream.set_nonblocking(true);
        let _ = (&stream).write_all(format!("* BYE {text}\r\n").as_bytes());
    }
    // On an implicit-TLS port a cleartext BYE would be a TLS protocol error: just close.
}

/// Runs the listener; `args` are the `serve` arguments, passed on to each login process.
pub fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", super::options::USAGE);
        return ExitCode::SUCCESS;
    }
    let options = match ServeOptions::parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("imapd serve: {e}\n\n{}", super::options::USAGE);
            return ExitCode::from(2);
        }
    };
    let listeners = match listen::open(&options) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("imapd serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = check(&options, &listeners) {
        eprintln!("imapd serve: {e}");
        return ExitCode::FAILURE;
    }
    let sig = match signals() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("imapd serve: signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let exe = handoff::current_exe();
    for l in &listeners {
        eprintln!(
            "INFO: listening on {} ({})",
            l.addr,
            if l.tls {
                "implicit TLS"
            } else {
                "IMAP, STARTTLS"
            }
        );
    }
    let mut limits = Limits::new(options.max_daemons, options.max_per_ip);
    let mut children: HashMap<u32, (Child, IpAddr)> = HashMap::new();
    loop {
        let mut fds: Vec<PollFd<'_>> = listeners
            .iter()
            .map(|l| PollFd::new(&l.socket, PollFlags::IN))
            .collect();
        fds.push(PollFd::new(&sig.wake, PollFlags::IN));
        match poll(&mut fds, None) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => {
                eprintln!("ERR: poll: {e}");
                return ExitCode::FAILURE;
            }
        }
        let ready: Vec<bool> = fds
            .iter()
            .map(|f| f.revents().contains(PollFlags::IN))
            .collect();
        drop(fds);
        let mut sink = [0u8; 64];
        while matches!((&sig.wake).read(&mut sink), Ok(n) if n > 0) {}
        // Reap: each ended connection frees its slot and reports its failed logins.
        let now = Instant::now();
        children.retain(|_, (child, ip)| match child.try_wait() {
            Ok(Some(status)) => {
                let code = status.code().unwrap_or(0);
                let base = i32::from(FAILURE_STATUS_BASE);
                let failures = if (base..base + 64).contains(&code) {
                    (code - base) as u32
                } else {
                    0
                };
                limits.release(*ip, failures, now);
                false
            }
            Ok(None) => true,
            Err(_) => {
                limits.release(*ip, 0, now);
                false
            }
        });
        if sig.term.load(Ordering::Relaxed) {
            eprintln!(
                "INFO: stopping: no new connections; {} sessions continue",
                children.len()
            );
            return ExitCode::SUCCESS;
        }
        if sig.hup.swap(false, Ordering::Relaxed) {
            match check(&options, &listeners) {
                Ok(()) => eprintln!(
                    "INFO: SIGHUP: certificate and user database checked; new connections use them"
                ),
                Err(e) => eprintln!("ERR: SIGHUP: {e} (new connections will fail until fixed)"),
            }
        }
        for (l, _) in listeners.iter().zip(&ready).filter(|(_, r)| **r) {
            loop {
                let (stream, peer) = match l.socket.accept() {
                    Ok(s) => s,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        // EMFILE and the like: log and try again at the next wake-up.
                        eprintln!("ERR: accept on {}: {e}", l.addr);
                        break;
                    }
                };
                let ip = peer.ip();
                match limits.admit(ip) {
                    Admission::Accept => {}
                    Admission::TooMany => {
                        eprintln!("ERR: Maximum connection limit reached (MAXDAEMONS={}), refusing ip=[{ip}]", options.max_daemons);
                        refuse(stream, l.tls, "Too many connections, try again later");
                        continue;
                    }
                    Admission::TooManyFromAddress => {
                        eprintln!(
                            "ERR: Maximum connection limit reached for ip=[{ip}] (MAXPERIP={})",
                            options.max_per_ip
                        );
                        refuse(stream, l.tls, "Too many connections from your address");
                        continue;
                    }
                }
                let prior = limits.recent_failures(ip, Instant::now());
                match spawn(&exe, args, &stream, l.tls, prior) {
                    Ok(child) => {
                        children.insert(child.id(), (child, ip));
                    }
                    Err(e) => {
                        eprintln!("ERR: cannot start a connection process: {e}");
                        limits.release(ip, 0, Instant::now());
                        refuse(stream, l.tls, "Server error, try again later");
                    }
                }
            }
        }
    }
}

fn spawn(
    exe: &std::path::Path,
    args: &[String],
    stream: &TcpStream,
    tls: bool,
    prior_failures: u32,
) -> std::io::Result<Child> {
    stream.set_nonblocking(false)?;
    let input = OwnedFd::from(stream.try_clone()?);
    let output = OwnedFd::from(stream.try_clone()?);
    Command::new(exe)
        .arg("serve")
        .args(args)
        .env(handoff::env::ROLE, "login")
        .env(login_env::TLS, if tls { "1" } else { "0" })
        .env(login_env::PRIOR_FAILURES, prior_failures.to_string())
        .env_remove("LISTEN_FDS")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDNAMES")
        .stdin(Stdio::from(input))
        .stdout(Stdio::from(output))
        .stderr(Stdio::inherit())
        .spawn()
}
