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

/// A stream's place: saved to the checkpoint file after each event handled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// Every id up to this one is handled or reported lost.
    pub contiguous: i64,
    /// Ids past `contiguous` already handled.
    pub handled: BTreeSet<i64>,
    /// Ids past `contiguous` not seen yet (they may still commit).
    pub gaps: BTreeSet<i64>,
}

impl Checkpoint {
    fn to_json(&self) -> Value {
        json!({"contiguous": self.contiguous, "handled": self.handled, "gaps": self.gaps})
    }

    fn from_json(v: &Value) -> Option<Checkpoint> {
        let ids = |k: &str| -> Option<BTreeSet<i64>> {
            v.get(k)?.as_array()?.iter().map(Value::as_i64).collect()
        };
        Some(Checkpoint {
            contiguous: v.get("contiguous")?.as_i64()?,
            handled: ids("handled")?,
            gaps: ids("gaps")?,
        })
    }

    /// Reads a checkpoint file; `None` when there is none yet.
    pub fn load(path: &Path) -> Result<Option<Checkpoint>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(checkpoint_error(path, e.to_string())),
        };
        let v: Value =
            serde_json::from_str(&text).map_err(|e| checkpoint_error(path, e.to_string()))?;
        Checkpoint::from_json(&v)
            .map(Some)
            .ok_or_else(|| checkpoint_error(path, format!("not a checkpoint: {text}")))
    }

    /// Writes it to `path` atomically (a temporary file renamed over the old one), so a crash
    /// leaves the old checkpoint or the new one, never half of one.
    pub fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("tmp");
        let text = self.to_json().to_string();
        std::fs::write(&tmp, text.as_bytes())
            .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| checkpoint_error(path, e.to_string()))
    }
}

fn checkpoint_error(path: &Path, detail: String) -> Error {
    Error::Malformed {
        method: "event checkpoint".into(),
        entity_type: Some(EVENTS.into()),
        detail: format!("{}: {detail}", path.display()),
    }
}

/// Configures an [`EventStream`].
pub struct EventStreamBuilder {
    client: Client,
    start: Start,
    filters: Vec<Filter>,
    poll: Duration,
    max_poll: Duration,
    gap_timeout: Duration,
    page_size: usize,
    checkpoint: Option<PathBuf>,
    save_every: Duration,
}

impl EventStreamBuilder {
    /// Where to start when there is no checkpoint yet (default: [`Start::Now`]).
    pub fn start(mut self, start: Start) -> Self {
        self.start = start;
        self
    }

    /// Only events of these types (`Shotgun_Version_Change`, ...), filtered by the site.
    pub fn event_types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        let types: Vec<Value> = types.into_iter().map(|t| Value::String(t.into())).collect();
        self.filters.push(Filter::cond("event_type", "in", types));
        self
    }

    /// Only changes of this field (`attribute_name`), filtered by the site.
    pub fn attribute(mut self, name: &str) -> Self {
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
        self.checkpoint = Some(path.into());
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

    /// Opens the stream: from the checkpoint if there is one, else from [`Start`].
    pub fn open(self) -> Result<EventStream> {
        let saved = match &self.checkpoint {
            Some(p) => Checkpoint::load(p)?,
            None => None,
        };
        let place = match saved {
            Some(c) => c,
            None => Checkpoint {
                contiguous: match self.start {
                    Start::After(id) => id,
                    Start::Now => newest_id(&self.client)?,
                },
                ..Checkpoint::default()
            },
        };
        let now = Instant::now();
        Ok(EventStream {
            gap_seen: place.gaps.iter().map(|g| (*g, now)).collect(),
            place,
            client: self.client,
            filters: self.filters,
            poll: self.poll,
            max_poll: self.max_poll,
            gap_timeout: self.gap_timeout,
            page_size: self.page_size,
            checkpoint: self.checkpoint,
            save_every: self.save_every,
            last_save: None,
            unsaved: false,
            lost: 0,
            delivered: 0,
            idle: self.poll,
        })
    }
}

