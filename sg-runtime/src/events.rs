//! The event daemon's loop, built once: [`EventStream`] polls `EventLogEntry` in id order from
//! a checkpoint, hands each event to a handler, tolerates ids that commit out of order, and
//! saves its place atomically after each event handled.
//!
//! Ids on a site can commit out of order: a poll can see 105 before 104 exists. The stream
//! keeps such a skipped id as a *gap* for [`EventStreamBuilder::gap_timeout`] and delivers it if
//! it arrives; after that it logs it as lost and counts it ([`EventStream::lost`]). With
//! server-side filters (event types, entity types) most skipped ids are simply other events: the
//! stream asks the site which of its gaps exist at all, so only ids not yet committed wait.
//!
//! Unseen ids are kept as ranges, asked about in bounded requests: a log that starts at
//! 2,000,000 or jumps by 10^7 costs a request or two and a checkpoint of a few hundred bytes.
//!
//! Delivery is at least once: the checkpoint (last contiguous id, open gaps, ids delivered past
//! it) is written after the handler returns `Ok`, so a crash between the two replays that one
//! event. The handler sees each event's id to stay idempotent.

use crate::error::{Error, Result};
use crate::request::{Direction, Filter, Query};
use crate::typed::kind::Kind;
use crate::typed::{Entity, EntityField, EntityType, EventMeta, FieldRef, Id, Link};
use crate::value::{EntityRef, WireValue};
use crate::Client;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod ranges;
pub use ranges::IdRanges;

const EVENTS: &str = "EventLogEntry";
const FIELDS: [&str; 7] = [
    "event_type",
    "entity",
    "attribute_name",
    "meta",
    "project",
    "user",
    "created_at",
];

/// One event of the log.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The event's id: increasing, the key of idempotent handlers.
    pub id: i64,
    /// `Shotgun_Shot_Change`, `Shotgun_Version_New`, or a studio's own type.
    pub event_type: String,
    /// The record the event is about.
    pub entity: Option<EntityRef>,
    /// The field changed (attribute changes).
    pub attribute_name: Option<String>,
    /// What happened, typed by kind.
    pub meta: EventMeta,
    /// The project, where the record has one.
    pub project: Option<EntityRef>,
    /// Who did it.
    pub user: Option<EntityRef>,
    /// When, as the site wrote it.
    pub created_at: Option<String>,
}

impl Event {
    fn from_record(r: &Value) -> Result<Event> {
        let id = r["id"].as_i64().ok_or_else(|| Error::Decode {
            entity_type: EVENTS.into(),
            id: 0,
            field: "id".into(),
            message: format!("an event without an integer id: {r}"),
        })?;
        let link = |k: &str| EntityRef::from_wire(&r[k]).ok();
        let text = |k: &str| r[k].as_str().map(str::to_owned);
        Ok(Event {
            id,
            event_type: text("event_type").unwrap_or_default(),
            entity: link("entity"),
            attribute_name: text("attribute_name"),
            meta: EventMeta::from_value(r["meta"].clone()),
            project: link("project"),
            user: link("user"),
            created_at: text("created_at"),
        })
    }
}

/// The old and new values of a change (`None`: empty).
pub type OldNew<V> = (Option<V>, Option<V>);

/// An attribute change of a record of `E`, typed by the bindings: the record's id, the field as
/// `E`'s field enum, and the values, typed on request by the field's handle.
#[derive(Clone, Debug)]
pub struct Change<E: Entity> {
    /// The record changed.
    pub id: Id<E::Type>,
    /// The field changed.
    pub field: E::Field,
    /// Whether the change was part of the record's creation.
    pub in_create: bool,
    old: Value,
    new: Value,
    /// Links added to a multi-entity field.
    pub added: Vec<EntityRef>,
    /// Links removed from a multi-entity field.
    pub removed: Vec<EntityRef>,
}

impl<E: Entity> Change<E> {
    /// The old and new values typed as `field`'s, when this change is of `field` (`None`
    /// otherwise); a value of another shape (the field's type changed on the site since the
    /// bindings were generated) is an [`Error::Decode`] naming the event's record and field.
    pub fn values<K: Kind, A>(
        &self,
        field: &FieldRef<E::Type, K, A>,
    ) -> Option<Result<OldNew<K::Value>>> {
        if field.path() != self.field.wire_name() {
            return None;
        }
        let decode = |v: &Value| -> Result<Option<K::Value>> {
            if v.is_null() {
                return Ok(None);
            }
            K::Value::from_wire(v).map(Some).map_err(|e| Error::Decode {
                entity_type: <E::Type as EntityType>::NAME.into(),
                id: self.id.get(),
                field: field.path().into(),
                message: format!("in an event: {e}"),
            })
        };
        Some(decode(&self.old).and_then(|o| Ok((o, decode(&self.new)?))))
    }

    /// The values as the site sent them.
    pub fn raw_values(&self) -> (&Value, &Value) {
        (&self.old, &self.new)
    }
}

