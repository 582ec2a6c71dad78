//! What makes paging cheap on the local server: the ids a query matches, kept between its pages,
//! and the part of its filters that only bounds `id` (how an event stream reads "after id N"),
//! applied to them by binary search. Reading page after page of one query, or polling
//! `id > N` again and again, costs O(page) once the query has been run.

use serde_json::Value;
use sg_api3::methods::read::{Condition, FilterItem, LogicalOperator, ReadParams};
use std::sync::Arc;

/// Sets of ids as sorted, disjoint, inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdRanges(Vec<(i64, i64)>);

impl IdRanges {
    pub(crate) fn all() -> Self {
        IdRanges(vec![(i64::MIN, i64::MAX)])
    }

    fn from_unsorted(mut r: Vec<(i64, i64)>) -> Self {
        r.retain(|(a, b)| a <= b);
        r.sort_unstable();
        let mut out: Vec<(i64, i64)> = Vec::with_capacity(r.len());
        for (a, b) in r {
            match out.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        IdRanges(out)
    }

    fn union(self, other: IdRanges) -> Self {
        let mut r = self.0;
        r.extend(other.0);
        IdRanges::from_unsorted(r)
    }

    fn intersect(&self, other: &IdRanges) -> Self {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            let (lo, hi) = (a.0.max(b.0), a.1.min(b.1));
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IdRanges(out)
    }

    /// Whether `id` is in the set.
    pub(crate) fn contains(&self, id: i64) -> bool {
        let i = self.0.partition_point(|(_, hi)| *hi < id);
        self.0.get(i).is_some_and(|(lo, _)| *lo <= id)
    }

    /// The ids of `sorted` (ascending) in the set, as slices of it, in order.
    pub(crate) fn slices<'a>(&'a self, sorted: &'a [i64]) -> impl Iterator<Item = &'a [i64]> + 'a {
        self.0.iter().map(move |(lo, hi)| {
            let a = sorted.partition_point(|id| id < lo);
            let b = sorted.partition_point(|id| id <= hi);
            &sorted[a..b.max(a)]
        })
    }

    /// The ranges one condition on `id` stands for, if it is one this module understands:
    /// `is`, `in`, `greater_than`, `less_than`, `between` with integer values.
    fn of_condition(c: &Condition) -> Option<IdRanges> {
        if c.path != "id" {
            return None;
        }
        let values: Vec<i64> = c.values.iter().map(Value::as_i64).collect::<Option<_>>()?;
        let one = || (values.len() == 1).then(|| values[0]);
        Some(match c.relation.as_str() {
            "is" => IdRanges::from_unsorted(vec![(one()?, one()?)]),
            "in" => IdRanges::from_unsorted(values.iter().map(|v| (*v, *v)).collect()),
            "greater_than" => IdRanges::from_unsorted(vec![(one()?.checked_add(1)?, i64::MAX)]),
            "less_than" => IdRanges::from_unsorted(vec![(i64::MIN, one()?.checked_sub(1)?)]),
            "between" if values.len() == 2 => IdRanges::from_unsorted(vec![(values[0], values[1])]),
            _ => return None,
        })
    }

    /// The ranges a filter (a condition or a group) stands for, if it bounds `id` only.
    fn of_filter(f: &FilterItem) -> Option<IdRanges> {
        let g = match f {
            FilterItem::Condition(c) => return IdRanges::of_condition(c),
            FilterItem::Group(g) => g,
        };
        let or = g.logical_operator == LogicalOperator::Or;
        let mut acc = if or {
            IdRanges(Vec::new())
        } else {
            IdRanges::all()
        };
        for m in &g.conditions {
            let r = IdRanges::of_filter(m)?;
            acc = if or { acc.union(r) } else { acc.intersect(&r) };
        }
        Some(acc)
    }
}

