//! A folder's message files by base name ([`Files`]), each entry stored once.
//!
//! The map is the largest thing an idle session holds (one entry per message). Its key, the
//! base name, is the part of the file name before `:` (maildir.txt), so it is not stored a
//! second time: the table holds entries alone and finds one by hashing the base of its name.

use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

use hashbrown::hash_table::{Entry, HashTable};

use super::flags;

/// A message file as found on disk.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// The file name (base name plus any `:2,…` info).
    name: Box<str>,
    /// The length of its base name, found once (the table compares bases at every lookup);
    /// [`u32::MAX`] if it does not fit, then it is found every time.
    base_len: u32,
    /// The number of the last rescan that saw the file (not part of its identity).
    pub(super) pass: u32,
    /// The message's UID as last seen in the database; 0 until known (a new file, or one
    /// `folder::apply` met first) — a hint for patching the message list, checked against
    /// the database before use.
    pub uid: u32,
    /// True if it is in `new/` (not yet claimed by any session).
    pub in_new: bool,
}

/// Entries are equal when they name the same file.
impl PartialEq for FileEntry {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.in_new == other.in_new
    }
}

impl Eq for FileEntry {}

impl FileEntry {
    /// The entry of the file `name` in `new/` (`in_new`) or `cur/`.
    pub fn new(name: impl Into<Box<str>>, in_new: bool) -> FileEntry {
        let name: Box<str> = name.into();
        let base_len = u32::try_from(flags::split(&name).0.len()).unwrap_or(u32::MAX);
        FileEntry {
            name,
            base_len,
            pass: 0,
            uid: 0,
            in_new,
        }
    }

    /// The file name (base name plus any `:2,…` info).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The base name: the message's unique name, before any `:`.
    pub fn base(&self) -> &str {
        match self.base_len {
            u32::MAX => flags::split(&self.name).0,
            // (a prefix ending before a `:` or at the end: always a char boundary)
            n => self.name.get(..n as usize).unwrap_or(&self.name),
        }
    }

    /// The flag letters of its info (`:2,<letters>`; empty for none or another info).
    pub fn letters(&self) -> &str {
        let info = self
            .name
            .get(self.base().len()..)
            .and_then(|i| i.strip_prefix(':'));
        flags::info_letters(info)
    }

    /// Points the entry at `name` in `new/` (`in_new`) or `cur/`: the same message renamed
    /// (its base must not change, since the map finds the entry by it).
    pub fn rename(&mut self, name: &str, in_new: bool) {
        // A different base would leave the entry where the table cannot find it. (The base
        // has no `:`, so it is `name`'s if `name` goes on with a `:` or ends there.)
        let base = self.base();
        let rest = name.strip_prefix(base);
        assert!(
            rest.is_some_and(|r| r.is_empty() || r.starts_with(':')),
            "a rename keeps the base: {name:?} is not of {base:?}"
        );
        if *self.name != *name {
            self.name = name.into();
        }
        self.in_new = in_new;
    }

    /// The file's path inside the folder at `folder`.
    pub fn path(&self, folder: &Path) -> PathBuf {
        folder
            .join(if self.in_new { "new" } else { "cur" })
            .join(&*self.name)
    }
}

/// FxHash: the keys are local file names, and a rescan of a large folder hashes every one.
fn hash(base: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(base)
}

/// Message files by base name.
#[derive(Clone, Default)]
pub struct Files {
    table: HashTable<FileEntry>,
}

impl Files {
    /// The number of messages.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Makes room for `more` files beyond those held.
    pub fn reserve(&mut self, more: usize) {
        self.table.reserve(more, |e| hash(e.base()));
    }

    /// The file of `base`.
    pub fn get(&self, base: &str) -> Option<&FileEntry> {
        self.table.find(hash(base), |e| e.base() == base)
    }

    /// The file of `base`, to change its UID hint or [`FileEntry::rename`] it.
    pub fn get_mut(&mut self, base: &str) -> Option<&mut FileEntry> {
        self.table.find_mut(hash(base), |e| e.base() == base)
    }

    /// True if there is a file of `base`.
    pub fn contains_key(&self, base: &str) -> bool {
        self.get(base).is_some()
    }

    /// Adds `entry`, replacing the file of its base if there is one (returned).
    pub fn insert(&mut self, entry: FileEntry) -> Option<FileEntry> {
        let h = hash(entry.base());
        match self
            .table
            .entry(h, |e| e.base() == entry.base(), |e| hash(e.base()))
        {
            Entry::Occupied(mut o) => Some(std::mem::replace(o.get_mut(), entry)),
            Entry::Vacant(v) => {
                v.insert(entry);
                None
            }
        }
    }

    /// Adds `entry` unless its base already has a file.
    pub fn insert_new(&mut self, entry: FileEntry) {
        let h = hash(entry.base());
        if let Entry::Vacant(v) =
            self.table
                .entry(h, |e| e.base() == entry.base(), |e| hash(e.base()))
        {
            v.insert(entry);
        }
    }

