//! The pre-authentication process: one per connection, started by the listener with the
//! accepted socket as stdin/stdout. It reads an optional PROXY header, runs TLS (implicit or
//! STARTTLS), serves the Not Authenticated state through [`LoginSession`] and checks
//! passwords; after a successful login it starts the user's session (see `handoff`).
//! It makes itself non-dumpable, so a process of the same uid cannot read its memory.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ServerConfig;

use crate::auth::{checkpassword, passwd_file, Account, Lookup};
use crate::core::login::{
    login_unavailable, Authenticator, LoginConfig, LoginEvent, LoginSession, Verdict,
};
use crate::shell::settings::Settings;
use crate::syntax::encode::encode_response;
use crate::syntax::frame::{FrameEvent, FrameLimits, Framer};
use crate::syntax::parse::{parse_authenticate_line, parse_command};
use crate::syntax::types::{Response, Secret, StatusKind, StatusResponse, Tag};

use super::handoff::{self, Handoff};
use super::limits::failure_delay;
use super::options::ServeOptions;
use super::transport::{arm, Transport};
use super::{proxy_protocol, relay, tls};

/// Environment set by the listener for the login process.
pub mod env {
    /// `1` on an implicit-TLS listener.
    pub const TLS: &str = "IMAPD_TLS";
    /// Failed logins from this address that the listener remembers.
    pub const PRIOR_FAILURES: &str = "IMAPD_PRIOR_FAILURES";
}

/// Exit status of a login process that ended with `n` failed attempts and no login: the
/// listener reads `n` back (status − 64) for the per-address delay.
pub const FAILURE_STATUS_BASE: u8 = 64;

/// Input accepted before authentication; more ends the connection (a client needs a few
/// hundred octets to log in).
const MAX_PREAUTH_INPUT: u64 = 256 * 1024;

/// Checks credentials against the configured database, remembering the account.
struct DbAuth<'a> {
    options: &'a ServeOptions,
    account: Option<Account>,
    remote: &'a str,
}

impl Authenticator for DbAuth<'_> {
    fn authenticate(&mut self, user: &str, password: &Secret<Vec<u8>>) -> Verdict {
        let lookup = match (&self.options.passwd_file, &self.options.checkpassword) {
            (Some(file), _) => passwd_file::check_file(file, user, password.expose()),
            (None, Some(prog)) => {
                checkpassword::check(prog, &handoff::current_exe(), user, password.expose())
            }
            (None, None) => Lookup::Unavailable("no user database configured".into()),
        };
        match lookup {
            Lookup::Accepted(a) => {
                self.account = Some(a);
                Verdict::Accepted
            }
            Lookup::Rejected => {
                eprintln!(
                    "ERR: LOGIN FAILED, user={}, ip=[{}]",
                    sanitize(user),
                    self.remote
                );
                Verdict::Rejected
            }
            Lookup::Unavailable(why) => {
                eprintln!(
                    "ERR: authentication unavailable, user={}, ip=[{}]: {why}",
                    sanitize(user),
                    self.remote
                );
                Verdict::Unavailable
            }
        }
    }
}

/// A user name as it may appear in a log line: no control characters, bounded.
fn sanitize(s: &str) -> String {
    s.chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn write_responses(t: &mut Transport, rs: &[Response]) -> io::Result<()> {
    let mut out = Vec::new();
    for r in rs {
        encode_response(r, &mut out);
    }
    t.write_all(&out)?;
    t.flush()
}

fn bye(text: &str) -> Response {
    Response::Status(StatusResponse {
        tag: None,
        kind: StatusKind::Bye,
        code: None,
        text: text.into(),
    })
}

fn exit_with_failures(n: u32) -> ExitCode {
    if n == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILURE_STATUS_BASE + n.min(63) as u8)
    }
}

