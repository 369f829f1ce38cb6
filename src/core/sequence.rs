//! Resolving sequence sets against a view (RFC 3501 §9 `sequence-set`, §6.4.8 UID sets).

use crate::syntax::types::{SeqNo, SequenceSet};

use super::store::Uid;
use super::view::MailboxView;

/// Why a set could not be resolved (RFC 3501 §9: tagged BAD).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// A message sequence number beyond EXISTS, or `*` in an empty mailbox.
    #[error("Message sequence number {0} out of range: the mailbox has {1} messages")]
    OutOfRange(u32, u32),
    /// `$` used with no saved search result (RFC 5182 §2.1).
    #[error("No saved search result ($)")]
    NoSavedResult,
}

/// The UIDs a set names, ascending and without duplicates. Sequence numbers must exist
/// (§9 seq-number); UIDs need not (absent ones are ignored, §6.4.8). In a UID set, `*` is the
/// largest UID (or UIDNEXT-1 territory if empty), and `n:*` always includes the last message.
pub fn resolve(
    set: &SequenceSet,
    view: &MailboxView,
    uid: bool,
    saved: Option<&[Uid]>,
) -> Result<Vec<Uid>, SetError> {
    let ranges = match set {
        SequenceSet::Saved => {
            let saved = saved.ok_or(SetError::NoSavedResult)?;
            return Ok(saved
                .iter()
                .copied()
                .filter(|u| view.seq_of(*u).is_some())
                .collect());
        }
        SequenceSet::Ranges(r) => r,
    };
    let mut out = Vec::new();
    if uid {
        let largest = match view.max_uid() {
            0 => view.uid_next.saturating_sub(1).max(1),
            m => m,
        };
        for r in ranges {
            let (a, b) = (r.start.resolve(largest), r.end.resolve(largest));
            let (lo, hi) = (a.min(b), a.max(b));
            let uids = view.uids();
            let from = uids.partition_point(|&u| u < lo);
            let to = uids.partition_point(|&u| u <= hi);
            out.extend_from_slice(&uids[from..to]);
        }
    } else {
        let exists = view.exists();
        for r in ranges {
            for end in [r.start, r.end] {
                match end {
                    SeqNo::Value(v) if v.get() > exists => {
                        return Err(SetError::OutOfRange(v.get(), exists))
                    }
                    SeqNo::Largest if exists == 0 => return Err(SetError::OutOfRange(0, 0)),
                    _ => {}
                }
            }
            let (a, b) = (r.start.resolve(exists), r.end.resolve(exists));
            for seq in a.min(b)..=a.max(b) {
                out.extend(view.uid_at(seq));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
