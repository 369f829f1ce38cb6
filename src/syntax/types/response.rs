//! Server responses (RFC 3501 §7) and the extensions' data responses.

use super::body::{BodyStructure, Envelope};
use super::command::StatusAtt;
use super::core::{Atom, DateTime, Flag, FlagPerm, IdParams, Mailbox, SequenceSet, Tag};
use super::fetch::Section;

/// Anything the server sends (`response`, RFC 3501 §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// A status response, tagged or untagged (§7.1).
    Status(StatusResponse),
    /// Untagged data (§7.2–7.4).
    Data(Data),
    /// `+` continuation request (§7.5).
    Continue(Continue),
}

/// `resp-cond-state` / `resp-cond-bye` / `resp-cond-auth` (§7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusResponse {
    /// The command's tag, or `None` for `*`.
    pub tag: Option<Tag>,
    /// OK, NO, BAD, PREAUTH or BYE.
    pub kind: StatusKind,
    /// `resp-text-code` in brackets.
    pub code: Option<Code>,
    /// Human-readable text (`text = 1*TEXT-CHAR`); the encoder never emits CR/LF from it.
    pub text: String,
}

/// The condition of a status response (§7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusKind {
    /// `OK` (§7.1.1)
    Ok,
    /// `NO` (§7.1.2)
    No,
    /// `BAD` (§7.1.3)
    Bad,
    /// `PREAUTH` (§7.1.4), untagged greeting only.
    PreAuth,
    /// `BYE` (§7.1.5), untagged only.
    Bye,
}

/// `resp-text-code` (RFC 3501 §7.1, RFC 4315 UIDPLUS, RFC 5530, RFC 2221, RFC 7162 CLOSED).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// `ALERT`
    Alert,
    /// `BADCHARSET [(charset ...)]`
    BadCharset(Vec<String>),
    /// `CAPABILITY cap ...`
    Capability(Vec<Atom>),
    /// `PARSE`
    Parse,
    /// `PERMANENTFLAGS (flag-perm ...)`
    PermanentFlags(Vec<FlagPerm>),
    /// `READ-ONLY`
    ReadOnly,
    /// `READ-WRITE`
    ReadWrite,
    /// `TRYCREATE`
    TryCreate,
    /// `UIDNEXT n`
    UidNext(u32),
    /// `UIDVALIDITY n`
    UidValidity(u32),
    /// `UNSEEN n`
    Unseen(u32),
    /// `APPENDUID uidvalidity uid-set` (RFC 4315 §3)
    AppendUid {
        /// UIDVALIDITY of the destination.
        uidvalidity: u32,
        /// Assigned UIDs.
        uids: SequenceSet,
    },
    /// `COPYUID uidvalidity source-set dest-set` (RFC 4315 §3)
    CopyUid {
        /// UIDVALIDITY of the destination.
        uidvalidity: u32,
        /// Source UIDs.
        source: SequenceSet,
        /// Destination UIDs, in the same order.
        dest: SequenceSet,
    },
    /// `UIDNOTSTICKY` (RFC 4315)
    UidNotSticky,
    /// `CLOSED` (RFC 7162 §3.2.11): the previous mailbox is closed.
    Closed,
    /// RFC 5530 codes and `TOOBIG` (RFC 4469 / RFC 7889).
    Rfc5530(Rfc5530Code),
    /// Any other `atom [SP 1*<any TEXT-CHAR except "]">]`.
    Other(Atom, Option<String>),
}

/// The response codes of RFC 5530 §3 (plus `TOOBIG` of RFC 4469 §5 used by RFC 7888 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rfc5530Code {
    /// `UNAVAILABLE`
    Unavailable,
    /// `AUTHENTICATIONFAILED`
    AuthenticationFailed,
    /// `AUTHORIZATIONFAILED`
    AuthorizationFailed,
    /// `EXPIRED`
    Expired,
    /// `PRIVACYREQUIRED`
    PrivacyRequired,
    /// `CONTACTADMIN`
    ContactAdmin,
    /// `NOPERM`
    NoPerm,
    /// `INUSE`
    InUse,
    /// `EXPUNGEISSUED`
    ExpungeIssued,
    /// `CORRUPTION`
    Corruption,
    /// `SERVERBUG`
    ServerBug,
    /// `CLIENTBUG`
    ClientBug,
    /// `CANNOT`
    Cannot,
    /// `LIMIT`
    Limit,
    /// `OVERQUOTA`
    OverQuota,
    /// `ALREADYEXISTS`
    AlreadyExists,
    /// `NONEXISTENT`
    NonExistent,
    /// `TOOBIG`
    TooBig,
}

