//! EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1).

use crate::syntax::types::{Code, Rfc5530Code, SequenceSet};

use super::super::sequence;
use super::super::session::State;
use super::{Ctx, Outcome};

/// Removes `\Deleted` messages (within the UID set for UID EXPUNGE). The EXPUNGE responses
/// come from the view sync that follows every command (§7.4.1 allows them here).
pub(crate) fn expunge(ctx: &mut Ctx<'_>, state: &mut State, uids: Option<&SequenceSet>) -> Outcome {
    let State::Selected(sel) = state else {
        return Outcome::bad("No mailbox selected");
    };
    if sel.read_only {
        return Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::Cannot)),
            "Mailbox is read-only (EXAMINE)",
        );
    }
    let within = match uids {
        Some(set) => match sequence::resolve(set, &sel.view, true, Some(&sel.saved)) {
            Ok(u) => Some(u),
            Err(e) => return Outcome::bad(e.to_string()),
        },
        None => None,
    };
    match ctx.store.expunge_deleted(&sel.mailbox, within.as_deref()) {
        Ok(_) => Outcome::ok(if uids.is_some() {
            "UID EXPUNGE completed"
        } else {
            "EXPUNGE completed"
        }),
        Err(e) => e.into(),
    }
}
