//! Mailbox management: CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, STATUS
//! (RFC 3501 §6.3.3–§6.3.10, RFC 5258 LIST-EXTENDED return options, RFC 5819 LIST-STATUS).

use std::collections::BTreeSet;

use crate::syntax::types::{
    Code, Data, ListCommand, ListData, ListReturn, ListSelect, Mailbox, Rfc5530Code, StatusAtt,
};

use super::super::names::{self, DELIMITER};
use super::super::session::State;
use super::super::store::MailboxEntry;
use super::{Ctx, Outcome};

/// CREATE (§6.3.3): a trailing delimiter only declares a hierarchy; INBOX exists already.
pub(crate) fn create(ctx: &mut Ctx<'_>, m: &Mailbox) -> Outcome {
    let name = match ctx.mailbox(m) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let name = name.strip_suffix(DELIMITER).unwrap_or(&name).to_owned();
    if name == "INBOX" {
        return Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::AlreadyExists)),
            "INBOX always exists",
        );
    }
    match ctx.store.create(&name) {
        Ok(()) => Outcome::ok("CREATE completed"),
        Err(e) => e.into(),
    }
}

/// DELETE (§6.3.4): INBOX cannot be deleted; deleting the selected mailbox is allowed and
/// leaves the session's view to report it gone.
pub(crate) fn delete(ctx: &mut Ctx<'_>, _state: &State, m: &Mailbox) -> Outcome {
    let name = match ctx.mailbox(m) {
        Ok(n) => n,
        Err(o) => return o,
    };
    if name == "INBOX" {
        return Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::Cannot)),
            "INBOX cannot be deleted",
        );
    }
    match ctx.store.delete(&name) {
        Ok(()) => Outcome::ok("DELETE completed"),
        Err(e) => e.into(),
    }
}

/// RENAME (§6.3.5): children move too; renaming INBOX moves its messages.
pub(crate) fn rename(ctx: &mut Ctx<'_>, from: &Mailbox, to: &Mailbox) -> Outcome {
    let (from, to) = match (ctx.mailbox(from), ctx.mailbox(to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(o), _) | (_, Err(o)) => return o,
    };
    if to == "INBOX" {
        return Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::AlreadyExists)),
            "INBOX always exists",
        );
    }
    match ctx.store.rename(&from, &to) {
        Ok(()) => Outcome::ok("RENAME completed"),
        Err(e) => e.into(),
    }
}

/// SUBSCRIBE / UNSUBSCRIBE (§6.3.6–7). SUBSCRIBE of a nonexistent name is refused (the RFC
/// allows either; refusing catches typos) — UNSUBSCRIBE always works on listed names.
pub(crate) fn subscribe(ctx: &mut Ctx<'_>, m: &Mailbox, on: bool) -> Outcome {
    let name = match ctx.mailbox(m) {
        Ok(n) => n,
        Err(o) => return o,
    };
    if on {
        match ctx.store.list() {
            Ok(list) if list.iter().any(|e| e.name == name && e.selectable) => {}
            Ok(_) => {
                return Outcome::no(
                    Some(Code::Rfc5530(Rfc5530Code::NonExistent)),
                    "Mailbox does not exist",
                )
            }
            Err(e) => return e.into(),
        }
    } else {
        match ctx.store.subscriptions() {
            Ok(subs) if subs.contains(&name) => {}
            Ok(_) => {
                return Outcome::no(
                    Some(Code::Rfc5530(Rfc5530Code::NonExistent)),
                    "Not subscribed",
                )
            }
            Err(e) => return e.into(),
        }
    }
    match ctx.store.set_subscribed(&name, on) {
        Ok(()) => Outcome::ok(if on {
            "SUBSCRIBE completed"
        } else {
            "UNSUBSCRIBE completed"
        }),
        Err(e) => e.into(),
    }
}

