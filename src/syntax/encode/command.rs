//! The client side: commands to wire text (RFC 3501 §6, §9 `command`), for tests and the
//! model checker. The output is what our parser must read back.
//!
//! Strings are written as atoms where the syntax has an `astring` and the value is an atom,
//! else quoted when [`quotable`](super::string::quotable), else as literals. APPEND data is
//! always a literal (`literal8` when the message is binary, RFC 3516 §4.4).

use super::base64::encode_base64;
use super::core::{
    write_date, write_date_time, write_flag_list, write_list, write_num, write_sequence_set,
};
use super::fetch::write_fetch_items;
use super::response::{status_att_name, write_id_params};
use super::string::{
    quotable, write_astring, write_literal_header, write_quoted, write_string, LiteralKind, Sink,
};
use super::{Fragment, LiteralMode};
use crate::syntax::types::{
    is_atom_char, Command, CommandBody, ListCommand, ListReturn, ListSelect, Mailbox, SearchKey,
    SearchReturn, SortKey, StatusAtt, StoreMode, ThreadAlgorithm,
};

/// A [`Sink`] that cuts the output into [`Fragment`]s at each literal.
pub(crate) struct FragmentSink {
    frags: Vec<Fragment>,
    line: Vec<u8>,
    sync: bool,
}

impl FragmentSink {
    /// A sink writing synchronizing (`sync`) or LITERAL+ literals.
    pub(crate) fn new(sync: bool) -> Self {
        FragmentSink {
            frags: Vec::new(),
            line: Vec::new(),
            sync,
        }
    }

    /// Ends the command with CRLF and returns the fragments.
    pub(crate) fn finish(mut self) -> Vec<Fragment> {
        self.line.extend_from_slice(b"\r\n");
        self.frags.push(Fragment::Line(self.line));
        self.frags
    }
}

impl Sink for FragmentSink {
    fn put(&mut self, bytes: &[u8]) {
        self.line.extend_from_slice(bytes);
    }
    fn literal(&mut self, data: &[u8], kind: LiteralKind) {
        write_literal_header(&mut self.line, data.len(), kind, !self.sync);
        self.frags
            .push(Fragment::Line(std::mem::take(&mut self.line)));
        let mode = match kind {
            LiteralKind::Binary => LiteralMode::Binary { sync: self.sync },
            LiteralKind::Text if self.sync => LiteralMode::Sync,
            LiteralKind::Text => LiteralMode::NonSync,
        };
        self.frags.push(Fragment::Literal {
            data: data.to_vec(),
            mode,
        });
    }
}

/// `command = tag SP (...)` without the final CRLF.
pub(crate) fn write_command(out: &mut dyn Sink, cmd: &Command) {
    out.put(cmd.tag.as_str().as_bytes());
    out.put(b" ");
    out.put(cmd.body.name().as_bytes());
    write_args(out, &cmd.body);
}

/// `SP mailbox` (`mailbox = "INBOX" / astring`).
fn sp_mailbox(out: &mut dyn Sink, m: &Mailbox) {
    out.put(b" ");
    write_astring(out, m.as_bytes());
}