    /// Takes out the file of `base`.
    pub fn remove(&mut self, base: &str) -> Option<FileEntry> {
        match self.table.find_entry(hash(base), |e| e.base() == base) {
            Ok(o) => Some(o.remove().0),
            Err(_) => None,
        }
    }

    /// Keeps the files for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&mut FileEntry) -> bool) {
        self.table.retain(|e| keep(e));
    }

    /// The files, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &FileEntry> {
        self.table.iter()
    }

    /// The base names, in no particular order.
    pub fn bases(&self) -> impl Iterator<Item = &str> {
        self.table.iter().map(FileEntry::base)
    }
}

impl IntoIterator for Files {
    type Item = FileEntry;
    type IntoIter = hashbrown::hash_table::IntoIter<FileEntry>;
    fn into_iter(self) -> Self::IntoIter {
        self.table.into_iter()
    }
}

/// Maps are equal when they hold the same files.
impl PartialEq for Files {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|e| other.get(e.base()) == Some(e))
    }
}

impl Eq for Files {}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_by_base_and_replaced_whole() {
        let mut files = Files::default();
        assert_eq!(files.insert(FileEntry::new("1.M1P1.h", true)), None);
        assert_eq!(
            files.insert(FileEntry::new("2.M1P1.h:2,S", false)),
            None,
            "a second base is a second entry"
        );
        let old = files.insert(FileEntry::new("1.M1P1.h:2,", false));
        assert_eq!(old, Some(FileEntry::new("1.M1P1.h", true)));
        assert_eq!(files.len(), 2);
        assert_eq!(
            files.get("1.M1P1.h").map(FileEntry::name),
            Some("1.M1P1.h:2,")
        );
        assert!(files.get("1.M1P1.h:2,").is_none(), "found by base only");
        assert!(files.get("1.M1P1").is_none());

        files.insert_new(FileEntry::new("2.M1P1.h", true));
        assert_eq!(
            files.get("2.M1P1.h").map(FileEntry::name),
            Some("2.M1P1.h:2,S")
        );

        let e = files.get_mut("2.M1P1.h").unwrap();
        e.uid = 7;
        e.rename("2.M1P1.h:2,ST", false);
        assert_eq!(
            files.get("2.M1P1.h").map(|e| (e.name(), e.uid)),
            Some(("2.M1P1.h:2,ST", 7))
        );

        assert_eq!(files.remove("1.M1P1.h").map(|e| e.in_new), Some(false));
        assert_eq!(files.remove("1.M1P1.h"), None);
        let mut bases: Vec<&str> = files.bases().collect();
        bases.sort();
        assert_eq!(bases, ["2.M1P1.h"]);
    }

    #[test]
    fn an_entry_knows_its_base_and_letters() {
        for (name, base, letters) in [
            ("1.M1P1.h", "1.M1P1.h", ""),
            ("1.M1P1.h:2,FS", "1.M1P1.h", "FS"),
            ("1.M1P1.h:2,", "1.M1P1.h", ""),
            ("1.M1P1.h:1,FS", "1.M1P1.h", ""),
            ("1.M1P1.h:", "1.M1P1.h", ""),
            ("1.h:2,S:x", "1.h", "S:x"),
            (":2,S", "", "S"),
            ("é.h:2,S", "é.h", "S"),
        ] {
            let e = FileEntry::new(name, false);
            assert_eq!((e.base(), e.letters()), (base, letters), "{name}");
        }
        let mut e = FileEntry::new("1.h:2,S", false);
        e.rename("1.h", true);
        assert_eq!((e.base(), e.letters(), e.name()), ("1.h", "", "1.h"));
        e.rename("1.h:2,T", false);
        assert_eq!((e.base(), e.letters()), ("1.h", "T"));
    }

    #[test]
    #[should_panic(expected = "a rename keeps the base")]
    fn a_rename_to_another_base_is_refused() {
        FileEntry::new("1.h:2,S", false).rename("1.hx:2,S", false);
    }

    #[test]
    fn many_entries_survive_growth_and_retain() {
        let mut files = Files::default();
        for i in 0..5000 {
            files.insert(FileEntry::new(format!("{i}.M1P1.h:2,S"), false));
        }
        files.retain(|e| e.base().starts_with('1'));
        let expect = (0..5000).filter(|i| i.to_string().starts_with('1')).count();
        assert_eq!(files.len(), expect);
        for i in 0..5000 {
            let base = format!("{i}.M1P1.h");
            assert_eq!(files.contains_key(&base), base.starts_with('1'), "{base}");
        }
        let mut other = Files::default();
        for e in files.clone() {
            other.insert(e);
        }
        assert_eq!(other, files);
        other
            .get_mut("1.M1P1.h")
            .unwrap()
            .rename("1.M1P1.h:2,", false);
        assert_ne!(other, files, "a renamed file makes the maps differ");
    }
}
