//! The traits and handle types that generated bindings implement and the typed API builds on.
//!
//! For each entity type the generator emits:
//! * a marker, an empty enum named after the type (`markers::Shot`), implementing [`EntityType`].
//!   Markers are always compiled, so links and link-target sets can name any entity even when its
//!   struct is left out by a per-entity cargo feature;
//! * a struct (`Shot`) implementing [`Entity`], decoded field by field through
//!   [`WireValue`] (no derive per struct: cheap to compile);
//! * a field enum (`ShotField`) implementing [`EntityField`];
//! * a handles struct (`ShotFields`, reached as `Shot::F`) with one [`FieldRef`] per field. A
//!   handle's type carries the owning entity, the data-type [`kind`] (and so the Rust value type)
//!   and whether the API may write it; its value is the wire path.

use crate::error::{Error, Result};
use crate::value::WireValue;
use decode::RecordReader;
use serde::de::MapAccess;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::marker::PhantomData;

pub(crate) mod decode;
mod event;
mod files;
mod filter;
mod find;
mod following;
mod link;
mod notes;
mod summarize;
mod write;

pub use decode::decode_read;
pub use event::EventMeta;
pub use files::{AttachmentId, FileField, Files, HasFilmstrip, HasThumbnail, Upload};
pub use filter::{Compare, Condition, DateUnit, Sort};
pub use find::{Find, Partial, Preset, Readable, ReturnFields, TypedIter};
pub use following::{follow, followers, following, unfollow, Following, IsHumanUser, IsProject};
pub use link::{
    AllIn, AnyLink, EveryEntity, Id, IntoTarget, Link, LinkTypeError, Links, Settable, TargetRef,
    TargetSet, Within,
};
pub use notes::{note_thread, text_search, IsAttachment, IsNote, IsReply, TextSearch, ThreadItem};
pub use summarize::{
    DateGrouping, Group, Linked, Listed, NumberGrouping, Numeric, Summaries, Summarize,
    SummaryResult,
};
pub use write::{Batch, BatchResults, BatchSlot, Create, KeyKind, Update, WritableAccess};

/// Everything a typed program needs in scope: `use sg_runtime::typed::prelude::*;`.
pub mod prelude {
    pub use super::{
        Condition, DateUnit, Entity, EntityField, Files, Id, Link, Links, Partial, Readable,
        Record, TargetRef,
    };
}

/// What the schema says of one field; generated field enums keep a table of these, indexed by
/// variant (a table compiles far cheaper than one `match` per property).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// The wire name.
    pub wire_name: &'static str,
    /// The display name.
    pub display_name: &'static str,
    /// The schema's data type.
    pub data_type: &'static str,
    /// Whether the API may write the field.
    pub writable: bool,
}

/// An entity type of a site, as a type: implemented by the generated markers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an entity type marker: name entity types by their markers (`markers::Shot`)",
    label = "not an entity type marker",
    note = "the bindings' struct of the same name (`Shot`) is a record of that type, not the type"
)]
pub trait EntityType: 'static {
    /// The entity type's wire name, such as `Shot`.
    const NAME: &'static str;
    /// The bindings' `Attachment` marker, the entity type an upload makes (so that an upload
    /// returns an `Id<markers::Attachment>`); [`AnyEntity`] in bindings without one.
    type Attachment: 'static;
}

/// A generated entity struct (`Send` and `'static`, as every [`Readable`] is).
pub trait Entity: Sized + Send + 'static {
    /// The entity type's marker.
    type Type: EntityType;
    /// The entity's field enum.
    type Field: EntityField<Type = Self::Type>;
    /// Reads one record's fields from `r` (generated: one `match` arm per field). Missing
    /// fields are `None` (empty for a multi-entity field), extra keys are skipped.
    #[doc(hidden)]
    fn read_fields<'de, A: MapAccess<'de>>(
        r: &mut RecordReader<'de, A>,
    ) -> std::result::Result<Self, A::Error>;
    /// Decodes one record already parsed into a map: a value of the wrong shape is an
    /// [`Error::Decode`] naming the entity, id and field.
    fn from_map(record: Map<String, Value>) -> Result<Self> {
        decode::from_map(record)
    }
    /// [`Entity::from_map`] of a copy of `record`.
    fn from_record(record: &Map<String, Value>) -> Result<Self> {
        Self::from_map(record.clone())
    }
    /// The record's id.
    fn id(&self) -> Id<Self::Type>;
    /// A typed link to this record, for link fields and filters.
    fn link(&self) -> Link<Self::Type> {
        Link::new(self.id())
    }
}

