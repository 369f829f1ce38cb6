//! Multi-process torture test: 8 real `imapd` processes on one Maildir doing random APPEND,
//! STORE, COPY, MOVE and UID EXPUNGE over stdio, an outside writer delivering to `new/` as an
//! MTA does (tmp → rename), and a killer sending SIGKILL to random processes (which are
//! respawned). Afterwards the ledger of what every command was told is checked against the
//! disk (design invariants 1–4):
//!
//! * no message lost: every message a tagged OK (APPENDUID, COPYUID) or a view ever showed is
//!   still there, unless a UID EXPUNGE or UID MOVE naming it got a tagged OK or was in flight
//!   when its process was killed (a killed command may or may not have taken effect);
//!   every delivered or OK-appended marker was seen somewhere;
//! * no UID reused or duplicated: a (folder, UID) always names the same marker, UIDVALIDITY
//!   never changes, the UID database parses (ascending, unique);
//! * UIDs ascend with arrival: an APPEND that completed before another started has the
//!   smaller UID;
//! * expunges are durable: a UID EXPUNGE (after `+FLAGS (\Deleted)`) or UID MOVE with a
//!   tagged OK leaves the message absent;
//! * every live process's last view (NOOP, then `UID FETCH 1:* (FLAGS)`) equals the disk, and
//!   no message is `\Recent` in two sessions.
//!
//! Each message carries a unique `X-Torture:` marker header; its body is derived from the
//! marker, so the content is checked too. `TORTURE_SECS` (default 12) sets the chaos phase,
//! `TORTURE_SEED` the random seed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use imapd::core::store::Store;
use imapd::store::uiddb::UidDb;
use imapd::store::{MaildirOptions, MaildirStore};

mod common;
use common::Rng;

const WORKERS: usize = 8;
const FOLDERS: [&str; 2] = ["INBOX", "INBOX.Other"];

/// The message for a marker: CRLF on the wire; the store keeps LF.
fn message(marker: &str) -> String {
    let len = marker.bytes().map(u64::from).sum::<u64>() % 40;
    let mut body = String::new();
    for i in 0..len {
        body.push_str(&format!(
            "line {i} of {marker} abcdefghijklmnopqrstuvwxyz\r\n"
        ));
    }
    format!("X-Torture: {marker}\r\nSubject: torture {marker}\r\n\r\n{body}end\r\n")
}