impl Event {
    /// This event as a change of a field of an `E`, typed by the bindings; `None` for other
    /// kinds, other entity types, and fields the bindings do not know (added on the site since
    /// they were generated: read the raw [`Event::meta`]).
    pub fn change_of<E: Entity>(&self) -> Option<Change<E>> {
        let EventMeta::AttributeChange {
            entity_type,
            entity_id,
            attribute_name,
            old_value,
            new_value,
            added,
            removed,
            in_create,
            ..
        } = &self.meta
        else {
            return None;
        };
        if entity_type != <E::Type as EntityType>::NAME {
            return None;
        }
        Some(Change {
            id: Id::new(*entity_id),
            field: <E::Field as EntityField>::from_wire_name(attribute_name)?,
            in_create: *in_create,
            old: old_value.clone(),
            new: new_value.clone(),
            added: added.clone(),
            removed: removed.clone(),
        })
    }

    fn about<E: Entity>(&self, want: fn(&EventMeta) -> bool) -> Option<Id<E::Type>> {
        let entity = self.meta.entity()?;
        (want(&self.meta) && entity.entity_type == <E::Type as EntityType>::NAME)
            .then(|| Id::new(entity.id))
    }

    /// The record the event is about as a typed link, if it is an `M` (`event.entity_link::<
    /// markers::Shot>()`); `None` for another entity type or none.
    pub fn entity_link<M: EntityType>(&self) -> Option<Link<M>> {
        self.entity.as_ref().and_then(|r| Link::try_from(r).ok())
    }

    /// The event's project as a typed link (`event.project_link::<markers::Project>()`).
    pub fn project_link<M: EntityType>(&self) -> Option<Link<M>> {
        self.project.as_ref().and_then(|r| Link::try_from(r).ok())
    }

    /// The id of the `E` this event created, if it is one.
    pub fn created<E: Entity>(&self) -> Option<Id<E::Type>> {
        self.about::<E>(|m| matches!(m, EventMeta::NewEntity { .. }))
    }

    /// The id of the `E` this event retired, if it is one.
    pub fn retired<E: Entity>(&self) -> Option<Id<E::Type>> {
        self.about::<E>(|m| matches!(m, EventMeta::Retirement { .. }))
    }

    /// The id of the `E` this event revived, if it is one.
    pub fn revived<E: Entity>(&self) -> Option<Id<E::Type>> {
        self.about::<E>(|m| matches!(m, EventMeta::Revival { .. }))
    }
}

/// Where a stream starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// After this id (the next event delivered is the first with a greater id).
    After(i64),
    /// After the newest event on the site now: only what happens from here on.
    Now,
}

/// What an event did to its record (a webhook delivery's `operation`; the event stream's
/// [`events_of`](EventStreamBuilder::events_of) filters by it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A record was created.
    Create,
    /// A field of a record changed.
    Update,
    /// A record was deleted (to the trash).
    Delete,
    /// A record came back from the trash.
    Revive,
    /// A site's other events (logins, action menu items, ...), by their operation name.
    Other(String),
}

impl Operation {
    pub(crate) fn from_wire(s: &str) -> Operation {
        match s {
            "create" => Operation::Create,
            "update" => Operation::Update,
            "delete" => Operation::Delete,
            "revive" => Operation::Revive,
            other => Operation::Other(other.to_string()),
        }
    }
}

/// The highest event id a stream or a checkpoint takes. A site's ids are far below it; the
/// bound keeps every `id + 1` the stream computes from overflowing.
pub const MAX_EVENT_ID: i64 = 1 << 62;

/// Gap ranges asked about in one request (each an `id between` condition).
const RANGES_PER_REQUEST: usize = 50;

/// Single ids asked about in one request (one `id in` condition).
const IDS_PER_REQUEST: usize = 500;

/// A gap range this short is asked about as ids, not as a range.
const SHORT_RANGE: usize = 16;

/// The largest checkpoint file read: a place is a few hundred bytes; a file past this is not one.
const MAX_CHECKPOINT_BYTES: u64 = 16 << 20;

/// A stream's place: saved to the checkpoint file after each event handled. Its size follows
/// the events in flight and the open gaps, never the log's history: gaps are ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Every id up to this one is handled, another event (filtered out), or reported lost.
    pub contiguous: i64,
    /// Ids past `contiguous` already handled.
    pub handled: BTreeSet<i64>,
    /// Ids past `contiguous` not seen yet (they may still commit), as ranges.
    pub gaps: IdRanges,
}

