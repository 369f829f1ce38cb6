//! Server responses (RFC 3501 §7, §9 `response`): status responses with their codes,
//! continuation requests and untagged data.

use super::base64::encode_base64;
use super::core::{
    write_flag, write_flag_perm, write_list, write_num, write_sequence_set, write_spaced,
};
use super::fetch::write_msg_att;
use super::string::{write_astring, write_nstring, write_quoted_char, write_string, Sink};
use crate::syntax::types::{
    Atom, Code, Continue, Data, ESearchItem, ListData, NamespaceDesc, Response, StatusAtt,
    StatusKind, StatusResponse, Tag, ThreadNode,
};

/// Writes one response line (with any literals) and its CRLF.
pub(crate) fn write_response(out: &mut dyn Sink, resp: &Response) {
    match resp {
        Response::Status(s) => write_status(out, s),
        Response::Data(d) => {
            out.put(b"* ");
            write_data(out, d);
        }
        Response::Continue(c) => write_continue(out, c),
    }
    out.put(b"\r\n");
}

/// `response-tagged` / `resp-cond-state` / `resp-cond-bye` / `resp-cond-auth` (§7.1).
fn write_status(out: &mut dyn Sink, s: &StatusResponse) {
    match &s.tag {
        Some(tag) => out.put(tag.as_str().as_bytes()),
        None => out.put(b"*"),
    }
    let (kind, default) = match s.kind {
        StatusKind::Ok => ("OK", "Completed"),
        StatusKind::No => ("NO", "Failed"),
        StatusKind::Bad => ("BAD", "Error"),
        StatusKind::PreAuth => ("PREAUTH", "Logged in"),
        StatusKind::Bye => ("BYE", "Logging out"),
    };
    out.put(b" ");
    out.put(kind.as_bytes());
    out.put(b" ");
    write_resp_text(out, s.code.as_ref(), &s.text, default);
}

/// `continue-req = "+" SP (resp-text / base64)` (§7.5).
fn write_continue(out: &mut dyn Sink, c: &Continue) {
    out.put(b"+ ");
    match c {
        Continue::Text { code, text } => write_resp_text(out, code.as_ref(), text, "Ready"),
        Continue::Base64(data) => {
            let mut b64 = Vec::new();
            encode_base64(data, &mut b64);
            out.put(&b64);
        }
    }
}

/// `resp-text = ["[" resp-text-code "]" SP] text`. `text = 1*TEXT-CHAR` may not be empty
/// in RFC 3501 (RFC 9051 relaxed it, but clients such as Outlook choke on a bare `BYE`), so
/// an empty text is replaced by `default`. A text must not look like what it is not: a
/// leading `[` without a code becomes `(`, a trailing `{n}` gets a `.`.
fn write_resp_text(out: &mut dyn Sink, code: Option<&Code>, text: &str, default: &str) {
    if let Some(code) = code {
        out.put(b"[");
        write_code(out, code);
        out.put(b"] ");
    }
    let mut clean = sanitize(text, |_| false);
    if clean.is_empty() {
        clean = default.as_bytes().to_vec();
    }
    // Without a code, a text starting with `[` would be read as one.
    if code.is_none() && clean[0] == b'[' {
        clean[0] = b'(';
    }
    // A line ending in `{n}` reads as a literal announcement to many clients.
    if ends_like_literal(&clean) {
        clean.push(b'.');
    }
    out.put(&clean);
}

/// Maps `text` to printable `TEXT-CHAR`s (§9): control characters (CR and LF above all)
/// and `drop` characters become spaces, non-ASCII characters `?` (8-bit text is allowed
/// only after ENABLE, RFC 9051 §9).
fn sanitize(text: &str, drop: impl Fn(char) -> bool) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            c if c.is_ascii_control() => b' ',
            c if drop(c) => b' ',
            c if c.is_ascii() => c as u8,
            _ => b'?',
        })
        .collect()
}

/// True if `line` ends in `{digits}` or `{digits+}`.
fn ends_like_literal(line: &[u8]) -> bool {
    let Some(rest) = line.strip_suffix(b"}") else {
        return false;
    };
    let rest = rest.strip_suffix(b"+").unwrap_or(rest);
    let digits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && rest[..rest.len() - digits].ends_with(b"{")
}

