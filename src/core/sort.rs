//! SORT ordering (RFC 5256 §3) as a pure function over the messages' keys.

use std::cmp::Ordering;

use crate::message::date::days_from_civil;
use crate::message::keys::SortKeys;
use crate::syntax::types::{DateTime, SortCriterion, SortKey};

/// One message to sort or thread.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// What the response names it by: the sequence number, or the UID for UID SORT/THREAD.
    pub id: u32,
    /// Its sequence number: the final tie-breaker (§2.2, §3).
    pub seq: u32,
    /// INTERNALDATE as seconds since the epoch, UTC (ARRIVAL, and the sent-date fallback).
    pub arrival: i64,
    /// RFC822.SIZE.
    pub size: u64,
    /// Header-derived keys.
    pub keys: &'a SortKeys,
}

impl Item<'_> {
    /// The sent date (§2.2): the Date: header in UTC, or INTERNALDATE when it is missing or
    /// cannot be parsed.
    pub fn sent(&self) -> i64 {
        self.keys.sent.unwrap_or(self.arrival)
    }
}

/// Seconds since the epoch of an INTERNALDATE, adjusted to UTC.
pub fn timestamp(d: &DateTime) -> i64 {
    let days = days_from_civil(d.date.year.into(), d.date.month.into(), d.date.day.into());
    days * 86_400 + i64::from(d.hour) * 3600 + i64::from(d.minute) * 60 + i64::from(d.second)
        - i64::from(d.zone_minutes) * 60
}

fn compare(a: &Item<'_>, b: &Item<'_>, key: SortKey) -> Ordering {
    match key {
        SortKey::Arrival => a.arrival.cmp(&b.arrival),
        SortKey::Cc => a.keys.cc.cmp(&b.keys.cc),
        SortKey::Date => a.sent().cmp(&b.sent()),
        SortKey::From => a.keys.from.cmp(&b.keys.from),
        SortKey::Size => a.size.cmp(&b.size),
        SortKey::Subject => a.keys.subject.cmp(&b.keys.subject),
        SortKey::To => a.keys.to.cmp(&b.keys.to),
    }
}

/// Orders `items` by the criteria, each optionally REVERSEd; messages equal on every
/// criterion stay in sequence-number order (§3: "the order in which the two messages appear
/// in the mailbox ... is used as a tie-breaker"), which REVERSE does not invert. Strings
/// compare as octets of their i;unicode-casemap canonical form (RFC 5051 §2).
pub fn sort(items: &mut [Item<'_>], criteria: &[SortCriterion]) {
    if let Some(key) = numeric_key(criteria) {
        // One or two numeric criteria (SORT (DATE), (REVERSE ARRIVAL), (DATE SIZE)): one
        // integer per message, then the sequence number, sorted at once; no comparison
        // reads a message's keys through its reference.
        let mut order: Vec<(u128, u32, u32)> = items
            .iter()
            .enumerate()
            .map(|(i, it)| (key(it), it.seq, i as u32))
            .collect();
        order.sort_unstable();
        let sorted: Vec<Item<'_>> = order.iter().map(|&(_, _, i)| items[i as usize]).collect();
        items.copy_from_slice(&sorted);
        return;
    }
    items.sort_by(|a, b| order(a, b, criteria));
}

/// How `a` and `b` compare by the criteria, then by sequence number.
fn order(a: &Item<'_>, b: &Item<'_>, criteria: &[SortCriterion]) -> Ordering {
    criteria
        .iter()
        .map(|c| {
            let o = compare(a, b, c.key);
            if c.reverse {
                o.reverse()
            } else {
                o
            }
        })
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.seq.cmp(&b.seq))
}

/// A criterion's value as an unsigned integer in the same order (reversed for REVERSE), if
/// it is a number.
fn numeric(it: &Item<'_>, c: SortCriterion) -> Option<u64> {
    // (an i64 with its sign bit flipped orders as a u64)
    let signed = |v: i64| (v as u64) ^ (1 << 63);
    let v = match c.key {
        SortKey::Arrival => signed(it.arrival),
        SortKey::Date => signed(it.sent()),
        SortKey::Size => it.size,
        SortKey::Cc | SortKey::From | SortKey::Subject | SortKey::To => return None,
    };
    Some(if c.reverse { !v } else { v })
}

