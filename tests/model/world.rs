//! The harness: N core sessions over one MemoryStore, the reference model, and one belief
//! reconstructor per session. `step` applies an op to all three; `check` compares them and
//! checks the invariants after every step.

use std::collections::{BTreeMap, BTreeSet};

use imapd::core::store::FlagChange;
use imapd::core::{FlagSet, Session, SessionConfig, State};
use imapd::syntax::types::{Code, Response, SeqNo, SequenceSet, StatusKind};

use super::backend::Backend;
use super::client::{Client, Oracle, Sent};
use super::ops::{Cmd, Mb, Op};
use super::reference::{Bug, Flags, MSel, Model};
use super::render;

pub struct World {
    pub store: Backend,
    pub sessions: Vec<Session>,
    pub model: Model,
    pub clients: Vec<Client>,
    tags: Vec<u32>,
    /// The whole run, interleaved; and each session's own transcript.
    pub log: Vec<String>,
    pub transcripts: Vec<Vec<String>>,
    pub tolerate: BTreeSet<Bug>,
    pub tolerated: BTreeSet<Bug>,
    max_uid_next: BTreeMap<Mb, u32>,
    uids_ever: BTreeMap<Mb, BTreeSet<u32>>,
    /// False while replaying an already checked prefix (the exhaustive search).
    pub checking: bool,
}

fn to_flags(f: &FlagSet) -> Flags {
    f.to_flags(false).iter().map(ToString::to_string).collect()
}

/// Expands a UID set from a response code.
fn expand(s: &SequenceSet) -> Vec<u32> {
    let mut out = vec![];
    if let SequenceSet::Ranges(r) = s {
        for r in r {
            let v = |n: SeqNo| match n {
                SeqNo::Value(v) => v.get(),
                SeqNo::Largest => u32::MAX,
            };
            let (a, b) = (v(r.start), v(r.end));
            out.extend(a.min(b)..=a.max(b));
        }
    }
    out
}

fn tagged(out: &[Response]) -> Option<(StatusKind, Option<Code>)> {
    out.iter().rev().find_map(|r| match r {
        Response::Status(s) if s.tag.is_some() => Some((s.kind, s.code.clone())),
        _ => None,
    })
}

impl World {
    pub fn new(n: usize, tolerate: &[Bug]) -> World {
        World::with(Backend::memory(), n, tolerate)
    }

    /// A world over a real Maildir, one store handle per session.
    pub fn maildir(n: usize, tolerate: &[Bug]) -> World {
        World::with(Backend::maildir(n), n, tolerate)
    }

    fn with(mut store: Backend, n: usize, tolerate: &[Bug]) -> World {
        store.other().create(Mb::A.name()).expect("create INBOX.A");
        let validities: Vec<(Mb, u32)> = Mb::REAL
            .iter()
            .map(|&mb| {
                (
                    mb,
                    store
                        .other()
                        .snapshot(mb.name(), false)
                        .expect("exists")
                        .uid_validity,
                )
            })
            .collect();
        World {
            store,
            sessions: (0..n)
                .map(|_| Session::preauth(SessionConfig::default()))
                .collect(),
            model: Model::new(n, &validities),
            clients: vec![Client::default(); n],
            tags: vec![0; n],
            log: vec![],
            transcripts: vec![vec![]; n],
            tolerate: tolerate.iter().copied().collect(),
            tolerated: BTreeSet::new(),
            max_uid_next: BTreeMap::new(),
            uids_ever: BTreeMap::new(),
            checking: true,
        }
    }

    fn say(&mut self, sid: usize, line: String) {
        self.log.push(format!("[{sid}] {line}"));
        self.transcripts[sid].push(line);
    }

    fn note(&mut self, line: String) {
        self.log.push(format!("--- {line}"));
        for t in &mut self.transcripts {
            t.push(format!("--- {line}"));
        }
    }

    /// True if the op means something in the current state (a client cannot send a command
    /// while idling, a logged-out session is gone, external events need a real mailbox).
    pub fn applicable(&self, op: &Op) -> bool {
        let s = |sid: usize| self.model.sessions.get(sid);
        match *op {
            Op::Cmd(sid, _) => s(sid).is_some_and(|s| !s.logout && !s.idle),
            Op::Done(sid) => s(sid).is_some_and(|s| s.idle),
            Op::Push(sid) => s(sid).is_some_and(|s| !s.logout),
            Op::Deliver(mb) | Op::ExtExpunge(mb) => mb != Mb::Gone,
            Op::ExtStore { mb, .. } => mb != Mb::Gone && !self.model.boxes[&mb].msgs.is_empty(),
        }
    }

