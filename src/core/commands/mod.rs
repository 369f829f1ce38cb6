//! Command semantics, grouped by the state they run in (RFC 3501 §6.1–§6.4).
//!
//! Each command is a function over a [`Ctx`] (the store, the configuration, the sink its
//! untagged responses go to as they are produced) that returns the [`Outcome`] for its
//! tagged response.

mod any;
mod append;
mod copy;
mod expunge;
mod fetch;
mod idle;
mod mailboxes;
mod quota;
mod search;
mod select;
mod sort;
mod store_flags;
mod thread;

use crate::syntax::types::{
    Code, CommandBody, Data, Mailbox, Response, Rfc5530Code, StatusKind, StatusResponse, Tag,
};

use super::config::SessionConfig;
use super::names;
use super::session::{Responder, Selected, State};
use super::store::{Store, StoreError};

/// What a command has to work with.
pub(crate) struct Ctx<'a> {
    pub(crate) store: &'a mut dyn Store,
    pub(crate) config: &'a SessionConfig,
    /// `ENABLE UTF8=ACCEPT` is in effect (RFC 6855).
    pub(crate) utf8: &'a mut bool,
    /// Where untagged responses go, each as soon as it is produced, in order.
    pub(crate) out: &'a mut dyn Responder,
}

impl Ctx<'_> {
    pub(crate) fn send(&mut self, r: Response) {
        self.out.send(r);
    }

    pub(crate) fn send_all(&mut self, rs: Vec<Response>) {
        for r in rs {
            self.out.send(r);
        }
    }

    pub(crate) fn data(&mut self, d: Data) {
        self.out.send(Response::Data(d));
    }

    /// True once the responder can deliver nothing more: long commands stop early.
    pub(crate) fn closed(&self) -> bool {
        self.out.closed()
    }

    pub(crate) fn untagged(&mut self, kind: StatusKind, code: Option<Code>, text: &str) {
        self.out.send(Response::Status(StatusResponse {
            tag: None,
            kind,
            code,
            text: text.into(),
        }));
    }

    /// A mailbox name from the client, decoded and validated for the store.
    pub(crate) fn mailbox(&self, m: &Mailbox) -> Result<String, Outcome> {
        names::decode(m, *self.utf8)
            .map_err(|e| Outcome::no(Some(Code::Rfc5530(Rfc5530Code::Cannot)), e))
    }
}

/// The tagged result of a command.
#[derive(Debug)]
pub(crate) struct Outcome {
    kind: StatusKind,
    code: Option<Code>,
    text: String,
}

impl Outcome {
    pub(crate) fn ok(text: impl Into<String>) -> Self {
        Outcome {
            kind: StatusKind::Ok,
            code: None,
            text: text.into(),
        }
    }
    pub(crate) fn ok_code(code: Code, text: impl Into<String>) -> Self {
        Outcome {
            kind: StatusKind::Ok,
            code: Some(code),
            text: text.into(),
        }
    }
    pub(crate) fn no(code: Option<Code>, text: impl Into<String>) -> Self {
        Outcome {
            kind: StatusKind::No,
            code,
            text: text.into(),
        }
    }
    pub(crate) fn bad(text: impl Into<String>) -> Self {
        Outcome {
            kind: StatusKind::Bad,
            code: None,
            text: text.into(),
        }
    }
    pub(crate) fn into_response(self, tag: Tag) -> Response {
        Response::Status(StatusResponse {
            tag: Some(tag),
            kind: self.kind,
            code: self.code,
            text: self.text,
        })
    }
}

impl From<StoreError> for Outcome {
    /// Store failures become NO with the RFC 5530 code that says why.
    fn from(e: StoreError) -> Self {
        use Rfc5530Code as C;
        let code = match &e {
            StoreError::NoSuchMailbox => C::NonExistent,
            StoreError::AlreadyExists => C::AlreadyExists,
            StoreError::InvalidName(_) | StoreError::Cannot(_) => C::Cannot,
            StoreError::OverQuota => C::OverQuota,
            StoreError::Expunged => C::ExpungeIssued,
            StoreError::NoPermission => C::NoPerm,
            StoreError::Io(_) => C::ServerBug,
        };
        let text = match &e {
            StoreError::NoSuchMailbox => "Mailbox does not exist".to_string(),
            StoreError::AlreadyExists => "Mailbox already exists".to_string(),
            other => {
                let s = other.to_string();
                let mut c = s.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or(s)
            }
        };
        Outcome::no(Some(Code::Rfc5530(code)), text)
    }
}

/// Brings a selected mailbox's view up to date and returns the responses for it.
pub(crate) fn sync_selected(
    store: &mut dyn Store,
    sel: &mut Selected,
    allow_expunge: bool,
) -> Vec<Response> {
    match store.snapshot(&sel.mailbox, !sel.read_only) {
        Ok(snap) => sel
            .view
            .sync(&snap, allow_expunge)
            .into_iter()
            .map(Response::Data)
            .collect(),
        // The mailbox vanished (deleted or renamed by another session): RFC 3501 gives no
        // response for this; say so and keep the view (the client sees NO on the next use).
        Err(StoreError::NoSuchMailbox) => vec![Response::Status(StatusResponse {
            tag: None,
            kind: StatusKind::No,
            code: Some(Code::Rfc5530(Rfc5530Code::NonExistent)),
            text: "The selected mailbox no longer exists".into(),
        })],
        Err(e) => vec![Response::Status(StatusResponse {
            tag: None,
            kind: StatusKind::No,
            code: Some(Code::Rfc5530(Rfc5530Code::Unavailable)),
            text: format!("Cannot rescan the mailbox: {e}"),
        })],
    }
}

