//! The checker's own tests: a made-up response that breaks a rule must be caught, so the
//! model-checking runs are not passing vacuously.

mod model;

use imapd::syntax::types::{Data, FetchValue, Flag, Response, StatusKind, StatusResponse, Tag};
use model::client::Sent;
use model::ops::{Cmd, Mb, Op, Set, What};
use model::world::World;

/// One session with INBOX (UIDs 1, 2) selected.
fn selected() -> World {
    let mut w = World::new(1, &[]);
    for op in [
        Op::Deliver(Mb::Inbox),
        Op::Deliver(Mb::Inbox),
        Op::Cmd(0, Cmd::Select(Mb::Inbox)),
    ] {
        w.step(&op).expect("valid setup");
    }
    w
}

fn ok(tag: &str) -> Response {
    Response::Status(StatusResponse {
        tag: Some(Tag::new(tag).unwrap()),
        kind: StatusKind::Ok,
        code: None,
        text: "done".into(),
    })
}

const FETCH: Cmd = Cmd::Fetch {
    uid: false,
    set: Set::One(1),
    what: What::Flags,
};

fn rejects(sent: Sent, out: Vec<Response>, why: &str) {
    let err = selected()
        .feed(0, sent, &out)
        .expect_err("must be rejected");
    assert!(err.contains(why), "{err}");
}

#[test]
fn checker_rejects_expunge_during_fetch() {
    let out = vec![Response::Data(Data::Expunge(1)), ok("x")];
    rejects(
        Sent::Cmd(FETCH, "x".into()),
        out,
        "EXPUNGE 1 sent while answering",
    );
}

#[test]
fn checker_rejects_shrinking_exists() {
    let out = vec![Response::Data(Data::Exists(1)), ok("x")];
    rejects(
        Sent::Cmd(Cmd::Noop, "x".into()),
        out,
        "EXISTS may not shrink",
    );
}

#[test]
fn checker_rejects_wrong_flags() {
    let items = vec![FetchValue::Flags(vec![Flag::Seen, Flag::Recent])];
    let out = vec![Response::Data(Data::Fetch { seq: 1, items }), ok("x")];
    rejects(Sent::Cmd(FETCH, "x".into()), out, "but the store has");
}

#[test]
fn checker_rejects_missing_or_wrong_tag() {
    rejects(
        Sent::Cmd(Cmd::Noop, "x".into()),
        vec![],
        "expected one tagged",
    );
    rejects(
        Sent::Cmd(Cmd::Noop, "x".into()),
        vec![ok("y")],
        "expected one tagged",
    );
}

#[test]
fn checker_rejects_logout_without_bye() {
    rejects(
        Sent::Cmd(Cmd::Logout, "x".into()),
        vec![ok("x")],
        "LOGOUT without BYE",
    );
}

#[test]
fn checker_rejects_exists_without_arrival() {
    let out = vec![
        Response::Data(Data::Exists(3)),
        Response::Data(Data::Recent(3)),
        ok("x"),
    ];
    rejects(Sent::Cmd(Cmd::Noop, "x".into()), out, "did not arrive");
}

#[test]
fn checker_rejects_a_push_outside_idle() {
    let out = vec![Response::Data(Data::Exists(2))];
    rejects(Sent::Push, out, "no command in progress");
}
