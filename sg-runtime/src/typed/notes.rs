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