/// The typed requests of a [`Readable`] type (an entity struct or a projection), as associated
/// functions: `Shot::find()`, `Shot::create()`, `Shot::update(id)`, ...
pub trait Record: Readable {
    /// A typed `read` of this type's entity.
    fn find() -> Find<Self> {
        Find::new()
    }
    /// A typed `create`, returning the new record as `Self`.
    fn create() -> Create<Self>
    where
        Self: Entity,
    {
        Create::new()
    }
    /// A typed `update` of record `id` (an id of this entity type: a `Version`'s id does not
    /// update a `Playlist`), returning the updated fields.
    fn update(id: Id<<Self as Entity>::Type>) -> Update<Self>
    where
        Self: Entity,
    {
        Update::new(id)
    }
    /// A typed `summarize` over this type's entity.
    fn summarize() -> Summarize<Self::Type> {
        Summarize::new()
    }
    /// Retires record `id`; true when it was live.
    fn delete(client: &crate::Client, id: Id<Self::Type>) -> Result<bool> {
        client.delete(<Self::Type as EntityType>::NAME, id.get())
    }
    /// Adds a delete (retire) of record `id` to `batch`: [`Batch::delete`] with the entity type
    /// taken from `Self`, so that `Shot::delete_in(&mut batch, Id::new(5))` needs no annotation
    /// where `batch.delete(Id::new(5))` would.
    fn delete_in(batch: &mut Batch, id: Id<Self::Type>) -> BatchSlot<bool> {
        batch.delete(id)
    }
    /// Brings back retired record `id`; true when it was retired.
    fn revive(client: &crate::Client, id: Id<Self::Type>) -> Result<bool> {
        client.revive(<Self::Type as EntityType>::NAME, id.get())
    }
}

impl<R: Readable> Record for R {}

/// A generated field enum: one variant per field of an entity type.
pub trait EntityField: Copy + Eq + Ord + std::hash::Hash + std::fmt::Debug + 'static {
    /// The owning entity type's marker.
    type Type: EntityType;
    /// Every field, sorted by wire name.
    const ALL: &'static [Self];
    /// The field's wire name.
    fn wire_name(self) -> &'static str;
    /// The field's display name on the site.
    fn display_name(self) -> &'static str;
    /// The field's data type as the schema names it (`text`, `entity`, ...).
    fn data_type(self) -> &'static str;
    /// Whether the API may write the field.
    fn is_writable(self) -> bool;
    /// The field whose wire name is `name`, if these bindings know it (a binary search:
    /// [`ALL`](EntityField::ALL) is sorted by wire name).
    fn from_wire_name(name: &str) -> Option<Self> {
        Self::ALL
            .binary_search_by(|f| f.wire_name().cmp(name))
            .ok()
            .map(|i| Self::ALL[i])
    }
}

/// A link may point at `T`: implemented by each entity marker for itself, by every marker for
/// [`AnyEntity`], and by the members of generated target sets (`TaskEntityTargets`).
#[diagnostic::on_unimplemented(
    message = "this link cannot point to a `{Self}`",
    label = "`{Self}` is not among the link's `valid_types`",
    note = "a deep link or link value must name one of the entity types the field's schema lists; a link read from a field with other types goes through the target field's `fit` (`Version::F.entity.fit(link)?`, checked at run time)"
)]
pub trait LinkTarget<T> {}

impl<M: EntityType> LinkTarget<M> for M {}
impl<M: EntityType> LinkTarget<AnyEntity> for M {}

/// The target set of a link field whose schema lists no `valid_types`: any entity.
pub enum AnyEntity {}

/// Field access: writable through the API.
pub enum Writable {}
/// Field access: read-only (computed, system-managed or UI-only).
pub enum ReadOnly {}
/// Field access of a deep path through a multi-entity link: usable in filters only (a site
/// returns nothing for such a path, and cannot sort on it).
pub enum ThroughMany {}

