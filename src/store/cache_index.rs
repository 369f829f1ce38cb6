//! [`CacheIndex`]: the entries of a folder's cache (`cache.rs`) by base name, kept in the
//! order they were added: the cache file's order, which is arrival order, the order UIDs
//! are given in (`folder::sort_arrivals`), then the entries added since (a write puts them
//! back in arrival order).
//!
//! A command that walks the messages in UID order (`FETCH 1:* BODYSTRUCTURE`, header
//! fetches, SORT) asks for the entries in that same order. The index remembers the entry
//! found last and looks at the one after it first: one comparison of names that lie next to
//! each other in memory, where a hash map by name cost a hash and a cache miss or two per
//! message (at 100k messages a fifth of a warm `FETCH 1:* BODYSTRUCTURE`).

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Entries by base name in the order added (see the module documentation).
#[derive(Debug)]
pub(super) struct CacheIndex<V> {
    list: Vec<(String, V)>,
    /// Positions in `list`, by the hash of the name.
    table: HashTable<usize>,
    /// The position found last: a hint only, so a lookup through a shared index (one a
    /// write in the background also reads) may move it.
    last: AtomicUsize,
}

impl<V> Default for CacheIndex<V> {
    fn default() -> Self {
        CacheIndex {
            list: Vec::new(),
            table: HashTable::new(),
            last: AtomicUsize::new(0),
        }
    }
}

impl<V: Clone> Clone for CacheIndex<V> {
    fn clone(&self) -> Self {
        CacheIndex {
            list: self.list.clone(),
            table: self.table.clone(),
            last: AtomicUsize::new(self.last.load(Ordering::Relaxed)),
        }
    }
}

fn hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl<V> CacheIndex<V> {
    pub(super) fn with_capacity(n: usize) -> Self {
        CacheIndex {
            list: Vec::with_capacity(n),
            table: HashTable::with_capacity(n),
            last: AtomicUsize::new(0),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Where `name` is: after the entry found last, at it, or by its hash.
    fn position(&self, name: &str) -> Option<usize> {
        if self.list.is_empty() {
            return None;
        }
        let at = |i: usize| self.list.get(i).is_some_and(|e| e.0 == name);
        let last = self.last.load(Ordering::Relaxed);
        let next = last.wrapping_add(1);
        if at(next) {
            return Some(next);
        }
        if at(last) {
            return Some(last);
        }
        let list = &self.list;
        self.table.find(hash(name), |&i| list[i].0 == name).copied()
    }

    /// The entry of `name` (remembered as the one found last).
    pub(super) fn find(&self, name: &str) -> Option<&V> {
        let i = self.position(name)?;
        self.last.store(i, Ordering::Relaxed);
        Some(&self.list[i].1)
    }

    /// The entry of `name` (remembered as the one found last).
    pub(super) fn get_mut(&mut self, name: &str) -> Option<&mut V> {
        let i = self.position(name)?;
        *self.last.get_mut() = i;
        Some(&mut self.list[i].1)
    }

    /// The entry of `name`, without moving the walk's place.
    pub(super) fn peek(&self, name: &str) -> Option<&V> {
        self.position(name).map(|i| &self.list[i].1)
    }

    /// Records `value` for `name`, replacing the entry it had (which keeps its place).
    pub(super) fn insert(&mut self, name: String, value: V) {
        match self.position(&name) {
            Some(i) => self.list[i].1 = value,
            None => self.push(name, value),
        }
    }

    /// Adds a name known to have no entry.
    fn push(&mut self, name: String, value: V) {
        let list = &self.list;
        self.table
            .insert_unique(hash(&name), list.len(), |&i| hash(&list[i].0));
        self.list.push((name, value));
    }

    /// Keeps the entries for which `keep` is true, in their order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&str, &V) -> bool) {
        self.list.retain(|(n, v)| keep(n, v));
        self.table.clear();
        let list = &self.list;
        for (i, (name, _)) in list.iter().enumerate() {
            self.table
                .insert_unique(hash(name), i, |&j| hash(&list[j].0));
        }
        *self.last.get_mut() = 0;
    }

    /// The entries in their order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.list.iter().map(|(n, v)| (n, v))
    }

    /// The names in their order.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|(n, _)| n.as_str())
    }
}

impl<V> IntoIterator for CacheIndex<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Whatever the order of inserts, lookups and removals, the index answers as a map by
    /// name, and keeps its entries in the order each name was first added.
    #[quickcheck_macros::quickcheck]
    fn answers_as_a_map_in_order_of_adding(ops: Vec<(u8, u8, u32)>) -> bool {
        let mut ix: CacheIndex<u32> = CacheIndex::default();
        let mut model: HashMap<String, u32> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        for (op, n, v) in ops {
            // few distinct names, so that lookups and replacements hit
            let name = format!("17000{}.M{}P1.host", n % 40, n % 7);
            match op % 5 {
                0 => {
                    if !model.contains_key(&name) {
                        order.push(name.clone());
                    }
                    ix.insert(name.clone(), v);
                    model.insert(name, v);
                }
                // a copy answers as the original
                1 => ix = ix.clone(),
                2 => {
                    let found = if v % 2 == 0 {
                        ix.get_mut(&name).copied()
                    } else {
                        ix.find(&name).copied()
                    };
                    if found != model.get(&name).copied() {
                        return false;
                    }
                }
                3 => {
                    if ix.peek(&name) != model.get(&name) {
                        return false;
                    }
                }
                _ => {
                    let drop = |n: &str| n.len() % 3 == usize::from(v % 3 == 0);
                    ix.retain(|n, _| !drop(n));
                    model.retain(|n, _| !drop(n));
                    order.retain(|n| !drop(n));
                }
            }
        }
        ix.len() == model.len()
            && ix.names().eq(order.iter().map(String::as_str))
            && ix.iter().all(|(n, v)| model.get(n) == Some(v))
    }

    /// A walk in order finds each entry next to the one before (the place moves with it);
    /// a lookup out of order still finds its entry.
    #[test]
    fn a_walk_in_order_finds_each_next() {
        let mut ix = CacheIndex::with_capacity(100);
        for i in 0..100 {
            ix.insert(format!("m{i}"), i);
        }
        for i in 0..100 {
            assert_eq!(ix.get_mut(&format!("m{i}")).copied(), Some(i));
            assert_eq!(*ix.last.get_mut(), i);
        }
        assert_eq!(ix.get_mut("m7").copied(), Some(7));
        assert_eq!(ix.get_mut("none"), None);
        assert_eq!(*ix.last.get_mut(), 7);
        // (through a shared reference alike)
        assert_eq!(ix.find("m8").copied(), Some(8));
        assert_eq!(*ix.last.get_mut(), 8);
    }
}
