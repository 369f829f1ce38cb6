//! Arbitrary message files through the MIME parser and everything FETCH asks of it:
//! ENVELOPE, BODYSTRUCTURE, sections (with partials) and BINARY of every part.
#![no_main]
#![forbid(unsafe_code)]

use imapd::message::mime::Part;
use imapd::message::Message;
use imapd::syntax::types::{Partial, Section, SectionText};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let msg = Message::parse(data);
    let size = msg.size();
    let _ = msg.envelope();
    let _ = msg.body_structure(true);
    let _ = msg.body_structure(false);
    let whole = msg.section(&Section::default(), None).expect("BODY[] exists");
    assert_eq!(whole.len() as u64, u64::from(size), "RFC822.SIZE is BODY[]'s length");
    let mut paths = Vec::new();
    collect_paths(msg.root(), &mut Vec::new(), &mut paths);
    for path in paths.iter().take(64) {
        for text in [
            None,
            Some(SectionText::Header),
            Some(SectionText::Text),
            Some(SectionText::Mime),
            Some(SectionText::HeaderFields(vec![b"subject".to_vec(), b"From".to_vec()])),
            Some(SectionText::HeaderFieldsNot(vec![b"content-type".to_vec()])),
        ] {
            let section = Section {
                part: path.clone(),
                text,
            };
            let full = msg.section(&section, None);
            let partial = msg.section(&section, Some(Partial { origin: 3, count: 5 }));
            if let (Some(full), Some(partial)) = (&full, &partial) {
                let expected = full.get(3..full.len().min(8)).unwrap_or(&[]);
                assert_eq!(&partial[..], expected, "partial is a slice of the section");
            }
        }
        let _ = msg.binary(path);
        let _ = msg.binary_size(path);
    }
});

/// Every part path of the tree (`[]` for the message, `[1, 2]` for part 1.2, ...).
fn collect_paths(part: &Part, prefix: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
    out.push(prefix.clone());
    let children: Vec<&Part> = match &part.kind {
        imapd::message::mime::PartKind::Message(inner) => inner.children().iter().collect(),
        _ => part.children().iter().collect(),
    };
    for (i, child) in children.into_iter().enumerate() {
        prefix.push(i as u32 + 1);
        collect_paths(child, prefix, out);
        prefix.pop();
    }
}
