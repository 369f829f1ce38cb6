//! A small renderer of typed commands and responses into readable `C:`/`S:` transcript lines
//! (close to the wire form, but built from the types: the encoder is not used here).

use imapd::syntax::types::{
    Code, Command, CommandBody, Continue, Data, FetchValue, Flag, Response, SeqNo, SequenceSet,
    StatusKind,
};

use super::ops::{Cmd, Mode, What};

fn flags(f: &[Flag]) -> String {
    let v: Vec<String> = f.iter().map(ToString::to_string).collect();
    format!("({})", v.join(" "))
}

pub fn set(s: &SequenceSet) -> String {
    match s {
        SequenceSet::Saved => "$".into(),
        SequenceSet::Ranges(r) => {
            let end = |n: &SeqNo| match n {
                SeqNo::Value(v) => v.to_string(),
                SeqNo::Largest => "*".into(),
            };
            let v: Vec<String> = r
                .iter()
                .map(|r| {
                    if r.start == r.end {
                        end(&r.start)
                    } else {
                        format!("{}:{}", end(&r.start), end(&r.end))
                    }
                })
                .collect();
            v.join(",")
        }
    }
}

fn code(c: &Code) -> String {
    match c {
        Code::ReadOnly => "READ-ONLY".into(),
        Code::ReadWrite => "READ-WRITE".into(),
        Code::TryCreate => "TRYCREATE".into(),
        Code::UidNext(n) => format!("UIDNEXT {n}"),
        Code::UidValidity(n) => format!("UIDVALIDITY {n}"),
        Code::Unseen(n) => format!("UNSEEN {n}"),
        Code::PermanentFlags(p) => {
            let v: Vec<String> = p
                .iter()
                .map(|f| match f {
                    imapd::syntax::types::FlagPerm::Flag(f) => f.to_string(),
                    imapd::syntax::types::FlagPerm::Asterisk => "\\*".into(),
                })
                .collect();
            format!("PERMANENTFLAGS ({})", v.join(" "))
        }
        Code::AppendUid { uidvalidity, uids } => format!("APPENDUID {uidvalidity} {}", set(uids)),
        Code::CopyUid {
            uidvalidity,
            source,
            dest,
        } => format!("COPYUID {uidvalidity} {} {}", set(source), set(dest)),
        Code::Rfc5530(c) => c.as_str().into(),
        other => format!("{other:?}"),
    }
}

fn fetch_value(v: &FetchValue) -> String {
    match v {
        FetchValue::Flags(f) => format!("FLAGS {}", flags(f)),
        FetchValue::Uid(u) => format!("UID {u}"),
        FetchValue::Rfc822Size(n) => format!("RFC822.SIZE {n}"),
        FetchValue::BodySection { data, .. } => {
            format!("BODY[] {{{}}}", data.as_ref().map_or(0, Vec::len))
        }
        other => format!("{other:?}"),
    }
}

/// One response as a transcript line (without the `S: ` prefix).
pub fn response(r: &Response) -> String {
    match r {
        Response::Status(s) => {
            let kind = match s.kind {
                StatusKind::Ok => "OK",
                StatusKind::No => "NO",
                StatusKind::Bad => "BAD",
                StatusKind::PreAuth => "PREAUTH",
                StatusKind::Bye => "BYE",
            };
            let tag = s.tag.as_ref().map_or("*".to_string(), |t| t.to_string());
            let code = s
                .code
                .as_ref()
                .map(|c| format!("[{}] ", code(c)))
                .unwrap_or_default();
            format!("{tag} {kind} {code}{}", s.text)
        }
        Response::Continue(Continue::Text { text, .. }) => format!("+ {text}"),
        Response::Continue(other) => format!("+ {other:?}"),
        Response::Data(d) => match d {
            Data::Exists(n) => format!("* {n} EXISTS"),
            Data::Recent(n) => format!("* {n} RECENT"),
            Data::Expunge(n) => format!("* {n} EXPUNGE"),
            Data::Flags(f) => format!("* FLAGS {}", flags(f)),
            Data::Search(v) => {
                let v: Vec<String> = v.iter().map(ToString::to_string).collect();
                format!(
                    "* SEARCH{}",
                    v.iter().map(|s| format!(" {s}")).collect::<String>()
                )
            }
            Data::Fetch { seq, items } => {
                let v: Vec<String> = items.iter().map(fetch_value).collect();
                format!("* {seq} FETCH ({})", v.join(" "))
            }
            other => format!("* {other:?}"),
        },
    }
}

/// A command as a transcript line (without the `C: ` prefix).
pub fn command(c: &Command, op: Option<Cmd>) -> String {
    let tag = &c.tag;
    let name = c.body.name();
    let rest = match (&c.body, op) {
        (CommandBody::Select(m) | CommandBody::Examine(m), _) => {
            String::from_utf8_lossy(m.as_bytes()).into_owned()
        }
        (CommandBody::Append { mailbox, messages }, _) => format!(
            "{} {} {{{}}}",
            String::from_utf8_lossy(mailbox.as_bytes()),
            flags(&messages[0].flags),
            messages[0].data.len()
        ),
        (
            CommandBody::Store {
                set: s, flags: f, ..
            },
            Some(Cmd::Store { mode, silent, .. }),
        ) => {
            let m = match mode {
                Mode::Add => "+",
                Mode::Remove => "-",
                Mode::Replace => "",
            };
            let sil = if silent { ".SILENT" } else { "" };
            format!("{} {m}FLAGS{sil} {}", set(s), flags(f))
        }
        (CommandBody::Fetch { set: s, .. }, Some(Cmd::Fetch { what, .. })) => {
            let items = match what {
                What::Flags => "(FLAGS)",
                What::UidFlags => "(UID FLAGS)",
                What::Uid => "(UID)",
                What::BodySeen => "BODY[]",
            };
            format!("{} {items}", set(s))
        }
        (CommandBody::Search { criteria, .. }, _) => format!("{criteria:?}").to_uppercase(),
        (
            CommandBody::Copy {
                set: s, mailbox, ..
            }
            | CommandBody::Move {
                set: s, mailbox, ..
            },
            _,
        ) => {
            format!("{} {}", set(s), String::from_utf8_lossy(mailbox.as_bytes()))
        }
        (CommandBody::UidExpunge(s), _) => set(s),
        _ => String::new(),
    };
    if rest.is_empty() {
        format!("{tag} {name}")
    } else {
        format!("{tag} {name} {rest}")
    }
}
