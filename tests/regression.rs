//! Shrunk counterexamples from the model checkers, each with its history (style principle 9).
//! They run strictly: no known bug is tolerated. Tests of open core bugs are ignored with
//! the reason; un-ignore them when the bug is fixed (and drop it from `KNOWN` in
//! tests/model_quickcheck.rs).

mod model;

use model::ops::{Cmd, Fl, Key, Mb, Mode, Op, Set, What};
use model::world::run;

fn check(sessions: usize, ops: &[Op]) {
    if let Err(e) = run(sessions, ops, &[]) {
        panic!("{e}");
    }
}

fn select(sid: usize) -> Op {
    Op::Cmd(sid, Cmd::Select(Mb::Inbox))
}

fn ext(nth: u32, flag: Fl, add: bool) -> Op {
    Op::ExtStore {
        mb: Mb::Inbox,
        nth,
        flag,
        add,
    }
}

#[test]
fn selected_silent_store_on_expunged_message_answers_no() {
    // postmortem:
    // a harness bug, kept as a guard: after `STORE .SILENT` answered NO [EXPUNGEISSUED] the
    // reconstructor applied the change to a message that was gone. A client cannot know
    // which messages were stored then (RFC 2180 §4.2.3) and must forget their flags.
    check(
        3,
        &[
            Op::Deliver(Mb::Inbox),
            select(2),
            Op::Cmd(
                2,
                Cmd::Store {
                    uid: false,
                    set: Set::From(1),
                    mode: Mode::Replace,
                    silent: false,
                    flag: Fl::Deleted,
                },
            ),
            Op::ExtExpunge(Mb::Inbox),
            Op::Cmd(
                2,
                Cmd::Store {
                    uid: false,
                    set: Set::Last,
                    mode: Mode::Replace,
                    silent: true,
                    flag: Fl::Seen,
                },
            ),
        ],
    );
}

#[test]
fn selected_uid_fetch_of_expunged_message_keeps_recent() {
    // postmortem:
    // a harness bug, kept as a guard: the checker judged `\Recent` in a FETCH against the
    // state after the command, where the message's EXPUNGE had already been announced.
    // `\Recent` holds until the EXPUNGE is sent (RFC 3501 §2.3.2), so UID FETCH of a ghost
    // still says `\Recent`, and the EXPUNGE follows in the same response (§7.4.1 allows it).
    check(
        2,
        &[
            Op::Deliver(Mb::Inbox),
            ext(1, Fl::Deleted, true),
            select(1),
            Op::ExtExpunge(Mb::Inbox),
            Op::Cmd(
                1,
                Cmd::Fetch {
                    uid: true,
                    set: Set::From(3),
                    what: What::Flags,
                },
            ),
        ],
    );
}

#[test]
// postmortem (fixed): SEARCH judges flags from the view's last sync, not the store: session 0
// EXAMINEs INBOX (1 msg), another process sets \\Seen, `UID SEARCH SEEN` answers `* SEARCH`
// (empty) and only then `* 1 FETCH (FLAGS (\\Seen))` (commands/search.rs evaluates before
// sync_selected)
fn selected_search_sees_flags_changed_since_last_sync() {
    // postmortem:
    // found by the quickcheck model (MODEL_STRICT=all). RFC 3501 §6.4.4: SEARCH answers the
    // messages that match the criteria; the view's flags are as of the previous command,
    // which may be hours old for an idle client.
    check(
        1,
        &[
            Op::Deliver(Mb::Inbox),
            Op::Cmd(0, Cmd::Examine(Mb::Inbox)),
            ext(0, Fl::Seen, true),
            Op::Cmd(
                0,
                Cmd::Search {
                    uid: true,
                    key: Key::Seen,
                },
            ),
        ],
    );
}

