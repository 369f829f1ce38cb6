//! SEARCH and UID SEARCH (RFC 3501 §6.4.4), ESEARCH results (RFC 4731).

use std::collections::HashMap;

use crate::message::search::Needle;
use crate::syntax::types::{Code, Data, Date, Flag, SearchKey, SearchReturn, Tag};

use super::super::render::Parsed;
use super::super::sequence;
use super::super::session::{Selected, State};
use super::super::store::{message_date, message_size, Reads, Uid};
use super::super::view::MailboxView;
use super::append::uid_set;
use super::{Ctx, Outcome};

/// Charsets a SEARCH may name (§6.4.4: US-ASCII must be supported; imapd also takes UTF-8).
const CHARSETS: [&str; 2] = ["US-ASCII", "UTF-8"];

/// How much of each message a search key looks at (ordered: more is a superset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    /// Flags, sizes, dates from the snapshot.
    Nothing,
    /// The top-level header only ([`crate::core::store::Store::header`]).
    Header,
    /// The whole message.
    Content,
}

fn need(key: &SearchKey) -> Need {
    use SearchKey::*;
    match key {
        Body(_) | Text(_) => Need::Content,
        Bcc(_) | Cc(_) | From(_) | Header(..) | Subject(_) | To(_) | SentBefore(_) | SentOn(_)
        | SentSince(_) => Need::Header,
        Not(k) => need(k),
        Or(a, b) => need(a).max(need(b)),
        And(ks) => ks.iter().map(need).max().unwrap_or(Need::Nothing),
        _ => Need::Nothing,
    }
}

struct Candidate<'a> {
    seq: u32,
    uid: Uid,
    view: &'a MailboxView,
    /// The UIDs each `UID set` / sequence-set key names, resolved once per SEARCH (keyed by
    /// the key's address), so a set costs a binary search per message.
    sets: &'a HashMap<usize, Vec<Uid>>,
    /// Every search string of the criteria folded once per SEARCH (keyed by its address).
    needles: &'a HashMap<usize, Needle>,
    content: Option<Parsed<'a>>,
    /// RFC822.SIZE, when a LARGER/SMALLER key needs it and the message still exists.
    size: Option<u64>,
    /// INTERNALDATE's date, when a BEFORE/ON/SINCE key needs it and the message still
    /// exists.
    date: Option<Date>,
}

/// True if any key of the criteria (however nested) satisfies `f`.
fn any_key(key: &SearchKey, f: &impl Fn(&SearchKey) -> bool) -> bool {
    use SearchKey::*;
    match key {
        Not(k) => any_key(k, f),
        Or(a, b) => any_key(a, f) || any_key(b, f),
        And(ks) => ks.iter().any(|k| any_key(k, f)),
        k => f(k),
    }
}

/// True if the criteria compare sizes (the store may have to read the message for one).
fn needs_size(key: &SearchKey) -> bool {
    any_key(key, &|k| {
        matches!(k, SearchKey::Larger(_) | SearchKey::Smaller(_))
    })
}

/// True if the criteria compare INTERNALDATE (the store may have to look it up).
fn needs_date(key: &SearchKey) -> bool {
    use SearchKey::*;
    any_key(key, &|k| matches!(k, Before(_) | On(_) | Since(_)))
}

fn key_of(s: &Vec<u8>) -> usize {
    std::ptr::from_ref(s) as usize
}

/// Folds every search string in `key` (see [`Needle`]).
fn fold_needles(key: &SearchKey, out: &mut HashMap<usize, Needle>) {
    use SearchKey::*;
    match key {
        Bcc(s) | Body(s) | Cc(s) | From(s) | Header(_, s) | Subject(s) | Text(s) | To(s) => {
            out.entry(key_of(s))
                .or_insert_with(|| Needle::from_bytes(s));
        }
        Not(k) => fold_needles(k, out),
        Or(a, b) => {
            fold_needles(a, out);
            fold_needles(b, out);
        }
        And(ks) => ks.iter().for_each(|k| fold_needles(k, out)),
        _ => {}
    }
}

/// Resolves every set in `key` against the view. Out-of-range sequence numbers in SEARCH
/// match nothing rather than failing (a search key is a filter, §6.4.4); UIDs never fail.
fn resolve_sets(
    key: &SearchKey,
    view: &MailboxView,
    saved: &[Uid],
    out: &mut HashMap<usize, Vec<Uid>>,
) {
    use SearchKey::*;
    match key {
        Uid(set) | SequenceSet(set) => {
            let uid = matches!(key, Uid(_));
            let uids = sequence::resolve(set, view, uid, Some(saved)).unwrap_or_default();
            out.insert(std::ptr::from_ref(set) as usize, uids);
        }
        Not(k) => resolve_sets(k, view, saved, out),
        Or(a, b) => {
            resolve_sets(a, view, saved, out);
            resolve_sets(b, view, saved, out);
        }
        And(ks) => ks.iter().for_each(|k| resolve_sets(k, view, saved, out)),
        _ => {}
    }
}

