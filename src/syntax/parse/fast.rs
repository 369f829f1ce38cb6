//! A hand-written fast path for the commands that dominate client traffic (see
//! `docs/performance.md`, "Parser speed").
//!
//! [`parse`] recognises a small, plain subset of the grammar in one pass over the bytes and
//! builds the [`Command`] directly, without pest: `[UID] FETCH` (without BINARY),
//! `[UID] STORE`, `[UID] SEARCH` (without `RETURN`, `CHARSET`, `HEADER`, `OLDER`/`YOUNGER`,
//! at most [`MAX_FAST_SEARCH_DEPTH`] levels deep), `SELECT`/`EXAMINE` and the commands
//! without arguments. Anything else — a literal, a quoted string with an escape or a
//! non-ASCII character, a number too large, an impossible date, `\Recent`, any syntax
//! error — gives `None`, and the pest path parses the command (and words the error) as
//! before.
//!
//! The contract, checked by the differential properties in `tests/fast.rs`: whenever this
//! returns `Some(cmd)`, the pest path returns `Ok(cmd)` for the same text. It never reports
//! an error. Where the grammar is a PEG ordered choice, the code below takes the branch pest
//! would take, and it gives up wherever pest could backtrack into something else. It runs
//! after the SEARCH depth check of [`super::depth`], and it recurses at most
//! [`MAX_FAST_SEARCH_DEPTH`] levels, so it keeps the parser's bounds.

use super::ParseLimits;
use crate::syntax::types::{
    is_astring_char, is_atom_char, Atom, Command, CommandBody, Date, FetchAtt, FetchItems, Flag,
    Mailbox, Partial, SearchKey, Section, SectionText, SeqNo, SeqRange, SequenceSet, StoreMode,
    Tag, MONTHS,
};
use std::num::NonZeroU32;

/// How deeply the fast path nests SEARCH keys (`NOT`, `OR`, parentheses) before it leaves
/// the command to pest: typical filters are shallow, and this bounds the recursion here
/// whatever [`ParseLimits::max_search_depth`] says.
const MAX_FAST_SEARCH_DEPTH: usize = 8;

/// The command, if `text` is one of the plain shapes this module knows; `None` otherwise
/// (including on every input the pest path rejects, and on any literal placeholder: the
/// caller tries it only for lines without literals).
pub(super) fn parse(text: &str, limits: &ParseLimits) -> Option<Command> {
    let mut c = Cur {
        b: text.as_bytes(),
        i: 0,
    };
    // command = tag SP (...) (RFC 3501 §9); tag = 1*<any ASTRING-CHAR except "+">.
    let tag = c.run(|b| is_astring_char(b) && b != b'+');
    if tag.is_empty() || !c.eat(b' ') {
        return None;
    }
    let tag = Tag::new(std::str::from_utf8(tag).ok()?).ok()?;
    let name = c.run(|b| b.is_ascii_alphabetic());
    let body = if c.at_end() {
        no_argument(name)?
    } else {
        if !c.eat(b' ') {
            return None;
        }
        let uid = name.eq_ignore_ascii_case(b"UID");
        let name = if uid {
            let inner = c.run(|b| b.is_ascii_alphabetic());
            if !c.eat(b' ') {
                return None;
            }
            inner
        } else {
            name
        };
        if name.eq_ignore_ascii_case(b"FETCH") {
            fetch(&mut c, uid)?
        } else if name.eq_ignore_ascii_case(b"STORE") {
            store(&mut c, uid)?
        } else if name.eq_ignore_ascii_case(b"SEARCH") {
            search(&mut c, uid, limits)?
        } else if uid {
            return None;
        } else if name.eq_ignore_ascii_case(b"SELECT") {
            CommandBody::Select(mailbox(&mut c)?)
        } else if name.eq_ignore_ascii_case(b"EXAMINE") {
            CommandBody::Examine(mailbox(&mut c)?)
        } else {
            return None;
        }
    };
    c.at_end().then_some(Command { tag, body })
}

