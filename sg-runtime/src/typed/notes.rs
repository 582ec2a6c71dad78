//! A note's thread, typed: the Note, its Replies and its Attachments as the generated structs
//! of the bindings, or projections of them (`note_thread::<Note, Reply, Attachment>(&client,
//! id)`), each tied to its entity type so that they cannot be swapped.

use super::{EntityType, Readable};
use crate::error::{Error, Result};
use crate::Client;
use serde_json::Value;
use std::collections::BTreeMap;

/// One record of a note's thread.
#[derive(Clone, Debug, PartialEq)]
pub enum ThreadItem<N, R, A> {
    /// The note itself, first.
    Note(N),
    /// A reply.
    Reply(R),
    /// A file attached to the note.
    Attachment(A),
}

/// The `Note` entity type: generated bindings implement it for their `Note` marker.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the `Note` entity type",
    note = "`note_thread::<N, R, A>` takes the bindings' Note, Reply and Attachment (or projections of them), in that order"
)]
pub trait IsNote: EntityType {}

/// The `Reply` entity type: generated bindings implement it for their `Reply` marker.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the `Reply` entity type",
    note = "`note_thread::<N, R, A>` takes the bindings' Note, Reply and Attachment (or projections of them), in that order"
)]
pub trait IsReply: EntityType {}

/// The `Attachment` entity type: generated bindings implement it for their `Attachment` marker.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the `Attachment` entity type",
    note = "`note_thread::<N, R, A>` takes the bindings' Note, Reply and Attachment (or projections of them), in that order"
)]
pub trait IsAttachment: EntityType {}

/// The thread of Note `note_id` (the official client's `note_thread_read`), decoded: `N`, `R`
/// and `A` are the bindings' `Note`, `Reply` and `Attachment` structs, which ask for every
/// field, or projections of them (`#[derive(Select)]`), which ask for theirs. Swapped, they do
/// not compile.
pub fn note_thread<N, R, A>(
    client: &Client,
    note_id: super::Id<N::Type>,
) -> Result<Vec<ThreadItem<N, R, A>>>
where
    N: Readable,
    N::Type: IsNote,
    R: Readable,
    R::Type: IsReply,
    A: Readable,
    A::Type: IsAttachment,
{
    let (note, reply, attachment) = (
        <N::Type as EntityType>::NAME,
        <R::Type as EntityType>::NAME,
        <A::Type as EntityType>::NAME,
    );
    let fields = BTreeMap::from([
        (note.to_string(), N::return_fields()),
        (reply.to_string(), R::return_fields()),
        (attachment.to_string(), A::return_fields()),
    ]);
    client
        .note_thread_read(note_id.get(), &fields)?
        .into_iter()
        .map(|record| {
            let Value::Object(map) = record else {
                return Err(unexpected("a record", &record));
            };
            match map.get("type").and_then(Value::as_str) {
                Some(t) if t == note => N::decode(map).map(ThreadItem::Note),
                Some(t) if t == reply => R::decode(map).map(ThreadItem::Reply),
                Some(t) if t == attachment => A::decode(map).map(ThreadItem::Attachment),
                _ => Err(unexpected(
                    "a Note, Reply or Attachment",
                    &Value::Object(map),
                )),
            }
        })
        .collect()
}

fn unexpected(what: &str, got: &Value) -> Error {
    Error::Malformed {
        method: "note_thread_contents".into(),
        entity_type: Some("Note".into()),
        detail: format!(
            "expected {what}, got {}",
            crate::value::ValueError::new("", got).found
        ),
    }
}

/// A typed text search (the official client's `text_search`): the records of the entity types
/// named with [`of`](TextSearch::of) or [`within`](TextSearch::within) whose display names hold
/// every word of `text`.
pub fn text_search(text: impl Into<String>) -> TextSearch {
    TextSearch {
        text: text.into(),
        types: BTreeMap::new(),
        projects: Vec::new(),
        limit: None,
    }
}

/// A typed text search; see [`text_search`].
#[derive(Clone, Debug)]
#[must_use = "a search does nothing until it is sent"]
pub struct TextSearch {
    text: String,
    types: BTreeMap<String, Vec<crate::Filter>>,
    projects: Vec<i64>,
    limit: Option<usize>,
}

impl TextSearch {
    /// Searches every record of entity type `M`.
    pub fn of<M: EntityType>(mut self) -> TextSearch {
        self.types.entry(M::NAME.to_string()).or_default();
        self
    }

    /// Searches the records of `E` that `condition` keeps (conditions on one type all hold):
    /// `.within(Shot::F.sg_status_list.is(ShotSgStatusList::Ip))`.
    pub fn within<E: EntityType>(mut self, condition: super::Condition<E>) -> TextSearch {
        self.types
            .entry(E::NAME.to_string())
            .or_default()
            .push(condition.into_filter());
        self
    }

    /// Only records of `project` (several calls: any of them).
    pub fn in_project<P: super::IsProject>(mut self, project: super::Id<P>) -> TextSearch {
        self.projects.push(project.get());
        self
    }

    /// At most `n` matches.
    pub fn limit(mut self, n: usize) -> TextSearch {
        self.limit = Some(n);
        self
    }

    /// Runs it: the matches, as links that keep their entity type and display name.
    pub fn send(&self, client: &Client) -> Result<Vec<super::TargetRef<super::AnyEntity>>> {
        let types = self
            .types
            .iter()
            .map(|(t, f)| (t.clone(), super::filter::all_of(f)))
            .collect();
        let found = client.text_search(&self.text, &types, &self.projects, self.limit)?;
        let matches = found.get("matches").and_then(Value::as_array);
        matches
            .into_iter()
            .flatten()
            .map(|m| {
                <crate::EntityRef as crate::WireValue>::from_wire(m)
                    .map(super::TargetRef::from_ref)
                    .map_err(|_| unexpected("a match with a type and an id", m))
            })
            .collect()
    }
}
