//! SORT and UID SORT (RFC 5256 §3): SEARCH, then order the matches.

use crate::message::keys::{KeyFields, SortKeys};
use crate::syntax::types::{Data, SearchKey, SortCriterion, SortKey};

use super::super::render;
use super::super::session::{Selected, State};
use super::super::sort::{self, timestamp, Item};
use super::super::store::{message_date, message_size};
use super::search::{check_charset, matching};
use super::{Ctx, Outcome};

/// One matched message with what sorting and threading need.
pub(super) struct Keyed {
    seq: u32,
    uid: u32,
    arrival: i64,
    size: u64,
    /// Only the keys: a whole summary per message of a 100k folder is ~100 MB (texts and keys).
    keys: SortKeys,
}

impl Keyed {
    /// The message as a sort/thread item, named by UID or sequence number.
    pub(super) fn item(&self, uid: bool) -> Item<'_> {
        Item {
            id: if uid { self.uid } else { self.seq },
            seq: self.seq,
            arrival: self.arrival,
            size: self.size,
            keys: &self.keys,
        }
    }
}

/// When SORT or THREAD needs a message's INTERNALDATE (it may cost a `stat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arrival {
    Never,
    /// For the messages without a sent date: §2.2 sorts them by INTERNALDATE instead.
    WithoutSentDate,
    Always,
}

/// The messages matching `criteria` (charset checked first, §3: NO for an unsupported one),
/// in sequence order, with their keys (from the store's cache when it has them); sizes
/// only `with_size` (SORT SIZE), since they may cost a read of each message, and
/// INTERNALDATE as `arrival` says. A message expunged meanwhile whose keys, size or date
/// are no longer known is left out, as SEARCH leaves it out (RFC 2180 §4.3).
pub(super) fn search_keyed(
    ctx: &mut Ctx<'_>,
    sel: &Selected,
    charset: &str,
    criteria: &SearchKey,
    with_size: bool,
    arrival: Arrival,
    fields: KeyFields,
) -> Result<Vec<Keyed>, Outcome> {
    check_charset(Some(charset))?;
    let found = matching(ctx, sel, criteria)?;
    let mut out = Vec::with_capacity(found.len());
    for (seq, uid) in found {
        let Some(meta) = sel.view.meta(uid) else {
            continue;
        };
        let Ok(keys) = render::sort_keys(ctx.store, &sel.mailbox, uid, fields) else {
            continue;
        };
        let size = if with_size {
            match message_size(&mut *ctx.store, &sel.mailbox, meta) {
                Ok(s) => s,
                Err(_) => continue,
            }
        } else {
            0
        };
        let dated = match arrival {
            Arrival::Never => false,
            Arrival::WithoutSentDate => keys.sent.is_none(),
            Arrival::Always => true,
        };
        let arrival = if dated {
            match message_date(&mut *ctx.store, &sel.mailbox, meta) {
                Ok(d) => timestamp(&d),
                Err(_) => continue,
            }
        } else {
            0
        };
        out.push(Keyed {
            seq,
            uid,
            arrival,
            size,
            keys,
        });
    }
    Ok(out)
}

/// SORT: `* SORT n...` in the order of the criteria (§3).
pub(crate) fn sort(
    ctx: &mut Ctx<'_>,
    state: &mut State,
    uid: bool,
    criteria: &[SortCriterion],
    charset: &str,
    search: &SearchKey,
) -> Outcome {
    if !ctx.config.has("SORT") {
        return Outcome::bad("SORT is not enabled on this server");
    }
    let State::Selected(sel) = state else {
        return Outcome::bad("No mailbox selected");
    };
    let with_size = criteria.iter().any(|c| c.key == SortKey::Size);
    let arrival = if criteria.iter().any(|c| c.key == SortKey::Arrival) {
        Arrival::Always
    } else if criteria.iter().any(|c| c.key == SortKey::Date) {
        Arrival::WithoutSentDate
    } else {
        Arrival::Never
    };
    // only the keys the criteria compare are decoded (§3)
    let has = |k: SortKey| criteria.iter().any(|c| c.key == k);
    let fields = KeyFields {
        subject: has(SortKey::Subject),
        from: has(SortKey::From),
        to: has(SortKey::To),
        cc: has(SortKey::Cc),
        threads: false,
    };
    let keyed = match search_keyed(ctx, sel, charset, search, with_size, arrival, fields) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let mut items: Vec<Item<'_>> = keyed.iter().map(|k| k.item(uid)).collect();
    sort::sort(&mut items, criteria);
    ctx.data(Data::Sort(items.iter().map(|i| i.id).collect()));
    Outcome::ok(if uid {
        "UID SORT completed"
    } else {
        "SORT completed"
    })
}