fn marker_of(text: &str) -> Option<String> {
    let at = text.find("X-Torture: ")? + 11;
    let rest = &text[at..];
    let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
    Some(rest[..end].to_owned())
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Res {
    Ok,
    No,
    Bad,
    /// The process died (SIGKILL) before the tagged reply.
    Killed,
}

/// One IMAP session on an `imapd` process.
struct Session {
    stdin: ChildStdin,
    out: BufReader<ChildStdout>,
    n: u32,
}

/// A reply: the untagged responses (literals inlined) and the tagged line.
struct Reply {
    res: Res,
    untagged: Vec<String>,
    tagged: String,
}

impl Session {
    fn spawn(maildir: &Path, log: &Path) -> (Child, Session) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_imapd"))
            .arg(maildir)
            .env_remove("MAILDIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start imapd");
        let s = Session {
            stdin: child.stdin.take().unwrap(),
            out: BufReader::new(child.stdout.take().unwrap()),
            n: 0,
        };
        (child, s)
    }

    /// One response, literals inlined; `None` at end of file.
    fn response(&mut self) -> Option<String> {
        let mut text = Vec::new();
        loop {
            let mut line = Vec::new();
            match self.out.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            if !line.ends_with(b"\n") {
                return None;
            }
            text.extend_from_slice(&line);
            let l = String::from_utf8_lossy(&line);
            let l = l.trim_end();
            let literal = l
                .strip_suffix('}')
                .and_then(|s| s.rsplit_once('{'))
                .and_then(|(_, n)| n.parse::<usize>().ok());
            match literal {
                Some(n) => {
                    let mut buf = vec![0; n];
                    if self.out.read_exact(&mut buf).is_err() {
                        return None;
                    }
                    text.extend_from_slice(&buf);
                }
                None => return Some(String::from_utf8_lossy(&text).into_owned()),
            }
        }
    }

    fn greeting(&mut self) -> bool {
        self.response().is_some_and(|g| g.starts_with("* PREAUTH"))
    }

    fn cmd(&mut self, text: &str, literal: Option<&[u8]>) -> Reply {
        self.n += 1;
        let tag = format!("t{}", self.n);
        let mut wire = Vec::new();
        match literal {
            // LITERAL+ (RFC 7888): no continuation round trip.
            Some(data) => {
                wire.extend_from_slice(format!("{tag} {text} {{{}+}}\r\n", data.len()).as_bytes());
                wire.extend_from_slice(data);
                wire.extend_from_slice(b"\r\n");
            }
            None => wire.extend_from_slice(format!("{tag} {text}\r\n").as_bytes()),
        }
        let killed = Reply {
            res: Res::Killed,
            untagged: Vec::new(),
            tagged: String::new(),
        };
        if self
            .stdin
            .write_all(&wire)
            .and_then(|()| self.stdin.flush())
            .is_err()
        {
            return killed;
        }
        let mut untagged = Vec::new();
        let prefix = format!("{tag} ");
        loop {
            let Some(r) = self.response() else {
                return Reply { untagged, ..killed };
            };
            if let Some(rest) = r.strip_prefix(&prefix) {
                let res = if rest.starts_with("OK") {
                    Res::Ok
                } else if rest.starts_with("NO") {
                    Res::No
                } else {
                    Res::Bad
                };
                return Reply {
                    res,
                    untagged,
                    tagged: r,
                };
            }
            untagged.push(r);
        }
    }
}

/// `4:6,9` → [4, 5, 6, 9].
fn parse_set(s: &str) -> Vec<u32> {
    let mut out = Vec::new();
    for part in s.split(',') {
        match part.split_once(':') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
                out.extend(a.min(b)..=a.max(b));
            }
            None => out.extend(part.parse::<u32>().ok()),
        }
    }
    out
}

/// The fields of a `[CODE a b c]` response code in `line`.
fn code<'a>(line: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let at = line.find(&format!("[{name} "))? + name.len() + 2;
    Some(line[at..].split(']').next()?.split(' ').collect())
}

