//! The Not Authenticated state of a network session (RFC 3501 §3.1, §6.2): CAPABILITY,
//! STARTTLS, LOGIN and AUTHENTICATE (PLAIN with SASL-IR, LOGIN), as a pure state machine.
//!
//! The core never sees a password database: it asks an [`Authenticator`] the shell passes
//! in, just as it reaches mail through the `Store`. It never sees a socket either: STARTTLS
//! and a successful login are [`LoginEvent`]s the shell acts on (handshake; hand-off to the
//! session process running as the user).

use crate::syntax::parse::AuthenticateLine;
use crate::syntax::types::{
    Atom, Code, Command, CommandBody, Continue, Data, Response, Rfc5530Code, Secret, StatusKind,
    StatusResponse, Tag,
};

use super::config::SessionConfig;
use super::session::State;

/// What a credentials check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The password is right; the shell remembers the account it found.
    Accepted,
    /// Unknown user or wrong password (RFC 5530 AUTHENTICATIONFAILED).
    Rejected,
    /// The database could not be consulted (RFC 5530 UNAVAILABLE).
    Unavailable,
}

/// Checks credentials. The shell implements it over passwd-file or checkpassword.
pub trait Authenticator {
    /// Checks `user`'s password.
    fn authenticate(&mut self, user: &str, password: &Secret<Vec<u8>>) -> Verdict;
}

/// What the transport offers, as the shell knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginConfig {
    /// The connection is already encrypted (implicit TLS, RFC 8314, or after STARTTLS).
    pub tls_active: bool,
    /// STARTTLS can be offered (a certificate is configured).
    pub starttls_available: bool,
    /// LOGIN and AUTHENTICATE are allowed without TLS (RFC 3501 §6.2.3 LOGINDISABLED otherwise).
    pub allow_plaintext: bool,
    /// Failed attempts after which the connection is closed with `* BYE`.
    pub max_failures: u32,
    /// Invalid commands after which the connection is closed with `* BYE`.
    pub max_bad: u32,
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            tls_active: false,
            starttls_available: true,
            allow_plaintext: false,
            max_failures: 3,
            max_bad: 10,
        }
    }
}

/// Something the shell must do after sending the responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginEvent {
    /// Start the TLS handshake now, discarding any input already buffered (RFC 3501 §6.2.1),
    /// then call [`LoginSession::handle_tls_established`].
    StartTls,
    /// Credentials accepted: hand the connection to the user's session, which sends the
    /// tagged OK ([`login_completed`]).
    Authenticated {
        /// The LOGIN/AUTHENTICATE command's tag.
        tag: Tag,
        /// The login name.
        user: String,
        /// `LOGIN` or `AUTHENTICATE`, for the tagged OK's text.
        command: &'static str,
    },
    /// An attempt failed: the shell may delay the response (growing delay, RFC 3501 §6.2.3
    /// leaves it to the server) before sending it.
    Failed,
    /// The connection ends (LOGOUT, too many failures or invalid commands).
    Close,
}

/// What one input produced.
#[derive(Debug, Default)]
pub struct LoginStep {
    /// Responses to send, in order.
    pub responses: Vec<Response>,
    /// What the shell must do after sending them.
    pub event: Option<LoginEvent>,
}

/// SASL mechanisms (RFC 4616 PLAIN; LOGIN as in draft-murchison-sasl-login).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Sasl {
    /// Waiting for the PLAIN message.
    Plain,
    /// Waiting for the user name.
    LoginUser,
    /// Waiting for the password of this user.
    LoginPassword(String),
}

#[derive(Debug)]
enum Phase {
    Commands,
    Sasl { tag: Tag, step: Sasl },
    Done,
}

/// The pre-authentication session.
#[derive(Debug)]
pub struct LoginSession {
    config: SessionConfig,
    login: LoginConfig,
    phase: Phase,
    failures: u32,
    bad: u32,
}

fn status(tag: Option<Tag>, kind: StatusKind, code: Option<Code>, text: &str) -> Response {
    Response::Status(StatusResponse {
        tag,
        kind,
        code,
        text: text.into(),
    })
}