fn eval(key: &SearchKey, c: &Candidate<'_>) -> Result<bool, String> {
    use SearchKey::*;
    let flags = c.view.flags(c.uid);
    let has = |f: Flag| flags.is_some_and(|s| s.contains(&f));
    let date = c.date;
    let content = || c.content.as_ref();
    let needle = |s: &Vec<u8>| &c.needles[&key_of(s)];
    Ok(match key {
        All => true,
        Answered => has(Flag::Answered),
        Deleted => has(Flag::Deleted),
        Draft => has(Flag::Draft),
        Flagged => has(Flag::Flagged),
        Seen => has(Flag::Seen),
        Unanswered => !has(Flag::Answered),
        Undeleted => !has(Flag::Deleted),
        Undraft => !has(Flag::Draft),
        Unflagged => !has(Flag::Flagged),
        Unseen => !has(Flag::Seen),
        Recent => c.view.is_recent(c.uid),
        Old => !c.view.is_recent(c.uid),
        New => c.view.is_recent(c.uid) && !has(Flag::Seen),
        Keyword(k) => has(Flag::Keyword(k.clone())),
        Unkeyword(k) => !has(Flag::Keyword(k.clone())),
        Larger(n) => c.size.is_some_and(|s| s > u64::from(*n)),
        Smaller(n) => c.size.is_some_and(|s| s < u64::from(*n)),
        // §6.4.4: INTERNALDATE comparisons disregard time and timezone.
        Before(d) => date.is_some_and(|x| x < *d),
        On(d) => date == Some(*d),
        Since(d) => date.is_some_and(|x| x >= *d),
        // RFC 5032 needs the current time, which the pure core does not have; not advertised.
        Older(_) | Younger(_) => {
            return Err("OLDER/YOUNGER are not supported (WITHIN is not advertised)".into())
        }
        SentBefore(d) => content()
            .and_then(|p| p.sent_date())
            .is_some_and(|x| x < *d),
        SentOn(d) => content().and_then(|p| p.sent_date()) == Some(*d),
        SentSince(d) => content()
            .and_then(|p| p.sent_date())
            .is_some_and(|x| x >= *d),
        Bcc(s) => content().is_some_and(|p| p.header_contains(b"Bcc", needle(s))),
        Cc(s) => content().is_some_and(|p| p.header_contains(b"Cc", needle(s))),
        From(s) => content().is_some_and(|p| p.header_contains(b"From", needle(s))),
        To(s) => content().is_some_and(|p| p.header_contains(b"To", needle(s))),
        Subject(s) => content().is_some_and(|p| p.header_contains(b"Subject", needle(s))),
        Header(name, s) => content().is_some_and(|p| p.header_contains(name, needle(s))),
        Body(s) => content().is_some_and(|p| p.body_contains(needle(s))),
        Text(s) => content().is_some_and(|p| p.text_contains(needle(s))),
        Uid(set) | SequenceSet(set) => c
            .sets
            .get(&(std::ptr::from_ref(set) as usize))
            .is_some_and(|uids| uids.binary_search(&c.uid).is_ok()),
        Not(k) => !eval(k, c)?,
        Or(a, b) => eval(a, c)? || eval(b, c)?,
        And(ks) => {
            for k in ks {
                if !eval(k, c)? {
                    return Ok(false);
                }
            }
            true
        }
    })
}

/// Checks a CHARSET argument (§6.4.4: an unsupported one is `NO [BADCHARSET (...)]`).
pub(super) fn check_charset(charset: Option<&str>) -> Result<(), Outcome> {
    match charset {
        Some(cs) if !CHARSETS.iter().any(|c| c.eq_ignore_ascii_case(cs)) => Err(Outcome::no(
            Some(Code::BadCharset(
                CHARSETS.iter().map(|s| s.to_string()).collect(),
            )),
            format!("Charset {cs} is not supported"),
        )),
        _ => Ok(()),
    }
}

/// The messages of the selected mailbox that match `criteria`, as (sequence number, UID)
/// in sequence order; `saved` is the SEARCHRES result `$` refers to (RFC 5182).
pub(super) fn matching(
    ctx: &mut Ctx<'_>,
    sel: &Selected,
    criteria: &SearchKey,
) -> Result<Vec<(u32, Uid)>, Outcome> {
    // every message's text is read, in order: the store may read the files ahead
    if need(criteria) == Need::Content {
        ctx.store
            .read_ahead(&sel.mailbox, sel.view.uids(), Reads::All);
    }
    let found = evaluate(ctx, sel, criteria);
    ctx.store.end_read_ahead();
    found
}

