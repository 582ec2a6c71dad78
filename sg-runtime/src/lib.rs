//! Blocking client for the ShotGrid (Autodesk Flow Production Tracking) api3 JSON protocol.
//!
//! * [`Client`] speaks the wire protocol: authentication, retries with back-off (writes never
//!   resent blind), paging, and the untyped methods over [`serde_json::Value`], one file per api3
//!   area in `src/api/`, that the typed layer and the code generator build on.
//! * [`value`] holds the value types every layer shares (entity references, file links, dates) and
//!   their conversions to and from the wire.
//! * [`schema`] is the one schema model of the workspace: the server's own `schema_read` /
//!   `schema_entity_read` JSON, nothing lost, plus the project's snapshot file format.
//!
//! ```no_run
//! use sg_runtime::{Client, Credentials, Filter, Query};
//!
//! let client = Client::builder("studio")
//!     .credentials(Credentials::script("pipeline", "the-key"))
//!     .build()?;
//! let shots = client.find_all(
//!     &Query::new("Shot")
//!         .filter(Filter::cond("sg_status_list", "is", ["ip"]))
//!         .fields(["code", "sg_sequence"]),
//! )?;
//! # Ok::<(), sg_runtime::Error>(())
//! ```

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
mod api;
mod client;
mod credentials;
mod envelope;
mod error;
pub mod events;
pub mod records;
mod redact;
mod request;
mod retry;
mod site;
mod transport;
pub mod typed;
pub mod value;
pub mod webhook;

pub use api::{
    BulkProgress, BulkReport, BulkWrite, ChunkOutcome, ChunkReport, DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_BYTES,
};
pub use api::{Downloadable, ThumbnailSource, UploadOptions, MULTIPART_CHUNK_BYTES};
pub use api::{FindIter, IdIter, QueryFieldStats, PARENTS_PER_REQUEST};
/// Re-exported for generated code and users: the date and date-time types.
pub use chrono;
pub use client::{
    default_user_agent, Client, ClientBuilder, DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RESPONSE_BYTES,
};
pub use credentials::{Credentials, Secret};
pub use error::{Error, Result};
pub use request::{
    BatchRequest, Direction, FieldUpdate, Filter, Grouping, LogicalOperator, Query, ReturnOnly,
    Sort, Summary, UpdateMode,
};
pub use retry::RetryPolicy;
/// Re-exported for generated code and users: the JSON type every record travels as.
pub use serde_json;
pub use sg_api3::query;
pub use sg_api3::schema;
pub use site::Site;
pub use value::{EntityRef, FileLink, Image, ValueError, WireValue};
