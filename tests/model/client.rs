//! The client-side belief reconstructor: what a client believes about its selected mailbox,
//! updated only from the responses that session was sent, as a real client would — plus the
//! wire rules each batch of responses must keep.
//!
//! Each believed message also carries a `truth` lane: the UID the model says sits at that
//! position. The client never reads it; the checker uses it to judge a response at the moment
//! it is sent (sequence numbers shift under EXPUNGE).

use std::collections::BTreeSet;

use imapd::syntax::types::{Code, Continue, Data, FetchValue, Flag, Response, StatusKind};

use super::ops::{Cmd, Key, Mb, Mode, Set};
use super::reference::{Bug, Flags, MBox, MSel, Model};

/// One message as the client believes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CMsg {
    /// Checker-only: the UID at this position per the model.
    pub truth: u32,
    pub uid: Option<u32>,
    pub flags: Option<Flags>,
    pub recent: Option<bool>,
    /// Announced by an EXISTS in the batch being read.
    fresh: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CSel {
    pub mb: Mb,
    pub ro: bool,
    pub msgs: Vec<CMsg>,
    pub recent_count: Option<u32>,
    pub uid_validity: Option<u32>,
    pub uid_next: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Client {
    pub sel: Option<CSel>,
    pub idle_tag: Option<String>,
    pub logout: bool,
}

/// What the client sent that the batch answers.
#[derive(Debug, Clone)]
pub enum Sent {
    Cmd(Cmd, String),
    Done,
    Push,
}

/// What the checker knows while judging one batch.
pub struct Oracle<'a> {
    /// UIDs of messages this batch may announce with EXISTS, in order.
    pub arrivals: Vec<u32>,
    /// The session's model before and after the step.
    pub pre: Option<&'a MSel>,
    pub post: Option<&'a MSel>,
    pub model: &'a Model,
    pub tolerate: &'a BTreeSet<Bug>,
    pub tolerated: &'a mut BTreeSet<Bug>,
}

impl Oracle<'_> {
    /// `\Recent` holds from a message's announcement until its EXPUNGE is (RFC 3501 §2.3.2).
    fn recent(&self, uid: u32) -> bool {
        match self.post.filter(|s| s.told(uid).is_some()) {
            Some(post) => post.recent.contains(&uid),
            None => self.pre.is_some_and(|s| s.recent.contains(&uid)),
        }
    }

    fn store(&self, mb: Mb) -> &MBox {
        &self.model.boxes[&mb]
    }

    /// RFC 3501 §7.4.2: FETCH FLAGS reports the message's flags; for a message expunged but
    /// not yet announced, the last known ones (RFC 2180 §4.1.1).
    fn check_flags(&mut self, mb: Mb, uid: u32, got: &Flags, recent: bool) -> Result<(), String> {
        let want_recent = self.recent(uid);
        if recent != want_recent {
            return Err(format!(
                "FETCH FLAGS of UID {uid}: \\Recent {recent}, model says {want_recent}"
            ));
        }
        let told = self.pre.and_then(|s| s.told(uid));
        match self.store(mb).get(uid) {
            Some(m) if &m.flags == got => Ok(()),
            Some(m) => {
                if told == Some(got) && self.tolerate.contains(&Bug::StaleViewFlags) {
                    self.tolerated.insert(Bug::StaleViewFlags);
                    return Ok(());
                }
                Err(format!(
                    "FETCH FLAGS of UID {uid}: {got:?}, but the store has {:?}",
                    m.flags
                ))
            }
            None => {
                let last = self.model.last_flags.get(&(mb, uid));
                if told == Some(got) || last == Some(got) {
                    Ok(())
                } else {
                    Err(format!(
                        "FETCH FLAGS of expunged UID {uid}: {got:?}, last {last:?}"
                    ))
                }
            }
        }
    }

    /// RFC 3501 §6.4.4: SEARCH answers the messages matching now; expunged ones not yet
    /// announced may be left out or not (RFC 2180 §4.3).
    fn check_search(&mut self, sel: &CSel, key: Key, uid: bool, got: &[u32]) -> Result<(), String> {
        let judge = |stale: bool| -> bool {
            sel.msgs.iter().enumerate().all(|(i, m)| {
                let id = if uid { m.truth } else { i as u32 + 1 };
                let hit = got.contains(&id);
                let recent = self.recent(m.truth);
                let flags = if stale {
                    self.pre.and_then(|s| s.told(m.truth))
                } else {
                    self.store(sel.mb).get(m.truth).map(|x| &x.flags)
                };
                match flags {
                    Some(f) => hit == Model::matches(key, f, recent),
                    None => true,
                }
            })
        };
        let all_known = got.iter().all(|id| {
            sel.msgs
                .iter()
                .enumerate()
                .any(|(i, m)| *id == if uid { m.truth } else { i as u32 + 1 })
        });
        if !all_known {
            return Err(format!(
                "SEARCH names messages the client does not know: {got:?}"
            ));
        }
        if judge(false) {
            return Ok(());
        }
        if self.tolerate.contains(&Bug::StaleViewFlags) && judge(true) {
            self.tolerated.insert(Bug::StaleViewFlags);
            return Ok(());
        }
        Err(format!(
            "SEARCH {key:?} answered {got:?}, which does not match the store"
        ))
    }
}

