//! Typed files: uploads into a `url` (file/link) field of an entity, thumbnails and filmstrips
//! of entity types that have them, shared thumbnails, and downloads of typed values, checked
//! at compile time: `Version::upload(id, Version::F.sg_uploaded_movie, path)` compiles only for
//! `url` fields, `Shot::upload_thumbnail(&client, id, path)` only for entity types with an
//! `image` field. Each returns the Attachment it made as an `Id` of the bindings' Attachment.

use super::kind::{self, Kind};
use super::link::AnyLink;
use super::notes::IsAttachment;
use super::write::WritableAccess;
use super::{Entity, EntityType, FieldRef, Id, Link};
use crate::error::{Error, Result};
use crate::{Client, Downloadable, ThumbnailSource, UploadOptions};
use serde_json::Value;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Entity types with a thumbnail (an `image` field). Generated bindings implement it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `image` field: it takes no thumbnail",
    note = "thumbnails go to entity types whose schema has an `image` field"
)]
pub trait HasThumbnail: EntityType {}

/// Entity types with a filmstrip (a `filmstrip_image` field). Generated bindings implement it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `filmstrip_image` field: it takes no filmstrip",
    note = "filmstrips go to entity types whose schema has a `filmstrip_image` field"
)]
pub trait HasFilmstrip: EntityType {}

/// Kinds a file can be uploaded into: `url` (file/link) fields.
#[diagnostic::on_unimplemented(
    message = "files are uploaded into `url` (file/link) fields, not a `{Self}` field",
    note = "an `image` field takes a thumbnail: `upload_thumbnail`; a file linked to the record but in no field: `Client::upload` with no `field_name`"
)]
pub trait FileField: Kind {}
#[diagnostic::do_not_recommend]
impl FileField for kind::Url {}

/// The id of the Attachment an upload made, typed.
pub type AttachmentId<E> = Id<<E as EntityType>::Attachment>;

/// An upload of a file into a `url` field of a record of `E`, made by
/// [`Files::upload`]: a display name, tags and a progress callback are optional, and
/// [`send`](Upload::send) returns the Attachment's id.
#[must_use = "an upload does nothing until it is sent"]
pub struct Upload<'a, E> {
    id: i64,
    path: PathBuf,
    options: UploadOptions,
    progress: Option<Box<dyn FnMut(u64, u64) + 'a>>,
    _e: PhantomData<fn() -> E>,
}

impl<'a, E: EntityType> Upload<'a, E> {
    /// The Attachment's display name (default: the file's name).
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.options.display_name = Some(name.into());
        self
    }

    /// Tags for the Attachment, comma-separated.
    pub fn tags(mut self, tags: impl Into<String>) -> Self {
        self.options.tag_list = Some(tags.into());
        self
    }

    /// Called with `(bytes_sent, total)` as the file goes out.
    pub fn progress(mut self, progress: impl FnMut(u64, u64) + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Uploads it (the official client's `upload`): an Attachment linked to the record, the
    /// file in the field. Returns the Attachment's id.
    pub fn send(self, client: &Client) -> Result<AttachmentId<E>> {
        let mut progress = self.progress;
        let mut none = |_: u64, _: u64| {};
        let progress: &mut dyn FnMut(u64, u64) = match progress.as_mut() {
            Some(p) => p,
            None => &mut none,
        };
        client
            .upload_with_progress(E::NAME, self.id, &self.path, &self.options, progress)
            .map(Id::new)
    }
}

/// Uploads, thumbnails and shared thumbnails for every generated entity struct (in the
/// prelude).
pub trait Files: Entity {
    /// An upload of the file at `path` into `field` of record `id`:
    /// `Version::upload(id, Version::F.sg_uploaded_movie, path).display_name("Take 1").send(&client)?`.
    fn upload<'a, K: FileField, A: WritableAccess>(
        id: Id<Self::Type>,
        field: FieldRef<Self::Type, K, A>,
        path: impl AsRef<Path>,
    ) -> Upload<'a, Self::Type> {
        Upload {
            id: id.get(),
            path: path.as_ref().to_path_buf(),
            options: UploadOptions {
                field_name: Some(field.path().to_string()),
                ..UploadOptions::default()
            },
            progress: None,
            _e: PhantomData,
        }
    }

    /// Uploads the image at `path` as the thumbnail of record `id` (the official client's
    /// `upload_thumbnail`). Returns the Attachment's id.
    fn upload_thumbnail(
        client: &Client,
        id: Id<Self::Type>,
        path: impl AsRef<Path>,
    ) -> Result<AttachmentId<Self::Type>>
    where
        Self::Type: HasThumbnail,
    {
        client
            .upload_thumbnail(<Self::Type as EntityType>::NAME, id.get(), path)
            .map(Id::new)
    }

    /// Uploads a filmstrip (frames 240 pixels wide, side by side) as the `filmstrip_image` of
    /// record `id` (the official client's `upload_filmstrip_thumbnail`). Returns the
    /// Attachment's id.
    fn upload_filmstrip_thumbnail(
        client: &Client,
        id: Id<Self::Type>,
        path: impl AsRef<Path>,
    ) -> Result<AttachmentId<Self::Type>>
    where
        Self::Type: HasFilmstrip,
    {
        client
            .upload_filmstrip_thumbnail(<Self::Type as EntityType>::NAME, id.get(), path)
            .map(Id::new)
    }

    /// Gives the records `to` (of any entity types) the thumbnail record `id` has (the
    /// official client's `share_thumbnail` with a `source_entity`). To share a new image,
    /// upload it first with [`upload_thumbnail`](Files::upload_thumbnail), as the official
    /// client does. Returns the thumbnail's Attachment id.
    fn share_thumbnail<L: AnyLink>(
        client: &Client,
        id: Id<Self::Type>,
        to: impl IntoIterator<Item = L>,
    ) -> Result<Option<AttachmentId<Self::Type>>>
    where
        Self::Type: HasThumbnail,
    {
        share::<Self::Type, L>(client, id, to, false)
    }

    /// [`share_thumbnail`](Files::share_thumbnail) of the filmstrip.
    fn share_filmstrip<L: AnyLink>(
        client: &Client,
        id: Id<Self::Type>,
        to: impl IntoIterator<Item = L>,
    ) -> Result<Option<AttachmentId<Self::Type>>>
    where
        Self::Type: HasFilmstrip,
    {
        share::<Self::Type, L>(client, id, to, true)
    }
}

fn share<E: EntityType, L: AnyLink>(
    client: &Client,
    id: Id<E>,
    to: impl IntoIterator<Item = L>,
    filmstrip: bool,
) -> Result<Option<AttachmentId<E>>> {
    let to: Vec<_> = to.into_iter().map(AnyLink::into_entity_ref).collect();
    if to.is_empty() {
        return Err(Error::InvalidRequest(format!(
            "share_thumbnail of {} #{}: give at least one record to share it with",
            E::NAME,
            id.get()
        )));
    }
    let source = Link::new(id).into_entity_ref();
    client
        .share_thumbnail(&to, ThumbnailSource::Entity(&source), filmstrip)
        .map(|id| id.map(Id::new))
}

impl<T: Entity> Files for T {}

/// A typed Attachment id or link downloads as the official client's `{type, id}` does.
impl<M: IsAttachment> Downloadable for Id<M> {
    fn attachment_value(&self) -> Value {
        Link::new(*self).into_entity_ref().attachment_value()
    }
}

impl<M: IsAttachment> Downloadable for Link<M> {
    fn attachment_value(&self) -> Value {
        self.to_ref().attachment_value()
    }
}