    /// Applies one op and checks everything. Ops that do not apply are skipped.
    pub fn step(&mut self, op: &Op) -> Result<(), String> {
        if !self.applicable(op) {
            return Ok(());
        }
        match *op {
            Op::Cmd(sid, cmd) => {
                self.tags[sid] += 1;
                let tag = format!("{}{}", (b'a' + sid as u8) as char, self.tags[sid]);
                let command = cmd.command(&tag);
                self.say(sid, format!("C: {}", render::command(&command, Some(cmd))));
                let out = self.sessions[sid].handle_command(command, self.store.session(sid));
                let got = tagged(&out);
                let pre_next: BTreeMap<Mb, u32> = self
                    .model
                    .boxes
                    .iter()
                    .map(|(m, b)| (*m, b.uid_next))
                    .collect();
                self.batch(sid, Sent::Cmd(cmd, tag), &out, |m, tol, seen| {
                    m.command(sid, cmd, got.as_ref().map(|g| g.0), tol, seen)
                })?;
                self.uidplus(cmd, got, &pre_next)?;
                if cmd == Cmd::Noop {
                    // After NOOP the view is the store (RFC 3501 §6.1.2: NOOP polls).
                    if let Some(sel) = &self.model.sessions[sid].sel {
                        let store: Vec<u32> = self.model.boxes[&sel.mb]
                            .msgs
                            .iter()
                            .map(|m| m.uid)
                            .collect();
                        if sel.uids() != store {
                            return Err(format!("after NOOP: {:?} != {store:?}", sel.uids()));
                        }
                    }
                }
            }
            Op::Done(sid) => {
                self.say(sid, "C: DONE".into());
                let out = self.sessions[sid].handle_idle_line("DONE", self.store.session(sid));
                self.batch(sid, Sent::Done, &out, |m, _, _| {
                    m.done(sid);
                    Ok(())
                })?;
            }
            Op::Push(sid) => {
                let out = self.sessions[sid].handle_store_changed(self.store.session(sid));
                if !out.is_empty() {
                    self.say(sid, "(store changed)".into());
                }
                self.batch(sid, Sent::Push, &out, |m, _, _| {
                    m.push(sid);
                    Ok(())
                })?;
            }
            Op::Deliver(mb) => {
                let uid = self
                    .store
                    .deliver(mb.name(), b"Subject: delivered\r\n\r\nhello\r\n")?;
                let want = self.model.deliver(mb, Flags::new(), false);
                self.note(format!("delivered to {} (UID {uid})", mb.name()));
                if uid != want {
                    return Err(format!("delivery got UID {uid}, model {want}"));
                }
            }
            Op::ExtStore { mb, nth, flag, add } => {
                let msgs = &self.model.boxes[&mb].msgs;
                let uid = msgs[nth as usize % msgs.len()].uid;
                let set = FlagSet::from_flags(&[flag.wire()]);
                let change = if add {
                    FlagChange::Add(set)
                } else {
                    FlagChange::Remove(set)
                };
                self.store
                    .other()
                    .change_flags(mb.name(), &[uid], &change)
                    .map_err(|e| e.to_string())?;
                self.model.ext_store(mb, uid, flag, add);
                let sign = if add { '+' } else { '-' };
                self.note(format!("other process: UID {uid} {sign}{}", flag.text()));
            }
            Op::ExtExpunge(mb) => {
                let gone = self
                    .store
                    .other()
                    .expunge_deleted(mb.name(), None)
                    .map_err(|e| e.to_string())?;
                self.model.ext_expunge(mb, None);
                self.note(format!(
                    "other process: expunged {gone:?} from {}",
                    mb.name()
                ));
            }
        }
        if self.checking {
            self.check()?;
        }
        Ok(())
    }