#[test]
// postmortem (fixed): FETCH FLAGS answers the view's flags from the last sync: session 0
// SELECTs INBOX (1 msg), another process sets \\Seen, `FETCH 1 (FLAGS)` sends `* 1 FETCH
// (FLAGS (\\Recent))` and then `* 1 FETCH (FLAGS (\\Seen \\Recent))` (commands/fetch.rs reads
// sel.view before sync_selected)
fn selected_fetch_flags_reports_the_store_now() {
    // postmortem:
    // found by the quickcheck model. RFC 3501 §7.4.2: FETCH FLAGS is the message's flags;
    // the first FETCH response is stale and contradicts the one after it.
    check(
        1,
        &[
            Op::Deliver(Mb::Inbox),
            select(0),
            ext(0, Fl::Seen, true),
            Op::Cmd(
                0,
                Cmd::Fetch {
                    uid: false,
                    set: Set::One(1),
                    what: What::Flags,
                },
            ),
        ],
    );
}

#[test]
// postmortem (fixed): FETCH BODY[] does not set \\Seen when the view still believes it set:
// session 0 SELECTs INBOX (1 msg), `FETCH 1 BODY[]` sets \\Seen, another process removes
// \\Seen, `FETCH 1 BODY[]` leaves the message unseen in the store (commands/fetch.rs tests
// `sel.view.flags(u)` for mark_seen)
fn selected_fetch_body_sets_seen_even_if_view_is_stale() {
    // postmortem:
    // found while writing the model (RFC 3501 §6.4.5: BODY[] implicitly sets \Seen). The
    // decision reads the stale view; the store is the authority.
    let body = Cmd::Fetch {
        uid: false,
        set: Set::One(1),
        what: What::BodySeen,
    };
    check(
        1,
        &[
            Op::Deliver(Mb::Inbox),
            select(0),
            Op::Cmd(0, body),
            ext(0, Fl::Seen, false),
            Op::Cmd(0, body),
        ],
    );
}

#[test]
// postmortem (fixed): STORE .SILENT swallows a flag change made elsewhere: session 0 SELECTs
// INBOX (1 msg) and fetches its FLAGS (), another process sets \\Seen, `STORE 1 +FLAGS.SILENT
// (\\Deleted)` answers only OK; the client believes (\\Deleted) while the store has (\\Deleted
// \\Seen), and no later sync tells it (commands/store_flags.rs note_flags() updates the view
// without a FETCH)
fn selected_silent_store_reports_external_flag_changes() {
    // postmortem:
    // found by the quickcheck model. RFC 3501 §6.4.6 note: regardless of .SILENT the server
    // SHOULD send FETCH when a change from an external source is observed. The view records
    // the merged flags as told, so the client's belief stays wrong for good.
    check(
        1,
        &[
            Op::Deliver(Mb::Inbox),
            select(0),
            Op::Cmd(
                0,
                Cmd::Fetch {
                    uid: false,
                    set: Set::One(1),
                    what: What::Flags,
                },
            ),
            ext(0, Fl::Seen, true),
            Op::Cmd(
                0,
                Cmd::Store {
                    uid: false,
                    set: Set::One(1),
                    mode: Mode::Add,
                    silent: true,
                    flag: Fl::Deleted,
                },
            ),
        ],
    );
}

#[test]
// postmortem (fixed): COPY of a set with an expunged message copies the rest and answers NO:
// INBOX has UIDs 1,2, session 0 SELECTs it, another process deletes and expunges UID 2, `COPY
// 1:2 INBOX.A` answers NO [EXPUNGEISSUED] but INBOX.A now holds a copy of UID 1 (MOVE likewise
// moves it) (commands/copy.rs)
fn selected_copy_failing_leaves_destination_unchanged() {
    // postmortem:
    // found by the quickcheck model as a MOVE that answered NO yet sent EXPUNGE for the
    // moved message. RFC 3501 §6.4.7: if COPY is unsuccessful the destination MUST be
    // restored; RFC 2180 §4.4 allows refusing (NO, nothing copied) or copying the rest (OK).
    check(
        1,
        &[
            Op::Deliver(Mb::Inbox),
            Op::Deliver(Mb::Inbox),
            select(0),
            ext(1, Fl::Deleted, true),
            Op::ExtExpunge(Mb::Inbox),
            Op::Cmd(
                0,
                Cmd::Copy {
                    uid: false,
                    set: Set::From(1),
                    to: Mb::A,
                },
            ),
        ],
    );
}
