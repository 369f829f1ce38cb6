//! SORT and UID SORT (RFC 5256 §3): SEARCH, then order the matches.

use crate::message::keys::SortKeys;
use crate::message::summary::Summary;
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
    /// Only the keys: a whole summary per message of a 100k folder is ~400 MB.
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

/// The messages matching `criteria` (charset checked first, §3: NO for an unsupported one),
/// in sequence order, with their keys (from the store's cache when it has them); sizes
/// only `with_size` (SORT SIZE), since they may cost a read of each message, and
/// INTERNALDATE only `with_arrival` (SORT ARRIVAL) or for a message without a sent date
/// (§2.2 sorts it by INTERNALDATE instead), since it may cost a `stat`.
pub(super) fn search_keyed(
    ctx: &mut Ctx<'_>,
    sel: &Selected,
    charset: &str,
    criteria: &SearchKey,
    with_size: bool,
    with_arrival: bool,
) -> Result<Vec<Keyed>, Outcome> {
    check_charset(Some(charset))?;
    let found = matching(ctx, sel, criteria)?;
    let mut out = Vec::with_capacity(found.len());
    for (seq, uid) in found {
        let Some(meta) = sel.view.meta(uid) else {
            continue;
        };
        // A message expunged meanwhile still sorts, by its metadata alone.
        let keys = render::sort_keys(ctx.store, &sel.mailbox, uid)
            .unwrap_or_else(|_| Summary::of(&crate::message::Message::parse(b"")).keys);
        let size = if with_size {
            message_size(&mut *ctx.store, &sel.mailbox, meta).unwrap_or(0)
        } else {
            0
        };
        let arrival = if with_arrival || keys.sent.is_none() {
            message_date(&mut *ctx.store, &sel.mailbox, meta).map_or(0, |d| timestamp(&d))
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
    let with_arrival = criteria.iter().any(|c| c.key == SortKey::Arrival);
    let keyed = match search_keyed(ctx, sel, charset, search, with_size, with_arrival) {
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