/// Paths a site returns and sorts on: fields, and deep links through single-entity links.
#[diagnostic::on_unimplemented(
    message = "a path through a multi-entity field can only filter: it cannot be returned or sorted on",
    label = "this path goes through a multi-entity link",
    note = "a site returns nothing for a deep link through a multi-entity field; read the linked records with a second find filtered on the link instead"
)]
pub trait Returnable {}
#[diagnostic::do_not_recommend]
impl Returnable for Writable {}
#[diagnostic::do_not_recommend]
impl Returnable for ReadOnly {}

/// The access of a deep path: read-only, or filter-only once it goes through a multi-entity link.
pub trait Through<B> {
    /// The path's access.
    type Out;
}

macro_rules! through {
    ($($a:ty, $b:ty => $out:ty;)*) => {$( impl Through<$b> for $a { type Out = $out; } )*};
}
through! {
    Writable, Writable => ReadOnly;
    Writable, ReadOnly => ReadOnly;
    ReadOnly, Writable => ReadOnly;
    ReadOnly, ReadOnly => ReadOnly;
    Writable, ThroughMany => ThroughMany;
    ReadOnly, ThroughMany => ThroughMany;
    ThroughMany, Writable => ThroughMany;
    ThroughMany, ReadOnly => ThroughMany;
    ThroughMany, ThroughMany => ThroughMany;
}

/// Data-type kinds: what a field holds and (in the typed API) which relations it takes.
pub mod kind {
    use std::marker::PhantomData;

    /// A kind of field value.
    pub trait Kind: 'static {
        /// The Rust value type.
        type Value: crate::WireValue;
    }

    macro_rules! kinds {
        ($($(#[$doc:meta])* $name:ident => $value:ty;)*) => {$(
            $(#[$doc])*
            pub enum $name {}
            impl Kind for $name {
                type Value = $value;
            }
        )*};
    }

    kinds! {
        /// `text`: a string.
        Text => String;
        /// `number`, `integer`: a whole number.
        Number => i64;
        /// `float`, `currency`: a decimal number.
        Float => f64;
        /// `percent`, `duration` (minutes), `timecode` (milliseconds): a whole-number measure.
        Measure => i64;
        /// `checkbox`: true or false.
        Checkbox => bool;
        /// `date`: a calendar day.
        Date => chrono::NaiveDate;
        /// `date_time`: a UTC instant.
        DateTime => chrono::DateTime<chrono::Utc>;
        /// `tag_list`: tag names.
        TagList => Vec<String>;
        /// `url`: a file or link.
        Url => crate::FileLink;
        /// `image`: the thumbnail (read-only): its URL, the pending placeholder or an attachment id.
        Image => crate::Image;
        /// `color`, `uuid`, `entity_type`, `footage`, `system_task_type`: a string compared as a
        /// whole.
        Opaque => String;
        /// `password`: written, never filtered on (a site refuses), read back masked or empty.
        Password => String;
        /// `EventLogEntry.meta`: what the event says happened, typed by kind.
        EventMeta => crate::typed::EventMeta;
        /// `serializable`: any JSON.
        Serializable => serde_json::Value;
        /// `summary`, `pivot_column`, `calculated` and data types this crate does not know:
        /// any JSON, read-only.
        Computed => serde_json::Value;
    }

    /// `list`, `status_list`: one of the field's values, `V` (a generated enum, or `String`).
    pub struct List<V>(PhantomData<fn() -> V>);
    impl<V: crate::WireValue + 'static> Kind for List<V> {
        type Value = V;
    }

    /// The `id` field of entity type `M`: compared with ids of `M` only.
    pub struct Id<M: 'static>(PhantomData<fn() -> M>);
    impl<M: 'static> Kind for Id<M> {
        type Value = crate::typed::Id<M>;
    }

    /// `entity`: a link to one record of an entity type in the target set `T`: a
    /// [`Link`](crate::typed::Link) when `T` is one entity type, else a
    /// [`TargetRef`](crate::typed::TargetRef).
    pub struct Entity<T: 'static>(PhantomData<fn() -> T>);
    impl<T: crate::typed::TargetSet> Kind for Entity<T> {
        type Value = T::Link;
    }

    /// A query field whose value is one `K` value: a count (`Query<Number>`), a sum of
    /// frames, the latest Version's code. Computed by the client when a read names it; no
    /// relation filters on it (a site cannot).
    pub struct Query<K: 'static>(PhantomData<fn() -> K>);
    impl<K: Kind> Kind for Query<K> {
        type Value = K::Value;
    }

    /// A query field whose value is a list of `K` values (a `single_record` with a limit over
    /// one).
    pub struct QueryList<K: 'static>(PhantomData<fn() -> K>);
    impl<K: Kind> Kind for QueryList<K> {
        type Value = Vec<K::Value>;
    }

    /// `multi_entity`: links to records of entity types in the target set `T`.
    pub struct MultiEntity<T: 'static>(PhantomData<fn() -> T>);
    impl<T: crate::typed::TargetSet> Kind for MultiEntity<T> {
        type Value = Vec<T::Link>;
    }
}

