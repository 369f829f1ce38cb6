//! Before the first step: CAPABILITY for `# requires:` (RFC 3501 §6.1.1), then fixtures
//! through CREATE (§6.3.3) and APPEND (§6.3.11), on a connection of its own.

use super::connect::{command, open};
use super::session::Session;
use super::StepError;
use crate::scenario::{Fixture, Scenario};

const LABEL: &str = "setup";

/// `Ok(Some(reason))` when the scenario must be skipped.
pub fn prepare(session: &mut Session, s: &Scenario) -> Result<Option<String>, StepError> {
    if s.requires.is_empty() && s.fixtures.is_empty() {
        return Ok(None);
    }
    let (target, maildir, t, timeout) = session.parts();
    let mut conn = open(target, maildir, LABEL, t, timeout)?;
    let mut n = 0;
    let mut tag = || {
        n += 1;
        format!("S{n}")
    };
    if !s.requires.is_empty() {
        let tg = tag();
        let (untagged, tagged) = command(
            &mut conn,
            t,
            LABEL,
            &tg,
            &format!("{tg} CAPABILITY"),
            None,
            timeout,
        )?;
        ok(&tagged, &tg)?;
        let caps: Vec<String> = untagged
            .iter()
            .filter(|r| r.is_untagged() && r.status_word() == "CAPABILITY")
            .flat_map(|r| {
                String::from_utf8_lossy(&r.raw)
                    .split(' ')
                    .skip(2)
                    .map(str::to_ascii_uppercase)
                    .collect::<Vec<_>>()
            })
            .collect();
        let missing: Vec<&str> = s
            .requires
            .iter()
            .filter(|r| !caps.contains(&r.to_ascii_uppercase()))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Ok(Some(format!("server lacks {}", missing.join(" "))));
        }
    }
    let mut created: Vec<String> = Vec::new();
    for f in &s.fixtures {
        let mailbox = match f {
            Fixture::Mailbox(m) | Fixture::Message { mailbox: m, .. } => m,
        };
        let bare = mailbox.trim_matches('"');
        if !bare.eq_ignore_ascii_case("INBOX") && !created.iter().any(|c| c == mailbox) {
            let tg = tag();
            let (_, tagged) = command(
                &mut conn,
                t,
                LABEL,
                &tg,
                &format!("{tg} CREATE {mailbox}"),
                None,
                timeout,
            )?;
            ok(&tagged, &tg)?;
            created.push(mailbox.clone());
        }
        if let Fixture::Message {
            mailbox,
            flags,
            date,
            body,
        } = f
        {
            let tg = tag();
            let mut text = format!("{tg} APPEND {mailbox}");
            for arg in [flags, date].into_iter().flatten() {
                text.push(' ');
                text.push_str(arg);
            }
            text.push_str(&format!(" {{{}}}", body.len()));
            let (_, tagged) = command(&mut conn, t, LABEL, &tg, &text, Some(body), timeout)?;
            ok(&tagged, &tg)?;
        }
    }
    let tg = tag();
    let _ = command(
        &mut conn,
        t,
        LABEL,
        &tg,
        &format!("{tg} LOGOUT"),
        None,
        timeout,
    );
    conn.close();
    Ok(None)
}

fn ok(tagged: &crate::wire::Response, tag: &str) -> Result<(), StepError> {
    if tagged.status_word() == "OK" {
        Ok(())
    } else {
        Err(StepError::new(
            format!("{tag} OK"),
            tagged.display_lines().join("\n"),
        ))
    }
}
