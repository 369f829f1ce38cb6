//! APPEND (RFC 3501 §6.3.11), MULTIAPPEND (RFC 3502), APPENDUID (RFC 4315 §3).

use std::num::NonZeroU32;

use crate::syntax::types::{
    AppendMessage, Code, Flag, Mailbox, Rfc5530Code, SeqNo, SeqRange, SequenceSet,
};

use super::super::flags::FlagSet;
use super::super::store::{NewMessage, StoreError};
use super::{Ctx, Outcome};

/// A UID set from ascending UIDs, as ranges (`4:6,9`).
pub(crate) fn uid_set(uids: &[u32]) -> SequenceSet {
    let mut ranges: Vec<SeqRange> = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if let (Some(a), Some(b)) = (NonZeroU32::new(start), NonZeroU32::new(end)) {
            ranges.push(SeqRange {
                start: SeqNo::Value(a),
                end: SeqNo::Value(b),
            });
        }
        i += 1;
    }
    SequenceSet::Ranges(ranges)
}

/// Keywords are switched off (Courier's IMAP_KEYWORDS=0): Courier refuses the command too.
pub(crate) fn keywords_disabled() -> Outcome {
    Outcome::no(
        Some(Code::Rfc5530(Rfc5530Code::Cannot)),
        "Keywords are disabled on this server",
    )
}

/// Appends every message or none (RFC 3502 §6.3.11: a failure undoes the earlier ones).
pub(crate) fn append(ctx: &mut Ctx<'_>, m: &Mailbox, messages: Vec<AppendMessage>) -> Outcome {
    let name = match ctx.mailbox(m) {
        Ok(n) => n,
        Err(o) => return o,
    };
    if !ctx.config.keywords
        && messages
            .iter()
            .any(|m| m.flags.iter().any(|f| matches!(f, Flag::Keyword(_))))
    {
        return keywords_disabled();
    }
    let mut uids = Vec::new();
    let mut validity = 0;
    for msg in messages {
        let new = NewMessage {
            data: msg.data,
            flags: FlagSet::from_flags(&msg.flags),
            internal_date: msg.date,
        };
        match ctx.store.append(&name, new) {
            Ok((v, uid)) => {
                validity = v;
                uids.push(uid);
            }
            Err(e) => {
                if !uids.is_empty() {
                    // Best effort: the failure is reported either way.
                    let _ = ctx.store.remove(&name, &uids);
                }
                return match e {
                    // §6.3.11: TRYCREATE when the mailbox does not exist but could be created.
                    StoreError::NoSuchMailbox => {
                        Outcome::no(Some(Code::TryCreate), "Mailbox does not exist")
                    }
                    other => other.into(),
                };
            }
        }
    }
    Outcome::ok_code(
        Code::AppendUid {
            uidvalidity: validity,
            uids: uid_set(&uids),
        },
        "APPEND completed",
    )
}
