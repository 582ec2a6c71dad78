//! Query fields, computed by the client: a site computes them in its web UI and returns `null`
//! through api3, so a read that names one fills it here, from the field's definition
//! ([`QueryDefinition`]), in far fewer requests than one per record.
//!
//! The reference is the per-record method (what the Python wrapper `fpt-api` does with the
//! official client's `summarize` and `find`): for each record, the query's filters with the
//! parent token replaced by the record. Each field takes one of four ways, chosen from where the
//! token sits and what the path it is compared with holds:
//!
//! * **one for all**: no token, so every record has the same value: one request;
//! * **grouped**: the token is a condition every record must meet (`path is <record>`) and
//!   `path` goes through single-entity links only, so each record summarized belongs to exactly
//!   one parent: one `summarize` per batch of parents, `path in <parents>`, grouped by `path`;
//!   the site computes every aggregate itself. Each group's `group_value` is the parent's link,
//!   as the official client's `summarize` docstring shows for a grouping on a Task's `entity`
//!   (`{'id': 2, 'name': 'shot_010', 'type': 'Shot', 'valid': 'valid'}`); another shape is an
//!   error. A parent with no group gets the site's own answer for an empty set (asked once per
//!   field, beside the groups, for a parent that cannot exist);
//! * **picked**: the same token place, read with `find` (`path in <parents>`, sorted as the
//!   field asks) and dealt out to the parents: `single_record` (the first `limit` records of a
//!   parent, in the site's order), and `record_count` through a multi-entity link (a record
//!   counts once for each parent it links to; a site's grouping of multi-entity fields is not
//!   what a per-record count needs);
//! * **per record**: anything else (the token under an `or`, another relation, an aggregate
//!   over a multi-entity link the client would have to recompute, paths it cannot tell): the
//!   per-record method itself, its requests side by side through the client's limit.

use super::read::Fill;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{Filter, Grouping, Query, Summary};
use serde_json::{json, Value};
use sg_api3::query::{QueryDefinition, SummaryKind, TokenPlace};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// Parents per grouped or picked request.
pub const PARENTS_PER_REQUEST: usize = 500;

/// One query field to fill in a read's records.
#[derive(Clone, Debug)]
struct Target {
    /// The key the value goes under: the field, or a `link.Type.field` path.
    key: String,
    /// The link to the parent: `None` for the record itself, else its path (`entity`).
    link: Option<String>,
    /// The parent's entity type.
    parent_type: String,
    def: QueryDefinition,
    way: Way,
}

/// How a query field is computed (see the module's doc).
#[derive(Clone, Debug, PartialEq)]
enum Way {
    OneForAll,
    Grouped { path: String },
    Picked { path: String },
    PerRecord,
}

fn way(def: &QueryDefinition) -> Result<Way> {
    let kind = def.kind().map_err(Error::InvalidRequest)?;
    let place = def.token_place().map_err(Error::InvalidRequest)?;
    let single = !def.token_hops.is_empty() && def.token_hops.iter().all(|h| h == "entity");
    let one_multi = def.token_hops.len() == 1 && def.token_hops[0] == "multi_entity";
    Ok(match place {
        TokenPlace::Absent => Way::OneForAll,
        TokenPlace::Elsewhere => Way::PerRecord,
        TokenPlace::Conjunct { path } => match kind {
            SummaryKind::SingleRecord { .. } if single || one_multi => Way::Picked { path },
            SummaryKind::Aggregate(_) if single => Way::Grouped { path },
            SummaryKind::Aggregate(k)
                if one_multi
                    && (k == "record_count" || (k == "count" && def.summary_field == "id")) =>
            {
                Way::Picked { path }
            }
            _ => Way::PerRecord,
        },
    })
}

/// A query field's key read as `(link to the parent, parent's type, field)`: a field of
/// `read_type` (`open_notes_count`), or `link.Type.field` through links
/// (`entity.Shot.open_notes_count`).
fn split(key: &str, read_type: &str) -> Result<(Option<String>, String, String)> {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.len() {
        1 => Ok((None, read_type.to_string(), key.to_string())),
        n if n >= 3 && n % 2 == 1 => Ok((
            Some(parts[..n - 2].join(".")),
            parts[n - 2].to_string(),
            parts[n - 1].to_string(),
        )),
        _ => Err(Error::InvalidRequest(format!(
            "query field `{key}` of {read_type}: give a field or a `link.Type.field` path"
        ))),
    }
}

