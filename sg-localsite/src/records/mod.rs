//! The site's records: a table per entity type, validated against the schema as a site does,
//! with the query engine (`query.rs`), the event log and activity written with each change
//! (`events.rs`), and the read cache (`read_cache.rs`). The tables and the schema are private to
//! this module: every change goes through [`Records::tables_mut`] or [`Records::schema_mut`],
//! which clear the read cache, so no write can leave a stale page behind.

pub(crate) mod events;
pub(crate) mod query;
pub(crate) mod read_cache;

use query::link_key;
use serde_json::{json, Map, Value};
use sg_api3::data_type::{DataType, Shape};
use sg_api3::methods::write::FieldValue;
use sg_api3::schema::{EntitySchema, FieldSchema, Schema};
use sg_api3::wire::{format_date_time, parse_date, parse_date_time};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub(crate) use sg_api3::methods::Exception;

/// The highest record id the site gives or takes: the largest integer every JSON reader keeps
/// exact. Ids past it are refused (a seed) or end a table's creates, never overflow.
pub(crate) const MAX_ID: i64 = (1 << 53) - 1;

/// The error code of a request the site refuses (bad type, field, value, id).
pub(crate) const CRUD: i64 = 103;

pub(crate) fn bad(message: impl Into<String>) -> Exception {
    Exception::new(CRUD, message)
}

/// Seed records the server refused: which type, which record, why.
#[derive(Debug, thiserror::Error)]
#[error("{entity_type} record {index}: {message}")]
pub struct SeedError {
    /// The entity type.
    pub entity_type: String,
    /// The record's position in its list (0-based).
    pub index: usize,
    /// What was wrong.
    pub message: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub(crate) fields: Map<String, Value>,
    pub(crate) retired: bool,
}

/// A table's rows by id. Persistent: cloning the records for a batch shares them.
pub(crate) type Rows = imbl::OrdMap<i64, Row>;

#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    pub(crate) rows: Rows,
    pub(crate) next_id: i64,
}

/// The records of the site. Cloned to run a batch as one transaction.
#[derive(Clone, Debug)]
pub(crate) struct Records {
    /// Private: changed through `schema_mut`, which clears the read cache.
    schema: Arc<Schema>,
    /// Private: changed through `tables_mut`, which clears the read cache.
    tables: BTreeMap<String, Table>,
    /// Image URL -> the id of its thumbnail attachment.
    attachment_ids: BTreeMap<String, i64>,
    /// Records per page, at most (`info`'s `api_max_entities_per_page`).
    pub(crate) page_size: u64,
    /// The activity of every record, oldest first.
    pub(crate) activity: imbl::Vector<Value>,
    /// The event log's commit order and held-back events.
    events: events::EventLog,
    /// The last read's matches, kept for its next pages: cleared by every change.
    read_cache: read_cache::ReadCache,
}

/// Records per page, at most, unless the builder says otherwise (a site's default).
pub(crate) const MAX_PAGE: u64 = 500;

/// Fields whose value the server sets on every create or update when the schema has them.
pub(crate) const CREATED_AT: &str = "created_at";
pub(crate) const UPDATED_AT: &str = "updated_at";

/// The fields that name a record, tried in order after the entity type's display field, for the
/// `name` of entity links.
const NAME_FIELDS: [&str; 7] = [
    "code",
    "name",
    "content",
    "title",
    "subject",
    "firstname",
    "filename",
];

/// The field a site shows as a record's name, and sends as the `name` of links to it.
fn display_field(entity_type: &str) -> &'static str {
    match entity_type {
        "Project" | "HumanUser" | "Department" | "Page" => "name",
        "Task" | "Reply" => "content",
        "Note" => "subject",
        "Ticket" => "title",
        "ApiUser" => "firstname",
        "Attachment" => "filename",
        "EventLogEntry" => "description",
        _ => "code",
    }
}

/// The entity type of local file storages, whose roots local file links are resolved against.
const LOCAL_STORAGE: &str = "LocalStorage";
/// The roots of a local storage, per platform, in the order of a file link's paths.
const STORAGE_ROOTS: [(&str, &str); 3] = [
    ("linux_path", "local_path_linux"),
    ("mac_path", "local_path_mac"),
    ("windows_path", "local_path_windows"),
];

