//! IMAP keywords in `courierimapkeywords/` (Courier's scheme: `courier-imapkeywords.txt`,
//! peers.md §5).
//!
//! * `:list`: keyword names one per line, a blank line, then `<base>:<index> <index>…`.
//! * `<base>`: a message's full keyword set, one per line (an empty file = none).
//! * `.<N>.<base>`: the same, already folded into `:list` at period N (N = time/300 + 1).
//!
//! Reading: a plain `<base>` file wins, else the `.N.` file with the largest N, else `:list`.
//! Writing: we write the message's full set to `tmp/` and rename it to `<base>` — exactly
//! Courier's update step. Compacting ([`compact`], at a read-write rescan): the paper's
//! "Reading keywords" steps — fold update files into `:list`, rename plain files to
//! `.N.` form, remove superseded and stale ones.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::Path;

use super::atomic;

/// The directory inside each folder.
pub const DIR: &str = "courierimapkeywords";

/// Keyword sets by message base name.
pub type KeywordMap = HashMap<String, BTreeSet<String>>;

/// Parses `:list` (format above).
pub fn parse_list(text: &str) -> KeywordMap {
    let mut names = Vec::new();
    let mut lines = text.lines();
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        names.push(line.to_owned());
    }
    let mut map = KeywordMap::new();
    for line in lines {
        // The base name has no ':' (maildir.txt), so the last ':' starts the index list.
        let Some((base, idx)) = line.rsplit_once(':') else {
            continue;
        };
        let set: BTreeSet<String> = idx
            .split_whitespace()
            .filter_map(|i| i.parse::<usize>().ok())
            .filter_map(|i| names.get(i).cloned())
            .collect();
        if !set.is_empty() {
            map.insert(base.to_owned(), set);
        }
    }
    map
}

/// Parses a per-message file: one keyword per line.
pub fn parse_set(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What an entry of the directory is.
#[derive(Debug, PartialEq, Eq)]
enum Entry<'a> {
    List,
    Plain(&'a str),
    Folded(u64, &'a str),
}

fn classify(name: &str) -> Option<Entry<'_>> {
    if name == ":list" {
        return Some(Entry::List);
    }
    if let Some(rest) = name.strip_prefix('.') {
        let (n, base) = rest.split_once('.')?;
        let n = n.parse().ok()?;
        return (!base.is_empty()).then_some(Entry::Folded(n, base));
    }
    Some(Entry::Plain(name))
}

fn read_opt(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads every keyword set of the folder at `folder`. Entries for messages that no longer
/// exist are returned too; callers look up only the messages they have.
pub fn read(folder: &Path) -> io::Result<KeywordMap> {
    let dir = folder.join(DIR);
    // The paper: if an update file vanished while reading (it was folded by a concurrent
    // reader), start again.
    'restart: for _ in 0..10 {
        let mut map = match read_opt(&dir.join(":list"))? {
            Some(text) => parse_list(&text),
            None => KeywordMap::new(),
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(map),
            Err(e) => return Err(e),
        };
        let mut plain: Vec<String> = Vec::new();
        let mut folded: HashMap<String, (u64, String)> = HashMap::new();
        for entry in entries {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            match classify(&name) {
                Some(Entry::Plain(b)) => plain.push(b.to_owned()),
                Some(Entry::Folded(n, b)) => {
                    let slot = folded.entry(b.to_owned()).or_insert((n, name.clone()));
                    if n > slot.0 {
                        *slot = (n, name.clone());
                    }
                }
                Some(Entry::List) | None => {}
            }
        }
        for (base, (_, file)) in &folded {
            if plain.contains(base) {
                continue;
            }
            match read_opt(&dir.join(file))? {
                Some(text) => set(&mut map, base, parse_set(&text)),
                None => continue 'restart,
            }
        }
        for base in &plain {
            match read_opt(&dir.join(base))? {
                Some(text) => set(&mut map, base, parse_set(&text)),
                None => continue 'restart,
            }
        }
        return Ok(map);
    }
    Err(io::Error::other("keyword files keep changing"))
}

fn set(map: &mut KeywordMap, base: &str, kw: BTreeSet<String>) {
    if kw.is_empty() {
        map.remove(base);
    } else {
        map.insert(base.to_owned(), kw);
    }
}

/// Replaces the keyword set of message `base` (Courier's update step; an empty set writes an
/// empty file, which overrides `:list`).
pub fn write<'a>(
    folder: &Path,
    base: &str,
    keywords: impl IntoIterator<Item = &'a str>,
) -> io::Result<()> {
    let dir = folder.join(DIR);
    ensure_dir(&dir)?;
    let mut text = String::new();
    for k in keywords {
        text.push_str(k);
        text.push('\n');
    }
    atomic::replace(&folder.join("tmp"), "kw", &dir.join(base), text.as_bytes())
}