/// Why a checkpoint's JSON is not a place: the field at fault (if one) and what is wrong.
type Invalid = (Option<&'static str>, String);

/// Where a stream keeps its place: a file ([`EventStreamBuilder::checkpoint`]), or a store of
/// one's own ([`EventStreamBuilder::place_store`]), such as a database that a standby reads when
/// it takes over.
pub trait PlaceStore: Send {
    /// The place saved, or `None` when none is yet.
    fn load(&mut self) -> Result<Option<Checkpoint>>;
    /// Saves `place`, whole or not at all.
    fn save(&mut self, place: &Checkpoint) -> Result<()>;
}

/// A place in a file, replaced atomically.
struct FilePlace(PathBuf);

impl PlaceStore for FilePlace {
    fn load(&mut self) -> Result<Option<Checkpoint>> {
        Checkpoint::load(&self.0)
    }

    fn save(&mut self, place: &Checkpoint) -> Result<()> {
        place.save(&self.0)
    }
}

impl Checkpoint {
    /// The place as JSON, as a checkpoint file holds it.
    pub fn to_value(&self) -> Value {
        self.to_json()
    }

    /// Reads and checks a place written by [`Checkpoint::to_value`]; an error names `source`
    /// (where it was kept) and the field at fault, and never quotes the value.
    pub fn from_value(v: &Value, source: &str) -> Result<Checkpoint> {
        Checkpoint::from_json(v).map_err(|(field, problem)| Error::Checkpoint {
            path: PathBuf::from(source),
            field: field.map(str::to_owned),
            problem,
        })
    }

    fn to_json(&self) -> Value {
        let gaps: Vec<[i64; 2]> = self.gaps.iter().map(|(a, b)| [a, b]).collect();
        json!({"contiguous": self.contiguous, "handled": self.handled, "gaps": gaps})
    }

    /// Reads and checks a place: every id from 0 to [`MAX_EVENT_ID`], handled ids and gaps past
    /// `contiguous`, no id both. Gaps are `[first, last]` ranges, or single ids (the format
    /// before ranges).
    fn from_json(v: &Value) -> std::result::Result<Checkpoint, Invalid> {
        let obj = v
            .as_object()
            .ok_or((None, format!("{} is not a checkpoint object", kind_of(v))))?;
        let id = |field: &'static str, x: &Value| -> std::result::Result<i64, Invalid> {
            match x.as_i64() {
                Some(n) if (0..=MAX_EVENT_ID).contains(&n) => Ok(n),
                Some(n) => Err((
                    Some(field),
                    format!("{n} is not an event id (0 to {MAX_EVENT_ID})"),
                )),
                None => Err((Some(field), format!("{} is not an event id", kind_of(x)))),
            }
        };
        let contiguous = id(
            "contiguous",
            obj.get("contiguous")
                .ok_or((Some("contiguous"), "missing".to_string()))?,
        )?;
        let list = |field: &'static str| -> std::result::Result<&[Value], Invalid> {
            match obj.get(field) {
                None => Ok(&[]),
                Some(Value::Array(items)) => Ok(items),
                Some(other) => Err((Some(field), format!("{} is not a list", kind_of(other)))),
            }
        };
        let past = |field: &'static str, n: i64| -> std::result::Result<i64, Invalid> {
            if n <= contiguous {
                return Err((
                    Some(field),
                    format!("{n} is not past `contiguous` ({contiguous})"),
                ));
            }
            Ok(n)
        };
        let mut handled = BTreeSet::new();
        for x in list("handled")? {
            handled.insert(past("handled", id("handled", x)?)?);
        }
        let mut gaps = IdRanges::new();
        for x in list("gaps")? {
            let (a, b) = match x {
                Value::Array(pair) if pair.len() == 2 => {
                    (id("gaps", &pair[0])?, id("gaps", &pair[1])?)
                }
                Value::Array(_) => return Err((Some("gaps"), "a range is [first, last]".into())),
                single => {
                    let n = id("gaps", single)?;
                    (n, n)
                }
            };
            if a > b {
                return Err((Some("gaps"), format!("[{a}, {b}] is an empty range")));
            }
            past("gaps", a)?;
            gaps.insert_range(a, b);
        }
        if let Some(both) = handled.iter().find(|h| gaps.contains(**h)) {
            return Err((Some("handled"), format!("{both} is also a gap")));
        }
        Ok(Checkpoint {
            contiguous,
            handled,
            gaps,
        })
    }

    /// Reads a checkpoint file; `None` when there is none yet. An error names the file and the
    /// field at fault, and never quotes the file.
    pub fn load(path: &Path) -> Result<Option<Checkpoint>> {
        let fail = |field: Option<&str>, problem: String| Error::Checkpoint {
            path: path.to_path_buf(),
            field: field.map(str::to_owned),
            problem,
        };
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(fail(None, e.to_string())),
            Ok(m) if m.len() > MAX_CHECKPOINT_BYTES => {
                return Err(fail(
                    None,
                    format!(
                        "{} bytes: not a checkpoint (a place is a few hundred bytes)",
                        m.len()
                    ),
                ))
            }
            Ok(_) => {}
        }
        let bytes = std::fs::read(path).map_err(|e| fail(None, e.to_string()))?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            fail(
                None,
                format!("not JSON (line {}, column {})", e.line(), e.column()),
            )
        })?;
        Checkpoint::from_json(&v)
            .map(Some)
            .map_err(|(field, problem)| fail(field, problem))
    }

    /// Writes it to `path` atomically (a temporary file renamed over the old one), so a crash
    /// leaves the old checkpoint or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("tmp");
        let text = self.to_json().to_string();
        std::fs::write(&tmp, text.as_bytes())
            .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| Error::Checkpoint {
                path: path.to_path_buf(),
                field: None,
                problem: format!("cannot be written: {e}"),
            })
    }
}

/// A JSON value's kind in words, for errors that must not quote it.
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Configures an [`EventStream`].
pub struct EventStreamBuilder {
    client: Client,
    start: Start,
    filters: Vec<Filter>,
    /// Names given as strings (event types, an attribute), checked against the site's schema
    /// when the stream opens.
    named: Named,
    poll: Duration,
    max_poll: Duration,
    gap_timeout: Duration,
    page_size: usize,
    store: Option<Box<dyn PlaceStore>>,
    save_every: Duration,
}