/// Reference and pattern combined (§6.3.8: the reference is prefixed to the pattern).
fn full_patterns(
    ctx: &Ctx<'_>,
    reference: &Mailbox,
    patterns: &[Vec<u8>],
) -> Result<Vec<String>, Outcome> {
    let reference = names::decode_pattern(reference.as_bytes(), *ctx.utf8)
        .map_err(|e| Outcome::bad(format!("reference {e}")))?;
    patterns
        .iter()
        .map(|p| {
            names::decode_pattern(p, *ctx.utf8)
                .map(|p| format!("{reference}{p}"))
                .map_err(|e| Outcome::bad(format!("pattern {e}")))
        })
        .collect()
}

fn has_children(all: &[MailboxEntry], name: &str) -> bool {
    let prefix = format!("{name}{DELIMITER}");
    all.iter().any(|e| e.name.starts_with(&prefix))
}

/// LIST (§6.3.8, RFC 5258, RFC 5819). `LIST "" ""` returns the delimiter and root.
pub(crate) fn list(ctx: &mut Ctx<'_>, cmd: &ListCommand) -> Outcome {
    if cmd.patterns.len() == 1 && cmd.patterns[0].is_empty() {
        ctx.data(Data::List(ListData {
            attributes: vec!["\\Noselect".into()],
            delimiter: Some(DELIMITER),
            mailbox: Mailbox::new(Vec::new()),
            child_info: Vec::new(),
            old_name: None,
        }));
        return Outcome::ok("LIST completed");
    }
    let patterns = match full_patterns(ctx, &cmd.reference, &cmd.patterns) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let all = match ctx.store.list() {
        Ok(l) => l,
        Err(e) => return e.into(),
    };
    let subs: BTreeSet<String> = match ctx.store.subscriptions() {
        Ok(s) => s.into_iter().collect(),
        Err(e) => return e.into(),
    };
    let only_subscribed = cmd.selection.contains(&ListSelect::Subscribed);
    let want_subscribed = only_subscribed || cmd.returns.contains(&ListReturn::Subscribed);
    let status_items: Option<&Vec<StatusAtt>> = cmd.returns.iter().find_map(|r| match r {
        ListReturn::Status(items) => Some(items),
        _ => None,
    });
    let recursive = cmd.selection.contains(&ListSelect::RecursiveMatch);
    // RFC 5258 §3.1: with (SUBSCRIBED), subscribed names that no longer exist are listed
    // too, as \NonExistent (which implies \NoSelect).
    let mut rows: Vec<(&str, Option<&MailboxEntry>)> =
        all.iter().map(|e| (e.name.as_str(), Some(e))).collect();
    if only_subscribed {
        rows.extend(
            subs.iter()
                .filter(|n| !all.iter().any(|e| &e.name == *n))
                .map(|n| (n.as_str(), None)),
        );
        rows.sort_by(|a, b| a.0.cmp(b.0));
    }
    for (name, entry) in rows {
        if !patterns.iter().any(|p| names::matches(p, name)) {
            continue;
        }
        let subscribed = subs.contains(name);
        // RFC 5258 §3.5: RECURSIVEMATCH lists an unsubscribed name whose descendants are
        // subscribed, with CHILDINFO ("SUBSCRIBED").
        let prefix = format!("{name}{DELIMITER}");
        let child_subscribed = recursive && subs.iter().any(|s| s.starts_with(&prefix));
        if only_subscribed && !subscribed && !child_subscribed {
            continue;
        }
        let mut attributes = Vec::new();
        match entry {
            None => attributes.push("\\NonExistent".to_string()),
            Some(e) => {
                if !e.selectable {
                    attributes.push("\\Noselect".to_string());
                }
                attributes.push(
                    if has_children(&all, name) {
                        "\\HasChildren"
                    } else {
                        "\\HasNoChildren"
                    }
                    .into(),
                );
            }
        }
        if want_subscribed && subscribed {
            attributes.push("\\Subscribed".into());
        }
        if let Some(su) = entry.and_then(|e| e.special_use.as_ref()) {
            attributes.push(su.clone());
        }
        let child_info = if child_subscribed && only_subscribed {
            vec!["SUBSCRIBED".to_string()]
        } else {
            Vec::new()
        };
        ctx.data(Data::List(ListData {
            attributes,
            delimiter: Some(DELIMITER),
            mailbox: names::encode(name, *ctx.utf8),
            child_info,
            old_name: None,
        }));
        if let (Some(items), Some(true)) = (status_items, entry.map(|e| e.selectable)) {
            // RFC 5819 §2: STATUS follows the LIST line of a selectable mailbox.
            if let Ok(d) = status_data(ctx, name, items) {
                ctx.data(d);
            }
        }
    }
    Outcome::ok("LIST completed")
}

