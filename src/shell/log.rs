//! Log lines on stderr in Courier's shape, so existing log parsers keep working
//! (Courier imapd.c `chkdisabled` and imaptoken.c `bye_msg`):
//!
//! ```text
//! INFO: LOGIN, user=alice, ip=[127.0.0.1], port=[0], protocol=IMAP
//! INFO: LOGOUT, user=alice, ip=[127.0.0.1], headers=412, body=1022, rcvd=120, sent=2270, time=3
//! ```
//!
//! The end line's type says how the session ended: `INFO: LOGOUT`, `INFO: DISCONNECTED`,
//! `INFO: TIMEOUT` (autologout), `NOTICE: Disconnected during shutdown by signal`.
//! `headers` and `body` count the octets of message headers and of other message data sent
//! in FETCH responses; `rcvd`/`sent` all octets; `time` whole seconds; `, starttls=1` is
//! appended when `IMAP_TLS` is set. Nothing a client sends (passwords included) is ever logged.

use crate::syntax::types::{Data, FetchValue, Response, SectionText};

use super::login::LoginEnv;

/// Octets moved, for the end line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// Octets of message headers sent in FETCH responses.
    pub headers: u64,
    /// Octets of other message data sent in FETCH responses.
    pub body: u64,
    /// Octets received from the client.
    pub received: u64,
    /// Octets sent to the client.
    pub sent: u64,
}

impl Counters {
    /// Counts the message data in one response (called for every response sent).
    pub fn note(&mut self, r: &Response) {
        let Response::Data(Data::Fetch { items, .. }) = r else {
            return;
        };
        for item in items {
            let (header, len) = match item {
                FetchValue::BodySection { section, data, .. } => {
                    let header = matches!(
                        section.text,
                        Some(
                            SectionText::Header
                                | SectionText::HeaderFields(_)
                                | SectionText::HeaderFieldsNot(_)
                                | SectionText::Mime
                        )
                    );
                    (header, data.as_ref().map_or(0, Vec::len))
                }
                FetchValue::Rfc822Header(d) => (true, d.as_ref().map_or(0, Vec::len)),
                FetchValue::Rfc822(d) | FetchValue::Rfc822Text(d) => {
                    (false, d.as_ref().map_or(0, Vec::len))
                }
                FetchValue::Binary { data, .. } => (false, data.as_ref().map_or(0, Vec::len)),
                _ => continue,
            };
            if header {
                self.headers += len as u64;
            } else {
                self.body += len as u64;
            }
        }
    }
}

/// How a session ended, as the end line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndKind {
    /// The client sent LOGOUT.
    Logout,
    /// The client went away (EOF or a write error).
    Disconnected,
    /// Autologout.
    Timeout,
    /// SIGTERM or SIGHUP.
    Signal,
}

/// The line written when the session starts.
pub fn login_line(login: &LoginEnv) -> String {
    format!(
        "INFO: LOGIN, user={}, ip=[{}], port=[{}], protocol={}",
        login.user, login.remote_ip, login.remote_port, login.protocol
    )
}

/// The line written when the session ends.
pub fn end_line(login: &LoginEnv, how: EndKind, c: &Counters, seconds: u64) -> String {
    let kind = match how {
        EndKind::Logout => "INFO: LOGOUT",
        EndKind::Disconnected => "INFO: DISCONNECTED",
        EndKind::Timeout => "INFO: TIMEOUT",
        EndKind::Signal => "NOTICE: Disconnected during shutdown by signal",
    };
    format!(
        "{kind}, user={}, ip=[{}], headers={}, body={}, rcvd={}, sent={}, time={seconds}{}",
        login.user,
        login.remote_ip,
        c.headers,
        c.body,
        c.received,
        c.sent,
        if login.tls { ", starttls=1" } else { "" }
    )
}