/// The commands that take no argument (RFC 3501 §6.1, §6.2.1, §6.4.1–3; RFC 2177, 2342,
/// 3691). pest's ordered choice takes the same branch: the one name that is a prefix of
/// another (`ID` of `IDLE`) needs a space after it, and `idle` is tried first.
fn no_argument(name: &[u8]) -> Option<CommandBody> {
    const TABLE: [(&[u8], CommandBody); 10] = [
        (b"NOOP", CommandBody::Noop),
        (b"IDLE", CommandBody::Idle),
        (b"CHECK", CommandBody::Check),
        (b"CAPABILITY", CommandBody::Capability),
        (b"LOGOUT", CommandBody::Logout),
        (b"CLOSE", CommandBody::Close),
        (b"EXPUNGE", CommandBody::Expunge),
        (b"UNSELECT", CommandBody::Unselect),
        (b"NAMESPACE", CommandBody::Namespace),
        (b"STARTTLS", CommandBody::StartTls),
    ];
    TABLE
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, body)| body.clone())
}

/// A cursor over the command's bytes. Every accepted token is ASCII, so byte offsets are
/// always character boundaries of the `&str` it came from.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }

    /// Consumes `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `word` if it comes next, ASCII case-insensitively (RFC 5234 §2.3).
    fn keyword(&mut self, word: &[u8]) -> bool {
        match self.b.get(self.i..self.i + word.len()) {
            Some(s) if s.eq_ignore_ascii_case(word) => {
                self.i += word.len();
                true
            }
            _ => false,
        }
    }

    /// The longest run of bytes satisfying `ok` (all ASCII for every `ok` used here).
    fn run(&mut self, ok: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.i;
        while self.i < self.b.len() && ok(self.b[self.i]) {
            self.i += 1;
        }
        &self.b[start..self.i]
    }

    /// The next byte is a delimiter that ends an item of a list: SP, `)` or the end.
    fn at_item_end(&self) -> bool {
        matches!(self.peek(), None | Some(b' ' | b')'))
    }
}