/// What a read's query fields cost: requests sent, by way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryFieldStats {
    /// Requests sent to fill the fields.
    pub requests: usize,
    /// Fields filled per way: `one for all`, `grouped`, `picked`, `per record`.
    pub ways: BTreeMap<&'static str, usize>,
}

impl Target {
    fn new(key: &str, read_type: &str, def: QueryDefinition) -> Result<Target> {
        let (link, parent_type, _) = split(key, read_type)?;
        Ok(Target {
            key: key.to_string(),
            link,
            parent_type,
            way: way(&def)?,
            def,
        })
    }

    /// The parent's id in `record`: the record's own, or the link's (`None` when empty or of
    /// another type).
    fn parent_of(&self, record: &Value) -> Option<i64> {
        match &self.link {
            None => record.get("id")?.as_i64(),
            Some(l) => link_id(record.get(l.as_str())?, &self.parent_type),
        }
    }

    /// The link path the read must return for this field (a deep query field's parent link).
    fn link_path(&self) -> Option<&str> {
        self.link.as_deref()
    }

    fn way_name(&self) -> &'static str {
        match self.way {
            Way::OneForAll => "one for all",
            Way::Grouped { .. } => "grouped",
            Way::Picked { .. } => "picked",
            Way::PerRecord => "per record",
        }
    }
}

/// The query fields of a read, ready to fill its pages.
#[derive(Clone, Debug)]
pub(crate) struct Filler {
    /// The entity type read.
    read_type: String,
    targets: Vec<Target>,
    /// Link paths added to the read only for the fields: removed from the records after.
    helpers: Vec<String>,
    stats: Arc<Mutex<QueryFieldStats>>,
    /// The site's answer for an empty set, per field (asked once).
    empty: Arc<Mutex<BTreeMap<String, Value>>>,
}

impl Client {
    /// Fills query fields of `records` (records of `entity_type`, as a read returns them):
    /// each path in `fields` (a query field of `entity_type`, or `link.Type.field` through a
    /// link the records hold) gets the value the field's query gives for its record, with the
    /// definitions from the site's schema. A record whose link is empty gets `null`. Returns
    /// the requests it took and how each field was computed (see the `Way`s in this module's
    /// source: one for all, grouped, picked, per record).
    pub fn fill_query_fields(
        &self,
        entity_type: &str,
        records: &mut [Value],
        fields: &[&str],
    ) -> Result<QueryFieldStats> {
        let asked: Vec<(String, Option<QueryDefinition>)> =
            fields.iter().map(|f| ((*f).to_string(), None)).collect();
        let filler = self.query_filler(entity_type, &asked, &[])?;
        filler.fill(self, records)?;
        Ok(filler.stats())
    }

    /// What a read with query fields sends, and the work that fills each page it reads: the
    /// query without its query fields, with the links they need added to its return fields. The
    /// definitions (a `schema_read`, where none are given) are asked beside the page size (an
    /// `info`, on a client's first read): one round trip, not two.
    pub(crate) fn query_fields_read(&self, query: &Query) -> Result<(Query, Fill<Value>)> {
        query.check_limit()?;
        let (filler, page_size) = std::thread::scope(|scope| {
            let filler = scope.spawn(|| {
                self.query_filler(&query.entity_type, &query.query_fields, &query.fields)
            });
            let page_size = match query.page_size {
                Some(n) if n > 0 => Ok(n),
                _ => self.page_size(),
            };
            (filler.join().unwrap_or_else(|_| Err(panicked())), page_size)
        });
        page_size?;
        let filler = filler?;
        let mut read = query.clone();
        read.query_fields.clear();
        read.fields.extend(filler.helpers().iter().cloned());
        let fill: Fill<Value> =
            Arc::new(move |client: &Client, records: &mut Vec<Value>| filler.fill(client, records));
        Ok((read, fill))
    }

