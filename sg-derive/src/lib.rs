//! Derive macros for sg-runtime. The projection derive (`#[derive(Select)]`, a user struct
//! that names its entity type and whose fields are checked against the generated schema) is
//! being built; this crate holds no macro yet.
