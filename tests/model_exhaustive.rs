//! Exhaustive bounded model check (design.md "How it is checked"): every interleaving of a
//! small op alphabet for 2 sessions, breadth first to a fixed depth, states deduplicated by a
//! canonical hash of (store, model sessions, client beliefs, core views). Each transition is
//! checked against the reference model and the invariants, exactly as in the quickcheck run.
//!
//! Sessions cannot be cloned, so a state is kept as the op path that reaches it and is
//! rebuilt by replaying the (already checked) path.

mod model;

use std::collections::{HashSet, VecDeque};

use model::ops::{Cmd, Fl, Key, Mb, Mode, Op, Set, What};
use model::reference::Bug;
use model::world::World;

/// Tolerated open bugs (see tests/regression.rs), as in the quickcheck run.
const KNOWN: &[Bug] = &[];

const SESSIONS: usize = 2;
/// At most this many messages are ever delivered (UIDs 1..=MAX_MSGS).
const MAX_MSGS: u32 = 3;

fn alphabet() -> Vec<Op> {
    let mut ops = vec![
        Op::Deliver(Mb::Inbox),
        Op::ExtStore {
            mb: Mb::Inbox,
            nth: 0,
            flag: Fl::Deleted,
            add: true,
        },
        Op::ExtExpunge(Mb::Inbox),
    ];
    for s in 0..SESSIONS {
        for cmd in [
            Cmd::Select(Mb::Inbox),
            Cmd::Examine(Mb::Inbox),
            Cmd::Noop,
            Cmd::Idle,
            Cmd::Close,
            Cmd::Fetch {
                uid: false,
                set: Set::From(1),
                what: What::UidFlags,
            },
            Cmd::Store {
                uid: false,
                set: Set::One(1),
                mode: Mode::Add,
                silent: false,
                flag: Fl::Deleted,
            },
            Cmd::Store {
                uid: true,
                set: Set::Last,
                mode: Mode::Remove,
                silent: true,
                flag: Fl::Deleted,
            },
            Cmd::Search {
                uid: false,
                key: Key::Deleted,
            },
            Cmd::Expunge,
            Cmd::UidExpunge(Set::Last),
            Cmd::Move {
                uid: false,
                set: Set::One(1),
                to: Mb::A,
            },
        ] {
            ops.push(Op::Cmd(s, cmd));
        }
        ops.push(Op::Done(s));
        ops.push(Op::Push(s));
    }
    ops
}

/// The tolerated bugs, minus those named in `MODEL_STRICT` (`all`, or `Debug` names).
fn known() -> Vec<Bug> {
    let strict = std::env::var("MODEL_STRICT").unwrap_or_default();
    KNOWN
        .iter()
        .copied()
        .filter(|b| !(strict == "all" || strict.split(',').any(|s| s == format!("{b:?}"))))
        .collect()
}

/// The start: INBOX holds one delivered message, both sessions are authenticated.
const ROOT: &[Op] = &[Op::Deliver(Mb::Inbox)];

fn replay(path: &[Op]) -> World {
    let mut w = World::new(SESSIONS, &known());
    w.checking = false;
    for op in path {
        w.step(op).expect("a prefix was checked when first reached");
    }
    w.checking = true;
    w
}

/// An op worth exploring here: it applies and keeps within the message bound.
fn enabled(w: &World, op: &Op) -> bool {
    let within = match op {
        Op::Deliver(mb) => w.model.boxes[mb].uid_next <= MAX_MSGS,
        _ => true,
    };
    within && w.applicable(op)
}

struct Stats {
    states: usize,
    transitions: usize,
}

fn explore(depth: usize) -> Stats {
    let ops = alphabet();
    let mut seen = HashSet::new();
    let mut queue: VecDeque<Vec<Op>> = VecDeque::new();
    seen.insert(replay(ROOT).canonical());
    queue.push_back(ROOT.to_vec());
    let mut transitions = 0;
    while let Some(path) = queue.pop_front() {
        if path.len() == ROOT.len() + depth {
            continue;
        }
        let here = replay(&path);
        for op in ops.iter().filter(|op| enabled(&here, op)) {
            transitions += 1;
            let mut w = replay(&path);
            if let Err(e) = w.step(op) {
                panic!("after {path:?} then {op:?}: {e}\n{}", w.log.join("\n"));
            }
            if seen.insert(w.canonical()) {
                let mut next = path.clone();
                next.push(*op);
                queue.push_back(next);
            }
        }
    }
    Stats {
        states: seen.len(),
        transitions,
    }
}

/// 6, or `MODEL_DEPTH`.
fn depth() -> usize {
    std::env::var("MODEL_DEPTH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
}

#[test]
fn two_sessions_every_interleaving_to_depth_6() {
    let s = explore(depth());
    println!(
        "exhaustive depth {}: {} distinct states, {} transitions checked",
        depth(),
        s.states,
        s.transitions
    );
    assert!(s.states > 1000);
}

/// A deeper run for manual use: `cargo test --test model_exhaustive -- --ignored`.
#[test]
#[ignore = "slow: minutes in debug builds"]
fn two_sessions_every_interleaving_to_depth_8() {
    let s = explore(8);
    println!(
        "exhaustive depth 8: {} distinct states, {} transitions checked",
        s.states, s.transitions
    );
}