/// The names a stream was given as strings.
#[derive(Default)]
struct Named {
    event_types: Vec<String>,
    attribute: Option<String>,
}

impl EventStreamBuilder {
    /// Where to start when there is no checkpoint yet (default: [`Start::Now`]).
    pub fn start(mut self, start: Start) -> Self {
        self.start = start;
        self
    }

    /// Only events of these types (`Shotgun_Version_Change`, ...), filtered by the site. For a
    /// studio's own event types; the entity types of the bindings are checked at compile time
    /// with [`events_of`](Self::events_of).
    pub fn event_types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        let types: Vec<String> = types.into_iter().map(Into::into).collect();
        self.named.event_types.extend(types.iter().cloned());
        self.filter_event_types(types)
    }

    fn filter_event_types(mut self, types: Vec<String>) -> Self {
        let types: Vec<Value> = types.into_iter().map(Value::String).collect();
        self.filters.push(Filter::cond("event_type", "in", types));
        self
    }

    /// Only the events of entity type `M` for `operations` (empty: all four), named by the
    /// bindings: `.events_of::<markers::Version>(&[Operation::Create, Operation::Update])`. A
    /// typo is a compile error, where `.event_types(["Shotgun_Version_Chnage"])` reads nothing.
    /// Filtered by the site.
    pub fn events_of<M: EntityType>(self, operations: &[Operation]) -> Self {
        use Operation as Op;
        let wanted = |op: &str| {
            operations.is_empty()
                || operations.iter().any(|o| {
                    matches!(
                        (o, op),
                        (Op::Create, "create")
                            | (Op::Update, "update")
                            | (Op::Delete, "delete")
                            | (Op::Revive, "revive")
                    )
                })
        };
        let types: Vec<String> = sg_api3::webhook::OPERATIONS
            .iter()
            .filter(|(op, _)| wanted(op))
            .filter_map(|(op, _)| sg_api3::webhook::event_type(M::NAME, op))
            .collect();
        self.filter_event_types(types)
    }

    /// Only the changes of `field`, a field handle of the bindings (`Version::F.sg_status_list`):
    /// its entity type's change events whose `attribute_name` is the field. A typo is a compile
    /// error, where `.attribute("sg_stauts_list")` reads nothing. Filtered by the site.
    pub fn changes_of<E: EntityType, K: Kind, A>(self, field: FieldRef<E, K, A>) -> Self {
        let mut b = self.events_of::<E>(&[Operation::Update]);
        b.filters
            .push(Filter::cond("attribute_name", "is", [field.path()]));
        b
    }

    /// Only changes of this field (`attribute_name`), filtered by the site. Where the bindings
    /// name the field, [`changes_of`](Self::changes_of) checks the name at compile time.
    pub fn attribute(mut self, name: &str) -> Self {
        self.named.attribute = Some(name.to_string());
        self.filters
            .push(Filter::cond("attribute_name", "is", [name]));
        self
    }

    /// Any other condition on `EventLogEntry`, filtered by the site.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filters.push(filter);
        self
    }

    /// How often to poll when events are coming (default 1 s); when idle, the interval doubles
    /// up to [`max_poll`](Self::max_poll).
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll = d;
        self
    }

    /// The longest interval between polls when idle (default 10 s).
    pub fn max_poll(mut self, d: Duration) -> Self {
        self.max_poll = d;
        self
    }

    /// How long a skipped id may still arrive (default 60 s): after that it is reported lost.
    pub fn gap_timeout(mut self, d: Duration) -> Self {
        self.gap_timeout = d;
        self
    }

    /// Events per request (default 500).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Saves the stream's place to `path` after each event handled, and resumes from it.
    pub fn checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(Box::new(FilePlace(path.into())));
        self
    }

    /// Keeps the stream's place in `store` (instead of a [`checkpoint`](Self::checkpoint) file),
    /// saved as a checkpoint is and resumed from.
    pub fn place_store(mut self, store: Box<dyn PlaceStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Saves the place at most this often (default: after every event). Each save is written
    /// and synced to disk; a stream that takes events from many threads saves less often, and a
    /// crash then hands again the events handled since the last save (at least once, as ever).
    /// [`EventStream::save_place`] saves at once.
    pub fn save_at_most_every(mut self, every: Duration) -> Self {
        self.save_every = every;
        self
    }

    /// Opens the stream: from the checkpoint if there is one, else from [`Start`]. Names given
    /// as strings are checked against the site's schema first: one that names nothing there
    /// (a misspelt entity type or change kind, a field the entity types do not have) is logged
    /// as a warning and kept in [`EventStream::warnings`]; the stream opens all the same.
    pub fn open(self) -> Result<EventStream> {
        let warnings = check_names(&self.client, &self.named);
        for w in &warnings {
            log::warn!("event stream: {w}");
        }
        let mut store = self.store;
        let saved = match &mut store {
            Some(s) => s.load()?,
            None => None,
        };
        let place = match saved {
            Some(c) => c,
            None => Checkpoint {
                contiguous: match self.start {
                    Start::After(id) if (0..=MAX_EVENT_ID).contains(&id) => id,
                    Start::After(id) => {
                        return Err(Error::InvalidRequest(format!(
                            "an event stream cannot start after {id}: event ids are 1 to {MAX_EVENT_ID}"
                        )))
                    }
                    Start::Now => newest_id(&self.client)?,
                },
                ..Checkpoint::default()
            },
        };
        let now = Instant::now();
        let scanned = [
            Some(place.contiguous),
            place.handled.last().copied(),
            place.gaps.last(),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(place.contiguous);
        Ok(EventStream {
            // The gaps of a saved place wait their timeout again from now.
            noticed: place.gaps.last().map(|g| (g, now)).into_iter().collect(),
            scanned,
            place,
            client: self.client,
            filters: self.filters,
            warnings,
            poll: self.poll,
            max_poll: self.max_poll,
            gap_timeout: self.gap_timeout,
            page_size: self.page_size,
            store,
            save_every: self.save_every,
            last_save: None,
            unsaved: false,
            lost: 0,
            delivered: 0,
            idle: self.poll,
        })
    }
}

/// The kinds of record change a site logs, as the last part of an event type.
const CHANGE_KINDS: [&str; 4] = ["New", "Change", "Retirement", "Revival"];

/// Whether `a` looks like a misspelling of `b`: the same first letter, and one or two edits
/// away (a swap of two neighbours counts as one). `View` is not `New` misspelt.
fn near(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 2 || a.first() != b.first() {
        return false;
    }
    // Optimal string alignment distance.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()] <= 2
}

/// Checks the names given as strings against the site's schema (two reads at most, only when
/// there are such names); a schema that cannot be read checks nothing.
fn check_names(client: &Client, named: &Named) -> Vec<String> {
    let mut warnings = Vec::new();
    if named.event_types.is_empty() && named.attribute.is_none() {
        return warnings;
    }
    let entities: BTreeSet<String> = match client.schema_entity_read(None) {
        Ok(Value::Object(m)) => m.keys().cloned().collect(),
        _ => return warnings,
    };
    let mut types_named = BTreeSet::new();
    for t in &named.event_types {
        // `Shotgun_<Type>_<Kind>` is a record's change; anything else is the site's or a
        // studio's own event type, which no schema lists.
        let Some(rest) = t.strip_prefix("Shotgun_") else {
            continue;
        };
        let Some((entity, kind)) = rest.rsplit_once('_') else {
            continue;
        };
        let known_kind = CHANGE_KINDS.contains(&kind);
        if !entities.contains(entity) {
            if known_kind {
                warnings.push(format!(
                    "event type `{t}`: the site has no entity type `{entity}`; the stream sees none of these events"
                ));
            }
            continue;
        }
        if known_kind {
            types_named.insert(entity.to_string());
        } else if let Some(meant) = CHANGE_KINDS.iter().find(|k| near(kind, k)) {
            warnings.push(format!(
                "event type `{t}`: `{kind}` is not a change the site logs (did you mean `Shotgun_{entity}_{meant}`?); the stream sees none of these events"
            ));
        }
    }
    if let Some(attribute) = &named.attribute {
        let has = |entity: &str| match client.schema_field_read(entity, None, None) {
            Ok(Value::Object(fields)) => Some(fields.contains_key(attribute)),
            _ => None,
        };
        let answers: Vec<(String, Option<bool>)> =
            types_named.iter().map(|e| (e.clone(), has(e))).collect();
        if !answers.is_empty() && answers.iter().all(|(_, a)| *a == Some(false)) {
            let names: Vec<&str> = answers.iter().map(|(e, _)| e.as_str()).collect();
            warnings.push(format!(
                "attribute `{attribute}`: no field of that name on {}; the stream sees none of these changes",
                names.join(", ")
            ));
        }
    }
    warnings
}

fn newest_id(client: &Client) -> Result<i64> {
    let q = Query::new(EVENTS)
        .sort("id", Direction::Desc)
        .limit(1)
        .fields(["id"]);
    Ok(client
        .find_one(&q)?
        .and_then(|r| r["id"].as_i64())
        .unwrap_or(0)
        .clamp(0, MAX_EVENT_ID))
}

/// Polls `EventLogEntry` and hands events to a handler in id order. See the module docs.
pub struct EventStream {
    client: Client,
    filters: Vec<Filter>,
    warnings: Vec<String>,
    poll: Duration,
    max_poll: Duration,
    gap_timeout: Duration,
    page_size: usize,
    store: Option<Box<dyn PlaceStore>>,
    save_every: Duration,
    last_save: Option<Instant>,
    /// Whether the place changed since it was last saved.
    unsaved: bool,
    place: Checkpoint,
    /// Every id up to this one has been looked at: handled, a gap, or another event.
    scanned: i64,
    /// When gaps were noticed: a gap's time is that of the first entry at or above its id
    /// (an id noticed again makes the gaps below it wait longer, never less).
    noticed: BTreeMap<i64, Instant>,
    lost: u64,
    delivered: u64,
    idle: Duration,
}

impl EventStream {
    /// A stream of `client`'s site's events.
    pub fn builder(client: &Client) -> EventStreamBuilder {
        EventStreamBuilder {
            client: client.clone(),
            start: Start::Now,
            filters: Vec::new(),
            named: Named::default(),
            poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(10),
            gap_timeout: Duration::from_secs(60),
            page_size: 500,
            store: None,
            save_every: Duration::ZERO,
        }
    }

    /// What the check of its string names found when it opened (see
    /// [`EventStreamBuilder::open`]): each a sentence naming the name and what is wrong.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The stream's place now.
    pub fn place(&self) -> &Checkpoint {
        &self.place
    }

    /// Ids given up on: skipped, and not committed within the gap timeout.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Events handled so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Whether event `id` is behind the stream: handled (here or through
    /// [`mark_handled`](EventStream::mark_handled)), or given up on as lost.
    pub fn is_handled(&self, id: i64) -> bool {
        id <= self.place.contiguous || self.place.handled.contains(&id)
    }

    /// Whether an id below `id` is still open: a gap, neither handled nor known to be another
    /// event (a missed delivery, or an event the next read passes over).
    pub fn has_gap_below(&self, id: i64) -> bool {
        self.place.gaps.first().is_some_and(|g| g < id)
    }

    /// Records event `id` as handled elsewhere (a webhook delivered it), in this stream's place
    /// and checkpoint, so that no poll hands it again: one checkpoint for both ways in. The ids
    /// between the newest known and `id` become one gap range until a poll finds them (a
    /// missed delivery is then handed over) or finds they are other events.
    pub fn mark_handled(&mut self, id: i64) -> Result<()> {
        if !(1..=MAX_EVENT_ID).contains(&id) {
            return Err(Error::InvalidRequest(format!(
                "event id {id} is not one a site gives (1 to {MAX_EVENT_ID})"
            )));
        }
        if self.is_handled(id) {
            return Ok(());
        }
        if id > self.scanned {
            self.notice(self.scanned + 1, id - 1);
            self.scanned = id;
        }
        self.place.gaps.remove(id);
        self.place.handled.insert(id);
        self.delivered += 1;
        self.settle(id)
    }

    /// Reads the events past the place that are not handled, without handing them over, for a
    /// caller that hands them elsewhere (other threads) and records each with
    /// [`mark_handled`](EventStream::mark_handled) once handled. Until then each stays open in
    /// the place (as a gap: the place does not move past it), so a crash hands it again. The
    /// flag says the read filled a page: more may be waiting.
    pub fn read_unhandled(&mut self) -> Result<(Vec<Event>, bool)> {
        let events = self.read_past()?;
        let full = events.len() >= self.page_size;
        let now = Instant::now();
        let unhandled: Vec<Event> = events
            .into_iter()
            .filter(|e| !self.place.handled.contains(&e.id))
            .collect();
        for e in &unhandled {
            if !self.place.gaps.contains(e.id) {
                self.place.gaps.insert(e.id);
                self.noticed.insert(e.id, now);
            }
        }
        Ok((unhandled, full))
    }

    /// Saves the place to the checkpoint file now (a stream saves after each event; a new
    /// stream that has handled none yet has nothing saved, and would start from "now" again).
    pub fn save_place(&mut self) -> Result<()> {
        if let Some(store) = &mut self.store {
            store.save(&self.place)?;
        }
        self.last_save = Some(Instant::now());
        self.unsaved = false;
        Ok(())
    }

    /// Whether the place changed since it was last saved (see
    /// [`EventStreamBuilder::save_at_most_every`]).
    pub fn has_unsaved(&self) -> bool {
        self.unsaved
    }

    /// The highest id the place knows of: handled, open, or looked at.
    pub fn newest_known(&self) -> i64 {
        self.scanned
    }

    /// Opens `[from, to]` as gaps noticed now.
    fn notice(&mut self, from: i64, to: i64) {
        if from <= to {
            self.place.gaps.insert_range(from, to);
            self.noticed.insert(to, Instant::now());
        }
    }

    /// The events past the place (the open gaps, and what is newer than anything handled: events
    /// handled past a gap are not read again), in id order; the ids between what was looked at
    /// and the newest seen that are missing become gaps.
    fn read_past(&mut self) -> Result<Vec<Event>> {
        let newest_handled = self
            .place
            .handled
            .last()
            .copied()
            .unwrap_or(self.place.contiguous);
        // The oldest gaps below what is read anyway, in a bounded request: short ranges as ids
        // (`id in`), long ones as `id between`; the rest wait for the next reads (the oldest
        // expire first), so a request stays small however many gaps are open.
        let mut past = vec![Filter::cond("id", "greater_than", [newest_handled])];
        let asked = self.gap_selection(newest_handled);
        past.extend(selection_filters(&asked));
        let mut conditions = vec![Filter::or(past)];
        conditions.extend(self.filters.iter().cloned());
        let q = Query::new(EVENTS)
            .filter(Filter::and(conditions))
            .fields(FIELDS)
            .sort("id", Direction::Asc)
            .limit(self.page_size)
            .page(1);
        let records = self.client.find_all(&q)?;
        let events = records
            .iter()
            .map(Event::from_record)
            .collect::<Result<Vec<Event>>>()?;
        if let Some(bad) = events.iter().find(|e| !(1..=MAX_EVENT_ID).contains(&e.id)) {
            return Err(Error::Malformed {
                method: "read".into(),
                entity_type: Some(EVENTS.into()),
                detail: format!("an event id of {}, not one a site gives", bad.id),
            });
        }
        let present: BTreeSet<i64> = events.iter().map(|e| e.id).collect();
        // Before handing anything over, so that every id below an event is known: handled, a
        // gap, or (with filters) another event.
        self.note_gaps(&present, &asked)?;
        Ok(events)
    }

    /// One poll: reads the events past the stream's place, hands each new one to `handler` in
    /// id order, and saves the place after each. Returns how many were handled. A handler error
    /// stops the poll before that event's place is saved (it is handed again next time).
    pub fn poll_once<E>(
        &mut self,
        handler: &mut impl FnMut(&Event) -> std::result::Result<(), E>,
    ) -> Result<std::result::Result<usize, E>> {
        let events = self.read_past()?;
        let mut handled = 0;
        for event in &events {
            if self.place.handled.contains(&event.id) {
                continue;
            }
            if let Err(e) = handler(event) {
                return Ok(Err(e));
            }
            self.place.gaps.remove(event.id);
            self.place.handled.insert(event.id);
            self.delivered += 1;
            handled += 1;
            self.settle(event.id)?;
        }
        // Up to the newest id known, so that gaps expire even when nothing new comes.
        self.settle(self.scanned)?;
        Ok(Ok(handled))
    }

    /// Runs until `handler` fails or `stop` returns true (checked between polls), polling with
    /// back-off when idle. A site that cannot be reached pauses the stream (logged, retried with
    /// back-off); its place is kept.
    pub fn run<E>(
        &mut self,
        mut handler: impl FnMut(&Event) -> std::result::Result<(), E>,
        mut stop: impl FnMut(&EventStream) -> bool,
    ) -> std::result::Result<(), E> {
        while !stop(self) {
            match self.poll_once(&mut handler) {
                Ok(Ok(0)) => self.idle = (self.idle * 2).min(self.max_poll),
                // A full page: more are waiting.
                Ok(Ok(n)) if n >= self.page_size => self.idle = Duration::ZERO,
                Ok(Ok(_)) => self.idle = self.poll,
                Ok(Err(e)) => return Err(e),
                Err(e) => {
                    log::warn!("event stream paused at #{}: {e}", self.place.contiguous);
                    self.idle = (self.idle * 2).min(self.max_poll);
                }
            }
            if !stop(self) {
                std::thread::sleep(self.idle);
            }
        }
        Ok(())
    }

    /// The open gaps up to `upto` one read asks about: the oldest first, at most
    /// `IDS_PER_REQUEST` ids of short ranges and `RANGES_PER_REQUEST` long ranges.
    fn gap_selection(&self, upto: i64) -> IdRanges {
        let mut asked = IdRanges::new();
        let (mut ids, mut spans) = (0usize, 0usize);
        for (a, b) in self.place.gaps.within(self.place.contiguous + 1, upto) {
            let n = b.abs_diff(a) as usize + 1;
            if n <= SHORT_RANGE {
                if ids + n > IDS_PER_REQUEST {
                    break;
                }
                ids += n;
            } else {
                if spans == RANGES_PER_REQUEST {
                    break;
                }
                spans += 1;
            }
            asked.insert_range(a, b);
        }
        asked
    }

    /// Ids between what was looked at and the newest seen that were not read are gaps (as
    /// ranges); with filters, those the site has (other events) are not, and of the gaps this
    /// read asked about (`asked`), those it did not return and the site has are other events.
    fn note_gaps(&mut self, present: &BTreeSet<i64>, asked: &IdRanges) -> Result<()> {
        let mut fresh = IdRanges::new();
        let mut prev = self.scanned;
        for &id in present.range(self.scanned + 1..) {
            fresh.insert_range(prev + 1, id - 1);
            prev = id;
        }
        if !self.filters.is_empty() && !fresh.is_empty() {
            for (a, b) in self.other_events(&fresh)?.iter() {
                fresh.remove_range(a, b);
            }
        }
        if let Some(last) = fresh.last() {
            let now = Instant::now();
            for (a, b) in fresh.iter() {
                self.place.gaps.insert_range(a, b);
            }
            self.noticed.insert(last, now);
        }
        self.scanned = self.scanned.max(prev);
        // Gaps that exist by now but did not match the filters are not gaps. Those that did
        // match (read in this poll) stay gaps until handed over: a poll stopped before them by
        // a handler's error reads them again, where dropping them here let the place move over
        // them as "other events", and lost them.
        if !self.filters.is_empty() && !asked.is_empty() {
            let mut open = asked.clone();
            for id in present {
                open.remove(*id);
            }
            for (a, b) in self.other_events(&open)?.iter() {
                self.place.gaps.remove_range(a, b);
            }
        }
        Ok(())
    }

    /// Of `ids`, those the site has an event for that the stream's filters do not match: other
    /// events, which the place may move over. An id the read did not return may also be an
    /// event of the stream's that committed since (a transaction that ended late): asking only
    /// whether it exists now would take it for another event and lose it. So the ids that exist
    /// are asked again with the filters, after: an event that commits between the two answers
    /// was absent from the first, and stays a gap.
    fn other_events(&self, ids: &IdRanges) -> Result<IdRanges> {
        let committed = self.existing(ids, &[])?;
        if committed.is_empty() {
            return Ok(committed);
        }
        let matching = self.existing(&committed, &self.filters)?;
        let mut others = committed;
        for (a, b) in matching.iter() {
            others.remove_range(a, b);
        }
        Ok(others)
    }

    /// Of `ids`, those the site has events for (matching `filters`), as ranges. Ranges go
    /// `RANGES_PER_REQUEST` to a request and single ids `IDS_PER_REQUEST`; a request's answer is
    /// read on by id (`id > last`) while pages come back full, so a range of 10^7 ids with no
    /// events is one request, and the requests follow the events found, not the ids asked.
    fn existing(&self, ids: &IdRanges, filters: &[Filter]) -> Result<IdRanges> {
        let mut found = IdRanges::new();
        let mut chunk = IdRanges::new();
        let (mut count, mut spans) = (0usize, 0usize);
        let mut ask = |chunk: &mut IdRanges| -> Result<()> {
            let which = selection_filters(chunk);
            *chunk = IdRanges::new();
            let mut after = 0;
            loop {
                let mut conditions = vec![
                    Filter::or(which.clone()),
                    Filter::cond("id", "greater_than", [after]),
                ];
                conditions.extend(filters.iter().cloned());
                let q = Query::new(EVENTS)
                    .filter(Filter::and(conditions))
                    .fields(["id"])
                    .sort("id", Direction::Asc)
                    .limit(IDS_PER_REQUEST)
                    .page(1);
                let page: Vec<i64> = self
                    .client
                    .find_all(&q)?
                    .iter()
                    .filter_map(|r| r["id"].as_i64())
                    .collect();
                for id in &page {
                    found.insert(*id);
                }
                match page.last() {
                    Some(last) if page.len() >= IDS_PER_REQUEST && *last > after => after = *last,
                    _ => return Ok(()),
                }
            }
        };
        for (a, b) in ids.iter() {
            let n = b.abs_diff(a) as usize + 1;
            let short = n <= SHORT_RANGE;
            if (short && count + n > IDS_PER_REQUEST) || (!short && spans == RANGES_PER_REQUEST) {
                ask(&mut chunk)?;
                (count, spans) = (0, 0);
            }
            if short {
                count += n;
            } else {
                spans += 1;
            }
            chunk.insert_range(a, b);
        }
        if !chunk.is_empty() {
            ask(&mut chunk)?;
        }
        Ok(found)
    }

    /// Moves the place forward, up to `upto` (never past what was looked at), over handled ids,
    /// other events (filtered out) and expired gaps, a range at a time, and saves it.
    fn settle(&mut self, upto: i64) -> Result<()> {
        let upto = upto.min(self.scanned);
        while self.place.contiguous < upto {
            let next = self.place.contiguous + 1;
            if self.place.handled.remove(&next) {
                self.place.contiguous = next;
            } else if self.place.gaps.contains(next) {
                // The gap's ids noticed at one time expire together.
                let Some((&noticed_upto, at)) = self.noticed.range(next..).next() else {
                    break;
                };
                if at.elapsed() < self.gap_timeout {
                    break;
                }
                let end = self
                    .place
                    .gaps
                    .within(next, upto.min(noticed_upto))
                    .first()
                    .map_or(next, |r| r.1);
                let n = self.place.gaps.remove_range(next, end);
                self.lost += n;
                if n == 1 {
                    log::warn!(
                        "event #{next} never arrived within {:?}: counted as lost",
                        self.gap_timeout
                    );
                } else {
                    log::warn!(
                        "events #{next} to #{end} ({n} ids) never arrived within {:?}: counted as lost",
                        self.gap_timeout
                    );
                }
                self.place.contiguous = end;
            } else {
                // Looked at, neither handled nor a gap: other events, filtered out, up to the
                // next gap or handled id.
                let mut end = upto;
                if let Some(g) = self.place.gaps.first() {
                    end = end.min(g - 1);
                }
                if let Some(h) = self.place.handled.first() {
                    end = end.min(h - 1);
                }
                self.place.contiguous = end.max(next);
            }
        }
        let contiguous = self.place.contiguous;
        self.noticed.retain(|id, _| *id > contiguous);
        self.unsaved = true;
        let due = self
            .last_save
            .is_none_or(|t| t.elapsed() >= self.save_every);
        if due {
            self.save_place()?;
        }
        Ok(())
    }
}

/// The conditions that select `ids`: one `id in` for the ids of short ranges, an
/// `id between` for each long one (to be joined with `or`).
fn selection_filters(ids: &IdRanges) -> Vec<Filter> {
    let mut singles = Vec::new();
    let mut out = Vec::new();
    for (a, b) in ids.iter() {
        if (b.abs_diff(a) as usize) < SHORT_RANGE {
            singles.extend(a..=b);
        } else {
            out.push(Filter::cond("id", "between", [a, b]));
        }
    }
    if !singles.is_empty() {
        out.push(Filter::cond("id", "in", singles));
    }
    out
}