/// [`matching`], message by message.
fn evaluate(
    ctx: &mut Ctx<'_>,
    sel: &Selected,
    criteria: &SearchKey,
) -> Result<Vec<(u32, Uid)>, Outcome> {
    let need = need(criteria);
    let sized = needs_size(criteria);
    let dated = needs_date(criteria);
    let mut sets = HashMap::new();
    resolve_sets(criteria, &sel.view, &sel.saved, &mut sets);
    let mut needles = HashMap::new();
    fold_needles(criteria, &mut needles);
    let mut hits = Vec::new();
    for (i, &u) in sel.view.uids().iter().enumerate() {
        let data = match need {
            Need::Nothing => None,
            Need::Header => ctx.store.header(&sel.mailbox, u).ok(),
            Need::Content => ctx.store.content(&sel.mailbox, u).ok(),
        };
        let size = match sized.then(|| sel.view.meta(u)).flatten() {
            Some(m) => match message_size(&mut *ctx.store, &sel.mailbox, m) {
                Ok(s) => Some(s),
                // Gone meanwhile and its size unknown: no match either way (NOT LARGER
                // must not find it; RFC 2180 §4.3 lets a search leave it out).
                Err(_) => continue,
            },
            _ => None,
        };
        let date = match dated.then(|| sel.view.meta(u)).flatten() {
            Some(m) => match message_date(&mut *ctx.store, &sel.mailbox, m) {
                Ok(d) => Some(d.date),
                // Gone meanwhile, its date unknown: left out (RFC 2180 §4.3), as above.
                Err(_) => continue,
            },
            _ => None,
        };
        let cand = Candidate {
            seq: i as u32 + 1,
            uid: u,
            view: &sel.view,
            sets: &sets,
            needles: &needles,
            content: data.as_deref().map(Parsed::new),
            size,
            date,
        };
        match eval(criteria, &cand) {
            Ok(true) => hits.push((cand.seq, cand.uid)),
            Ok(false) => {}
            Err(e) => return Err(Outcome::bad(e)),
        }
    }
    Ok(hits)
}

/// SEARCH: `* SEARCH n...` or, with RETURN, `* ESEARCH` (RFC 4731 §3.1); RETURN (SAVE)
/// keeps the result for `$` (RFC 5182 §2).
pub(crate) fn search(
    ctx: &mut Ctx<'_>,
    state: &mut State,
    uid: bool,
    ret: Option<Vec<SearchReturn>>,
    charset: Option<String>,
    criteria: &SearchKey,
    tag: &Tag,
) -> Outcome {
    let State::Selected(sel) = state else {
        return Outcome::bad("No mailbox selected");
    };
    let save = ret
        .as_ref()
        .is_some_and(|r| r.contains(&SearchReturn::Save));
    let found = check_charset(charset.as_deref()).and_then(|()| matching(ctx, sel, criteria));
    let found = match found {
        Ok(f) => f,
        Err(o) => {
            // RFC 5182 §2.1: a failed SEARCH ... RETURN (SAVE) empties the saved result.
            if save {
                sel.saved = Vec::new();
            }
            return o;
        }
    };
    let hits: Vec<u32> = found
        .iter()
        .map(|&(seq, u)| if uid { u } else { seq })
        .collect();
    if save {
        sel.saved = saved_result(ret.as_deref().unwrap_or_default(), &found);
    }
    match ret {
        None => ctx.data(Data::Search(hits)),
        Some(opts) => {
            use crate::syntax::types::ESearchItem as I;
            // RFC 5182 §2.1: SAVE alone returns no ESEARCH response.
            if opts == [SearchReturn::Save] {
                return done(uid);
            }
            let opts = if opts.is_empty() {
                vec![SearchReturn::All]
            } else {
                opts
            };
            let mut items = Vec::new();
            for o in &opts {
                match o {
                    SearchReturn::Min => items.extend(hits.first().map(|&n| I::Min(n))),
                    SearchReturn::Max => items.extend(hits.last().map(|&n| I::Max(n))),
                    SearchReturn::All if !hits.is_empty() => items.push(I::All(uid_set(&hits))),
                    SearchReturn::Count => items.push(I::Count(hits.len() as u32)),
                    _ => {}
                }
            }
            ctx.data(Data::ESearch {
                tag: Some(tag.clone()),
                uid,
                items,
            });
        }
    }
    done(uid)
}

fn done(uid: bool) -> Outcome {
    Outcome::ok(if uid {
        "UID SEARCH completed"
    } else {
        "SEARCH completed"
    })
}

/// What RETURN (SAVE) keeps (RFC 5182 §2.4): with MIN and/or MAX only those messages,
/// otherwise every match. Kept as UIDs so later expunges cannot shift it.
fn saved_result(opts: &[SearchReturn], found: &[(u32, Uid)]) -> Vec<Uid> {
    let (min, max) = (
        opts.contains(&SearchReturn::Min),
        opts.contains(&SearchReturn::Max),
    );
    if !min && !max {
        return found.iter().map(|&(_, u)| u).collect();
    }
    let mut out: Vec<Uid> = Vec::new();
    if min {
        out.extend(found.first().map(|&(_, u)| u));
    }
    if max {
        out.extend(found.last().map(|&(_, u)| u));
    }
    out.sort_unstable();
    out.dedup();
    out
}