fn newest_id(client: &Client) -> Result<i64> {
    let q = Query::new(EVENTS)
        .sort("id", Direction::Desc)
        .limit(1)
        .fields(["id"]);
    Ok(client
        .find_one(&q)?
        .and_then(|r| r["id"].as_i64())
        .unwrap_or(0))
}

/// Polls `EventLogEntry` and hands events to a handler in id order. See the module docs.
pub struct EventStream {
    client: Client,
    filters: Vec<Filter>,
    poll: Duration,
    max_poll: Duration,
    gap_timeout: Duration,
    page_size: usize,
    checkpoint: Option<PathBuf>,
    save_every: Duration,
    last_save: Option<Instant>,
    /// Whether the place changed since it was last saved.
    unsaved: bool,
    place: Checkpoint,
    /// When each open gap was first noticed.
    gap_seen: BTreeMap<i64, Instant>,
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
            poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(10),
            gap_timeout: Duration::from_secs(60),
            page_size: 500,
            checkpoint: None,
            save_every: Duration::ZERO,
        }
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

    /// Records event `id` as handled elsewhere (a webhook delivered it), in this stream's place
    /// and checkpoint, so that no poll hands it again: one checkpoint for both ways in. The ids
    /// between the newest known and `id` become gaps until a poll finds them (a missed
    /// delivery is then handed over) or finds they are other events.
    pub fn mark_handled(&mut self, id: i64) -> Result<()> {
        if self.is_handled(id) {
            return Ok(());
        }
        let newest = self.newest_known();
        let now = Instant::now();
        for gap in (newest + 1)..id {
            self.place.gaps.insert(gap);
            self.gap_seen.insert(gap, now);
        }
        self.place.gaps.remove(&id);
        self.gap_seen.remove(&id);
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
        let (events, _) = self.read_past()?;
        let full = events.len() >= self.page_size;
        let now = Instant::now();
        let unhandled: Vec<Event> = events
            .into_iter()
            .filter(|e| !self.place.handled.contains(&e.id))
            .collect();
        for e in &unhandled {
            if self.place.gaps.insert(e.id) {
                self.gap_seen.insert(e.id, now);
            }
        }
        Ok((unhandled, full))
    }

    /// Saves the place to the checkpoint file now (a stream saves after each event; a new
    /// stream that has handled none yet has nothing saved, and would start from "now" again).
    pub fn save_place(&mut self) -> Result<()> {
        if let Some(path) = &self.checkpoint {
            self.place.save(path)?;
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

    /// The highest id the place knows of: handled, open, or behind it.
    pub fn newest_known(&self) -> i64 {
        [
            Some(self.place.contiguous),
            self.place.handled.last().copied(),
            self.place.gaps.last().copied(),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(self.place.contiguous)
    }

    /// The events past the place (the open gaps, and what is newer than anything handled: events
    /// handled past a gap are not read again), in id order, with the highest id seen; the ids
    /// between the place and it that are missing become gaps.
    fn read_past(&mut self) -> Result<(Vec<Event>, i64)> {
        let newest_handled = self
            .place
            .handled
            .last()
            .copied()
            .unwrap_or(self.place.contiguous);
        let mut past = Filter::cond("id", "greater_than", [newest_handled]);
        if !self.place.gaps.is_empty() {
            past = Filter::or([
                past,
                Filter::cond("id", "in", self.place.gaps.iter().copied()),
            ]);
        }
        let mut conditions = vec![past];
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
        let present: BTreeSet<i64> = events.iter().map(|e| e.id).collect();
        let max_seen = present.last().copied().unwrap_or(self.place.contiguous);
        // Before handing anything over, so that every id below an event is known: handled, a
        // gap, or (with filters) another event.
        self.note_gaps(max_seen, &present)?;
        Ok((events, max_seen))
    }

    /// One poll: reads the events past the stream's place, hands each new one to `handler` in
    /// id order, and saves the place after each. Returns how many were handled. A handler error
    /// stops the poll before that event's place is saved (it is handed again next time).
    pub fn poll_once<E>(
        &mut self,
        handler: &mut impl FnMut(&Event) -> std::result::Result<(), E>,
    ) -> Result<std::result::Result<usize, E>> {
        let (events, max_seen) = self.read_past()?;
        let mut handled = 0;
        for event in &events {
            if self.place.handled.contains(&event.id) {
                continue;
            }
            if let Err(e) = handler(event) {
                return Ok(Err(e));
            }
            self.place.gaps.remove(&event.id);
            self.gap_seen.remove(&event.id);
            self.place.handled.insert(event.id);
            self.delivered += 1;
            handled += 1;
            self.settle(event.id)?;
        }
        // Up to the newest id known, so that gaps expire even when nothing new comes.
        let upto = [
            Some(max_seen),
            self.place.handled.last().copied(),
            self.place.gaps.last().copied(),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(max_seen);
        self.settle(upto)?;
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

    /// Ids between the place and the newest seen that were not handled are gaps; with filters,
    /// those the site has (other events) are not.
    fn note_gaps(&mut self, max_seen: i64, present: &BTreeSet<i64>) -> Result<()> {
        let now = Instant::now();
        let mut fresh: Vec<i64> = ((self.place.contiguous + 1)..max_seen)
            .filter(|id| {
                !present.contains(id)
                    && !self.place.handled.contains(id)
                    && !self.place.gaps.contains(id)
            })
            .collect();
        if !self.filters.is_empty() && !fresh.is_empty() {
            let others = self.other_events(&fresh)?;
            fresh.retain(|id| !others.contains(id));
        }
        for id in fresh {
            self.place.gaps.insert(id);
            self.gap_seen.insert(id, now);
        }
        // Gaps that exist by now but did not match the filters are not gaps. Those that did
        // match (read in this poll) stay gaps until handed over: a poll stopped before them by
        // a handler's error reads them again, where dropping them here let the place move over
        // them as "other events", and lost them.
        if !self.filters.is_empty() && !self.place.gaps.is_empty() {
            let open: Vec<i64> = self
                .place
                .gaps
                .iter()
                .filter(|id| !present.contains(id))
                .copied()
                .collect();
            for id in self.other_events(&open)? {
                self.place.gaps.remove(&id);
                self.gap_seen.remove(&id);
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
    fn other_events(&self, ids: &[i64]) -> Result<BTreeSet<i64>> {
        let there = |ids: &[i64], filters: &[Filter]| -> Result<BTreeSet<i64>> {
            let mut found = BTreeSet::new();
            for chunk in ids.chunks(500) {
                let mut conditions = vec![Filter::cond("id", "in", chunk.iter().copied())];
                conditions.extend(filters.iter().cloned());
                let q = Query::new(EVENTS)
                    .filter(Filter::and(conditions))
                    .fields(["id"]);
                found.extend(
                    self.client
                        .find_all(&q)?
                        .iter()
                        .filter_map(|r| r["id"].as_i64()),
                );
            }
            Ok(found)
        };
        let committed = there(ids, &[])?;
        if committed.is_empty() {
            return Ok(committed);
        }
        let committed_ids: Vec<i64> = committed.iter().copied().collect();
        let matching = there(&committed_ids, &self.filters)?;
        Ok(committed.difference(&matching).copied().collect())
    }

    /// Moves the place forward, up to `upto`, over handled ids, other events (filtered out)
    /// and expired gaps, and saves it.
    fn settle(&mut self, upto: i64) -> Result<()> {
        loop {
            let next = self.place.contiguous + 1;
            if next > upto {
                break;
            }
            if self.place.handled.remove(&next) {
                self.place.contiguous = next;
            } else if self.place.gaps.contains(&next) {
                let expired = self
                    .gap_seen
                    .get(&next)
                    .is_some_and(|t| t.elapsed() >= self.gap_timeout);
                if !expired {
                    break;
                }
                self.place.gaps.remove(&next);
                self.gap_seen.remove(&next);
                self.lost += 1;
                log::warn!(
                    "event #{next} never arrived within {:?}: counted as lost",
                    self.gap_timeout
                );
                self.place.contiguous = next;
            } else {
                // Below an event seen and not a gap: another event, filtered out.
                self.place.contiguous = next;
            }
        }
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
