//! The Courier seed procedure (`courier-imapd.8.txt`, "Verifying realtime concurrent folder
//! status updates"; peers.md §4) with real `imapd` processes: three idlers and an actor on one
//! Maildir holding two delivered messages; the actor toggles `\Deleted` three times and
//! expunges, then an MTA delivers a message (tmp/ → rename into new/). After each step the
//! test waits until every idler has been told (RFC 2177 §3: pushed at once, inotify), so the
//! transcripts do not depend on timing. insta snapshots in `snapshots/`.
//!
//! Normalised: the UIDVALIDITY value (it comes from the clock). Which idler's rescan claims
//! `\Recent` for the delivered message is a race (design invariant 4 says exactly one does);
//! the test asserts that and writes that idler's `RECENT` count as `<n>`.

mod imapd_proc;

use std::fs;
use std::time::Duration;

use imapd_proc::Imapd;

const T: Duration = Duration::from_secs(10);
/// After the expected line, anything else for the same step arrives within this.
const QUIET: Duration = Duration::from_millis(300);

fn snapshot(name: &str, text: &str) {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../snapshots");
    s.bind(|| insta::assert_snapshot!(name, text));
}

fn message(n: u32) -> String {
    format!(
        "From: seed{n}@example.com\nTo: test@example.com\nSubject: seed message {n}\nDate: Mon, 2 Jan 2006 15:04:0{n} +0000\nMessage-ID: <seed.{n}@example.com>\n\nBody of message {n}.\n"
    )
}

/// Normalises one server line (the UIDVALIDITY value).
fn norm(line: &str) -> String {
    match line.strip_prefix("* OK [UIDVALIDITY ") {
        Some(rest) => {
            let tail = rest.split_once(']').map_or("", |(_, t)| t);
            format!("* OK [UIDVALIDITY <uidvalidity>]{tail}")
        }
        None => line.to_owned(),
    }
}

struct Party {
    name: &'static str,
    p: Imapd,
    log: Vec<String>,
}

impl Party {
    fn client(&mut self, line: &str, all: &mut Vec<String>) {
        self.p.send(line);
        self.log.push(format!("C: {line}"));
        all.push(format!("{} C: {line}", self.name));
    }

    fn server(&mut self, lines: Vec<String>, all: &mut Vec<String>) {
        for l in lines {
            let l = norm(&l);
            all.push(format!("{} S: {l}", self.name));
            self.log.push(format!("S: {l}"));
        }
    }

    fn cmd(&mut self, tag: &str, command: &str, all: &mut Vec<String>) {
        self.client(&format!("{tag} {command}"), all);
        let r = self.p.until(&format!("{tag} "), T);
        self.server(r, all);
    }
}

#[test]
fn courier_seed_with_real_processes() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(md.join(sub)).unwrap();
    }
    for n in 1..=2 {
        fs::write(
            md.join(format!("new/1136214245.M{n}P1000.seed")),
            message(n),
        )
        .unwrap();
    }
    let mut all = Vec::new();
    let spawn = |name: &'static str, all: &mut Vec<String>| {
        let mut p = Party {
            name,
            p: Imapd::spawn(&md, &[], &[]),
            log: Vec::new(),
        };
        let g = p.p.line(T).unwrap();
        p.server(vec![g], all);
        p
    };
    let mut idlers = Vec::new();
    for name in ["idler1", "idler2", "idler3"] {
        let mut i = spawn(name, &mut all);
        i.cmd("a1", "SELECT INBOX", &mut all);
        i.client("a2 IDLE", &mut all);
        let cont = i.p.line(T).unwrap();
        i.server(vec![cont], &mut all);
        idlers.push(i);
    }
    let mut actor = spawn("actor", &mut all);
    actor.cmd("a1", "SELECT INBOX", &mut all);

    let steps: [(&str, Option<&str>, &str); 5] = [
        ("s1", Some("STORE 1 +FLAGS (\\Deleted)"), "* 1 FETCH"),
        ("s2", Some("STORE 1 -FLAGS (\\Deleted)"), "* 1 FETCH"),
        ("s3", Some("STORE 1 +FLAGS (\\Deleted)"), "* 1 FETCH"),
        ("s4", Some("EXPUNGE"), "* 1 EXPUNGE"),
        ("s5", None, "* 2 EXISTS"),
    ];
    let mut recent_owner = Vec::new();
    for (tag, command, expect) in steps {
        all.push(format!("-- step {tag}"));
        match command {
            Some(c) => actor.cmd(tag, c, &mut all),
            None => {
                // The MTA: write into tmp/, rename into new/ (maildir.txt).
                all.push("mta delivers 1136214300.M3P1000.mta".into());
                let tmp = md.join("tmp/1136214300.M3P1000.mta");
                fs::write(&tmp, message(3)).unwrap();
                fs::rename(&tmp, md.join("new/1136214300.M3P1000.mta")).unwrap();
            }
        }
        for i in idlers.iter_mut() {
            let mut got = i.p.until(expect, T);
            got.extend(i.p.drain(QUIET));
            if tag == "s5" {
                // Exactly one idler claims the delivered message's \Recent.
                let was = if i.name == "idler1" { 1 } else { 0 };
                for l in got.iter_mut() {
                    if let Some(n) = l
                        .strip_prefix("* ")
                        .and_then(|r| r.strip_suffix(" RECENT"))
                        .and_then(|n| n.parse::<u32>().ok())
                    {
                        if n > was {
                            recent_owner.push(i.name);
                        }
                        *l = "* <n> RECENT".into();
                    }
                }
            }
            i.server(got, &mut all);
        }
        // The actor hears about the delivery at its next command.
    }
    assert_eq!(recent_owner.len(), 1, "one idler owns the new \\Recent");
    all.push("-- end".into());
    for i in idlers.iter_mut() {
        i.client("DONE", &mut all);
        let r = i.p.until("a2 ", T);
        i.server(r, &mut all);
        i.cmd("a3", "LOGOUT", &mut all);
    }
    actor.cmd("s6", "NOOP", &mut all);
    actor.cmd("s7", "LOGOUT", &mut all);

    for party in idlers.iter().chain([&actor]) {
        snapshot(
            &format!("courier_seed_processes_{}", party.name),
            &party.log.join("\n"),
        );
    }
    snapshot("courier_seed_processes_interleaved", &all.join("\n"));
}
