//! THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3 and the steps of its REFERENCES
//! description), as pure functions over the searched messages' keys.

// Message-IDs and subjects come from mail anyone can send: std's SipHash with random keys,
// whose collisions cannot be crafted without the keys (a fast unkeyed hash could be made
// quadratic by a mailbox of chosen ids).
use std::collections::HashMap;

use crate::syntax::types::ThreadNode;

use super::sort::Item;

/// (sent date, sequence number): the sibling order of §2.2, ties by sequence number.
fn date_key(i: &Item<'_>) -> (i64, u32) {
    (i.sent(), i.seq)
}

/// ORDEREDSUBJECT: sort by base subject then sent date, one thread per base subject whose
/// first message is the root and the others its children; threads ordered by the sent date
/// of their first message.
pub fn ordered_subject(items: &[Item<'_>]) -> Vec<ThreadNode> {
    let mut sorted: Vec<&Item<'_>> = items.iter().collect();
    sorted.sort_by(|a, b| {
        (a.keys.subject.as_str(), date_key(a)).cmp(&(b.keys.subject.as_str(), date_key(b)))
    });
    let mut threads: Vec<(&Item<'_>, ThreadNode)> = Vec::new();
    for it in sorted {
        match threads.last_mut() {
            Some((first, node)) if first.keys.subject == it.keys.subject => {
                node.children.push(leaf(it.id));
            }
            _ => threads.push((it, leaf(it.id))),
        }
    }
    threads.sort_by_key(|(first, _)| date_key(first));
    threads.into_iter().map(|(_, n)| n).collect()
}

fn leaf(id: u32) -> ThreadNode {
    ThreadNode {
        message: Some(id),
        children: Vec::new(),
    }
}

/// A container of the REFERENCES algorithm: a message, or a dummy for a referenced id.
#[derive(Debug, Default, Clone)]
struct Node {
    msg: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

struct Forest<'i, 'k> {
    items: &'i [Item<'k>],
    nodes: Vec<Node>,
}

impl<'k> Forest<'_, 'k> {
    fn add(&mut self, msg: Option<usize>) -> usize {
        self.nodes.push(Node {
            msg,
            ..Node::default()
        });
        self.nodes.len() - 1
    }

    /// True if `a` is `b` or one of its descendants.
    fn is_under(&self, mut a: usize, b: usize) -> bool {
        loop {
            if a == b {
                return true;
            }
            match self.nodes[a].parent {
                Some(p) => a = p,
                None => return false,
            }
        }
    }

    fn unlink(&mut self, child: usize) {
        if let Some(p) = self.nodes[child].parent.take() {
            self.nodes[p].children.retain(|&c| c != child);
        }
    }

    /// Makes `child` a child of `parent` unless that would make a loop.
    fn link(&mut self, parent: usize, child: usize) {
        if self.is_under(parent, child) {
            return;
        }
        self.unlink(child);
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }

    /// Sort key of a node: its message's, or for a dummy its first child's (§4 steps 4, 6).
    fn key(&self, n: usize) -> (i64, u32) {
        match self.nodes[n].msg {
            Some(m) => date_key(&self.items[m]),
            None => self.nodes[n]
                .children
                .first()
                .map_or((i64::MIN, 0), |&c| self.key(c)),
        }
    }

    /// The thread subject (§4 step 5.B.i): the node's base subject, or its first child's.
    fn subject(&self, n: usize) -> &'k str {
        match self.nodes[n].msg {
            Some(m) => &self.items[m].keys.subject,
            None => self.nodes[n]
                .children
                .first()
                .and_then(|&c| self.nodes[c].msg)
                .map_or("", |m| &self.items[m].keys.subject),
        }
    }

    fn is_dummy(&self, n: usize) -> bool {
        self.nodes[n].msg.is_none()
    }

    fn is_reply(&self, n: usize) -> bool {
        self.nodes[n].msg.is_some_and(|m| self.items[m].keys.reply)
    }

    /// Step 3: drops childless dummies and splices a dummy's children into its place,
    /// except at the root where a dummy with several children stays.
    fn prune(&mut self, list: Vec<usize>, at_root: bool, parent: Option<usize>) -> Vec<usize> {
        let mut out = Vec::with_capacity(list.len());
        for n in list {
            let kids = std::mem::take(&mut self.nodes[n].children);
            let kids = self.prune(kids, false, Some(n));
            if !self.is_dummy(n) || (at_root && kids.len() > 1) {
                self.nodes[n].children = kids;
                out.push(n);
            } else {
                for &k in &kids {
                    self.nodes[k].parent = parent;
                }
                out.extend(kids);
            }
        }
        out
    }

    /// Step 6: sorts every set of siblings by sent date, children before parents.
    fn sort_all(&mut self, list: &mut [usize]) {
        for &n in list.iter() {
            let mut kids = std::mem::take(&mut self.nodes[n].children);
            self.sort_all(&mut kids);
            self.nodes[n].children = kids;
        }
        list.sort_by_key(|&n| self.key(n));
    }

    fn to_tree(&self, n: usize) -> ThreadNode {
        ThreadNode {
            message: self.nodes[n].msg.map(|m| self.items[m].id),
            children: self.nodes[n]
                .children
                .iter()
                .map(|&c| self.to_tree(c))
                .collect(),
        }
    }
}