/// `resp-text-code` (§7.1, RFC 4315 §4, RFC 5530 §3, RFC 7162 §3.2.11).
fn write_code(out: &mut dyn Sink, code: &Code) {
    match code {
        Code::Alert => out.put(b"ALERT"),
        Code::BadCharset(charsets) => {
            out.put(b"BADCHARSET");
            if !charsets.is_empty() {
                out.put(b" ");
                write_list(out, charsets, |out, c| write_astring(out, c.as_bytes()));
            }
        }
        Code::Capability(caps) => write_capability_data(out, caps),
        Code::Parse => out.put(b"PARSE"),
        Code::PermanentFlags(flags) => {
            out.put(b"PERMANENTFLAGS ");
            write_list(out, flags, write_flag_perm);
        }
        Code::ReadOnly => out.put(b"READ-ONLY"),
        Code::ReadWrite => out.put(b"READ-WRITE"),
        Code::TryCreate => out.put(b"TRYCREATE"),
        Code::UidNext(n) => write_named_num(out, b"UIDNEXT ", *n),
        Code::UidValidity(n) => write_named_num(out, b"UIDVALIDITY ", *n),
        Code::Unseen(n) => write_named_num(out, b"UNSEEN ", *n),
        Code::AppendUid { uidvalidity, uids } => {
            write_named_num(out, b"APPENDUID ", *uidvalidity);
            out.put(b" ");
            write_sequence_set(out, uids);
        }
        Code::CopyUid {
            uidvalidity,
            source,
            dest,
        } => {
            write_named_num(out, b"COPYUID ", *uidvalidity);
            out.put(b" ");
            write_sequence_set(out, source);
            out.put(b" ");
            write_sequence_set(out, dest);
        }
        Code::UidNotSticky => out.put(b"UIDNOTSTICKY"),
        Code::Closed => out.put(b"CLOSED"),
        Code::Rfc5530(c) => out.put(c.as_str().as_bytes()),
        Code::Other(atom, text) => {
            out.put(atom.as_str().as_bytes());
            // `atom [SP 1*<any TEXT-CHAR except "]">]`: `]` becomes a space, empty is omitted.
            let clean = sanitize(text.as_deref().unwrap_or(""), |c| c == ']');
            if !clean.is_empty() {
                out.put(b" ");
                out.put(&clean);
            }
        }
    }
}

/// `name n`.
fn write_named_num(out: &mut dyn Sink, name: &[u8], n: impl Into<u64>) {
    out.put(name);
    write_num(out, n);
}

/// `capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1" *(SP capability)`: the
/// caller's list must contain `IMAP4rev1`.
fn write_capability_data(out: &mut dyn Sink, caps: &[Atom]) {
    out.put(b"CAPABILITY");
    write_atoms(out, caps);
}

/// `*(SP atom)`.
fn write_atoms(out: &mut dyn Sink, atoms: &[Atom]) {
    for a in atoms {
        out.put(b" ");
        out.put(a.as_str().as_bytes());
    }
}

/// `*(SP nz-number)`.
fn write_numbers(out: &mut dyn Sink, numbers: &[u32]) {
    for n in numbers {
        out.put(b" ");
        write_num(out, *n);
    }
}

