//! Real IMAP clients against the real `imapd` binary over stdio, on `imapd --sample`'s
//! mailbox: Python's imaplib (`IMAP4_stream`), mbsync (isync, `Tunnel`) and offlineimap3
//! (`preauthtunnel`). `scripts/test` installs the tools from Debian packages and sets
//! `IMAPD_REQUIRE_CLIENTS=1`, so there a missing tool fails the test; elsewhere it is skipped
//! with a message saying which tool is missing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const IMAPD: &str = env!("CARGO_BIN_EXE_imapd");

/// True if `tool` runs; otherwise skips (or fails, under scripts/test).
fn have(tool: &str, package: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let msg =
            format!("{tool} is not installed (Debian package {package}; scripts/test installs it)");
        if std::env::var_os("IMAPD_REQUIRE_CLIENTS").is_some() {
            panic!("{msg}");
        }
        eprintln!("SKIPPED: {msg}");
    }
    ok
}

/// A fresh sample Maildir in a temp dir: (guard, dir, Maildir path).
fn sample() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("server");
    let out = Command::new(IMAPD)
        .arg("--sample")
        .arg(&server)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (dir, server)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

/// A message as compared across the sync: LF line ends, and without the one header line a
/// client inserts for its own bookkeeping (mbsync `X-TUID:`, offlineimap `X-OfflineIMAP:`);
/// every other byte must be identical.
fn normalize(data: &[u8]) -> Vec<u8> {
    let mut lf = Vec::with_capacity(data.len());
    for (i, &b) in data.iter().enumerate() {
        if !(b == b'\r' && data.get(i + 1) == Some(&b'\n')) {
            lf.push(b);
        }
    }
    let end = lf
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(lf.len(), |p| p + 1);
    let (head, body) = lf.split_at(end);
    let mut out = Vec::with_capacity(lf.len());
    for line in head.split_inclusive(|&b| b == b'\n') {
        if !line.starts_with(b"X-TUID: ") && !line.starts_with(b"X-OfflineIMAP: ") {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(body);
    out
}

/// Asserts two folders hold the same messages, showing the first difference as text.
fn same(what: &str, a: &[Vec<u8>], b: &[Vec<u8>]) {
    if a == b {
        return;
    }
    let only = |x: &[Vec<u8>], y: &[Vec<u8>]| {
        x.iter()
            .find(|m| !y.contains(m))
            .map(|m| String::from_utf8_lossy(m).into_owned())
    };
    panic!(
        "{what}: {} vs {} messages; first only on the left:\n{:?}\nfirst only on the right:\n{:?}",
        a.len(),
        b.len(),
        only(a, b),
        only(b, a)
    );
}

/// Message files of a Maildir folder directory (cur/ and new/), normalized, sorted.
fn messages(dir: &Path) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for sub in ["cur", "new"] {
        let Ok(entries) = fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            out.push(normalize(&fs::read(e.path()).unwrap()));
        }
    }
    out.sort();
    out
}

/// The server's folders (Maildir++: `.A.B` is `INBOX.A.B`), by IMAP name (UTF-8).
fn server_folders(root: &Path) -> BTreeMap<String, Vec<Vec<u8>>> {
    let mut out = BTreeMap::new();
    out.insert("INBOX".to_string(), messages(root));
    for e in fs::read_dir(root).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(rest) = name.strip_prefix('.') {
            if e.path().join("cur").is_dir() {
                out.insert(format!("INBOX.{rest}"), messages(&e.path()));
            }
        }
    }
    out
}

/// The server's files and their flag suffixes, to check pushed flags and expunges.
fn server_names(folder: &Path) -> Vec<String> {
    let mut v: Vec<String> = ["cur", "new"]
        .iter()
        .flat_map(|s| fs::read_dir(folder.join(s)).unwrap().flatten())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Finds the single file in `dir/{cur,new}` whose content contains `needle`.
fn file_with(dir: &Path, needle: &str) -> PathBuf {
    let hits: Vec<PathBuf> = ["cur", "new"]
        .iter()
        .flat_map(|s| fs::read_dir(dir.join(s)).unwrap().flatten())
        .map(|e| e.path())
        .filter(|p| {
            fs::read(p)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
        })
        .collect();
    assert_eq!(hits.len(), 1, "{needle:?} in {}: {hits:?}", dir.display());
    hits.into_iter().next().unwrap()
}

/// Sets Maildir flags on a local file by renaming it (`:2,FLAGS`).
fn set_flags(path: &Path, flags: &str) -> PathBuf {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let base = name.split(":2,").next().unwrap();
    let to = path
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("cur")
        .join(format!("{base}:2,{flags}"));
    fs::rename(path, &to).unwrap();
    to
}

/// A message an MTA delivers into the server's INBOX (tmp/ then rename into new/).
fn deliver(server: &Path, body: &str) {
    let tmp = server.join("tmp/1800000000.M1P1.mta");
    fs::write(&tmp, body).unwrap();
    fs::rename(&tmp, server.join("new/1800000000.M1P1.mta")).unwrap();
}

/// A message the user writes locally (the client uploads it).
fn local_new(folder: &Path, body: &str) {
    fs::write(folder.join("new/1800000001.local1.host"), body).unwrap();
}

#[test]
fn python_imaplib_stream_end_to_end() {
    if !have("python3", "python3") {
        return;
    }
    let (_guard, server) = sample();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/imaplib_stream.py");
    let out = run(Command::new("python3").arg(script).arg(IMAPD).arg(&server));
    assert!(out.contains("imaplib: all checks passed"), "{out}");
}

/// Two-way sync checks shared by mbsync and offlineimap: after the first sync the local copy
/// holds exactly the server's messages; then a flag change and a deletion made locally, a
/// message delivered on the server and one written locally all cross over.
struct SyncCase<'a> {
    server: &'a Path,
    /// IMAP name → local folder directory.
    local: &'a dyn Fn(&str) -> PathBuf,
    sync: &'a dyn Fn() -> String,
}