    /// A hash of everything that can influence the future: the model (store and sessions),
    /// the clients' beliefs and the core's views (tags and logs are left out).
    pub fn canonical(&mut self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.model.hash(&mut h);
        self.clients.hash(&mut h);
        for mb in Mb::REAL {
            let snap = self
                .store
                .other()
                .snapshot(mb.name(), false)
                .expect("exists");
            for m in snap.messages.iter() {
                (m.uid, to_flags(&m.flags)).hash(&mut h);
            }
            (snap.uid_next, snap.unclaimed_recent).hash(&mut h);
        }
        for s in &self.sessions {
            (s.is_idle(), s.is_logout()).hash(&mut h);
            let sel = match s.state() {
                State::Selected(sel) => Some(sel),
                State::Idle { selected, .. } => selected.as_ref(),
                _ => None,
            };
            if let Some(sel) = sel {
                (&sel.mailbox, sel.read_only, sel.view.uids()).hash(&mut h);
                for &u in sel.view.uids() {
                    let f = sel.view.flags(u).map(to_flags);
                    (f, sel.view.is_recent(u), sel.view.is_ghost(u)).hash(&mut h);
                }
            }
        }
        h.finish()
    }

    /// Feeds a made-up batch to session `sid`'s client, the model unchanged: the checker's
    /// own tests use it to show that a bad response is caught.
    pub fn feed(&mut self, sid: usize, sent: Sent, out: &[Response]) -> Result<(), String> {
        self.batch(sid, sent, out, |_, _, _| Ok(()))
    }

    /// Runs the model for one batch of responses and lets the client read them.
    fn batch(
        &mut self,
        sid: usize,
        sent: Sent,
        out: &[Response],
        apply: impl FnOnce(&mut Model, &BTreeSet<Bug>, &mut BTreeSet<Bug>) -> Result<(), String>,
    ) -> Result<(), String> {
        for r in out {
            self.say(sid, format!("S: {}", render::response(r)));
        }
        let pre: Option<MSel> = self.model.sessions[sid].sel.clone();
        apply(&mut self.model, &self.tolerate, &mut self.tolerated)?;
        let post = self.model.sessions[sid].sel.clone();
        let reselect = matches!(sent, Sent::Cmd(Cmd::Select(_) | Cmd::Examine(_), _));
        let arrivals = match (&pre, &post) {
            (_, None) => vec![],
            (Some(a), Some(b)) if !reselect => {
                let old = a.uids();
                b.uids().into_iter().filter(|u| !old.contains(u)).collect()
            }
            (_, Some(b)) => b.uids(),
        };
        let mut oracle = Oracle {
            arrivals,
            pre: pre.as_ref(),
            post: post.as_ref(),
            model: &self.model,
            tolerate: &self.tolerate,
            tolerated: &mut self.tolerated,
        };
        self.clients[sid].absorb(&sent, out, &mut oracle)?;
        Ok(())
    }

    /// RFC 4315 §3: APPENDUID and COPYUID name the UIDs the messages really got.
    fn uidplus(
        &self,
        cmd: Cmd,
        got: Option<(StatusKind, Option<Code>)>,
        pre_next: &BTreeMap<Mb, u32>,
    ) -> Result<(), String> {
        let (to, code) = match (cmd, got) {
            (Cmd::Append(mb, _), Some((StatusKind::Ok, code))) => (mb, code),
            (Cmd::Copy { to, .. }, Some((StatusKind::Ok, code))) => (to, code),
            _ => return Ok(()),
        };
        let b = &self.model.boxes[&to];
        let new: Vec<u32> = (pre_next[&to]..b.uid_next).collect();
        match code {
            Some(Code::AppendUid { uidvalidity, uids })
            | Some(Code::CopyUid {
                uidvalidity,
                dest: uids,
                ..
            }) if uidvalidity == b.validity && expand(&uids) == new => Ok(()),
            None if new.is_empty() => Ok(()),
            other => Err(format!("UIDPLUS code {other:?}, model allocated {new:?}")),
        }
    }