/// The tagged OK the session process sends once it has opened the user's mailbox; it carries
/// the post-login capabilities so clients need not ask again (RFC 3501 §7.1, as Dovecot).
pub fn login_completed(tag: Tag, config: &SessionConfig, mechanism: &str) -> Response {
    status(
        Some(tag),
        StatusKind::Ok,
        Some(Code::Capability(config.capabilities(&State::Authenticated))),
        &format!("{mechanism} completed"),
    )
}

/// The tagged NO when the session process cannot start (RFC 5530 UNAVAILABLE).
pub fn login_unavailable(tag: Tag) -> Response {
    status(
        Some(tag),
        StatusKind::No,
        Some(Code::Rfc5530(Rfc5530Code::Unavailable)),
        "Mailbox is temporarily unavailable",
    )
}

const LOGIN_USER_PROMPT: &[u8] = b"Username:";
const LOGIN_PASSWORD_PROMPT: &[u8] = b"Password:";

impl LoginSession {
    /// A session in the Not Authenticated state.
    pub fn new(config: SessionConfig, login: LoginConfig) -> Self {
        LoginSession {
            config,
            login,
            phase: Phase::Commands,
            failures: 0,
            bad: 0,
        }
    }

    /// Failed authentication attempts so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// True while an AUTHENTICATE exchange waits for a client line: the shell puts the
    /// framer in line mode and calls [`LoginSession::handle_sasl_line`].
    pub fn wants_sasl_line(&self) -> bool {
        matches!(self.phase, Phase::Sasl { .. })
    }

    fn auth_allowed(&self) -> bool {
        self.login.tls_active || self.login.allow_plaintext
    }

    /// The capabilities before login: the configured ones, STARTTLS while it is available,
    /// LOGINDISABLED and no AUTH= while plaintext login is refused (RFC 3501 §6.2.3,
    /// RFC 2595 §3.2), SASL-IR (RFC 4959) with the mechanisms.
    pub fn capabilities(&self) -> Vec<Atom> {
        let mut caps: Vec<Atom> = self
            .config
            .capabilities(&State::NotAuthenticated)
            .into_iter()
            .filter(|c| self.auth_allowed() || !c.eq_ignore_case("SASL-IR"))
            .collect();
        if self.login.starttls_available && !self.login.tls_active {
            caps.extend(Atom::new("STARTTLS").ok());
        }
        if self.auth_allowed() {
            caps.extend(Atom::new("AUTH=PLAIN").ok());
            caps.extend(Atom::new("AUTH=LOGIN").ok());
        } else {
            caps.extend(Atom::new("LOGINDISABLED").ok());
        }
        caps
    }

    /// The greeting: `* OK [CAPABILITY …] imapd ready.` (RFC 3501 §7.1.1).
    pub fn greeting(&self) -> Response {
        status(
            None,
            StatusKind::Ok,
            Some(Code::Capability(self.capabilities())),
            "imapd ready.",
        )
    }

    /// The TLS handshake after STARTTLS completed.
    pub fn handle_tls_established(&mut self) {
        self.login.tls_active = true;
    }

    /// An unparsable line: `BAD`, and `* BYE` after too many.
    pub fn handle_bad(&mut self, tag: Option<Tag>, text: String) -> LoginStep {
        let mut step = LoginStep::default();
        step.responses.push(Response::Status(StatusResponse {
            tag,
            kind: StatusKind::Bad,
            code: None,
            text,
        }));
        self.count_bad(&mut step);
        step
    }

    fn count_bad(&mut self, step: &mut LoginStep) {
        self.bad += 1;
        if self.bad >= self.login.max_bad {
            step.responses.push(status(
                None,
                StatusKind::Bye,
                None,
                "Too many invalid commands",
            ));
            self.phase = Phase::Done;
            step.event = Some(LoginEvent::Close);
        }
    }

