//! insta snapshots of ENVELOPE and BODYSTRUCTURE wire text for every message in
//! `tests/messages/` (one snapshot per file, in the top-level `snapshots/`). The same files
//! are compared with Dovecot and Courier by `scripts/compare-messages` (docs/messages.md).

use imapd::message::summary::{Summary, Texts};
use imapd::message::Message;
use imapd::syntax::encode::encode_response;
use imapd::syntax::types::{Data, EncodedItem, FetchValue, Response};

/// `* 1 FETCH (ENVELOPE …)` and `* 1 FETCH (BODYSTRUCTURE …)` and RFC822.SIZE, as sent.
fn wire(data: &[u8]) -> String {
    let m = Message::parse(data);
    let s = Summary::of(&m);
    let mut out = Vec::new();
    for item in [
        FetchValue::Rfc822Size(u64::from(m.size())),
        Texts::of(&s, &[EncodedItem::Envelope])
            .take(EncodedItem::Envelope)
            .unwrap(),
        Texts::of(&s, &[EncodedItem::BodyStructure])
            .take(EncodedItem::BodyStructure)
            .unwrap(),
        Texts::of(&s, &[EncodedItem::Body])
            .take(EncodedItem::Body)
            .unwrap(),
    ] {
        let r = Response::Data(Data::Fetch {
            seq: 1,
            items: vec![item],
        });
        encode_response(&r, &mut out);
    }
    String::from_utf8_lossy(&out).replace("\r\n", "\n")
}

#[test]
fn corpus_envelope_and_bodystructure() {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.set_prepend_module_to_snapshot(true);
    s.bind(|| {
        insta::glob!("messages/*.eml", |path| {
            let data = std::fs::read(path).unwrap();
            insta::assert_snapshot!(wire(&data));
        });
    });
}
