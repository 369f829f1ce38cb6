//! Validated building blocks shared by commands and responses (RFC 3501 §4, §9).

use std::fmt;
use std::num::NonZeroU32;

/// Why a value was refused by a validating constructor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The value was empty where at least one character is required.
    #[error("empty {what}")]
    Empty {
        /// What kind of value was being validated.
        what: &'static str,
    },
    /// A byte is not allowed in this kind of value.
    #[error("byte {byte:#04x} not allowed in {what} at offset {at}")]
    InvalidByte {
        /// What kind of value was being validated.
        what: &'static str,
        /// The offending byte.
        byte: u8,
        /// Its offset in the value.
        at: usize,
    },
    /// A number or date component is out of range.
    #[error("{what} out of range")]
    OutOfRange {
        /// What kind of value was being validated.
        what: &'static str,
    },
}

/// `ATOM-CHAR` (RFC 3501 §9): any CHAR except atom-specials.
pub fn is_atom_char(b: u8) -> bool {
    matches!(b, 0x21..=0x7e) && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// `ASTRING-CHAR = ATOM-CHAR / resp-specials` (RFC 3501 §9).
pub fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

/// `TEXT-CHAR` minus the quoted-specials: may appear unescaped in a quoted string.
pub fn is_quoted_safe(b: u8) -> bool {
    matches!(b, 0x01..=0x7f) && !matches!(b, b'\r' | b'\n' | b'"' | b'\\')
}

fn validate(
    value: &str,
    what: &'static str,
    ok: impl Fn(u8) -> bool,
) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::Empty { what });
    }
    match value.bytes().position(|b| !ok(b)) {
        Some(at) => Err(ValidationError::InvalidByte {
            what,
            byte: value.as_bytes()[at],
            at,
        }),
        None => Ok(()),
    }
}

/// A command tag: `tag = 1*<any ASTRING-CHAR except "+">` (RFC 3501 §9).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Validates a tag.
    pub fn new(tag: impl Into<String>) -> Result<Self, ValidationError> {
        let tag = tag.into();
        validate(&tag, "tag", |b| is_astring_char(b) && b != b'+')?;
        Ok(Tag(tag))
    }
    /// The tag's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An atom: `atom = 1*ATOM-CHAR` (RFC 3501 §9). Comparison is exact; callers that need
/// case-insensitive matching (command names, capability names) use [`Atom::eq_ignore_case`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom(String);

impl Atom {
    /// Validates an atom.
    pub fn new(atom: impl Into<String>) -> Result<Self, ValidationError> {
        let atom = atom.into();
        validate(&atom, "atom", is_atom_char)?;
        Ok(Atom(atom))
    }
    /// The atom's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// ASCII case-insensitive comparison, as IMAP atoms are compared (RFC 3501 §9 note 3).
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mailbox name as it appears on the wire (`mailbox = "INBOX" / astring`, RFC 3501 §9):
/// raw octets, in modified UTF-7 (§5.1.3) or, after `ENABLE UTF8=ACCEPT`, UTF-8 (RFC 6855).
/// Decoding is a semantic step (it depends on the session's enabled extensions), so the
/// syntax layer keeps the octets; `INBOX` is recognised case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mailbox(Vec<u8>);

impl Mailbox {
    /// A mailbox name from its wire octets. `inbox` in any case becomes `INBOX` (§5.1).
    pub fn new(raw: impl Into<Vec<u8>>) -> Self {
        let raw = raw.into();
        if raw.eq_ignore_ascii_case(b"INBOX") {
            Mailbox(b"INBOX".to_vec())
        } else {
            Mailbox(raw)
        }
    }
    /// The name's wire octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// True for the special name INBOX (case-insensitive, RFC 3501 §5.1).
    pub fn is_inbox(&self) -> bool {
        self.0 == b"INBOX"
    }
}

/// A system or keyword flag (RFC 3501 §2.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Seen`
    Seen,
    /// `\Draft`
    Draft,
    /// `\Recent` — only ever sent by the server; clients may not store it.
    Recent,
    /// `flag-extension = "\" atom`: a backslash flag this grammar does not name.
    /// Holds the atom without the backslash.
    Extension(Atom),
    /// `flag-keyword = atom`.
    Keyword(Atom),
}

impl Flag {
    /// Parses a flag from its wire text (`\Seen`, `$Label1`); system flags are
    /// case-insensitive (RFC 3501 §9 note 3).
    pub fn from_wire(text: &str) -> Result<Self, ValidationError> {
        if let Some(name) = text.strip_prefix('\\') {
            let known = [
                ("Answered", Flag::Answered),
                ("Flagged", Flag::Flagged),
                ("Deleted", Flag::Deleted),
                ("Seen", Flag::Seen),
                ("Draft", Flag::Draft),
                ("Recent", Flag::Recent),
            ];
            for (n, f) in known {
                if name.eq_ignore_ascii_case(n) {
                    return Ok(f);
                }
            }
            Ok(Flag::Extension(Atom::new(name)?))
        } else {
            Ok(Flag::Keyword(Atom::new(text)?))
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::Answered => f.write_str("\\Answered"),
            Flag::Flagged => f.write_str("\\Flagged"),
            Flag::Deleted => f.write_str("\\Deleted"),
            Flag::Seen => f.write_str("\\Seen"),
            Flag::Draft => f.write_str("\\Draft"),
            Flag::Recent => f.write_str("\\Recent"),
            Flag::Extension(a) => write!(f, "\\{a}"),
            Flag::Keyword(a) => write!(f, "{a}"),
        }
    }
}