/// RFC 3501 §6.4.6: after `.SILENT` the client knows the result of its own change; the
/// server owes it a FETCH only for changes from elsewhere (the §6.4.6 note).
/// After NO [EXPUNGEISSUED] the client cannot tell which were stored: it forgets them.
fn own_silent_store(sel: &mut CSel, before: &CSel, cmd: Cmd, ok: bool) {
    let Cmd::Store {
        uid,
        set,
        mode,
        flag,
        ..
    } = cmd
    else {
        return;
    };
    // The set is resolved against what the client knew when it sent the command, not
    // against arrivals announced in the same batch.
    let n = before.msgs.len() as u32;
    let largest = before.msgs.last().and_then(|m| m.uid);
    let mut hits = std::collections::BTreeMap::new();
    for (i, m) in before.msgs.iter().enumerate() {
        let id = if uid { m.uid } else { Some(i as u32 + 1) };
        let top = if uid { largest } else { Some(n) };
        let hit = match (id, top, set) {
            (Some(x), _, Set::One(a)) => Some(x == a),
            (Some(x), Some(t), Set::From(a)) => Some((a.min(t)..=a.max(t)).contains(&x)),
            (Some(x), Some(t), Set::Last) => Some(x == t),
            _ => None,
        };
        hits.insert(m.truth, hit);
    }
    for m in sel.msgs.iter_mut() {
        let hit = hits.get(&m.truth).copied().unwrap_or(Some(false));
        match (hit, m.flags.as_mut()) {
            (Some(false), _) | (_, None) => {}
            (None, Some(_)) => m.flags = None,
            (Some(true), Some(_)) if !ok => m.flags = None,
            (Some(true), Some(f)) => match mode {
                Mode::Add => {
                    f.insert(flag.text());
                }
                Mode::Remove => {
                    f.remove(&flag.text());
                }
                Mode::Replace => *f = [flag.text()].into_iter().collect(),
            },
        }
    }
}

fn split_flags(f: &[Flag]) -> (Flags, bool) {
    let recent = f.contains(&Flag::Recent);
    let set = f
        .iter()
        .filter(|f| **f != Flag::Recent)
        .map(ToString::to_string)
        .collect();
    (set, recent)
}