/// The arguments after the command name, each preceded by SP.
fn write_args(out: &mut dyn Sink, body: &CommandBody) {
    use CommandBody::*;
    match body {
        Capability | Noop | Logout | StartTls | Namespace | Idle | Check | Close | Unselect
        | Expunge => {}
        Id(params) => {
            out.put(b" ");
            write_id_params(out, params.as_deref());
        }
        Enable(caps) => {
            for c in caps {
                out.put(b" ");
                out.put(c.as_str().as_bytes());
            }
        }
        Authenticate {
            mechanism,
            initial_response,
        } => {
            out.put(b" ");
            out.put(mechanism.as_str().as_bytes());
            if let Some(ir) = initial_response {
                // RFC 4959 §3: `=` stands for an empty initial response.
                let mut b64 = Vec::new();
                encode_base64(ir.expose(), &mut b64);
                out.put(b" ");
                out.put(if b64.is_empty() { b"=" } else { &b64 });
            }
        }
        Login { username, password } => {
            out.put(b" ");
            write_astring(out, username);
            out.put(b" ");
            write_astring(out, password.expose());
        }
        Select(m) | Examine(m) | Create(m) | Delete(m) | Subscribe(m) | Unsubscribe(m)
        | GetQuotaRoot(m) => sp_mailbox(out, m),
        Rename { from, to } => {
            sp_mailbox(out, from);
            sp_mailbox(out, to);
        }
        List(list) => write_list_args(out, list),
        Lsub { reference, pattern } => {
            sp_mailbox(out, reference);
            out.put(b" ");
            write_list_mailbox(out, pattern);
        }
        Status { mailbox, items } => {
            sp_mailbox(out, mailbox);
            out.put(b" ");
            write_status_atts(out, items);
        }
        Append { mailbox, messages } => {
            // RFC 3502 §6.3.11: `1*append-message`, each `[SP flag-list] [SP date-time] SP
            // literal`.
            sp_mailbox(out, mailbox);
            for m in messages {
                if !m.flags.is_empty() {
                    out.put(b" ");
                    write_flag_list(out, &m.flags);
                }
                if let Some(date) = &m.date {
                    out.put(b" ");
                    write_date_time(out, date);
                }
                out.put(b" ");
                let kind = if m.binary {
                    LiteralKind::Binary
                } else {
                    LiteralKind::Text
                };
                out.literal(&m.data, kind);
            }
        }
        GetQuota(root) => {
            out.put(b" ");
            write_astring(out, root);
        }
        SetQuota { root, limits } => {
            // `"SETQUOTA" SP astring SP "(" [atom SP number *(SP atom SP number)] ")"`.
            out.put(b" ");
            write_astring(out, root);
            out.put(b" ");
            write_list(out, limits, |out, (name, limit)| {
                out.put(name.as_str().as_bytes());
                out.put(b" ");
                write_num(out, *limit);
            });
        }
        UidExpunge(set) => sp_set(out, set),
        Search {
            ret,
            charset,
            criteria,
            ..
        } => {
            // RFC 4466 §2.6: `[search-return-opts] SP ["CHARSET" SP charset SP] keys`.
            if let Some(ret) = ret {
                out.put(b" RETURN ");
                write_list(out, ret, |out, r| out.put(search_return_name(*r)));
            }
            if let Some(cs) = charset {
                out.put(b" CHARSET ");
                write_astring(out, cs.as_bytes());
            }
            write_search_program(out, criteria);
        }
        Fetch { set, items, .. } => {
            sp_set(out, set);
            out.put(b" ");
            write_fetch_items(out, items);
        }
        Store {
            set,
            mode,
            silent,
            flags,
            ..
        } => {
            sp_set(out, set);
            out.put(match mode {
                StoreMode::Replace => b" FLAGS",
                StoreMode::Add => b" +FLAGS",
                StoreMode::Remove => b" -FLAGS",
            });
            if *silent {
                out.put(b".SILENT");
            }
            out.put(b" ");
            write_flag_list(out, flags);
        }
        Copy { set, mailbox, .. } | Move { set, mailbox, .. } => {
            sp_set(out, set);
            sp_mailbox(out, mailbox);
        }
        Sort {
            criteria,
            charset,
            search,
            ..
        } => {
            // RFC 5256 §5: `sort-criteria SP charset 1*(SP search-key)`.
            out.put(b" ");
            write_list(out, criteria, |out, c| {
                if c.reverse {
                    out.put(b"REVERSE ");
                }
                out.put(sort_key_name(c.key));
            });
            out.put(b" ");
            write_charset(out, charset);
            write_search_program(out, search);
        }
        Thread {
            algorithm,
            charset,
            search,
            ..
        } => {
            out.put(b" ");
            out.put(match algorithm {
                ThreadAlgorithm::OrderedSubject => b"ORDEREDSUBJECT",
                ThreadAlgorithm::References => b"REFERENCES",
                ThreadAlgorithm::Other(a) => a.as_str().as_bytes(),
            });
            out.put(b" ");
            write_charset(out, charset);
            write_search_program(out, search);
        }
    }
}

