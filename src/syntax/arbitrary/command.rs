//! Generators for [`Command`]: every variant, with options in the combinations the
//! extensions allow.

use quickcheck::{Arbitrary, Gen};

use super::*;

impl Arbitrary for Command {
    fn arbitrary(g: &mut Gen) -> Self {
        Command {
            tag: tag(g),
            body: command_body(g),
        }
    }
}

/// A charset name for SEARCH (`astring`) or SORT/THREAD (`atom / quoted`).
fn charset(g: &mut Gen) -> String {
    pick(
        g,
        &[
            "UTF-8",
            "US-ASCII",
            "utf-8",
            "ISO-8859-1",
            "x weird",
            "NIL",
            "",
        ],
    )
    .to_string()
}

fn command_body(g: &mut Gen) -> CommandBody {
    use CommandBody::*;
    let uid = bool::arbitrary(g);
    match range(g, 0, 37) {
        0 => Capability,
        1 => Noop,
        2 => Logout,
        3 => Id(maybe(g, |g| vec_of(g, 0, 3, |g| (cstr(g), maybe(g, cstr))))),
        4 => Enable(vec_of(g, 1, 3, atom)),
        5 => StartTls,
        6 => Authenticate {
            mechanism: atom(g),
            initial_response: maybe(g, |g| Secret::new(octets(g, true))),
        },
        7 => Login {
            username: cstr(g),
            password: Secret::new(cstr(g)),
        },
        8 => Select(mailbox(g)),
        9 => Examine(mailbox(g)),
        10 => Create(mailbox(g)),
        11 => Delete(mailbox(g)),
        12 => Rename {
            from: mailbox(g),
            to: mailbox(g),
        },
        13 => Subscribe(mailbox(g)),
        14 => Unsubscribe(mailbox(g)),
        15 => List(list_command(g)),
        16 => Lsub {
            reference: mailbox(g),
            pattern: list_pattern(g),
        },
        17 => Namespace,
        18 => Status {
            mailbox: mailbox(g),
            items: subset(g, STATUS_ATTS, 1, 4),
        },
        19 => Append {
            mailbox: mailbox(g),
            messages: vec_of(g, 1, 3, append_message),
        },
        20 => Idle,
        21 => GetQuota(cstr(g)),
        22 => GetQuotaRoot(mailbox(g)),
        23 => SetQuota {
            root: cstr(g),
            limits: vec_of(g, 0, 3, |g| (atom(g), num64(g))),
        },
        24 => Check,
        25 => Close,
        26 => Unselect,
        27 => Expunge,
        28 => UidExpunge(sequence_set(g, true, true)),
        29 => Search {
            uid,
            ret: maybe(g, |g| {
                use SearchReturn::*;
                subset(g, &[Min, Max, All, Count, Save], 0, 3)
            }),
            // SEARCH takes an `astring`: an 8-bit name goes out as a literal.
            charset: maybe(g, |g| {
                if one_in(g, 6) {
                    "caf\u{e9}".into()
                } else {
                    charset(g)
                }
            }),
            criteria: search_program(g),
        },
        30 => Fetch {
            uid,
            set: sequence_set(g, true, true),
            items: fetch_items(g),
        },
        31 => Store {
            uid,
            set: sequence_set(g, true, true),
            mode: pick(g, &[StoreMode::Replace, StoreMode::Add, StoreMode::Remove]),
            silent: bool::arbitrary(g),
            flags: vec_of(g, 0, 4, |g| flag(g, false)),
        },
        32 => Copy {
            uid,
            set: sequence_set(g, true, true),
            mailbox: mailbox(g),
        },
        33 => Move {
            uid,
            set: sequence_set(g, true, true),
            mailbox: mailbox(g),
        },
        34 => Sort {
            uid,
            criteria: vec_of(g, 1, 3, |g| SortCriterion {
                reverse: bool::arbitrary(g),
                key: pick(
                    g,
                    &[
                        SortKey::Arrival,
                        SortKey::Cc,
                        SortKey::Date,
                        SortKey::From,
                        SortKey::Size,
                        SortKey::Subject,
                        SortKey::To,
                    ],
                ),
            }),
            charset: charset(g),
            search: search_program(g),
        },
        _ => Thread {
            uid,
            algorithm: match range(g, 0, 2) {
                0 => ThreadAlgorithm::OrderedSubject,
                1 => ThreadAlgorithm::References,
                _ => ThreadAlgorithm::Other(atom_except(g, &["ORDEREDSUBJECT", "REFERENCES"])),
            },
            charset: charset(g),
            search: search_program(g),
        },
    }
}

/// A `list-mailbox` pattern: wildcards often.
fn list_pattern(g: &mut Gen) -> Vec<u8> {
    if bool::arbitrary(g) {
        pick(g, &[&b"*"[..], b"%", b"INBOX.*", b"a]%", b"", b"Sent*"]).to_vec()
    } else {
        cstr(g)
    }
}

