//! The registry of api3 methods: each method named once, with its kind and the shapes of its
//! params and answer as types.
//!
//! The client (sg-runtime's `api/`), its retry rules and the local site (sg-localsite's `api/`)
//! all take a method from here: the client sends `M::Params` and reads `M::Answer`, retries as
//! `M::KIND` allows, and the site implements [`Handler<M>`] for every `M`, which [`dispatch`]
//! requires, so a method without a handler does not compile. The wire shapes are in one file
//! per area, named as the client's and the site's files for the same methods are
//! (`following.rs` here, in `sg-runtime/src/api/` and in `sg-localsite/src/api/`).
//!
//! The shapes follow what the official Python client (`shotgun_api3`) sends and expects; the
//! tests that drive it against the local site, and the response corpus, check both sides from
//! outside, so that they cannot merely agree with each other.
//!
//! Adding a method: its params and answer in the area's file here, one line in the table below,
//! a client function in sg-runtime's `api/<area>.rs`, a `Handler` in sg-localsite's
//! `api/<area>.rs`, and a test.

pub mod activity;
pub mod following;
pub mod nav;
pub mod notes;
pub mod read;
pub mod schema;
pub mod site;
pub mod summarize;
pub mod write;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether a method changes the site, which decides whether a try whose fate is unknown may
/// be repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// Changes nothing: a try whose fate is unknown may be repeated.
    ReadOnly,
    /// Changes the site: sent again only when the failure proves the site never saw it.
    Write,
}

/// One api3 method.
pub trait Method: 'static {
    /// The name sent as `method_name`.
    const NAME: &'static str;
    /// Whether it changes the site.
    const KIND: MethodKind;
    /// Whether the AUTH object is sent (every method but `info`).
    const AUTH: bool;
    /// The PARAMS sent after the AUTH object (omitted when they serialise to `null`).
    type Params: Serialize + DeserializeOwned;
    /// The `results` of the answer.
    type Answer: Serialize + DeserializeOwned;
}

/// An api3 error answer: `{"exception": true, "message": ..., "error_code": ...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    /// The `error_code`: 102 authentication, 103 a request the site refuses, 104 permission,
    /// 106 two-factor authentication required, 108 SSO site, 110 Autodesk Identity site.
    pub code: i64,
    /// The `message`.
    pub message: String,
}

impl Exception {
    /// An error answer with `code` and `message`.
    pub fn new(code: i64, message: impl Into<String>) -> Exception {
        Exception {
            code,
            message: message.into(),
        }
    }
}

/// No PARAMS: sent as none, and whatever comes is taken as none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoParams;

impl Serialize for NoParams {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for NoParams {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NoParams, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| NoParams)
    }
}

/// The site's side of method `M`: answers its params.
pub trait Handler<M: Method> {
    /// Answers one request of `M`.
    fn handle(&mut self, params: M::Params) -> Result<M::Answer, Exception>;
}

/// The error code of a request whose params do not have the method's shape.
pub const BAD_PARAMS: i64 = 103;

/// Reads `params` as `M::Params`, has `site` answer them, and writes the answer as JSON.
fn call<M: Method, S: Handler<M> + ?Sized>(
    site: &mut S,
    params: Value,
) -> Result<Value, Exception> {
    let params = serde_json::from_value(params)
        .map_err(|e| Exception::new(BAD_PARAMS, format!("API {}(): bad params: {e}", M::NAME)))?;
    let answer = site.handle(params)?;
    serde_json::to_value(answer).map_err(|e| {
        Exception::new(
            100,
            format!("API {}(): the answer is not JSON: {e}", M::NAME),
        )
    })
}

