//! A note's thread, typed: the Note, its Replies and its Attachments as the generated structs
//! of the bindings (`note_thread::<Note, Reply, Attachment>(&client, id)`).

use super::{Entity, EntityField, EntityType};
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

/// The thread of Note `note_id`, every field of each struct asked for, decoded. `N`, `R` and `A`
/// are the bindings' `Note`, `Reply` and `Attachment` (or projections of them).
pub fn note_thread<N: Entity, R: Entity, A: Entity>(
    client: &Client,
    note_id: super::Id<N::Type>,
) -> Result<Vec<ThreadItem<N, R, A>>> {
    let (note, reply, attachment) = (
        <N::Type as EntityType>::NAME,
        <R::Type as EntityType>::NAME,
        <A::Type as EntityType>::NAME,
    );
    let fields = BTreeMap::from([
        (note.to_string(), wire_names::<N::Field>()),
        (reply.to_string(), wire_names::<R::Field>()),
        (attachment.to_string(), wire_names::<A::Field>()),
    ]);
    client
        .note_thread_read(note_id.get(), &fields)?
        .into_iter()
        .map(|record| {
            let Value::Object(map) = record else {
                return Err(unexpected("a record", &record));
            };
            match map.get("type").and_then(Value::as_str) {
                Some(t) if t == note => N::from_map(map).map(ThreadItem::Note),
                Some(t) if t == reply => R::from_map(map).map(ThreadItem::Reply),
                Some(t) if t == attachment => A::from_map(map).map(ThreadItem::Attachment),
                _ => Err(unexpected(
                    "a Note, Reply or Attachment",
                    &Value::Object(map),
                )),
            }
        })
        .collect()
}

/// Every field of an entity, by wire name.
fn wire_names<F: EntityField>() -> Vec<String> {
    F::ALL.iter().map(|f| f.wire_name().to_string()).collect()
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
