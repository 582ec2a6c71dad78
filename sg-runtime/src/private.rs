//! What generated bindings and `#[derive(Select)]` need of sg-runtime, and nothing a program
//! calls: hidden from the docs (as serde's `__private`) and free to change between releases.

pub use crate::type_list;
pub use crate::typed::decode::{
    decode_read_direct, handle_types, FieldSlot, HandleTypes, RecordId, RecordReader,
};
pub use serde::de::MapAccess;

use crate::typed::FieldRef;

/// The handle on the field with wire name `name`, as generated bindings make their `F`
/// constants: a handle can only name a field its generated entity type has.
pub const fn field<E, K, A>(name: &'static str) -> FieldRef<E, K, A> {
    FieldRef::new(name)
}

/// The handle on query field `name`, with its definition (JSON): generated bindings make their
/// query fields' handles with it.
pub const fn query_field<E, K, A>(
    name: &'static str,
    definition: &'static str,
) -> FieldRef<E, K, A> {
    FieldRef::query_field(name, definition)
}

/// The query field a projection's handle ends at, with its definition, if it is one.
pub fn query_of<E, K, A>(handle: &FieldRef<E, K, A>) -> Option<(String, &'static str)> {
    handle.query_field_of()
}