/// The untagged data responses (§7.2–7.4 and the extensions), after `"*" SP`.
fn write_data(out: &mut dyn Sink, data: &Data) {
    match data {
        Data::Capability(caps) => write_capability_data(out, caps),
        Data::List(list) => {
            out.put(b"LIST ");
            write_mailbox_list(out, list);
        }
        Data::Lsub(list) => {
            out.put(b"LSUB ");
            write_mailbox_list(out, list);
        }
        Data::Status { mailbox, items } => {
            // `"STATUS" SP mailbox SP "(" [status-att-list] ")"` (§7.2.4, RFC 4466).
            out.put(b"STATUS ");
            write_astring(out, mailbox.as_bytes());
            out.put(b" ");
            write_list(out, items, |out, (att, n)| {
                out.put(status_att_name(*att).as_bytes());
                out.put(b" ");
                write_num(out, *n);
            });
        }
        Data::Search(numbers) => {
            out.put(b"SEARCH");
            write_numbers(out, numbers);
        }
        Data::ESearch { tag, uid, items } => write_esearch(out, tag.as_ref(), *uid, items),
        Data::Sort(numbers) => {
            out.put(b"SORT");
            write_numbers(out, numbers);
        }
        Data::Thread(roots) => write_thread(out, roots),
        Data::Flags(flags) => {
            out.put(b"FLAGS ");
            write_list(out, flags, write_flag);
        }
        Data::Exists(n) => write_num_named(out, *n, b" EXISTS"),
        Data::Recent(n) => write_num_named(out, *n, b" RECENT"),
        Data::Expunge(n) => write_num_named(out, *n, b" EXPUNGE"),
        Data::Fetch { seq, items } => {
            write_num_named(out, *seq, b" FETCH ");
            write_msg_att(out, items);
        }
        Data::Namespace {
            personal,
            other,
            shared,
        } => {
            out.put(b"NAMESPACE");
            for ns in [personal, other, shared] {
                out.put(b" ");
                write_namespace(out, ns.as_deref());
            }
        }
        Data::Enabled(caps) => {
            out.put(b"ENABLED");
            write_atoms(out, caps);
        }
        Data::Id(params) => {
            out.put(b"ID ");
            write_id_params(out, params.as_deref());
        }
        Data::Quota { root, resources } => {
            // `"QUOTA" SP astring SP quota_list` (RFC 2087 §5.1; space-separated as in
            // RFC 9208 §4.1.1).
            out.put(b"QUOTA ");
            write_astring(out, root);
            out.put(b" ");
            write_list(out, resources, |out, (name, usage, limit)| {
                out.put(name.as_str().as_bytes());
                out.put(b" ");
                write_num(out, *usage);
                out.put(b" ");
                write_num(out, *limit);
            });
        }
        Data::QuotaRoot { mailbox, roots } => {
            // `"QUOTAROOT" SP astring *(SP astring)` (RFC 2087 §5.2).
            out.put(b"QUOTAROOT ");
            write_astring(out, mailbox.as_bytes());
            for root in roots {
                out.put(b" ");
                write_astring(out, root);
            }
        }
    }
}

/// `n name`.
fn write_num_named(out: &mut dyn Sink, n: u32, name: &[u8]) {
    write_num(out, n);
    out.put(name);
}

/// The `status-att` keyword (§6.3.10, RFC 8438 SIZE).
pub(crate) fn status_att_name(att: StatusAtt) -> &'static str {
    match att {
        StatusAtt::Messages => "MESSAGES",
        StatusAtt::Recent => "RECENT",
        StatusAtt::UidNext => "UIDNEXT",
        StatusAtt::UidValidity => "UIDVALIDITY",
        StatusAtt::Unseen => "UNSEEN",
        StatusAtt::Size => "SIZE",
    }
}

