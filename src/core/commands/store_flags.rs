//! STORE and UID STORE (RFC 3501 §6.4.6, §6.4.8).

use crate::syntax::types::{Code, Data, FetchValue, Flag, Rfc5530Code, SequenceSet, StoreMode};

use super::super::flags::FlagSet;
use super::super::sequence;
use super::super::session::State;
use super::super::store::FlagChange;
use super::{Ctx, Outcome};

/// Changes flags and, unless `.SILENT`, answers each changed message with its new FLAGS
/// (plus UID for UID STORE, §6.4.8). Messages expunged meanwhile are skipped and reported.
pub(crate) fn store(
    ctx: &mut Ctx<'_>,
    state: &mut State,
    uid: bool,
    set: &SequenceSet,
    mode: StoreMode,
    silent: bool,
    flags: &[Flag],
) -> Outcome {
    let State::Selected(sel) = state else {
        return Outcome::bad("No mailbox selected");
    };
    if sel.read_only {
        return Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::Cannot)),
            "Mailbox is read-only (EXAMINE)",
        );
    }
    let uids = match sequence::resolve(set, &sel.view, uid, Some(&sel.saved)) {
        Ok(u) => u,
        Err(e) => return Outcome::bad(e.to_string()),
    };
    if !ctx.config.keywords
        && mode != StoreMode::Remove
        && flags.iter().any(|f| matches!(f, Flag::Keyword(_)))
    {
        return super::append::keywords_disabled();
    }
    let set_of = FlagSet::from_flags(flags);
    let change = match mode {
        StoreMode::Replace => FlagChange::Replace(set_of),
        StoreMode::Add => FlagChange::Add(set_of),
        StoreMode::Remove => FlagChange::Remove(set_of),
    };
    let changed = match ctx.store.change_flags(&sel.mailbox, &uids, &change) {
        Ok(c) => c,
        Err(e) => return e.into(),
    };
    if let Some(flags) = sel.view.note_keywords(changed.iter().map(|(_, f)| f)) {
        ctx.data(flags);
    }
    for (u, new_flags) in &changed {
        // .SILENT hides only this command's own effect: if the result differs from what the
        // client can compute (another party changed flags meanwhile), it is told anyway
        // (§6.4.6 note on flags changed by others).
        let expected = sel.view.flags(*u).map(|f| change.apply(f));
        let tell = !silent || expected.as_ref() != Some(new_flags);
        sel.view.note_flags(*u, new_flags.clone());
        if tell {
            if let Some(seq) = sel.view.seq_of(*u) {
                let mut items = vec![FetchValue::Flags(sel.view.wire_flags(*u))];
                if uid {
                    items.push(FetchValue::Uid(*u));
                }
                ctx.data(Data::Fetch { seq, items });
            }
        }
    }
    if changed.len() < uids.len() {
        // RFC 2180 §4.2.1: STORE on an expunged message fails for that message only.
        return Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::ExpungeIssued)),
            "Some messages were expunged by another session",
        );
    }
    Outcome::ok(if uid {
        "UID STORE completed"
    } else {
        "STORE completed"
    })
}