    /// Compares store, sessions and beliefs with the model; checks the invariants.
    pub fn check(&mut self) -> Result<(), String> {
        for mb in Mb::REAL {
            let snap = self
                .store
                .other()
                .snapshot(mb.name(), false)
                .map_err(|e| e.to_string())?;
            let b = &self.model.boxes[&mb];
            let core: Vec<(u32, Flags)> = snap
                .messages
                .iter()
                .map(|m| (m.uid, to_flags(&m.flags)))
                .collect();
            let model: Vec<(u32, Flags)> =
                b.msgs.iter().map(|m| (m.uid, m.flags.clone())).collect();
            if core != model {
                return Err(format!("{}: store {core:?}, model {model:?}", mb.name()));
            }
            let unclaimed = b.msgs.iter().filter(|m| !m.claimed).count() as u32;
            if (snap.uid_validity, snap.uid_next, snap.unclaimed_recent)
                != (b.validity, b.uid_next, unclaimed)
            {
                return Err(format!("{}: validity/uidnext/unclaimed differ", mb.name()));
            }
            // Invariant 1: UIDNEXT never decreases; new UIDs are above all earlier ones.
            let prev = self.max_uid_next.entry(mb).or_insert(0);
            if snap.uid_next < *prev {
                return Err(format!(
                    "UIDNEXT went down from {prev} to {}",
                    snap.uid_next
                ));
            }
            *prev = snap.uid_next;
            let ever = self.uids_ever.entry(mb).or_default();
            let max = ever.last().copied().unwrap_or(0);
            for m in snap.messages.iter() {
                if !ever.contains(&m.uid) && (m.uid <= max || m.uid >= snap.uid_next) {
                    return Err(format!("UID {} reused or out of order", m.uid));
                }
            }
            ever.extend(snap.messages.iter().map(|m| m.uid));
        }
        let mut recent_owners: BTreeMap<(String, u32), usize> = BTreeMap::new();
        for (sid, s) in self.sessions.iter().enumerate() {
            let m = &self.model.sessions[sid];
            if s.is_logout() != m.logout || s.is_idle() != m.idle {
                return Err(format!("session {sid}: state {:?}, model {m:?}", s.state()));
            }
            let sel = match s.state() {
                State::Selected(sel) => Some(sel),
                State::Idle { selected, .. } => selected.as_ref(),
                _ => None,
            };
            match (sel, &m.sel) {
                (None, None) => {}
                (Some(c), Some(ms)) => {
                    let v = &c.view;
                    if c.mailbox != ms.mb.name() || c.read_only != ms.ro || v.uids() != ms.uids() {
                        return Err(format!(
                            "session {sid}: view {} {:?}, model {:?}",
                            c.mailbox,
                            v.uids(),
                            ms.uids()
                        ));
                    }
                    // Invariant 2: sequence numbers 1..=n map to ascending UIDs.
                    if v.uids().windows(2).any(|w| w[0] >= w[1]) {
                        return Err(format!("session {sid}: UIDs not ascending"));
                    }
                    for (uid, told) in &ms.known {
                        if v.flags(*uid).map(to_flags).as_ref() != Some(told) {
                            return Err(format!("session {sid}: view flags of {uid} differ"));
                        }
                        if v.is_recent(*uid) != ms.recent.contains(uid) {
                            return Err(format!("session {sid}: \\Recent of {uid} differs"));
                        }
                        if v.is_recent(*uid) {
                            // Invariant 4: \Recent for at most one session per message.
                            let n = recent_owners.entry((c.mailbox.clone(), *uid)).or_default();
                            *n += 1;
                            if *n > 1 {
                                return Err(format!("UID {uid} is \\Recent in two sessions"));
                            }
                        }
                    }
                }
                (c, _) => {
                    return Err(format!(
                        "session {sid}: core selected {:?}, model {:?}",
                        c.map(|c| &c.mailbox),
                        m.sel.as_ref().map(|s| s.mb)
                    ))
                }
            }
            self.clients[sid]
                .compare(&m.sel, &self.model)
                .map_err(|e| format!("session {sid} belief: {e}"))?;
        }
        Ok(())
    }
}

/// Runs ops from a fresh world; on failure, the error with the log so far.
pub fn run(n: usize, ops: &[Op], tolerate: &[Bug]) -> Result<World, String> {
    run_in(World::new(n, tolerate), ops)
}

/// Runs ops in the given world; on failure, the error with the log so far.
pub fn run_in(mut w: World, ops: &[Op]) -> Result<World, String> {
    for (i, op) in ops.iter().enumerate() {
        if let Err(e) = w.step(op) {
            return Err(format!("step {i} {op:?}: {e}\n{}", w.log.join("\n")));
        }
    }
    Ok(w)
}