/// Brings a selected mailbox's flags up to date before a command that names messages. It
/// neither announces EXPUNGE (the command's numbers refer to the old numbering; expunged
/// messages become ghosts) nor arrivals (left unclaimed for the sync after the command).
fn presync_selected(store: &mut dyn Store, sel: &mut Selected) -> Vec<Response> {
    match store.snapshot(&sel.mailbox, false) {
        Ok(snap) => sel
            .view
            .sync_known(&snap, false)
            .into_iter()
            .map(Response::Data)
            .collect(),
        // Failures are reported by the command itself when it touches the store.
        Err(_) => Vec::new(),
    }
}

/// Runs a command whose state requirement was already checked. Returns the tagged outcome,
/// or `None` when the command answers later (IDLE waits for DONE).
pub(crate) fn dispatch(
    ctx: &mut Ctx<'_>,
    state: &mut State,
    tag: &Tag,
    body: CommandBody,
) -> Option<Outcome> {
    use CommandBody::*;
    // Commands that may announce EXPUNGE afterwards (RFC 3501 §7.4.1: not FETCH, STORE, SEARCH).
    let allow_expunge = !matches!(
        body,
        Fetch { uid: false, .. }
            | Store { uid: false, .. }
            | Search { uid: false, .. }
            | Sort { uid: false, .. }
            | Thread { uid: false, .. }
    );
    // Commands that name messages answer from the store as it is now (§6.4.4–7): bring the
    // view's flags and expunges up to date first. Sequence numbers in the command refer to
    // the numbering the client knows, so this sync never announces EXPUNGE for non-UID forms
    // (expunged messages stay as ghosts) and leaves new arrivals to the sync after the
    // command, which announces them with the command's responses.
    let pre_sync = matches!(
        body,
        Fetch { .. }
            | Store { .. }
            | Search { .. }
            | Sort { .. }
            | Thread { .. }
            | Copy { .. }
            | Move { .. }
            | UidExpunge(_)
    );
    if pre_sync {
        if let State::Selected(sel) = state {
            let updates = presync_selected(ctx.store, sel);
            ctx.send_all(updates);
        }
    }
    let outcome = match body {
        Capability => any::capability(ctx, state),
        Noop | Check => Outcome::ok(format!(
            "{} completed",
            if matches!(body, Check) {
                "CHECK"
            } else {
                "NOOP"
            }
        )),
        Logout => {
            ctx.untagged(StatusKind::Bye, None, "imapd logging out");
            *state = State::Logout;
            return Some(Outcome::ok("LOGOUT completed"));
        }
        Id(_) => any::id(ctx),
        Enable(caps) => any::enable(ctx, &caps),
        StartTls => Outcome::bad("STARTTLS is not available on this connection"),
        Authenticate { .. } | Login { .. } => Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::Unavailable)),
            "Authentication is not available on this connection",
        ),
        Select(m) => return Some(select::select(ctx, state, &m, false)),
        Examine(m) => return Some(select::select(ctx, state, &m, true)),
        Create(m) => mailboxes::create(ctx, &m),
        Delete(m) => mailboxes::delete(ctx, state, &m),
        Rename { from, to } => mailboxes::rename(ctx, &from, &to),
        Subscribe(m) => mailboxes::subscribe(ctx, &m, true),
        Unsubscribe(m) => mailboxes::subscribe(ctx, &m, false),
        List(l) => mailboxes::list(ctx, &l),
        Lsub { reference, pattern } => mailboxes::lsub(ctx, &reference, &pattern),
        Namespace => any::namespace(ctx),
        Status { mailbox, items } => mailboxes::status(ctx, state, &mailbox, &items),
        Append { mailbox, messages } => append::append(ctx, &mailbox, messages),
        Idle => return idle::idle(ctx, state, tag),
        GetQuota(_) | GetQuotaRoot(_) | SetQuota { .. } if !ctx.config.has("QUOTA") => {
            Outcome::bad("QUOTA is not enabled on this server")
        }
        GetQuota(root) => quota::getquota(ctx, &root),
        GetQuotaRoot(m) => quota::getquotaroot(ctx, &m),
        SetQuota { .. } => quota::setquota(ctx),
        Close => return Some(select::close(ctx, state, true)),
        Unselect => return Some(select::close(ctx, state, false)),
        Expunge => expunge::expunge(ctx, state, None),
        UidExpunge(set) => expunge::expunge(ctx, state, Some(&set)),
        Search {
            uid,
            ret,
            charset,
            criteria,
        } => search::search(ctx, state, uid, ret, charset, &criteria, tag),
        Fetch { uid, set, items } => fetch::fetch(ctx, state, uid, &set, &items),
        Store {
            uid,
            set,
            mode,
            silent,
            flags,
        } => store_flags::store(ctx, state, uid, &set, mode, silent, &flags),
        Copy { uid, set, mailbox } => copy::copy(ctx, state, uid, &set, &mailbox, false),
        Move { uid, set, mailbox } => copy::copy(ctx, state, uid, &set, &mailbox, true),
        Sort {
            uid,
            criteria,
            charset,
            search,
        } => sort::sort(ctx, state, uid, &criteria, &charset, &search),
        Thread {
            uid,
            algorithm,
            charset,
            search,
        } => thread::thread(ctx, state, uid, &algorithm, &charset, &search),
    };
    if let State::Selected(sel) = state {
        let updates = sync_selected(ctx.store, sel, allow_expunge);
        ctx.send_all(updates);
    }
    Some(outcome)
}
