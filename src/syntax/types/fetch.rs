//! FETCH attributes and body sections (RFC 3501 §6.4.5, RFC 3516 BINARY).

/// What a FETCH asks for: a macro or a list of attributes (`fetch`, RFC 3501 §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchItems {
    /// `ALL` = `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`.
    All,
    /// `FAST` = `(FLAGS INTERNALDATE RFC822.SIZE)`.
    Fast,
    /// `FULL` = `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)`.
    Full,
    /// One attribute, or a parenthesized list of them (never empty).
    List(Vec<FetchAtt>),
}

impl FetchItems {
    /// The attributes a macro stands for (RFC 3501 §6.4.5), or the list itself.
    pub fn expand(&self) -> Vec<FetchAtt> {
        use FetchAtt::*;
        match self {
            FetchItems::All => vec![Flags, InternalDate, Rfc822Size, Envelope],
            FetchItems::Fast => vec![Flags, InternalDate, Rfc822Size],
            FetchItems::Full => vec![Flags, InternalDate, Rfc822Size, Envelope, Body],
            FetchItems::List(items) => items.clone(),
        }
    }
}

/// `fetch-att` (RFC 3501 §9) plus BINARY's items (RFC 3516 §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAtt {
    /// `ENVELOPE`
    Envelope,
    /// `FLAGS`
    Flags,
    /// `INTERNALDATE`
    InternalDate,
    /// `RFC822` (= `BODY[]`, sets \Seen)
    Rfc822,
    /// `RFC822.HEADER` (= `BODY.PEEK[HEADER]`)
    Rfc822Header,
    /// `RFC822.SIZE`
    Rfc822Size,
    /// `RFC822.TEXT` (= `BODY[TEXT]`, sets \Seen)
    Rfc822Text,
    /// `BODY` (non-extensible BODYSTRUCTURE)
    Body,
    /// `BODYSTRUCTURE`
    BodyStructure,
    /// `UID`
    Uid,
    /// `BODY[section]<partial>` or `BODY.PEEK[section]<partial>`.
    BodySection {
        /// `.PEEK`: do not set \Seen.
        peek: bool,
        /// Which part of the message.
        section: Section,
        /// `<origin.count>`.
        partial: Option<Partial>,
    },
    /// `BINARY[part]<partial>` / `BINARY.PEEK[...]` (RFC 3516 §4.2).
    Binary {
        /// `.PEEK`: do not set \Seen.
        peek: bool,
        /// `section-binary = "[" [section-part] "]"`.
        part: Vec<u32>,
        /// `<origin.count>`.
        partial: Option<Partial>,
    },
    /// `BINARY.SIZE[part]` (RFC 3516 §4.2).
    BinarySize {
        /// The part, empty for the whole message.
        part: Vec<u32>,
    },
}

/// `"<" number "." nz-number ">"`: origin octet and count (RFC 3501 §6.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    /// First octet wanted (0-based).
    pub origin: u32,
    /// How many octets at most (non-zero).
    pub count: u32,
}

/// `section` (RFC 3501 §9): a part path and what of it. `BODY[]` is the empty section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    /// `section-part`: `1.2.3` — each non-zero.
    pub part: Vec<u32>,
    /// `section-msgtext` / `MIME`, if any.
    pub text: Option<SectionText>,
}

/// `section-msgtext / "MIME"` (RFC 3501 §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionText {
    /// `HEADER`
    Header,
    /// `HEADER.FIELDS (name ...)`; names are `astring`s, compared case-insensitively.
    HeaderFields(Vec<Vec<u8>>),
    /// `HEADER.FIELDS.NOT (name ...)`
    HeaderFieldsNot(Vec<Vec<u8>>),
    /// `TEXT`
    Text,
    /// `MIME` — only after a part number (`section-text`).
    Mime,
}