    /// One command in the Not Authenticated state.
    pub fn handle_command(&mut self, cmd: Command, auth: &mut dyn Authenticator) -> LoginStep {
        let Command { tag, body } = cmd;
        let mut step = LoginStep::default();
        match body {
            // §6.1.1
            CommandBody::Capability => {
                step.responses
                    .push(Response::Data(Data::Capability(self.capabilities())));
                step.responses.push(status(
                    Some(tag),
                    StatusKind::Ok,
                    None,
                    "CAPABILITY completed",
                ));
            }
            // §6.1.2
            CommandBody::Noop => {
                step.responses
                    .push(status(Some(tag), StatusKind::Ok, None, "NOOP completed"))
            }
            // §6.1.3
            CommandBody::Logout => {
                step.responses
                    .push(status(None, StatusKind::Bye, None, "imapd logging out"));
                step.responses
                    .push(status(Some(tag), StatusKind::Ok, None, "LOGOUT completed"));
                self.phase = Phase::Done;
                step.event = Some(LoginEvent::Close);
            }
            // RFC 2971 §3.1
            CommandBody::Id(_) if self.config.has("ID") => {
                step.responses.push(Response::Data(Data::Id(Some(vec![(
                    b"name".to_vec(),
                    Some(self.config.server_name.clone().into_bytes()),
                )]))));
                step.responses
                    .push(status(Some(tag), StatusKind::Ok, None, "ID completed"));
            }
            // §6.2.1: only without TLS, and only with a certificate.
            CommandBody::StartTls => {
                if self.login.tls_active {
                    step.responses.push(status(
                        Some(tag),
                        StatusKind::Bad,
                        None,
                        "TLS is already active",
                    ));
                    self.count_bad(&mut step);
                } else if !self.login.starttls_available {
                    step.responses.push(status(
                        Some(tag),
                        StatusKind::Bad,
                        None,
                        "STARTTLS is not available (no certificate configured)",
                    ));
                    self.count_bad(&mut step);
                } else {
                    step.responses.push(status(
                        Some(tag),
                        StatusKind::Ok,
                        None,
                        "Begin TLS negotiation now",
                    ));
                    step.event = Some(LoginEvent::StartTls);
                }
            }
            // §6.2.3
            CommandBody::Login { username, password } => {
                if !self.auth_allowed() {
                    return self.privacy_required(tag);
                }
                let user = String::from_utf8_lossy(&username).into_owned();
                return self.check(tag, "LOGIN", user, &password, auth);
            }
            // §6.2.2, RFC 4959 §3
            CommandBody::Authenticate {
                mechanism,
                initial_response,
            } => {
                if !self.auth_allowed() {
                    return self.privacy_required(tag);
                }
                let sasl = if mechanism.eq_ignore_case("PLAIN") {
                    Sasl::Plain
                } else if mechanism.eq_ignore_case("LOGIN") {
                    Sasl::LoginUser
                } else {
                    step.responses.push(status(
                        Some(tag),
                        StatusKind::No,
                        Some(Code::Rfc5530(Rfc5530Code::Cannot)),
                        &format!("Unsupported authentication mechanism {mechanism}"),
                    ));
                    return step;
                };
                match initial_response {
                    Some(ir) => return self.sasl_response(tag, sasl, ir, auth),
                    None => {
                        step.responses.push(Self::challenge(&sasl));
                        self.phase = Phase::Sasl { tag, step: sasl };
                    }
                }
            }
            other => {
                let text = if matches!(other, CommandBody::Id(_)) {
                    "ID is not enabled on this server".to_string()
                } else {
                    format!("{} requires authentication first", other.name())
                };
                step.responses
                    .push(status(Some(tag), StatusKind::Bad, None, &text));
                self.count_bad(&mut step);
            }
        }
        step
    }

    fn challenge(sasl: &Sasl) -> Response {
        Response::Continue(match sasl {
            // RFC 4616 §2: the server's first challenge is empty.
            Sasl::Plain => Continue::Base64(Vec::new()),
            Sasl::LoginUser => Continue::Base64(LOGIN_USER_PROMPT.to_vec()),
            Sasl::LoginPassword(_) => Continue::Base64(LOGIN_PASSWORD_PROMPT.to_vec()),
        })
    }

