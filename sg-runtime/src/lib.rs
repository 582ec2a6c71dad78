//! The client for the ShotGrid (Autodesk Flow Production Tracking) api3 protocol, and the typed
//! API that takes the types `sg-codegen` generates from your site's schema, so that the compiler
//! checks every field, filter operator, value, link and write against that schema.
//!
//! ```rust,ignore
//! // `sg` is your bindings crate: `sg-codegen` in its build.rs (see the README).
//! use sg::{Sequence, Shot, ShotSgStatusList, Version};
//! use sg_runtime::Client;
//!
//! let client = Client::from_env("https://studio.shotgrid.autodesk.com")?;
//! // A filter, a deep link and a sort, each checked against the schema.
//! let shots: Vec<Shot> = Shot::find()
//!     .filter(Shot::F.sg_status_list.is_in([ShotSgStatusList::Ip, ShotSgStatusList::Rev]))
//!     .filter(Shot::F.sg_sequence.via(Sequence::F.code).is("SQ010"))
//!     .sort(Shot::F.code.asc())
//!     .all(&client)?;
//! // A create with a typed link: a link of another entity type does not compile.
//! let version = Version::create()
//!     .set(Version::F.code, "sq10_sh010_anim_v001")
//!     .set(Version::F.entity, shots[0].link())
//!     .send(&client)?;
//! ```
//!
//! (The example needs generated bindings, so it is not compiled here; `examples/` in the
//! repository holds nine programs that are, and the README's typed page shows the rest.)
//!
//! * [`typed`]: the typed API: handles per field (`Shot::F.code`), conditions, reads, writes,
//!   batches, summaries, links and ids typed by entity type. Generated code names what it
//!   needs from here.
//! * [`Client`] speaks the wire protocol: authentication, retries with back-off (writes never
//!   resent blind), paging and reads ahead, and the untyped methods over
//!   [`serde_json::Value`] (for what a schema cannot name), one file per api3 area in
//!   `src/api/`.
//! * [`events`]: the event daemon's loop, built once; [`webhook`]: deliveries verified and
//!   typed.
//! * [`value`] holds the value types every layer shares (entity references, file links, dates)
//!   and their conversions to and from the wire; [`schema`] is the one schema model.
//!
//! The untyped way, for scripts without bindings:
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
