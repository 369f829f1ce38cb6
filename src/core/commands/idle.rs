//! IDLE (RFC 2177 §3): a continuation, then updates as they happen, until DONE.

use crate::syntax::types::{Continue, Response, Tag};

use super::super::session::State;
use super::{sync_selected, Ctx, Outcome};

/// Enters the IDLE sub-state. Returns `None`: the tagged OK comes at DONE.
pub(crate) fn idle(ctx: &mut Ctx<'_>, state: &mut State, tag: &Tag) -> Option<Outcome> {
    if !ctx.config.has("IDLE") {
        return Some(Outcome::bad("IDLE is not enabled on this server"));
    }
    ctx.send(Response::Continue(Continue::Text {
        code: None,
        text: "idling".into(),
    }));
    let selected = match std::mem::replace(state, State::Authenticated) {
        State::Selected(mut sel) => {
            // Anything pending is sent right after the continuation (RFC 2177 §3 example).
            let updates = sync_selected(ctx.store, &mut sel, true);
            ctx.send_all(updates);
            Some(sel)
        }
        _ => None,
    };
    *state = State::Idle {
        tag: tag.clone(),
        selected,
    };
    None
}