    /// The filler of a read's query fields; definitions not given are read from the site's
    /// schema (once per client). `returned`: the read's own return fields.
    pub(crate) fn query_filler(
        &self,
        entity_type: &str,
        asked: &[(String, Option<QueryDefinition>)],
        returned: &[String],
    ) -> Result<Filler> {
        let mut targets = Vec::new();
        let mut schema_reads = 0;
        for (path, def) in asked {
            let def = match def {
                Some(d) => d.clone(),
                None => self.query_definition(entity_type, path, &mut schema_reads)?,
            };
            targets.push(Target::new(path, entity_type, def)?);
        }
        let helpers = targets
            .iter()
            .filter_map(Target::link_path)
            .filter(|l| !returned.iter().any(|r| r == l))
            .map(str::to_string)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut stats = QueryFieldStats {
            requests: schema_reads,
            ..QueryFieldStats::default()
        };
        for t in &targets {
            *stats.ways.entry(t.way_name()).or_default() += 1;
        }
        Ok(Filler {
            read_type: entity_type.to_string(),
            targets,
            helpers,
            stats: Arc::new(Mutex::new(stats)),
            empty: Arc::default(),
        })
    }

    /// The definition of query field `path` (through links: the last hop's), from the site's
    /// schema.
    fn query_definition(
        &self,
        entity_type: &str,
        path: &str,
        schema_reads: &mut usize,
    ) -> Result<QueryDefinition> {
        let schema = self.schema_for_queries(schema_reads)?;
        let (_, owner, field) = split(path, entity_type)?;
        let (owner, field) = (owner.as_str(), field.as_str());
        let fs = schema.field(owner, field).ok_or_else(|| {
            Error::InvalidRequest(format!(
                "query field `{path}` of {entity_type}: the site's schema has no field {owner}.{field}"
            ))
        })?;
        QueryDefinition::of_in(fs, &schema).ok_or_else(|| {
            Error::InvalidRequest(format!(
                "{owner}.{field} is not a query field (a `summary` field with a query); it is a `{}` field",
                fs.data_type()
            ))
        })
    }

    /// The site's schema, read once (`schema_read`) for query fields' definitions; `reads`
    /// counts the read when it is made.
    fn schema_for_queries(&self, reads: &mut usize) -> Result<Arc<sg_api3::schema::Schema>> {
        let mut kept = self
            .query_schema()
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(s) = kept.as_ref() {
            return Ok(s.clone());
        }
        *reads += 1;
        let fields = self.schema_read(None)?;
        let schema = sg_api3::schema::Schema::from_parts(json!({}), fields).map_err(|e| {
            Error::Malformed {
                method: "schema_read".into(),
                entity_type: None,
                detail: e.to_string(),
            }
        })?;
        let schema = Arc::new(schema);
        *kept = Some(schema.clone());
        Ok(schema)
    }
}

/// The id of a link value of type `parent_type`.
fn link_id(v: &Value, parent_type: &str) -> Option<i64> {
    (v.get("type")?.as_str()? == parent_type).then(|| v.get("id")?.as_i64())?
}

impl Filler {
    /// Link paths the read must return besides its own fields.
    fn helpers(&self) -> &[String] {
        &self.helpers
    }