/// A number of the `number` / `nz-number` kinds as the pest path converts it (a `u32`, or
/// `None` when too large: the pest path reports that as an error).
fn number(digits: &[u8]) -> Option<u32> {
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// `nz-number = digit-nz *DIGIT` (RFC 3501 §9).
fn nz_number(c: &mut Cur<'_>) -> Option<NonZeroU32> {
    if !matches!(c.peek(), Some(b'1'..=b'9')) {
        return None;
    }
    NonZeroU32::new(number(c.run(|b| b.is_ascii_digit()))?)
}

/// `sequence-set = (seq-number / seq-range) *("," sequence-set)` (RFC 3501 §9), or the
/// whole set `$` (RFC 5182 §3 `seq-last-command`).
fn sequence_set(c: &mut Cur<'_>) -> Option<SequenceSet> {
    if c.eat(b'$') {
        return Some(SequenceSet::Saved);
    }
    let mut ranges = Vec::new();
    loop {
        let start = seq_number(c)?;
        let end = if c.eat(b':') { seq_number(c)? } else { start };
        ranges.push(SeqRange { start, end });
        if !c.eat(b',') {
            return Some(SequenceSet::Ranges(ranges));
        }
    }
}

/// `seq-number = nz-number / "*"` (RFC 3501 §9).
fn seq_number(c: &mut Cur<'_>) -> Option<SeqNo> {
    if c.eat(b'*') {
        Some(SeqNo::Largest)
    } else {
        nz_number(c).map(SeqNo::Value)
    }
}

/// `astring = 1*ASTRING-CHAR / string` (RFC 3501 §9), for the plain forms only: the atom
/// form, or a quoted string of printable ASCII without escapes.
fn astring(c: &mut Cur<'_>) -> Option<Vec<u8>> {
    if c.peek() == Some(b'"') {
        return quoted(c);
    }
    let s = c.run(is_astring_char);
    (!s.is_empty()).then(|| s.to_vec())
}

/// `quoted = DQUOTE *QUOTED-CHAR DQUOTE` (RFC 3501 §9), only when every character is
/// printable ASCII and none is escaped; anything else is the pest path's (escapes, 8-bit
/// characters and RFC 6855's switch).
fn quoted(c: &mut Cur<'_>) -> Option<Vec<u8>> {
    if !c.eat(b'"') {
        return None;
    }
    let s = c.run(|b| matches!(b, 0x20..=0x7e) && b != b'"' && b != b'\\');
    c.eat(b'"').then(|| s.to_vec())
}

/// `mailbox = "INBOX" / astring` (RFC 3501 §9); INBOX is case-insensitive (§5.1).
fn mailbox(c: &mut Cur<'_>) -> Option<Mailbox> {
    Some(Mailbox::new(astring(c)?))
}

/// `fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
/// "(" fetch-att *(SP fetch-att) ")")` (RFC 3501 §9), after `FETCH SP`.
fn fetch(c: &mut Cur<'_>, uid: bool) -> Option<CommandBody> {
    let set = sequence_set(c)?;
    if !c.eat(b' ') {
        return None;
    }
    let items = if c.eat(b'(') {
        let mut atts = Vec::with_capacity(8);
        loop {
            atts.push(fetch_att(c)?);
            if c.eat(b')') {
                break;
            }
            if !c.eat(b' ') {
                return None;
            }
        }
        FetchItems::List(atts)
    } else {
        let save = c.i;
        let word = c.run(|b| b.is_ascii_alphabetic());
        // fetch-macro ends at a word boundary (`!ATOM_CHAR`); here, at the end.
        let macro_ = if !c.at_end() {
            None
        } else if word.eq_ignore_ascii_case(b"ALL") {
            Some(FetchItems::All)
        } else if word.eq_ignore_ascii_case(b"FAST") {
            Some(FetchItems::Fast)
        } else if word.eq_ignore_ascii_case(b"FULL") {
            Some(FetchItems::Full)
        } else {
            None
        };
        match macro_ {
            Some(m) => m,
            None => {
                c.i = save;
                FetchItems::List(vec![fetch_att(c)?])
            }
        }
    };
    Some(CommandBody::Fetch { uid, set, items })
}

/// One `fetch-att` (RFC 3501 §9) of the kinds without BINARY (RFC 3516), followed by SP,
/// `)` or the end. The argument-less items are matched as whole words: in the grammar's
/// ordered choice every keyword that is a prefix of another comes after it, and each must
/// end at a word boundary.
fn fetch_att(c: &mut Cur<'_>) -> Option<FetchAtt> {
    const SIMPLE: [(&[u8], FetchAtt); 10] = [
        (b"UID", FetchAtt::Uid),
        (b"FLAGS", FetchAtt::Flags),
        (b"RFC822.SIZE", FetchAtt::Rfc822Size),
        (b"INTERNALDATE", FetchAtt::InternalDate),
        (b"ENVELOPE", FetchAtt::Envelope),
        (b"BODYSTRUCTURE", FetchAtt::BodyStructure),
        (b"BODY", FetchAtt::Body),
        (b"RFC822.HEADER", FetchAtt::Rfc822Header),
        (b"RFC822.TEXT", FetchAtt::Rfc822Text),
        (b"RFC822", FetchAtt::Rfc822),
    ];
    let word = c.run(|b| b.is_ascii_alphanumeric() || b == b'.');
    if c.peek() == Some(b'[') {
        // "BODY" section ["<" number "." nz-number ">"] / "BODY.PEEK" section [...]
        let peek = if word.eq_ignore_ascii_case(b"BODY.PEEK") {
            true
        } else if word.eq_ignore_ascii_case(b"BODY") {
            false
        } else {
            return None;
        };
        c.i += 1;
        let section = section(c)?;
        let partial = if c.peek() == Some(b'<') {
            Some(partial(c)?)
        } else {
            None
        };
        return c.at_item_end().then_some(FetchAtt::BodySection {
            peek,
            section,
            partial,
        });
    }
    if !c.at_item_end() {
        return None;
    }
    SIMPLE
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map(|(_, att)| att.clone())
}

/// `section = "[" [section-spec] "]"` (RFC 3501 §9), after the `[`, with
/// `section-spec = section-msgtext / (section-part ["." section-text])`.
fn section(c: &mut Cur<'_>) -> Option<Section> {
    let mut section = Section::default();
    if matches!(c.peek(), Some(b'1'..=b'9')) {
        // section-part = nz-number *("." nz-number)
        loop {
            section.part.push(nz_number(c)?.get());
            if c.peek() != Some(b'.') {
                break;
            }
            c.i += 1;
            if !matches!(c.peek(), Some(b'1'..=b'9')) {
                // "." section-text, section-text = section-msgtext / "MIME"
                section.text = Some(if c.keyword(b"MIME") {
                    SectionText::Mime
                } else {
                    section_msgtext(c)?
                });
                break;
            }
        }
    } else if c.peek() != Some(b']') {
        section.text = Some(section_msgtext(c)?);
    }
    c.eat(b']').then_some(section)
}

/// `section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"`
/// (RFC 3501 §9), tried in the grammar's order. When a `HEADER.FIELDS` branch fails after
/// its keyword, pest falls back to `HEADER`, which the `]` that must follow then refuses;
/// so giving up at once agrees with it.
fn section_msgtext(c: &mut Cur<'_>) -> Option<SectionText> {
    if c.keyword(b"HEADER.FIELDS.NOT ") {
        Some(SectionText::HeaderFieldsNot(header_list(c)?))
    } else if c.keyword(b"HEADER.FIELDS ") {
        Some(SectionText::HeaderFields(header_list(c)?))
    } else if c.keyword(b"HEADER") {
        Some(SectionText::Header)
    } else if c.keyword(b"TEXT") {
        Some(SectionText::Text)
    } else {
        None
    }
}

/// `header-list = "(" header-fld-name *(SP header-fld-name) ")"`, `header-fld-name =
/// astring` (RFC 3501 §9). The atom form takes `]` too (`ASTRING-CHAR`), greedily, as pest
/// does.
fn header_list(c: &mut Cur<'_>) -> Option<Vec<Vec<u8>>> {
    if !c.eat(b'(') {
        return None;
    }
    let mut names = Vec::with_capacity(16);
    loop {
        names.push(astring(c)?);
        if c.eat(b')') {
            return Some(names);
        }
        if !c.eat(b' ') {
            return None;
        }
    }
}

/// `partial = "<" number "." nz-number ">"` (RFC 3501 §9, RFC 3516 §7).
fn partial(c: &mut Cur<'_>) -> Option<Partial> {
    if !c.eat(b'<') {
        return None;
    }
    let origin = c.run(|b| b.is_ascii_digit());
    if origin.is_empty() || !c.eat(b'.') {
        return None;
    }
    let origin = number(origin)?;
    let count = nz_number(c)?.get();
    c.eat(b'>').then_some(Partial { origin, count })
}

/// `store = "STORE" SP sequence-set SP store-att-flags`, `store-att-flags = (["+" / "-"]
/// "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))` (RFC 3501 §9), after `STORE SP`.
fn store(c: &mut Cur<'_>, uid: bool) -> Option<CommandBody> {
    let set = sequence_set(c)?;
    if !c.eat(b' ') {
        return None;
    }
    let mode = if c.eat(b'+') {
        StoreMode::Add
    } else if c.eat(b'-') {
        StoreMode::Remove
    } else {
        StoreMode::Replace
    };
    if !c.keyword(b"FLAGS") {
        return None;
    }
    let silent = c.keyword(b".SILENT");
    if !c.eat(b' ') {
        return None;
    }
    let mut flags = Vec::new();
    if c.eat(b'(') {
        // flag-list = "(" [flag *(SP flag)] ")"
        if !c.eat(b')') {
            loop {
                flags.push(flag(c)?);
                if c.eat(b')') {
                    break;
                }
                if !c.eat(b' ') {
                    return None;
                }
            }
        }
    } else {
        loop {
            flags.push(flag(c)?);
            if !c.eat(b' ') {
                break;
            }
        }
    }
    Some(CommandBody::Store {
        uid,
        set,
        mode,
        silent,
        flags,
    })
}

/// `flag = flag-extension / flag-keyword`, `flag-extension = "\" atom`, `flag-keyword =
/// atom` (RFC 3501 §9); `\Recent` may not be stored (§2.3.2), which the pest path reports.
fn flag(c: &mut Cur<'_>) -> Option<Flag> {
    let start = c.i;
    c.eat(b'\\');
    if c.run(is_atom_char).is_empty() || !c.at_item_end() {
        return None;
    }
    let text = std::str::from_utf8(&c.b[start..c.i]).ok()?;
    match Flag::from_wire(text).ok()? {
        Flag::Recent => None,
        flag => Some(flag),
    }
}

/// `search = "SEARCH" SP search-program` (RFC 3501 §9, RFC 4466 §3) without `RETURN` or
/// `CHARSET` (their keywords are no search key, so they end up in `None`), after
/// `SEARCH SP`: one or more keys, the implicit AND of several.
fn search(c: &mut Cur<'_>, uid: bool, limits: &ParseLimits) -> Option<CommandBody> {
    let depth = MAX_FAST_SEARCH_DEPTH.min(limits.max_search_depth);
    let mut keys = Vec::with_capacity(4);
    loop {
        keys.push(search_key(c, depth)?);
        if !c.eat(b' ') {
            break;
        }
    }
    let criteria = if keys.len() == 1 {
        keys.pop()?
    } else {
        SearchKey::And(keys)
    };
    Some(CommandBody::Search {
        uid,
        ret: None,
        charset: None,
        criteria,
    })
}

/// One `search-key` (RFC 3501 §9), followed by SP, `)` or the end. `depth` is how many more
/// `NOT`, `OR` or parenthesized levels may enclose it here (see [`MAX_FAST_SEARCH_DEPTH`]).
fn search_key(c: &mut Cur<'_>, depth: usize) -> Option<SearchKey> {
    use SearchKey as K;
    match c.peek()? {
        b'(' => {
            // "(" search-key *(SP search-key) ")"
            let depth = depth.checked_sub(1)?;
            c.i += 1;
            let mut keys = Vec::new();
            loop {
                keys.push(search_key(c, depth)?);
                if c.eat(b')') {
                    break;
                }
                if !c.eat(b' ') {
                    return None;
                }
            }
            return c.at_item_end().then_some(K::And(keys));
        }
        b'1'..=b'9' | b'*' | b'$' => {
            // A bare sequence-set comes last in the grammar's choice: no keyword starts with
            // a digit, `*` or `$`.
            let set = sequence_set(c)?;
            return c.at_item_end().then_some(K::SequenceSet(set));
        }
        _ => {}
    }
    let word = c.run(|b| b.is_ascii_alphabetic());
    let is = |k: &[u8]| word.eq_ignore_ascii_case(k);
    // The argument-less keys end at a word boundary (`!ATOM_CHAR`); here, SP, `)` or the end.
    if c.at_item_end() {
        const FLAGS: [(&[u8], SearchKey); 14] = [
            (b"ALL", K::All),
            (b"ANSWERED", K::Answered),
            (b"DELETED", K::Deleted),
            (b"DRAFT", K::Draft),
            (b"FLAGGED", K::Flagged),
            (b"NEW", K::New),
            (b"OLD", K::Old),
            (b"RECENT", K::Recent),
            (b"SEEN", K::Seen),
            (b"UNANSWERED", K::Unanswered),
            (b"UNDELETED", K::Undeleted),
            (b"UNDRAFT", K::Undraft),
            (b"UNFLAGGED", K::Unflagged),
            (b"UNSEEN", K::Unseen),
        ];
        if let Some((_, key)) = FLAGS.iter().find(|(k, _)| is(k)) {
            return Some(key.clone());
        }
    }
    // Every other key takes arguments after one SP.
    if !c.eat(b' ') {
        return None;
    }
    let key = if is(b"NOT") {
        K::Not(Box::new(search_key(c, depth.checked_sub(1)?)?))
    } else if is(b"OR") {
        let depth = depth.checked_sub(1)?;
        let a = search_key(c, depth)?;
        if !c.eat(b' ') {
            return None;
        }
        K::Or(Box::new(a), Box::new(search_key(c, depth)?))
    } else if is(b"FROM") {
        K::From(astring(c)?)
    } else if is(b"SUBJECT") {
        K::Subject(astring(c)?)
    } else if is(b"TO") {
        K::To(astring(c)?)
    } else if is(b"CC") {
        K::Cc(astring(c)?)
    } else if is(b"BCC") {
        K::Bcc(astring(c)?)
    } else if is(b"BODY") {
        K::Body(astring(c)?)
    } else if is(b"TEXT") {
        K::Text(astring(c)?)
    } else if is(b"SINCE") {
        K::Since(date(c)?)
    } else if is(b"BEFORE") {
        K::Before(date(c)?)
    } else if is(b"ON") {
        K::On(date(c)?)
    } else if is(b"SENTSINCE") {
        K::SentSince(date(c)?)
    } else if is(b"SENTBEFORE") {
        K::SentBefore(date(c)?)
    } else if is(b"SENTON") {
        K::SentOn(date(c)?)
    } else if is(b"UID") {
        K::Uid(sequence_set(c)?)
    } else if is(b"KEYWORD") || is(b"UNKEYWORD") {
        let atom = c.run(is_atom_char);
        let atom = Atom::new(std::str::from_utf8(atom).ok()?).ok()?;
        if is(b"KEYWORD") {
            K::Keyword(atom)
        } else {
            K::Unkeyword(atom)
        }
    } else if is(b"LARGER") || is(b"SMALLER") {
        let n = number(c.run(|b| b.is_ascii_digit()))?;
        if is(b"LARGER") {
            K::Larger(n)
        } else {
            K::Smaller(n)
        }
    } else {
        return None;
    };
    c.at_item_end().then_some(key)
}

/// `date = date-text / DQUOTE date-text DQUOTE`, `date-text = date-day "-" date-month "-"
/// date-year`, `date-day = 1*2DIGIT`, `date-year = 4DIGIT` (RFC 3501 §9); the date must
/// exist (the pest path refuses `31-Feb-2024` with its own message).
fn date(c: &mut Cur<'_>) -> Option<Date> {
    let quoted = c.eat(b'"');
    let day = c.run(|b| b.is_ascii_digit());
    if !(1..=2).contains(&day.len()) || !c.eat(b'-') {
        return None;
    }
    let month = c.b.get(c.i..c.i + 3)?;
    let month = MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(month))?;
    c.i += 3;
    if !c.eat(b'-') {
        return None;
    }
    let year = c.run(|b| b.is_ascii_digit());
    if year.len() != 4 || (quoted && !c.eat(b'"')) {
        return None;
    }
    let day = u8::try_from(number(day)?).ok()?;
    let year = u16::try_from(number(year)?).ok()?;
    Date::new(year, u8::try_from(month + 1).ok()?, day).ok()
}