/// The type parameters of a [`FieldRef`], held without owning anything (always `Send + Sync`).
pub(crate) type Types<E, K, A> = fn() -> (E, K, A);

/// A typed handle on one field (or deep-link path) of entity type `E`, of kind `K`, with access
/// `A` ([`Writable`] or [`ReadOnly`]). Its value is the wire path.
pub struct FieldRef<E, K, A> {
    path: Cow<'static, str>,
    /// A query field's definition (JSON, as generated): the last hop's, for a deep path.
    query: Option<&'static str>,
    _types: PhantomData<Types<E, K, A>>,
}

impl<E, K, A> FieldRef<E, K, A> {
    /// A handle on the field with wire name `name`: generated code makes them (through
    /// `__private::field`), so that a handle always names a field of the schema.
    pub(crate) const fn new(name: &'static str) -> Self {
        FieldRef {
            path: Cow::Borrowed(name),
            query: None,
            _types: PhantomData,
        }
    }

    /// A handle on query field `name`, with its definition.
    pub(crate) const fn query_field(name: &'static str, definition: &'static str) -> Self {
        FieldRef {
            path: Cow::Borrowed(name),
            query: Some(definition),
            _types: PhantomData,
        }
    }

    /// A handle on a deep-link path, such as `sg_sequence.Sequence.code`, ending at a query
    /// field when `query` is its definition.
    pub(crate) fn from_path(path: String, query: Option<&'static str>) -> Self {
        FieldRef {
            path: Cow::Owned(path),
            query,
            _types: PhantomData,
        }
    }

    /// The query field this handle ends at, as its path and definition (JSON), if it is one.
    pub(crate) fn query_field_of(&self) -> Option<(String, &'static str)> {
        Some((self.path.to_string(), self.query?))
    }

    /// The wire path: a field name, or a deep-link path.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<E, K, A> Clone for FieldRef<E, K, A> {
    fn clone(&self) -> Self {
        FieldRef {
            path: self.path.clone(),
            query: self.query,
            _types: PhantomData,
        }
    }
}

impl<E: EntityType, K, A> std::fmt::Debug for FieldRef<E, K, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", E::NAME, self.path)
    }
}

impl<E: EntityType, K, A> FieldRef<E, K, A> {
    /// Sorts by this field, smallest first.
    pub fn asc(&self) -> Sort<E>
    where
        A: Returnable,
    {
        Sort::new(self.path.to_string(), crate::Direction::Asc)
    }

    /// Sorts by this field, largest first.
    pub fn desc(&self) -> Sort<E>
    where
        A: Returnable,
    {
        Sort::new(self.path.to_string(), crate::Direction::Desc)
    }
}

/// A projection field's type fits a field of kind `K`: `Option` of the kind's Rust type, or,
/// for a multi-entity field, the `Vec` of links itself (empty when the site has none).
#[diagnostic::on_unimplemented(
    message = "a projection field of type `{Self}` cannot hold this entity field's values",
    label = "this field's type does not fit",
    note = "a projected field is `Option<V>` (a multi-entity field: `Vec<V>`), where `V` is the entity field's Rust type (see the field's doc in the generated struct)"
)]
pub trait ProjectionOf<K>: decode::FieldSlot {}
impl<K: kind::Kind> ProjectionOf<K> for Option<K::Value> {}
impl<T: TargetSet> ProjectionOf<kind::MultiEntity<T>> for Vec<T::Link> {}

impl<E: EntityType, T: 'static, A> FieldRef<E, kind::Entity<T>, A> {
    /// Follows this link to entity type `M` (one of its `valid_types`) and on to `field` of `M`:
    /// `Shot::F.sg_sequence.via(Sequence::F.code)` is the path `sg_sequence.Sequence.code`.
    /// A path to a type outside `valid_types` does not compile.
    pub fn via<M, K2, A2>(
        &self,
        field: FieldRef<M, K2, A2>,
    ) -> FieldRef<E, K2, <A as Through<A2>>::Out>
    where
        M: EntityType + LinkTarget<T>,
        A: Through<A2>,
    {
        FieldRef::from_path(
            format!("{}.{}.{}", self.path, M::NAME, field.path),
            field.query,
        )
    }
}

