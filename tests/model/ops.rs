//! The operation alphabet the model checkers draw from: client commands per session, the end
//! of IDLE, the store-changed push, and events from outside (an MTA, another process).

use std::num::NonZeroU32;

use imapd::syntax::types::{
    AppendMessage, Command, CommandBody, FetchAtt, FetchItems, Flag, Mailbox, SearchKey, SeqNo,
    SeqRange, SequenceSet, StoreMode, Tag,
};

/// Index of a session.
pub type Sid = usize;

/// The mailboxes in play: two real ones and one that never exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mb {
    Inbox,
    A,
    Gone,
}

impl Mb {
    pub const REAL: [Mb; 2] = [Mb::Inbox, Mb::A];
    pub fn name(self) -> &'static str {
        match self {
            Mb::Inbox => "INBOX",
            Mb::A => "INBOX.A",
            Mb::Gone => "INBOX.Gone",
        }
    }
    fn wire(self) -> Mailbox {
        Mailbox::new(self.name().as_bytes().to_vec())
    }
}

/// A sequence set, over sequence numbers or UIDs: `n`, `n:*` or `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Set {
    One(u32),
    From(u32),
    Last,
}

impl Set {
    pub fn wire(self) -> SequenceSet {
        let v = |n: u32| SeqNo::Value(NonZeroU32::new(n.max(1)).expect("non-zero"));
        let (start, end) = match self {
            Set::One(n) => (v(n), v(n)),
            Set::From(n) => (v(n), SeqNo::Largest),
            Set::Last => (SeqNo::Largest, SeqNo::Largest),
        };
        SequenceSet::Ranges(vec![SeqRange { start, end }])
    }
}

/// The flags the ops touch: two system flags and one keyword (keywords make FLAGS responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fl {
    Deleted,
    Seen,
    Kw,
}

impl Fl {
    pub fn wire(self) -> Flag {
        match self {
            Fl::Deleted => Flag::Deleted,
            Fl::Seen => Flag::Seen,
            Fl::Kw => Flag::from_wire("$Kw").expect("atom"),
        }
    }
    /// The flag as the model writes it (its wire text).
    pub fn text(self) -> String {
        self.wire().to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Add,
    Remove,
    Replace,
}

/// What a FETCH asks for; `BodySeen` is `BODY[]`, which sets `\Seen` (RFC 3501 §6.4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum What {
    Flags,
    UidFlags,
    Uid,
    BodySeen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    All,
    Deleted,
    Seen,
    Unseen,
    Recent,
}

/// One client command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    Select(Mb),
    Examine(Mb),
    Close,
    Unselect,
    Noop,
    Idle,
    Logout,
    Append(Mb, Option<Fl>),
    Store {
        uid: bool,
        set: Set,
        mode: Mode,
        silent: bool,
        flag: Fl,
    },
    Fetch {
        uid: bool,
        set: Set,
        what: What,
    },
    Search {
        uid: bool,
        key: Key,
    },
    Copy {
        uid: bool,
        set: Set,
        to: Mb,
    },
    Move {
        uid: bool,
        set: Set,
        to: Mb,
    },
    Expunge,
    UidExpunge(Set),
}

/// One step of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Session `sid` sends a command.
    Cmd(Sid, Cmd),
    /// Session `sid` ends IDLE with `DONE` (RFC 2177 §3).
    Done(Sid),
    /// The shell tells session `sid` the store changed (inotify): idlers get pushes.
    Push(Sid),
    /// An MTA delivers a message.
    Deliver(Mb),
    /// Another process changes one flag of the `nth` message (modulo the count).
    ExtStore {
        mb: Mb,
        nth: u32,
        flag: Fl,
        add: bool,
    },
    /// Another process expunges the `\Deleted` messages.
    ExtExpunge(Mb),
}

impl Cmd {
    /// The typed command, as the parser would produce it.
    pub fn body(self) -> CommandBody {
        use CommandBody as B;
        match self {
            Cmd::Select(m) => B::Select(m.wire()),
            Cmd::Examine(m) => B::Examine(m.wire()),
            Cmd::Close => B::Close,
            Cmd::Unselect => B::Unselect,
            Cmd::Noop => B::Noop,
            Cmd::Idle => B::Idle,
            Cmd::Logout => B::Logout,
            Cmd::Append(m, f) => B::Append {
                mailbox: m.wire(),
                messages: vec![AppendMessage {
                    flags: f.map(Fl::wire).into_iter().collect(),
                    date: None,
                    data: b"Subject: appended\r\n\r\nbody\r\n".to_vec(),
                    binary: false,
                }],
            },
            Cmd::Store {
                uid,
                set,
                mode,
                silent,
                flag,
            } => B::Store {
                uid,
                set: set.wire(),
                mode: match mode {
                    Mode::Add => StoreMode::Add,
                    Mode::Remove => StoreMode::Remove,
                    Mode::Replace => StoreMode::Replace,
                },
                silent,
                flags: vec![flag.wire()],
            },
            Cmd::Fetch { uid, set, what } => B::Fetch {
                uid,
                set: set.wire(),
                items: FetchItems::List(match what {
                    What::Flags => vec![FetchAtt::Flags],
                    What::UidFlags => vec![FetchAtt::Uid, FetchAtt::Flags],
                    What::Uid => vec![FetchAtt::Uid],
                    What::BodySeen => vec![FetchAtt::BodySection {
                        peek: false,
                        section: Default::default(),
                        partial: None,
                    }],
                }),
            },
            Cmd::Search { uid, key } => B::Search {
                uid,
                ret: None,
                charset: None,
                criteria: match key {
                    Key::All => SearchKey::All,
                    Key::Deleted => SearchKey::Deleted,
                    Key::Seen => SearchKey::Seen,
                    Key::Unseen => SearchKey::Unseen,
                    Key::Recent => SearchKey::Recent,
                },
            },
            Cmd::Copy { uid, set, to } => B::Copy {
                uid,
                set: set.wire(),
                mailbox: to.wire(),
            },
            Cmd::Move { uid, set, to } => B::Move {
                uid,
                set: set.wire(),
                mailbox: to.wire(),
            },
            Cmd::Expunge => B::Expunge,
            Cmd::UidExpunge(s) => B::UidExpunge(s.wire()),
        }
    }

    /// The command with its tag.
    pub fn command(self, tag: &str) -> Command {
        Command {
            tag: Tag::new(tag).expect("valid tag"),
            body: self.body(),
        }
    }

    /// RFC 3501 §7.4.1: EXPUNGE may not be sent while answering FETCH, STORE or SEARCH;
    /// the UID variants are exempt.
    pub fn forbids_expunge(self) -> bool {
        matches!(
            self,
            Cmd::Fetch { uid: false, .. }
                | Cmd::Store { uid: false, .. }
                | Cmd::Search { uid: false, .. }
        )
    }
}