/// Runs the login process; `args` are the `serve` arguments.
pub fn run(args: &[String]) -> ExitCode {
    let options = match ServeOptions::parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ERR: imapd serve: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Keep same-uid processes (sessions of a server running without root) out of our memory.
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    // Above the low descriptors: checkpassword needs descriptor 3 free.
    let sock = match rustix::io::fcntl_dupfd_cloexec(std::io::stdin().as_fd(), 10) {
        Ok(fd) => TcpStream::from(fd),
        Err(e) => {
            eprintln!("ERR: login process without a socket: {e}");
            return ExitCode::FAILURE;
        }
    };
    let deadline = Instant::now() + options.login_timeout;
    let mut remote: Option<SocketAddr> = sock.peer_addr().ok();
    if options.proxy_protocol {
        let _ = arm(&sock, deadline);
        match proxy_protocol::read_header(&mut &sock) {
            Ok(Some(addr)) => remote = Some(addr),
            Ok(None) => {}
            Err(e) => {
                eprintln!(
                    "ERR: {e}, ip=[{}]",
                    remote.map(|r| r.ip().to_string()).unwrap_or_default()
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let remote_ip = remote.map(|r| r.ip().to_string()).unwrap_or_default();
    let remote_port = remote.map(|r| r.port()).unwrap_or(0);
    let implicit_tls = std::env::var(env::TLS).is_ok_and(|v| v == "1");
    let tls_config: Option<Arc<ServerConfig>> = match (&options.cert, options.key_file()) {
        (Some(c), Some(k)) => match tls::load(c, k) {
            Ok(cfg) => Some(cfg),
            Err(e) => {
                eprintln!("ERR: {e}");
                None
            }
        },
        _ => None,
    };
    let mut transport = if implicit_tls {
        let Some(cfg) = tls_config.clone() else {
            eprintln!("ERR: implicit-TLS connection but no usable certificate, ip=[{remote_ip}]");
            return ExitCode::FAILURE;
        };
        match Transport::start_tls(sock, cfg, deadline) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("ERR: {e}, ip=[{remote_ip}]");
                return ExitCode::FAILURE;
            }
        }
    } else {
        Transport::Plain(sock)
    };
    let settings = match Settings::from_lookup(|k| {
        options
            .session_env
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(k).ok())
    }) {
        Ok(s) => s,
        Err(e) => {
            let _ = write_responses(&mut transport, &[bye(&format!("Configuration error: {e}"))]);
            eprintln!("ERR: configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    let prior: u32 = std::env::var(env::PRIOR_FAILURES)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let login_config = LoginConfig {
        tls_active: transport.is_tls(),
        starttls_available: tls_config.is_some(),
        allow_plaintext: options.allow_plaintext,
        ..LoginConfig::default()
    };
    let mut login = LoginSession::new(settings.session.clone(), login_config);
    let mut auth = DbAuth {
        options: &options,
        account: None,
        remote: &remote_ip,
    };
    eprintln!(
        "INFO: Connection, ip=[{remote_ip}], port=[{remote_port}]{}",
        transport
            .tls_description()
            .map(|d| format!(", tls=[{d}]"))
            .unwrap_or_default()
    );
    if write_responses(&mut transport, &[login.greeting()]).is_err() {
        return ExitCode::FAILURE;
    }
    let mut framer = Framer::new(FrameLimits::default());
    let mut buf = vec![0u8; 16 * 1024];
    let mut received: u64 = 0;
    loop {
        // Handle every complete command already buffered.
        while let Some(event) = framer.poll_event() {
            let failures_before = login.failures();
            let step = match event {
                FrameEvent::Command(raw) if login.wants_sasl_line() => {
                    let line = match &raw.invalid {
                        Some(_) => Err("Invalid octet in AUTHENTICATE response".to_string()),
                        None => parse_authenticate_line(raw.text.trim_end())
                            .map_err(|e| e.response_text()),
                    };
                    login.handle_sasl_line(line, &mut auth)
                }
                FrameEvent::Command(raw) => {
                    if raw.invalid.is_some() || raw.text.is_empty() {
                        let tag = raw.tag.as_deref().and_then(|t| Tag::new(t).ok());
                        if raw.text.is_empty() && raw.invalid.is_none() {
                            continue;
                        }
                        login.handle_bad(tag, "Invalid octet in command".into())
                    } else {
                        match parse_command(&raw.text, raw.literals) {
                            Ok(cmd) => login.handle_command(cmd, &mut auth),
                            Err(e) => {
                                let tag = e
                                    .tag()
                                    .cloned()
                                    .or_else(|| raw.tag.as_deref().and_then(|t| Tag::new(t).ok()));
                                login.handle_bad(tag, e.response_text())
                            }
                        }
                    }
                }
                FrameEvent::Continue { .. } => {
                    let cont = crate::syntax::types::Response::Continue(
                        crate::syntax::types::Continue::Text {
                            code: None,
                            text: "Ready for literal data".into(),
                        },
                    );
                    if write_responses(&mut transport, &[cont]).is_err() {
                        return exit_with_failures(login.failures());
                    }
                    continue;
                }
                FrameEvent::LiteralTooLarge { tag, .. }
                | FrameEvent::LineTooLong { tag }
                | FrameEvent::CommandTooLong { tag } => login.handle_bad(
                    tag.as_deref().and_then(|t| Tag::new(t).ok()),
                    "Command too long".into(),
                ),
            };
            framer.set_line_mode(login.wants_sasl_line());
            if login.failures() > failures_before {
                // A growing delay for repeated failures from this address (Courier waits
                // 5 s, Dovecot 2 s + more): slows password guessing down.
                std::thread::sleep(failure_delay(
                    options.auth_failure_delay,
                    prior + login.failures(),
                ));
            }
            if write_responses(&mut transport, &step.responses).is_err() {
                return exit_with_failures(login.failures());
            }
            match step.event {
                None | Some(LoginEvent::Failed) => {}
                Some(LoginEvent::Close) => return exit_with_failures(login.failures()),
                Some(LoginEvent::StartTls) => {
                    // RFC 3501 §6.2.1, RFC 2595 §3.1: nothing sent before the handshake may be
                    // read as a command afterwards (the STARTTLS command injection class).
                    let dropped = framer.reset();
                    if dropped > 0 {
                        eprintln!(
                            "INFO: discarded {dropped} octets pipelined behind STARTTLS, ip=[{remote_ip}]"
                        );
                    }
                    let Transport::Plain(sock) = transport else {
                        return ExitCode::FAILURE;
                    };
                    let Some(cfg) = tls_config.clone() else {
                        return ExitCode::FAILURE;
                    };
                    transport = match Transport::start_tls(sock, cfg, deadline) {
                        Ok(t) => t,
                        Err(e) => {
                            eprintln!("ERR: STARTTLS: {e}, ip=[{remote_ip}]");
                            return exit_with_failures(login.failures());
                        }
                    };
                    login.handle_tls_established();
                }
                Some(LoginEvent::Authenticated { tag, user, command }) => {
                    let Some(account) = auth.account.take() else {
                        return ExitCode::FAILURE;
                    };
                    let pipelined = framer.take_unread();
                    eprintln!(
                        "INFO: LOGIN, user={}, ip=[{remote_ip}], port=[{remote_port}], protocol=IMAP{}",
                        sanitize(&user),
                        transport
                            .tls_description()
                            .map(|d| format!(", tls=[{d}]"))
                            .unwrap_or_default()
                    );
                    let login = LoggedIn {
                        account: &account,
                        tag: &tag,
                        command,
                        pipelined: &pipelined,
                        remote: &remote_ip,
                    };
                    return start_session(transport, &options, &login);
                }
            }
        }
        if transport.socket().set_read_timeout(None).is_err() {
            return ExitCode::FAILURE;
        }
        if arm(transport.socket(), deadline).is_err() {
            let _ = write_responses(&mut transport, &[bye("Login timed out")]);
            eprintln!("ERR: login timeout, ip=[{remote_ip}]");
            return exit_with_failures(login.failures());
        }
        match transport.read(&mut buf) {
            Ok(0) => return exit_with_failures(login.failures()),
            Ok(n) => {
                received += n as u64;
                if received > MAX_PREAUTH_INPUT {
                    let _ = write_responses(
                        &mut transport,
                        &[bye("Too much input before authentication")],
                    );
                    eprintln!("ERR: too much input before authentication, ip=[{remote_ip}]");
                    return exit_with_failures(login.failures());
                }
                framer.handle_input(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                let _ = write_responses(&mut transport, &[bye("Login timed out")]);
                eprintln!("ERR: login timeout, ip=[{remote_ip}]");
                return exit_with_failures(login.failures());
            }
            Err(_) => return exit_with_failures(login.failures()),
        }
    }
}

/// A successful login, as the session process needs to know it.
struct LoggedIn<'a> {
    account: &'a Account,
    tag: &'a Tag,
    command: &'static str,
    pipelined: &'a [u8],
    remote: &'a str,
}

/// Hands the connection to the user's session process.
fn start_session(mut transport: Transport, options: &ServeOptions, l: &LoggedIn<'_>) -> ExitCode {
    let (account, tag) = (l.account, l.tag);
    let settings = handoff::session_settings(&options.session_env);
    let h = Handoff {
        account,
        tag: tag.as_str(),
        command: l.command,
        // Over TLS the relay delivers pipelined input; in cleartext the environment does.
        pipelined: if transport.is_tls() { b"" } else { l.pipelined },
        remote: l.remote,
        settings: &settings,
    };
    let fail = |transport: &mut Transport, why: String| {
        eprintln!("ERR: cannot start the session of {}: {why}", account.user);
        let _ = write_responses(transport, &[login_unavailable(tag.clone())]);
        ExitCode::FAILURE
    };
    let mut cmd = match handoff::command(&handoff::current_exe(), &h) {
        Ok(c) => c,
        Err(e) => return fail(&mut transport, e.to_string()),
    };
    if account.uid.is_none() && rustix::process::geteuid().is_root() {
        eprintln!(
            "WARN: user {} has no uid in the user database: the session runs as root",
            account.user
        );
    }
    match transport {
        Transport::Plain(sock) => {
            // The session takes over the socket (stdin/stdout are it already).
            drop(sock);
            cmd.stdin(Stdio::inherit()).stdout(Stdio::inherit());
            let e = handoff::exec(cmd);
            let mut out = std::io::stdout();
            let mut t = Vec::new();
            encode_response(&login_unavailable(tag.clone()), &mut t);
            let _ = out.write_all(&t);
            eprintln!("ERR: cannot start the session of {}: {e}", account.user);
            ExitCode::FAILURE
        }
        Transport::Tls(tls) => {
            let (ours, theirs) = match UnixStream::pair() {
                Ok(p) => p,
                Err(e) => {
                    let mut t = Transport::Tls(tls);
                    return fail(&mut t, format!("socketpair: {e}"));
                }
            };
            let theirs_out = match theirs.try_clone() {
                Ok(s) => s,
                Err(e) => {
                    let mut t = Transport::Tls(tls);
                    return fail(&mut t, format!("dup: {e}"));
                }
            };
            cmd.stdin(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
                .stdout(Stdio::from(std::os::fd::OwnedFd::from(theirs_out)));
            let mut child = match cmd.spawn() {
                Ok(c) => c,
                Err(e) => {
                    let mut t = Transport::Tls(tls);
                    return fail(&mut t, e.to_string());
                }
            };
            drop(cmd);
            let result = relay::run(*tls, ours, l.pipelined.to_vec());
            if let Err(e) = result {
                eprintln!("ERR: TLS relay for {}: {e}", account.user);
            }
            // The session sees EOF and ends; give it a moment, then make sure.
            let start = Instant::now();
            loop {
                match child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if start.elapsed() < Duration::from_secs(5) => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                }
            }
            ExitCode::SUCCESS
        }
    }
}