/// `SP sequence-set`.
fn sp_set(out: &mut dyn Sink, set: &crate::syntax::types::SequenceSet) {
    out.put(b" ");
    write_sequence_set(out, set);
}

/// `"(" status-att *(SP status-att) ")"`.
fn write_status_atts(out: &mut dyn Sink, atts: &[StatusAtt]) {
    write_list(out, atts, |out, a| out.put(status_att_name(*a).as_bytes()));
}

/// `list-mailbox = 1*list-char / string` (§9): wildcards and `]` may stay bare.
fn write_list_mailbox(out: &mut dyn Sink, pattern: &[u8]) {
    let list_char = |b: u8| is_atom_char(b) || matches!(b, b'%' | b'*' | b']');
    if !pattern.is_empty()
        && pattern.len() <= super::string::QUOTED_MAX
        && pattern.iter().all(|&b| list_char(b))
        && !pattern.eq_ignore_ascii_case(b"NIL")
    {
        out.put(pattern);
    } else {
        write_string(out, pattern);
    }
}

/// `"LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`
/// (RFC 5258 §6); empty option lists are left out.
fn write_list_args(out: &mut dyn Sink, list: &ListCommand) {
    if !list.selection.is_empty() {
        out.put(b" ");
        write_list(out, &list.selection, |out, s| {
            out.put(match s {
                ListSelect::Subscribed => b"SUBSCRIBED".as_slice(),
                ListSelect::Remote => b"REMOTE",
                ListSelect::RecursiveMatch => b"RECURSIVEMATCH",
                ListSelect::SpecialUse => b"SPECIAL-USE",
            })
        });
    }
    sp_mailbox(out, &list.reference);
    out.put(b" ");
    match list.patterns.as_slice() {
        [one] => write_list_mailbox(out, one),
        many => write_list(out, many, |out, p| write_list_mailbox(out, p)),
    }
    if !list.returns.is_empty() {
        out.put(b" RETURN ");
        write_list(out, &list.returns, |out, r| match r {
            ListReturn::Subscribed => out.put(b"SUBSCRIBED"),
            ListReturn::Children => out.put(b"CHILDREN"),
            ListReturn::SpecialUse => out.put(b"SPECIAL-USE"),
            ListReturn::Status(atts) => {
                // RFC 5819 §2: `"STATUS" SP "(" status-att *(SP status-att) ")"`.
                out.put(b"STATUS ");
                write_status_atts(out, atts);
            }
        });
    }
}

/// `charset = atom / quoted` (RFC 5256 §5).
fn write_charset(out: &mut dyn Sink, charset: &str) {
    let cs = charset.as_bytes();
    if !cs.is_empty() && cs.iter().all(|&b| is_atom_char(b)) {
        out.put(cs);
    } else if quotable(cs) {
        write_quoted(out, cs);
    } else {
        write_string(out, cs);
    }
}

/// `search-return-opt` (RFC 4731 §3.1, RFC 5182 §2).
fn search_return_name(r: SearchReturn) -> &'static [u8] {
    match r {
        SearchReturn::Min => b"MIN",
        SearchReturn::Max => b"MAX",
        SearchReturn::All => b"ALL",
        SearchReturn::Count => b"COUNT",
        SearchReturn::Save => b"SAVE",
    }
}

