//! The api3 methods, one file per area, each an `impl Client` over [`Client::call`] (and, in
//! `rest.rs`, the few REST requests the client makes). The local site's handlers mirror these
//! files in `sg-localsite/src/api/`.

mod activity;
mod bulk;
mod files;
mod following;
mod nav;
mod notes;
mod once;
pub(crate) mod query_fields;
pub(crate) mod read;
mod read_by_id;
mod rest;
mod schema;
mod site;
mod summarize;
mod write;

pub use bulk::{
    BulkProgress, BulkReport, BulkWrite, ChunkOutcome, ChunkReport, DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_BYTES,
};
pub use files::{Downloadable, ThumbnailSource, UploadOptions, MULTIPART_CHUNK_BYTES};
pub use query_fields::{QueryFieldStats, PARENTS_PER_REQUEST};
pub use read::FindIter;
pub use read_by_id::IdIter;