/// Declares each method's marker type and its [`Method`] impl, the [`ALL`] table, the [`Site`]
/// trait (a [`Handler`] for every method) and [`dispatch`].
macro_rules! registry {
    ($(
        $(#[$doc:meta])*
        $ty:ident = $name:literal, $kind:ident, auth: $auth:literal, $params:ty => $answer:ty;
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug)]
            pub enum $ty {}
            impl Method for $ty {
                const NAME: &'static str = $name;
                const KIND: MethodKind = MethodKind::$kind;
                const AUTH: bool = $auth;
                type Params = $params;
                type Answer = $answer;
            }
        )*

        /// Every api3 method of the registry.
        pub const ALL: &[MethodInfo] = &[$(MethodInfo {
            name: $name,
            kind: MethodKind::$kind,
            auth: $auth,
        }),*];

        /// A site: a [`Handler`] for every method of the registry.
        #[diagnostic::on_unimplemented(
            message = "`{Self}` does not answer every api3 method of the registry",
            label = "a site answers every method of `sg_api3::methods`",
            note = "rustc's `help` names the method: implement `Handler<..>` for it in the area's file (sg-localsite/src/api/)"
        )]
        pub trait Site: $(Handler<$ty> +)* {}
        impl<S: ?Sized $(+ Handler<$ty>)*> Site for S {}

        /// Answers the request of the method sent as `name` with `params` (`null` when none were
        /// sent): the params read as the method's type, the answer written as JSON. A name not
        /// in the registry is an error answer, as on a site.
        pub fn dispatch<S: Site + ?Sized>(
            site: &mut S,
            name: &str,
            params: Value,
        ) -> Result<Value, Exception> {
            match name {
                $($name => call::<$ty, S>(site, params),)*
                other => Err(Exception::new(
                    BAD_PARAMS,
                    format!("API {other}(): unknown method"),
                )),
            }
        }
    };
}

