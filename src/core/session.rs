//! One client's protocol session: the state machine of RFC 3501 §3 and command dispatch.
//!
//! Transitions are one `match (state, command)` table in [`Session::handle_command`], each arm
//! citing the RFC rule; commands are implemented in `commands/`, grouped by the state they need.

use crate::syntax::types::{
    Code, Command, CommandBody, Continue, Response, StatusKind, StatusResponse, Tag,
};

use super::commands;
use super::config::SessionConfig;
use super::store::Store;
use super::view::MailboxView;

/// Where a session sends its responses, one at a time, as soon as each is produced, so a
/// command over many messages (`FETCH 1:* BODY[]`) never holds more than one message's
/// response. The core does no I/O: the shell's responder encodes and writes, tests collect.
pub trait Responder {
    /// Takes the next response, in wire order.
    fn send(&mut self, r: Response);
    /// True once nothing more can be delivered (the client is gone, the session is ending):
    /// commands that produce many responses stop early. Collecting responders never close.
    fn closed(&self) -> bool {
        false
    }
}

/// Collects the responses, for tests, the model checker and small batches.
impl Responder for Vec<Response> {
    fn send(&mut self, r: Response) {
        self.push(r);
    }
}

/// The selected mailbox (RFC 3501 §3.3).
#[derive(Debug, Clone)]
pub struct Selected {
    /// Full IMAP name, UTF-8.
    pub mailbox: String,
    /// EXAMINE, or SELECT of a mailbox that cannot be written.
    pub read_only: bool,
    /// The client's view of it.
    pub view: MailboxView,
    /// The SEARCHRES result variable `$` (RFC 5182 §2.1), as UIDs; empty after SELECT.
    pub saved: Vec<crate::core::Uid>,
}

/// Protocol state (RFC 3501 §3), with IDLE (RFC 2177) as a sub-state.
#[derive(Debug, Clone)]
pub enum State {
    /// §3.1: only CAPABILITY, NOOP, LOGOUT, STARTTLS, AUTHENTICATE, LOGIN, ID, ENABLE-less.
    NotAuthenticated,
    /// §3.2: a user is known, nothing selected.
    Authenticated,
    /// §3.3: a mailbox is selected.
    Selected(Selected),
    /// RFC 2177: IDLE in progress; holds the IDLE command's tag and what was selected.
    Idle {
        /// Tag of the IDLE command, answered at DONE.
        tag: Tag,
        /// The selected mailbox, if IDLE was issued in the Selected state.
        selected: Option<Selected>,
    },
    /// §3.4: the connection is closing.
    Logout,
}

/// What a command needs before it may run (RFC 3501 §6 headings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Any,
    NotAuthenticated,
    Authenticated,
    Selected,
}

fn needs(body: &CommandBody) -> Needs {
    use CommandBody::*;
    match body {
        Capability | Noop | Logout | Id(_) => Needs::Any,
        StartTls | Authenticate { .. } | Login { .. } => Needs::NotAuthenticated,
        Check
        | Close
        | Unselect
        | Expunge
        | UidExpunge(_)
        | Search { .. }
        | Fetch { .. }
        | Store { .. }
        | Copy { .. }
        | Move { .. }
        | Sort { .. }
        | Thread { .. } => Needs::Selected,
        _ => Needs::Authenticated,
    }
}

/// A client session. Drive it with the `handle_*` methods; each returns the responses to
/// send, in order, ending with the tagged response when a command completes.
#[derive(Debug)]
pub struct Session {
    state: State,
    config: SessionConfig,
    utf8: bool,
}

impl Session {
    /// A session for an already authenticated user (stdio mode: the PREAUTH greeting).
    pub fn preauth(config: SessionConfig) -> Self {
        Session {
            state: State::Authenticated,
            config,
            utf8: false,
        }
    }

    /// A session that must authenticate first (network mode).
    pub fn not_authenticated(config: SessionConfig) -> Self {
        Session {
            state: State::NotAuthenticated,
            config,
            utf8: false,
        }
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// True once LOGOUT completed or the session was ended: the shell closes the connection.
    pub fn is_logout(&self) -> bool {
        matches!(self.state, State::Logout)
    }

    /// True while IDLE is in progress: the shell reads `DONE` lines and pushes changes.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle { .. })
    }

    /// The greeting (RFC 3501 §7.1.4 PREAUTH, §7.1.1 OK).
    pub fn greeting(&self) -> Response {
        let (kind, text) = match self.state {
            State::NotAuthenticated => (StatusKind::Ok, "imapd ready."),
            _ => (StatusKind::PreAuth, "imapd ready."),
        };
        Response::Status(StatusResponse {
            tag: None,
            kind,
            code: Some(Code::Capability(self.config.capabilities(&self.state))),
            text: text.into(),
        })
    }