    /// One client line during AUTHENTICATE (RFC 3501 §6.2.2), already parsed.
    pub fn handle_sasl_line(
        &mut self,
        line: Result<AuthenticateLine, String>,
        auth: &mut dyn Authenticator,
    ) -> LoginStep {
        let Phase::Sasl { tag, step: sasl } = std::mem::replace(&mut self.phase, Phase::Commands)
        else {
            return LoginStep::default();
        };
        match line {
            // §6.2.2: "*" cancels with BAD.
            Ok(AuthenticateLine::Cancel) => LoginStep {
                responses: vec![status(
                    Some(tag),
                    StatusKind::Bad,
                    None,
                    "AUTHENTICATE cancelled",
                )],
                event: None,
            },
            Ok(AuthenticateLine::Response(data)) => self.sasl_response(tag, sasl, data, auth),
            Err(text) => {
                let mut step = LoginStep::default();
                step.responses
                    .push(status(Some(tag), StatusKind::Bad, None, &text));
                self.count_bad(&mut step);
                step
            }
        }
    }

    fn sasl_response(
        &mut self,
        tag: Tag,
        sasl: Sasl,
        data: Secret<Vec<u8>>,
        auth: &mut dyn Authenticator,
    ) -> LoginStep {
        match sasl {
            Sasl::Plain => {
                // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
                let parts: Vec<&[u8]> = data.expose().split(|&b| b == 0).collect();
                let [authzid, authcid, passwd] = parts[..] else {
                    return LoginStep {
                        responses: vec![status(
                            Some(tag),
                            StatusKind::Bad,
                            None,
                            "Malformed PLAIN message (RFC 4616 section 2)",
                        )],
                        event: None,
                    };
                };
                let user = String::from_utf8_lossy(authcid).into_owned();
                if !authzid.is_empty() && authzid != authcid {
                    // We implement no proxy authorization (RFC 4616 §2, RFC 5530).
                    self.failures += 1;
                    return LoginStep {
                        responses: vec![status(
                            Some(tag),
                            StatusKind::No,
                            Some(Code::Rfc5530(Rfc5530Code::AuthorizationFailed)),
                            "Authorization as another user is not allowed",
                        )],
                        event: Some(LoginEvent::Failed),
                    };
                }
                self.check(
                    tag,
                    "AUTHENTICATE",
                    user,
                    &Secret::new(passwd.to_vec()),
                    auth,
                )
            }
            Sasl::LoginUser => {
                let user = String::from_utf8_lossy(data.expose()).into_owned();
                let next = Sasl::LoginPassword(user);
                let step = LoginStep {
                    responses: vec![Self::challenge(&next)],
                    event: None,
                };
                self.phase = Phase::Sasl { tag, step: next };
                step
            }
            Sasl::LoginPassword(user) => self.check(tag, "AUTHENTICATE", user, &data, auth),
        }
    }

    fn privacy_required(&mut self, tag: Tag) -> LoginStep {
        // RFC 3501 §6.2.3 (LOGINDISABLED), RFC 5530 PRIVACYREQUIRED.
        LoginStep {
            responses: vec![status(
                Some(tag),
                StatusKind::No,
                Some(Code::Rfc5530(Rfc5530Code::PrivacyRequired)),
                "Plaintext authentication is disabled; use STARTTLS first",
            )],
            event: None,
        }
    }

