//! Random ops for quickcheck: a weighted choice over the whole alphabet, 4 sessions.

use quickcheck::{Arbitrary, Gen};

use super::ops::{Cmd, Fl, Key, Mb, Mode, Op, Set, What};

pub const SESSIONS: usize = 4;

fn pick<T: Copy>(g: &mut Gen, xs: &[T]) -> T {
    *g.choose(xs).expect("non-empty")
}

fn set(g: &mut Gen) -> Set {
    let n = pick(g, &[1, 1, 2, 3, 4, 5]);
    pick(g, &[Set::One(n), Set::From(n), Set::Last, Set::From(1)])
}

fn cmd(g: &mut Gen) -> Cmd {
    let b = |g: &mut Gen| bool::arbitrary(g);
    let mb = |g: &mut Gen| pick(g, &[Mb::Inbox, Mb::Inbox, Mb::A, Mb::Gone]);
    let fl = |g: &mut Gen| pick(g, &[Fl::Deleted, Fl::Deleted, Fl::Seen, Fl::Kw]);
    match u8::arbitrary(g) % 20 {
        0..=2 => Cmd::Select(pick(g, &[Mb::Inbox, Mb::Inbox, Mb::Inbox, Mb::A, Mb::Gone])),
        3 => Cmd::Examine(mb(g)),
        4 => pick(g, &[Cmd::Close, Cmd::Unselect, Cmd::Logout, Cmd::Close]),
        5 => Cmd::Noop,
        6 => Cmd::Idle,
        7 => Cmd::Append(mb(g), pick(g, &[None, Some(Fl::Seen), Some(Fl::Deleted)])),
        8..=10 => Cmd::Store {
            uid: b(g),
            set: set(g),
            mode: pick(g, &[Mode::Add, Mode::Add, Mode::Remove, Mode::Replace]),
            silent: b(g),
            flag: fl(g),
        },
        11 | 12 => Cmd::Fetch {
            uid: b(g),
            set: set(g),
            what: pick(g, &[What::Flags, What::UidFlags, What::Uid, What::BodySeen]),
        },
        13 => Cmd::Search {
            uid: b(g),
            key: pick(
                g,
                &[Key::All, Key::Deleted, Key::Seen, Key::Unseen, Key::Recent],
            ),
        },
        14 => Cmd::Copy {
            uid: b(g),
            set: set(g),
            to: mb(g),
        },
        15 => Cmd::Move {
            uid: b(g),
            set: set(g),
            to: mb(g),
        },
        16 | 17 => Cmd::Expunge,
        _ => Cmd::UidExpunge(set(g)),
    }
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Op {
        let sid = usize::arbitrary(g) % SESSIONS;
        match u8::arbitrary(g) % 20 {
            0..=11 => Op::Cmd(sid, cmd(g)),
            12 => Op::Done(sid),
            13 | 14 => Op::Push(sid),
            15 | 16 => Op::Deliver(pick(g, &[Mb::Inbox, Mb::Inbox, Mb::A])),
            17 | 18 => Op::ExtStore {
                mb: pick(g, &[Mb::Inbox, Mb::Inbox, Mb::A]),
                nth: u32::arbitrary(g) % 8,
                flag: pick(g, &[Fl::Deleted, Fl::Seen]),
                add: bool::arbitrary(g),
            },
            _ => Op::ExtExpunge(pick(g, &[Mb::Inbox, Mb::A])),
        }
    }
}