    /// Handles one parsed command and returns all its responses (see
    /// [`Session::handle_command_to`], which sends them as they are produced).
    pub fn handle_command(&mut self, cmd: Command, store: &mut dyn Store) -> Vec<Response> {
        let mut out = Vec::new();
        self.handle_command_to(cmd, store, &mut out);
        out
    }

    /// Handles one parsed command, sending each response to `out` as soon as it is produced:
    /// pre-sync updates, the command's own responses, post-sync updates, then the tagged one.
    pub fn handle_command_to(
        &mut self,
        cmd: Command,
        store: &mut dyn Store,
        out: &mut dyn Responder,
    ) {
        let Command { tag, body } = cmd;
        let need = needs(&body);
        let allowed = match (&self.state, need) {
            // RFC 2177 §3: while idling, the only valid client input is DONE.
            (State::Idle { .. } | State::Logout, _) => false,
            (_, Needs::Any) => true,
            (State::NotAuthenticated, Needs::NotAuthenticated) => true,
            (State::Authenticated | State::Selected(_), Needs::Authenticated) => true,
            (State::Selected(_), Needs::Selected) => true,
            _ => false,
        };
        if !allowed {
            let text = match (&self.state, need) {
                (State::Idle { .. }, _) => "Only DONE is accepted while idling (RFC 2177)".into(),
                (State::Logout, _) => "Logging out".into(),
                (_, Needs::NotAuthenticated) => {
                    format!("{} is not allowed: already authenticated", body.name())
                }
                (State::NotAuthenticated, _) => {
                    format!("{} requires authentication first", body.name())
                }
                _ => format!(
                    "{} requires a selected mailbox (use SELECT first)",
                    body.name()
                ),
            };
            out.send(tagged(tag, StatusKind::Bad, None, text));
            return;
        }
        let mut ctx = commands::Ctx {
            store,
            config: &self.config,
            utf8: &mut self.utf8,
            out,
        };
        let outcome = commands::dispatch(&mut ctx, &mut self.state, &tag, body);
        if let Some(o) = outcome {
            out.send(o.into_response(tag));
        }
    }

    /// The client sent `DONE` (RFC 2177 §3): pending updates first, then the tagged OK.
    /// Any other line while idling ends IDLE with a tagged BAD.
    pub fn handle_idle_line(&mut self, line: &str, store: &mut dyn Store) -> Vec<Response> {
        let State::Idle { tag, selected } = std::mem::replace(&mut self.state, State::Logout)
        else {
            self.state = State::Logout;
            return vec![];
        };
        let mut out = Vec::new();
        self.state = match selected {
            Some(mut sel) => {
                out.extend(commands::sync_selected(store, &mut sel, true));
                State::Selected(sel)
            }
            None => State::Authenticated,
        };
        if line.eq_ignore_ascii_case("DONE") {
            out.push(tagged(tag, StatusKind::Ok, None, "IDLE completed".into()));
        } else {
            out.push(tagged(
                tag,
                StatusKind::Bad,
                None,
                "Expected DONE to end IDLE (RFC 2177)".into(),
            ));
        }
        out
    }

    /// Something may have changed in the store (the shell saw an inotify event or a poll
    /// timer fired): while idling, the updates are pushed at once (RFC 2177 §3).
    pub fn handle_store_changed(&mut self, store: &mut dyn Store) -> Vec<Response> {
        match &mut self.state {
            State::Idle {
                selected: Some(sel),
                ..
            } => commands::sync_selected(store, sel, true),
            _ => Vec::new(),
        }
    }

    /// The client said something the parser could not accept: `tag BAD text`, or `* BAD` when
    /// no tag could be read (RFC 3501 §7.1.3).
    pub fn handle_bad(&mut self, tag: Option<Tag>, text: String) -> Response {
        Response::Status(StatusResponse {
            tag,
            kind: StatusKind::Bad,
            code: None,
            text,
        })
    }

    /// The shell is ending the session (signal, autologout, server shutdown): `* BYE`.
    pub fn handle_shutdown(&mut self, reason: &str) -> Response {
        self.state = State::Logout;
        Response::Status(StatusResponse {
            tag: None,
            kind: StatusKind::Bye,
            code: None,
            text: reason.into(),
        })
    }

    /// The continuation for a synchronizing literal the framer accepted (RFC 3501 §7.5).
    pub fn literal_continuation(&self) -> Response {
        Response::Continue(Continue::Text {
            code: None,
            text: "Ready for literal data".into(),
        })
    }
}

/// A tagged status response.
pub(crate) fn tagged(tag: Tag, kind: StatusKind, code: Option<Code>, text: String) -> Response {
    Response::Status(StatusResponse {
        tag: Some(tag),
        kind,
        code,
        text,
    })
}