pub(crate) fn now_wire() -> String {
    format_date_time(&chrono::Utc::now())
}

impl Records {
    pub(crate) fn new(schema: Schema) -> Records {
        let tables = schema
            .entities
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    Table {
                        rows: Rows::new(),
                        next_id: 1,
                    },
                )
            })
            .collect();
        Records {
            schema: Arc::new(schema),
            tables,
            attachment_ids: BTreeMap::new(),
            activity: imbl::Vector::new(),
            page_size: MAX_PAGE,
            events: Default::default(),
            read_cache: Default::default(),
        }
    }

    /// The schema.
    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The schema, shared: to read it while the records change (no copy).
    pub(crate) fn shared_schema(&self) -> Arc<Schema> {
        Arc::clone(&self.schema)
    }

    /// The schema, to change: what queries match may change with it, so the read cache goes.
    pub(crate) fn schema_mut(&mut self) -> &mut Schema {
        self.read_cache.clear();
        Arc::make_mut(&mut self.schema)
    }

    /// The tables, by entity type.
    pub(crate) fn tables(&self) -> &BTreeMap<String, Table> {
        &self.tables
    }

    /// The tables, to change: the read cache goes, so that no later page of a query read
    /// before the change is served from it.
    pub(crate) fn tables_mut(&mut self) -> &mut BTreeMap<String, Table> {
        self.read_cache.clear();
        &mut self.tables
    }

    /// The tables and the event log, to change together (an event is written with each
    /// change): the read cache goes, as with [`Records::tables_mut`].
    fn tables_and_events_mut(&mut self) -> (&mut BTreeMap<String, Table>, &mut events::EventLog) {
        self.read_cache.clear();
        (&mut self.tables, &mut self.events)
    }

    /// The ids a query matched, kept under `key`, until the next change.
    pub(crate) fn cached_read(&self, key: &str) -> Option<Arc<Vec<i64>>> {
        self.read_cache.get(key)
    }

    /// Keeps the ids a query matched under `key`, until the next change.
    pub(crate) fn cache_read(&mut self, key: String, ids: Arc<Vec<i64>>) {
        self.read_cache.put(key, ids);
    }

    /// How event ids are committed (see `LocalSiteBuilder::event_commits`).
    pub(crate) fn set_event_commits(&mut self, commits: events::EventCommits) {
        self.events.commits = commits;
    }

    pub(crate) fn entity(
        &self,
        method: &str,
        entity_type: &str,
    ) -> Result<&EntitySchema, Exception> {
        self.schema.entities.get(entity_type).ok_or_else(|| {
            bad(format!(
                "API {method}(): entity type '{entity_type}' does not exist on this site"
            ))
        })
    }

    pub(crate) fn field(
        &self,
        method: &str,
        entity_type: &str,
        field: &str,
    ) -> Result<&FieldSchema, Exception> {
        let e = self.entity(method, entity_type)?;
        e.fields.get(field).ok_or_else(|| {
            let hint = nearest(field, e.fields.keys().map(String::as_str))
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            bad(format!(
                "API {method}(): {entity_type}.{field} does not exist{hint}"
            ))
        })
    }

    /// The live or retired row `entity_type` #`id`.
    pub(crate) fn row(&self, entity_type: &str, id: i64) -> Option<&Row> {
        self.tables.get(entity_type)?.rows.get(&id)
    }

    /// Whether `entity_type` #`id` exists and is not retired.
    pub(crate) fn is_live(&self, entity_type: &str, id: i64) -> bool {
        self.row(entity_type, id).is_some_and(|r| !r.retired)
    }

    /// The display name of a record, for the `name` of links to it.
    pub(crate) fn name_of(&self, entity_type: &str, id: i64) -> Value {
        let Some(row) = self.row(entity_type, id) else {
            return Value::Null;
        };
        std::iter::once(display_field(entity_type))
            .chain(NAME_FIELDS)
            .find_map(|f| row.fields.get(f).filter(|v| v.is_string()).cloned())
            .unwrap_or(Value::Null)
    }

    /// A link with its `name`, as the server sends links.
    pub(crate) fn link_out(&self, v: &Value) -> Value {
        match (
            v.get("type").and_then(Value::as_str),
            v.get("id").and_then(Value::as_i64),
        ) {
            (Some(t), Some(id)) => json!({"type": t, "id": id, "name": self.name_of(t, id)}),
            _ => v.clone(),
        }
    }

    /// A stored value as the server sends it.
    pub(crate) fn value_out(&self, data_type: &str, v: &Value) -> Value {
        match (data_type, v) {
            ("entity", Value::Object(_)) => self.link_out(v),
            ("multi_entity", Value::Array(items)) => {
                Value::Array(items.iter().map(|i| self.link_out(i)).collect())
            }
            ("multi_entity" | "tag_list", Value::Null) => json!([]),
            ("url", Value::Object(o)) if o.contains_key("relative_path") => self.local_link_out(o),
            _ => v.clone(),
        }
    }

    /// A stored local file link as a site sends it: the path under each platform's root of its
    /// storage, and the storage. No `local_path` or `url`: the client fills those for its
    /// platform (the official client's `_parse_records`).
    fn local_link_out(&self, stored: &Map<String, Value>) -> Value {
        let mut out = Map::new();
        out.insert("link_type".into(), "local".into());
        for k in ["name", "content_type"] {
            out.insert(k.into(), stored.get(k).cloned().unwrap_or(Value::Null));
        }
        let relative = stored["relative_path"].as_str().unwrap_or("");
        let storage = stored.get("local_storage").cloned().unwrap_or(Value::Null);
        let row = link_key(&storage).and_then(|(t, id)| self.row(t, id));
        for (root_field, path_field) in STORAGE_ROOTS {
            let root = row
                .and_then(|r| r.fields.get(root_field))
                .and_then(Value::as_str)
                .filter(|r| !r.is_empty());
            let path = root.map(|root| {
                if path_field == "local_path_windows" {
                    format!(
                        "{}\\{}",
                        root.trim_end_matches('\\'),
                        relative.replace('/', "\\")
                    )
                } else {
                    format!("{}/{relative}", root.trim_end_matches('/'))
                }
            });
            out.insert(path_field.into(), path.map_or(Value::Null, Value::from));
        }
        out.insert("local_storage".into(), self.link_out(&storage));
        Value::Object(out)
    }

    /// A local file link as stored: its storage and the path under the storage's root. The
    /// storage is the one whose root (on any platform) holds the path, as a site finds it.
    fn local_link_in(&self, link: &Map<String, Value>) -> Result<Value, String> {
        let given = link
            .get("local_path")
            .or_else(|| STORAGE_ROOTS.iter().find_map(|(_, f)| link.get(*f)))
            .and_then(Value::as_str)
            .ok_or("a local file link needs `local_path`")?;
        let normal = |p: &str| p.replace('\\', "/");
        let path = normal(given);
        let storages = self.tables.get(LOCAL_STORAGE).map(|t| &t.rows);
        for (id, row) in storages.into_iter().flatten().filter(|(_, r)| !r.retired) {
            for (root_field, _) in STORAGE_ROOTS {
                let Some(root) = row.fields.get(root_field).and_then(Value::as_str) else {
                    continue;
                };
                let root = normal(root);
                let root = root.trim_end_matches('/');
                if root.is_empty() {
                    continue;
                }
                if let Some(rest) = path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
                    let name = link
                        .get("name")
                        .cloned()
                        .unwrap_or_else(|| rest.rsplit('/').next().unwrap_or(rest).into());
                    return Ok(json!({
                        "link_type": "local",
                        "name": name,
                        "content_type": link.get("content_type").cloned().unwrap_or(Value::Null),
                        "local_storage": {"type": LOCAL_STORAGE, "id": id},
                        "relative_path": rest,
                    }));
                }
            }
        }
        Err(format!(
            "no {LOCAL_STORAGE} has a root that holds `{given}`; create one for its root first"
        ))
    }

    /// Checks `value` for `entity_type.field` and returns it as stored.
    /// `check_links`: whether linked records must exist (not while seeding).
    fn check_value(
        &self,
        method: &str,
        entity_type: &str,
        field: &str,
        fs: &FieldSchema,
        value: &Value,
        check_links: bool,
    ) -> Result<Value, Exception> {
        let dt = fs.data_type();
        let wrong = |expected: &str| {
            bad(format!(
                "API {method}(): {entity_type}.{field} is a {dt} field and takes {expected}; got {value}"
            ))
        };
        // Types the server knows but the table does not: stored as sent.
        let Some(data_type) = DataType::from_wire(dt) else {
            return Ok(value.clone());
        };
        if value.is_null() {
            return Ok(if data_type.kind().empty_is_list() {
                json!([])
            } else {
                Value::Null
            });
        }
        match data_type.shape() {
            Shape::AString => {
                let s = value.as_str().ok_or_else(|| wrong("a string"))?;
                // A site sanitises text input: `<` is stored (and sent back) as `&lt;`.
                Ok(if data_type == DataType::TEXT {
                    Value::String(s.replace('<', "&lt;"))
                } else {
                    value.clone()
                })
            }
            Shape::AnInteger => {
                value.as_i64().ok_or_else(|| wrong("an integer"))?;
                Ok(value.clone())
            }
            Shape::ANumber => {
                value.as_f64().ok_or_else(|| wrong("a number"))?;
                Ok(value.clone())
            }
            Shape::ABool => {
                value.as_bool().ok_or_else(|| wrong("true or false"))?;
                Ok(value.clone())
            }
            Shape::ADate => {
                value
                    .as_str()
                    .and_then(parse_date)
                    .ok_or_else(|| wrong("a date YYYY-MM-DD"))?;
                Ok(value.clone())
            }
            Shape::ADateTime => {
                let t = value
                    .as_str()
                    .and_then(parse_date_time)
                    .ok_or_else(|| wrong("a UTC date-time YYYY-MM-DDTHH:MM:SSZ"))?;
                Ok(Value::String(format_date_time(&t)))
            }
            Shape::AListValue => {
                let s = value.as_str().ok_or_else(|| wrong("a string"))?;
                let valid = fs.valid_values();
                if !valid.is_empty() && !valid.iter().any(|v| v == s) {
                    return Err(bad(format!(
                        "API {method}(): {entity_type}.{field}: '{s}' is not a valid value; valid values: {}",
                        valid.join(", ")
                    )));
                }
                Ok(value.clone())
            }
            Shape::ALink => self.check_link(method, entity_type, field, fs, value, check_links),
            Shape::AListOfLinks => {
                let items = value
                    .as_array()
                    .ok_or_else(|| wrong("a list of entities"))?;
                let mut out = Vec::with_capacity(items.len());
                let mut seen = BTreeSet::new();
                for item in items {
                    let link =
                        self.check_link(method, entity_type, field, fs, item, check_links)?;
                    if seen.insert((
                        link["type"].as_str().unwrap_or("").to_string(),
                        link["id"].as_i64(),
                    )) {
                        out.push(link);
                    }
                }
                Ok(Value::Array(out))
            }
            Shape::AListOfStrings => {
                let items = value
                    .as_array()
                    .ok_or_else(|| wrong("a list of tag names"))?;
                if items.iter().any(|i| !i.is_string()) {
                    return Err(wrong("a list of tag names"));
                }
                Ok(value.clone())
            }
            Shape::AFileLink => {
                let o = value
                    .as_object()
                    .ok_or_else(|| wrong("a file/link object"))?;
                let local = o.get("link_type").and_then(Value::as_str) == Some("local")
                    || o.get("local_path").is_some_and(Value::is_string);
                if local {
                    return self.local_link_in(o).map_err(|why| {
                        bad(format!("API {method}(): {entity_type}.{field}: {why}"))
                    });
                }
                if !o.get("url").is_some_and(Value::is_string) {
                    return Err(wrong("a file/link object with `url` or a `local_path`"));
                }
                Ok(value.clone())
            }
            Shape::AnyJson => Ok(value.clone()),
            // A seed may fill a computed field, as the site's own computation would have.
            Shape::NotWritable if !check_links => Ok(value.clone()),
            Shape::NotWritable => Err(bad(format!(
                "API {method}(): {entity_type}.{field} is a {dt} field, computed by the site: it takes no value"
            ))),
        }
    }

    fn check_link(
        &self,
        method: &str,
        entity_type: &str,
        field: &str,
        fs: &FieldSchema,
        value: &Value,
        check_links: bool,
    ) -> Result<Value, Exception> {
        let (t, id) = match (value.get("type").and_then(Value::as_str), value.get("id").and_then(Value::as_i64)) {
            (Some(t), Some(id)) => (t, id),
            _ => {
                return Err(bad(format!(
                    "API {method}(): {entity_type}.{field} takes entities {{\"type\", \"id\"}}; got {value}"
                )))
            }
        };
        let valid = fs.valid_types();
        if !valid.is_empty() && !valid.iter().any(|v| v == t) {
            return Err(bad(format!(
                "API {method}(): {entity_type}.{field} cannot link to a {t}; valid types: {}",
                valid.join(", ")
            )));
        }
        if check_links && !self.is_live(t, id) {
            return Err(bad(format!(
                "API {method}(): {entity_type}.{field}: linked {t} #{id} does not exist"
            )));
        }
        Ok(json!({"type": t, "id": id}))
    }

    /// Checks one `{field_name, value}` of a create or update: the field exists, is writable,
    /// and the value fits it. Returns the name, its schema and the value as stored.
    pub(crate) fn check_write<'i>(
        &self,
        m: &str,
        entity_type: &str,
        item: &'i FieldValue,
    ) -> Result<(&'i str, &FieldSchema, Value), Exception> {
        let name = item.field_name.as_str();
        let fs = self.field(m, entity_type, name)?;
        if !fs.is_editable() {
            return Err(bad(format!("API {m}(): {entity_type}.{name} is read-only")));
        }
        let v = self.check_value(m, entity_type, name, fs, &item.value, true)?;
        Ok((name, fs, v))
    }

    /// The fields of a record that a read of `fields` (names or deep paths) returns. `image`
    /// fields hold their URL when `image_urls` (a read with `api_return_image_urls`), else the
    /// id of the thumbnail's attachment, as a site answers.
    pub(crate) fn output(
        &self,
        method: &str,
        entity_type: &str,
        id: i64,
        fields: &[String],
        image_urls: bool,
    ) -> Result<Value, Exception> {
        let mut out = Map::new();
        out.insert("type".into(), entity_type.into());
        out.insert("id".into(), id.into());
        for f in fields {
            if f == "type" || f == "id" {
                continue;
            }
            let path = self.resolve_path(method, entity_type, f)?;
            let v = self
                .values_at(entity_type, id, &path)
                .into_iter()
                .next()
                .unwrap_or(Value::Null);
            let v = match (path.field.data_type(), v) {
                ("image", Value::String(url)) if !image_urls => self
                    .attachment_ids
                    .get(&url)
                    .map_or(Value::Null, |id| Value::from(*id)),
                (dt, v) => self.value_out(dt, &v),
            };
            out.insert(f.clone(), v);
        }
        Ok(Value::Object(out))
    }

    /// Loads seed records (see [`super::LocalSiteBuilder::seed`]).
    pub(crate) fn seed(&mut self, records: &Value) -> Result<(), SeedError> {
        let by_type = records.as_object().ok_or_else(|| SeedError {
            entity_type: "(seed)".into(),
            index: 0,
            message: "the seed must be an object of entity type -> list of records".into(),
        })?;
        let mut work = self.clone();
        let mut pending = Vec::new();
        for (t, list) in by_type {
            let err = |index: usize, message: String| SeedError {
                entity_type: t.clone(),
                index,
                message,
            };
            let es = work
                .entity("seed", t)
                .map_err(|e| err(0, e.message))?
                .clone();
            let list = list
                .as_array()
                .ok_or_else(|| err(0, "expected a list of records".into()))?;
            for (i, rec) in list.iter().enumerate() {
                let obj = rec
                    .as_object()
                    .ok_or_else(|| err(i, "a record must be an object".into()))?;
                let mut fields = Map::new();
                for (k, v) in obj {
                    if k == "id" || k == "type" {
                        continue;
                    }
                    let fs = work.field("seed", t, k).map_err(|e| err(i, e.message))?;
                    let v = work
                        .check_value("seed", t, k, fs, v, false)
                        .map_err(|e| err(i, e.message))?;
                    fields.insert(k.clone(), v);
                }
                for (name, fs) in &es.fields {
                    if !fields.contains_key(name) && fs.is_editable() {
                        if let Some(d) = fs.default_value() {
                            fields.insert(name.clone(), d.clone());
                        }
                    }
                }
                let table = work.tables_mut().entry(t.clone()).or_default();
                let id = match obj.get("id") {
                    Some(v) => v
                        .as_i64()
                        .filter(|id| (1..=MAX_ID).contains(id))
                        .ok_or_else(|| {
                            err(
                                i,
                                format!("id must be an integer from 1 to {MAX_ID}, got {v}"),
                            )
                        })?,
                    None => table.next_id.max(1),
                };
                if table.rows.contains_key(&id) {
                    return Err(err(i, format!("{t} #{id} is seeded twice")));
                }
                table.next_id = table.next_id.max(id + 1);
                fields.insert("id".into(), id.into());
                let now = now_wire();
                for stamp in [CREATED_AT, UPDATED_AT] {
                    if es.fields.contains_key(stamp) && !fields.contains_key(stamp) {
                        fields.insert(stamp.into(), now.clone().into());
                    }
                }
                table.rows.insert(
                    id,
                    Row {
                        fields,
                        retired: false,
                    },
                );
                pending.push((t.clone(), i, id));
            }
        }
        // Links are checked once every record is in, so records may link forwards.
        for (t, i, id) in pending {
            let row = work.row(&t, id).expect("inserted above");
            for (k, v) in &row.fields {
                // Only link fields hold links: a `serializable` value may be any JSON.
                let dt = work.schema.field(&t, k).map_or("", |f| f.data_type());
                let links: Vec<&Value> = match (dt, v) {
                    ("entity", Value::Object(_)) => vec![v],
                    ("multi_entity", Value::Array(items)) => items.iter().collect(),
                    _ => continue,
                };
                for l in links {
                    let (lt, lid) = (
                        l["type"].as_str().unwrap_or(""),
                        l["id"].as_i64().unwrap_or(0),
                    );
                    if work.row(lt, lid).is_none() {
                        return Err(SeedError {
                            entity_type: t.clone(),
                            index: i,
                            message: format!("{t}.{k} links to {lt} #{lid}, which is not seeded"),
                        });
                    }
                }
            }
        }
        work.number_images();
        *self = work;
        Ok(())
    }

    /// Gives each image URL not yet known the id of a thumbnail attachment, which a read that
    /// does not ask for image URLs returns.
    fn number_images(&mut self) {
        let mut next = self.attachment_ids.len() as i64 + 1;
        for (t, table) in &self.tables {
            for row in table.rows.values() {
                for (k, v) in &row.fields {
                    let Value::String(url) = v else { continue };
                    if self.schema.field(t, k).map(|f| f.data_type()) == Some("image")
                        && !self.attachment_ids.contains_key(url)
                    {
                        self.attachment_ids.insert(url.clone(), next);
                        next += 1;
                    }
                }
            }
        }
    }

    /// Sets `field` of a live record as the site itself does (upload routes), past the checks
    /// that keep API writes off system fields.
    pub(crate) fn set_raw(&mut self, entity_type: &str, id: i64, field: &str, value: Value) {
        if let Some(row) = self
            .tables_mut()
            .get_mut(entity_type)
            .and_then(|t| t.rows.get_mut(&id))
        {
            row.fields.insert(field.to_string(), value);
        }
    }

    /// The id of the thumbnail attachment an image URL names.
    pub(crate) fn attachment_id_of(&self, url: &str) -> Option<i64> {
        self.attachment_ids.get(url).copied()
    }

    /// Sets an `image` field to the URL of thumbnail attachment `attachment_id`.
    pub(crate) fn set_image(
        &mut self,
        entity_type: &str,
        id: i64,
        field: &str,
        url: String,
        attachment_id: i64,
    ) {
        self.attachment_ids.insert(url.clone(), attachment_id);
        self.set_raw(entity_type, id, field, Value::String(url));
    }

    /// Every record of a type, for assertions.
    pub(crate) fn dump(&self, entity_type: &str) -> Vec<Map<String, Value>> {
        let Some(t) = self.tables.get(entity_type) else {
            return Vec::new();
        };
        t.rows
            .iter()
            .map(|(id, r)| {
                let mut m = r.fields.clone();
                m.insert("type".into(), entity_type.into());
                m.insert("id".into(), (*id).into());
                if r.retired {
                    m.insert("__retired".into(), true.into());
                }
                m
            })
            .collect()
    }
}

/// The candidate closest to `name` by edit distance, if close enough to be a likely typo.
pub(crate) fn nearest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.len() / 3).max(2);
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