/// For one or two numeric criteria, a key whose order is theirs (the first in the high
/// half).
fn numeric_key(criteria: &[SortCriterion]) -> Option<impl Fn(&Item<'_>) -> u128> {
    let is_numeric = |k: SortKey| matches!(k, SortKey::Arrival | SortKey::Date | SortKey::Size);
    let (first, second) = match criteria {
        [a] => (*a, None),
        [a, b] => (*a, Some(*b)),
        _ => return None,
    };
    if !is_numeric(first.key) || second.is_some_and(|b| !is_numeric(b.key)) {
        return None;
    }
    Some(move |it: &Item<'_>| {
        let hi = numeric(it, first).unwrap_or(0);
        let lo = second.and_then(|b| numeric(it, b)).unwrap_or(0);
        (u128::from(hi) << 64) | u128::from(lo)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::TestResult;
    use quickcheck_macros::quickcheck;

    fn crit(reverse: bool, key: SortKey) -> SortCriterion {
        SortCriterion { reverse, key }
    }

    const KEYS: [SortKey; 7] = [
        SortKey::Arrival,
        SortKey::Cc,
        SortKey::Date,
        SortKey::From,
        SortKey::Size,
        SortKey::Subject,
        SortKey::To,
    ];

    fn keys_of(v: &[(u8, u8, u8)]) -> Vec<SortKeys> {
        v.iter()
            .map(|&(s, f, d)| SortKeys {
                sent: (d % 4 != 0).then_some(i64::from(d % 8)),
                subject: ["A", "B", ""][usize::from(s % 3)].into(),
                from: ["X", "Y"][usize::from(f % 2)].into(),
                ..SortKeys::default()
            })
            .collect()
    }

    /// Numeric criteria (sorted by one integer key) order as the comparison does, over
    /// the whole range of dates and sizes.
    #[quickcheck]
    fn numeric_keys_order_as_compared(
        v: Vec<(i64, Option<i64>, u64)>,
        crit_ix: Vec<(bool, u8)>,
        extremes: u8,
    ) -> bool {
        const NUMERIC: [SortKey; 3] = [SortKey::Arrival, SortKey::Date, SortKey::Size];
        let picks = [i64::MIN, -1, 0, 1, i64::MAX];
        let keys: Vec<SortKeys> = v
            .iter()
            .enumerate()
            .map(|(i, &(_, sent, _))| SortKeys {
                sent: sent.map(|s| if extremes & 1 == 1 { picks[i % 5] } else { s }),
                ..SortKeys::default()
            })
            .collect();
        let items: Vec<Item<'_>> = v
            .iter()
            .zip(&keys)
            .enumerate()
            .map(|(i, (&(arrival, _, size), k))| Item {
                id: i as u32,
                // (repeats, so ties fall to the criteria)
                seq: i as u32 + 1,
                arrival: if extremes & 2 == 2 {
                    picks[i % 5]
                } else {
                    arrival % 4
                },
                size: if extremes & 4 == 4 {
                    [0, 1, u64::MAX][i % 3]
                } else {
                    size % 3
                },
                keys: k,
            })
            .collect();
        let criteria: Vec<_> = crit_ix
            .iter()
            .take(2)
            .map(|&(r, k)| crit(r, NUMERIC[usize::from(k) % NUMERIC.len()]))
            .collect();
        if criteria.is_empty() {
            return true;
        }
        let mut fast = items.clone();
        sort(&mut fast, &criteria);
        let mut slow = items;
        slow.sort_by(|a, b| order(a, b, &criteria));
        fast.iter().map(|i| i.id).eq(slow.iter().map(|i| i.id))
    }

    #[quickcheck]
    fn sort_is_a_stable_permutation(v: Vec<(u8, u8, u8)>, crit_ix: Vec<(bool, u8)>) -> TestResult {
        if crit_ix.is_empty() {
            return TestResult::discard();
        }
        let keys = keys_of(&v);
        let mut items: Vec<Item<'_>> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| Item {
                id: 100 + i as u32,
                seq: i as u32 + 1,
                arrival: i64::from(v[i].2 % 3),
                size: u64::from(v[i].0 % 5),
                keys: k,
            })
            .collect();
        let criteria: Vec<_> = crit_ix
            .iter()
            .map(|&(r, k)| crit(r, KEYS[usize::from(k) % KEYS.len()]))
            .collect();
        sort(&mut items, &criteria);
        // a permutation
        let mut ids: Vec<u32> = items.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        let expect: Vec<u32> = (0..v.len() as u32).map(|i| 100 + i).collect();
        if ids != expect {
            return TestResult::failed();
        }
        // ordered, with ties by sequence number
        for w in items.windows(2) {
            let o = criteria
                .iter()
                .map(|c| {
                    let o = compare(&w[0], &w[1], c.key);
                    if c.reverse {
                        o.reverse()
                    } else {
                        o
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| w[0].seq.cmp(&w[1].seq));
            if o != Ordering::Less {
                return TestResult::failed();
            }
        }
        TestResult::passed()
    }

    #[quickcheck]
    fn arrival_with_equal_dates_keeps_sequence_order(n: u8) -> bool {
        let k = SortKeys::default();
        let mut items: Vec<Item<'_>> = (1..=u32::from(n))
            .map(|i| Item {
                id: i,
                seq: i,
                arrival: 7,
                size: 1,
                keys: &k,
            })
            .collect();
        sort(&mut items, &[crit(true, SortKey::Arrival)]);
        items.iter().map(|i| i.id).eq(1..=u32::from(n))
    }

    #[test]
    fn date_falls_back_to_internaldate() {
        let dated = SortKeys {
            sent: Some(50),
            ..SortKeys::default()
        };
        let undated = SortKeys::default();
        let mut items = vec![
            Item {
                id: 1,
                seq: 1,
                arrival: 10,
                size: 0,
                keys: &dated,
            },
            Item {
                id: 2,
                seq: 2,
                arrival: 20,
                size: 0,
                keys: &undated,
            },
        ];
        sort(&mut items, &[crit(false, SortKey::Date)]);
        assert_eq!(items[0].id, 2);
    }

    #[test]
    fn internaldate_is_utc() {
        let d = DateTime::new(
            crate::syntax::types::Date::new(2000, 12, 31).unwrap(),
            16,
            1,
            33,
            -8 * 60,
        )
        .unwrap();
        // §2.2 example: "31 Dec 2000 16:01:33 -0800" is 1 Jan 2001 00:01:33 UTC
        assert_eq!(timestamp(&d), 978_307_293);
    }
}