/// Splits a read's parameters into the ids its top-level `and` conditions on `id` allow, and
/// the rest of the query (without those conditions and without `paging`): the key its matches
/// are kept under.
pub(crate) fn split_query(p: &ReadParams) -> (IdRanges, ReadParams) {
    let mut rest = p.clone();
    rest.paging = None;
    let mut ranges = IdRanges::all();
    if rest.filters.logical_operator == LogicalOperator::And {
        rest.filters
            .conditions
            .retain(|c| match IdRanges::of_filter(c) {
                Some(r) => {
                    ranges = ranges.intersect(&r);
                    false
                }
                None => true,
            });
    }
    (ranges, rest)
}

/// The ids the last query matched, in its order, until the store changes.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReadCache {
    entry: Option<(String, Arc<Vec<i64>>)>,
}

impl ReadCache {
    /// The ids kept for `key`, if any.
    pub(crate) fn get(&self, key: &str) -> Option<Arc<Vec<i64>>> {
        self.entry
            .as_ref()
            .filter(|(k, _)| k == key)
            .map(|(_, ids)| ids.clone())
    }

    /// Keeps `ids` for `key` (one query at a time: an event stream or a paged find).
    pub(crate) fn put(&mut self, key: String, ids: Arc<Vec<i64>>) {
        self.entry = Some((key, ids));
    }

    /// Forgets what was kept: called on every change to the store.
    pub(crate) fn clear(&mut self) {
        self.entry = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(v: Value) -> FilterItem {
        serde_json::from_value(v).unwrap()
    }

    fn cond(rel: &str, v: Value) -> Value {
        json!({"path": "id", "relation": rel, "values": v})
    }

    fn ranges(v: Value) -> Option<IdRanges> {
        IdRanges::of_filter(&item(v))
    }

    #[test]
    fn id_conditions_become_ranges() {
        let r = ranges(json!({"logical_operator": "or", "conditions": [
            cond("greater_than", json!([10])), cond("in", json!([3, 5, 4, 12]))
        ]}))
        .unwrap();
        assert_eq!(r, IdRanges(vec![(3, 5), (11, i64::MAX)]));
        let sorted: Vec<i64> = (1..=15).collect();
        let got: Vec<i64> = r.slices(&sorted).flatten().copied().collect();
        assert_eq!(got, [3, 4, 5, 11, 12, 13, 14, 15]);
        assert!(r.contains(4) && !r.contains(6) && r.contains(11));
        let and = json!({"logical_operator": "and", "conditions": [
            cond("greater_than", json!([2])), cond("less_than", json!([5]))
        ]});
        assert_eq!(ranges(and).unwrap(), IdRanges(vec![(3, 4)]));
        assert_eq!(
            ranges(cond("between", json!([7, 9]))).unwrap(),
            IdRanges(vec![(7, 9)])
        );
        assert_eq!(ranges(cond("greater_than", json!([i64::MAX]))), None);
        // Anything else stays a filter: other fields, other relations, values not integers.
        assert_eq!(ranges(cond("not_in", json!([1]))), None);
        assert_eq!(ranges(cond("is", json!([null]))), None);
        assert_eq!(
            ranges(json!({"path": "code", "relation": "is", "values": ["a"]})),
            None
        );
    }

    fn params(v: Value) -> ReadParams {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn only_top_level_and_conditions_on_id_leave_the_key() {
        let p = params(
            json!({"type": "Shot", "paging": {"entities_per_page": 5, "current_page": 3},
            "filters": {"logical_operator": "and", "conditions": [
                cond("greater_than", json!([10])),
                {"path": "code", "relation": "is", "values": ["a"]}
            ]}}),
        );
        let (r, rest) = split_query(&p);
        assert_eq!(r, IdRanges(vec![(11, i64::MAX)]));
        assert_eq!(
            rest,
            params(
                json!({"type": "Shot", "filters": {"logical_operator": "and", "conditions": [
                    {"path": "code", "relation": "is", "values": ["a"]}
                ]}})
            )
        );
        let or = params(
            json!({"type": "Shot", "filters": {"logical_operator": "or", "conditions": [
                cond("greater_than", json!([10])),
                {"path": "code", "relation": "is", "values": ["a"]}
            ]}}),
        );
        let (r, rest) = split_query(&or);
        assert_eq!(r, IdRanges::all());
        assert_eq!(rest, or);
    }
}
