//! The api3 methods, one file per area, each an `impl Client` over [`Client::call`]. The local
//! site's handlers mirror these files in `sg-localsite/src/api/`.

mod activity;
mod files;
mod following;
mod nav;
mod notes;
mod once;
pub(crate) mod read;
mod schema;
mod site;
mod summarize;
mod write;

pub use files::{ThumbnailSource, UploadOptions, MULTIPART_CHUNK_BYTES};
pub use read::FindIter;