registry! {
    /// The server's version and capabilities; sent without credentials.
    Info = "info", ReadOnly, auth: false, NoParams => site::InfoAnswer;
    /// A session token for the credentials sent (the two-factor exchange, cookie downloads).
    GetSessionToken = "get_session_token", ReadOnly, auth: true, NoParams => site::SessionToken;
    /// One page of the records a query matches.
    Read = "read", ReadOnly, auth: true, read::ReadParams => read::ReadAnswer;
    /// A new record.
    Create = "create", Write, auth: true, write::CreateParams => Value;
    /// Fields of a record set, or added to or removed from.
    Update = "update", Write, auth: true, write::UpdateParams => Value;
    /// A record retired.
    Delete = "delete", Write, auth: true, write::RecordParams => bool;
    /// A retired record brought back.
    Revive = "revive", Write, auth: true, write::RecordParams => bool;
    /// Creates, updates and deletes in one transaction.
    Batch = "batch", Write, auth: true, Vec<write::BatchItem> => Vec<Value>;
    /// Aggregates over the records a filter matches, optionally grouped.
    Summarize = "summarize", ReadOnly, auth: true, summarize::SummarizeParams => summarize::SummarizeAnswer;
    /// Every field of every entity type.
    SchemaRead = "schema_read", ReadOnly, auth: true, Option<schema::ProjectScope> => schema::SchemaFields;
    /// Every entity type with its attributes.
    SchemaEntityRead = "schema_entity_read", ReadOnly, auth: true, Option<schema::ProjectScope> => schema::SchemaEntities;
    /// The fields of one entity type, or one field.
    SchemaFieldRead = "schema_field_read", ReadOnly, auth: true, schema::FieldReadParams => schema::EntityFields;
    /// A new field; answers its wire name.
    SchemaFieldCreate = "schema_field_create", Write, auth: true, schema::FieldCreateParams => String;
    /// Properties of a field changed.
    SchemaFieldUpdate = "schema_field_update", Write, auth: true, schema::FieldUpdateParams => bool;
    /// A field removed.
    SchemaFieldDelete = "schema_field_delete", Write, auth: true, schema::FieldDeleteParams => bool;
    /// For each day of a span, whether it is a working day and why.
    WorkScheduleRead = "work_schedule_read", ReadOnly, auth: true, site::WorkScheduleReadParams => site::WorkSchedule;
    /// A day made a working day or not.
    WorkScheduleUpdate = "work_schedule_update", Write, auth: true, site::WorkScheduleUpdateParams => Value;
    /// Site preferences.
    PreferencesRead = "preferences_read", ReadOnly, auth: true, site::PreferencesParams => serde_json::Map<String, Value>;
    /// That a person opened a project now (the official client's `update_project_last_accessed`).
    UpdateProjectLastAccessed = "update_project_last_accessed_by_current_user", Write, auth: true, site::LastAccessedParams => Value;
    /// Each person's subscriptions.
    UserSubscriptionsRead = "user_subscriptions_read", ReadOnly, auth: true, NoParams => Vec<Value>;
    /// Subscriptions assigned.
    UserSubscriptionsCreate = "user_subscriptions_create", Write, auth: true, site::SubscriptionsParams => site::Status;
    /// A node of the navigation hierarchy with its children.
    NavExpand = "nav_expand", ReadOnly, auth: true, nav::NavExpandParams => Value;
    /// Nodes of the navigation hierarchy found by name or record (the official client's
    /// `nav_search_string` and `nav_search_entity`).
    NavSearch = "nav_search", ReadOnly, auth: true, nav::NavSearchParams => Value;
    /// A page's records as text.
    ExportPage = "export_page", ReadOnly, auth: true, nav::ExportPageParams => String;
    /// A note with its replies and attachments (the official client's `note_thread_read`).
    NoteThreadContents = "note_thread_contents", ReadOnly, auth: true, notes::NoteThreadParams => Vec<Value>;
    /// Records found by display name (the official client's `text_search`).
    QueryDisplayNameCache = "query_display_name_cache", ReadOnly, auth: true, notes::TextSearchParams => notes::TextSearchAnswer;
    /// A record's activity stream (the official client's `activity_stream_read`).
    ActivityStream = "activity_stream", ReadOnly, auth: true, activity::ActivityStreamParams => Value;
    /// A person follows a record.
    Follow = "follow", Write, auth: true, following::FollowParams => following::FollowAnswer;
    /// A person stops following a record.
    Unfollow = "unfollow", Write, auth: true, following::FollowParams => following::UnfollowAnswer;
    /// The people following a record.
    Followers = "followers", ReadOnly, auth: true, following::FollowersParams => Vec<crate::wire::EntityRef>;
    /// What a person follows.
    Following = "following", ReadOnly, auth: true, following::FollowingParams => Vec<crate::wire::EntityRef>;
}

/// A method of the registry, by name: for callers that name a method at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MethodInfo {
    /// The name sent as `method_name`.
    pub name: &'static str,
    /// Whether it changes the site.
    pub kind: MethodKind,
    /// Whether the AUTH object is sent.
    pub auth: bool,
}

/// The method sent as `name`; one not in the registry is taken as a write that sends AUTH, so
/// that it is never repeated blind.
pub fn info_of(name: &str) -> MethodInfo {
    ALL.iter()
        .find(|m| m.name == name)
        .copied()
        .unwrap_or(MethodInfo {
            name: "",
            kind: MethodKind::Write,
            auth: true,
        })
}

/// The kind of the method sent as `name` (a write when not in the registry).
pub fn kind_of(name: &str) -> MethodKind {
    info_of(name).kind
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_is_named_once() {
        let mut names: Vec<&str> = ALL.iter().map(|m| m.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before);
    }

    #[test]
    fn an_unknown_method_is_a_write() {
        assert_eq!(kind_of("some_method_added_later"), MethodKind::Write);
        assert_eq!(kind_of(Read::NAME), MethodKind::ReadOnly);
        // The names on the wire, not the official client's Python names.
        for python_name in ["text_search", "activity_stream_read", "note_thread_read"] {
            assert_eq!(kind_of(python_name), MethodKind::Write, "{python_name}");
        }
    }
}
