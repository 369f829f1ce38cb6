//! First transcripts through the pure core with the in-memory store.

use imapd::core::{MemoryStore, Session, SessionConfig};
use imapd::syntax::types::*;

fn cmd(tag: &str, body: CommandBody) -> Command {
    Command {
        tag: Tag::new(tag).unwrap(),
        body,
    }
}

fn mbox(s: &str) -> Mailbox {
    Mailbox::new(s.as_bytes().to_vec())
}

#[test]
fn authenticated_select_inbox_with_deliveries() {
    let mut store = MemoryStore::new();
    store.deliver("INBOX", b"Subject: a\n\nhello\n").unwrap();
    store.deliver("INBOX", b"Subject: b\n\nworld\n").unwrap();
    let mut s = Session::preauth(SessionConfig::default());
    let out = s.handle_command(cmd("a", CommandBody::Select(mbox("inbox"))), &mut store);
    let dbg = format!("{out:?}");
    assert!(dbg.contains("Exists(2)"), "{dbg}");
    assert!(dbg.contains("Recent(2)"), "{dbg}");
    assert!(dbg.contains("UidNext(3)"), "{dbg}");
    // A second session gets no \Recent for the same messages (invariant 4).
    let mut s2 = Session::preauth(SessionConfig::default());
    let out2 = s2.handle_command(cmd("b", CommandBody::Select(mbox("INBOX"))), &mut store);
    assert!(format!("{out2:?}").contains("Recent(0)"));
    // s2 expunges message 1 after marking it; s sees the EXPUNGE at its next NOOP, not during FETCH.
    let store_cmd = CommandBody::Store {
        uid: false,
        set: SequenceSet::Ranges(vec![SeqRange {
            start: SeqNo::Value(1.try_into().unwrap()),
            end: SeqNo::Value(1.try_into().unwrap()),
        }]),
        mode: StoreMode::Add,
        silent: false,
        flags: vec![Flag::Deleted],
    };
    s2.handle_command(cmd("c", store_cmd), &mut store);
    let out = s2.handle_command(cmd("d", CommandBody::Expunge), &mut store);
    assert!(format!("{out:?}").contains("Expunge(1)"), "{out:?}");
    let fetch = CommandBody::Fetch {
        uid: false,
        set: SequenceSet::Ranges(vec![SeqRange {
            start: SeqNo::Value(1.try_into().unwrap()),
            end: SeqNo::Largest,
        }]),
        items: FetchItems::List(vec![FetchAtt::Flags]),
    };
    let out = s.handle_command(cmd("e", fetch), &mut store);
    let dbg = format!("{out:?}");
    assert!(
        !dbg.contains("Expunge("),
        "no EXPUNGE during FETCH (RFC 3501 §7.4.1): {dbg}"
    );
    let out = s.handle_command(cmd("f", CommandBody::Noop), &mut store);
    assert!(format!("{out:?}").contains("Expunge(1)"), "{out:?}");
}