impl Client {
    /// Reads one batch of responses. Returns the tagged result, if any.
    pub fn absorb(
        &mut self,
        sent: &Sent,
        out: &[Response],
        o: &mut Oracle<'_>,
    ) -> Result<Option<StatusKind>, String> {
        let tagged = self.framing(sent, out)?;
        let cmd = match sent {
            Sent::Cmd(c, _) => Some(*c),
            _ => None,
        };
        let mut flag_checks: std::collections::BTreeMap<u32, (Mb, Flags, bool)> =
            std::collections::BTreeMap::new();
        let before = self.sel.clone();
        if let Some(Cmd::Select(mb) | Cmd::Examine(mb)) = cmd {
            // §6.3.1: SELECT closes the current mailbox first.
            self.sel = Some(CSel {
                mb,
                ro: matches!(cmd, Some(Cmd::Examine(_))),
                msgs: vec![],
                recent_count: None,
                uid_validity: None,
                uid_next: None,
            });
        }
        // A refused STORE changed nothing; NO on a writable mailbox is RFC 2180 §4.2.3.
        let stored = tagged == Some(StatusKind::Ok)
            || tagged == Some(StatusKind::No) && self.sel.as_ref().is_some_and(|s| !s.ro);
        let mut arrivals = o.arrivals.clone().into_iter();
        let (mut grew, mut recent_sent, mut expunged) = (false, false, false);
        for r in out {
            match r {
                Response::Data(d) => {
                    let data_needs_sel = matches!(
                        d,
                        Data::Exists(_) | Data::Recent(_) | Data::Expunge(_) | Data::Fetch { .. }
                    );
                    let sel = match (&mut self.sel, data_needs_sel) {
                        (Some(s), _) => s,
                        (None, false) => continue,
                        (None, true) => return Err(format!("{d:?} with no mailbox selected")),
                    };
                    match d {
                        Data::Exists(n) => {
                            let len = sel.msgs.len() as u32;
                            if *n < len {
                                // §5.2: only EXPUNGE may reduce the count.
                                return Err(format!("EXISTS {n} < {len}: EXISTS may not shrink"));
                            }
                            for _ in len..*n {
                                let truth = arrivals.next().ok_or_else(|| {
                                    format!("EXISTS {n} announces a message that did not arrive")
                                })?;
                                sel.msgs.push(CMsg {
                                    truth,
                                    uid: None,
                                    flags: None,
                                    recent: None,
                                    fresh: true,
                                });
                                grew = true;
                            }
                        }
                        Data::Recent(r) => {
                            recent_sent = true;
                            let fresh = sel.msgs.iter().filter(|m| m.fresh).count() as u32;
                            let before = match sel.recent_count {
                                Some(c) => Some(c),
                                None if fresh as usize == sel.msgs.len() => Some(0),
                                None => None,
                            };
                            let verdict = match before.map(|b| r.checked_sub(b)) {
                                Some(Some(0)) => Some(false),
                                Some(Some(d)) if d == fresh => Some(true),
                                Some(None) => {
                                    return Err(format!(
                                        "RECENT {r} below the count the client holds"
                                    ))
                                }
                                _ => None,
                            };
                            for m in sel.msgs.iter_mut().filter(|m| m.fresh) {
                                m.recent = m.recent.or(verdict);
                            }
                            sel.recent_count = Some(*r);
                            let want = o.post.map_or(0, |s| s.recent.len() as u32);
                            if *r != want {
                                return Err(format!("RECENT {r}, the model says {want}"));
                            }
                        }
                        Data::Expunge(n) => {
                            // §7.4.1: never during FETCH, STORE, SEARCH; §6.4.2: never for CLOSE.
                            if cmd.is_some_and(|c| c.forbids_expunge() || c == Cmd::Close) {
                                return Err(format!("EXPUNGE {n} sent while answering {cmd:?}"));
                            }
                            if *n == 0 || *n as usize > sel.msgs.len() {
                                return Err(format!("EXPUNGE {n} out of 1..={}", sel.msgs.len()));
                            }
                            expunged = true;
                            let m = sel.msgs.remove(*n as usize - 1);
                            if o.store(sel.mb).get(m.truth).is_some() {
                                return Err(format!(
                                    "EXPUNGE {n} names UID {}, which still exists",
                                    m.truth
                                ));
                            }
                            sel.recent_count = match (m.recent, sel.recent_count) {
                                (Some(false), c) => c,
                                (Some(true), Some(c)) => Some(c - 1),
                                _ => None,
                            };
                        }
                        Data::Fetch { seq, items } => {
                            let n = *seq as usize;
                            if n == 0 || n > sel.msgs.len() {
                                return Err(format!("FETCH {seq} out of 1..={}", sel.msgs.len()));
                            }
                            let mb = sel.mb;
                            let m = &mut sel.msgs[n - 1];
                            for v in items {
                                match v {
                                    FetchValue::Uid(u) => {
                                        if *u != m.truth || m.uid.is_some_and(|k| k != *u) {
                                            return Err(format!(
                                                "FETCH {seq} says UID {u}; it is UID {}",
                                                m.truth
                                            ));
                                        }
                                        m.uid = Some(*u);
                                    }
                                    FetchValue::Flags(f) => {
                                        let (set, recent) = split_flags(f);
                                        // Judged after the batch: only the last FLAGS per
                                        // message must match the store (an earlier one may
                                        // predate the command's own change, e.g. the sync
                                        // before a FETCH that then sets \Seen).
                                        flag_checks.insert(m.truth, (mb, set.clone(), recent));
                                        m.flags = Some(set);
                                        m.recent = Some(recent);
                                    }
                                    _ => {}
                                }
                            }
                        }
                        Data::Search(v) => {
                            if let Some(Cmd::Search { uid, key }) = cmd {
                                let snapshot = sel.clone();
                                o.check_search(&snapshot, key, uid, v)?;
                            }
                        }
                        _ => {}
                    }
                }
                Response::Status(s) if s.tag.is_none() => {
                    let Some(sel) = self.sel.as_mut() else {
                        continue;
                    };
                    match &s.code {
                        Some(Code::UidValidity(v)) => sel.uid_validity = Some(*v),
                        Some(Code::UidNext(n)) => sel.uid_next = Some(*n),
                        // RFC 6851 §4.3: COPYUID comes before the EXPUNGEs of a MOVE.
                        Some(Code::CopyUid { .. }) if expunged => {
                            return Err("MOVE: COPYUID after EXPUNGE".into())
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        // A client applies its own .SILENT change when the tagged OK arrives, i.e. after the
        // untagged responses of the batch (RFC 3501 §6.4.6).
        if let (Some(c @ Cmd::Store { silent: true, .. }), Some(sel), true) =
            (cmd, self.sel.as_mut(), stored)
        {
            if let Some(before) = &before {
                own_silent_store(sel, before, c, tagged == Some(StatusKind::Ok));
            }
            for m in &sel.msgs {
                // A message whose result the client cannot tell (it forgot the flags) is not
                // judged; otherwise its last FLAGS plus the client's own change must match.
                match m.flags.as_ref() {
                    Some(f) => {
                        if let Some(check) = flag_checks.get_mut(&m.truth) {
                            check.1 = f.clone();
                        }
                    }
                    None => {
                        flag_checks.remove(&m.truth);
                    }
                }
            }
        }
        for (uid, (mb, set, recent)) in &flag_checks {
            o.check_flags(*mb, *uid, set, *recent)?;
        }
        if let (Some(Cmd::Store { silent: true, .. }), Some(sel), Some(post)) =
            (cmd, self.sel.as_mut(), o.post)
        {
            if o.tolerate.contains(&Bug::SilentStoreHidesExternal) {
                for m in &mut sel.msgs {
                    if m.flags.is_some() && m.flags.as_ref() != post.told(m.truth) {
                        o.tolerated.insert(Bug::SilentStoreHidesExternal);
                        m.flags = None;
                    }
                }
            }
        }
        if grew && !recent_sent {
            // §7.3.2: RECENT goes with every change of the mailbox size.
            return Err("EXISTS grew without a RECENT".into());
        }
        if let Some(sel) = self.sel.as_mut() {
            for m in &mut sel.msgs {
                m.fresh = false;
            }
        }
        if arrivals.next().is_some() && o.post.is_some() {
            return Err("messages arrived that were not announced with EXISTS".into());
        }
        self.after(sent, tagged);
        Ok(tagged)
    }

    /// Tagged response rules (RFC 3501 §2.2.2, RFC 2177 §3), and LOGOUT's BYE (§6.1.3).
    fn framing(&mut self, sent: &Sent, out: &[Response]) -> Result<Option<StatusKind>, String> {
        let tags: Vec<(usize, &str, StatusKind)> = out
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                Response::Status(s) => s.tag.as_ref().map(|t| (i, t.as_str(), s.kind)),
                _ => None,
            })
            .collect();
        let conts = out
            .iter()
            .filter(|r| matches!(r, Response::Continue(_)))
            .count();
        let ends_with = |tag: &str| -> Result<Option<StatusKind>, String> {
            match tags.as_slice() {
                [(i, t, k)] if *i + 1 == out.len() && *t == tag => Ok(Some(*k)),
                _ => Err(format!(
                    "expected one tagged `{tag}` response, last: {tags:?}"
                )),
            }
        };
        let bye = out.iter().position(
            |r| matches!(r, Response::Status(s) if s.tag.is_none() && s.kind == StatusKind::Bye),
        );
        match sent {
            Sent::Cmd(Cmd::Idle, tag) => {
                if !tags.is_empty() {
                    return ends_with(tag); // refused IDLE
                }
                if !matches!(out.first(), Some(Response::Continue(Continue::Text { .. })))
                    || conts != 1
                {
                    return Err("IDLE must answer `+` first, and only once (RFC 2177 §3)".into());
                }
                self.idle_tag = Some(tag.clone());
                Ok(None)
            }
            Sent::Cmd(c, tag) => {
                if conts > 0 {
                    return Err("continuation outside IDLE".into());
                }
                let k = ends_with(tag)?;
                match (c, bye) {
                    (Cmd::Logout, None) => Err("LOGOUT without BYE".into()),
                    (Cmd::Logout, Some(_)) => Ok(k),
                    (_, Some(_)) => Err("BYE outside LOGOUT".into()),
                    (_, None) => Ok(k),
                }
            }
            Sent::Done => {
                let tag = self.idle_tag.take().ok_or("DONE while not idling")?;
                if conts > 0 || bye.is_some() {
                    return Err("continuation or BYE after DONE".into());
                }
                ends_with(&tag)
            }
            Sent::Push => {
                if !tags.is_empty() || conts > 0 {
                    return Err("a push carries only untagged data".into());
                }
                if self.idle_tag.is_none() && !out.is_empty() {
                    return Err("untagged data with no command in progress (§7.4.1)".into());
                }
                Ok(None)
            }
        }
    }

    fn after(&mut self, sent: &Sent, tagged: Option<StatusKind>) {
        let ok = tagged == Some(StatusKind::Ok);
        match sent {
            Sent::Cmd(Cmd::Select(_) | Cmd::Examine(_), _) if !ok => self.sel = None,
            Sent::Cmd(Cmd::Close | Cmd::Unselect, _) if ok => self.sel = None,
            Sent::Cmd(Cmd::Logout, _) => {
                self.sel = None;
                self.logout = true;
            }
            _ => {}
        }
    }

    /// The belief must equal the model's view of this session (design invariant 2).
    pub fn compare(&self, m: &Option<MSel>, model: &Model) -> Result<(), String> {
        match (&self.sel, m) {
            (None, None) => Ok(()),
            (Some(c), Some(s)) => {
                let lane: Vec<u32> = c.msgs.iter().map(|m| m.truth).collect();
                if lane != s.uids() {
                    return Err(format!("client sees UIDs {lane:?}, model {:?}", s.uids()));
                }
                for (i, (cm, (uid, told))) in c.msgs.iter().zip(&s.known).enumerate() {
                    let seq = i + 1;
                    if cm.uid.is_some_and(|u| u != *uid) {
                        return Err(format!("seq {seq}: client UID {:?} != {uid}", cm.uid));
                    }
                    if cm.flags.as_ref().is_some_and(|f| f != told) {
                        return Err(format!(
                            "seq {seq}: client flags {:?} != told {told:?}",
                            cm.flags
                        ));
                    }
                    if let Some(r) = cm.recent {
                        if r != s.recent.contains(uid) {
                            return Err(format!("seq {seq}: client \\Recent {r}"));
                        }
                    }
                }
                if let Some(n) = c.recent_count {
                    if n != s.recent.len() as u32 {
                        return Err(format!("client RECENT {n} != model {}", s.recent.len()));
                    }
                }
                let b = &model.boxes[&s.mb];
                if c.uid_validity.is_some_and(|v| v != b.validity) {
                    return Err("UIDVALIDITY changed".into());
                }
                if c.uid_next.is_some_and(|n| n > b.uid_next) {
                    return Err("client UIDNEXT ahead of the store".into());
                }
                Ok(())
            }
            (c, s) => Err(format!(
                "client selected {:?}, model {:?}",
                c.as_ref().map(|c| c.mb),
                s.as_ref().map(|s| s.mb)
            )),
        }
    }
}