/// (UID, flags, marker) of each `* n FETCH (...)` response.
fn fetched(untagged: &[String]) -> Vec<(u32, BTreeSet<String>, Option<String>)> {
    let mut out = Vec::new();
    for r in untagged
        .iter()
        .filter(|r| r.starts_with("* ") && r.contains(" FETCH ("))
    {
        let Some(uid) = r.find("UID ").and_then(|at| {
            r[at + 4..]
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        }) else {
            continue;
        };
        let flags = r
            .find("FLAGS (")
            .map(|at| {
                r[at + 7..]
                    .split(')')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        out.push((uid, flags, marker_of(r)));
    }
    out
}

#[derive(Debug, Clone)]
struct AppendEv {
    folder: String,
    marker: String,
    start: Instant,
    end: Instant,
    res: Res,
    uid: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
struct CopyEv {
    from: String,
    to: String,
    uids: Vec<u32>,
    markers: Vec<String>,
    res: Res,
    moving: bool,
}

#[derive(Debug, Clone)]
struct ExpungeEv {
    folder: String,
    uids: Vec<u32>,
    res: Res,
    /// The `+FLAGS (\Deleted)` before it got a tagged OK.
    deleted_ok: bool,
}

/// A session's view: (UID, flags) in order.
type View = Vec<(u32, BTreeSet<String>)>;

/// What one worker saw and did.
#[derive(Debug, Default)]
struct Ledger {
    appends: Vec<AppendEv>,
    copies: Vec<CopyEv>,
    expunges: Vec<ExpungeEv>,
    /// (folder, UID) → marker, with where it was seen.
    observed: Vec<(String, u32, String, &'static str)>,
    validity: Vec<(String, u32)>,
    /// Final view: folder and (UID, flags).
    last_view: Option<(String, View)>,
    kills: u32,
    commands: u32,
    problems: Vec<String>,
}

type Slot = Arc<Mutex<Option<Child>>>;

struct Worker {
    id: usize,
    maildir: PathBuf,
    log: PathBuf,
    slot: Slot,
    rng: Rng,
    ledger: Ledger,
    session: Option<(Session, String)>,
    /// UID → marker of the selected folder, as this session knows it.
    known: BTreeMap<u32, String>,
    seq: u32,
    stop: Arc<AtomicBool>,
}

impl Worker {
    fn reap(&mut self) {
        self.session = None;
        self.known.clear();
        if let Some(mut c) = self.slot.lock().unwrap().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts a session and SELECTs a folder; false if it was killed meanwhile.
    fn connect(&mut self) -> bool {
        let (child, mut s) = Session::spawn(&self.maildir, &self.log);
        *self.slot.lock().unwrap() = Some(child);
        if !s.greeting() {
            self.ledger.kills += 1;
            self.reap();
            return false;
        }
        let folder = FOLDERS[self.rng.below(2) as usize].to_owned();
        let r = s.cmd(&format!("SELECT {folder}"), None);
        if r.res != Res::Ok {
            if r.res != Res::Killed {
                self.ledger
                    .problems
                    .push(format!("SELECT {folder}: {}", r.tagged));
            }
            self.ledger.kills += 1;
            self.reap();
            return false;
        }
        for u in &r.untagged {
            if let Some(v) = code(u, "UIDVALIDITY") {
                if let Ok(v) = v[0].parse() {
                    self.ledger.validity.push((folder.clone(), v));
                }
            }
        }
        self.session = Some((s, folder));
        true
    }

    fn cmd(&mut self, text: &str, literal: Option<&[u8]>) -> Reply {
        let (s, folder) = self.session.as_mut().expect("connected");
        let r = s.cmd(text, literal);
        self.ledger.commands += 1;
        let folder = folder.clone();
        self.observe(&folder, &r.untagged);
        if r.res == Res::Bad {
            self.ledger.problems.push(format!("{text}: {}", r.tagged));
        }
        r
    }

    fn observe(&mut self, folder: &str, untagged: &[String]) {
        for (uid, _, marker) in fetched(untagged) {
            if let Some(m) = marker {
                self.ledger
                    .observed
                    .push((folder.to_owned(), uid, m.clone(), "view"));
                self.known.insert(uid, m);
            }
        }
    }

    fn pick(&mut self, max: usize) -> Vec<(u32, String)> {
        let n = 1 + self.rng.below(max as u64) as usize;
        let keys: Vec<u32> = self.known.keys().copied().collect();
        let mut out = BTreeMap::new();
        for _ in 0..n.min(keys.len()) {
            let k = keys[self.rng.below(keys.len() as u64) as usize];
            out.insert(k, self.known[&k].clone());
        }
        out.into_iter().collect()
    }

    fn refresh(&mut self) -> Res {
        self.known.clear();
        self.cmd(
            "UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (X-Torture)])",
            None,
        )
        .res
    }

    fn append(&mut self) -> Res {
        self.seq += 1;
        let marker = format!("w{}-{}", self.id, self.seq);
        let folder = FOLDERS[self.rng.below(2) as usize].to_owned();
        let flags = ["", "\\Seen", "\\Flagged $Work", "\\Answered"][self.rng.below(4) as usize];
        let start = Instant::now();
        let r = self.cmd(
            &format!("APPEND {folder} ({flags})"),
            Some(message(&marker).as_bytes()),
        );
        let uid = code(&r.tagged, "APPENDUID")
            .and_then(|f| Some((f.first()?.parse().ok()?, f.get(1)?.parse().ok()?)));
        if r.res == Res::Ok {
            match uid {
                Some((v, u)) => {
                    self.ledger.validity.push((folder.clone(), v));
                    self.ledger
                        .observed
                        .push((folder.clone(), u, marker.clone(), "APPENDUID"));
                }
                None => self
                    .ledger
                    .problems
                    .push(format!("APPEND without APPENDUID: {}", r.tagged)),
            }
        }
        self.ledger.appends.push(AppendEv {
            folder,
            marker,
            start,
            end: Instant::now(),
            res: r.res,
            uid,
        });
        r.res
    }

    fn store(&mut self) -> Res {
        let picked = self.pick(3);
        if picked.is_empty() {
            return self.refresh();
        }
        let set: Vec<String> = picked.iter().map(|(u, _)| u.to_string()).collect();
        let op = ["+FLAGS", "-FLAGS", "+FLAGS.SILENT"][self.rng.below(3) as usize];
        let flag =
            ["\\Seen", "\\Flagged", "$Work", "$Label2", "\\Answered"][self.rng.below(5) as usize];
        self.cmd(&format!("UID STORE {} {op} ({flag})", set.join(",")), None)
            .res
    }

    fn copy(&mut self, moving: bool) -> Res {
        let picked = self.pick(2);
        if picked.is_empty() {
            return self.refresh();
        }
        let from = self.session.as_ref().unwrap().1.clone();
        let to = FOLDERS.iter().find(|f| **f != from).unwrap().to_string();
        let uids: Vec<u32> = picked.iter().map(|(u, _)| *u).collect();
        let set: Vec<String> = uids.iter().map(u32::to_string).collect();
        let verb = if moving { "UID MOVE" } else { "UID COPY" };
        let r = self.cmd(&format!("{verb} {} {to}", set.join(",")), None);
        let mut lines = r.untagged.clone();
        lines.push(r.tagged.clone());
        for l in &lines {
            if let Some(f) = code(l, "COPYUID") {
                if f.len() == 3 {
                    if let Ok(v) = f[0].parse() {
                        self.ledger.validity.push((to.clone(), v));
                    }
                    for (s, d) in parse_set(f[1]).into_iter().zip(parse_set(f[2])) {
                        match self.known.get(&s) {
                            Some(m) => {
                                self.ledger
                                    .observed
                                    .push((to.clone(), d, m.clone(), "COPYUID"))
                            }
                            None => self
                                .ledger
                                .problems
                                .push(format!("COPYUID names unknown source {s}: {l}")),
                        }
                    }
                }
            }
        }
        if moving && r.res == Res::Ok {
            for u in &uids {
                self.known.remove(u);
            }
        }
        self.ledger.copies.push(CopyEv {
            from,
            to,
            uids,
            markers: picked.into_iter().map(|(_, m)| m).collect(),
            res: r.res,
            moving,
        });
        r.res
    }

    fn expunge(&mut self) -> Res {
        let picked = self.pick(2);
        if picked.is_empty() {
            return self.refresh();
        }
        let folder = self.session.as_ref().unwrap().1.clone();
        let uids: Vec<u32> = picked.iter().map(|(u, _)| *u).collect();
        let set: Vec<String> = uids.iter().map(u32::to_string).collect();
        let set = set.join(",");
        // Record the intent first: a kill during the STORE leaves \Deleted maybe set, which
        // licenses nothing by itself (nobody else expunges messages they did not mark).
        let r = self.cmd(&format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"), None);
        if r.res != Res::Ok {
            return r.res;
        }
        let r = self.cmd(&format!("UID EXPUNGE {set}"), None);
        self.ledger.expunges.push(ExpungeEv {
            folder,
            uids: uids.clone(),
            res: r.res,
            deleted_ok: true,
        });
        if r.res == Res::Ok {
            for u in &uids {
                self.known.remove(u);
            }
        }
        r.res
    }

    fn run(mut self, deadline: Instant, b1: Arc<Barrier>, b2: Arc<Barrier>) -> Ledger {
        while Instant::now() < deadline && !self.stop.load(Ordering::Relaxed) {
            if self.session.is_none() {
                if self.connect() && self.refresh() == Res::Killed {
                    self.ledger.kills += 1;
                    self.reap();
                }
                continue;
            }
            let res = match self.rng.below(100) {
                0..=29 => self.append(),
                30..=49 => self.store(),
                50..=59 => self.copy(false),
                60..=69 => self.copy(true),
                70..=81 => self.expunge(),
                _ => self.refresh(),
            };
            if res == Res::Killed {
                self.ledger.kills += 1;
                self.reap();
            }
        }
        // Final phase: the killer and the MTA stop before the first barrier; then every
        // worker has a live session before anyone takes its last view.
        b1.wait();
        while self.session.is_none() && !self.stop.load(Ordering::Relaxed) {
            self.connect();
        }
        b2.wait();
        if self.session.is_some() {
            let folder = self.session.as_ref().unwrap().1.clone();
            let noop = self.cmd("NOOP", None);
            let view = self.cmd("UID FETCH 1:* (FLAGS)", None);
            if noop.res == Res::Ok && view.res == Res::Ok {
                let v = fetched(&view.untagged)
                    .into_iter()
                    .map(|(u, f, _)| (u, f))
                    .collect();
                self.ledger.last_view = Some((folder, v));
            } else {
                self.ledger.problems.push("final view failed".into());
            }
            let _ = self.cmd("LOGOUT", None);
        }
        self.reap();
        self.ledger
    }
}

/// Delivers like an MTA: write `tmp/<unique>`, rename into `new/`.
fn mta(maildir: &Path, deadline: Instant, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed | 1);
    let mut markers = Vec::new();
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let marker = format!("mta-{n}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let name = format!(
            "{}.M{}P{}_mta{n}.torture",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id()
        );
        let tmp = maildir.join("tmp").join(&name);
        let data = message(&marker).replace("\r\n", "\n");
        std::fs::write(&tmp, data).unwrap();
        std::fs::rename(&tmp, maildir.join("new").join(&name)).unwrap();
        markers.push(marker);
        std::thread::sleep(Duration::from_millis(20 + rng.below(60)));
    }
    markers
}

fn flag_strings(flags: &imapd::core::flags::FlagSet) -> BTreeSet<String> {
    flags
        .to_flags(false)
        .iter()
        .map(|f| f.to_string())
        .collect()
}

#[test]
fn torture_eight_processes_killer_and_mta() {
    let secs: u64 = std::env::var("TORTURE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let seed: u64 = std::env::var("TORTURE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("torture: {secs} s, TORTURE_SEED={seed}");
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("Maildir");
    {
        let mut s = MaildirStore::open(&md, MaildirOptions::default()).unwrap();
        s.create("INBOX.Other").unwrap();
    }
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let stop = Arc::new(AtomicBool::new(false));
    let b1 = Arc::new(Barrier::new(WORKERS + 1));
    let b2 = Arc::new(Barrier::new(WORKERS));
    let slots: Vec<Slot> = (0..WORKERS).map(|_| Arc::new(Mutex::new(None))).collect();
    let workers: Vec<_> = (0..WORKERS)
        .map(|id| {
            let w = Worker {
                id,
                maildir: md.clone(),
                log: dir.path().join(format!("imapd-{id}.log")),
                slot: slots[id].clone(),
                rng: Rng(seed.wrapping_add((id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1),
                ledger: Ledger::default(),
                session: None,
                known: BTreeMap::new(),
                seq: 0,
                stop: stop.clone(),
            };
            let (b1, b2) = (b1.clone(), b2.clone());
            std::thread::spawn(move || w.run(deadline, b1, b2))
        })
        .collect();
    let mta_thread = {
        let md = md.clone();
        std::thread::spawn(move || mta(&md, deadline, seed ^ 0xABCD))
    };
    let killed = Arc::new(AtomicU32::new(0));
    let killer = {
        let (slots, killed) = (slots.clone(), killed.clone());
        let mut rng = Rng(seed ^ 0x1234_5678 | 1);
        std::thread::spawn(move || {
            while Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100 + rng.below(300)));
                if Instant::now() >= deadline {
                    break;
                }
                let i = rng.below(WORKERS as u64) as usize;
                if let Some(c) = slots[i].lock().unwrap().as_mut() {
                    if c.kill().is_ok() {
                        killed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        })
    };
    // Watchdog: a hung imapd fails the test instead of hanging it.
    let done = Arc::new(AtomicBool::new(false));
    let hung = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (slots, done, hung, stop) = (slots.clone(), done.clone(), hung.clone(), stop.clone());
        std::thread::spawn(move || {
            let limit = deadline + Duration::from_secs(90);
            while !done.load(Ordering::Relaxed) {
                if Instant::now() > limit {
                    hung.store(true, Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                    for s in &slots {
                        if let Some(c) = s.lock().unwrap().as_mut() {
                            let _ = c.kill();
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    killer.join().unwrap();
    let delivered = mta_thread.join().unwrap();
    b1.wait();
    let ledgers: Vec<Ledger> = workers.into_iter().map(|h| h.join().unwrap()).collect();
    done.store(true, Ordering::Relaxed);
    watchdog.join().unwrap();
    let elapsed = start.elapsed();

    let mut problems: Vec<String> = Vec::new();
    if hung.load(Ordering::Relaxed) {
        problems.push("an imapd process hung (watchdog fired)".into());
    }
    for (i, l) in ledgers.iter().enumerate() {
        for p in &l.problems {
            problems.push(format!("worker {i}: {p}"));
        }
    }

    // The disk, through a fresh store handle (the processes are all gone).
    let mut store = MaildirStore::open(&md, MaildirOptions::default()).unwrap();
    let mut disk: BTreeMap<(String, u32), (String, BTreeSet<String>)> = BTreeMap::new();
    let mut disk_validity = HashMap::new();
    for f in FOLDERS {
        let path = if f == "INBOX" {
            md.clone()
        } else {
            md.join(".Other")
        };
        match UidDb::read(&path) {
            Ok(Some(Ok(_))) => {}
            other => problems.push(format!("{f}: uid database unreadable: {other:?}")),
        }
        let snap = store.snapshot(f, false).unwrap();
        disk_validity.insert(f.to_owned(), snap.uid_validity);
        for m in snap.messages.iter() {
            let data = store.content(f, m.uid).unwrap();
            let text = String::from_utf8_lossy(&data).into_owned();
            let Some(marker) = marker_of(&text) else {
                problems.push(format!("{f} UID {}: no marker", m.uid));
                continue;
            };
            if text != message(&marker).replace("\r\n", "\n") {
                problems.push(format!("{f} UID {}: content of {marker} damaged", m.uid));
            }
            disk.insert((f.to_owned(), m.uid), (marker, flag_strings(&m.flags)));
        }
    }

    // UIDVALIDITY never changed.
    for l in &ledgers {
        for (f, v) in &l.validity {
            if disk_validity.get(f) != Some(v) {
                problems.push(format!(
                    "{f}: UIDVALIDITY {v} seen, disk has {:?}",
                    disk_validity.get(f)
                ));
            }
        }
    }

    // A (folder, UID) always names one marker (no reuse).
    let mut names: BTreeMap<(String, u32), (String, &str)> = BTreeMap::new();
    let mut seen_markers: BTreeSet<String> = BTreeSet::new();
    let all_obs = ledgers
        .iter()
        .flat_map(|l| l.observed.iter().cloned())
        .chain(
            disk.iter()
                .map(|((f, u), (m, _))| (f.clone(), *u, m.clone(), "disk")),
        );
    for (f, u, m, src) in all_obs {
        seen_markers.insert(m.clone());
        match names.get(&(f.clone(), u)) {
            Some((other, osrc)) if *other != m => problems.push(format!(
                "{f} UID {u} reused: {other} ({osrc}) and {m} ({src})"
            )),
            Some(_) => {}
            None => {
                names.insert((f, u), (m, src));
            }
        }
    }

    // Licences to be gone: a UID EXPUNGE / UID MOVE naming it that got OK or was in flight
    // when its process was killed; copies undone by a failed COPY/MOVE (by marker).
    let mut licensed: BTreeSet<(String, u32)> = BTreeSet::new();
    let mut must_be_gone: BTreeSet<(String, u32)> = BTreeSet::new();
    let mut undone: BTreeSet<(String, String)> = BTreeSet::new();
    for l in &ledgers {
        for e in &l.expunges {
            if matches!(e.res, Res::Ok | Res::Killed) {
                for u in &e.uids {
                    licensed.insert((e.folder.clone(), *u));
                    if e.res == Res::Ok && e.deleted_ok {
                        must_be_gone.insert((e.folder.clone(), *u));
                    }
                }
            }
        }
        for c in &l.copies {
            if c.moving && matches!(c.res, Res::Ok | Res::Killed) {
                for u in &c.uids {
                    licensed.insert((c.from.clone(), *u));
                    if c.res == Res::Ok {
                        must_be_gone.insert((c.from.clone(), *u));
                    }
                }
            }
            if c.res != Res::Ok {
                for m in &c.markers {
                    undone.insert((c.to.clone(), m.clone()));
                }
            }
        }
    }
    for ((f, u), (m, src)) in &names {
        let key = (f.clone(), *u);
        if !disk.contains_key(&key)
            && !licensed.contains(&key)
            && !undone.contains(&(f.clone(), m.clone()))
        {
            let now: Vec<_> = disk
                .iter()
                .filter(|(_, (dm, _))| dm == m)
                .map(|(k, _)| k)
                .collect();
            let mut evs = Vec::new();
            for (i, l) in ledgers.iter().enumerate() {
                for e in l
                    .expunges
                    .iter()
                    .filter(|e| &e.folder == f && e.uids.contains(u))
                {
                    evs.push(format!("w{i} {e:?}"));
                }
                for c in l
                    .copies
                    .iter()
                    .filter(|c| &c.from == f && c.uids.contains(u))
                {
                    evs.push(format!("w{i} {c:?}"));
                }
            }
            for (i, l) in ledgers.iter().enumerate() {
                for c in l.copies.iter().filter(|c| c.markers.contains(m)) {
                    evs.push(format!("w{i} {c:?}"));
                }
                for o in l.observed.iter().filter(|o| &o.2 == m) {
                    evs.push(format!("w{i} obs {o:?}"));
                }
            }
            problems.push(format!("LOST: {f} UID {u} ({m}, seen via {src}) is gone without an expunge; on disk now as {now:?}; events {evs:#?}"));
        }
    }
    for key in &must_be_gone {
        if disk.contains_key(key) {
            problems.push(format!(
                "{} UID {} survived an expunge/move that got OK",
                key.0, key.1
            ));
        }
    }

    // Every delivered or OK-appended marker was seen somewhere; nothing unknown on disk.
    let mut sent: BTreeSet<String> = delivered.iter().cloned().collect();
    for l in &ledgers {
        for a in &l.appends {
            sent.insert(a.marker.clone());
            if a.res == Res::Ok && !seen_markers.contains(&a.marker) {
                problems.push(format!("LOST: appended {} never seen", a.marker));
            }
        }
    }
    for m in &delivered {
        if !seen_markers.contains(m) {
            problems.push(format!("LOST: delivered {m} never seen"));
        }
    }
    for ((f, u), (m, _)) in &disk {
        if !sent.contains(m) {
            problems.push(format!("{f} UID {u}: unknown marker {m}"));
        }
    }

    // UIDs ascend with arrival: an APPEND finished before another started has a lower UID.
    let mut by_folder: BTreeMap<&str, Vec<&AppendEv>> = BTreeMap::new();
    for l in &ledgers {
        for a in l
            .appends
            .iter()
            .filter(|a| a.res == Res::Ok && a.uid.is_some())
        {
            by_folder.entry(a.folder.as_str()).or_default().push(a);
        }
    }
    for (f, evs) in &by_folder {
        for a in evs {
            for b in evs {
                if a.end < b.start && a.uid.unwrap().1 >= b.uid.unwrap().1 {
                    problems.push(format!(
                        "{f}: {} got UID {} before {} got UID {}",
                        a.marker,
                        a.uid.unwrap().1,
                        b.marker,
                        b.uid.unwrap().1
                    ));
                }
            }
        }
    }

    // Every live process's last view equals the disk; \Recent held by at most one session.
    let mut recent: BTreeMap<(String, u32), u32> = BTreeMap::new();
    let mut views = 0;
    for (i, l) in ledgers.iter().enumerate() {
        let Some((f, view)) = &l.last_view else {
            continue;
        };
        views += 1;
        let mut mine = BTreeMap::new();
        for (u, flags) in view {
            let mut flags = flags.clone();
            if flags.remove("\\Recent") {
                *recent.entry((f.clone(), *u)).or_default() += 1;
            }
            mine.insert(*u, flags);
        }
        let theirs: BTreeMap<u32, BTreeSet<String>> = disk
            .iter()
            .filter(|((df, _), _)| df == f)
            .map(|((_, u), (_, fl))| (*u, fl.clone()))
            .collect();
        if mine != theirs {
            let a: BTreeSet<_> = mine.iter().collect();
            let b: BTreeSet<_> = theirs.iter().collect();
            for (u, _) in b.difference(&a).take(5) {
                let m = &disk[&(f.clone(), **u)].0;
                let before: Vec<_> = names
                    .iter()
                    .filter(|(_, (nm, _))| nm == m)
                    .map(|(k, v)| (k, v.1))
                    .collect();
                eprintln!("disk-only {f} {u}: {m}, known as {before:?}");
            }
            problems.push(format!(
                "worker {i} last view of {f} differs from disk: view-only {:?}, disk-only {:?}",
                a.difference(&b).take(5).collect::<Vec<_>>(),
                b.difference(&a).take(5).collect::<Vec<_>>()
            ));
        }
    }
    for ((f, u), n) in &recent {
        if *n > 1 {
            problems.push(format!("{f} UID {u} is \\Recent in {n} sessions"));
        }
    }

    let appends_ok = ledgers
        .iter()
        .flat_map(|l| &l.appends)
        .filter(|a| a.res == Res::Ok)
        .count();
    let commands: u32 = ledgers.iter().map(|l| l.commands).sum();
    eprintln!(
        "torture: {elapsed:?}, {commands} commands, {appends_ok} APPEND OK, {} delivered, \
         {} SIGKILLs, {views} final views, {} messages on disk",
        delivered.len(),
        killed.load(Ordering::Relaxed),
        disk.len()
    );
    if !problems.is_empty() {
        for p in problems.iter().take(40) {
            eprintln!("PROBLEM: {p}");
        }
        for i in 0..WORKERS {
            let log = std::fs::read_to_string(dir.path().join(format!("imapd-{i}.log")))
                .unwrap_or_default();
            for l in log.lines().filter(|l| !l.starts_with("INFO:")).take(5) {
                eprintln!("imapd-{i} stderr: {l}");
            }
        }
        if std::env::var_os("TORTURE_KEEP").is_some() {
            eprintln!("kept {}", dir.keep().display());
        }
        panic!("{} problems (TORTURE_SEED={seed})", problems.len());
    }
    assert_eq!(views, WORKERS, "every worker ends with a live session");
}
