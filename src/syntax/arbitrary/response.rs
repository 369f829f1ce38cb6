//! Generators for [`Response`]: every variant, within the encoder's preconditions.

use quickcheck::{Arbitrary, Gen};

use super::command::{part, section};
use super::*;

impl Arbitrary for Response {
    fn arbitrary(g: &mut Gen) -> Self {
        match range(g, 0, 9) {
            0..=2 => Response::Status(status_response(g)),
            3 => Response::Continue(if bool::arbitrary(g) {
                Continue::Text {
                    code: maybe(g, code),
                    text: text(g),
                }
            } else {
                Continue::Base64(octets(g, true))
            }),
            _ => Response::Data(data(g)),
        }
    }
}

/// Human text: usually plain, sometimes with CR/LF, NUL, `]`, non-ASCII or a `{5}` end.
pub(crate) fn text(g: &mut Gen) -> String {
    match range(g, 0, 5) {
        0 => String::new(),
        1 => String::arbitrary(g),
        2 => pick(
            g,
            &[
                "see {5}",
                "x\r\ny",
                "nul\0here",
                "[ALERT] not a code",
                "caf\u{e9}",
            ],
        )
        .to_string(),
        _ => pick(
            g,
            &["Completed", "UIDs valid", "Ok", "Logged in", "LIST done"],
        )
        .to_string(),
    }
}

/// A status response: tagged ones are OK/NO/BAD (§7.1); PREAUTH and BYE are untagged.
pub(crate) fn status_response(g: &mut Gen) -> StatusResponse {
    let tagged = bool::arbitrary(g);
    let kinds: &[StatusKind] = if tagged {
        &[StatusKind::Ok, StatusKind::No, StatusKind::Bad]
    } else {
        &[
            StatusKind::Ok,
            StatusKind::No,
            StatusKind::Bad,
            StatusKind::PreAuth,
            StatusKind::Bye,
        ]
    };
    StatusResponse {
        tag: tagged.then(|| tag(g)),
        kind: pick(g, kinds),
        code: maybe(g, code),
        text: text(g),
    }
}

/// A capability list containing IMAP4rev1 (§9 `capability-data`).
fn capabilities(g: &mut Gen) -> Vec<Atom> {
    let mut caps = vec_of(g, 0, 4, |g| atom_except(g, &["IMAP4rev1"]));
    let at = count(g, 0, caps.len());
    caps.insert(at, Atom::new("IMAP4rev1").expect("atom"));
    caps
}

/// Codes with their own variant: `Code::Other` never spells one.
const KNOWN_CODES: &[&str] = &[
    "ALERT",
    "BADCHARSET",
    "CAPABILITY",
    "PARSE",
    "PERMANENTFLAGS",
    "READ-ONLY",
    "READ-WRITE",
    "TRYCREATE",
    "UIDNEXT",
    "UIDVALIDITY",
    "UNSEEN",
    "APPENDUID",
    "COPYUID",
    "UIDNOTSTICKY",
    "CLOSED",
    "UNAVAILABLE",
    "AUTHENTICATIONFAILED",
    "AUTHORIZATIONFAILED",
    "EXPIRED",
    "PRIVACYREQUIRED",
    "CONTACTADMIN",
    "NOPERM",
    "INUSE",
    "EXPUNGEISSUED",
    "CORRUPTION",
    "SERVERBUG",
    "CLIENTBUG",
    "CANNOT",
    "LIMIT",
    "OVERQUOTA",
    "ALREADYEXISTS",
    "NONEXISTENT",
    "TOOBIG",
    "UNKNOWN-CTE",
];

/// A `resp-text-code`.
pub(crate) fn code(g: &mut Gen) -> Code {
    match range(g, 0, 17) {
        0 => Code::Alert,
        1 => Code::BadCharset(vec_of(g, 0, 3, |g| {
            String::from_utf8_lossy(&octets(g, true)).into_owned()
        })),
        2 => Code::Capability(capabilities(g)),
        3 => Code::Parse,
        4 => Code::PermanentFlags(vec_of(g, 0, 4, |g| {
            if one_in(g, 4) {
                FlagPerm::Asterisk
            } else {
                FlagPerm::Flag(flag(g, false))
            }
        })),
        5 => Code::ReadOnly,
        6 => Code::ReadWrite,
        7 => Code::TryCreate,
        8 => Code::UidNext(nz(g)),
        9 => Code::UidValidity(nz(g)),
        10 => Code::Unseen(nz(g)),
        11 => Code::AppendUid {
            uidvalidity: nz(g),
            uids: sequence_set(g, false, false),
        },
        12 => Code::CopyUid {
            uidvalidity: nz(g),
            source: sequence_set(g, false, false),
            dest: sequence_set(g, false, false),
        },
        13 => Code::UidNotSticky,
        14 => Code::Closed,
        15 => Code::Rfc5530(pick(g, &Rfc5530Code::ALL)),
        _ => Code::Other(atom_except(g, KNOWN_CODES), maybe(g, text)),
    }
}

