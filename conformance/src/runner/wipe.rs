//! Network targets share one account between scenarios, so after each scenario the runner
//! returns it to empty: every mailbox but INBOX deleted (RFC 3501 §6.3.4), subscriptions
//! removed (§6.3.7), INBOX expunged (§6.4.3). Hence: use a dedicated, empty test account.

use std::time::Duration;

use super::connect::{command, open};
use super::target::Target;
use super::transcript::Transcript;
use super::StepError;
use crate::wire::lexeme::{atom_list_at, quoted_at, string_at};
use crate::wire::Response;

const LABEL: &str = "wipe";

/// Mailboxes other than INBOX and the INBOX message count; empty means `(vec![], 0)`.
pub fn inventory(target: &Target, timeout: Duration) -> Result<(Vec<String>, usize), StepError> {
    let mut t = Transcript::default();
    let mut conn = open(target, None, LABEL, &mut t, timeout)?;
    let (list, _) = command(
        &mut conn,
        &mut t,
        LABEL,
        "W1",
        "W1 LIST \"\" \"*\"",
        None,
        timeout,
    )?;
    let (status, _) = command(
        &mut conn,
        &mut t,
        LABEL,
        "W2",
        "W2 STATUS INBOX (MESSAGES)",
        None,
        timeout,
    )?;
    let _ = command(&mut conn, &mut t, LABEL, "W3", "W3 LOGOUT", None, timeout);
    let count = status
        .iter()
        .find_map(|r| {
            let text = String::from_utf8_lossy(&r.raw).to_ascii_uppercase();
            let rest = text.split("MESSAGES ").nth(1)?;
            rest.trim_end_matches(')')
                .split([' ', ')'])
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    Ok((mailbox_names(&list), count))
}

/// Deletes everything the scenario left behind.
pub fn wipe(target: &Target, timeout: Duration) -> Result<(), StepError> {
    let mut t = Transcript::default();
    let mut conn = open(target, None, LABEL, &mut t, timeout)?;
    let mut n = 0;
    let mut tag = || {
        n += 1;
        format!("W{n}")
    };
    let tg = tag();
    let (list, _) = command(
        &mut conn,
        &mut t,
        LABEL,
        &tg,
        &format!("{tg} LIST \"\" \"*\""),
        None,
        timeout,
    )?;
    let mut names = mailbox_names(&list);
    names.sort_by_key(|n| std::cmp::Reverse(n.len())); // children before parents
    for name in names {
        let tg = tag();
        command(
            &mut conn,
            &mut t,
            LABEL,
            &tg,
            &format!("{tg} DELETE {name}"),
            None,
            timeout,
        )?;
    }
    let tg = tag();
    let (lsub, _) = command(
        &mut conn,
        &mut t,
        LABEL,
        &tg,
        &format!("{tg} LSUB \"\" \"*\""),
        None,
        timeout,
    )?;
    for name in mailbox_names(&lsub) {
        let tg = tag();
        command(
            &mut conn,
            &mut t,
            LABEL,
            &tg,
            &format!("{tg} UNSUBSCRIBE {name}"),
            None,
            timeout,
        )?;
    }
    let tg = tag();
    let (sel, _) = command(
        &mut conn,
        &mut t,
        LABEL,
        &tg,
        &format!("{tg} SELECT INBOX"),
        None,
        timeout,
    )?;
    let exists = sel
        .iter()
        .any(|r| r.raw.ends_with(b" EXISTS") && r.raw != b"* 0 EXISTS");
    if exists {
        for cmd in ["STORE 1:* +FLAGS.SILENT (\\Deleted)", "EXPUNGE"] {
            let tg = tag();
            command(
                &mut conn,
                &mut t,
                LABEL,
                &tg,
                &format!("{tg} {cmd}"),
                None,
                timeout,
            )?;
        }
    }
    let tg = tag();
    let _ = command(
        &mut conn,
        &mut t,
        LABEL,
        &tg,
        &format!("{tg} LOGOUT"),
        None,
        timeout,
    );
    Ok(())
}

/// Wire forms (quoted as needed) of the names in `* LIST`/`* LSUB` responses, INBOX excluded.
fn mailbox_names(resps: &[Response]) -> Vec<String> {
    resps
        .iter()
        .filter_map(|r| {
            let raw = &r.raw;
            let word = r.status_word();
            if !r.is_untagged() || (word != "LIST" && word != "LSUB") {
                return None;
            }
            let start = word.len() + 3;
            let (end, _) = atom_list_at(raw, start)?;
            let mut pos = end + 1;
            pos = match quoted_at(raw, pos) {
                Some((e, _)) => e,
                None if raw[pos..].starts_with(b"NIL") => pos + 3,
                None => return None,
            } + 1;
            let (_, value) = string_at(raw, pos)?;
            let name = String::from_utf8_lossy(&value).into_owned();
            if name.eq_ignore_ascii_case("INBOX") {
                return None;
            }
            Some(super::connect::quote(&name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_list() {
        let r = [
            Response::line("* LIST (\\HasNoChildren) \".\" INBOX"),
            Response::line("* LIST (\\HasChildren) \".\" \"INBOX.a\""),
            Response::line("* LSUB () \".\" INBOX.a.b"),
            Response::line("W1 OK done"),
        ];
        assert_eq!(mailbox_names(&r), vec!["\"INBOX.a\"", "\"INBOX.a.b\""]);
    }
}
