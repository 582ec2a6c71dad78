//! The ShotGrid api3 vocabulary: what the client ([`sg-runtime`]), the local site
//! (`sg-localsite`) and the code generator (`sg-codegen`) must agree on, and nothing that does
//! I/O.
//!
//! * [`schema`]: the one schema model of the workspace (the server's own `schema_read` /
//!   `schema_entity_read` JSON, nothing lost) and its snapshot file format;
//! * [`data_type`]: the data-type table: each data type's kind, filter relations, accepted
//!   value and read-only-ness;
//! * [`methods`]: the registry of api3 methods, each named once with its kind;
//! * [`routes`]: the routes besides `/api3/json` (uploads, downloads), and which may be
//!   repeated;
//! * [`wire`]: entity links, the wire forms of dates and date-times, upload content types.
//!
//! [`sg-runtime`]: https://docs.rs/sg-runtime

pub mod data_type;
pub mod methods;
pub mod query;
pub mod routes;
pub mod schema;
pub mod webhook;
pub mod wire;
