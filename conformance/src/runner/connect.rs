//! Opening a client connection: greeting (RFC 3501 §7.1.4 PREAUTH, §7.1.1 OK) and, when the
//! server does not pre-authenticate, LOGIN (§6.2.3). Also the runner's own commands.

use std::path::Path;
use std::time::Duration;

use super::target::{Target, Tls, Transport};
use super::transcript::Transcript;
use super::StepError;
use crate::transport::{Connection, Next};
use crate::wire::Response;

/// Connects a client named `label` and brings it to the authenticated state.
pub fn open(
    target: &Target,
    maildir: Option<&Path>,
    label: &str,
    t: &mut Transcript,
    timeout: Duration,
) -> Result<Connection, StepError> {
    let conn = match &target.transport {
        Transport::Stdio { command } => {
            let dir = maildir.expect("stdio targets have a Maildir");
            Connection::spawn(&Target::stdio_command(command, dir), dir)
        }
        Transport::Net {
            addr,
            tls: Tls::None,
        } => Connection::tcp(addr, timeout),
        Transport::Net {
            addr,
            tls: Tls::StartTls,
        } => Connection::openssl(addr, true),
        Transport::Net {
            addr,
            tls: Tls::Implicit,
        } => Connection::openssl(addr, false),
    };
    let mut conn =
        conn.map_err(|e| StepError::new("a connection to the server", format!("{e}")))?;
    t.note(&format!("{label} connects"));
    // With -starttls, s_client reads the greeting and does STARTTLS itself.
    let starttls = matches!(
        target.transport,
        Transport::Net {
            tls: Tls::StartTls,
            ..
        }
    );
    if !starttls && greeting(&mut conn, label, t, timeout)? {
        return Ok(conn);
    }
    let Some(login) = &target.login else {
        return Err(StepError::new(
            "a PREAUTH greeting (or --user/--pass to LOGIN with)",
            "an OK greeting".to_string(),
        ));
    };
    let text = format!("L1 LOGIN {} {}", quote(&login.user), quote(&login.pass));
    let (_, tagged) = command(&mut conn, t, label, "L1", &text, None, timeout)?;
    if tagged.status_word() != "OK" {
        return Err(StepError::new(
            "L1 OK (LOGIN accepted)",
            tagged.display_lines().join("\n"),
        ));
    }
    Ok(conn)
}

/// Reads the greeting. `Ok(true)` for PREAUTH, `Ok(false)` for OK (LOGIN needed).
fn greeting(
    conn: &mut Connection,
    label: &str,
    t: &mut Transcript,
    timeout: Duration,
) -> Result<bool, StepError> {
    loop {
        let resp = match conn.next(timeout) {
            Next::Response { resp, .. } => resp,
            Next::Timeout => {
                return Err(StepError::new(
                    "a greeting (RFC 3501 §7.1)",
                    format!("nothing within {} ms", timeout.as_millis()),
                ))
            }
            Next::Closed(reason) => {
                std::thread::sleep(Duration::from_millis(50)); // let stderr drain
                return Err(StepError::new("a greeting (RFC 3501 §7.1)", reason).with_stderr(conn));
            }
        };
        t.received(label, &resp);
        if resp.raw.starts_with(b"* OK [ALERT]") {
            continue; // some servers warn before greeting; not the greeting itself
        }
        return match (resp.is_untagged(), resp.status_word().as_str()) {
            (true, "PREAUTH") => Ok(true),
            (true, "OK") => Ok(false),
            _ => Err(StepError::new(
                "a greeting: * OK or * PREAUTH (RFC 3501 §7.1)",
                resp.display_lines().join("\n"),
            )
            .with_stderr(conn)),
        };
    }
}

/// Sends the runner's own command `text` (tag `tag`), with an optional synchronizing
/// literal (`text` must then end in `{N}`), and reads up to its tagged response.
/// Returns the untagged responses and the tagged one.
pub fn command(
    conn: &mut Connection,
    t: &mut Transcript,
    label: &str,
    tag: &str,
    text: &str,
    literal: Option<&[u8]>,
    timeout: Duration,
) -> Result<(Vec<Response>, Response), StepError> {
    let mut untagged = Vec::new();
    let line = format!("{text}\r\n");
    send(conn, t, label, line.as_bytes())?;
    if let Some(data) = literal {
        loop {
            let resp = wait(
                conn,
                t,
                label,
                timeout,
                "a + continuation request (RFC 3501 §7.5)",
            )?;
            if resp.is_continuation() {
                break;
            }
            if resp.tag() == Some(tag.as_bytes()) {
                return Ok((untagged, resp));
            }
            untagged.push(resp);
        }
        send(conn, t, label, &[data, b"\r\n"].concat())?;
    }
    loop {
        let resp = wait(conn, t, label, timeout, &format!("{tag} OK"))?;
        if resp.tag() == Some(tag.as_bytes()) {
            return Ok((untagged, resp));
        }
        untagged.push(resp);
    }
}

fn send(
    conn: &mut Connection,
    t: &mut Transcript,
    label: &str,
    bytes: &[u8],
) -> Result<(), StepError> {
    t.sent(label, bytes);
    t.flush(label);
    conn.send(bytes).map_err(|e| {
        StepError::new("to send a command", format!("write failed: {e}")).with_stderr(conn)
    })
}

fn wait(
    conn: &mut Connection,
    t: &mut Transcript,
    label: &str,
    timeout: Duration,
    what: &str,
) -> Result<Response, StepError> {
    match conn.next(timeout) {
        Next::Response { resp, fresh } => {
            if fresh {
                t.received(label, &resp);
            }
            Ok(resp)
        }
        Next::Timeout => Err(StepError::new(
            what,
            format!("nothing within {} ms", timeout.as_millis()),
        )),
        Next::Closed(reason) => Err(StepError::new(what, reason).with_stderr(conn)),
    }
}

/// An IMAP quoted string (RFC 3501 §4.3).
pub fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
