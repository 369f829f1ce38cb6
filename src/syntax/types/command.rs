//! Client commands (RFC 3501 §6 and the extensions imapd speaks).

use super::core::{Atom, DateTime, Flag, IdParams, Mailbox, Secret, SequenceSet, Tag};
use super::fetch::FetchItems;
use super::search::{SearchKey, SearchReturn, SortCriterion, ThreadAlgorithm};

/// One tagged command (`command = tag SP (...) CRLF`, RFC 3501 §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The client's tag, echoed in the tagged response.
    pub tag: Tag,
    /// What is asked.
    pub body: CommandBody,
}

/// The command proper, grouped by the state it is valid in (RFC 3501 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandBody {
    // --- Any state (§6.1) ---
    /// `CAPABILITY` (§6.1.1)
    Capability,
    /// `NOOP` (§6.1.2)
    Noop,
    /// `LOGOUT` (§6.1.3)
    Logout,
    /// `ID ("name" "value" ...)` or `ID NIL` (RFC 2971 §3.1).
    Id(Option<IdParams>),
    /// `ENABLE cap ...` (RFC 5161 §3.1).
    Enable(Vec<Atom>),

    // --- Not Authenticated (§6.2) ---
    /// `STARTTLS` (§6.2.1)
    StartTls,
    /// `AUTHENTICATE mech [initial-response]` (§6.2.2, SASL-IR RFC 4959 §3).
    Authenticate {
        /// SASL mechanism name.
        mechanism: Atom,
        /// `SP (base64 / "=")`: `Some(empty)` is the `=` (empty response).
        initial_response: Option<Secret<Vec<u8>>>,
    },
    /// `LOGIN userid password` (§6.2.3).
    Login {
        /// `userid = astring`
        username: Vec<u8>,
        /// `password = astring`
        password: Secret<Vec<u8>>,
    },

    // --- Authenticated (§6.3) ---
    /// `SELECT mailbox` (§6.3.1)
    Select(Mailbox),
    /// `EXAMINE mailbox` (§6.3.2)
    Examine(Mailbox),
    /// `CREATE mailbox` (§6.3.3)
    Create(Mailbox),
    /// `DELETE mailbox` (§6.3.4)
    Delete(Mailbox),
    /// `RENAME from to` (§6.3.5)
    Rename {
        /// Existing name.
        from: Mailbox,
        /// New name.
        to: Mailbox,
    },
    /// `SUBSCRIBE mailbox` (§6.3.6)
    Subscribe(Mailbox),
    /// `UNSUBSCRIBE mailbox` (§6.3.7)
    Unsubscribe(Mailbox),
    /// `LIST` (§6.3.8), with LIST-EXTENDED options (RFC 5258) and LIST-STATUS (RFC 5819).
    List(ListCommand),
    /// `LSUB reference pattern` (§6.3.9)
    Lsub {
        /// Reference name (raw octets).
        reference: Mailbox,
        /// `list-mailbox` pattern with `*` and `%` (raw octets).
        pattern: Vec<u8>,
    },
    /// `NAMESPACE` (RFC 2342 §5)
    Namespace,
    /// `STATUS mailbox (att ...)` (§6.3.10)
    Status {
        /// Which mailbox.
        mailbox: Mailbox,
        /// What is asked (non-empty).
        items: Vec<StatusAtt>,
    },
    /// `APPEND mailbox [flags] [date] literal` (§6.3.11), several messages with MULTIAPPEND
    /// (RFC 3502 §6.3.11), `literal8` with BINARY (RFC 3516 §4.4).
    Append {
        /// Destination.
        mailbox: Mailbox,
        /// One or more messages (more than one only with MULTIAPPEND).
        messages: Vec<AppendMessage>,
    },
    /// `IDLE` (RFC 2177 §3); ends with `DONE`, which the session reads as a plain line.
    Idle,
    /// `GETQUOTA root` (RFC 2087 §4.2)
    GetQuota(Vec<u8>),
    /// `GETQUOTAROOT mailbox` (RFC 2087 §4.3)
    GetQuotaRoot(Mailbox),
    /// `SETQUOTA root (resource limit ...)` (RFC 2087 §4.1)
    SetQuota {
        /// The quota root.
        root: Vec<u8>,
        /// `(resource-name resource-limit)` pairs.
        limits: Vec<(Atom, u64)>,
    },

    // --- Selected (§6.4) ---
    /// `CHECK` (§6.4.1)
    Check,
    /// `CLOSE` (§6.4.2)
    Close,
    /// `UNSELECT` (RFC 3691 §2)
    Unselect,
    /// `EXPUNGE` (§6.4.3)
    Expunge,
    /// `UID EXPUNGE set` (RFC 4315 §2.1)
    UidExpunge(SequenceSet),
    /// `[UID] SEARCH [RETURN (...)] [CHARSET c] keys` (§6.4.4, RFC 4731 §3).
    Search {
        /// `UID SEARCH`
        uid: bool,
        /// `RETURN (opts)` — `Some(vec![])` is `RETURN ()` (= ALL, RFC 4731 §3.1).
        ret: Option<Vec<SearchReturn>>,
        /// `CHARSET astring`
        charset: Option<String>,
        /// The criteria, implicitly ANDed: an `And` when several are given.
        criteria: SearchKey,
    },
    /// `[UID] FETCH set items` (§6.4.5)
    Fetch {
        /// `UID FETCH`: the set holds UIDs.
        uid: bool,
        /// Messages.
        set: SequenceSet,
        /// What to fetch.
        items: FetchItems,
    },
    /// `[UID] STORE set [+-]FLAGS[.SILENT] flags` (§6.4.6)
    Store {
        /// `UID STORE`
        uid: bool,
        /// Messages.
        set: SequenceSet,
        /// Replace, add or remove.
        mode: StoreMode,
        /// `.SILENT`: no FETCH responses for these changes.
        silent: bool,
        /// The flags (may be empty).
        flags: Vec<Flag>,
    },
    /// `[UID] COPY set mailbox` (§6.4.7)
    Copy {
        /// `UID COPY`
        uid: bool,
        /// Messages.
        set: SequenceSet,
        /// Destination.
        mailbox: Mailbox,
    },
    /// `[UID] MOVE set mailbox` (RFC 6851 §3)
    Move {
        /// `UID MOVE`
        uid: bool,
        /// Messages.
        set: SequenceSet,
        /// Destination.
        mailbox: Mailbox,
    },
    /// `[UID] SORT (criteria) charset keys` (RFC 5256 §3)
    Sort {
        /// `UID SORT`
        uid: bool,
        /// Sort criteria (non-empty).
        criteria: Vec<SortCriterion>,
        /// Charset of the search strings (required by the syntax).
        charset: String,
        /// Search criteria, implicitly ANDed.
        search: SearchKey,
    },
    /// `[UID] THREAD alg charset keys` (RFC 5256 §3)
    Thread {
        /// `UID THREAD`
        uid: bool,
        /// Threading algorithm.
        algorithm: ThreadAlgorithm,
        /// Charset of the search strings.
        charset: String,
        /// Search criteria, implicitly ANDed.
        search: SearchKey,
    },
}

