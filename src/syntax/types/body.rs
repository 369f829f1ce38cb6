//! ENVELOPE and BODYSTRUCTURE values (RFC 3501 §7.4.2).
//!
//! Strings here are `nstring`s: `None` is NIL. Octets are kept raw (RFC 2047 words are passed
//! through undecoded, §7.4.2 ENVELOPE).

/// An `nstring` value: `None` is NIL.
pub type NString = Option<Vec<u8>>;

/// `envelope` (RFC 3501 §7.4.2 and §9).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// `env-date`: the Date: header, raw.
    pub date: NString,
    /// `env-subject`: the Subject: header, raw.
    pub subject: NString,
    /// `env-from` (empty list is NIL).
    pub from: Vec<Address>,
    /// `env-sender` (defaults to From on the server side, §7.4.2).
    pub sender: Vec<Address>,
    /// `env-reply-to` (defaults to From on the server side).
    pub reply_to: Vec<Address>,
    /// `env-to`
    pub to: Vec<Address>,
    /// `env-cc`
    pub cc: Vec<Address>,
    /// `env-bcc`
    pub bcc: Vec<Address>,
    /// `env-in-reply-to`
    pub in_reply_to: NString,
    /// `env-message-id`
    pub message_id: NString,
}

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"` (§9).
/// A group is written as a start marker (host NIL, mailbox = group name) and an end marker
/// (host NIL, mailbox NIL), §7.4.2.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// `addr-name`: the display name (phrase), raw.
    pub name: NString,
    /// `addr-adl`: source route.
    pub adl: NString,
    /// `addr-mailbox`: local part, or group name, or NIL for a group end.
    pub mailbox: NString,
    /// `addr-host`: domain, or NIL for group markers.
    pub host: NString,
}

/// `body` (RFC 3501 §9): one part, or a multipart of parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyStructure {
    /// `body-type-1part`
    Single {
        /// Type, subtype, parameters, id, description, encoding, size.
        fields: BodyFields,
        /// Extra fields that depend on the media type.
        specific: SinglePartSpecific,
        /// `body-ext-1part` (BODYSTRUCTURE only; `None` for BODY).
        ext: Option<SinglePartExt>,
    },
    /// `body-type-mpart`
    Multi {
        /// The parts (at least one).
        parts: Vec<BodyStructure>,
        /// `media-subtype`, e.g. `mixed`.
        subtype: Vec<u8>,
        /// `body-ext-mpart` (BODYSTRUCTURE only; `None` for BODY).
        ext: Option<MultiPartExt>,
    },
}

/// `body-fields` plus the media type (RFC 3501 §9 `body-type-basic` etc.).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyFields {
    /// `media-basic` type, e.g. `text`.
    pub media_type: Vec<u8>,
    /// Subtype, e.g. `plain`.
    pub subtype: Vec<u8>,
    /// `body-fld-param`: attribute/value pairs (empty list is NIL).
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
    /// `body-fld-id`
    pub id: NString,
    /// `body-fld-desc`
    pub description: NString,
    /// `body-fld-enc`, e.g. `7BIT`, `BASE64`.
    pub encoding: Vec<u8>,
    /// `body-fld-octets`: size in octets of the encoded body.
    pub octets: u32,
}

/// What follows `body-fields` for particular media types (§9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinglePartSpecific {
    /// `body-type-basic`: nothing more.
    Basic,
    /// `body-type-text`: `body-fld-lines`.
    Text {
        /// Lines in the body.
        lines: u32,
    },
    /// `body-type-msg` (message/rfc822): the inner message's envelope, body and lines.
    Message {
        /// Envelope of the encapsulated message.
        envelope: Box<Envelope>,
        /// Structure of the encapsulated message.
        body: Box<BodyStructure>,
        /// Lines of the encapsulated message.
        lines: u32,
    },
}

/// `body-fld-dsp = "(" string SP body-fld-param ")" / nil` (§9, RFC 2183).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposition {
    /// e.g. `attachment`.
    pub kind: Vec<u8>,
    /// Parameters (empty list is NIL).
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
}

/// `body-ext-1part` (§9): imapd always writes all four fields (MD5, disposition, language,
/// location).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SinglePartExt {
    /// `body-fld-md5`
    pub md5: NString,
    /// `body-fld-dsp`
    pub disposition: Option<Disposition>,
    /// `body-fld-lang`: empty is NIL, one is a string, more is a list.
    pub language: Vec<Vec<u8>>,
    /// `body-fld-loc`
    pub location: NString,
}

/// `body-ext-mpart` (§9): parameters, disposition, language, location.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiPartExt {
    /// `body-fld-param` (boundary etc.)
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
    /// `body-fld-dsp`
    pub disposition: Option<Disposition>,
    /// `body-fld-lang`
    pub language: Vec<Vec<u8>>,
    /// `body-fld-loc`
    pub location: NString,
}