/// `flag-perm = flag / "\*"` (RFC 3501 §9), for the PERMANENTFLAGS response code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlagPerm {
    /// A flag that may be changed permanently.
    Flag(Flag),
    /// `\*`: new keywords may be created.
    Asterisk,
}

/// One end of a sequence range: `seq-number = nz-number / "*"` (RFC 3501 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeqNo {
    /// A concrete message sequence number or UID.
    Value(NonZeroU32),
    /// `*`: the largest number in use (RFC 3501 §9 `seq-number`).
    Largest,
}

impl SeqNo {
    /// The number this end stands for, given the largest number in use.
    pub fn resolve(self, largest: u32) -> u32 {
        match self {
            SeqNo::Value(v) => v.get(),
            SeqNo::Largest => largest,
        }
    }
}

/// `seq-range = seq-number ":" seq-number`; a single number is a range with equal ends.
/// The ends may be given in either order (RFC 3501 §9: `2:4` and `4:2` are equivalent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeqRange {
    /// The first end as written.
    pub start: SeqNo,
    /// The second end as written (equal to `start` for a single number).
    pub end: SeqNo,
}

/// `sequence-set` (RFC 3501 §9), or `$`, the saved search result (RFC 5182 §2.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SequenceSet {
    /// A non-empty comma-separated list of numbers and ranges.
    Ranges(Vec<SeqRange>),
    /// `$`: the result of the last `SEARCH RETURN (SAVE)` (RFC 5182).
    Saved,
}

impl SequenceSet {
    /// True if `n` is in the set, given the largest number in use (for `*`).
    /// `$` contains nothing here: the session resolves it.
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        match self {
            SequenceSet::Saved => false,
            SequenceSet::Ranges(ranges) => ranges.iter().any(|r| {
                let (a, b) = (r.start.resolve(largest), r.end.resolve(largest));
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                (lo..=hi).contains(&n)
            }),
        }
    }
}

/// A calendar date as in `date` (RFC 3501 §9, `date-day "-" date-month "-" date-year`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Four-digit year.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
    /// Day of month 1–31 (checked against the month's length).
    pub day: u8,
}

/// Month names as IMAP writes them (`date-month`, RFC 3501 §9), index 0 = January.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Date {
    /// Validates a date (proleptic Gregorian calendar).
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, ValidationError> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(ValidationError::OutOfRange { what: "month" }),
        };
        if day == 0 || day > days || year > 9999 {
            return Err(ValidationError::OutOfRange { what: "date" });
        }
        Ok(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    /// `d-Mon-yyyy` as in `date-text`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:04}",
            self.day,
            MONTHS[self.month as usize - 1],
            self.year
        )
    }
}

/// `date-time` (RFC 3501 §9): an INTERNALDATE with its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// The calendar date.
    pub date: Date,
    /// Hour 0–23.
    pub hour: u8,
    /// Minute 0–59.
    pub minute: u8,
    /// Second 0–60 (a leap second is allowed).
    pub second: u8,
    /// Zone offset east of UTC in minutes (`+0100` is 60), within ±(99*60+59).
    pub zone_minutes: i16,
}

impl DateTime {
    /// Validates the time-of-day and zone parts.
    pub fn new(
        date: Date,
        hour: u8,
        minute: u8,
        second: u8,
        zone_minutes: i16,
    ) -> Result<Self, ValidationError> {
        if hour > 23 || minute > 59 || second > 60 || zone_minutes.abs() > 99 * 60 + 59 {
            return Err(ValidationError::OutOfRange { what: "time" });
        }
        Ok(DateTime {
            date,
            hour,
            minute,
            second,
            zone_minutes,
        })
    }
}

impl fmt::Display for DateTime {
    /// `"dd-Mon-yyyy hh:mm:ss +zzzz"` without the quotes. `date-day-fixed` allows a space or
    /// a zero before a one-digit day; imapd writes the zero, as Dovecot and Courier do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let z = self.zone_minutes;
        write!(
            f,
            "{:02}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}",
            self.date.day,
            MONTHS[self.date.month as usize - 1],
            self.date.year,
            self.hour,
            self.minute,
            self.second,
            if z < 0 { '-' } else { '+' },
            z.abs() / 60,
            z.abs() % 60
        )
    }
}

/// ID parameters (RFC 2971 §3.1): field/value pairs, `None` for NIL values.
pub type IdParams = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// A value that must never be printed: passwords and SASL responses (`Debug` redacts it).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }
    /// The secret itself: call only where it is consumed (authentication).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("/* REDACTED */")
    }
}