/// Untagged data of every kind.
pub(crate) fn data(g: &mut Gen) -> Data {
    match range(g, 0, 19) {
        0 => Data::Capability(capabilities(g)),
        1 => Data::List(list_data(g)),
        2 => Data::Lsub(list_data(g)),
        3 => Data::Status {
            mailbox: mailbox(g),
            items: subset(g, STATUS_ATTS, 0, 4)
                .into_iter()
                .map(|a| {
                    let v = match a {
                        StatusAtt::UidNext | StatusAtt::UidValidity => nz(g).into(),
                        StatusAtt::Size => num64(g),
                        _ => num(g).into(),
                    };
                    (a, v)
                })
                .collect(),
        },
        4 => Data::Search(vec_of(g, 0, 5, nz)),
        5 => Data::ESearch {
            tag: maybe(g, tag),
            uid: bool::arbitrary(g),
            items: vec_of(g, 0, 4, |g| match range(g, 0, 3) {
                0 => ESearchItem::Min(nz(g)),
                1 => ESearchItem::Max(nz(g)),
                2 => ESearchItem::Count(num(g)),
                _ => ESearchItem::All(sequence_set(g, true, false)),
            }),
        },
        6 => Data::Sort(vec_of(g, 0, 5, nz)),
        7 => Data::Thread(vec_of(g, 0, 3, |g| thread_node(g, 3))),
        8 => Data::Flags(vec_of(g, 0, 5, |g| flag(g, true))),
        9 => Data::Exists(num(g)),
        10 => Data::Recent(num(g)),
        11 => Data::Expunge(nz(g)),
        12 | 13 => Data::Fetch {
            seq: nz(g),
            items: vec_of(g, 1, 4, fetch_value),
        },
        14 => Data::Namespace {
            personal: maybe(g, namespaces),
            other: maybe(g, namespaces),
            shared: maybe(g, namespaces),
        },
        15 => Data::Enabled(vec_of(g, 0, 3, atom)),
        16 => Data::Id(maybe(g, |g| {
            vec_of(g, 0, 3, |g| {
                (octets(g, true), maybe(g, |g| octets(g, true)))
            })
        })),
        17 => Data::Quota {
            root: octets(g, false),
            resources: vec_of(g, 0, 3, |g| (atom(g), num64(g), num64(g))),
        },
        _ => Data::QuotaRoot {
            mailbox: mailbox(g),
            roots: vec_of(g, 0, 3, |g| octets(g, false)),
        },
    }
}

/// A hierarchy delimiter: usually `.` or `/`, sometimes one that needs escaping or that
/// cannot be written (non-ASCII, written as NIL).
fn delimiter(g: &mut Gen) -> Option<char> {
    maybe(g, |g| pick(g, &['.', '/', '.', '/', '"', '\\', '\u{e9}']))
}

fn list_data(g: &mut Gen) -> ListData {
    ListData {
        attributes: vec_of(g, 0, 3, |g| {
            if one_in(g, 6) {
                pick(g, &["Noselect", "\\", "\\a b"]).to_string()
            } else {
                format!("\\{}", atom(g))
            }
        }),
        delimiter: delimiter(g),
        mailbox: mailbox(g),
        child_info: vec_of(g, 0, 2, |g| pick(g, &["SUBSCRIBED", "REMOTE"]).to_string()),
        old_name: maybe(g, mailbox),
    }
}

fn namespaces(g: &mut Gen) -> Vec<NamespaceDesc> {
    vec_of(g, 0, 2, |g| NamespaceDesc {
        prefix: octets(g, false),
        delimiter: delimiter(g),
    })
}

/// A THREAD node: message numbers non-zero, dummies anywhere (the encoder prunes them).
fn thread_node(g: &mut Gen, depth: u32) -> ThreadNode {
    ThreadNode {
        message: if one_in(g, 4) { None } else { Some(nz(g)) },
        children: if depth == 0 {
            Vec::new()
        } else {
            vec_of(g, 0, 3, |g| thread_node(g, depth - 1))
        },
    }
}