/// REFERENCES threading (§3, steps 1–6). `items` must be in sequence-number order.
pub fn references(items: &[Item<'_>]) -> Vec<ThreadNode> {
    let mut f = Forest {
        items,
        nodes: Vec::with_capacity(items.len() * 2),
    };
    // id → container; a message claims a dummy that was created for its id.
    let mut ids: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (m, it) in items.iter().enumerate() {
        // (1.A) a missing, invalid or duplicate Message-ID gets a unique (unnamed) container
        let me = match it.keys.message_id.as_deref() {
            Some(id) => match ids.get(id) {
                Some(&c) if f.nodes[c].msg.is_none() => {
                    f.nodes[c].msg = Some(m);
                    c
                }
                Some(_) => f.add(Some(m)),
                None => {
                    let c = f.add(Some(m));
                    ids.insert(id, c);
                    c
                }
            },
            None => f.add(Some(m)),
        };
        let mut prev: Option<usize> = None;
        for r in &it.keys.references {
            let c = match ids.get(r.as_str()) {
                Some(&c) => c,
                None => {
                    let c = f.add(None);
                    ids.insert(r, c);
                    c
                }
            };
            // link consecutive references, keeping any existing parent, never a loop
            if let Some(p) = prev {
                if f.nodes[c].parent.is_none() && p != c {
                    f.link(p, c);
                }
            }
            prev = Some(c);
        }
        // (1.B) the last reference becomes the parent, replacing any earlier guess; a link
        // that would make a loop is not created and the earlier parent stays; no references
        // means no parent
        match prev {
            Some(p) => f.link(p, me),
            None => f.unlink(me),
        }
    }
    // (2) the root set
    let roots: Vec<usize> = (0..f.nodes.len())
        .filter(|&n| f.nodes[n].parent.is_none())
        .collect();
    // (3) prune dummies
    let mut roots = f.prune(roots, true, None);
    // (4) sort the root set, dummies by their first child
    for &n in &roots {
        if f.is_dummy(n) {
            let mut kids = std::mem::take(&mut f.nodes[n].children);
            kids.sort_by_key(|&c| f.key(c));
            f.nodes[n].children = kids;
        }
    }
    roots.sort_by_key(|&n| f.key(n));
    // (5) merge threads by base subject
    let mut table: HashMap<&str, usize> = HashMap::with_capacity(roots.len());
    for &n in &roots {
        let s = f.subject(n);
        if s.is_empty() {
            continue;
        }
        match table.get(s) {
            None => {
                table.insert(s, n);
            }
            Some(&t) => {
                if !f.is_dummy(t) && (f.is_dummy(n) || (f.is_reply(t) && !f.is_reply(n))) {
                    table.insert(s, n);
                }
            }
        }
    }
    // Each root's place in `roots` (a dummy made below takes the place of the root it
    // adopts: found here, not by a search of `roots` per merge).
    let mut slot: Vec<Option<usize>> = vec![None; f.nodes.len()];
    for (i, &n) in roots.iter().enumerate() {
        slot[n] = Some(i);
    }
    let mut in_root = vec![false; f.nodes.len()];
    for &n in &roots {
        in_root[n] = true;
    }
    for n in roots.clone() {
        if !in_root[n] {
            continue;
        }
        let s = f.subject(n);
        if s.is_empty() {
            continue;
        }
        let t = table[s];
        if t == n {
            continue;
        }
        in_root[n] = false;
        if f.is_dummy(t) && f.is_dummy(n) {
            let kids = std::mem::take(&mut f.nodes[n].children);
            for k in kids {
                f.nodes[k].parent = Some(t);
                f.nodes[t].children.push(k);
            }
        } else if f.is_dummy(t) || (f.is_reply(n) && !f.is_reply(t)) {
            f.link(t, n);
        } else {
            let d = f.add(None);
            in_root.push(true);
            let at = slot[t].take();
            slot.push(at);
            if let Some(i) = at {
                roots[i] = d;
            }
            in_root[t] = false;
            f.link(d, t);
            f.link(d, n);
            table.insert(s, d);
        }
    }
    roots.retain(|&n| in_root[n]);
    // (6) sort every sibling set by sent date
    f.sort_all(&mut roots);
    roots.iter().map(|&n| f.to_tree(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::keys::SortKeys;
    use crate::message::Message;
    use crate::syntax::encode::encode_response;
    use crate::syntax::types::{Data, Response};
    use quickcheck_macros::quickcheck;

    fn wire(threads: Vec<ThreadNode>) -> String {
        let mut bytes = Vec::new();
        encode_response(&Response::Data(Data::Thread(threads)), &mut bytes);
        String::from_utf8(bytes).unwrap().trim_end().to_string()
    }

    /// Messages as (header text, date) in sequence order.
    fn keys(msgs: &[&str]) -> Vec<SortKeys> {
        msgs.iter()
            .map(|h| Message::parse(format!("{h}\n\n").as_bytes()).sort_keys())
            .collect()
    }

    fn items(keys: &[SortKeys]) -> Vec<Item<'_>> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| Item {
                id: i as u32 + 1,
                seq: i as u32 + 1,
                arrival: 0,
                size: 0,
                keys: k,
            })
            .collect()
    }

    fn msg(id: u32, subject: &str, day: u32, refs: &str) -> String {
        format!(
            "Message-ID: <{id}@x>\nSubject: {subject}\nDate: {day} Mar 2000 00:00:00 +0000\n\
             References: {refs}"
        )
    }

    #[test]
    fn ordered_subject_groups_and_orders() {
        let k = keys(&[
            &msg(1, "b", 3, ""),
            &msg(2, "a", 2, ""),
            &msg(3, "Re: b", 1, ""),
            &msg(4, "re: a", 4, ""),
            &msg(5, "Fwd: b", 5, ""),
            &msg(6, "c", 6, ""),
        ]);
        assert_eq!(
            wire(ordered_subject(&items(&k))),
            "* THREAD (3 (1)(5))(2 4)(6)"
        );
    }

    #[test]
    fn references_builds_the_tree() {
        let k = keys(&[
            &msg(1, "hello", 1, ""),
            &msg(2, "Re: hello", 2, "<1@x>"),
            &msg(3, "Re: hello", 3, "<1@x> <2@x>"),
            &msg(4, "Re: hello", 4, "<1@x>"),
            &msg(5, "other", 5, ""),
        ]);
        assert_eq!(wire(references(&items(&k))), "* THREAD (1 (2 3)(4))(5)");
    }

    #[test]
    fn references_missing_parent_becomes_dummy() {
        // 2 and 3 reply to an absent <0@x>: a dummy root with two children
        let k = keys(&[
            &msg(1, "x", 1, ""),
            &msg(2, "Re: lost", 2, "<0@x>"),
            &msg(3, "Re: lost", 3, "<0@x>"),
        ]);
        assert_eq!(wire(references(&items(&k))), "* THREAD (1)((2)(3))");
        // one child of a dummy is promoted
        let k = keys(&[&msg(1, "Re: lost", 2, "<0@x>")]);
        assert_eq!(wire(references(&items(&k))), "* THREAD (1)");
    }

    #[test]
    fn references_loops_are_not_made() {
        let k = keys(&[
            &msg(1, "a", 1, "<2@x>"),
            &msg(2, "b", 2, "<1@x>"),
            &msg(3, "c", 3, "<3@x>"),
        ]);
        // 1 is under 2 first; 2 → 1 would be a loop, so 2 loses its parent guess (1.B)
        let out = wire(references(&items(&k)));
        assert_eq!(out, "* THREAD (2 1)(3)");
    }

    #[test]
    fn references_duplicate_ids() {
        let k = keys(&[
            "Message-ID: <d@x>\nSubject: one\nDate: 1 Mar 2000 00:00 +0000",
            "Message-ID: <d@x>\nSubject: two\nDate: 2 Mar 2000 00:00 +0000",
            &msg(3, "three", 3, "<d@x>"),
        ]);
        assert_eq!(wire(references(&items(&k))), "* THREAD (1 3)(2)");
    }

    #[test]
    fn references_subject_merging() {
        // 1 and 3 unrelated by references, same base subject: 3 is a reply → child of 1.
        // 2 and 4 same subject, neither a reply: a new dummy holds both.
        let k = keys(&[
            &msg(1, "topic", 1, ""),
            &msg(2, "news", 2, ""),
            &msg(3, "Re: topic", 3, ""),
            &msg(4, "news", 4, ""),
        ]);
        assert_eq!(wire(references(&items(&k))), "* THREAD (1 3)((2)(4))");
    }

    #[test]
    fn references_in_reply_to_and_date_order() {
        let k = keys(&[
            &msg(1, "q", 5, ""),
            "Message-ID: <2@x>\nSubject: Re: q\nDate: 7 Mar 2000 00:00 +0000\nIn-Reply-To: <1@x>",
            "Message-ID: <3@x>\nSubject: Re: q\nDate: 6 Mar 2000 00:00 +0000\nIn-Reply-To: <1@x> (x)",
            &msg(4, "early", 1, ""),
        ]);
        assert_eq!(wire(references(&items(&k))), "* THREAD (4)(1 (3)(2))");
    }

    fn collect(n: &ThreadNode, out: &mut Vec<u32>) {
        out.extend(n.message);
        for c in &n.children {
            collect(c, out);
        }
    }

    fn random_keys(v: &[(u8, u8, u8, u8)]) -> Vec<SortKeys> {
        v.iter()
            .map(|&(mid, r1, r2, s)| SortKeys {
                sent: (s % 5 != 0).then_some(i64::from(s % 7)),
                subject: ["", "A", "B"][usize::from(s % 3)].into(),
                reply: r2 % 2 == 0,
                message_id: (mid % 6 != 0).then(|| format!("{}", mid % 8)),
                references: [r1 % 9, r2 % 9]
                    .iter()
                    .filter(|&&r| r < 8)
                    .map(|r| r.to_string())
                    .collect(),
                ..SortKeys::default()
            })
            .collect()
    }

    #[quickcheck]
    fn threads_contain_every_message_once(v: Vec<(u8, u8, u8, u8)>) -> bool {
        let k = random_keys(&v);
        let it = items(&k);
        [references(&it), ordered_subject(&it)].iter().all(|t| {
            let mut seen = Vec::new();
            for n in t {
                collect(n, &mut seen);
            }
            seen.sort_unstable();
            seen == (1..=v.len() as u32).collect::<Vec<_>>()
        })
    }
}
