//! The deliberately naive reference model: per mailbox a list of messages (UID, flags,
//! whether some session has claimed `\Recent`), per session the UIDs the client has been told
//! of (sequence number = index + 1), the flags it was told, and its `\Recent` set.
//!
//! It shares no data structure with `src/core`: it is written from the RFC text. Where the
//! RFC lets a server choose (RFC 2180 on expunged messages), the model takes the tagged
//! result the core chose and checks the store effect that goes with that choice.

use std::collections::{BTreeMap, BTreeSet};

use imapd::syntax::types::StatusKind;

use super::ops::{Cmd, Fl, Key, Mb, Mode, Set, Sid, What};

pub type Flags = BTreeSet<String>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MMsg {
    pub uid: u32,
    pub flags: Flags,
    /// Some session was already notified of it (RFC 3501 §2.3.2 `\Recent`).
    pub claimed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MBox {
    pub validity: u32,
    pub uid_next: u32,
    pub msgs: Vec<MMsg>,
}

impl MBox {
    pub fn get(&self, uid: u32) -> Option<&MMsg> {
        self.msgs.iter().find(|m| m.uid == uid)
    }
    /// `claimed` for APPEND and COPY: only deliveries are new (design decision, as Courier
    /// files them in cur/; RFC 3501 §2.3.2 leaves it to the server).
    fn add(&mut self, flags: Flags, claimed: bool) -> u32 {
        let uid = self.uid_next;
        self.uid_next += 1;
        self.msgs.push(MMsg {
            uid,
            flags,
            claimed,
        });
        uid
    }
    fn remove_deleted(&mut self, within: Option<&[u32]>) {
        self.msgs.retain(|m| {
            !(m.flags.contains("\\Deleted") && within.is_none_or(|w| w.contains(&m.uid)))
        });
    }
}

/// What one session has been told about its selected mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MSel {
    pub mb: Mb,
    pub ro: bool,
    /// UIDs in sequence order with the flags last told (ghosts included until announced).
    pub known: Vec<(u32, Flags)>,
    /// UIDs that are `\Recent` in this session.
    pub recent: BTreeSet<u32>,
}

