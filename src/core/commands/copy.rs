//! COPY (RFC 3501 §6.4.7), MOVE (RFC 6851), with COPYUID (RFC 4315 §3).

use crate::syntax::types::{Code, Mailbox, Rfc5530Code, SequenceSet, StatusKind};

use super::super::sequence;
use super::super::session::State;
use super::super::store::StoreError;
use super::append::uid_set;
use super::{Ctx, Outcome};

/// COPY or MOVE the messages of `set` to `dest`. MOVE sends COPYUID in an untagged OK before
/// the EXPUNGEs (RFC 6851 §4.3), which the view sync after the command produces.
pub(crate) fn copy(
    ctx: &mut Ctx<'_>,
    state: &mut State,
    uid: bool,
    set: &SequenceSet,
    dest: &Mailbox,
    moving: bool,
) -> Outcome {
    let State::Selected(sel) = state else {
        return Outcome::bad("No mailbox selected");
    };
    let verb = match (uid, moving) {
        (false, false) => "COPY",
        (true, false) => "UID COPY",
        (false, true) => "MOVE",
        (true, true) => "UID MOVE",
    };
    if moving && sel.read_only {
        return Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::Cannot)),
            "Mailbox is read-only (EXAMINE)",
        );
    }
    let uids = match sequence::resolve(set, &sel.view, uid, Some(&sel.saved)) {
        Ok(u) => u,
        Err(e) => return Outcome::bad(e.to_string()),
    };
    let dest = match ctx.mailbox(dest) {
        Ok(n) => n,
        Err(o) => return o,
    };
    // §6.4.7: a failed COPY leaves the destination unchanged, so a set naming a message
    // expunged by someone else fails as a whole (RFC 2180 §4.4.1, RFC 5530 EXPUNGEISSUED).
    let expunged = || {
        Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::ExpungeIssued)),
            format!("{verb}: some messages were expunged by another session; nothing was done"),
        )
    };
    if uids.iter().any(|&u| sel.view.is_ghost(u)) {
        return expunged();
    }
    let copied = match ctx.store.copy(&sel.mailbox, &uids, &dest) {
        Ok(c) => c,
        Err(StoreError::NoSuchMailbox) => {
            return Outcome::no(Some(Code::TryCreate), "Destination mailbox does not exist")
        }
        Err(e) => return e.into(),
    };
    if copied.pairs.len() < uids.len() {
        // Expunged between the view's last sync and the copy: undo what was copied.
        let made: Vec<u32> = copied.pairs.iter().map(|p| p.1).collect();
        if let Err(e) = ctx.store.remove(&dest, &made) {
            return e.into();
        }
        return expunged();
    }
    let code = (!copied.pairs.is_empty()).then(|| Code::CopyUid {
        uidvalidity: copied.uid_validity,
        source: uid_set(&copied.pairs.iter().map(|p| p.0).collect::<Vec<_>>()),
        dest: uid_set(&copied.pairs.iter().map(|p| p.1).collect::<Vec<_>>()),
    });
    if moving {
        let sources: Vec<u32> = copied.pairs.iter().map(|p| p.0).collect();
        if let Some(code) = code.clone() {
            ctx.untagged(StatusKind::Ok, Some(code), "Moved UIDs");
        }
        if let Err(e) = ctx.store.remove(&sel.mailbox, &sources) {
            return e.into();
        }
    }
    match (code, moving) {
        (Some(code), false) => Outcome::ok_code(code, format!("{verb} completed")),
        _ => Outcome::ok(format!("{verb} completed")),
    }
}
