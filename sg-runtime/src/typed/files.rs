//! Typed uploads: into a `url` (file/link) field of an entity, or as its thumbnail, checked at
//! compile time: `Version::upload(&client, id, Version::F.sg_uploaded_movie, path)` compiles
//! only for `url` fields, `Shot::upload_thumbnail(&client, id, path)` only for entity types
//! with an `image` field.

use super::kind::{self, Kind};
use super::write::WritableAccess;
use super::{Entity, EntityType, FieldRef, Id};
use crate::error::Result;
use crate::{Client, UploadOptions};
use std::path::Path;

/// Entity types with a thumbnail (an `image` field). Generated bindings implement it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `image` field: it takes no thumbnail",
    note = "thumbnails go to entity types whose schema has an `image` field"
)]
pub trait HasThumbnail: EntityType {}

/// Kinds a file can be uploaded into: `url` (file/link) fields.
#[diagnostic::on_unimplemented(
    message = "files are uploaded into `url` (file/link) fields, not a `{Self}` field",
    note = "an `image` field takes a thumbnail: `upload_thumbnail`; a file linked to the record but in no field: `Client::upload` with no `field_name`"
)]
pub trait FileField: Kind {}
impl FileField for kind::Url {}

/// Uploads for every generated entity struct (in the prelude).
pub trait Files: Entity {
    /// Uploads the file at `path` into `field` of record `id` (making an Attachment linked to
    /// it); returns the Attachment's id. See [`Client::upload`].
    fn upload<K: FileField, A: WritableAccess>(
        client: &Client,
        id: Id<Self::Type>,
        field: FieldRef<Self::Type, K, A>,
        path: impl AsRef<Path>,
    ) -> Result<i64> {
        let options = UploadOptions {
            field_name: Some(field.path().to_string()),
            ..UploadOptions::default()
        };
        client.upload(<Self::Type as EntityType>::NAME, id.get(), path, &options)
    }

    /// [`upload`](Files::upload) with a display name, tags and a progress callback
    /// (`progress(bytes_sent, total)`).
    fn upload_with<K: FileField, A: WritableAccess>(
        client: &Client,
        id: Id<Self::Type>,
        field: FieldRef<Self::Type, K, A>,
        path: impl AsRef<Path>,
        display_name: Option<&str>,
        tag_list: Option<&str>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<i64> {
        let options = UploadOptions {
            field_name: Some(field.path().to_string()),
            display_name: display_name.map(str::to_owned),
            tag_list: tag_list.map(str::to_owned),
        };
        client.upload_with_progress(
            <Self::Type as EntityType>::NAME,
            id.get(),
            path,
            &options,
            progress,
        )
    }

    /// Uploads the image at `path` as the thumbnail of record `id`. See
    /// [`Client::upload_thumbnail`].
    fn upload_thumbnail(client: &Client, id: Id<Self::Type>, path: impl AsRef<Path>) -> Result<i64>
    where
        Self::Type: HasThumbnail,
    {
        client.upload_thumbnail(<Self::Type as EntityType>::NAME, id.get(), path)
    }
}

impl<T: Entity> Files for T {}
