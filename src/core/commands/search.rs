//! SEARCH and UID SEARCH (RFC 3501 §6.4.4), ESEARCH results (RFC 4731).

use crate::syntax::types::{Code, Data, Flag, SearchKey, SearchReturn, Tag};

use super::super::render::Parsed;
use super::super::sequence;
use super::super::session::State;
use super::super::store::Uid;
use super::super::view::MailboxView;
use super::append::uid_set;
use super::{Ctx, Outcome};

/// Charsets a SEARCH may name (§6.4.4: US-ASCII must be supported; imapd also takes UTF-8).
const CHARSETS: [&str; 2] = ["US-ASCII", "UTF-8"];

fn needs_content(key: &SearchKey) -> bool {
    use SearchKey::*;
    match key {
        Bcc(_) | Body(_) | Cc(_) | From(_) | Header(..) | Subject(_) | Text(_) | To(_)
        | SentBefore(_) | SentOn(_) | SentSince(_) => true,
        Not(k) => needs_content(k),
        Or(a, b) => needs_content(a) || needs_content(b),
        And(ks) => ks.iter().any(needs_content),
        _ => false,
    }
}

struct Candidate<'a> {
    seq: u32,
    uid: Uid,
    view: &'a MailboxView,
    content: Option<Parsed<'a>>,
}

fn eval(key: &SearchKey, c: &Candidate<'_>) -> Result<bool, String> {
    use SearchKey::*;
    let flags = c.view.flags(c.uid);
    let has = |f: Flag| flags.is_some_and(|s| s.contains(&f));
    let meta = c.view.meta(c.uid);
    let date = meta.map(|m| m.internal_date.date);
    let content = || c.content.as_ref();
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
        Larger(n) => meta.is_some_and(|m| m.size > *n as u64),
        Smaller(n) => meta.is_some_and(|m| m.size < *n as u64),
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
        Bcc(s) => content().is_some_and(|p| p.header_contains(b"Bcc", s)),
        Cc(s) => content().is_some_and(|p| p.header_contains(b"Cc", s)),
        From(s) => content().is_some_and(|p| p.header_contains(b"From", s)),
        To(s) => content().is_some_and(|p| p.header_contains(b"To", s)),
        Subject(s) => content().is_some_and(|p| p.header_contains(b"Subject", s)),
        Header(name, s) => content().is_some_and(|p| p.header_contains(name, s)),
        Body(s) => content().is_some_and(|p| p.body_contains(s)),
        Text(s) => content().is_some_and(|p| p.text_contains(s)),
        Uid(set) => set_contains(set, c.view, true, c.uid)?,
        SequenceSet(set) => set_contains(set, c.view, false, c.uid)?,
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

fn set_contains(
    set: &crate::syntax::types::SequenceSet,
    view: &MailboxView,
    uid: bool,
    u: Uid,
) -> Result<bool, String> {
    // Out-of-range sequence numbers in SEARCH match nothing rather than failing (a search
    // key is a filter, §6.4.4); UIDs never fail.
    Ok(match sequence::resolve(set, view, uid, None) {
        Ok(uids) => uids.binary_search(&u).is_ok(),
        Err(sequence::SetError::NoSavedResult) => return Err("no saved search result ($)".into()),
        Err(_) => false,
    })
}

/// SEARCH: `* SEARCH n...` or, with RETURN, `* ESEARCH` (RFC 4731 §3.1).
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
    if let Some(cs) = &charset {
        if !CHARSETS.iter().any(|c| c.eq_ignore_ascii_case(cs)) {
            return Outcome::no(
                Some(Code::BadCharset(
                    CHARSETS.iter().map(|s| s.to_string()).collect(),
                )),
                format!("Charset {cs} is not supported"),
            );
        }
    }
    let content = needs_content(criteria);
    let mut hits = Vec::new();
    for (i, &u) in sel.view.uids().iter().enumerate() {
        let data = if content {
            ctx.store.content(&sel.mailbox, u).ok()
        } else {
            None
        };
        let cand = Candidate {
            seq: i as u32 + 1,
            uid: u,
            view: &sel.view,
            content: data.as_deref().map(Parsed::new),
        };
        match eval(criteria, &cand) {
            Ok(true) => hits.push(if uid { cand.uid } else { cand.seq }),
            Ok(false) => {}
            Err(e) => return Outcome::bad(e),
        }
    }
    match ret {
        None => ctx.data(Data::Search(hits)),
        Some(opts) => {
            use crate::syntax::types::ESearchItem as I;
            if opts.contains(&SearchReturn::Save) {
                return Outcome::bad(
                    "RETURN (SAVE) is not supported (SEARCHRES is not advertised)",
                );
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
    Outcome::ok(if uid {
        "UID SEARCH completed"
    } else {
        "SEARCH completed"
    })
}
