//! A set of event ids kept as inclusive ranges: a log that starts at 2,000,000, or jumps by
//! 10^7, is one entry, never one per id.

use std::collections::BTreeMap;

/// Event ids as sorted, disjoint, non-adjacent inclusive ranges (`[a, b]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdRanges {
    /// start -> end, both included; no two touch or overlap.
    ranges: BTreeMap<i64, i64>,
}

impl IdRanges {
    /// No ids.
    pub fn new() -> IdRanges {
        IdRanges::default()
    }

    /// Whether it holds no id.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// How many ids it holds.
    pub fn len(&self) -> u64 {
        self.ranges
            .iter()
            .map(|(a, b)| b.abs_diff(*a).saturating_add(1))
            .fold(0u64, u64::saturating_add)
    }

    /// How many ranges it holds.
    pub fn range_count(&self) -> usize {
        self.ranges.len()
    }

    /// Whether `id` is in it.
    pub fn contains(&self, id: i64) -> bool {
        self.ranges
            .range(..=id)
            .next_back()
            .is_some_and(|(_, end)| *end >= id)
    }

    /// The lowest id.
    pub fn first(&self) -> Option<i64> {
        self.ranges.keys().next().copied()
    }

    /// The highest id.
    pub fn last(&self) -> Option<i64> {
        self.ranges.values().next_back().copied()
    }

    /// The ranges, lowest first, as inclusive `(start, end)`.
    pub fn iter(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.ranges.iter().map(|(a, b)| (*a, *b))
    }

    /// Adds `id`.
    pub fn insert(&mut self, id: i64) {
        self.insert_range(id, id);
    }

    /// Adds every id of `[start, end]` (nothing when `start > end`), merging with what touches.
    pub fn insert_range(&mut self, start: i64, end: i64) {
        if start > end {
            return;
        }
        let (mut start, mut end) = (start, end);
        // A range that starts at or before `end + 1` and ends at or after `start - 1` touches.
        let touching: Vec<(i64, i64)> = self
            .ranges
            .range(..=end.saturating_add(1))
            .rev()
            .take_while(|(_, b)| **b >= start.saturating_sub(1))
            .map(|(a, b)| (*a, *b))
            .collect();
        for (a, b) in touching {
            self.ranges.remove(&a);
            start = start.min(a);
            end = end.max(b);
        }
        self.ranges.insert(start, end);
    }

    /// Removes `id`; whether it was there.
    pub fn remove(&mut self, id: i64) -> bool {
        self.remove_range(id, id) > 0
    }

    /// Removes every id of `[start, end]`; how many were there.
    pub fn remove_range(&mut self, start: i64, end: i64) -> u64 {
        if start > end {
            return 0;
        }
        let overlapping: Vec<(i64, i64)> = self
            .ranges
            .range(..=end)
            .rev()
            .take_while(|(_, b)| **b >= start)
            .map(|(a, b)| (*a, *b))
            .collect();
        let mut removed = 0u64;
        for (a, b) in overlapping {
            self.ranges.remove(&a);
            let (cut_a, cut_b) = (a.max(start), b.min(end));
            removed = removed.saturating_add(cut_b.abs_diff(cut_a).saturating_add(1));
            if a < start {
                self.ranges.insert(a, start - 1);
            }
            if b > end {
                self.ranges.insert(end + 1, b);
            }
        }
        removed
    }

    /// The ranges that lie in `[start, end]`, cut to it.
    pub fn within(&self, start: i64, end: i64) -> Vec<(i64, i64)> {
        if start > end {
            return Vec::new();
        }
        let mut out: Vec<(i64, i64)> = self
            .ranges
            .range(..=end)
            .rev()
            .take_while(|(_, b)| **b >= start)
            .map(|(a, b)| ((*a).max(start), (*b).min(end)))
            .collect();
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::IdRanges;

    fn ranges(r: &IdRanges) -> Vec<(i64, i64)> {
        r.iter().collect()
    }

    #[test]
    fn inserts_merge_what_touches_and_removes_split() {
        let mut r = IdRanges::new();
        r.insert_range(10, 20);
        r.insert_range(30, 40);
        r.insert(21);
        assert_eq!(ranges(&r), [(10, 21), (30, 40)]);
        r.insert_range(22, 29);
        assert_eq!(ranges(&r), [(10, 40)]);
        assert_eq!(r.len(), 31);
        assert!(r.remove(15));
        assert!(!r.remove(15));
        assert_eq!(ranges(&r), [(10, 14), (16, 40)]);
        assert_eq!(r.remove_range(12, 35), 23);
        assert_eq!(ranges(&r), [(10, 11), (36, 40)]);
        assert_eq!(r.within(0, 37), [(10, 11), (36, 37)]);
        assert!(r.contains(11) && !r.contains(12) && r.contains(40) && !r.contains(41));
        assert_eq!((r.first(), r.last()), (Some(10), Some(40)));
        r.insert_range(1, 2_000_000);
        assert_eq!(ranges(&r), [(1, 2_000_000)]);
        assert_eq!(r.range_count(), 1);
        r.insert_range(5, 4);
        assert_eq!(r.range_count(), 1, "an empty range adds nothing");
    }

    #[test]
    fn agrees_with_a_set_of_ids_under_random_edits() {
        // A fixed-seed walk of inserts and removals, checked id by id against a BTreeSet.
        let mut seed: u64 = 0x05ee_d1d5;
        let mut next = move |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        let mut r = IdRanges::new();
        let mut set = std::collections::BTreeSet::new();
        for _ in 0..5_000 {
            let a = next(200) as i64;
            let b = a + next(12) as i64;
            if next(3) == 0 {
                let want = (a..=b).filter(|i| set.remove(i)).count() as u64;
                assert_eq!(r.remove_range(a, b), want);
            } else {
                set.extend(a..=b);
                r.insert_range(a, b);
            }
            assert_eq!(r.len(), set.len() as u64);
        }
        for id in -1..215 {
            assert_eq!(r.contains(id), set.contains(&id), "{id}");
        }
        let pairs = ranges(&r);
        assert!(pairs.windows(2).all(|w| w[0].1 + 1 < w[1].0), "{pairs:?}");
    }
}