/// `sort-key` (RFC 5256 §5).
fn sort_key_name(k: SortKey) -> &'static [u8] {
    match k {
        SortKey::Arrival => b"ARRIVAL",
        SortKey::Cc => b"CC",
        SortKey::Date => b"DATE",
        SortKey::From => b"FROM",
        SortKey::Size => b"SIZE",
        SortKey::Subject => b"SUBJECT",
        SortKey::To => b"TO",
    }
}

/// `1*(SP search-key)`: a top-level `And` is the implicit AND of its keys.
fn write_search_program(out: &mut dyn Sink, criteria: &SearchKey) {
    let keys = match criteria {
        SearchKey::And(keys) => keys.as_slice(),
        one => std::slice::from_ref(one),
    };
    for k in keys {
        out.put(b" ");
        write_search_key(out, k);
    }
}

/// `search-key` (RFC 3501 §9, RFC 5032 §4 OLDER/YOUNGER, RFC 5182 `$`). A nested `And`
/// is parenthesized.
fn write_search_key(out: &mut dyn Sink, key: &SearchKey) {
    use SearchKey::*;
    let string = |out: &mut dyn Sink, name: &[u8], s: &[u8]| {
        out.put(name);
        out.put(b" ");
        write_astring(out, s);
    };
    let date = |out: &mut dyn Sink, name: &[u8], d| {
        out.put(name);
        out.put(b" ");
        write_date(out, d);
    };
    let number = |out: &mut dyn Sink, name: &[u8], n: u32| {
        out.put(name);
        out.put(b" ");
        write_num(out, n);
    };
    match key {
        All => out.put(b"ALL"),
        Answered => out.put(b"ANSWERED"),
        Deleted => out.put(b"DELETED"),
        Draft => out.put(b"DRAFT"),
        Flagged => out.put(b"FLAGGED"),
        New => out.put(b"NEW"),
        Old => out.put(b"OLD"),
        Recent => out.put(b"RECENT"),
        Seen => out.put(b"SEEN"),
        Unanswered => out.put(b"UNANSWERED"),
        Undeleted => out.put(b"UNDELETED"),
        Undraft => out.put(b"UNDRAFT"),
        Unflagged => out.put(b"UNFLAGGED"),
        Unseen => out.put(b"UNSEEN"),
        Bcc(s) => string(out, b"BCC", s),
        Body(s) => string(out, b"BODY", s),
        Cc(s) => string(out, b"CC", s),
        From(s) => string(out, b"FROM", s),
        Subject(s) => string(out, b"SUBJECT", s),
        Text(s) => string(out, b"TEXT", s),
        To(s) => string(out, b"TO", s),
        Header(field, value) => {
            string(out, b"HEADER", field);
            out.put(b" ");
            write_astring(out, value);
        }
        Keyword(a) => string(out, b"KEYWORD", a.as_str().as_bytes()),
        Unkeyword(a) => string(out, b"UNKEYWORD", a.as_str().as_bytes()),
        Before(d) => date(out, b"BEFORE", d),
        On(d) => date(out, b"ON", d),
        Since(d) => date(out, b"SINCE", d),
        SentBefore(d) => date(out, b"SENTBEFORE", d),
        SentOn(d) => date(out, b"SENTON", d),
        SentSince(d) => date(out, b"SENTSINCE", d),
        Larger(n) => number(out, b"LARGER", *n),
        Smaller(n) => number(out, b"SMALLER", *n),
        Older(n) => number(out, b"OLDER", *n),
        Younger(n) => number(out, b"YOUNGER", *n),
        Not(k) => {
            out.put(b"NOT ");
            write_search_key(out, k);
        }
        Or(a, b) => {
            out.put(b"OR ");
            write_search_key(out, a);
            out.put(b" ");
            write_search_key(out, b);
        }
        Uid(set) => {
            out.put(b"UID ");
            write_sequence_set(out, set);
        }
        SequenceSet(set) => write_sequence_set(out, set),
        And(keys) => write_list(out, keys, write_search_key),
    }
}
