//! Commands valid in any state (RFC 3501 §6.1) and the small extensions: ID (RFC 2971),
//! ENABLE (RFC 5161), NAMESPACE (RFC 2342).

use crate::syntax::types::{Atom, Data, NamespaceDesc};

use super::super::names::DELIMITER;
use super::super::session::State;
use super::{Ctx, Outcome};

/// CAPABILITY (§6.1.1): one untagged CAPABILITY listing IMAP4rev1 first.
pub(crate) fn capability(ctx: &mut Ctx<'_>, state: &State) -> Outcome {
    ctx.data(Data::Capability(ctx.config.capabilities(state)));
    Outcome::ok("CAPABILITY completed")
}

/// ID (RFC 2971 §3.1): the server's identification; the client's is only for logs. Client
/// workarounds are never keyed on it (style principle 8).
pub(crate) fn id(ctx: &mut Ctx<'_>) -> Outcome {
    if !ctx.config.has("ID") {
        return Outcome::bad("ID is not enabled on this server");
    }
    ctx.data(Data::Id(Some(vec![
        (
            b"name".to_vec(),
            Some(ctx.config.server_name.clone().into_bytes()),
        ),
        (
            b"version".to_vec(),
            Some(env!("CARGO_PKG_VERSION").as_bytes().to_vec()),
        ),
    ])));
    Outcome::ok("ID completed")
}

/// ENABLE (RFC 5161 §3.1): only UTF8=ACCEPT is enableable; unknown names are ignored and
/// only what was newly enabled is listed in ENABLED.
pub(crate) fn enable(ctx: &mut Ctx<'_>, caps: &[Atom]) -> Outcome {
    if !ctx.config.has("ENABLE") {
        return Outcome::bad("ENABLE is not enabled on this server");
    }
    let mut enabled = Vec::new();
    for cap in caps {
        if cap.eq_ignore_case("UTF8=ACCEPT") && ctx.config.has("UTF8=ACCEPT") && !*ctx.utf8 {
            *ctx.utf8 = true;
            enabled.push(cap.clone());
        }
    }
    ctx.data(Data::Enabled(enabled));
    Outcome::ok("ENABLE completed")
}

/// NAMESPACE (RFC 2342 §5): one personal namespace, Courier's `INBOX.` layout.
pub(crate) fn namespace(ctx: &mut Ctx<'_>) -> Outcome {
    if !ctx.config.has("NAMESPACE") {
        return Outcome::bad("NAMESPACE is not enabled on this server");
    }
    ctx.data(Data::Namespace {
        personal: Some(vec![NamespaceDesc {
            prefix: ctx.config.namespace_prefix.clone().into_bytes(),
            delimiter: Some(DELIMITER),
        }]),
        other: None,
        shared: None,
    });
    Outcome::ok("NAMESPACE completed")
}
