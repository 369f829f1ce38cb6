//! What a login program tells imapd through the environment (Courier `imapd(8)`, "AUTH*":
//! "these environment variables are set by imaplogin and the authentication modules. Their
//! absence tells imapd that it's running from the command line").
//!
//! Courier's rules (imapd.c `main`), which imapd follows:
//! * `IMAPLOGINTAG` set: a login program (Courier's `imaplogin`, or any other that sets it,
//!   such as mailfront or a proxy) read `tag LOGIN user pass` and authenticated the user; the
//!   session starts with `tag OK LOGIN Ok.` instead of a greeting. `AUTHENTICATED` must then
//!   be set, else `* BYE AUTHENTICATED environment variable not set.`
//! * No `IMAPLOGINTAG`: started from a shell, inetd or an ssh tunnel; the greeting is
//!   `* PREAUTH`, the user is `AUTHENTICATED` or else the passwd name of the real uid, and the
//!   peer is logged as `ip=[127.0.0.1], port=[0]` whatever the environment says.
//! * `TCPREMOTEIP`, `TCPREMOTEPORT` (set by couriertcpd) and `PROTOCOL` (default `IMAP`) are
//!   only logged. `IMAP_TLS=1` marks a TLS connection (logged as `starttls=1`).
//! * `OPTIONS` holds the account's authlib options, `name=value` separated by commas:
//!   `disableimap=1` refuses the account, `disableinsecureimap=1` refuses it unless
//!   `IMAP_TLS=1`. (Courier sends these `* BYE`s after its greeting; imapd sends them instead
//!   of it, so a client never sees OK and BYE for the same login.)
//! * `AUTHADDR` and `AUTHFULLNAME` (the account's address and name) are read by Courier only
//!   for its Outbox feature, which imapd does not have; imapd ignores them.

use crate::syntax::types::{Code, Response, StatusKind, StatusResponse, Tag};

/// The login environment of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginEnv {
    /// `IMAPLOGINTAG`: the tag of the LOGIN command a login program already answered for.
    pub login_tag: Option<Tag>,
    /// `AUTHENTICATED`, or the passwd name of the process's uid.
    pub user: String,
    /// `TCPREMOTEIP` (`127.0.0.1` without a login program).
    pub remote_ip: String,
    /// `TCPREMOTEPORT` (`0` without a login program).
    pub remote_port: String,
    /// `PROTOCOL`, default `IMAP`.
    pub protocol: String,
    /// `IMAP_TLS`: the connection is encrypted.
    pub tls: bool,
    /// `OPTIONS`: the account's options (authlib), as name/value pairs.
    pub options: Vec<(String, String)>,
}

/// Why a session must not start: the text of its `* BYE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// The name of a uid in `/etc/passwd` (what Courier's `getpwuid` finds on most systems).
fn passwd_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        let id = f.nth(1)?;
        (id.parse::<u32>().ok()? == uid).then(|| name.to_owned())
    })
}

impl LoginEnv {
    /// Reads the login environment (a lookup, so tests need no process environment).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, Refused> {
        let login_tag = match nonempty(get("IMAPLOGINTAG")) {
            Some(t) => Some(
                Tag::new(&t)
                    .map_err(|_| Refused(format!("IMAPLOGINTAG {t:?} is not a valid IMAP tag.")))?,
            ),
            None => None,
        };
        let authenticated = nonempty(get("AUTHENTICATED"));
        let (user, remote_ip, remote_port) = if login_tag.is_some() {
            let Some(user) = authenticated else {
                return Err(Refused(
                    "AUTHENTICATED environment variable not set.".into(),
                ));
            };
            (
                user,
                nonempty(get("TCPREMOTEIP")).unwrap_or_else(|| "127.0.0.1".into()),
                nonempty(get("TCPREMOTEPORT")).unwrap_or_else(|| "0".into()),
            )
        } else {
            let uid = rustix::process::getuid().as_raw();
            let user = authenticated
                .or_else(|| passwd_name(uid))
                .or_else(|| nonempty(get("USER")))
                .unwrap_or_else(|| format!("uid{uid}"));
            (user, "127.0.0.1".into(), "0".into())
        };
        let options = get("OPTIONS")
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (kv.to_owned(), String::new()),
            })
            .collect();
        Ok(LoginEnv {
            login_tag,
            user,
            remote_ip,
            remote_port,
            protocol: nonempty(get("PROTOCOL")).unwrap_or_else(|| "IMAP".into()),
            tls: get("IMAP_TLS").is_some_and(|v| v.trim().parse::<i64>().unwrap_or(0) != 0),
            options,
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, Refused> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// An account option as a number, as authlib's `auth_getoptionenvint` reads it (a value
    /// starting with y/Y counts as 1).
    fn option_int(&self, name: &str) -> i64 {
        self.options
            .iter()
            .find(|(k, _)| k == name)
            .map_or(0, |(_, v)| {
                if v.starts_with(['y', 'Y']) {
                    1
                } else {
                    v.trim().parse().unwrap_or(0)
                }
            })
    }

    /// The account may not use IMAP here (Courier imapd.c `chkdisabled`).
    pub fn refusal(&self) -> Option<Refused> {
        if self.option_int("disableimap") != 0 {
            return Some(Refused("IMAP access disabled for this account.".into()));
        }
        if self.option_int("disableinsecureimap") != 0 && !self.tls {
            return Some(Refused(
                "IMAP access disabled via insecure connection.".into(),
            ));
        }
        None
    }

    /// The first line of the session: `tag OK [CAPABILITY …] LOGIN Ok.` when a login
    /// program answered for LOGIN (the capability code as RFC 3501 §6.2.3 permits, so the
    /// client need not ask), else `None` (the core's PREAUTH greeting).
    pub fn login_ok(&self, capabilities: Vec<crate::syntax::types::Atom>) -> Option<Response> {
        let tag = self.login_tag.clone()?;
        Some(Response::Status(StatusResponse {
            tag: Some(tag),
            kind: StatusKind::Ok,
            code: Some(Code::Capability(capabilities)),
            text: "LOGIN Ok.".into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(a, _)| *a == k)
                .map(|(_, b)| b.to_string())
        }
    }

    #[test]
    fn from_a_login_program() {
        let l = LoginEnv::from_lookup(env(&[
            ("IMAPLOGINTAG", "a1"),
            ("AUTHENTICATED", "alice"),
            ("TCPREMOTEIP", "::ffff:192.0.2.7"),
            ("TCPREMOTEPORT", "50123"),
            ("OPTIONS", "disableinsecureimap=1,wbnochangepass=1"),
        ]))
        .unwrap();
        assert_eq!(l.login_tag.as_ref().map(|t| t.as_str()), Some("a1"));
        assert_eq!(
            (l.user.as_str(), l.remote_ip.as_str()),
            ("alice", "::ffff:192.0.2.7")
        );
        assert_eq!(
            l.refusal().unwrap().0,
            "IMAP access disabled via insecure connection."
        );
        let missing = LoginEnv::from_lookup(env(&[("IMAPLOGINTAG", "a1")])).unwrap_err();
        assert_eq!(missing.0, "AUTHENTICATED environment variable not set.");
    }

    #[test]
    fn from_a_shell_the_peer_is_local() {
        let l = LoginEnv::from_lookup(env(&[("TCPREMOTEIP", "192.0.2.7")])).unwrap();
        assert_eq!(
            (l.remote_ip.as_str(), l.remote_port.as_str()),
            ("127.0.0.1", "0")
        );
        assert!(l.login_tag.is_none() && l.refusal().is_none());
        assert_eq!(l.protocol, "IMAP");
    }
}