impl Rfc5530Code {
    /// Every code, for tables and tests.
    pub const ALL: [Rfc5530Code; 18] = [
        Rfc5530Code::Unavailable,
        Rfc5530Code::AuthenticationFailed,
        Rfc5530Code::AuthorizationFailed,
        Rfc5530Code::Expired,
        Rfc5530Code::PrivacyRequired,
        Rfc5530Code::ContactAdmin,
        Rfc5530Code::NoPerm,
        Rfc5530Code::InUse,
        Rfc5530Code::ExpungeIssued,
        Rfc5530Code::Corruption,
        Rfc5530Code::ServerBug,
        Rfc5530Code::ClientBug,
        Rfc5530Code::Cannot,
        Rfc5530Code::Limit,
        Rfc5530Code::OverQuota,
        Rfc5530Code::AlreadyExists,
        Rfc5530Code::NonExistent,
        Rfc5530Code::TooBig,
    ];

    /// The code's wire atom.
    pub fn as_str(self) -> &'static str {
        use Rfc5530Code::*;
        match self {
            Unavailable => "UNAVAILABLE",
            AuthenticationFailed => "AUTHENTICATIONFAILED",
            AuthorizationFailed => "AUTHORIZATIONFAILED",
            Expired => "EXPIRED",
            PrivacyRequired => "PRIVACYREQUIRED",
            ContactAdmin => "CONTACTADMIN",
            NoPerm => "NOPERM",
            InUse => "INUSE",
            ExpungeIssued => "EXPUNGEISSUED",
            Corruption => "CORRUPTION",
            ServerBug => "SERVERBUG",
            ClientBug => "CLIENTBUG",
            Cannot => "CANNOT",
            Limit => "LIMIT",
            OverQuota => "OVERQUOTA",
            AlreadyExists => "ALREADYEXISTS",
            NonExistent => "NONEXISTENT",
            TooBig => "TOOBIG",
        }
    }
}

/// `continue-req = "+" SP (resp-text / base64) CRLF` (§7.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Continue {
    /// Human text, optionally with a code (`+ idling`, `+ OK`).
    Text {
        /// Optional response code.
        code: Option<Code>,
        /// The text.
        text: String,
    },
    /// A SASL challenge, sent base64-encoded (§6.2.2).
    Base64(Vec<u8>),
}

/// Untagged data responses (§7.2–7.4 and extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// `CAPABILITY` (§7.2.1)
    Capability(Vec<Atom>),
    /// `LIST` (§7.2.2, RFC 5258 extended items)
    List(ListData),
    /// `LSUB` (§7.2.3)
    Lsub(ListData),
    /// `STATUS mailbox (att value ...)` (§7.2.4)
    Status {
        /// Which mailbox.
        mailbox: Mailbox,
        /// Attribute values.
        items: Vec<(StatusAtt, u64)>,
    },
    /// `SEARCH n ...` (§7.2.5)
    Search(Vec<u32>),
    /// `ESEARCH` (RFC 4731 §3.1)
    ESearch {
        /// `(TAG "x")` correlator.
        tag: Option<Tag>,
        /// Results are UIDs.
        uid: bool,
        /// Result items.
        items: Vec<ESearchItem>,
    },
    /// `SORT n ...` (RFC 5256 §4)
    Sort(Vec<u32>),
    /// `THREAD (...)...` (RFC 5256 §4)
    Thread(Vec<ThreadNode>),
    /// `FLAGS (flag ...)` (§7.2.6)
    Flags(Vec<Flag>),
    /// `n EXISTS` (§7.3.1)
    Exists(u32),
    /// `n RECENT` (§7.3.2)
    Recent(u32),
    /// `n EXPUNGE` (§7.4.1)
    Expunge(u32),
    /// `n FETCH (...)` (§7.4.2)
    Fetch {
        /// Message sequence number.
        seq: u32,
        /// The items, in the order they are sent.
        items: Vec<FetchValue>,
    },
    /// `NAMESPACE personal other shared` (RFC 2342 §5): `None` is NIL.
    Namespace {
        /// Personal namespaces.
        personal: Option<Vec<NamespaceDesc>>,
        /// Other users' namespaces.
        other: Option<Vec<NamespaceDesc>>,
        /// Shared namespaces.
        shared: Option<Vec<NamespaceDesc>>,
    },
    /// `ENABLED cap ...` (RFC 5161 §3.2)
    Enabled(Vec<Atom>),
    /// `ID (...)` or `ID NIL` (RFC 2971 §3.2)
    Id(Option<IdParams>),
    /// `QUOTA root (resource usage limit ...)` (RFC 2087 §5.1)
    Quota {
        /// Quota root name.
        root: Vec<u8>,
        /// (resource, usage, limit) triples.
        resources: Vec<(Atom, u64, u64)>,
    },
    /// `QUOTAROOT mailbox root ...` (RFC 2087 §5.2)
    QuotaRoot {
        /// The mailbox asked about.
        mailbox: Mailbox,
        /// Its quota roots.
        roots: Vec<Vec<u8>>,
    },
}