/// Update files of messages that are gone are removed once their ctime is this old
/// (`courier-imapkeywords.txt`: a just-added message may have been missed by the scan).
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Reads the keywords and compacts the directory as Courier's readers do
/// (`courier-imapkeywords.txt` "Reading keywords"), given the base names now in `new/` and
/// `cur/`. With T = now/300:
/// * `:list` entries of messages that are gone are dropped;
/// * an update file of a message that is gone is removed if its ctime is ≥ 15 minutes old;
/// * of two `.N.` files of one message the lesser N is removed unless the larger N ≥ T;
///   a plain file counts as `.T+1.`;
/// * if anything was dropped or folded in, `:list` is rewritten (tmp/ + rename) and every
///   plain file renamed to `.T+1.<base>` (a plain file replaced meanwhile keeps the newest
///   content under the largest N, so nothing is lost);
/// * a lone `.N.` file with N < T is removed (its content is in `:list`).
///
/// Returns the keyword sets, as [`read`] would.
pub fn compact(
    folder: &Path,
    present: impl Fn(&str) -> bool,
    now_secs: u64,
) -> io::Result<KeywordMap> {
    let dir = folder.join(DIR);
    let t = now_secs / 300;
    'restart: for _ in 0..10 {
        let list_text: String = read_opt(&dir.join(":list"))?.unwrap_or_default();
        let mut map = parse_list(&list_text);
        let before = map.len();
        map.retain(|b, _| present(b));
        let mut dirty = map.len() != before;
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(map),
            Err(e) => return Err(e),
        };
        let mut plain: Vec<String> = Vec::new();
        // base → the `.N.` files seen, (N, name).
        let mut folded: HashMap<String, Vec<(u64, String)>> = HashMap::new();
        for entry in entries {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let base = match classify(&name) {
                Some(Entry::Plain(b)) => b.to_owned(),
                Some(Entry::Folded(_, b)) => b.to_owned(),
                Some(Entry::List) | None => continue,
            };
            if !present(&base) {
                let stale = entry.metadata().is_ok_and(|m| {
                    use std::os::unix::fs::MetadataExt;
                    (now_secs as i64) - m.ctime() >= STALE_AFTER.as_secs() as i64
                });
                if stale {
                    let _ = std::fs::remove_file(entry.path());
                }
                continue;
            }
            match classify(&name) {
                Some(Entry::Plain(_)) => plain.push(base),
                Some(Entry::Folded(n, _)) => folded.entry(base).or_default().push((n, name)),
                _ => {}
            }
        }
        // Superseded `.N.` files.
        for files in folded.values_mut() {
            files.sort();
            let largest = files.last().map(|f| f.0).unwrap_or(0);
            if files.len() > 1 && largest < t {
                for (_, name) in &files[..files.len() - 1] {
                    let _ = std::fs::remove_file(dir.join(name));
                }
                files.drain(..files.len() - 1);
            }
        }
        for (base, files) in &folded {
            if plain.contains(base) {
                continue;
            }
            let (_, name) = files.last().expect("non-empty");
            match read_opt(&dir.join(name))? {
                Some(text) => {
                    set(&mut map, base, parse_set(&text));
                    dirty = true;
                }
                None => continue 'restart,
            }
        }
        for base in &plain {
            match read_opt(&dir.join(base))? {
                Some(text) => {
                    set(&mut map, base, parse_set(&text));
                    dirty = true;
                }
                None => continue 'restart,
            }
        }
        if dirty {
            atomic::replace(
                &folder.join("tmp"),
                "kwlist",
                &dir.join(":list"),
                format_list(&map).as_bytes(),
            )?;
            for base in &plain {
                let _ = std::fs::rename(dir.join(base), dir.join(format!(".{}.{base}", t + 1)));
            }
            for files in folded.values() {
                if let [(n, name)] = files.as_slice() {
                    if *n < t {
                        let _ = std::fs::remove_file(dir.join(name));
                    }
                }
            }
        }
        return Ok(map);
    }
    Err(io::Error::other("keyword files keep changing"))
}

/// The text of `:list` for `map`: keyword names, a blank line, `<base>:<indexes>`.
pub fn format_list(map: &KeywordMap) -> String {
    let mut names: Vec<&str> = map.values().flatten().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut out = String::new();
    for n in &names {
        out.push_str(n);
        out.push('\n');
    }
    out.push('\n');
    let mut bases: Vec<&String> = map.keys().collect();
    bases.sort();
    for b in bases {
        let idx: Vec<String> = map[b]
            .iter()
            .map(|k| index[k.as_str()].to_string())
            .collect();
        out.push_str(&format!("{b}:{}\n", idx.join(" ")));
    }
    out
}

