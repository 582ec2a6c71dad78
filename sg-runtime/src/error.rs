//! The one error type of the client.

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to a site. Messages name the api3 method and, where known,
/// the entity type and field. No variant ever holds a key, password or token: server messages are
/// redacted before they are stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The site given to the client is neither a bare name nor an http(s) URL.
    #[error("invalid site `{site}`: {reason}")]
    InvalidSite {
        /// What the user gave.
        site: String,
        /// Why it was refused.
        reason: String,
    },
    /// Credentials are missing or incomplete.
    #[error("credentials: {0}")]
    Credentials(String),
    /// The server refused the credentials (api3 error_code 102).
    #[error("{method}: authentication failed: {message}")]
    Authentication {
        /// The api3 method.
        method: String,
        /// The server's message.
        message: String,
    },
    /// The account needs a two-factor code (api3 error_code 106).
    #[error("{method}: two-factor authentication is required; pass the current code as the auth token: {message}")]
    TwoFactorRequired {
        /// The api3 method.
        method: String,
        /// The server's message.
        message: String,
    },
    /// The site authenticates people through SSO only (api3 error_code 108); use a script or a session token.
    #[error("{method}: this site uses single sign-on; log in with a script key or a session token: {message}")]
    SsoSite {
        /// The api3 method.
        method: String,
        /// The server's message.
        message: String,
    },
    /// The site authenticates people through Autodesk Identity (api3 error_code 110).
    #[error("{method}: this site uses Autodesk Identity; log in with a script key or a session token: {message}")]
    AutodeskIdentity {
        /// The api3 method.
        method: String,
        /// The server's message.
        message: String,
    },
    /// Any other fault the server reported in the api3 envelope.
    #[error("{method}{}: server error {code}: {message}", entity_suffix(.entity_type))]
    Server {
        /// The api3 method.
        method: String,
        /// The entity type of the request, where it had one.
        entity_type: Option<String>,
        /// The api3 `error_code` (0 when the server gave none).
        code: i64,
        /// The server's message.
        message: String,
    },
    /// The server answered with an HTTP error status (4xx, 5xx).
    #[error("{method}{}: HTTP {status}{}{}{}", entity_suffix(.entity_type), if *.status == 503 { " (site in maintenance or overloaded)" } else { "" }, pause_suffix(.pause), text_suffix(.text))]
    Http {
        /// The api3 method.
        method: String,
        /// The entity type of the request, where it had one.
        entity_type: Option<String>,
        /// The HTTP status.
        status: u16,
        /// The text of the error page, shortened (a site says there why API access is blocked).
        text: String,
        /// The pause the site asked for (`Retry-After`), as the client keeps it (cut to
        /// [`RetryPolicy::max_pause`](crate::RetryPolicy::max_pause)): every request of the
        /// client waits it out from when this answer came.
        pause: Option<std::time::Duration>,
    },
    /// The server answered with a redirect the client does not follow: a 301, 302 or 303 (following
    /// it would turn the POST into a GET), a redirect from https to http, or too many hops.
    /// 307 and 308 are followed with the same request.
    #[error("{method}{}: HTTP {status} redirect to `{location}` not followed: {why}; point the client at the new address", entity_suffix(.entity_type))]
    Redirect {
        /// The api3 method.
        method: String,
        /// The entity type of the request, where it had one.
        entity_type: Option<String>,
        /// The HTTP status (310 for too many redirects).
        status: u16,
        /// The `location` the server gave.
        location: String,
        /// Why it was not followed.
        why: String,
    },
    /// No answer within the read timeout.
    #[error("{method}{}: timed out after {}s", entity_suffix(.entity_type), .after.as_secs_f64())]
    Timeout {
        /// The api3 method.
        method: String,
        /// The entity type of the request, where it had one.
        entity_type: Option<String>,
        /// The timeout that expired.
        after: std::time::Duration,
    },
    /// The connection could not be made, or broke before an answer came.
    #[error("{method}{}: connection failed{}: {detail}", entity_suffix(.entity_type), if *.sent { " after the request was sent" } else { "" })]
    Connection {
        /// The api3 method.
        method: String,
        /// The entity type of the request, where it had one.
        entity_type: Option<String>,
        /// Whether the request may have reached the server.
        sent: bool,
        /// What failed.
        detail: String,
    },
    /// The server's answer was not an api3 envelope.
    #[error("{method}{}: malformed response: {detail}", entity_suffix(.entity_type))]
    Malformed {
        /// The api3 method.
        method: String,
        /// The entity type of the request, where it had one.
        entity_type: Option<String>,
        /// What was wrong, with the start of the body.
        detail: String,
    },
    /// A value from the server did not have the shape its field's type needs.
    #[error("{entity_type} #{id}: field `{field}`: {message}")]
    Decode {
        /// The entity type.
        entity_type: String,
        /// The record's id (0 when unknown).
        id: i64,
        /// The field.
        field: String,
        /// What was wrong.
        message: String,
    },
    /// A field was read from a record that was fetched without it (a partial read, or the
    /// answer to a write): its value on the site is not known, which is not the same as empty.
    #[error("{entity_type} #{id}: field `{field}` was not read (ask for it in `fields(...)` or `returning(...)`)")]
    NotRead {
        /// The entity type.
        entity_type: String,
        /// The record's id.
        id: i64,
        /// The field.
        field: String,
    },
    /// A field that must be set is empty on the site (`Partial::require`).
    #[error("{entity_type} #{id}: field `{field}` is empty")]
    Empty {
        /// The entity type.
        entity_type: String,
        /// The record's id.
        id: i64,
        /// The field.
        field: String,
    },
    /// A summary was read from a `summarize` result that was not asked for it.
    #[error("{entity_type}: no `{summary}` of `{field}` was asked for in this summarize")]
    NotSummarized {
        /// The entity type.
        entity_type: String,
        /// The field.
        field: String,
        /// The summary type read.
        summary: String,
    },
    /// A group's value was read by a field that is not the one its level was grouped on
    /// exactly (a date or number bucket, an entity type or a first letter has only its name).
    #[error("{entity_type}: this group's level is grouped on `{grouped_on}` ({grouping_type}); its value cannot be read as `{field}`{}", if .grouping_type == "exact" { "" } else { " (read `name()` for a bucket's label)" })]
    NotGrouped {
        /// The entity type.
        entity_type: String,
        /// The field whose group value was read.
        field: String,
        /// The field the level is grouped on.
        grouped_on: String,
        /// The level's grouping type (`exact`, `day`, `entitytype`, ...).
        grouping_type: String,
    },
    /// A link whose entity type a field or a typed link does not allow.
    #[error(transparent)]
    LinkType(#[from] LinkTypeError),
    /// A write (`create`, `update`, `delete`, `revive`, `batch`, or any method not known to be
    /// read-only) failed in a way that does not say whether the site applied it: a 5xx answer
    /// (a gateway answers 502 or 504 while the site goes on to apply the request), a timeout,
    /// a connection cut after the request was sent, or a 2xx answer that was not a whole api3
    /// envelope. It is never sent again blind: check the site (the params hold what was sent),
    /// or give creates an idempotency key, which makes the client do that check itself.
    #[error("{cause}; it may have been applied (sent at {}{}): check the site before sending it again", .sent_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), fields_suffix(.params))]
    MayHaveBeenApplied {
        /// The api3 method.
        method: String,
        /// The entity type of the request, where it had one.
        entity_type: Option<String>,
        /// The PARAMS sent, as sent (never the credentials): for a create, its `type` and `fields`.
        params: serde_json::Value,
        /// When the request was first sent.
        sent_at: chrono::DateTime<chrono::Utc>,
        /// What failed: [`Error::Http`], [`Error::Timeout`], [`Error::Connection`] or
        /// [`Error::Malformed`].
        cause: Box<Error>,
    },
    /// A write with an idempotency key that failed on every try, each time proven not applied
    /// (no record with its key appeared within the reconcile window).
    #[error("{method}{}: not applied after {tries} tries (the idempotency key is not on the site): {cause}", entity_suffix(.entity_type))]
    NotApplied {
        /// The api3 method.
        method: String,
        /// The entity type of the request, where it had one.
        entity_type: Option<String>,
        /// The tries made.
        tries: u32,
        /// The last try's failure.
        cause: Box<Error>,
    },
    /// An upload failed at one of its steps (getting a storage link, sending the bytes, linking
    /// the file to the entity).
    #[error("upload of {}: {step} failed: {cause}", .path.display())]
    Upload {
        /// The file.
        path: std::path::PathBuf,
        /// The step: the upload route (`api_get_upload_link_info`, `upload to storage`,
        /// `api_link_file`, `upload/upload_file`, ...).
        step: String,
        /// What failed. A step that makes the Attachment can fail with
        /// [`Error::MayHaveBeenApplied`].
        cause: Box<Error>,
    },
    /// The caller asked for something the client will not send.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// An event-stream checkpoint file that cannot be used: unreadable, or not a checkpoint
    /// (which field, and why; the file's text is not quoted).
    #[error("event checkpoint {}{}: {problem}", .path.display(), .field.as_ref().map(|f| format!(": `{f}`")).unwrap_or_default())]
    Checkpoint {
        /// The file.
        path: std::path::PathBuf,
        /// The field at fault, when one is.
        field: Option<String>,
        /// What is wrong.
        problem: String,
    },
    /// A page of a read of many pages failed, after the pages before it were read (each page is
    /// its own request, tried again on its own as a read is).
    #[error("{cause} (page {page} of the read)")]
    Page {
        /// The page, from 1.
        page: usize,
        /// What failed.
        cause: Box<Error>,
    },
    /// A query field could not be computed: which field (of which entity type), and why.
    #[error("query field {entity_type}.{field}: {cause}")]
    QueryField {
        /// The entity type read.
        entity_type: String,
        /// The field, or `link.Type.field` path.
        field: String,
        /// What failed.
        cause: Box<Error>,
    },
    /// A bulk write ([`Client::bulk`](crate::Client::bulk)) did not land whole: some chunks
    /// (each its own transaction) failed. The counts are of requests.
    #[error("bulk write: {landed} requests landed, {not_applied} did not, {unknown} may have; requests {}..{}, sent as one batch (a request number in the site's message counts from request {} of the bulk): {cause}", .requests.start, .requests.end, .requests.start)]
    Bulk {
        /// Requests in chunks that landed.
        landed: usize,
        /// Requests in chunks that did not land.
        not_applied: usize,
        /// Requests in chunks that may have landed or not.
        unknown: usize,
        /// The first chunk that did not land, as indices into the requests.
        requests: std::ops::Range<usize>,
        /// Why it did not.
        cause: Box<Error>,
    },
}