    fn check(
        &mut self,
        tag: Tag,
        command: &'static str,
        user: String,
        password: &Secret<Vec<u8>>,
        auth: &mut dyn Authenticator,
    ) -> LoginStep {
        let mut step = LoginStep::default();
        match auth.authenticate(&user, password) {
            Verdict::Accepted => {
                self.phase = Phase::Done;
                step.event = Some(LoginEvent::Authenticated { tag, user, command });
            }
            Verdict::Rejected => {
                self.failures += 1;
                step.responses.push(status(
                    Some(tag),
                    StatusKind::No,
                    Some(Code::Rfc5530(Rfc5530Code::AuthenticationFailed)),
                    "Authentication failed.",
                ));
                step.event = Some(LoginEvent::Failed);
                if self.failures >= self.login.max_failures {
                    step.responses.push(status(
                        None,
                        StatusKind::Bye,
                        None,
                        "Too many authentication failures",
                    ));
                    self.phase = Phase::Done;
                    step.event = Some(LoginEvent::Close);
                }
            }
            Verdict::Unavailable => step.responses.push(status(
                Some(tag),
                StatusKind::No,
                Some(Code::Rfc5530(Rfc5530Code::Unavailable)),
                "Authentication service is temporarily unavailable",
            )),
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::encode::encode_response;

    /// Accepts alice/secret; counts calls.
    struct Fixed(u32);
    impl Authenticator for Fixed {
        fn authenticate(&mut self, user: &str, password: &Secret<Vec<u8>>) -> Verdict {
            self.0 += 1;
            match (user, password.expose().as_slice()) {
                ("alice", b"secret") => Verdict::Accepted,
                ("down", _) => Verdict::Unavailable,
                _ => Verdict::Rejected,
            }
        }
    }

    fn cmd(tag: &str, body: CommandBody) -> Command {
        Command {
            tag: Tag::new(tag).unwrap(),
            body,
        }
    }

    fn login(user: &str, pass: &str) -> CommandBody {
        CommandBody::Login {
            username: user.as_bytes().to_vec(),
            password: Secret::new(pass.as_bytes().to_vec()),
        }
    }

    fn wire(rs: &[Response]) -> String {
        let mut out = Vec::new();
        for r in rs {
            encode_response(r, &mut out);
        }
        String::from_utf8(out).unwrap()
    }

    fn tls() -> LoginConfig {
        LoginConfig {
            tls_active: true,
            ..LoginConfig::default()
        }
    }

    #[test]
    fn not_authenticated_cleartext_advertises_logindisabled() {
        let s = LoginSession::new(SessionConfig::default(), LoginConfig::default());
        let g = wire(&[s.greeting()]);
        assert!(g.starts_with("* OK [CAPABILITY IMAP4rev1 "), "{g}");
        assert!(g.contains(" STARTTLS LOGINDISABLED]"), "{g}");
        assert!(!g.contains("AUTH=") && !g.contains("SASL-IR"), "{g}");
    }

    #[test]
    fn not_authenticated_cleartext_login_privacy_required() {
        let mut s = LoginSession::new(SessionConfig::default(), LoginConfig::default());
        let mut a = Fixed(0);
        let step = s.handle_command(cmd("a", login("alice", "secret")), &mut a);
        assert_eq!(
            wire(&step.responses),
            "a NO [PRIVACYREQUIRED] Plaintext authentication is disabled; use STARTTLS first\r\n"
        );
        assert_eq!(a.0, 0, "the database is not even asked");
    }

    #[test]
    fn not_authenticated_starttls_then_tls_capabilities() {
        let mut s = LoginSession::new(SessionConfig::default(), LoginConfig::default());
        let mut a = Fixed(0);
        let step = s.handle_command(cmd("a", CommandBody::StartTls), &mut a);
        assert_eq!(wire(&step.responses), "a OK Begin TLS negotiation now\r\n");
        assert_eq!(step.event, Some(LoginEvent::StartTls));
        s.handle_tls_established();
        let caps: Vec<String> = s.capabilities().iter().map(|c| c.to_string()).collect();
        assert!(caps.contains(&"AUTH=PLAIN".into()) && caps.contains(&"SASL-IR".into()));
        assert!(!caps.contains(&"STARTTLS".into()) && !caps.contains(&"LOGINDISABLED".into()));
        let step = s.handle_command(cmd("b", CommandBody::StartTls), &mut a);
        assert_eq!(wire(&step.responses), "b BAD TLS is already active\r\n");
    }

    #[test]
    fn not_authenticated_login_accepted_is_an_event_without_response() {
        let mut s = LoginSession::new(SessionConfig::default(), tls());
        let step = s.handle_command(cmd("a", login("alice", "secret")), &mut Fixed(0));
        assert!(step.responses.is_empty());
        assert_eq!(
            step.event,
            Some(LoginEvent::Authenticated {
                tag: Tag::new("a").unwrap(),
                user: "alice".into(),
                command: "LOGIN"
            })
        );
        let ok = wire(&[login_completed(
            Tag::new("a").unwrap(),
            &SessionConfig::default(),
            "LOGIN",
        )]);
        assert!(
            ok.starts_with("a OK [CAPABILITY IMAP4rev1 ") && ok.ends_with("] LOGIN completed\r\n"),
            "{ok}"
        );
        assert!(!ok.contains("SASL-IR"));
    }

    #[test]
    fn not_authenticated_failures_then_bye() {
        let mut s = LoginSession::new(SessionConfig::default(), tls());
        let mut a = Fixed(0);
        for i in 1..=3 {
            let step = s.handle_command(cmd("a", login("alice", "x")), &mut a);
            let w = wire(&step.responses);
            assert!(w.starts_with("a NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"));
            assert_eq!(s.failures(), i);
            if i < 3 {
                assert_eq!(step.event, Some(LoginEvent::Failed));
            } else {
                assert!(
                    w.ends_with("* BYE Too many authentication failures\r\n"),
                    "{w}"
                );
                assert_eq!(step.event, Some(LoginEvent::Close));
            }
        }
        let mut s = LoginSession::new(SessionConfig::default(), tls());
        let step = s.handle_command(cmd("u", login("down", "x")), &mut a);
        assert!(wire(&step.responses).starts_with("u NO [UNAVAILABLE]"));
        assert_eq!(s.failures(), 0);
    }

    #[test]
    fn sasl_plain_without_initial_response_and_cancel() {
        let mut s = LoginSession::new(SessionConfig::default(), tls());
        let mut a = Fixed(0);
        let auth = |ir: Option<&[u8]>| CommandBody::Authenticate {
            mechanism: Atom::new("plain").unwrap(),
            initial_response: ir.map(|v| Secret::new(v.to_vec())),
        };
        let step = s.handle_command(cmd("a", auth(None)), &mut a);
        assert_eq!(wire(&step.responses), "+ \r\n");
        assert!(s.wants_sasl_line());
        let step = s.handle_sasl_line(Ok(AuthenticateLine::Cancel), &mut a);
        assert_eq!(wire(&step.responses), "a BAD AUTHENTICATE cancelled\r\n");
        assert!(!s.wants_sasl_line());
        let step = s.handle_command(cmd("b", auth(Some(b"alice\0alice\0secret"))), &mut a);
        assert!(matches!(
            step.event,
            Some(LoginEvent::Authenticated {
                command: "AUTHENTICATE",
                ..
            })
        ));
        let mut s = LoginSession::new(SessionConfig::default(), tls());
        let step = s.handle_command(cmd("c", auth(Some(b"no-nuls"))), &mut a);
        assert_eq!(
            wire(&step.responses),
            "c BAD Malformed PLAIN message (RFC 4616 section 2)\r\n"
        );
    }

    #[test]
    fn sasl_login_two_challenges() {
        let mut s = LoginSession::new(SessionConfig::default(), tls());
        let mut a = Fixed(0);
        let step = s.handle_command(
            cmd(
                "a",
                CommandBody::Authenticate {
                    mechanism: Atom::new("LOGIN").unwrap(),
                    initial_response: None,
                },
            ),
            &mut a,
        );
        assert_eq!(wire(&step.responses), "+ VXNlcm5hbWU6\r\n");
        let step = s.handle_sasl_line(
            Ok(AuthenticateLine::Response(Secret::new(b"alice".to_vec()))),
            &mut a,
        );
        assert_eq!(wire(&step.responses), "+ UGFzc3dvcmQ6\r\n");
        let step = s.handle_sasl_line(
            Ok(AuthenticateLine::Response(Secret::new(b"secret".to_vec()))),
            &mut a,
        );
        assert!(matches!(step.event, Some(LoginEvent::Authenticated { .. })));
    }

    #[test]
    fn not_authenticated_other_commands_bad_then_bye() {
        let mut s = LoginSession::new(SessionConfig::default(), tls());
        let mut a = Fixed(0);
        for i in 1..=10 {
            let step = s.handle_command(cmd("x", CommandBody::Namespace), &mut a);
            let w = wire(&step.responses);
            assert!(
                w.starts_with("x BAD NAMESPACE requires authentication first\r\n"),
                "{w}"
            );
            assert_eq!(step.event.is_some(), i == 10, "{w}");
        }
    }
}