/// One `msg-att` item.
pub(crate) fn fetch_value(g: &mut Gen) -> FetchValue {
    let body = |g: &mut Gen| octets(g, true);
    match range(g, 0, 12) {
        0 => FetchValue::Flags(vec_of(g, 0, 4, |g| flag(g, true))),
        1 => FetchValue::Uid(nz(g)),
        2 => FetchValue::InternalDate(date_time(g)),
        3 => FetchValue::Rfc822Size(num(g).into()),
        4 => FetchValue::Envelope(Box::new(envelope(g))),
        5 => FetchValue::Body(Box::new(body_structure(g, 2))),
        6 => FetchValue::BodyStructure(Box::new(body_structure(g, 2))),
        7 => FetchValue::BodySection {
            section: section(g),
            origin: maybe(g, num),
            data: maybe(g, body),
        },
        8 => FetchValue::Rfc822(maybe(g, body)),
        9 => FetchValue::Rfc822Header(maybe(g, body)),
        10 => FetchValue::Rfc822Text(maybe(g, body)),
        11 => FetchValue::Binary {
            part: part(g),
            origin: maybe(g, num),
            data: maybe(g, body),
        },
        _ => FetchValue::BinarySize {
            part: part(g),
            size: num(g).into(),
        },
    }
}

/// An `nstring` value.
fn nstring(g: &mut Gen) -> Option<Vec<u8>> {
    maybe(g, |g| octets(g, true))
}

fn address(g: &mut Gen) -> Address {
    Address {
        name: nstring(g),
        adl: nstring(g),
        mailbox: nstring(g),
        host: nstring(g),
    }
}

/// An envelope; address lists may hold group markers (any NIL pattern is valid syntax).
pub(crate) fn envelope(g: &mut Gen) -> Envelope {
    let addrs = |g: &mut Gen| vec_of(g, 0, 3, address);
    Envelope {
        date: nstring(g),
        subject: nstring(g),
        from: addrs(g),
        sender: addrs(g),
        reply_to: addrs(g),
        to: addrs(g),
        cc: addrs(g),
        bcc: addrs(g),
        in_reply_to: nstring(g),
        message_id: nstring(g),
    }
}

fn params(g: &mut Gen) -> Vec<(Vec<u8>, Vec<u8>)> {
    vec_of(g, 0, 2, |g| (octets(g, true), octets(g, true)))
}

fn disposition(g: &mut Gen) -> Option<Disposition> {
    maybe(g, |g| Disposition {
        kind: pick(g, &[&b"inline"[..], b"attachment"]).to_vec(),
        params: params(g),
    })
}

fn languages(g: &mut Gen) -> Vec<Vec<u8>> {
    vec_of(g, 0, 3, |g| {
        pick(g, &[&b"en"[..], b"de-CH", b"fr"]).to_vec()
    })
}

fn body_fields(g: &mut Gen, media_type: &[u8], subtype: &[u8]) -> BodyFields {
    BodyFields {
        media_type: media_type.to_vec(),
        subtype: subtype.to_vec(),
        params: params(g),
        id: nstring(g),
        description: nstring(g),
        encoding: pick(
            g,
            &[&b"7BIT"[..], b"BASE64", b"quoted-printable", b"x-\"odd\""],
        )
        .to_vec(),
        octets: num(g),
    }
}

/// A body structure nested at most `depth` deep; types agree with the specific fields.
pub(crate) fn body_structure(g: &mut Gen, depth: u32) -> BodyStructure {
    if depth > 0 && one_in(g, 3) {
        return BodyStructure::Multi {
            parts: vec_of(g, 1, 3, |g| body_structure(g, depth - 1)),
            subtype: pick(g, &[&b"MIXED"[..], b"alternative", b"related"]).to_vec(),
            ext: maybe(g, |g| MultiPartExt {
                params: params(g),
                disposition: disposition(g),
                language: languages(g),
                location: nstring(g),
            }),
        };
    }
    let (fields, specific) = match range(g, 0, 2) {
        0 => (
            body_fields(g, b"TEXT", b"PLAIN"),
            SinglePartSpecific::Text { lines: num(g) },
        ),
        1 if depth > 0 => (
            body_fields(g, b"MESSAGE", b"RFC822"),
            SinglePartSpecific::Message {
                envelope: Box::new(envelope(g)),
                body: Box::new(body_structure(g, depth - 1)),
                lines: num(g),
            },
        ),
        _ => {
            let t = pick(g, &[&b"APPLICATION"[..], b"image", b"AUDIO", b"x-\xff"]);
            (
                body_fields(g, t, b"octet-stream"),
                SinglePartSpecific::Basic,
            )
        }
    };
    BodyStructure::Single {
        fields,
        specific,
        ext: maybe(g, |g| SinglePartExt {
            md5: nstring(g),
            disposition: disposition(g),
            language: languages(g),
            location: nstring(g),
        }),
    }
}
