//! insta snapshots of complete multi-session transcripts (design.md: "the multi-process
//! IDLE fan-out"), driven through the model-checking harness so every step is also checked
//! against the reference model. Snapshots live in the top-level `snapshots/` directory.

mod model;

use model::ops::{Cmd, Fl, Key, Mb, Mode, Op, Set, What};
use model::world::World;

fn snapshot(name: &str, text: &str) {
    let mut s = insta::Settings::clone_current();
    // Relative to this file's directory (tests/), so `../snapshots` is the top level.
    s.set_snapshot_path("../snapshots");
    s.bind(|| insta::assert_snapshot!(name, text));
}

fn run(w: &mut World, ops: &[Op]) {
    for op in ops {
        if let Err(e) = w.step(op) {
            panic!("{op:?}: {e}\n{}", w.log.join("\n"));
        }
    }
}

fn store(sid: usize, mode: Mode) -> Op {
    Op::Cmd(
        sid,
        Cmd::Store {
            uid: false,
            set: Set::One(1),
            mode,
            silent: false,
            flag: Fl::Deleted,
        },
    )
}

/// Every idler hears about the change (the shell's inotify fan-out).
fn push_all(idlers: &[usize]) -> Vec<Op> {
    idlers.iter().map(|&i| Op::Push(i)).collect()
}

#[test]
fn courier_seed_idle_fan_out() {
    // Three sessions SELECT INBOX (2 delivered messages) and IDLE; a fourth flips \Deleted on
    // message 1 three times and EXPUNGEs; then a delivery from outside. After each step the
    // idlers are told the store changed (RFC 2177 §3: updates are pushed while idling).
    let mut w = World::new(4, &[]);
    let idlers = [0, 1, 2];
    let mut ops = vec![Op::Deliver(Mb::Inbox), Op::Deliver(Mb::Inbox)];
    for &i in &idlers {
        ops.push(Op::Cmd(i, Cmd::Select(Mb::Inbox)));
        ops.push(Op::Cmd(i, Cmd::Idle));
    }
    ops.push(Op::Cmd(3, Cmd::Select(Mb::Inbox)));
    for step in [
        store(3, Mode::Add),
        store(3, Mode::Remove),
        store(3, Mode::Add),
        Op::Cmd(3, Cmd::Expunge),
        Op::Deliver(Mb::Inbox),
    ] {
        ops.push(step);
        ops.extend(push_all(&idlers));
    }
    ops.extend(idlers.iter().map(|&i| Op::Done(i)));
    ops.push(Op::Cmd(3, Cmd::Logout));
    run(&mut w, &ops);

    // RFC 3501 §2.3.2 / design invariant 4: the first to select owns both \Recent; the
    // delivered message (UID 3) is \Recent in exactly one idler.
    let recent = |i: usize| w.model.sessions[i].sel.as_ref().map(|s| s.recent.clone());
    assert_eq!(recent(0), Some([2, 3].into()), "message 1 was expunged");
    let owners = idlers
        .iter()
        .filter(|&&i| recent(i).is_some_and(|r| r.contains(&3)))
        .count();
    assert_eq!(owners, 1);

    for (i, t) in w.transcripts.iter().enumerate() {
        snapshot(&format!("courier_seed_session_{i}"), &t.join("\n"));
    }
    snapshot("courier_seed_interleaved", &w.log.join("\n"));
}

#[test]
fn selected_expunge_waits_for_a_command_that_may_send_it() {
    // RFC 3501 §7.4.1: another session's EXPUNGE is not announced during FETCH, STORE or
    // SEARCH (sequence numbers would shift under the client), but is during UID FETCH and
    // NOOP; EXISTS may come at any time.
    let mut w = World::new(2, &[]);
    let fetch = |uid| Cmd::Fetch {
        uid,
        set: Set::From(1),
        what: What::UidFlags,
    };
    run(
        &mut w,
        &[
            Op::Deliver(Mb::Inbox),
            Op::Deliver(Mb::Inbox),
            Op::Cmd(0, Cmd::Select(Mb::Inbox)),
            Op::Cmd(0, fetch(false)),
            Op::Cmd(1, Cmd::Select(Mb::Inbox)),
            store(1, Mode::Add),
            Op::Cmd(1, Cmd::Expunge),
            Op::Deliver(Mb::Inbox),
            Op::Cmd(0, fetch(false)),
            Op::Cmd(
                0,
                Cmd::Search {
                    uid: false,
                    key: Key::All,
                },
            ),
            Op::Cmd(0, fetch(true)),
            Op::Cmd(0, Cmd::Noop),
            Op::Cmd(
                1,
                Cmd::Move {
                    uid: false,
                    set: Set::One(1),
                    to: Mb::A,
                },
            ),
            Op::Cmd(0, Cmd::Noop),
        ],
    );
    snapshot("expunge_deferred_interleaved", &w.log.join("\n"));
}