/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
/// [SP mbox-list-extended]` (§7.2.2, RFC 5258 §6). Attributes that are not `"\" atom` cannot
/// be written and are left out.
fn write_mailbox_list(out: &mut dyn Sink, list: &ListData) {
    let attrs: Vec<&String> = list
        .attributes
        .iter()
        .filter(|a| a.strip_prefix('\\').is_some_and(|s| Atom::new(s).is_ok()))
        .collect();
    write_list(out, &attrs, |out, a| out.put(a.as_bytes()));
    out.put(b" ");
    write_quoted_char(out, list.delimiter);
    out.put(b" ");
    write_astring(out, list.mailbox.as_bytes());
    // `mbox-list-extended = "(" [mbox-list-extended-item *(SP ...)] ")"`, only when needed.
    if list.child_info.is_empty() && list.old_name.is_none() {
        return;
    }
    out.put(b" (");
    if !list.child_info.is_empty() {
        // RFC 5258 §6 `childinfo-extended-item`: the options are always quoted.
        out.put(b"\"CHILDINFO\" ");
        write_list(out, &list.child_info, |out, c| {
            write_string(out, c.as_bytes())
        });
    }
    if let Some(old) = &list.old_name {
        // RFC 9051 §9 `oldname-extended-item = "OLDNAME" SP "(" mailbox ")"`.
        if !list.child_info.is_empty() {
            out.put(b" ");
        }
        out.put(b"\"OLDNAME\" (");
        write_astring(out, old.as_bytes());
        out.put(b")");
    }
    out.put(b")");
}

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`
/// (RFC 4466 §2.6.2, RFC 4731 §3.1); `search-correlator = SP "(" "TAG" SP tag-string ")"`.
fn write_esearch(out: &mut dyn Sink, tag: Option<&Tag>, uid: bool, items: &[ESearchItem]) {
    out.put(b"ESEARCH");
    if let Some(tag) = tag {
        out.put(b" (TAG ");
        write_string(out, tag.as_str().as_bytes());
        out.put(b")");
    }
    if uid {
        out.put(b" UID");
    }
    for item in items {
        out.put(b" ");
        match item {
            ESearchItem::Min(n) => write_named_num(out, b"MIN ", *n),
            ESearchItem::Max(n) => write_named_num(out, b"MAX ", *n),
            ESearchItem::Count(n) => write_named_num(out, b"COUNT ", *n),
            ESearchItem::All(set) => {
                out.put(b"ALL ");
                write_sequence_set(out, set);
            }
        }
    }
}

/// `thread-data = "THREAD" [SP 1*thread-list]` (RFC 5256 §4).
fn write_thread(out: &mut dyn Sink, roots: &[ThreadNode]) {
    out.put(b"THREAD");
    let roots: Vec<ThreadNode> = roots.iter().flat_map(prune).collect();
    if roots.is_empty() {
        return;
    }
    out.put(b" ");
    for root in &roots {
        out.put(b"(");
        write_thread_members(out, root);
        out.put(b")");
    }
}

/// Drops dummy nodes without children and replaces a dummy with one child by that child
/// (RFC 5256 §4: `thread-nested = 2*thread-list`), recursively. Returns the nodes that
/// stand in place of `node` (none or one).
fn prune(node: &ThreadNode) -> Option<ThreadNode> {
    let mut children: Vec<ThreadNode> = node.children.iter().filter_map(prune).collect();
    match (node.message, children.len()) {
        (None, 0) => None,
        (None, 1) => children.pop(),
        (message, _) => Some(ThreadNode { message, children }),
    }
}

/// The inside of a `thread-list`: a message followed by its only child is a flat chain
/// (`thread-members = nz-number *(SP nz-number) [SP thread-nested]`); several children are
/// siblings, each in parentheses (`thread-nested = 2*thread-list`). A dummy parent is just
/// its nested children.
fn write_thread_members(out: &mut dyn Sink, node: &ThreadNode) {
    if let Some(m) = node.message {
        write_num(out, m);
        match node.children.as_slice() {
            [] => {}
            [only] => {
                out.put(b" ");
                write_thread_members(out, only);
            }
            _ => out.put(b" "),
        }
    }
    if node.children.len() > 1 {
        for child in &node.children {
            out.put(b"(");
            write_thread_members(out, child);
            out.put(b")");
        }
    }
}

/// `Namespace = nil / "(" 1*Namespace-Descr ")"` (RFC 2342 §5): an empty list is NIL.
/// `Namespace-Descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) ")"`.
fn write_namespace(out: &mut dyn Sink, ns: Option<&[NamespaceDesc]>) {
    match ns {
        None | Some([]) => out.put(b"NIL"),
        Some(descs) => {
            out.put(b"(");
            for d in descs {
                out.put(b"(");
                write_string(out, &d.prefix);
                out.put(b" ");
                write_quoted_char(out, d.delimiter);
                out.put(b")");
            }
            out.put(b")");
        }
    }
}

/// One ID field and its value (RFC 2971 §3.3).
type IdParam = (Vec<u8>, Option<Vec<u8>>);

/// `id-params-list = "(" *(string SP nstring) ")" / nil` (RFC 2971 §4, space-separated as
/// in its examples).
pub(crate) fn write_id_params(out: &mut dyn Sink, params: Option<&[IdParam]>) {
    let Some(params) = params else {
        return out.put(b"NIL");
    };
    out.put(b"(");
    write_spaced(out, params, |out, (k, v)| {
        write_string(out, k);
        out.put(b" ");
        write_nstring(out, v.as_deref());
    });
    out.put(b")");
}