fn text_suffix(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// `; fields a, b` for the fields of a create or update, `; N requests` for a batch.
fn fields_suffix(params: &serde_json::Value) -> String {
    use serde_json::Value;
    let names: Vec<&str> = match params.get("fields") {
        Some(Value::Object(m)) => m.keys().map(String::as_str).collect(),
        Some(Value::Array(updates)) => updates
            .iter()
            .filter_map(|u| u.get("field_name").and_then(Value::as_str))
            .collect(),
        _ => match params {
            Value::Array(requests) => return format!("; {} requests", requests.len()),
            _ => Vec::new(),
        },
    };
    if names.is_empty() {
        return String::new();
    }
    // Bounded: a create of a thousand fields names the first twenty.
    let shown = names
        .iter()
        .take(20)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let more = names.len().saturating_sub(20);
    if more > 0 {
        format!("; fields {shown} and {more} more")
    } else {
        format!("; fields {shown}")
    }
}

fn entity_suffix(entity_type: &Option<String>) -> String {
    match entity_type {
        Some(t) => format!(" {t}"),
        None => String::new(),
    }
}

impl Error {
    /// Whether this is a write whose outcome is unknown ([`Error::MayHaveBeenApplied`], also
    /// as the cause of an [`Error::Upload`]).
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Error::MayHaveBeenApplied { .. } => true,
            Error::Upload { cause, .. } | Error::Page { cause, .. } => {
                cause.may_have_been_applied()
            }
            Error::Bulk { unknown, .. } => *unknown > 0,
            _ => false,
        }
    }

    /// The api3 error code, for server-reported errors.
    pub fn error_code(&self) -> Option<i64> {
        match self {
            Error::Authentication { .. } => Some(102),
            Error::TwoFactorRequired { .. } => Some(106),
            Error::SsoSite { .. } => Some(108),
            Error::AutodeskIdentity { .. } => Some(110),
            Error::Server { code, .. } => Some(*code),
            Error::Page { cause, .. }
            | Error::Bulk { cause, .. }
            | Error::QueryField { cause, .. } => cause.error_code(),
            _ => None,
        }
    }
}