/// LIST with RFC 5258 options: RECURSIVEMATCH only together with SUBSCRIBED (§3).
fn list_command(g: &mut Gen) -> ListCommand {
    use ListSelect::*;
    let mut selection = subset(g, &[Subscribed, Remote, RecursiveMatch, SpecialUse], 0, 3);
    if selection.contains(&RecursiveMatch) && !selection.contains(&Subscribed) {
        selection.push(Subscribed);
    }
    let mut returns = subset(
        g,
        &[
            ListReturn::Subscribed,
            ListReturn::Children,
            ListReturn::SpecialUse,
        ],
        0,
        2,
    );
    if one_in(g, 3) {
        let at = count(g, 0, returns.len());
        returns.insert(at, ListReturn::Status(subset(g, STATUS_ATTS, 1, 3)));
    }
    ListCommand {
        selection,
        reference: mailbox(g),
        patterns: vec_of(g, 1, 3, list_pattern),
        returns,
    }
}

/// One APPEND message: NUL only in `literal8` data.
fn append_message(g: &mut Gen) -> AppendMessage {
    let binary = one_in(g, 3);
    let mut data = octets(g, binary);
    if binary && bool::arbitrary(g) {
        data.push(0);
    }
    AppendMessage {
        flags: vec_of(g, 0, 3, |g| flag(g, false)),
        date: maybe(g, date_time),
        data,
        binary,
    }
}

/// A SEARCH program: one key, or the implicit AND of several.
pub(crate) fn search_program(g: &mut Gen) -> SearchKey {
    if bool::arbitrary(g) {
        search_key(g, 2)
    } else {
        SearchKey::And(vec_of(g, 2, 4, |g| search_key(g, 2)))
    }
}

/// A `search-key`, nested at most `depth` deep.
pub(crate) fn search_key(g: &mut Gen, depth: u32) -> SearchKey {
    use SearchKey::*;
    let top = if depth == 0 { 37 } else { 40 };
    match range(g, 0, top) {
        0 => All,
        1 => Answered,
        2 => Bcc(cstr(g)),
        3 => Before(date(g)),
        4 => Body(cstr(g)),
        5 => Cc(cstr(g)),
        6 => Deleted,
        7 => Draft,
        8 => Flagged,
        9 => From(cstr(g)),
        10 => Header(cstr(g), cstr(g)),
        11 => Keyword(atom(g)),
        12 => Larger(num(g)),
        13 => New,
        14 => Old,
        15 => On(date(g)),
        16 => Recent,
        17 => Seen,
        18 => SentBefore(date(g)),
        19 => SentOn(date(g)),
        20 => SentSince(date(g)),
        21 => Since(date(g)),
        22 => Smaller(num(g)),
        23 => Subject(cstr(g)),
        24 => Text(cstr(g)),
        25 => To(cstr(g)),
        26 => Uid(sequence_set(g, true, true)),
        27 => Unanswered,
        28 => Undeleted,
        29 => Undraft,
        30 => Unflagged,
        31 => Unkeyword(atom(g)),
        32 => Unseen,
        33 => Older(nz(g)),
        34 => Younger(nz(g)),
        35..=37 => SequenceSet(sequence_set(g, true, true)),
        38 => Not(Box::new(search_key(g, depth - 1))),
        39 => Or(
            Box::new(search_key(g, depth - 1)),
            Box::new(search_key(g, depth - 1)),
        ),
        _ => And(vec_of(g, 2, 3, |g| search_key(g, depth - 1))),
    }
}

/// What FETCH asks for.
fn fetch_items(g: &mut Gen) -> FetchItems {
    match range(g, 0, 5) {
        0 => FetchItems::All,
        1 => FetchItems::Fast,
        2 => FetchItems::Full,
        _ => FetchItems::List(vec_of(g, 1, 4, fetch_att)),
    }
}

/// A `section-part`.
pub(crate) fn part(g: &mut Gen) -> Vec<u32> {
    vec_of(g, 0, 3, |g| r32(g, 1, 20))
}

/// A `section`: MIME only after a part number.
pub(crate) fn section(g: &mut Gen) -> Section {
    let part = part(g);
    let names = |g: &mut Gen| vec_of(g, 1, 3, cstr);
    let text = match range(g, 0, 5) {
        0 => None,
        1 => Some(SectionText::Header),
        2 => Some(SectionText::HeaderFields(names(g))),
        3 => Some(SectionText::HeaderFieldsNot(names(g))),
        4 => Some(SectionText::Text),
        _ if part.is_empty() => None,
        _ => Some(SectionText::Mime),
    };
    Section { part, text }
}

fn partial(g: &mut Gen) -> Option<Partial> {
    maybe(g, |g| Partial {
        origin: num(g),
        count: nz(g),
    })
}

fn fetch_att(g: &mut Gen) -> FetchAtt {
    use FetchAtt::*;
    match range(g, 0, 12) {
        0 => Envelope,
        1 => Flags,
        2 => InternalDate,
        3 => Rfc822,
        4 => Rfc822Header,
        5 => Rfc822Size,
        6 => Rfc822Text,
        7 => Body,
        8 => BodyStructure,
        9 => Uid,
        10 => BodySection {
            peek: bool::arbitrary(g),
            section: section(g),
            partial: partial(g),
        },
        11 => Binary {
            peek: bool::arbitrary(g),
            part: part(g),
            partial: partial(g),
        },
        _ => BinarySize { part: part(g) },
    }
}
