//! THREAD and UID THREAD (RFC 5256 §3): SEARCH, then thread the matches.

use crate::message::keys::KeyFields;
use crate::syntax::types::{Data, SearchKey, ThreadAlgorithm};

use super::super::session::State;
use super::super::sort::Item;
use super::super::thread;
use super::sort::{search_keyed, Arrival};
use super::{Ctx, Outcome};

/// THREAD: `* THREAD (…)…` by ORDEREDSUBJECT or REFERENCES.
pub(crate) fn thread(
    ctx: &mut Ctx<'_>,
    state: &mut State,
    uid: bool,
    algorithm: &ThreadAlgorithm,
    charset: &str,
    search: &SearchKey,
) -> Outcome {
    let State::Selected(sel) = state else {
        return Outcome::bad("No mailbox selected");
    };
    let advertised = match algorithm {
        ThreadAlgorithm::OrderedSubject => ctx.config.has("THREAD=ORDEREDSUBJECT"),
        ThreadAlgorithm::References => ctx.config.has("THREAD=REFERENCES"),
        ThreadAlgorithm::Other(_) => false,
    };
    if !advertised {
        // §3: only advertised algorithms may be used; an unknown one is an invalid argument.
        let name = match algorithm {
            ThreadAlgorithm::OrderedSubject => "ORDEREDSUBJECT",
            ThreadAlgorithm::References => "REFERENCES",
            ThreadAlgorithm::Other(a) => a.as_str(),
        };
        return Outcome::bad(format!("Unsupported threading algorithm {name}"));
    }
    // both algorithms group by base subject; REFERENCES also links by message ids (§4)
    let fields = KeyFields {
        subject: true,
        threads: *algorithm == ThreadAlgorithm::References,
        ..KeyFields::NONE
    };
    let keyed = match search_keyed(
        ctx,
        sel,
        charset,
        search,
        false,
        Arrival::WithoutSentDate,
        fields,
    ) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let items: Vec<Item<'_>> = keyed.iter().map(|k| k.item(uid)).collect();
    let threads = match algorithm {
        ThreadAlgorithm::References => thread::references(&items),
        _ => thread::ordered_subject(&items),
    };
    ctx.data(Data::Thread(threads));
    Outcome::ok(if uid {
        "UID THREAD completed"
    } else {
        "THREAD completed"
    })
}