/// A link whose entity type is not one a field or a typed link allows: a run-time conversion
/// (`try_into()`, a field handle's `fit`) that failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{found} #{id} {}", match .field {
    Some(field) => format!("cannot go into {field}, which links to {}", allowed_list(.allowed)),
    None => format!("is not a link to {}", allowed_list(.allowed)),
})]
pub struct LinkTypeError {
    /// The entity type the link points at.
    pub found: String,
    /// The record's id.
    pub id: i64,
    /// The entity types allowed; empty when no entity type of the bindings is.
    pub allowed: &'static [&'static str],
    /// The field the link was checked for (`Version.entity`), when it was a field's check.
    pub field: Option<String>,
}

fn allowed_list(allowed: &[&str]) -> String {
    match allowed {
        [] => "any entity type of these bindings".into(),
        [one] => (*one).to_string(),
        many => format!("one of {}", many.join(", ")),
    }
}

/// `; the client pauses every request for N s, as the site asked`, where it does.
fn pause_suffix(pause: &Option<std::time::Duration>) -> String {
    match pause {
        Some(d) => format!(
            "; every request of this client now waits {} s, as the site asked (RetryPolicy::max_pause bounds it)",
            d.as_secs_f64().ceil()
        ),
        None => String::new(),
    }
}