/// LSUB (§6.3.9): subscribed names matching; a parent that is not subscribed but has
/// subscribed children matching `%` is listed `\Noselect`.
pub(crate) fn lsub(ctx: &mut Ctx<'_>, reference: &Mailbox, pattern: &[u8]) -> Outcome {
    let patterns = match full_patterns(ctx, reference, std::slice::from_ref(&pattern.to_vec())) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let subs = match ctx.store.subscriptions() {
        Ok(s) => s,
        Err(e) => return e.into(),
    };
    let subs_set: BTreeSet<&String> = subs.iter().collect();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for name in &subs {
        if patterns.iter().any(|p| names::matches(p, name)) {
            listed.insert(name.clone());
        }
        // Parents implied by a `%` match of a deeper subscribed name (§6.3.9 example).
        let mut parent = name.as_str();
        while let Some(i) = parent.rfind(DELIMITER) {
            parent = &parent[..i];
            if !subs_set.contains(&parent.to_string())
                && patterns.iter().any(|p| names::matches(p, parent))
            {
                listed.insert(parent.to_string());
            }
        }
    }
    for name in listed {
        let attributes = if subs_set.contains(&name) {
            vec![]
        } else {
            vec!["\\Noselect".to_string()]
        };
        ctx.data(Data::Lsub(ListData {
            attributes,
            delimiter: Some(DELIMITER),
            mailbox: names::encode(&name, *ctx.utf8),
            child_info: Vec::new(),
            old_name: None,
        }));
    }
    Outcome::ok("LSUB completed")
}

fn status_data(ctx: &mut Ctx<'_>, name: &str, items: &[StatusAtt]) -> Result<Data, Outcome> {
    let with_size = items.contains(&StatusAtt::Size);
    let c = ctx.store.counts(name, with_size).map_err(Outcome::from)?;
    let values = items
        .iter()
        .map(|&att| {
            let v = match att {
                StatusAtt::Messages => c.messages,
                StatusAtt::Recent => c.recent,
                StatusAtt::UidNext => u64::from(c.uid_next),
                StatusAtt::UidValidity => u64::from(c.uid_validity),
                StatusAtt::Unseen => c.unseen,
                StatusAtt::Size => c.size.unwrap_or(0),
            };
            (att, v)
        })
        .collect();
    Ok(Data::Status {
        mailbox: names::encode(name, *ctx.utf8),
        items: values,
    })
}

/// STATUS (§6.3.10). On the selected mailbox the answer is the store's, which may be ahead
/// of the client's view: the view sync after the command announces the difference.
pub(crate) fn status(
    ctx: &mut Ctx<'_>,
    _state: &State,
    m: &Mailbox,
    items: &[StatusAtt],
) -> Outcome {
    let name = match ctx.mailbox(m) {
        Ok(n) => n,
        Err(o) => return o,
    };
    match status_data(ctx, &name, items) {
        Ok(d) => {
            ctx.data(d);
            Outcome::ok("STATUS completed")
        }
        Err(o) => o,
    }
}