impl CommandBody {
    /// The command's name as written on the wire (for logs and error texts).
    pub fn name(&self) -> &'static str {
        use CommandBody::*;
        match self {
            Capability => "CAPABILITY",
            Noop => "NOOP",
            Logout => "LOGOUT",
            Id(_) => "ID",
            Enable(_) => "ENABLE",
            StartTls => "STARTTLS",
            Authenticate { .. } => "AUTHENTICATE",
            Login { .. } => "LOGIN",
            Select(_) => "SELECT",
            Examine(_) => "EXAMINE",
            Create(_) => "CREATE",
            Delete(_) => "DELETE",
            Rename { .. } => "RENAME",
            Subscribe(_) => "SUBSCRIBE",
            Unsubscribe(_) => "UNSUBSCRIBE",
            List(_) => "LIST",
            Lsub { .. } => "LSUB",
            Namespace => "NAMESPACE",
            Status { .. } => "STATUS",
            Append { .. } => "APPEND",
            Idle => "IDLE",
            GetQuota(_) => "GETQUOTA",
            GetQuotaRoot(_) => "GETQUOTAROOT",
            SetQuota { .. } => "SETQUOTA",
            Check => "CHECK",
            Close => "CLOSE",
            Unselect => "UNSELECT",
            Expunge => "EXPUNGE",
            UidExpunge(_) => "UID EXPUNGE",
            Search { uid: false, .. } => "SEARCH",
            Search { uid: true, .. } => "UID SEARCH",
            Fetch { uid: false, .. } => "FETCH",
            Fetch { uid: true, .. } => "UID FETCH",
            Store { uid: false, .. } => "STORE",
            Store { uid: true, .. } => "UID STORE",
            Copy { uid: false, .. } => "COPY",
            Copy { uid: true, .. } => "UID COPY",
            Move { uid: false, .. } => "MOVE",
            Move { uid: true, .. } => "UID MOVE",
            Sort { uid: false, .. } => "SORT",
            Sort { uid: true, .. } => "UID SORT",
            Thread { uid: false, .. } => "THREAD",
            Thread { uid: true, .. } => "UID THREAD",
        }
    }
}