    /// What filling has cost so far.
    pub(crate) fn stats(&self) -> QueryFieldStats {
        self.stats.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn count(&self, requests: usize) {
        self.stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .requests += requests;
    }

    /// Fills every query field of `records` (objects), the fields side by side.
    pub(crate) fn fill(&self, client: &Client, records: &mut [Value]) -> Result<()> {
        if records.is_empty() || self.targets.is_empty() {
            return Ok(());
        }
        let results: Vec<Result<BTreeMap<i64, Value>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .targets
                .iter()
                .map(|t| {
                    let parents: BTreeSet<i64> =
                        records.iter().filter_map(|r| t.parent_of(r)).collect();
                    scope.spawn(move || self.values(client, t, &parents))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(panicked())))
                .collect()
        });
        let mut by_target = Vec::new();
        for (t, r) in self.targets.iter().zip(results) {
            let values = r.map_err(|e| Error::QueryField {
                entity_type: self.read_type.clone(),
                field: t.key.clone(),
                cause: Box::new(e),
            })?;
            by_target.push(values);
        }
        for r in records.iter_mut() {
            let filled: Vec<(String, Value)> = self
                .targets
                .iter()
                .zip(&by_target)
                .map(|(t, values)| {
                    let v = t.parent_of(r).and_then(|p| values.get(&p).cloned());
                    (t.key.clone(), v.unwrap_or(Value::Null))
                })
                .collect();
            let Some(o) = r.as_object_mut() else { continue };
            o.extend(filled);
            for h in &self.helpers {
                o.remove(h);
            }
        }
        Ok(())
    }

    /// The field's value for each parent.
    fn values(
        &self,
        client: &Client,
        t: &Target,
        parents: &BTreeSet<i64>,
    ) -> Result<BTreeMap<i64, Value>> {
        let mut out = BTreeMap::new();
        if parents.is_empty() {
            return Ok(out);
        }
        match &t.way {
            Way::OneForAll => {
                let first = *parents.iter().next().unwrap_or(&0);
                let v = self.per_record(client, t, first)?;
                out.extend(parents.iter().map(|p| (*p, v.clone())));
            }
            Way::PerRecord => {
                let list: Vec<i64> = parents.iter().copied().collect();
                let mut found = Vec::with_capacity(list.len());
                client.side_by_side(
                    &list,
                    |p| self.per_record(client, t, *p),
                    |i, v| found.push(v.map(|v| (list[i], v))),
                );
                for v in found {
                    let (p, v) = v?;
                    out.insert(p, v);
                }
            }
            Way::Grouped { path } => {
                // The site's answer for a parent with no record is asked beside the groups, for
                // a parent that cannot exist (id 0): the same empty set, no round trip more.
                let chunks: Vec<Vec<i64>> = parents
                    .iter()
                    .copied()
                    .collect::<Vec<_>>()
                    .chunks(PARENTS_PER_REQUEST)
                    .map(<[i64]>::to_vec)
                    .collect();
                let (empty, groups) = std::thread::scope(|scope| {
                    let empty = scope.spawn(|| self.empty_answer(client, t));
                    let groups: Vec<_> = chunks
                        .iter()
                        .map(|chunk| scope.spawn(move || self.grouped(client, t, path, chunk)))
                        .collect();
                    let groups: Vec<Result<BTreeMap<i64, Value>>> = groups
                        .into_iter()
                        .map(|h| h.join().unwrap_or_else(|_| Err(panicked())))
                        .collect();
                    (empty.join().unwrap_or_else(|_| Err(panicked())), groups)
                });
                for g in groups {
                    out.extend(g?);
                }
                let empty = empty?;
                for p in parents {
                    out.entry(*p).or_insert_with(|| empty.clone());
                }
            }
            Way::Picked { path } => {
                for chunk in parents
                    .iter()
                    .copied()
                    .collect::<Vec<_>>()
                    .chunks(PARENTS_PER_REQUEST)
                {
                    self.picked(client, t, path, chunk, &mut out)?;
                }
            }
        }
        Ok(out)
    }

    fn parent(t: &Target, id: i64) -> Value {
        json!({"type": t.parent_type, "id": id})
    }

    fn summary(t: &Target, kind: &str) -> Summary {
        Summary {
            field: t.def.summary_field.clone(),
            summary_type: kind.to_string(),
            value: (!t.def.summary_value.is_null()).then(|| t.def.summary_value.clone()),
        }
    }

    /// The per-record method: the field's query for one parent.
    fn per_record(&self, client: &Client, t: &Target, parent: i64) -> Result<Value> {
        let filters = t
            .def
            .filters_for(&Self::parent(t, parent))
            .map_err(Error::InvalidRequest)?;
        let filter = Filter::from_filters(&filters);
        self.count(1);
        match t.def.kind().map_err(Error::InvalidRequest)? {
            SummaryKind::Aggregate(kind) => {
                let answer = client.summarize(
                    &t.def.entity_type,
                    Some(&filter),
                    &[Self::summary(t, &kind)],
                    &[],
                    true,
                )?;
                Ok(answer["summaries"][&t.def.summary_field].clone())
            }
            SummaryKind::SingleRecord { order, limit } => {
                let mut q = Query::new(&t.def.entity_type)
                    .filter(filter)
                    .fields([t.def.summary_field.clone()])
                    .limit(limit);
                if let Some((column, dir)) = order {
                    q = q.sort(column, dir);
                }
                let found = client.find_all(&q)?;
                let values: Vec<Value> = found
                    .iter()
                    .map(|r| r.get(&t.def.summary_field).cloned().unwrap_or(Value::Null))
                    .collect();
                Ok(single_record_value(values, limit))
            }
        }
    }

    /// A grouped `summarize` for `chunk` of parents: the value of each parent with records.
    fn grouped(
        &self,
        client: &Client,
        t: &Target,
        path: &str,
        chunk: &[i64],
    ) -> Result<BTreeMap<i64, Value>> {
        let mut out = BTreeMap::new();
        let SummaryKind::Aggregate(kind) = t.def.kind().map_err(Error::InvalidRequest)? else {
            return Ok(out);
        };
        let links: Vec<Value> = chunk.iter().map(|p| Self::parent(t, *p)).collect();
        let filters = t
            .def
            .filters_for_many(&links)
            .map_err(Error::InvalidRequest)?;
        self.count(1);
        let answer = client.summarize(
            &t.def.entity_type,
            Some(&Filter::from_filters(&filters)),
            &[Self::summary(t, &kind)],
            &[Grouping::exact(path)],
            true,
        )?;
        let wanted: BTreeSet<i64> = chunk.iter().copied().collect();
        for g in answer["groups"].as_array().into_iter().flatten() {
            // Every group is one of the parents asked about (the filter keeps no other): a
            // group value of another shape would make every parent look empty, so it is an
            // error, never a silent zero.
            let p = link_id(&g["group_value"], &t.parent_type)
                .filter(|p| wanted.contains(p))
                .ok_or_else(|| Error::Malformed {
                    method: "summarize".into(),
                    entity_type: Some(t.def.entity_type.clone()),
                    detail: format!(
                        "query field `{}`: grouped by `{path}`, a group's value is {}, not a {} asked about",
                        t.key, g["group_value"], t.parent_type
                    ),
                })?;
            out.insert(p, g["summaries"][&t.def.summary_field].clone());
        }
        Ok(out)
    }

    /// The site's answer for a parent no record matches (the per-record query of a parent
    /// that cannot exist, id 0), asked once per field.
    fn empty_answer(&self, client: &Client, t: &Target) -> Result<Value> {
        if let Some(v) = self
            .empty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&t.key)
        {
            return Ok(v.clone());
        }
        let v = self.per_record(client, t, 0)?;
        self.empty
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(t.key.clone(), v.clone());
        Ok(v)
    }

    /// A `find` for `chunk` of parents, dealt out to them in the site's order.
    fn picked(
        &self,
        client: &Client,
        t: &Target,
        path: &str,
        chunk: &[i64],
        out: &mut BTreeMap<i64, Value>,
    ) -> Result<()> {
        let links: Vec<Value> = chunk.iter().map(|p| Self::parent(t, *p)).collect();
        let filters = t
            .def
            .filters_for_many(&links)
            .map_err(Error::InvalidRequest)?;
        let kind = t.def.kind().map_err(Error::InvalidRequest)?;
        let mut q = Query::new(&t.def.entity_type)
            .filter(Filter::from_filters(&filters))
            .fields([path.to_string()]);
        let limit = match &kind {
            SummaryKind::SingleRecord { order, limit } => {
                q = q.fields([t.def.summary_field.clone()]);
                if let Some((column, dir)) = order {
                    q = q.sort(column.clone(), *dir);
                }
                Some(*limit)
            }
            SummaryKind::Aggregate(_) => None,
        };
        let mut pages = client.find(&q)?;
        let mut picked: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
        let mut counts: BTreeMap<i64, i64> = chunk.iter().map(|p| (*p, 0)).collect();
        for r in pages.by_ref() {
            let r = r?;
            let parents: Vec<i64> = match r.get(path) {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| link_id(v, &t.parent_type))
                    .collect(),
                Some(v) => link_id(v, &t.parent_type).into_iter().collect(),
                None => Vec::new(),
            };
            for p in parents {
                let Some(n) = counts.get_mut(&p) else {
                    continue;
                };
                *n += 1;
                if let Some(limit) = limit {
                    let list = picked.entry(p).or_default();
                    if list.len() < limit {
                        list.push(r.get(&t.def.summary_field).cloned().unwrap_or(Value::Null));
                    }
                }
            }
        }
        self.count(pages.pages_read().max(1));
        for p in chunk {
            let v = match limit {
                Some(limit) => single_record_value(picked.remove(p).unwrap_or_default(), limit),
                None => json!(counts[p]),
            };
            out.insert(*p, v);
        }
        Ok(())
    }
}

fn panicked() -> Error {
    Error::InvalidRequest("a query field's thread panicked".into())
}

/// A `single_record` value: the one value (or `null`), or the list for a limit over one.
fn single_record_value(mut values: Vec<Value>, limit: usize) -> Value {
    if limit > 1 {
        Value::Array(values)
    } else if values.is_empty() {
        Value::Null
    } else {
        values.swap_remove(0)
    }
}
