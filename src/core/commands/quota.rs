//! QUOTA (RFC 2087; RFC 9208 §4): GETQUOTA, GETQUOTAROOT, SETQUOTA over the store's quota
//! roots. STORAGE is in units of 1024 octets (RFC 9208 §5.1), MESSAGE a count (§5.2).

use crate::syntax::types::{Atom, Code, Data, Mailbox, Rfc5530Code};

use super::super::store::QuotaResource;
use super::{Ctx, Outcome};

fn quota_data(root: &str, resources: &[QuotaResource]) -> Data {
    Data::Quota {
        root: root.as_bytes().to_vec(),
        resources: resources
            .iter()
            .filter_map(|r| Some((Atom::new(r.name).ok()?, r.usage, r.limit)))
            .collect(),
    }
}

/// GETQUOTAROOT (RFC 9208 §4.3): `* QUOTAROOT mailbox root...`, then `* QUOTA` for each
/// root. A mailbox under no quota gets a QUOTAROOT with no roots.
pub(crate) fn getquotaroot(ctx: &mut Ctx<'_>, m: &Mailbox) -> Outcome {
    let name = match ctx.mailbox(m) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let roots = match ctx.store.quota_roots(&name) {
        Ok(r) => r,
        Err(e) => return e.into(),
    };
    let mut quotas = Vec::new();
    for root in &roots {
        match ctx.store.quota(root) {
            Ok(Some(res)) => quotas.push(quota_data(root, &res)),
            Ok(None) => {}
            Err(e) => return e.into(),
        }
    }
    ctx.data(Data::QuotaRoot {
        mailbox: m.clone(),
        roots: roots.iter().map(|r| r.as_bytes().to_vec()).collect(),
    });
    for q in quotas {
        ctx.data(q);
    }
    Outcome::ok("GETQUOTAROOT completed")
}

/// GETQUOTA (RFC 9208 §4.2): the resources of one root; NO for an unknown root.
pub(crate) fn getquota(ctx: &mut Ctx<'_>, root: &[u8]) -> Outcome {
    let root = String::from_utf8_lossy(root).into_owned();
    match ctx.store.quota(&root) {
        Ok(Some(res)) => {
            ctx.data(quota_data(&root, &res));
            Outcome::ok("GETQUOTA completed")
        }
        Ok(None) => Outcome::no(
            Some(Code::Rfc5530(Rfc5530Code::NonExistent)),
            "No such quota root",
        ),
        Err(e) => e.into(),
    }
}

/// SETQUOTA (RFC 9208 §4.1.3): limits come from the administrator (Courier's
/// `MAILDIRQUOTA`, or `maildirsize`), so a client may not change them.
pub(crate) fn setquota(_ctx: &mut Ctx<'_>) -> Outcome {
    Outcome::no(
        Some(Code::Rfc5530(Rfc5530Code::NoPerm)),
        "Quota limits are set by the administrator",
    )
}
