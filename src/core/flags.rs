//! The set of flags one message carries (RFC 3501 §2.3.2), as stored.
//!
//! `\Recent` is not part of it: recency belongs to a session, not to the message on disk
//! (RFC 3501 §2.3.2 and design invariant 4), so views add it when they report flags.

use std::collections::BTreeSet;

use crate::syntax::types::{Atom, Flag};

/// System flags as bits, in the order imapd reports them (Dovecot's order).
const SYSTEM: [(u8, Flag); 5] = [
    (1, Flag::Answered),
    (2, Flag::Flagged),
    (4, Flag::Deleted),
    (8, Flag::Seen),
    (16, Flag::Draft),
];

/// A message's stored flags: the five permanent system flags and its keywords.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FlagSet {
    bits: u8,
    /// `None` when there are none (most messages): one pointer instead of an empty set in
    /// every message of a snapshot. Never an empty set, so equal sets compare equal.
    #[allow(clippy::box_collection)] // the point: 8 octets per message, not 24
    keywords: Option<Box<BTreeSet<String>>>,
}

impl FlagSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set from wire flags; `\Recent` and unknown backslash flags are ignored
    /// (RFC 3501 §6.4.6: a server need not keep flags it cannot store).
    pub fn from_flags<'a>(flags: impl IntoIterator<Item = &'a Flag>) -> Self {
        let mut set = FlagSet::new();
        for f in flags {
            set.insert(f);
        }
        set
    }

    fn bit(flag: &Flag) -> Option<u8> {
        SYSTEM.iter().find(|(_, f)| f == flag).map(|(b, _)| *b)
    }

    /// Adds a flag; returns false for flags that cannot be stored (`\Recent`, extensions).
    pub fn insert(&mut self, flag: &Flag) -> bool {
        match flag {
            Flag::Keyword(k) => {
                self.keywords
                    .get_or_insert_with(Default::default)
                    .insert(k.as_str().to_owned());
                true
            }
            other => match Self::bit(other) {
                Some(b) => {
                    self.bits |= b;
                    true
                }
                None => false,
            },
        }
    }

    /// Removes a flag.
    pub fn remove(&mut self, flag: &Flag) {
        match flag {
            Flag::Keyword(k) => {
                if let Some(set) = self.keywords.as_mut() {
                    set.remove(k.as_str());
                    if set.is_empty() {
                        self.keywords = None;
                    }
                }
            }
            other => {
                if let Some(b) = Self::bit(other) {
                    self.bits &= !b;
                }
            }
        }
    }

    /// True if the flag is in the set.
    pub fn contains(&self, flag: &Flag) -> bool {
        match flag {
            Flag::Keyword(k) => self
                .keywords
                .as_ref()
                .is_some_and(|s| s.contains(k.as_str())),
            other => Self::bit(other).is_some_and(|b| self.bits & b != 0),
        }
    }

    /// True if `\Seen` is set.
    pub fn seen(&self) -> bool {
        self.contains(&Flag::Seen)
    }

    /// True if `\Deleted` is set.
    pub fn deleted(&self) -> bool {
        self.contains(&Flag::Deleted)
    }

    /// The keywords, sorted.
    pub fn keywords(&self) -> impl Iterator<Item = &str> {
        self.keywords
            .iter()
            .flat_map(|s| s.iter())
            .map(String::as_str)
    }

    /// The flags as wire values: system flags first, then keywords; `\Recent` appended when
    /// `recent` (it is session state, RFC 3501 §2.3.2).
    pub fn to_flags(&self, recent: bool) -> Vec<Flag> {
        let mut out: Vec<Flag> = SYSTEM
            .iter()
            .filter(|(b, _)| self.bits & b != 0)
            .map(|(_, f)| f.clone())
            .collect();
        if recent {
            out.push(Flag::Recent);
        }
        // Keywords were validated as atoms when they entered the set.
        out.extend(
            self.keywords()
                .filter_map(|k| Atom::new(k).ok())
                .map(Flag::Keyword),
        );
        out
    }
}

/// The FLAGS response list (RFC 3501 §7.2.6): the system flags, then the mailbox's keywords.
pub fn flags_list(keywords: &[String]) -> Vec<Flag> {
    let mut out: Vec<Flag> = SYSTEM.iter().map(|(_, f)| f.clone()).collect();
    out.extend(
        keywords
            .iter()
            .filter_map(|k| Atom::new(k.clone()).ok())
            .map(Flag::Keyword),
    );
    out
}
