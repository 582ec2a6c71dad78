//! The registry of api3 methods: each named once, with its kind.

/// Whether a method changes the site, which decides whether a try whose fate is unknown may
/// be repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Changes nothing: a try whose fate is unknown may be repeated.
    ReadOnly,
    /// Changes the site: sent again only when the failure proves the site never saw it.
    Write,
}

macro_rules! registry {
    ($($name:literal => $kind:ident,)*) => {
        /// Every api3 method, by the name sent as `method_name`, with its kind.
        pub const ALL: &[(&str, Kind)] = &[$(($name, Kind::$kind)),*];
    };
}

registry! {
    "info" => ReadOnly,
    "get_session_token" => ReadOnly,
    "read" => ReadOnly,
    "create" => Write,
    "update" => Write,
    "delete" => Write,
    "revive" => Write,
    "batch" => Write,
    "summarize" => ReadOnly,
    "schema_read" => ReadOnly,
    "schema_entity_read" => ReadOnly,
    "schema_field_read" => ReadOnly,
    "schema_field_create" => Write,
    "schema_field_update" => Write,
    "schema_field_delete" => Write,
    "work_schedule_read" => ReadOnly,
    "work_schedule_update" => Write,
    "preferences_read" => ReadOnly,
    "update_project_last_accessed_by_current_user" => Write,
    "user_subscriptions_read" => ReadOnly,
    "user_subscriptions_create" => Write,
    "nav_expand" => ReadOnly,
    "nav_search" => ReadOnly,
    "export_page" => ReadOnly,
    "note_thread_contents" => ReadOnly,
    "activity_stream" => ReadOnly,
    "query_display_name_cache" => ReadOnly,
    "follow" => Write,
    "unfollow" => Write,
    "followers" => ReadOnly,
    "following" => ReadOnly,
}

/// The kind of the method sent as `name`: a method not in the registry is a write, so that it
/// is never repeated blind.
pub fn kind_of(name: &str) -> Kind {
    ALL.iter()
        .find(|(n, _)| *n == name)
        .map_or(Kind::Write, |(_, k)| *k)
}