impl<E: EntityType, T: TargetSet, A> FieldRef<E, kind::Entity<T>, A> {
    /// Checks at run time that `link` (any link: read from another field, typed or not) points
    /// at one of this field's entity types, and gives it typed for this field. It is the way
    /// through where the compiler cannot prove a link fits: a Task's `entity` (Asset, Sequence,
    /// Shot, Project, ...) into a Version's `entity` (Asset, Sequence, Shot):
    ///
    /// ```ignore
    /// let entity = Version::F.entity.fit(task.entity.clone().unwrap())?;
    /// Version::create().set(Version::F.entity, entity)
    /// ```
    ///
    /// A link of another type is a [`LinkTypeError`] that names the link and this field:
    /// `Project #1 cannot go into Version.entity, which links to one of Asset, Sequence, Shot`.
    pub fn fit(&self, link: impl AnyLink) -> std::result::Result<T::Link, LinkTypeError> {
        let reference = link.into_entity_ref();
        let refused = |r: crate::EntityRef| LinkTypeError {
            found: r.entity_type,
            id: r.id,
            allowed: T::NAMES,
            field: Some(format!("{}.{}", E::NAME, self.path)),
        };
        if !T::allows(&reference.entity_type) {
            return Err(refused(reference));
        }
        T::Link::from_wire_owned(reference.to_wire()).map_err(|_| refused(reference))
    }
}

impl<E: EntityType, T: 'static, A> FieldRef<E, kind::MultiEntity<T>, A> {
    /// Follows this multi-entity link to entity type `M` and on to `field` of `M`, for filters:
    /// `PipelineConfiguration::F.users.via(HumanUser::F.login).is("ann")` matches records
    /// where any linked user has that login. Sites accept such paths in filters only, so the
    /// path cannot be returned or sorted on.
    pub fn via<M, K2, A2>(&self, field: FieldRef<M, K2, A2>) -> FieldRef<E, K2, ThroughMany>
    where
        M: EntityType + LinkTarget<T>,
    {
        FieldRef::from_path(
            format!("{}.{}.{}", self.path, M::NAME, field.path),
            field.query,
        )
    }
}

/// Reads the record's `id`.
pub fn record_id(record: &Map<String, Value>, entity_type: &'static str) -> Result<i64> {
    match record.get("id") {
        Some(v) => i64::from_wire(v).map_err(|e| Error::Decode {
            entity_type: entity_type.into(),
            id: 0,
            field: "id".into(),
            message: e.to_string(),
        }),
        None => Err(Error::Decode {
            entity_type: entity_type.into(),
            id: 0,
            field: "id".into(),
            message: "the record has no id".into(),
        }),
    }
}

/// A value that is not one of a list field's values (parsing a generated list enum).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a value of {field}: expected one of {}", .valid.join(", "))]
pub struct UnknownValue {
    /// The field, as `Entity.field`.
    pub field: &'static str,
    /// The value given.
    pub value: String,
    /// The values the schema lists.
    pub valid: &'static [&'static str],
}

/// A field name that is not a field of the entity type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{entity_type} has no field `{name}`")]
pub struct UnknownField {
    /// The entity type.
    pub entity_type: &'static str,
    /// The name given.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    enum Shot {}
    impl EntityType for Shot {
        const NAME: &'static str = "Shot";
        type Attachment = crate::typed::AnyEntity;
    }
    enum Sequence {}
    impl EntityType for Sequence {
        const NAME: &'static str = "Sequence";
        type Attachment = crate::typed::AnyEntity;
    }

    #[test]
    fn deep_links_build_the_wire_path() {
        let link: FieldRef<Shot, kind::Entity<Sequence>, Writable> = FieldRef::new("sg_sequence");
        let code: FieldRef<Sequence, kind::Text, Writable> = FieldRef::new("code");
        let deep = link.via(code);
        assert_eq!(deep.path(), "sg_sequence.Sequence.code");
        assert_eq!(format!("{deep:?}"), "Shot.sg_sequence.Sequence.code");
    }
}
