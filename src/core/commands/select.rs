//! SELECT, EXAMINE (RFC 3501 §6.3.1–2), CLOSE (§6.4.2) and UNSELECT (RFC 3691).

use crate::syntax::types::{Code, Data, Flag, FlagPerm, Mailbox, StatusKind};

use super::super::flags::flags_list;
use super::super::session::{Selected, State};
use super::super::view::MailboxView;
use super::{Ctx, Outcome};

/// SELECT / EXAMINE: any selected mailbox is deselected first, even if this one fails
/// (§6.3.1); the required untagged responses are FLAGS, EXISTS, RECENT, and the OK codes
/// UNSEEN (when there is an unseen message), PERMANENTFLAGS, UIDNEXT, UIDVALIDITY.
pub(crate) fn select(
    ctx: &mut Ctx<'_>,
    state: &mut State,
    m: &Mailbox,
    read_only: bool,
) -> Outcome {
    *state = State::Authenticated;
    let name = match ctx.mailbox(m) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let snap = match ctx.store.snapshot(&name, !read_only) {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let view = MailboxView::new(&snap);
    ctx.data(Data::Flags(flags_list(view.keywords())));
    let permanent = if read_only {
        Vec::new()
    } else if !ctx.config.keywords {
        // Keywords switched off (Courier's IMAP_KEYWORDS=0): the system flags only, no `\*`.
        flags_list(&[]).into_iter().map(FlagPerm::Flag).collect()
    } else {
        let mut p: Vec<FlagPerm> = flags_list(view.keywords())
            .into_iter()
            .map(FlagPerm::Flag)
            .collect();
        p.push(FlagPerm::Asterisk);
        p
    };
    ctx.untagged(
        StatusKind::Ok,
        Some(Code::PermanentFlags(permanent)),
        if read_only {
            "No permanent flags permitted"
        } else {
            "Flags permitted"
        },
    );
    ctx.data(Data::Exists(view.exists()));
    ctx.data(Data::Recent(view.recent_count()));
    if let Some(seq) = view
        .uids()
        .iter()
        .position(|&u| view.flags(u).is_some_and(|f| !f.contains(&Flag::Seen)))
    {
        ctx.untagged(
            StatusKind::Ok,
            Some(Code::Unseen(seq as u32 + 1)),
            "First unseen message",
        );
    }
    ctx.untagged(
        StatusKind::Ok,
        Some(Code::UidValidity(snap.uid_validity)),
        "UIDs valid",
    );
    ctx.untagged(
        StatusKind::Ok,
        Some(Code::UidNext(snap.uid_next)),
        "Predicted next UID",
    );
    *state = State::Selected(Selected {
        mailbox: name,
        read_only,
        view,
        saved: Vec::new(),
    });
    if read_only {
        Outcome::ok_code(Code::ReadOnly, "EXAMINE completed")
    } else {
        Outcome::ok_code(Code::ReadWrite, "SELECT completed")
    }
}

/// CLOSE expunges `\Deleted` messages silently when read-write (§6.4.2); UNSELECT does not
/// (RFC 3691 §2). Both return to the Authenticated state.
pub(crate) fn close(ctx: &mut Ctx<'_>, state: &mut State, expunge: bool) -> Outcome {
    let State::Selected(sel) = std::mem::replace(state, State::Authenticated) else {
        return Outcome::bad("No mailbox selected");
    };
    if expunge && !sel.read_only {
        if let Err(e) = ctx.store.expunge_deleted(&sel.mailbox, None) {
            return e.into();
        }
    }
    Outcome::ok(if expunge {
        "CLOSE completed"
    } else {
        "UNSELECT completed"
    })
}