impl MSel {
    pub fn uids(&self) -> Vec<u32> {
        self.known.iter().map(|k| k.0).collect()
    }
    pub fn told(&self, uid: u32) -> Option<&Flags> {
        self.known.iter().find(|k| k.0 == uid).map(|k| &k.1)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MSession {
    pub sel: Option<MSel>,
    pub idle: bool,
    pub logout: bool,
}

/// Known core bugs the model may be told to put up with, so that a property run still
/// finds new ones; each has an ignored regression test in tests/regression.rs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
    /// FETCH FLAGS and SEARCH answer from the view as of the last sync, not the store now.
    StaleViewFlags,
    /// COPY/MOVE with some expunged messages copies the rest and answers NO.
    PartialCopyNo,
    /// STORE .SILENT does not report flag changes made elsewhere (RFC 3501 §6.4.6 note).
    SilentStoreHidesExternal,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Model {
    pub boxes: BTreeMap<Mb, MBox>,
    pub sessions: Vec<MSession>,
    /// Flags a message had when it was expunged (for FETCH of ghosts, RFC 2180 §4.1.1).
    pub last_flags: BTreeMap<(Mb, u32), Flags>,
}

/// The tagged results a command may end with, given the model state.
type Allowed = Vec<StatusKind>;

fn fl(f: Fl) -> Flags {
    [f.text()].into_iter().collect()
}

impl Model {
    pub fn new(n: usize, validities: &[(Mb, u32)]) -> Self {
        Model {
            boxes: validities
                .iter()
                .map(|&(mb, validity)| {
                    (
                        mb,
                        MBox {
                            validity,
                            uid_next: 1,
                            msgs: vec![],
                        },
                    )
                })
                .collect(),
            sessions: vec![MSession::default(); n],
            last_flags: BTreeMap::new(),
        }
    }

    /// An MTA delivery (`appended: false`) or an APPEND.
    pub fn deliver(&mut self, mb: Mb, flags: Flags, appended: bool) -> u32 {
        self.boxes
            .get_mut(&mb)
            .expect("real mailbox")
            .add(flags, appended)
    }

    pub fn ext_store(&mut self, mb: Mb, uid: u32, flag: Fl, add: bool) {
        let b = self.boxes.get_mut(&mb).expect("real mailbox");
        if let Some(m) = b.msgs.iter_mut().find(|m| m.uid == uid) {
            // Flags live in the cur/ file name (maildir.txt): storing flags on a message still
            // in new/ moves it to cur/, after which no session gets \Recent for it.
            m.claimed = true;
            if add {
                m.flags.insert(flag.text());
            } else {
                m.flags.remove(&flag.text());
            }
        }
    }

    pub fn ext_expunge(&mut self, mb: Mb, within: Option<&[u32]>) {
        self.remember(mb);
        self.boxes
            .get_mut(&mb)
            .expect("real mailbox")
            .remove_deleted(within);
    }

    fn remember(&mut self, mb: Mb) {
        for m in &self.boxes[&mb].msgs {
            self.last_flags.insert((mb, m.uid), m.flags.clone());
        }
    }

    /// The session is notified of the mailbox as it is now (after every command in the
    /// Selected state, at IDLE start, on pushes while idling and at DONE).
    pub fn notify(&mut self, sid: Sid, allow_expunge: bool) {
        let Some(sel) = self.sessions[sid].sel.as_mut() else {
            return;
        };
        let b = self
            .boxes
            .get_mut(&sel.mb)
            .expect("selected mailbox exists");
        if allow_expunge {
            // §7.4.1: EXPUNGE is announced; the message leaves this session's \Recent set.
            sel.known.retain(|k| b.get(k.0).is_some());
            let live: BTreeSet<u32> = sel.known.iter().map(|k| k.0).collect();
            sel.recent.retain(|u| live.contains(u));
        }
        // §7.2 (RFC 3501 §5.2 of the overview): flag updates for what the client knows.
        for k in sel.known.iter_mut() {
            if let Some(m) = b.get(k.0) {
                k.1 = m.flags.clone();
            }
        }
        // §7.3.1 EXISTS: arrivals have higher UIDs than anything known (UIDs ascend).
        for m in &b.msgs {
            if !sel.known.iter().any(|k| k.0 == m.uid) {
                sel.known.push((m.uid, m.flags.clone()));
            }
        }
        // §2.3.2: \Recent belongs to the first session notified; EXAMINE never takes it (§6.3.2).
        if !sel.ro {
            for m in b.msgs.iter_mut().filter(|m| !m.claimed) {
                m.claimed = true;
                sel.recent.insert(m.uid);
            }
        }
    }

    /// Resolves a set against what the session knows: `Err` = BAD (a sequence number beyond
    /// EXISTS, RFC 3501 §9 seq-number); UIDs that are not known are ignored (§6.4.8).
    pub fn resolve(&self, sid: Sid, set: Set, uid: bool) -> Result<Vec<u32>, ()> {
        let sel = self.sessions[sid].sel.as_ref().expect("selected");
        let uids = sel.uids();
        let n = uids.len() as u32;
        if uid {
            let largest = uids.last().copied().unwrap_or(0);
            let (lo, hi) = match set {
                Set::One(u) => (u, u),
                Set::From(u) => (u.min(largest), u.max(largest)),
                Set::Last => (largest, largest),
            };
            Ok(uids.into_iter().filter(|u| (lo..=hi).contains(u)).collect())
        } else {
            let (a, b) = match set {
                Set::One(s) => (s, s),
                Set::From(s) => (s, n),
                Set::Last => (n, n),
            };
            if a > n || b > n || n == 0 {
                return Err(());
            }
            Ok(uids[(a.min(b) - 1) as usize..a.max(b) as usize].to_vec())
        }
    }

    fn live(&self, mb: Mb, uids: &[u32]) -> (Vec<u32>, bool) {
        let b = &self.boxes[&mb];
        let live: Vec<u32> = uids
            .iter()
            .copied()
            .filter(|u| b.get(*u).is_some())
            .collect();
        let ghosts = live.len() < uids.len();
        (live, ghosts)
    }

    fn copy_to(&mut self, from: Mb, uids: &[u32], to: Mb) -> Vec<(u32, u32)> {
        let msgs: Vec<MMsg> = uids
            .iter()
            .filter_map(|u| self.boxes[&from].get(*u).cloned())
            .collect();
        let dest = self.boxes.get_mut(&to).expect("real mailbox");
        msgs.into_iter()
            .map(|m| (m.uid, dest.add(m.flags, true)))
            .collect()
    }

    /// Applies a command the core answered with `got` (None: no tagged response yet, IDLE).
    /// Returns an error if `got` is not a result the RFC allows here.
    pub fn command(
        &mut self,
        sid: Sid,
        cmd: Cmd,
        got: Option<StatusKind>,
        tolerate: &BTreeSet<Bug>,
        tolerated: &mut BTreeSet<Bug>,
    ) -> Result<(), String> {
        use StatusKind::{Bad, No, Ok};
        let selected = self.sessions[sid].sel.clone();
        let needs_selected = !matches!(
            cmd,
            Cmd::Select(_)
                | Cmd::Examine(_)
                | Cmd::Noop
                | Cmd::Idle
                | Cmd::Logout
                | Cmd::Append(..)
        );
        let check = |allowed: Allowed| -> Result<(), String> {
            match got {
                Some(k) if allowed.contains(&k) => Result::Ok(()),
                _ => Err(format!(
                    "{cmd:?}: tagged {got:?}, the model allows {allowed:?}"
                )),
            }
        };
        // §6.4: Selected-state commands in another state are BAD and change nothing.
        let Some(sel) = selected.filter(|_| needs_selected) else {
            if needs_selected {
                return check(vec![Bad]);
            }
            return self.unselected_command(sid, cmd, got, check);
        };
        let mb = sel.mb;
        let mut allow_expunge = !cmd.forbids_expunge();
        let allowed: Allowed = match cmd {
            Cmd::Select(_) | Cmd::Examine(_) | Cmd::Noop | Cmd::Idle | Cmd::Logout => {
                unreachable!("handled above")
            }
            Cmd::Append(..) => unreachable!("handled above"),
            Cmd::Close | Cmd::Unselect => {
                // §6.4.2: CLOSE expunges silently unless read-only; RFC 3691: UNSELECT never.
                if matches!(cmd, Cmd::Close) && !sel.ro {
                    self.ext_expunge(mb, None);
                }
                self.sessions[sid].sel = None;
                allow_expunge = false;
                vec![Ok]
            }
            Cmd::Store {
                uid,
                set,
                mode,
                silent: _,
                flag,
            } => match (sel.ro, self.resolve(sid, set, uid)) {
                (true, _) => vec![No, Bad],
                (false, Err(())) => vec![Bad],
                (false, Result::Ok(uids)) => {
                    let (live, ghosts) = self.live(mb, &uids);
                    let b = self.boxes.get_mut(&mb).expect("real");
                    for m in b.msgs.iter_mut().filter(|m| live.contains(&m.uid)) {
                        match mode {
                            Mode::Add => {
                                m.flags.insert(flag.text());
                            }
                            Mode::Remove => {
                                m.flags.remove(&flag.text());
                            }
                            Mode::Replace => m.flags = fl(flag),
                        }
                    }
                    // RFC 2180 §4.2.1/§4.2.3: flags set on the rest, OK or NO.
                    if ghosts {
                        vec![Ok, No]
                    } else {
                        vec![Ok]
                    }
                }
            },
            Cmd::Fetch { uid, set, what } => match self.resolve(sid, set, uid) {
                Err(()) => vec![Bad],
                Result::Ok(uids) => {
                    let (live, ghosts) = self.live(mb, &uids);
                    if what == What::BodySeen && !sel.ro {
                        // §6.4.5: BODY[] sets \Seen (not in EXAMINE, §6.3.2).
                        let b = self.boxes.get_mut(&mb).expect("real");
                        for m in b.msgs.iter_mut().filter(|m| live.contains(&m.uid)) {
                            let told_seen = sel.told(m.uid).is_some_and(|f| f.contains("\\Seen"));
                            if tolerate.contains(&Bug::StaleViewFlags)
                                && told_seen
                                && !m.flags.contains("\\Seen")
                            {
                                tolerated.insert(Bug::StaleViewFlags);
                                continue;
                            }
                            m.flags.insert("\\Seen".into());
                        }
                    }
                    // RFC 2180 §4.1: expunged messages may give NO or stale data.
                    if ghosts {
                        vec![Ok, No]
                    } else {
                        vec![Ok]
                    }
                }
            },
            Cmd::Search { .. } => vec![Ok],
            Cmd::Copy { uid, set, to } | Cmd::Move { uid, set, to } => {
                let moving = matches!(cmd, Cmd::Move { .. });
                let resolved = self.resolve(sid, set, uid);
                let mut allowed = Vec::new();
                if moving && sel.ro {
                    allowed.push(No);
                }
                if resolved.is_err() {
                    allowed.push(Bad);
                }
                if to == Mb::Gone {
                    allowed.push(No); // §6.4.7 TRYCREATE
                }
                if allowed.is_empty() {
                    let (live, ghosts) = self.live(mb, &resolved.expect("checked"));
                    // RFC 2180 §4.4: with expunged messages, either refuse (NO, nothing
                    // copied: §6.4.7 restores the destination) or copy the rest (OK).
                    let copy = match got {
                        Some(No) if ghosts => {
                            let partial = tolerate.contains(&Bug::PartialCopyNo);
                            if partial {
                                tolerated.insert(Bug::PartialCopyNo);
                            }
                            partial
                        }
                        _ => true,
                    };
                    if copy {
                        self.copy_to(mb, &live, to);
                        if moving {
                            // A moved message's last flags are what a ghost may still show.
                            self.remember(mb);
                            self.boxes
                                .get_mut(&mb)
                                .expect("real")
                                .msgs
                                .retain(|m| !live.contains(&m.uid));
                        }
                    }
                    allowed = if ghosts { vec![Ok, No] } else { vec![Ok] };
                }
                allowed
            }
            Cmd::Expunge | Cmd::UidExpunge(_) => {
                let within = match cmd {
                    Cmd::UidExpunge(set) => Some(self.resolve(sid, set, true).expect("uid")),
                    _ => None,
                };
                if sel.ro {
                    vec![No]
                } else {
                    self.ext_expunge(mb, within.as_deref());
                    vec![Ok]
                }
            }
        };
        check(allowed)?;
        // Every command in the Selected state ends with the updates (EXPUNGE only if allowed).
        self.notify(sid, allow_expunge);
        Result::Ok(())
    }

    fn unselected_command(
        &mut self,
        sid: Sid,
        cmd: Cmd,
        got: Option<StatusKind>,
        check: impl Fn(Allowed) -> Result<(), String>,
    ) -> Result<(), String> {
        use StatusKind::{No, Ok};
        let s = &mut self.sessions[sid];
        match cmd {
            Cmd::Select(mb) | Cmd::Examine(mb) => {
                // §6.3.1: any selected mailbox is closed first, even if this SELECT fails.
                s.sel = None;
                if mb == Mb::Gone {
                    return check(vec![No]);
                }
                s.sel = Some(MSel {
                    mb,
                    ro: matches!(cmd, Cmd::Examine(_)),
                    known: vec![],
                    recent: BTreeSet::new(),
                });
                self.notify(sid, true);
                check(vec![Ok])
            }
            Cmd::Noop => {
                self.notify(sid, true);
                check(vec![Ok])
            }
            Cmd::Idle => {
                // RFC 2177 §3: no tagged response until DONE.
                s.idle = true;
                self.notify(sid, true);
                if got.is_some() {
                    return Err(format!("IDLE answered with a tagged {got:?} before DONE"));
                }
                Result::Ok(())
            }
            Cmd::Logout => {
                s.logout = true;
                s.sel = None;
                check(vec![Ok])
            }
            Cmd::Append(mb, f) => {
                let allowed = if mb == Mb::Gone {
                    vec![No] // §6.3.11 TRYCREATE
                } else {
                    self.deliver(mb, f.map(fl).unwrap_or_default(), true);
                    vec![Ok]
                };
                self.notify(sid, true);
                check(allowed)
            }
            _ => unreachable!("selected-state commands are handled by the caller"),
        }
    }

    /// `DONE` (RFC 2177 §3): pending updates, then the tagged OK.
    pub fn done(&mut self, sid: Sid) {
        self.sessions[sid].idle = false;
        self.notify(sid, true);
    }

    /// The store-changed push: only an idler hears it (RFC 2177 §3).
    pub fn push(&mut self, sid: Sid) {
        if self.sessions[sid].idle {
            self.notify(sid, true);
        }
    }

    /// Messages a SEARCH key matches, judged on `flags` and this session's `\Recent`.
    pub fn matches(key: Key, flags: &Flags, recent: bool) -> bool {
        match key {
            Key::All => true,
            Key::Deleted => flags.contains("\\Deleted"),
            Key::Seen => flags.contains("\\Seen"),
            Key::Unseen => !flags.contains("\\Seen"),
            Key::Recent => recent,
        }
    }
}