/// `LIST [(selection)] reference patterns [RETURN (options)]` (RFC 3501 §6.3.8, RFC 5258 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCommand {
    /// `list-select-opts` (RFC 5258): empty when not given.
    pub selection: Vec<ListSelect>,
    /// Reference name (raw octets).
    pub reference: Mailbox,
    /// One pattern, or several in parentheses (`mbox-or-pat`, RFC 5258); raw octets.
    pub patterns: Vec<Vec<u8>>,
    /// `list-return-opts` (RFC 5258, RFC 5819): empty when not given.
    pub returns: Vec<ListReturn>,
}

/// `list-select-opt` (RFC 5258 §3.1, RFC 6154 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListSelect {
    /// `SUBSCRIBED`
    Subscribed,
    /// `REMOTE`
    Remote,
    /// `RECURSIVEMATCH`
    RecursiveMatch,
    /// `SPECIAL-USE` (RFC 6154)
    SpecialUse,
}

/// `return-option` (RFC 5258 §3.2, RFC 5819 §2, RFC 6154 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListReturn {
    /// `SUBSCRIBED`
    Subscribed,
    /// `CHILDREN`
    Children,
    /// `STATUS (att ...)` (RFC 5819)
    Status(Vec<StatusAtt>),
    /// `SPECIAL-USE` (RFC 6154)
    SpecialUse,
}

/// `status-att` (RFC 3501 §6.3.10, RFC 9208 SIZE, RFC 7162 HIGHESTMODSEQ not supported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusAtt {
    /// `MESSAGES`
    Messages,
    /// `RECENT`
    Recent,
    /// `UIDNEXT`
    UidNext,
    /// `UIDVALIDITY`
    UidValidity,
    /// `UNSEEN`
    Unseen,
    /// `SIZE` (RFC 8438)
    Size,
}

/// One message of an APPEND (RFC 3501 §6.3.11, RFC 3502 MULTIAPPEND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendMessage {
    /// Flags to set (`\Recent` is not allowed, the parser rejects it).
    pub flags: Vec<Flag>,
    /// INTERNALDATE to set, if given.
    pub date: Option<DateTime>,
    /// The message octets.
    pub data: Vec<u8>,
    /// Sent as `literal8` (`~{n}`, RFC 3516 §4.4): may contain NUL.
    pub binary: bool,
}

/// How STORE changes flags (§6.4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}