fn two_way(case: SyncCase<'_>) {
    (case.sync)();
    for (name, msgs) in &server_folders(case.server) {
        same(
            &format!("folder {name}, local vs server"),
            &messages(&(case.local)(name)),
            msgs,
        );
    }

    // Local changes: flag the invoice, delete the junk, write a new message; an MTA
    // delivers one on the server.
    let inbox = (case.local)("INBOX");
    let invoice = file_with(&inbox, "Subject: Invoice 2024-0042");
    set_flags(&invoice, "FRS");
    fs::remove_file(file_with(&inbox, "Subject: You have WON")).unwrap();
    local_new(
        &inbox,
        "From: sam@example.com\nSubject: written offline\nMessage-ID: <offline.1@example.com>\n\nuploaded by the sync\n",
    );
    deliver(
        case.server,
        "From: mta@example.org\nSubject: delivered meanwhile\nMessage-ID: <mta.1@example.org>\n\nfrom the MTA\n",
    );
    (case.sync)();

    let names = server_names(case.server);
    let invoice_on_server = file_with(case.server, "Subject: Invoice 2024-0042");
    let flags = invoice_on_server.to_string_lossy().into_owned();
    assert!(flags.ends_with(":2,FRS"), "flag push: {flags}");
    assert!(
        !names.is_empty()
            && messages(case.server)
                .iter()
                .all(|m| !String::from_utf8_lossy(m).contains("You have WON")),
        "expunge push: the junk message is gone from the server"
    );
    let uploaded = file_with(case.server, "Subject: written offline");
    assert!(fs::read_to_string(uploaded)
        .unwrap()
        .contains("uploaded by the sync"));
    file_with(&inbox, "Subject: delivered meanwhile");
    // Both sides hold the same INBOX again.
    same(
        "INBOX after the second sync",
        &messages(&inbox),
        &messages(case.server),
    );
}

#[test]
fn mbsync_tunnel_two_way_sync() {
    if !have("mbsync", "isync") {
        return;
    }
    let (guard, server) = sample();
    let local = guard.path().join("local");
    fs::create_dir_all(&local).unwrap();
    let rc = guard.path().join("mbsyncrc");
    fs::write(
        &rc,
        format!(
            "IMAPAccount sample\nTunnel \"{IMAPD} {}\"\n\nIMAPStore remote\nAccount sample\n\n\
             MaildirStore local\nPath {}/\nInbox {}/INBOX\nSubFolders Verbatim\n\n\
             Channel sample\nFar :remote:\nNear :local:\nPatterns *\nCreate Near\n\
             Expunge Both\nSyncState *\n",
            server.display(),
            local.display(),
            local.display()
        ),
    )
    .unwrap();
    // mbsync strips the personal namespace (`INBOX.`) and maps `.` to directories.
    let map = |name: &str| match name.strip_prefix("INBOX.") {
        Some(rest) => local.join(mutf7_dirs(rest)),
        None => local.join("INBOX"),
    };
    two_way(SyncCase {
        server: &server,
        local: &map,
        sync: &|| run(Command::new("mbsync").arg("-c").arg(&rc).arg("-a")),
    });
}

/// `Reçus` → `Re&AOc-us`, `.` → `/` (mbsync keeps the server's modified UTF-7 names).
fn mutf7_dirs(name: &str) -> PathBuf {
    name.split('.')
        .map(|p| p.replace('ç', "&AOc-"))
        .collect::<Vec<_>>()
        .join("/")
        .into()
}

#[test]
fn offlineimap_preauthtunnel_two_way_sync() {
    if !have("offlineimap", "offlineimap3") {
        return;
    }
    let (guard, server) = sample();
    let local = guard.path().join("local");
    let rc = guard.path().join("offlineimaprc");
    fs::write(
        &rc,
        format!(
            "[general]\naccounts = sample\nmetadata = {}\nui = quiet\n\n\
             [Account sample]\nlocalrepository = local\nremoterepository = remote\n\n\
             [Repository local]\ntype = Maildir\nlocalfolders = {}\n\n\
             [Repository remote]\ntype = IMAP\npreauthtunnel = {IMAPD} {}\n",
            guard.path().join("meta").display(),
            local.display(),
            server.display()
        ),
    )
    .unwrap();
    // offlineimap keeps the full IMAP name (modified UTF-7) as one directory.
    let map = |name: &str| local.join(name.replace('ç', "&AOc-"));
    two_way(SyncCase {
        server: &server,
        local: &map,
        sync: &|| run(Command::new("offlineimap").arg("-c").arg(&rc).arg("-o")),
    });
}
