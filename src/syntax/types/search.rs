//! SEARCH keys (RFC 3501 §6.4.4), ESEARCH return options (RFC 4731, RFC 5182),
//! SORT criteria and THREAD algorithms (RFC 5256).

use super::core::{Atom, Date, SequenceSet};

/// `search-key` (RFC 3501 §9), plus OLDER/YOUNGER (RFC 5032 WITHIN).
/// String arguments are raw octets in the command's CHARSET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    /// `ALL`
    All,
    /// `ANSWERED`
    Answered,
    /// `BCC string`
    Bcc(Vec<u8>),
    /// `BEFORE date` (INTERNALDATE, date only)
    Before(Date),
    /// `BODY string`
    Body(Vec<u8>),
    /// `CC string`
    Cc(Vec<u8>),
    /// `DELETED`
    Deleted,
    /// `DRAFT`
    Draft,
    /// `FLAGGED`
    Flagged,
    /// `FROM string`
    From(Vec<u8>),
    /// `HEADER field-name string`
    Header(Vec<u8>, Vec<u8>),
    /// `KEYWORD flag-keyword`
    Keyword(Atom),
    /// `LARGER n` (RFC822.SIZE)
    Larger(u32),
    /// `NEW` = RECENT UNSEEN
    New,
    /// `NOT search-key`
    Not(Box<SearchKey>),
    /// `OLD` = NOT RECENT
    Old,
    /// `ON date`
    On(Date),
    /// `OR search-key search-key`
    Or(Box<SearchKey>, Box<SearchKey>),
    /// `RECENT`
    Recent,
    /// `SEEN`
    Seen,
    /// `SENTBEFORE date` (Date: header)
    SentBefore(Date),
    /// `SENTON date`
    SentOn(Date),
    /// `SENTSINCE date`
    SentSince(Date),
    /// `SINCE date`
    Since(Date),
    /// `SMALLER n`
    Smaller(u32),
    /// `SUBJECT string`
    Subject(Vec<u8>),
    /// `TEXT string` (header and body)
    Text(Vec<u8>),
    /// `TO string`
    To(Vec<u8>),
    /// `UID sequence-set`
    Uid(SequenceSet),
    /// `UNANSWERED`
    Unanswered,
    /// `UNDELETED`
    Undeleted,
    /// `UNDRAFT`
    Undraft,
    /// `UNFLAGGED`
    Unflagged,
    /// `UNKEYWORD flag-keyword`
    Unkeyword(Atom),
    /// `UNSEEN`
    Unseen,
    /// `OLDER n` seconds (RFC 5032)
    Older(u32),
    /// `YOUNGER n` seconds (RFC 5032)
    Younger(u32),
    /// A bare `sequence-set`.
    SequenceSet(SequenceSet),
    /// `"(" search-key *(SP search-key) ")"` — also the implicit AND of the top level.
    And(Vec<SearchKey>),
}

/// `search-return-opt` (RFC 4731 §3, RFC 5182 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchReturn {
    /// `MIN`
    Min,
    /// `MAX`
    Max,
    /// `ALL`
    All,
    /// `COUNT`
    Count,
    /// `SAVE` (RFC 5182)
    Save,
}

/// `sort-key` with its `REVERSE` modifier (RFC 5256 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortCriterion {
    /// `REVERSE` given before the key.
    pub reverse: bool,
    /// The key.
    pub key: SortKey,
}

/// `sort-key` (RFC 5256 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// `ARRIVAL` (INTERNALDATE)
    Arrival,
    /// `CC`
    Cc,
    /// `DATE` (sent date)
    Date,
    /// `FROM`
    From,
    /// `SIZE`
    Size,
    /// `SUBJECT` (base subject, §2.1)
    Subject,
    /// `TO`
    To,
}

/// `thread-alg` (RFC 5256 §3): the two defined algorithms, or another atom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadAlgorithm {
    /// `ORDEREDSUBJECT`
    OrderedSubject,
    /// `REFERENCES`
    References,
    /// Any other atom (the server answers NO/BAD).
    Other(Atom),
}
