//! IMAP keywords in `courierimapkeywords/` (Courier's scheme: `courier-imapkeywords.txt`,
//! peers.md §5).
//!
//! * `:list`: keyword names one per line, a blank line, then `<base>:<index> <index>…`.
//! * `<base>`: a message's full keyword set, one per line (an empty file = none).
//! * `.<N>.<base>`: the same, already folded into `:list` at period N (N = time/300 + 1).
//!
//! Reading: a plain `<base>` file wins, else the `.N.` file with the largest N, else `:list`.
//! Writing: we write the message's full set to `tmp/` and rename it to `<base>` — exactly
//! Courier's update step. We do not compact (rewrite `:list`, rename plain files to `.N.`,
//! remove stale ones): Courier's readers do that when they next read the folder, and a
//! reader that never compacts is still correct by the paper's rules.

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

    #[test]
    fn missing_dir_is_empty() {
        let d = tempfile::tempdir().unwrap();
        assert!(read(d.path()).unwrap().is_empty());
    }
}