/// Removes the plain keyword file of a message that is gone (expunge); `.N.` files are left
/// for Courier's stale-file rule (ctime ≥ 15 min and message gone).
pub fn forget(folder: &Path, base: &str) {
    let _ = std::fs::remove_file(folder.join(DIR).join(base));
}

/// Creates `courierimapkeywords/` (0700) if missing.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const BASE: &str = "1795693322.M142906P2613V000000000000FE00I000000000098C632_1.vm,S=189";

    fn kws(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// The `:list` Courier 5.0.13 wrote (peers.md §5).
    #[test]
    fn parses_courier_list() {
        let text = format!("custom1\n$Label1\n\n{BASE}:1 0\n");
        let map = parse_list(&text);
        assert_eq!(map[BASE], kws(&["$Label1", "custom1"]));
    }

    #[test]
    fn classifies_entries() {
        assert_eq!(classify(":list"), Some(Entry::List));
        assert_eq!(
            classify(&format!(".5985645.{BASE}")),
            Some(Entry::Folded(5985645, BASE))
        );
        assert_eq!(classify(BASE), Some(Entry::Plain(BASE)));
        assert_eq!(classify(".x.y"), None);
    }

    #[test]
    fn reads_all_three_forms() {
        let d = tempfile::tempdir().unwrap();
        let kd = d.path().join(DIR);
        std::fs::create_dir_all(&kd).unwrap();
        std::fs::create_dir_all(d.path().join("tmp")).unwrap();
        std::fs::write(kd.join(":list"), "a\nb\n\nm1:0\nm2:0 1\nm3:1\nm4:0\n").unwrap();
        // m2: folded files, the larger N wins over :list.
        std::fs::write(kd.join(".5.m2"), "old\n").unwrap();
        std::fs::write(kd.join(".7.m2"), "new\n").unwrap();
        // m3: a plain file wins over a folded one and :list.
        std::fs::write(kd.join(".9.m3"), "folded\n").unwrap();
        std::fs::write(kd.join("m3"), "plain\nx\n").unwrap();
        // m4: an empty plain file clears the keywords.
        std::fs::write(kd.join("m4"), "").unwrap();
        let map = read(d.path()).unwrap();
        assert_eq!(map["m1"], kws(&["a"]));
        assert_eq!(map["m2"], kws(&["new"]));
        assert_eq!(map["m3"], kws(&["plain", "x"]));
        assert!(!map.contains_key("m4"));

        write(d.path(), "m1", ["z", "y"]).unwrap();
        assert_eq!(std::fs::read_to_string(kd.join("m1")).unwrap(), "z\ny\n");
        assert_eq!(read(d.path()).unwrap()["m1"], kws(&["y", "z"]));
    }

    /// Courier's reader steps: update files folded into `:list`, plain files renamed to
    /// `.T+1.`, superseded ones removed, entries of gone messages dropped.
    #[test]
    fn compacts_as_courier_readers_do() {
        let d = tempfile::tempdir().unwrap();
        let kd = d.path().join(DIR);
        std::fs::create_dir_all(&kd).unwrap();
        std::fs::create_dir_all(d.path().join("tmp")).unwrap();
        let now = 3_000_000u64; // T = 10000
        std::fs::write(kd.join(":list"), "a\nb\n\nm1:0\ngone:1\nm2:0\n").unwrap();
        std::fs::write(kd.join("m1"), "x\n").unwrap();
        std::fs::write(kd.join(".9990.m2"), "old\n").unwrap();
        std::fs::write(kd.join(".9995.m2"), "b\n").unwrap();
        std::fs::write(kd.join(".9000.m3"), "c\n").unwrap();
        let present: HashSet<&str> = ["m1", "m2", "m3"].into_iter().collect();
        let map = compact(d.path(), |b| present.contains(b), now).unwrap();
        assert_eq!(map["m1"], kws(&["x"]));
        assert_eq!(map["m2"], kws(&["b"]));
        assert_eq!(map["m3"], kws(&["c"]));
        assert!(!map.contains_key("gone"));
        let mut files: Vec<String> = std::fs::read_dir(&kd)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        // The lone `.9995.m2` (N < T) went too: its content is in `:list`.
        assert_eq!(files, [".10001.m1", ":list"]);
        assert_eq!(
            std::fs::read_to_string(kd.join(":list")).unwrap(),
            "b\nc\nx\n\nm1:2\nm2:0\nm3:1\n"
        );
        // What a later reader sees is the same.
        assert_eq!(read(d.path()).unwrap(), map);
        // Nothing to fold: nothing rewritten.
        let again = compact(d.path(), |b| present.contains(b), now + 600).unwrap();
        assert_eq!(again, map);
    }

    #[test]
    fn missing_dir_is_empty() {
        let d = tempfile::tempdir().unwrap();
        assert!(read(d.path()).unwrap().is_empty());
    }
}