/// The body of a LIST or LSUB response (`mailbox-list`, §9; RFC 5258 `mbox-list-extended`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListData {
    /// Name attributes such as `\Noselect`, `\HasChildren` (atoms without the backslash are
    /// kept with it: the text is written as is, e.g. `\HasChildren`).
    pub attributes: Vec<String>,
    /// Hierarchy delimiter, or `None` for NIL (flat).
    pub delimiter: Option<char>,
    /// The name, wire octets.
    pub mailbox: Mailbox,
    /// `CHILDINFO ("SUBSCRIBED")` extended data (RFC 5258 §4): the tags, if any.
    pub child_info: Vec<String>,
    /// RFC 9051 / RFC 5258 `OLDNAME` is not used; reserved for future extended items.
    pub old_name: Option<Mailbox>,
}

/// `Namespace_Descr` (RFC 2342 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceDesc {
    /// Prefix, e.g. `INBOX.`.
    pub prefix: Vec<u8>,
    /// Hierarchy delimiter, `None` for NIL.
    pub delimiter: Option<char>,
}

/// `search-return-data` (RFC 4731 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ESearchItem {
    /// `MIN n`
    Min(u32),
    /// `MAX n`
    Max(u32),
    /// `ALL sequence-set`
    All(SequenceSet),
    /// `COUNT n`
    Count(u32),
}

/// One node of a THREAD response (RFC 5256 §4): a message and its children. A node without
/// a message stands for a missing parent that has several children (§4 `thread-list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadNode {
    /// The message number or UID, `None` for a dummy parent.
    pub message: Option<u32>,
    /// Replies to it.
    pub children: Vec<ThreadNode>,
}

/// The FETCH items a [`FetchValue::Encoded`] may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodedItem {
    /// `ENVELOPE`.
    Envelope,
    /// `BODY` (no extension data).
    Body,
    /// `BODYSTRUCTURE`.
    BodyStructure,
}

/// `msg-att` items of a FETCH response (§7.4.2, RFC 3516 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchValue {
    /// `FLAGS (...)`
    Flags(Vec<Flag>),
    /// `UID n`
    Uid(u32),
    /// `INTERNALDATE "..."`
    InternalDate(DateTime),
    /// `RFC822.SIZE n`
    Rfc822Size(u64),
    /// `ENVELOPE (...)`
    Envelope(Box<Envelope>),
    /// `BODY (...)` — the non-extensible form.
    Body(Box<BodyStructure>),
    /// `BODYSTRUCTURE (...)`
    BodyStructure(Box<BodyStructure>),
    /// `ENVELOPE`, `BODY` or `BODYSTRUCTURE` whose value is already wire text (a cached
    /// summary's, `message::summary`): written as the item's name, a space and `text`.
    Encoded {
        /// Which of the three items.
        item: EncodedItem,
        /// The value exactly as [`FetchValue::Envelope`] (and the others) would write it.
        text: Box<[u8]>,
    },
    /// `BODY[section]<origin> nstring`
    BodySection {
        /// The section as requested (`HEADER.FIELDS` lists echoed).
        section: Section,
        /// The origin octet for a partial fetch (`<origin>`, §7.4.2).
        origin: Option<u32>,
        /// The data, NIL if absent.
        data: Option<Vec<u8>>,
    },
    /// `RFC822 nstring`
    Rfc822(Option<Vec<u8>>),
    /// `RFC822.HEADER nstring`
    Rfc822Header(Option<Vec<u8>>),
    /// `RFC822.TEXT nstring`
    Rfc822Text(Option<Vec<u8>>),
    /// `BINARY[part]<origin> literal8/nstring` (RFC 3516 §4.2)
    Binary {
        /// The part.
        part: Vec<u32>,
        /// The origin octet for a partial fetch.
        origin: Option<u32>,
        /// Decoded octets, NIL if absent.
        data: Option<Vec<u8>>,
    },
    /// `BINARY.SIZE[part] n` (RFC 3516 §4.2)
    BinarySize {
        /// The part.
        part: Vec<u32>,
        /// Decoded size.
        size: u64,
    },
}

impl From<StatusResponse> for Response {
    fn from(s: StatusResponse) -> Self {
        Response::Status(s)
    }
}

impl From<Data> for Response {
    fn from(d: Data) -> Self {
        Response::Data(d)
    }
}
